/* Unit tests for cmd/health.c: finding a daemon's flock in /proc/locks
 * without taking it. */
#include "cmd/health.h"
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char sample[] = "1: POSIX  ADVISORY  WRITE 812 fd:01:5000 0 EOF\n"
			     "2: FLOCK  ADVISORY  READ 813 fd:01:5001 0 EOF\n"
			     "3: FLOCK  ADVISORY  WRITE 814 00:2d:5002 0 EOF\n"
			     "3: -> FLOCK  ADVISORY  WRITE 815 fd:01:5003 0 EOF\n"
			     "4: OFDLCK ADVISORY  WRITE -1 fd:01:5004 0 EOF";

TEST(health_finds_an_exclusive_flock_by_inode)
{
	CHECK(health_locks_flock(sample, 5002));
}

TEST(health_ignores_other_kinds_of_lock_and_waiters)
{
	CHECK(!health_locks_flock(sample, 5000)); /* POSIX (SQLite's kind) */
	CHECK(!health_locks_flock(sample, 5001)); /* shared */
	CHECK(!health_locks_flock(sample, 5003)); /* only waiting for it */
	CHECK(!health_locks_flock(sample, 5004));
	CHECK(!health_locks_flock(sample, 5)); /* a prefix of 5002 */
	CHECK(!health_locks_flock("", 5002));
}

/* /proc/locks into @buf (NUL-terminated); its length, or -1. */
static ssize_t read_locks(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n = 0;
	int fd = open("/proc/locks", O_RDONLY);

	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return n < 0 ? -1 : (ssize_t)len;
}

/* The kernel's real format: a flock taken here shows, and goes with unlock. */
TEST(health_sees_a_real_flock_in_proc_locks)
{
	char path[] = "/tmp/ttfs-health-XXXXXX";
	static char buf[1 << 20];
	struct stat sb;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && fstat(fd, &sb) == 0);
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK(read_locks(buf, sizeof(buf)) > 0);
	CHECK(health_locks_flock(buf, (uint64_t)sb.st_ino));
	flock(fd, LOCK_UN);
	CHECK(read_locks(buf, sizeof(buf)) >= 0);
	CHECK(!health_locks_flock(buf, (uint64_t)sb.st_ino));
	close(fd);
	unlink(path);
}

UNIT_MAIN()

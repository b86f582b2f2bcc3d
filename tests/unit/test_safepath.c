/*
 * Walking a shared drop folder: every link, odd file and ".." that a share
 * user can plant is refused, and what is refused is described for a person.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit.h"
#include "util/safepath.h"

static char dir[64];
static int root_fd;

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char p[256], q[256];

	snprintf(dir, sizeof(dir), "/tmp/tt-safepath-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(p, sizeof(p), "%s/outbox", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/posted", dir);
	mkdir(p, 0755);
	put("outbox/clip.mp4", "video");
	put("secret", "root only");
	snprintf(p, sizeof(p), "%s/outbox/link.caption", dir);
	snprintf(q, sizeof(q), "%s/secret", dir);
	if (symlink(q, p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/posted/sub", dir);
	if (symlink("/tmp", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/outbox/fifo.caption", dir);
	mkfifo(p, 0644);
	snprintf(p, sizeof(p), "%s/outbox/hard.caption", dir);
	if (link(q, p) < 0)
		abort();
	root_fd = sp_open_root(dir);
}

TEST(test_regular_file_opens)
{
	struct stat st;
	char buf[16] = {0};
	int fd = sp_open_regular(root_fd, "outbox/clip.mp4", &st);

	CHECK(fd >= 0);
	CHECK_INT(read(fd, buf, sizeof(buf) - 1), 5);
	CHECK_STR(buf, "video");
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

TEST(test_symlink_is_refused_and_named)
{
	struct stat st;
	char buf[160];

	CHECK_INT(sp_open_regular(root_fd, "outbox/link.caption", &st), -ELOOP);
	CHECK_CONTAINS(sp_describe(-ELOOP, &st, buf, sizeof(buf)), "symbolic link");
}

TEST(test_fifo_is_refused_without_blocking)
{
	struct stat st;
	char buf[160];

	CHECK_INT(sp_open_regular(root_fd, "outbox/fifo.caption", &st), -EINVAL);
	CHECK_CONTAINS(sp_describe(-EINVAL, &st, buf, sizeof(buf)), "FIFO");
}

TEST(test_hard_link_is_refused_with_its_count)
{
	struct stat st;
	char buf[160];

	CHECK_INT(sp_open_regular(root_fd, "outbox/hard.caption", &st), -EMLINK);
	CHECK_CONTAINS(sp_describe(-EMLINK, &st, buf, sizeof(buf)), "2 hard links");
	CHECK_INT(sp_check_regular(root_fd, "outbox/hard.caption", NULL), -EMLINK);
	CHECK_INT(sp_check_regular(root_fd, "outbox/clip.mp4", NULL), 0);
}

TEST(test_symlinked_folder_is_not_walked)
{
	int fd;

	CHECK_INT(sp_open_dir(root_fd, "posted/sub"), -ELOOP);
	CHECK_INT(sp_mkdir_p(root_fd, "posted/sub/deeper", 0755, (uid_t)-1, (gid_t)-1), -ELOOP);
	CHECK_INT(sp_rename(root_fd, "outbox/clip.mp4", "posted/sub/clip.mp4", 0), -ELOOP);
	CHECK_INT(sp_open_regular(root_fd, "posted/sub/anything", NULL), -ELOOP);
	fd = sp_mkdir_p(root_fd, "posted/new/deeper", 0750, (uid_t)-1, (gid_t)-1);
	CHECK(fd >= 0);
	close(fd);
}

TEST(test_dot_dot_never_climbs_out)
{
	CHECK_INT(sp_open_dir(root_fd, "outbox/../.."), -EINVAL);
	CHECK_INT(sp_open_regular(root_fd, "../etc/passwd", NULL), -EINVAL);
	CHECK_INT(sp_rename(root_fd, "outbox/clip.mp4", "posted/..", 0), -EINVAL);
}

TEST(test_rename_and_unlink_between_folders)
{
	struct stat st;

	CHECK_INT(sp_rename(root_fd, "outbox/clip.mp4", "posted/new/clip.mp4", RENAME_NOREPLACE), 0);
	CHECK_INT(sp_lstat(root_fd, "posted/new/clip.mp4", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(sp_unlink(root_fd, "posted/new/clip.mp4"), 0);
	CHECK_INT(sp_lstat(root_fd, "posted/new/clip.mp4", &st), -ENOENT);
}

TEST(test_socket_and_folder_are_described)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	char buf[160];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/outbox/sock.caption", dir);
	CHECK_INT(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(sp_open_regular(root_fd, "outbox/sock.caption", &st), -EINVAL);
	CHECK_CONTAINS(sp_describe(-EINVAL, &st, buf, sizeof(buf)), "socket");
	CHECK_INT(sp_open_regular(root_fd, "outbox", &st), -EINVAL);
	CHECK_CONTAINS(sp_describe(-EINVAL, &st, buf, sizeof(buf)), "folder");
	close(s);
}

int main(void)
{
	char cmd[128];
	int rc;

	setup();
	unit_run_all();
	rc = UNIT_DONE();
	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

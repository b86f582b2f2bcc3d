/*
 * Unit tests for meta/job/itemfile.c and the readers built on it
 * (probe_file_at, sidecar_load_at, rules_validate_at): an item file that
 * is a link, a FIFO, a socket, a device or a folder is refused in words,
 * as an error the user fixes in place, and never opened.
 */
#include "meta/config.h"
#include "meta/job/itemfile.h"
#include "meta/media/probe.h"
#include "meta/rules.h"
#include "meta/caption/sidecar.h"
#include "util/safepath.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char dir[64];
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
	int fd = openat(root_fd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		FAILF("cannot write %s", rel);
	if (fd >= 0)
		close(fd);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_itemfile-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	root_fd = sp_open_root(dir);
	mkdirat(root_fd, "outbox", 0755);
	mkdirat(root_fd, "outside", 0755);
	put("outside/secret", "---\nprivacy: public\n---\nthe root password\n");
	put("outbox/plain.caption", "---\nprivacy: private\n---\nSunset\n");
}

/* Refused with class ERR_USER and @words in the first line. */
static void expect_refused(const char *rel, const char *name, const char *words)
{
	struct tt_error err;
	int fd;

	tt_error_clear(&err);
	fd = itemfile_open(root_fd, rel, name, &err);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
	CHECK(itemfile_refused(fd));
	CHECK_INT(err.cls, ERR_USER);
	CHECK_CONTAINS(err.what, words);
	CHECK(err.advice[0] != '\0');
	tt_error_clear(&err);
	CHECK(itemfile_check(root_fd, rel, name, &err) < 0);
	CHECK_CONTAINS(err.what, words);
}

TEST(test_a_plain_file_opens)
{
	struct tt_error err;
	int fd;

	tt_error_clear(&err);
	fd = itemfile_open(root_fd, "outbox/plain.caption", "plain.caption", &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(itemfile_check(root_fd, "outbox/plain.caption", "plain.caption", &err), 0);
}

TEST(test_symlink_hard_link_fifo_socket_device_folder_are_refused_in_words)
{
	char *abs = xasprintf("%s/outside/secret", dir);

	CHECK_INT(symlinkat(abs, root_fd, "outbox/sym.caption"), 0);
	CHECK_INT(linkat(root_fd, "outside/secret", root_fd, "outbox/hard.caption", 0), 0);
	CHECK_INT(mkfifoat(root_fd, "outbox/fifo.caption", 0644), 0);
	CHECK_INT(mknodat(root_fd, "outbox/sock.caption", S_IFSOCK | 0644, 0), 0);
	CHECK_INT(mkdirat(root_fd, "outbox/dir.caption", 0755), 0);
	expect_refused("outbox/sym.caption", "sym.caption",
		       "sym.caption is refused: it is a symbolic link");
	expect_refused("outbox/hard.caption", "hard.caption",
		       "hard.caption is refused: it has 2 hard links");
	expect_refused("outbox/fifo.caption", "fifo.caption",
		       "fifo.caption is refused: it is a FIFO");
	expect_refused("outbox/sock.caption", "sock.caption",
		       "sock.caption is refused: it is a socket");
	expect_refused("outbox/dir.caption", "dir.caption",
		       "dir.caption is refused: it is a folder");
	if (mknodat(root_fd, "outbox/null.mp4", S_IFCHR | 0644, makedev(1, 3)) == 0)
		expect_refused("outbox/null.mp4", "null.mp4",
			       "null.mp4 is refused: it is a character device");
	free(abs);
}

TEST(test_a_symlinked_folder_on_the_way_is_refused)
{
	char *abs = xasprintf("%s/outside", dir);

	CHECK_INT(symlinkat(abs, root_fd, "outbox/sub"), 0);
	expect_refused("outbox/sub/secret", "secret", "is refused: it is a symbolic link");
	free(abs);
}

TEST(test_a_missing_file_is_no_refusal)
{
	struct tt_error err;

	tt_error_clear(&err);
	CHECK_INT(itemfile_open(root_fd, "outbox/none.caption", "none.caption", &err), -ENOENT);
	CHECK(!itemfile_refused(-ENOENT));
	CHECK_INT(err.cls, ERR_PERMANENT);
}

TEST(test_readers_refuse_without_reading)
{
	struct sidecar sc;
	struct media_info mi;
	struct tt_error err;

	tt_error_clear(&err);
	CHECK_INT(sidecar_load_at(root_fd, "outbox/sym.caption", "sym.caption", &sc, &err), -ELOOP);
	CHECK_INT(err.cls, ERR_USER);
	CHECK_CONTAINS(err.what, "sym.caption is refused");
	CHECK_INT(sidecar_load_at(root_fd, "outbox/fifo.caption", "fifo.caption", &sc, &err),
		  -EINVAL);
	CHECK_CONTAINS(err.what, "fifo.caption is refused: it is a FIFO");
	CHECK_INT(sidecar_load_at(root_fd, "outbox/plain.caption", "plain.caption", &sc, &err), 0);
	CHECK_STR(sc.caption, "Sunset");
	sidecar_free(&sc);
	CHECK_INT(mkfifoat(root_fd, "outbox/fifo.mp4", 0644), 0);
	CHECK_INT(probe_file_at(root_fd, "outbox/fifo.mp4", "fifo.mp4", &mi, &err), -EINVAL);
	CHECK_INT(err.cls, ERR_USER);
	CHECK_CONTAINS(err.what, "fifo.mp4 is refused: it is a FIFO");
}

TEST(test_a_refused_video_is_fixed_in_place_not_failed)
{
	struct config cfg;
	struct verdict v;

	config_defaults(&cfg);
	CHECK_INT(rules_validate_at(&cfg, NULL, root_fd, "outbox/fifo.mp4", "outbox/plain.caption",
				    false, &v),
		  -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_INT(v.error.cls, ERR_USER);
	CHECK_CONTAINS(v.error.what, "fifo.mp4 is refused");
	verdict_free(&v);
	config_free(&cfg);
}

int main(void)
{
	setup();
	unit_run_all();
	close(root_fd);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return UNIT_DONE();
}

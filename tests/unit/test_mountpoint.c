/*
 * cmd/mountpoint.c and daemon_abs_path: a mount point is made absolute (the
 * daemon runs in /, where a relative one names another directory), and what
 * cannot be mounted on is one sentence that names it and says what to do.
 * The stale-mount case needs a dead FUSE mount: tests/integration/
 * test_daemon_start.py has it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/daemon.h"
#include "cmd/mountpoint.h"
#include "unit.h"

static char dir[] = "/tmp/tiktokfs-unit-mp-XXXXXX";

TEST(test_relative_mount_point_becomes_absolute)
{
	struct tt_error err;
	char *abs = NULL, *want;
	char *cwd = getcwd(NULL, 0);

	tt_error_clear(&err);
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(mkdir("mnt", 0755), 0);
	CHECK_INT(mountpoint_resolve("mnt", &abs, &err), 0);
	want = realpath("mnt", NULL);
	CHECK_STR(abs, want);
	CHECK(abs && abs[0] == '/');
	free(abs);
	CHECK_INT(mountpoint_resolve("./mnt/../mnt/", &abs, &err), 0);
	CHECK_STR(abs, want);
	free(abs);
	free(want);
	rmdir("mnt");
	CHECK_INT(chdir(cwd), 0);
	free(cwd);
}

TEST(test_missing_mount_point_says_create_it)
{
	struct tt_error err;
	char *abs = (char *)"x";

	tt_error_clear(&err);
	CHECK_INT(mountpoint_resolve("/nonexistent/tiktokfs-mnt", &abs, &err), -ENOENT);
	CHECK(abs == NULL);
	CHECK(strstr(err.what, "/nonexistent/tiktokfs-mnt") != NULL);
	CHECK(strstr(err.advice, "Create the mount point") != NULL);
}

TEST(test_file_as_mount_point_is_refused)
{
	struct tt_error err;
	char *abs = NULL;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	tt_error_clear(&err);
	CHECK_INT(mountpoint_resolve(path, &abs, &err), -ENOTDIR);
	CHECK(strstr(err.what, "not a directory") != NULL);
	unlink(path);
}

TEST(test_abs_path_is_lexical)
{
	char *cwd = getcwd(NULL, 0);
	char *p, *want;

	CHECK(daemon_abs_path(NULL) == NULL);
	p = daemon_abs_path("/etc/tiktokfs.conf");
	CHECK_STR(p, "/etc/tiktokfs.conf");
	free(p);
	p = daemon_abs_path("conf/t.conf"); /* need not exist */
	want = malloc(strlen(cwd) + 16);
	snprintf(want, strlen(cwd) + 16, "%s/conf/t.conf", strcmp(cwd, "/") ? cwd : "");
	CHECK_STR(p, want);
	free(p);
	free(want);
	CHECK_INT(chdir("/"), 0);
	p = daemon_abs_path("mnt");
	CHECK_STR(p, "/mnt");
	free(p);
	CHECK_INT(chdir(cwd), 0);
	free(cwd);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	unit_run_all();
	rmdir(dir);
	return UNIT_DONE();
}

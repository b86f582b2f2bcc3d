/*
 * util/fileio.h: mkdir -p for the program's own directories, with its
 * mode rule (parents 0755, the last level the mode asked for, both less
 * the umask; what exists is left alone), and file_mkdir_p_exact(), the
 * same walk for a drop folder's root (every level made gets the mode
 * itself, whatever the umask), and file_mkdir_private() (state_dir: 0700).
 */
#include "util/fileio.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp_root(void)
{
	char *t = xstrdup("/tmp/tiktokfs-fileio-XXXXXX");

	if (!mkdtemp(t))
		abort();
	return t;
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

TEST(test_mkdir_p_makes_parents_0755_and_the_last_level_its_mode)
{
	char *root = tmp_root();
	char *a = xasprintf("%s/a", root), *b = xasprintf("%s/a/b", root);
	char *c = xasprintf("%s/a/b/state", root);
	mode_t old = umask(022);

	CHECK_INT(file_mkdir_p(c, 0700), 0);
	CHECK_INT(mode_of(a), 0755);
	CHECK_INT(mode_of(b), 0755);
	CHECK_INT(mode_of(c), 0700);
	/* again: nothing to do, and what exists keeps its mode */
	chmod(c, 0750);
	CHECK_INT(file_mkdir_p(c, 0700), 0);
	CHECK_INT(mode_of(c), 0750);
	umask(old);
	rmdir(c);
	rmdir(b);
	rmdir(a);
	rmdir(root);
	free(a);
	free(b);
	free(c);
	free(root);
}

TEST(test_mkdir_p_takes_doubled_and_trailing_slashes)
{
	char *root = tmp_root();
	char *p = xasprintf("%s//x///y/", root), *y = xasprintf("%s/x/y", root);
	char *x = xasprintf("%s/x", root);

	CHECK_INT(file_mkdir_p(p, 0755), 0);
	CHECK_INT(mode_of(y) >= 0, 1);
	rmdir(y);
	rmdir(x);
	rmdir(root);
	free(p);
	free(x);
	free(y);
	free(root);
}

TEST(test_mkdir_p_refuses_a_file_on_the_way)
{
	char *root = tmp_root();
	char *f = xasprintf("%s/file", root), *under = xasprintf("%s/file/sub", root);
	int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	close(fd);
	CHECK_INT(file_mkdir_p(under, 0700), -ENOTDIR);
	CHECK_INT(file_mkdir_p(f, 0700), -ENOTDIR); /* the last level too */
	unlink(f);
	rmdir(root);
	free(f);
	free(under);
	free(root);
}

TEST(test_mkdir_p_exact_gives_every_level_made_its_mode_despite_the_umask)
{
	char *root = tmp_root();
	char *a = xasprintf("%s/a", root), *b = xasprintf("%s/a/b", root);
	mode_t old = umask(077);

	CHECK_INT(file_mkdir_p_exact(b, 0755), 0);
	umask(old);
	CHECK_INT(mode_of(a), 0755);
	CHECK_INT(mode_of(b), 0755);
	rmdir(b);
	rmdir(a);
	rmdir(root);
	free(a);
	free(b);
	free(root);
}

TEST(test_mkdir_private_makes_or_narrows_to_0700)
{
	char *root = tmp_root();
	char *a = xasprintf("%s/a", root), *st = xasprintf("%s/a/state", root);
	char *f = xasprintf("%s/file", root);
	const char *failed = NULL;
	int fd;

	CHECK_INT(file_mkdir_private(st, &failed), 0);
	CHECK_INT(mode_of(st), 0700);
	chmod(st, 0755); /* an administrator's loose mode is narrowed */
	CHECK_INT(file_mkdir_private(st, &failed), 0);
	CHECK_INT(mode_of(st), 0700);
	fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	close(fd);
	CHECK_INT(file_mkdir_private(f, &failed), -ENOTDIR);
	CHECK_STR(failed, "create the directory");
	unlink(f);
	rmdir(st);
	rmdir(a);
	rmdir(root);
	free(a);
	free(st);
	free(f);
	free(root);
}

UNIT_MAIN()

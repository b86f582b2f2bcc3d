/*
 * Unit tests for meta/job/drop.c: what a name and a path mean to the drop
 * folder, and the folders drop_create() makes (modes by the rule stated in
 * drop.h, whatever the umask; what exists left alone).
 */
#include "meta/job/drop.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(test_copy_tools_temporary_names_are_never_items)
{
	static const char *const temp[] = {
	    ".clip.mp4.Xa3bQ9",
	    ".goutputstream-ABC123",
	    "._clip.mp4",
	    ".DS_Store",
	    "clip.mp4.part",
	    "clip.mp4.partial",
	    "clip.mp4.crdownload",
	    "clip.mp4.tmp",
	    "~clip.mp4",
	    "~$clip.caption",
	    "clip.MP4.PART",
	    "clip.mp4.filepart",
	    "",
	};
	for (size_t i = 0; i < sizeof(temp) / sizeof(temp[0]); i++) {
		if (!drop_is_temp_name(temp[i]))
			FAILF("\"%s\" is not temporary", temp[i]);
		if (drop_is_video_name(temp[i]) || drop_is_caption_name(temp[i]))
			FAILF("\"%s\" counts as an item file", temp[i]);
	}
	CHECK(drop_is_temp_name(NULL));
	CHECK(!drop_is_temp_name("clip.mp4"));
	CHECK(!drop_is_temp_name("clip (2).mp4"));
	CHECK(!drop_is_temp_name("my.part.one.mp4"));
}

TEST(test_video_names_by_extension_in_any_case)
{
	static const char *const video[] = {"a.mp4",  "a.mov",	       "a.m4v", "a.3gp", "a.3g2",
					    "a.webm", "a.mkv",	       "a.avi", "a.mpg", "a.mpeg",
					    "a.ts",   "a.m2ts",	       "a.mts", "a.wmv", "a.asf",
					    "A.MP4",  "clip.final.MoV"};
	for (size_t i = 0; i < sizeof(video) / sizeof(video[0]); i++)
		if (!drop_is_video_name(video[i]))
			FAILF("\"%s\" is not a video name", video[i]);
	CHECK(!drop_is_video_name("clip.caption"));
	CHECK(!drop_is_video_name("clip.mp4.error"));
	CHECK(!drop_is_video_name("mp4"));
	CHECK(!drop_is_video_name("clip.txt"));
	CHECK(drop_is_caption_name("clip.caption"));
	CHECK(drop_is_caption_name("clip.mp4.caption"));
	CHECK(drop_is_caption_name("Clip.CAPTION"));
	CHECK(!drop_is_caption_name(".caption"));
	CHECK(!drop_is_caption_name("clip.caption.tmp"));
}

TEST(test_folder_of_a_path_is_its_top_folder)
{
	CHECK_INT(drop_folder_of("outbox/clip.mp4"), DROP_OUTBOX);
	CHECK_INT(drop_folder_of("scheduled/a/b/clip.mp4"), DROP_SCHEDULED);
	CHECK_INT(drop_folder_of("posted/clip.mp4"), DROP_POSTED);
	CHECK_INT(drop_folder_of("failed"), DROP_FAILED);
	CHECK_INT(drop_folder_of("/outbox/x"), DROP_OUTBOX);
	CHECK_INT(drop_folder_of("outboxes/clip.mp4"), DROP_NONE);
	CHECK_INT(drop_folder_of("STATUS.txt"), DROP_NONE);
	CHECK_INT(drop_folder_of(""), DROP_NONE);
	CHECK_INT(drop_folder_of(NULL), DROP_NONE);
	for (int i = 0; i < DROP_NFOLDERS; i++)
		CHECK_INT(drop_folder_of(drop_folder_name((enum drop_folder)i)), i);
	CHECK(drop_folder_name(DROP_NONE) == NULL);
	CHECK(drop_folder_name(DROP_NFOLDERS) == NULL);
	CHECK(drop_in_scheduled("scheduled/a.mp4") && !drop_in_scheduled("outbox/a.mp4"));
	CHECK(drop_in_scheduled("/scheduled/sub/a.mp4"));
	CHECK(!drop_in_scheduled("scheduledx/a.mp4"));
	CHECK(drop_in_staging("outbox") && drop_in_staging("scheduled/x"));
	CHECK(!drop_in_staging("posted/x") && !drop_in_staging("failed"));
}

/* Samba's .recycle/, macOS's .TemporaryItems/: files there are no items.
 * Watch mode and the tracker each had this rule, and disagreed on empty
 * components: both refuse them now. */
TEST(test_dot_and_empty_folders_hold_no_items)
{
	CHECK(drop_dir_visible("outbox"));
	CHECK(drop_dir_visible("scheduled/sub/deeper"));
	CHECK(drop_dir_visible("outbox/sub.d/x"));
	CHECK(!drop_dir_visible("posted/sub"));
	CHECK(!drop_dir_visible("outbox/.recycle"));
	CHECK(!drop_dir_visible("outbox/sub/.TemporaryItems/x"));
	CHECK(!drop_dir_visible("outbox//x"));
	CHECK(!drop_dir_visible("outbox/sub/"));
	CHECK(!drop_dir_visible(NULL));
	CHECK_INT(drop_classify("outbox/clip.mp4"), DROP_VIDEO);
	CHECK_INT(drop_classify("scheduled/a/clip.caption"), DROP_CAPTION);
	CHECK_INT(drop_classify("outbox/.recycle/clip.mp4"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("outbox//clip.mp4"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("outbox/sub/.x/clip.mp4"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("posted/clip.mp4"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("outbox"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("outbox/clip.txt"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("outbox/.clip.mp4.XyZ"), DROP_NOT_ITEM);
}

/* An item's account is the folder it is in: the root's folders are the
 * default account's, accounts/NAME/ holds NAME's, and below accounts/ a
 * name that could be no account (a dot-folder, an empty one) holds none. */
TEST(test_a_path_belongs_to_the_account_of_its_folder)
{
	char acct[80];

	CHECK_INT(drop_account_of("outbox/clip.mp4", acct, sizeof(acct)), 0);
	CHECK_STR(acct, "default");
	CHECK_INT(drop_account_of("/posted/x.mp4", acct, sizeof(acct)), 0);
	CHECK_STR(acct, "default");
	CHECK_INT(drop_account_of("accounts/b/outbox/sub/clip.mp4", acct, sizeof(acct)), 0);
	CHECK_STR(acct, "b");
	CHECK_INT(drop_account_of("/accounts/brand-a.x/queue", acct, sizeof(acct)), 0);
	CHECK_STR(acct, "brand-a.x");
	CHECK_INT(drop_account_of("accounts/b", acct, sizeof(acct)), 0);
	CHECK_STR(acct, "b");
	CHECK_INT(drop_account_of("accounts", acct, sizeof(acct)), -ENOENT);
	CHECK_INT(drop_account_of("accounts/.recycle/outbox/x.mp4", acct, sizeof(acct)), -ENOENT);
	CHECK_INT(drop_account_of("accounts//outbox/x.mp4", acct, sizeof(acct)), -ENOENT);
	CHECK_INT(drop_account_of(NULL, acct, sizeof(acct)), -ENOENT);

	CHECK_INT(drop_folder_of("accounts/b/outbox/clip.mp4"), DROP_OUTBOX);
	CHECK_INT(drop_folder_of("accounts/b/posted"), DROP_POSTED);
	CHECK_INT(drop_folder_of("accounts/b"), DROP_NONE);
	CHECK_INT(drop_folder_of("accounts"), DROP_NONE);
	CHECK_INT(drop_folder_of("accounts/outbox/x.mp4"), DROP_NONE);
	CHECK_INT(drop_folder_of("accounts/.x/outbox/x.mp4"), DROP_NONE);
	CHECK_INT(drop_classify("accounts/b/outbox/clip.mp4"), DROP_VIDEO);
	CHECK_INT(drop_classify("accounts/unknown/scheduled/a/c.caption"), DROP_CAPTION);
	CHECK_INT(drop_classify("accounts/b/outbox/.recycle/clip.mp4"), DROP_NOT_ITEM);
	CHECK_INT(drop_classify("accounts/b/posted/clip.mp4"), DROP_NOT_ITEM);
	CHECK(drop_dir_visible("accounts/b/queue/sub"));
	CHECK(!drop_dir_visible("accounts/b"));
	CHECK(!drop_dir_visible("accounts/b/outbox/.x"));
	CHECK_STR(drop_account_rel("accounts/b/outbox/x.mp4"), "outbox/x.mp4");
	CHECK_STR(drop_account_rel("/outbox/x.mp4"), "outbox/x.mp4");
	CHECK(drop_account_rel("accounts/b") == NULL);

	CHECK_INT(drop_account_folder("default", DROP_POSTED, acct, sizeof(acct)), 0);
	CHECK_STR(acct, "posted");
	CHECK_INT(drop_account_folder("b", DROP_FAILED, acct, sizeof(acct)), 0);
	CHECK_STR(acct, "accounts/b/failed");
	CHECK_INT(drop_account_folder("b", DROP_FAILED, acct, 8), -ENAMETOOLONG);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static unsigned mode_at(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	struct stat sb;
	unsigned m = lstat(p, &sb) == 0 ? (unsigned)(sb.st_mode & 07777) : 0;

	free(p);
	return m;
}

TEST(test_create_makes_the_folders_by_one_rule_whatever_the_umask)
{
	unsigned folder = geteuid() == 0 ? 01777 : 0755;
	char dir[] = "/tmp/test_drop-XXXXXX";
	char *root;
	struct tt_error err;
	mode_t old;

	if (!mkdtemp(dir)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	root = xasprintf("%s/a/root", dir);
	tt_error_clear(&err);
	old = umask(077);
	CHECK_INT(drop_create(root, &err), 0);
	umask(old);
	CHECK_INT(mode_at(dir, "a"), 0755);
	CHECK_INT(mode_at(dir, "a/root"), 0755);
	CHECK_INT(mode_at(dir, "a/root/outbox"), folder);
	CHECK_INT(mode_at(dir, "a/root/scheduled"), folder);
	CHECK_INT(mode_at(dir, "a/root/posted"), folder);
	CHECK_INT(mode_at(dir, "a/root/failed"), folder);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

TEST(test_create_account_makes_its_folders_by_the_same_rule)
{
	unsigned folder = geteuid() == 0 ? 01777 : 0755;
	char dir[] = "/tmp/test_drop-XXXXXX";
	struct tt_error err;
	mode_t old;

	if (!mkdtemp(dir)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	tt_error_clear(&err);
	old = umask(077);
	CHECK_INT(drop_create(dir, &err), 0);
	CHECK_INT(drop_create_account(dir, "b", &err), 0);
	umask(old);
	CHECK_INT(mode_at(dir, "accounts"), 0755);
	CHECK_INT(mode_at(dir, "accounts/b"), 0755);
	for (int i = 0; i < DROP_NFOLDERS; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "accounts/b/%s", drop_folder_name((enum drop_folder)i));
		CHECK_INT(mode_at(dir, rel), folder);
	}
	CHECK_INT(drop_create_account(dir, ".x", &err), -EINVAL);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A link, a FIFO or a file where an account's folder (or accounts/) goes
 * was planted by someone who can write in the drop folder: nothing is made
 * through it, and the error says what it is and what to do. */
TEST(test_create_account_refuses_what_is_planted_in_its_place)
{
	static const struct {
		const char *rel, *says;
		int kind; /* 0 symlink, 1 FIFO, 2 file */
	} cases[] = {
	    {"accounts/b", "accounts/b: it is a symbolic link, not a folder", 0},
	    {"accounts/b", "accounts/b: it is a FIFO (named pipe), not a folder", 1},
	    {"accounts", "accounts: it is a file, not a folder", 2},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char dir[] = "/tmp/test_drop-XXXXXX", *p, *target;
		struct tt_error err;
		int fd;

		if (!mkdtemp(dir)) {
			FAILF("mkdtemp: %s", strerror(errno));
			return;
		}
		tt_error_clear(&err);
		CHECK_INT(drop_create(dir, &err), 0);
		p = xasprintf("%s/accounts", dir);
		if (strcmp(cases[k].rel, "accounts"))
			CHECK_INT(mkdir(p, 0755), 0);
		free(p);
		p = xasprintf("%s/%s", dir, cases[k].rel);
		target = xasprintf("%s/outbox", dir);
		if (cases[k].kind == 0)
			CHECK_INT(symlink(target, p), 0);
		else if (cases[k].kind == 1)
			CHECK_INT(mkfifo(p, 0644), 0);
		else if ((fd = open(p, O_CREAT | O_WRONLY, 0644)) >= 0)
			close(fd);
		CHECK_INT(drop_create_account(dir, "b", &err), -ENOTDIR);
		CHECK_CONTAINS(err.what, cases[k].says);
		CHECK_CONTAINS(err.advice, "remove it");
		/* nothing was made through the link */
		free(p);
		p = xasprintf("%s/outbox/outbox", dir);
		CHECK(access(p, F_OK) != 0);
		free(p);
		free(target);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

/* An administrator's own modes win, and what is not a folder is left for
 * the walks to refuse (they never follow a link). */
TEST(test_create_leaves_what_exists_alone)
{
	char dir[] = "/tmp/test_drop-XXXXXX";
	char *p;
	struct tt_error err;

	if (!mkdtemp(dir)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	chmod(dir, 0750);
	p = xasprintf("%s/outbox", dir);
	CHECK_INT(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/posted", dir);
	CHECK_INT(symlink("/tmp", p), 0);
	free(p);
	tt_error_clear(&err);
	CHECK_INT(drop_create(dir, &err), 0);
	CHECK_INT(mode_at(dir, "outbox"), 0700);
	CHECK_INT(mode_at(dir, "."), 0750);
	p = xasprintf("%s/posted", dir);
	{
		struct stat sb;
		CHECK(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode));
	}
	free(p);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST(test_create_names_a_root_that_is_a_file)
{
	char dir[] = "/tmp/test_drop-XXXXXX";
	char *p;
	FILE *f;
	struct tt_error err;

	if (!mkdtemp(dir)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	p = xasprintf("%s/file", dir);
	f = fopen(p, "w");
	if (f)
		fclose(f);
	tt_error_clear(&err);
	CHECK_INT(drop_create(p, &err), -ENOTDIR);
	CHECK(strstr(err.what, p) && strstr(err.what, "not a directory"));
	free(p);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

UNIT_MAIN()

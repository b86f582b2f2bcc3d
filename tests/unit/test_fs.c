/*
 * fs/ path rules: what a path names at the top of the mount, and which
 * names may be created, removed or renamed (only inside the four folders).
 */
#include <errno.h>

#include "fs/fs_int.h"
#include "unit.h"

TEST(test_rel_strips_leading_slashes)
{
	CHECK_STR(fs_rel("/"), ".");
	CHECK_STR(fs_rel("/outbox"), "outbox");
	CHECK_STR(fs_rel("/outbox/sub/a.mp4"), "outbox/sub/a.mp4");
	CHECK_STR(fs_rel("//posted/x"), "posted/x");
}

TEST(test_place_of_root_entries)
{
	CHECK_INT(fs_place_in(NULL, "/"), FS_ROOT);
	CHECK_INT(fs_place_in(NULL, "/STATUS.txt"), FS_STATUS);
	CHECK_INT(fs_place_in(NULL, "/outbox"), FS_FOLDER);
	CHECK_INT(fs_place_in(NULL, "/scheduled"), FS_FOLDER);
	CHECK_INT(fs_place_in(NULL, "/posted"), FS_FOLDER);
	CHECK_INT(fs_place_in(NULL, "/failed"), FS_FOLDER);
	CHECK_INT(fs_place_in(NULL, "/outbox/a.mp4"), FS_INSIDE);
	CHECK_INT(fs_place_in(NULL, "/failed/sub/a.mp4.error"), FS_INSIDE);
}

TEST(test_lookalikes_are_nowhere)
{
	CHECK_INT(fs_place_in(NULL, "/outboxes"), FS_NOWHERE);
	/* accounts/ is fixed; without a config no account is known, so what
	 * is below it is the user's (its items are refused by name) */
	CHECK_INT(fs_place_in(NULL, "/accounts"), FS_FOLDER);
	CHECK_INT(fs_place_in(NULL, "/accounts/b"), FS_INSIDE);
	CHECK_INT(fs_place_in(NULL, "/accounts/b/outbox/a.mp4"), FS_INSIDE);
	CHECK_INT(fs_place_in(NULL, "/accounts/.x"), FS_NOWHERE);
	CHECK_INT(fs_place_in(NULL, "/out"), FS_NOWHERE);
	CHECK_INT(fs_place_in(NULL, "/status.txt"), FS_NOWHERE);
	CHECK_INT(fs_place_in(NULL, "/STATUS.txt/x"), FS_NOWHERE);
	CHECK_INT(fs_place_in(NULL, "/x"), FS_NOWHERE);
	CHECK_INT(fs_place_in(NULL, "/outboxx/a"), FS_NOWHERE);
}

TEST(test_only_inside_a_folder_is_mutable)
{
	CHECK_INT(fs_check_mutable_in(NULL, "/outbox/a.mp4"), 0);
	CHECK_INT(fs_check_mutable_in(NULL, "/posted/d"), 0);
	CHECK_INT(fs_check_mutable_in(NULL, "/x"), -EACCES);
	CHECK_INT(fs_check_mutable_in(NULL, "/outbox"), -EACCES);
	CHECK_INT(fs_check_mutable_in(NULL, "/STATUS.txt"), -EACCES);
	CHECK_INT(fs_check_mutable_in(NULL, "/"), -EACCES);
}

UNIT_MAIN()

/*
 * Unit tests for cmd/main.c's typo check: `tiktokfs stauts` names the
 * command it was probably meant as instead of being taken as a mount point,
 * and real mount points (paths, names far from any command) are left alone.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "unit.h"

static void check_hint(const char *arg, const char *want)
{
	const char *got = cmd_suggest(arg);

	if (!want && got)
		FAILF("cmd_suggest(\"%s\") == \"%s\", expected none", arg, got);
	else if (want)
		CHECK_STR(got, want);
}

TEST(test_swapped_letters_suggest_the_command)
{
	check_hint("stauts", "status");
	check_hint("lgoin", "login");
	check_hint("chekc", "check");
}

TEST(test_up_to_two_edits_suggest_the_command)
{
	check_hint("statuss", "status");
	check_hint("logn", "login");
	check_hint("logot", "logout");
	check_hint("wtch", "watch");
	check_hint("chk", "check");
}

TEST(test_a_prefix_suggests_the_command)
{
	check_hint("stat", "status");
	check_hint("che", "check");
	check_hint("lo", "login");
}

TEST(test_mount_points_get_no_suggestion)
{
	check_hint("mnt", NULL);
	check_hint("tiktok", NULL);
	check_hint("/mnt/stauts", NULL); /* a path is a path */
	check_hint("./status", NULL);
	check_hint("s", NULL);
	check_hint("", NULL);
	check_hint(NULL, NULL);
	check_hint("watchfolder-for-the-team-share-on-the-nas", NULL);
}

TEST(test_typo_exits_2_without_mounting)
{
	char *argv[] = {"tiktokfs", "stauts", NULL};
	char *argv_opts[] = {"tiktokfs", "-f", "stauts", NULL};
	char dir[] = "/tmp/test_cmd_main.XXXXXX";

	/* from an empty directory, so no "stauts" directory can exist */
	if (!mkdtemp(dir) || chdir(dir)) {
		FAILF("cannot make %s", dir);
		return;
	}
	CHECK_INT(cmd_main(2, argv), 2);
	CHECK_INT(cmd_main(3, argv_opts), 2);
	rmdir(dir);
}

UNIT_MAIN()

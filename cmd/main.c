/*
 * Command-line dispatch: `tiktokfs COMMAND ...` or `tiktokfs [-f] MOUNTPOINT`.
 *
 * Anything that is not a command is a mount point, so a typo ("stauts")
 * used to be mounted on, or refused as a missing directory.  An argument
 * that is not an existing directory and is close to a command name is
 * refused as an unknown command with the likely one named (exit 2).
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const cmd_names[] = {"login", "logout", "status", "check", "watch"};
#define N_CMD_NAMES (sizeof(cmd_names) / sizeof(cmd_names[0]))
#define SUGGEST_MAX_LEN 32 /* longer arguments are no typo of a command */

static const char usage[] =
	"usage:\n"
	"  tiktokfs [-f] [-c CONFIG] [-o FUSE_OPTIONS] MOUNTPOINT   mount (daemon unless -f)\n"
	"  tiktokfs login [--no-browser]      authorize a TikTok account (OAuth, PKCE)\n"
	"  tiktokfs logout                    revoke the token and forget it\n"
	"  tiktokfs status [--json] [--health] queue, progress, recent results\n"
	"  tiktokfs check [--account NAME] VIDEO [CAPTION]\n"
	"                                     validate offline; exit 0 when it would be accepted\n"
	"  tiktokfs watch [-c CONFIG] [-f] [--poll[=SECONDS]] DIR\n"
	"                                     the same drop-folder on a plain directory\n"
	"  tiktokfs --help | --version\n"
	"Every command takes -c CONFIG.\n";

/* Optimal string alignment distance: Levenshtein plus swaps of two
 * neighbouring letters, the commonest typo ("stauts"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *cmd_suggest(const char *arg)
{
	const char *best = NULL;
	size_t best_d = 3, len = arg ? strlen(arg) : 0;

	if (!len || len > SUGGEST_MAX_LEN || strchr(arg, '/'))
		return NULL;
	for (size_t i = 0; i < N_CMD_NAMES; i++) {
		size_t d = edit_distance(arg, cmd_names[i]);

		if (len >= 2 && !strncmp(arg, cmd_names[i], len))
			d = d < 1 ? d : 1; /* a prefix is as good as one typo */
		if (d < best_d) {
			best_d = d;
			best = cmd_names[i];
		}
	}
	return best;
}

/* The mount point of `tiktokfs [OPTIONS] MOUNTPOINT` as given: the first
 * argument, or the last when options come first. */
static const char *mount_arg(int argc, char **argv)
{
	if (argv[1][0] != '-')
		return argv[1];
	return argv[argc - 1][0] != '-' ? argv[argc - 1] : NULL;
}

/* 2 after "unknown command" when @arg is a typo of a command and not a
 * directory that exists; 0 otherwise. */
static int refuse_typo(const char *arg)
{
	const char *hint = cmd_suggest(arg);
	struct stat st;

	if (!hint || (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	fprintf(stderr, "tiktokfs: unknown command '%s', did you mean '%s'?\n", arg, hint);
	fputs("Run `tiktokfs --help` for the commands; a mount point must be an existing "
	      "directory.\n",
	      stderr);
	return 2;
}

int cmd_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "login", cmd_login },	  { "logout", cmd_logout }, { "status", cmd_status },
		{ "check", cmd_check },	  { "watch", cmd_watch },
	};

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("tiktokfs %s\n", TIKTOKFS_VERSION);
		return 0;
	}
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	const char *mp = mount_arg(argc, argv);
	if (mp && refuse_typo(mp))
		return 2;
	return cmd_mount(argc, argv);
}

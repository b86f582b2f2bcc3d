/*
 * Command-line dispatch: `tiktokfs COMMAND ...` or `tiktokfs [-f] MOUNTPOINT`.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage:\n"
	"  tiktokfs [-f] [-c CONFIG] [-o FUSE_OPTIONS] MOUNTPOINT   mount (daemon unless -f)\n"
	"  tiktokfs login [--no-browser]      authorize a TikTok account (OAuth, PKCE)\n"
	"  tiktokfs logout                    revoke the token and forget it\n"
	"  tiktokfs status [--json]           queue, progress, recent results\n"
	"  tiktokfs check VIDEO [CAPTION]     validate offline; exit 0 when it would be accepted\n"
	"  tiktokfs watch [-c CONFIG] DIR     the same drop-folder on a plain directory\n"
	"  tiktokfs --help | --version\n"
	"Every command takes -c CONFIG.\n";

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
	return cmd_mount(argc, argv);
}

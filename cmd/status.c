/*
 * `tiktokfs status [-c CONFIG] [--json]`: the account, the queue with each
 * item's state, upload progress with rate and ETA, the next scheduled
 * times and recent results, read from the job store with a read-only
 * connection.  WAL lets it read while a daemon (mount or watch) writes, and
 * it never writes, so it is safe at any time.  No store yet: "No items
 * yet." (an empty document with --json), exit 0.
 *
 * The text is STATUS.txt's with the "Uploads" and "Next scheduled"
 * sections; the renderer (meta/job/status.h) makes both formats and
 * documents them.  This file only parses the arguments, opens the store,
 * chooses the format and prints.
 *
 * `status --account NAME` shows one account instead: the TikTok user it
 * is bound to, its login (saved or not, until when, which scopes), its
 * posting settings and the posting options TikTok last gave.  The queue is
 * not per account yet, so it is not shown there.  Read from the account's
 * files alone; nothing is asked of TikTok.
 *
 * --health (a container's health check) prints the same, then exits 1 with
 * one line on stderr when the daemon is not healthy (cmd/health.h: none
 * running on this state_dir, not logged in, login expired).
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/daemon.h"
#include "cmd/health.h"
#include "cmd/status_account.h"
#include "meta/config.h"
#include "meta/job/status.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"

static const char usage[] =
	"usage: tiktokfs status [-c CONFIG] [--account NAME] [--json] [--health]\n";

struct status_args {
	const char *config;
	const char *account; /* --account NAME: that account alone */
	bool json;
	bool health; /* exit 1 unless the daemon is healthy */
};

/* Print the view of @st (NULL: no store yet); 0 or 1, the exit status. */
static int print_view(struct store *st, const struct config *cfg, bool json)
{
	const char *state_dir = cfg->state_dir;
	struct status_view v = {.format = json ? STATUS_JSON : STATUS_TEXT,
				.sections = STATUS_COMMAND,
				.state_dir = state_dir,
				.cfg = cfg};
	char *out = NULL;
	int rc = status_render(st, &v, &out);

	if (rc < 0 && json) {
		fprintf(stderr, "tiktokfs: cannot read the job store in %s\n", state_dir);
		free(out);
		return 1;
	}
	/* the text says itself that the store could not be read */
	if (fputs(out, stdout) < 0)
		rc = -EIO;
	free(out);
	return rc < 0;
}

/* 0 with the options in @a; 1 after --help printed the usage, -1 after a
 * usage error did. */
static int parse_args(int argc, char **argv, struct status_args *a)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"health", no_argument, NULL, 'H'},
					     {"config", required_argument, NULL, 'c'},
					     {"account", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = true;
			break;
		case 'H':
			a->health = true;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'a':
			a->account = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct config cfg;
	struct tt_error err;
	struct store *st = NULL;
	struct status_args a = {0};
	struct stat sb;
	char *db = NULL;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc < 0 ? 2 : 0;
	tt_error_clear(&err);
	if (config_load(&cfg, a.config, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return 1;
	}
	log_init((enum log_level)cfg.log_level, false);
	if (a.account) {
		rc = status_account_print(&cfg, a.account, a.json);
		goto out;
	}
	db = xasprintf("%s/jobs.db", cfg.state_dir);
	/* no store: nothing was ever dropped in, not an error */
	if (stat(db, &sb) == 0 || errno != ENOENT) {
		st = store_open_readonly(db, &err);
		if (!st) {
			tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
			rc = 1;
			goto out;
		}
	}
	rc = print_view(st, &cfg, a.json);
	if (a.health && !rc && health_check(&cfg, &err) < 0) {
		tt_error_print(stderr, "tiktokfs: unhealthy", &err, TT_ERR_TERM);
		rc = 1;
	}
out:
	if (st)
		store_close(st);
	free(db);
	config_free(&cfg);
	return rc;
}

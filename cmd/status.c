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
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cmd/accounts.h"
#include "cmd/daemon.h"
#include "meta/config.h"
#include "meta/job/status.h"
#include "meta/creator.h"
#include "meta/job/store.h"
#include "meta/tiktok.h"
#include "net/tokens.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

static const char usage[] = "usage: tiktokfs status [-c CONFIG] [--account NAME] [--json]\n";

/* What status --account shows, read from the account's files. */
struct account_view {
	bool bound, logged_in, have_ci;
	struct account_binding b;
	struct token_set ts; /* only scope and expiries are shown */
	struct creator_info ci;
};

static void read_account(const struct account_ctx *ctx, struct account_view *v)
{
	memset(v, 0, sizeof(*v));
	v->bound = accounts_bound(ctx->dir, &v->b) == 0;
	v->logged_in = tokens_load(ctx->dir, &v->ts) == 0;
	explicit_bzero(v->ts.access_token, sizeof(v->ts.access_token));
	explicit_bzero(v->ts.refresh_token, sizeof(v->ts.refresh_token));
	v->have_ci = creator_load(ctx->dir, &v->ci) == 0;
}

static json_t *json_time_or_null(int64_t t)
{
	char iso[ISO_UTC_SIZE];

	if (!t)
		return json_null();
	iso_utc(t, iso, sizeof(iso));
	return json_string(iso);
}

/* status --account NAME --json: version 1; keys are only ever added. */
static char *account_json(const struct account_ctx *ctx, const struct account_view *v)
{
	const struct account *a = ctx->a;
	json_t *o = json_pack("{s:i, s:s, s:s, s:b, s:s, s:s?, s:i}", "version", 1, "account",
			      a->name, "platform", a->platform, "logged_in", v->logged_in, "mode",
			      a->mode == POST_DRAFT ? "draft" : "direct", "privacy", a->privacy,
			      "bandwidth_share", (int)a->bandwidth_share);
	json_t *user = v->bound
			   ? json_pack("{s:s, s:s, s:s, s:o}", "open_id", v->b.open_id,
				       "display_name", v->b.display_name, "username", v->b.username,
				       "bound_at", json_time_or_null(v->b.bound_at))
			   : json_null();
	char *text;

	json_object_set_new(o, "user", user ? user : json_null());
	json_object_set_new(o, "scopes", v->logged_in ? json_string(v->ts.scope) : json_null());
	json_object_set_new(o, "login_expires_at",
			    json_time_or_null(v->logged_in ? v->ts.refresh_expires : 0));
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

static void account_text_login(struct strbuf *sb, const struct account_ctx *ctx,
			       const struct account_view *v)
{
	char iso[ISO_UTC_SIZE], *who = accounts_user_words(&v->b);

	if (v->bound) {
		strbuf_addf(sb, "TikTok user: %s, open_id ", who);
		esc_text(sb, v->b.open_id);
		strbuf_addch(sb, '\n');
	} else {
		strbuf_addf(sb,
			    "TikTok user: none (not logged in: run `tiktokfs login -c %s "
			    "--account %s`)\n",
			    ctx->cfg->path ? ctx->cfg->path : "CONFIG", ctx->a->name);
	}
	free(who);
	if (v->logged_in && v->ts.refresh_expires) {
		iso_utc(v->ts.refresh_expires, iso, sizeof(iso));
		strbuf_addf(sb, "Login: saved, lasts until %s; scopes ", iso);
	} else if (v->logged_in) {
		strbuf_addstr(sb, "Login: saved; scopes ");
	}
	if (v->logged_in) {
		esc_text(sb, v->ts.scope[0] ? v->ts.scope : "(not recorded)");
		strbuf_addch(sb, '\n');
	}
}

static char *account_text(const struct account_ctx *ctx, const struct account_view *v)
{
	const struct account *a = ctx->a;
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	strbuf_addf(&sb, "Account %s (%s)\n", a->name, a->platform);
	account_text_login(&sb, ctx, v);
	strbuf_addf(&sb, "Posting: mode %s, privacy %s, bandwidth share %u\n",
		    a->mode == POST_DRAFT ? "draft" : "direct",
		    a->privacy ? tiktok_privacy_word(a->privacy) : "none (set per caption)",
		    a->bandwidth_share);
	if (v->have_ci && v->logged_in) {
		strbuf_addstr(&sb, "Privacy options:");
		for (int i = 0; i < v->ci.n_privacy; i++)
			strbuf_addf(&sb, "%s %s", i ? "," : "",
				    tiktok_privacy_word(v->ci.privacy_options[i]));
		if (v->ci.max_duration_sec > 0)
			strbuf_addf(&sb, "; max video length %d s", v->ci.max_duration_sec);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, NULL);
}

/* status --account: one account's view; the exit status. */
static int print_account(const struct config *cfg, const char *name, bool json)
{
	struct account_ctx ctx;
	struct account_view v;
	char *out;
	int rc = 0;

	if (accounts_pick(cfg, name, &ctx))
		return 2;
	read_account(&ctx, &v);
	out = json ? account_json(&ctx, &v) : account_text(&ctx, &v);
	if (!out || fputs(out, stdout) < 0 || (json && fputs("\n", stdout) < 0))
		rc = 1;
	explicit_bzero(&v, sizeof(v));
	free(out);
	accounts_ctx_release(&ctx);
	return rc;
}

/* Print the view of @st (NULL: no store yet); 0 or 1, the exit status. */
static int print_view(struct store *st, const char *state_dir, bool json)
{
	struct status_view v = {.format = json ? STATUS_JSON : STATUS_TEXT,
				.sections = STATUS_COMMAND,
				.state_dir = state_dir};
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

/* 0 with the options in @json and @config; 1 after --help printed the
 * usage, -1 after a usage error did. */
static int parse_args(int argc, char **argv, bool *json, const char **config, const char **account)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"config", required_argument, NULL, 'c'},
					     {"account", required_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'c':
			*config = optarg;
			break;
		case 'a':
			*account = optarg;
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
	const char *config = NULL, *account = NULL;
	bool json = false;
	struct stat sb;
	char *db = NULL;
	int rc = parse_args(argc, argv, &json, &config, &account);

	if (rc)
		return rc < 0 ? 2 : 0;
	tt_error_clear(&err);
	if (config_load(&cfg, config, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return 1;
	}
	log_init((enum log_level)cfg.log_level, false);
	if (account) {
		rc = print_account(&cfg, account, json);
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
	rc = print_view(st, cfg.state_dir, json);
out:
	if (st)
		store_close(st);
	free(db);
	config_free(&cfg);
	return rc;
}

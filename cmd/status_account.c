/*
 * `tiktokfs status --account NAME`: one account's view, read from the
 * account's own files under state_dir (its binding, its saved login, the
 * posting options TikTok last gave); nothing is asked of TikTok and the
 * tokens themselves are wiped before anything is printed.  The queue is not
 * per account yet, so it is not shown here.  A YouTube account is
 * cmd/status_yt.c's, which does ask Google (a refresh) whether the login
 * still lives.
 */
#include "cmd/status_account.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/accounts.h"
#include "cmd/status_yt.h"
#include "meta/creator.h"
#include "meta/tiktok.h"
#include "net/tokens.h"
#include "util/escape.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

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
	v->logged_in = tokens_load(ctx->dir, &v->ts, NULL) == 0;
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

/* status --account: one account's view; the exit status (0, 1, or 2 for a name not configured). */
int status_account_print(const struct config *cfg, const char *name, bool json)
{
	struct account_ctx ctx;
	struct account_view v;
	char *out;
	int rc = 0;

	if (accounts_pick(cfg, name, &ctx))
		return 2;
	if (!strcmp(ctx.a->platform, "youtube")) {
		rc = status_yt_print(&ctx, json);
		accounts_ctx_release(&ctx);
		return rc;
	}
	read_account(&ctx, &v);
	out = json ? account_json(&ctx, &v) : account_text(&ctx, &v);
	if (!out || fputs(out, stdout) < 0 || (json && fputs("\n", stdout) < 0))
		rc = 1;
	explicit_bzero(&v, sizeof(v));
	free(out);
	accounts_ctx_release(&ctx);
	return rc;
}

/*
 * `tiktokfs status --account NAME` for an account with platform = youtube:
 * the channel it is bound to and how long its login lasts.
 *
 * Google does not say when a refresh token dies (docs/youtube.md §2.5): it
 * lives until revoked, unused for six months, or, for a project whose
 * consent screen is in "Testing", seven days after the login.  So the only
 * true answer to "am I still logged in" is a refresh, and status makes one
 * when the saved access token has expired (Google's refresh costs no quota);
 * a dead login is then told with what to do, and the exit status is 1.
 * Otherwise it shows until when the access token lasts, when the login
 * was made, and the day a project in Testing would end it.  The tokens
 * themselves are never printed.
 */
#include "cmd/status_yt.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/tokens.h"
#include "net/yt_oauth.h"
#include "util/escape.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

#define TESTING_LIFETIME (7 * 86400) /* §2.5 */

struct yt_view {
	bool bound, logged_in;
	struct account_binding b;
	struct token_set ts;
	struct tt_error err; /* why logged_in is false despite saved tokens */
};

static void read_view(const struct account_ctx *ctx, struct yt_view *v)
{
	int rc;

	memset(v, 0, sizeof(*v));
	tt_error_clear(&v->err);
	v->bound = account_binding_load(ctx->dir, &v->b) == 0;
	http_global_init();
	rc = yt_tokens_fresh(&ctx->view, &v->ts, &v->err);
	v->logged_in = rc == 0;
	if (rc == -ENOENT)
		tt_error_set(&v->err, ERR_USER, "not logged in");
	explicit_bzero(v->ts.access_token, sizeof(v->ts.access_token));
	explicit_bzero(v->ts.refresh_token, sizeof(v->ts.refresh_token));
}

/* "@words TIME" */
static void add_time(struct strbuf *sb, const char *words, int64_t t)
{
	char iso[ISO_UTC_SIZE];

	iso_utc(t, iso, sizeof(iso));
	strbuf_addf(sb, "%s %s", words, iso);
}

static char *view_text(const struct account_ctx *ctx, const struct yt_view *v)
{
	struct strbuf sb = STRBUF_INIT;
	const char *conf = ctx->cfg->path ? ctx->cfg->path : "CONFIG";

	strbuf_init(&sb);
	strbuf_addf(&sb, "Account %s (youtube)\n", ctx->a->name);
	if (v->bound) {
		strbuf_addstr(&sb, "YouTube channel: ");
		esc_text(&sb, v->b.display_name[0] ? v->b.display_name : "(no title)");
		strbuf_addstr(&sb, ", channel id ");
		esc_text(&sb, v->b.open_id);
		strbuf_addch(&sb, '\n');
	} else {
		strbuf_addf(&sb,
			    "YouTube channel: none (not logged in: run `tiktokfs login -c %s "
			    "--account %s`)\n",
			    conf, ctx->a->name);
	}
	if (v->logged_in) {
		add_time(&sb, "Login: valid (refreshed as needed); access token until",
			 v->ts.access_expires);
		if (v->bound && v->b.bound_at) {
			add_time(&sb, "; logged in", v->b.bound_at);
			add_time(&sb, "; a project in Testing ends it",
				 v->b.bound_at + TESTING_LIFETIME);
		}
		strbuf_addch(&sb, '\n');
	} else if (v->bound) {
		strbuf_addf(&sb, "Login: none: %s\n", v->err.what);
		if (v->err.advice[0])
			strbuf_addf(&sb, "  %s\n", v->err.advice);
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *time_or_null(int64_t t)
{
	char iso[ISO_UTC_SIZE];

	if (!t)
		return json_null();
	iso_utc(t, iso, sizeof(iso));
	return json_string(iso);
}

/* Version 1, the keys of a TikTok account's where they mean the same. */
static char *view_json(const struct account_ctx *ctx, const struct yt_view *v)
{
	json_t *o = json_pack("{s:i, s:s, s:s, s:b}", "version", 1, "account", ctx->a->name,
			      "platform", "youtube", "logged_in", v->logged_in);
	json_t *ch = v->bound
			 ? json_pack("{s:s, s:s, s:o}", "channel_id", v->b.open_id, "title",
				     v->b.display_name, "bound_at", time_or_null(v->b.bound_at))
			 : json_null();
	char *text;

	json_object_set_new(o, "channel", ch ? ch : json_null());
	json_object_set_new(o, "scopes", v->logged_in ? json_string(v->ts.scope) : json_null());
	json_object_set_new(o, "access_expires_at",
			    time_or_null(v->logged_in ? v->ts.access_expires : 0));
	json_object_set_new(o, "login_error",
			    !v->logged_in && v->bound ? json_string(v->err.what) : json_null());
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

int status_yt_print(const struct account_ctx *ctx, bool json)
{
	struct yt_view v;
	char *out;
	int rc;

	read_view(ctx, &v);
	out = json ? view_json(ctx, &v) : view_text(ctx, &v);
	rc = !out || fputs(out, stdout) < 0 || (json && fputs("\n", stdout) < 0);
	/* a login that died is an error the caller's script should see */
	if (!rc && v.bound && !v.logged_in)
		rc = 1;
	explicit_bzero(&v, sizeof(v));
	free(out);
	return rc;
}

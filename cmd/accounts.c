/*
 * Accounts for the commands (see accounts.h).  An account that is not in
 * the config is never guessed at or created: the command says which
 * accounts the config has and stops before touching anything, so a typo in
 * --account cannot log a second name in or out.
 */
#include "cmd/accounts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meta/creator.h"
#include "net/tokens.h"
#include "util/escape.h"
#include "util/strbuf.h"

static void list_accounts(const struct config *cfg, struct strbuf *sb)
{
	for (size_t i = 0; i < cfg->n_accounts; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", cfg->accounts[i].name);
}

int accounts_pick(const struct config *cfg, const char *name, struct account_ctx *ctx)
{
	struct strbuf names = STRBUF_INIT;
	char *shown;

	memset(ctx, 0, sizeof(*ctx));
	if (!name)
		name = CONFIG_DEFAULT_ACCOUNT;
	ctx->cfg = cfg;
	ctx->a = config_account(cfg, name);
	if (ctx->a) {
		ctx->dir = account_state_dir(cfg->state_dir, ctx->a->name);
		config_account_view(cfg, ctx->a, ctx->dir, &ctx->view);
		return 0;
	}
	strbuf_init(&names);
	list_accounts(cfg, &names);
	shown = esc_text_dup(name);
	fprintf(stderr,
		"tiktokfs: no account %s in %s: its accounts are %s. Add an [account %s] "
		"section to the config to use that name; nothing was changed.\n",
		shown, cfg->path ? cfg->path : "the config (none was found)", names.buf, shown);
	free(shown);
	strbuf_release(&names);
	return -1;
}

void accounts_ctx_release(struct account_ctx *ctx)
{
	free(ctx->dir);
	memset(ctx, 0, sizeof(*ctx));
}

int accounts_bound(const char *dir, struct account_binding *b)
{
	struct token_set ts;
	struct creator_info ci;
	int rc = account_binding_load(dir, b);

	if (rc != -ENOENT)
		return rc == 0 ? 0 : -ENOENT;
	/* A login from before bindings were kept: its tokens say who. */
	rc = tokens_load(dir, &ts, NULL);
	if (rc == 0 && ts.open_id[0]) {
		snprintf(b->open_id, sizeof(b->open_id), "%s", ts.open_id);
		if (creator_load(dir, &ci) == 0) {
			snprintf(b->display_name, sizeof(b->display_name), "%s", ci.nickname);
			snprintf(b->username, sizeof(b->username), "%s", ci.username);
		}
	}
	explicit_bzero(&ts, sizeof(ts));
	return b->open_id[0] ? 0 : -ENOENT;
}

const struct account *accounts_holder(const struct config *cfg, const struct account *except,
				      const char *open_id, struct account_binding *held)
{
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct account *a = &cfg->accounts[i];
		char *dir;
		int rc;

		if (a == except)
			continue;
		dir = account_state_dir(cfg->state_dir, a->name);
		rc = accounts_bound(dir, held);
		free(dir);
		if (rc == 0 && !strcmp(held->open_id, open_id))
			return a;
	}
	memset(held, 0, sizeof(*held));
	return NULL;
}

int accounts_forget(const char *dir)
{
	char *ci = xasprintf("%s/creator_info.json", dir);
	int rc = tokens_remove(dir);

	if (unlink(ci) && errno != ENOENT && !rc)
		rc = -errno;
	if (!rc)
		rc = account_binding_remove(dir);
	free(ci);
	return rc;
}

char *accounts_user_words(const struct account_binding *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_init(&sb);
	if (b->display_name[0])
		esc_text(&sb, b->display_name);
	if (b->username[0]) {
		strbuf_addstr(&sb, b->display_name[0] ? " (@" : "@");
		esc_text(&sb, b->username);
		if (b->display_name[0])
			strbuf_addch(&sb, ')');
	}
	if (!sb.len)
		strbuf_addstr(&sb, "the TikTok user");
	return strbuf_detach(&sb, NULL);
}

/* How a platform names who logs in, for the messages below. */
struct who_words {
	const char *who, *id, *why, *choose;
};

static const struct who_words *words_of(const struct account_ctx *ctx)
{
	static const struct who_words tiktok = {
	    "TikTok user", "open_id",
	    "one TikTok user posts through one account name, since TikTok's limits count per user",
	    "choose another TikTok user when TikTok asks"};
	static const struct who_words youtube = {
	    "YouTube channel", "channel id",
	    "one channel posts through one account name, since YouTube's upload limits count "
	    "per channel",
	    "choose another Google account (with its own channel) when Google asks"};

	return !strcmp(ctx->a->platform, "youtube") ? &youtube : &tiktok;
}

/* Refuse, on stderr, to bind the user (TikTok) or channel (YouTube) of
 * @open_id (bound to account @other as @held) to this account too. */
static void refuse_second_name(const struct account_ctx *ctx, const struct account *other,
			       const struct account_binding *held, const char *open_id)
{
	char *who = accounts_user_words(held), *oid = esc_text_dup(open_id);
	const char *me = ctx->a->name, *conf = ctx->cfg->path ? ctx->cfg->path : "CONFIG";
	const struct who_words *w = words_of(ctx);

	fprintf(stderr,
		"tiktokfs: %s %s, %s %s, is already bound to account %s; %s. "
		"Nothing was saved for account %s.\n"
		"  Log in again and %s, or run "
		"`tiktokfs login -c %s --account %s --rebind` to move it from %s to %s "
		"(%s is then logged out here).\n",
		w->who, who, w->id, oid, other->name, w->why, me, w->choose, conf, me, other->name,
		me, other->name);
	free(oid);
	free(who);
}

/* See accounts.h.  The other account's login is deleted on this machine,
 * not revoked: a revocation could end this new login of the same user and
 * app too. */
int accounts_bind_check(const struct account_ctx *ctx, const char *open_id, int rebind)
{
	struct account_binding held, mine;
	const struct account *other;
	char *dir, *who;
	int rc;

	if (!open_id[0]) {
		fprintf(stderr,
			"tiktokfs: TikTok's token answer names no open_id, so the TikTok "
			"user cannot be bound to account %s; nothing was saved. Run the "
			"login again.\n",
			ctx->a->name);
		return -1;
	}
	other = accounts_holder(ctx->cfg, ctx->a, open_id, &held);
	if (other && !rebind) {
		refuse_second_name(ctx, other, &held, open_id);
		return -1;
	}
	who = accounts_user_words(&held);
	if (other) {
		dir = account_state_dir(ctx->cfg->state_dir, other->name);
		if ((rc = accounts_forget(dir))) {
			fprintf(stderr,
				"tiktokfs: cannot delete the login of account %s in %s: %s\n",
				other->name, dir, strerror(-rc));
			free(dir);
			free(who);
			return -1;
		}
		printf("Account %s no longer has a login: its %s %s moves to account %s.\n",
		       other->name, words_of(ctx)->who, who, ctx->a->name);
		free(dir);
	}
	free(who);
	if (accounts_bound(ctx->dir, &mine) == 0 && strcmp(mine.open_id, open_id)) {
		who = accounts_user_words(&mine);
		printf("Account %s was bound to %s %s; this login binds it to another one.\n",
		       ctx->a->name, words_of(ctx)->who, who);
		free(who);
	}
	return 0;
}

/*
 * What login, logout and status share about accounts: turning --account
 * NAME into a configured account, reading which TikTok user an account is
 * bound to, finding the account that holds a TikTok user, and forgetting
 * an account's login on this machine.  The rules (names, directories, the
 * binding file) are meta/account.h's; this file wires them to the saved
 * tokens (net/tokens.h) and to the terminal.
 */
#ifndef TIKTOKFS_CMD_ACCOUNTS_H
#define TIKTOKFS_CMD_ACCOUNTS_H

#include "meta/account.h"
#include "meta/config.h"

/*
 * One account as a command sees it: the account, its directory (owned)
 * and @cfg as that account sees it (config_account_view: borrows from
 * @cfg, so it lives no longer than @cfg).
 */
struct account_ctx {
	const struct config *cfg; /* the whole config (borrowed) */
	const struct account *a;
	char *dir;
	struct config view;
};

/*
 * Fill @ctx for the account named @name (NULL: "default").  An account the
 * config does not have is refused on stderr, naming the config and the
 * accounts it has; nothing else happens.  0, or -1 after that message.
 */
int accounts_pick(const struct config *cfg, const char *name, struct account_ctx *ctx);
void accounts_ctx_release(struct account_ctx *ctx);

/*
 * The TikTok user account @a (keeping its login in @dir) is bound to: its
 * binding file, or for a login saved before bindings were kept (the default
 * account of an older install) the open_id of its tokens, with the names
 * from its creator_info cache.  0, or -ENOENT when it has no login.
 */
int accounts_bound(const char *dir, struct account_binding *b);

/* The account of @cfg other than @except bound to @open_id (its binding in
 * @held), or NULL when none is. */
const struct account *accounts_holder(const struct config *cfg, const struct account *except,
				      const char *open_id, struct account_binding *held);

/* Delete the login of the account keeping it in @dir: tokens, creator info
 * and binding.  Nothing is revoked at TikTok.  0 or -errno. */
int accounts_forget(const char *dir);

/* "Sandbox Public (@sbpublic)", "@sbpublic", "Sandbox Public" or "the
 * TikTok user", escaped for a terminal; the caller frees it. */
char *accounts_user_words(const struct account_binding *b);

/*
 * Before a login's tokens are saved for @ctx's account: the TikTok user who
 * logged in (@open_id, from the token answer) may be bound to one account
 * name only.  Another account holding the user refuses the login, naming
 * that account and --rebind; with @rebind the user moves here and the
 * other account's login is deleted.  0 to go on; -1 after saying why on
 * stderr (nothing saved).
 */
int accounts_bind_check(const struct account_ctx *ctx, const char *open_id, int rebind);

#endif

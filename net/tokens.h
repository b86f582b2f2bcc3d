/*
 * The saved OAuth tokens (state_dir/tokens.json, mode 0600, written
 * atomically) and their refresh.  Shared by every thread that talks to
 * TikTok; refreshes are serialized (a mutex in the process, flock on the
 * file across processes) and a rotated refresh token is saved before the new
 * access token is used (docs/tiktok.md §2.5).
 */
#ifndef TIKTOKFS_TOKENS_H
#define TIKTOKFS_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct config;
struct tokens;

struct token_set {
	char access_token[512];
	char refresh_token[512];
	char open_id[128];
	char scope[256];
	int64_t access_expires; /* unix seconds */
	int64_t refresh_expires;
};

/* Load from @cfg->state_dir.  NULL + @err (class ERR_USER, "not logged in:
 * run tiktokfs login") when there is no token file. */
struct tokens *tokens_open(const struct config *cfg, struct tt_error *err);
void tokens_free(struct tokens *t);

/*
 * Copy a usable access token into @out (refreshing first when it expires
 * within a minute).  @stale: the token the caller just saw rejected with
 * access_token_invalid, or NULL; refresh only if the saved token is still
 * that one (another thread may have refreshed already).
 */
int tokens_access(struct tokens *t, const char *stale, char *out, size_t size,
		  struct tt_error *err);

/* Save a fresh set (after login), atomically, 0600. */
int tokens_save(const char *state_dir, const struct token_set *ts, struct tt_error *err);
/* Read state_dir/tokens.json.  0, or -errno with @err (may be NULL)
 * saying so: -ENOENT "not logged in", else the file is unreadable or
 * damaged. */
int tokens_load(const char *state_dir, struct token_set *ts, struct tt_error *err);
int tokens_remove(const char *state_dir); /* 0 also when there was none */
/* Whether the saved grant includes @scope (e.g. "user.info.profile"). */
bool tokens_has_scope(struct tokens *t, const char *scope);
/* Whether the saved grant names its scopes and @scope is not among them
 * (a login from before scopes were saved is taken to have them all). */
bool tokens_lacks_scope(struct tokens *t, const char *scope);

#endif

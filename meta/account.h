/*
 * Accounts as the state directory knows them: which names are allowed,
 * where each account keeps its login, and which TikTok user each account
 * name is bound to.
 *
 * An account name becomes a folder name (state_dir/accounts/NAME now, the
 * drop folder's accounts/NAME/ later, shared over Samba), so it is held to
 * what every file system and every client takes: ASCII letters, digits,
 * '-', '_' and '.', not starting with '.', 1 to 64 bytes.
 *
 * The account "default" (the config's keys outside any section) keeps
 * today's paths, state_dir/tokens.json and state_dir/creator_info.json, so
 * an install from before accounts existed keeps its login.  Every other
 * account keeps the same files in state_dir/accounts/NAME/ (0700).
 *
 * The binding (ACCOUNT_DIR/binding.json, 0600) records the TikTok user an
 * account name was logged in as: TikTok's open_id (stable per user and
 * app, docs/tiktok.md §2.4) and the names to show.  One TikTok user is
 * bound to one account name at a time: TikTok's caps count per user, so
 * two folders posting as one user would share them unseen.
 */
#ifndef TIKTOKFS_ACCOUNT_H
#define TIKTOKFS_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCOUNT_NAME_MAX 64

/* 0 when @name is a valid account name; else -EINVAL with @why (@size
 * bytes) saying what is wrong and what a name may hold. */
int account_name_check(const char *name, char *why, size_t size);

/*
 * A list of account names as also_post_to writes it (meta/targets.h):
 * names separated by commas, white space around each ignored.  "none" or
 * nothing is the empty list.  At most ACCOUNT_LIST_MAX names are kept;
 * n counts every name written, so a caller can say how many were too many.
 */
#define ACCOUNT_LIST_MAX 8
struct account_list {
	size_t n;
	char names[ACCOUNT_LIST_MAX][ACCOUNT_NAME_MAX + 1];
};

/* Parse @s into @l: 0, or -EINVAL with @why (@size bytes) naming the bad
 * name (invalid, empty between commas, or written twice). */
int account_list_parse(const char *s, struct account_list *l, char *why, size_t size);
/* @l as "a, b" ("none" when empty); the caller frees it. */
char *account_list_format(const struct account_list *l);

/* The directory account @name keeps its login in: @state_dir itself for
 * "default", else @state_dir/accounts/@name.  The caller frees it. */
char *account_state_dir(const char *state_dir, const char *name);

/* Create account @name's directory (and state_dir/accounts) with mode 0700,
 * state_dir too when missing.  0 or -errno. */
int account_dir_prepare(const char *state_dir, const char *name);

struct account_binding {
	char open_id[128];
	char display_name[256];
	char username[128]; /* "" when not known */
	int64_t bound_at;   /* unix seconds; 0 when not known */
};

/* Load @dir/binding.json: 0, -ENOENT when there is none, -EINVAL when it is
 * damaged. */
int account_binding_load(const char *dir, struct account_binding *b);
/* Save it atomically, 0600.  0 or -errno. */
int account_binding_save(const char *dir, const struct account_binding *b);
/* Delete it; 0 also when there was none. */
int account_binding_remove(const char *dir);

#endif

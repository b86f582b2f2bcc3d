/*
 * What a config reload (SIGHUP, cmd/daemon.c) does about accounts that come
 * and go (docs/contract.md, "### Accounts", "Reload").  An account added
 * gets its folders at once, made like at start (meta/job/drop.h), so a
 * share of accounts/NAME works without a remount; an account removed must
 * hold no item in flight, since its uploads and post-ID waits need its
 * login, which the poster only finds through the config.  Either refusal
 * refuses the whole reload: the old config stays, one log line says why,
 * and STATUS.txt says so too (status_note_reload) until a reload succeeds.
 */
#ifndef TIKTOKFS_RELOAD_ACCOUNTS_H
#define TIKTOKFS_RELOAD_ACCOUNTS_H

#include "meta/config.h"
#include "util/strbuf.h"

struct store;

/*
 * 0 when every account of @old that @next lacks has no item in flight
 * (ready, scheduled, uploading, processing, deferred, or published and
 * waiting for its post ID); else -EBUSY with @why (appended) naming each
 * such account, its items and what to do.
 */
int reload_removed_idle(struct store *st, const struct config *old, const struct config *next,
			struct strbuf *why);
/*
 * The folders of every account of @next that @old lacks, below @root
 * (drop_create_account: links and files in the way are refused).  0, or
 * the first -errno with @why (appended) saying which account, what is in
 * the way and what to do.
 */
int reload_added_folders(const char *root, const struct config *old, const struct config *next,
			 struct strbuf *why);

#endif

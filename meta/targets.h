/*
 * One drop, several platforms: which accounts an item posts to.  An item
 * is posted by its folder's account and, when its caption (`also_post_to:`
 * in the front matter or a folder's .defaults) or else its folder's
 * account in the config (`also_post_to = `) names others, by each of those
 * too, in the order named.  `none` in a caption or .defaults means the
 * folder's account alone, whatever the config says.
 *
 * The rules, the same for the config (checked when it is loaded) and for a
 * caption (checked for each item): every name is a configured account
 * ("default" is the default one), not the folder's own, none twice, at
 * most VERDICT_TARGETS_MAX - 1 of them, and at most one account per
 * platform among the folder's account and the names: each platform's
 * results are one set of attributes on the file (user.tiktok.*,
 * user.youtube.*), which two accounts of one platform would both write.
 *
 * Pure: the config and a parsed caption in, struct verdict's targets out
 * (meta/rules.h says what verdict_apply makes of them).
 */
#ifndef TIKTOKFS_TARGETS_H
#define TIKTOKFS_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "meta/account.h"
#include "meta/rules.h"

struct config;
struct sidecar;

/*
 * Check the names @l of an also_post_to for items of account @own against
 * the accounts of @cfg.  @where says where the accounts are listed, for
 * the message ("this file", or the config's path).  0, or -EINVAL with
 * @why (@size bytes) saying which name breaks which rule and what to do.
 */
int targets_check_list(const struct config *cfg, const char *own, const struct account_list *l,
		       const char *where, char *why, size_t size);

/*
 * Resolve the targets of an item of account @own's folders: the list of
 * @sc (the settled caption, NULL when there is none yet) when it sets
 * also_post_to, else @own's in @cfg.  Fills v->targets[i].account and
 * .youtube, and v->n_targets: 0 when the list is empty or @own is not an
 * account of @cfg (verdict_apply refuses such an item by name), else 1 +
 * the names.  Returns 0, or -EINVAL with v->kind VERDICT_CAPTION, v->error
 * (class ERR_USER) naming the caption file (or the config), its line and
 * the account, and v->n_targets 0.
 */
int targets_resolve(const struct config *cfg, const char *own, const struct sidecar *sc,
		    struct verdict *v);

/* "TikTok" or "YouTube": the platform of v->targets[i], for messages. */
const char *targets_platform_word(const struct verdict_target *t);

#endif

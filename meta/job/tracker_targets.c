/*
 * The tracker's validation of an item as the accounts it posts to (called
 * without the mutex, from the tick's step 2).  An item of accounts/NAME/
 * is checked with NAME's mode and privacy and NAME's saved creator_info;
 * one of the root's folders as the default account; one of an account the
 * config does not have as the default account too (verdict_apply refuses
 * it by name).
 *
 * One drop, several platforms (meta/targets.h): when the caption (with its
 * .defaults) or the folder's account in the config names other accounts,
 * the item is checked as each of them, on one probe of the video
 * (rules_validate_targets_at), and the verdict carries one entry per
 * target for verdict_apply.  An item that names none is validated exactly
 * as before, by rules_validate_at.
 */
#include "meta/job/tracker_int.h"

#include <stdlib.h>
#include <string.h>

#include "meta/account.h"
#include "meta/caption/defaults.h"
#include "meta/caption/sidecar.h"
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/drop.h"
#include "meta/rules.h"
#include "meta/targets.h"

/* Account @a's view of the config and its creator info, for one check. */
struct as_account {
	struct config view;
	struct creator_info ci;
	bool have_ci;
	char *dir; /* the account's state directory; owned */
};

static void as_account_load(const struct config *cfg, const struct account *a,
			    struct as_account *as)
{
	as->dir = account_state_dir(cfg->state_dir, a->name);
	config_account_view(cfg, a, as->dir, &as->view);
	as->have_ci = creator_load(as->dir, &as->ci) == 0;
}

/* Check @v's targets (resolved, at least two) as their accounts; targets[0]
 * is the folder's, seen as @view0 with @ci0. */
static void check_each_target(struct tracker *t, const struct trk_item *it,
			      const struct config *view0, const struct creator_info *ci0,
			      struct verdict *v)
{
	struct as_account as[VERDICT_TARGETS_MAX];
	const struct config *cfgs[VERDICT_TARGETS_MAX] = {view0};
	const struct creator_info *cis[VERDICT_TARGETS_MAX] = {ci0};

	memset(as, 0, sizeof(as));
	for (size_t i = 1; i < v->n_targets; i++) {
		/* targets_resolve named only accounts of t->cfg */
		as_account_load(t->cfg, config_account(t->cfg, v->targets[i].account), &as[i]);
		cfgs[i] = &as[i].view;
		cis[i] = as[i].have_ci ? &as[i].ci : NULL;
	}
	rules_validate_targets_at(cfgs, cis, t->root_fd, it->video, it->caption, it->sched, v);
	for (size_t i = 1; i < v->n_targets; i++)
		free(as[i].dir);
}

/*
 * The targets of an item of account @own: true when it has several (or
 * its list is refused), and @v says so; false when it is posted by @own
 * alone, or its caption cannot be settled yet (rules_validate_at says
 * why, or that it waits).
 */
static bool validate_targets(struct tracker *t, const struct trk_item *it, const char *own,
			     const struct config *view0, const struct creator_info *ci0,
			     struct verdict *v, bool *alone)
{
	struct sidecar sc;
	struct tt_error err;
	int rc;

	tt_error_clear(&err);
	if (dflt_item_caption_at(view0, t->root_fd, it->video, it->caption, &sc, &err)) {
		sidecar_free(&sc);
		return false;
	}
	verdict_init(v);
	rc = targets_resolve(t->cfg, own, &sc, v);
	sidecar_free(&sc);
	if (rc == 0 && v->n_targets < 2) {
		*alone = true;
		return false;
	}
	if (rc == 0)
		check_each_target(t, it, view0, ci0, v);
	return true;
}

void trk_validate_as_accounts(struct tracker *t, const struct trk_item *it,
			      const struct creator_info *ci, struct verdict *v)
{
	char name[ACCOUNT_NAME_MAX + 1];
	const struct account *a = NULL;
	struct as_account as;
	bool own_folder, alone = false;

	own_folder = t->cfg && drop_account_of(it->video, name, sizeof(name)) == 0;
	if (own_folder && strcmp(name, DROP_DEFAULT_ACCOUNT))
		a = config_account(t->cfg, name);
	if (!a) {
		/* the root's folders are the default account's; an unknown
		 * account's item is refused by name, so it names no targets */
		if (!own_folder || strcmp(name, DROP_DEFAULT_ACCOUNT) ||
		    !validate_targets(t, it, CONFIG_DEFAULT_ACCOUNT, t->cfg, ci, v, &alone)) {
			rules_validate_at(t->cfg, ci, t->root_fd, it->video, it->caption, it->sched,
					  v);
			v->targets_resolved = alone;
		}
		return;
	}
	as_account_load(t->cfg, a, &as);
	if (!validate_targets(t, it, name, &as.view, as.have_ci ? &as.ci : NULL, v, &alone)) {
		rules_validate_at(&as.view, as.have_ci ? &as.ci : NULL, t->root_fd, it->video,
				  it->caption, it->sched, v);
		v->targets_resolved = alone;
	}
	free(as.dir);
}

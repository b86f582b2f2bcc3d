/*
 * Which account the posting worker posts as (docs/contract.md, "###
 * Accounts").  A job carries its account (meta/job/store.h, THE ACCOUNT);
 * before a turn, the worker makes that account the current one: a view of
 * the config with the account's mode, privacy, hooks and state directory
 * (config_account_view), the io's login switched to the tokens kept there,
 * and the creator_info of the previous account forgotten.  Turns of one
 * account in a row switch nothing.  One worker posts one job at a time, so
 * one current account is all it needs; the login is reopened from disk on
 * each switch (tokens.json is rewritten on every refresh, so it is current).
 *
 * TikTok's limits count per user (docs/tiktok.md §7): the 6 inits a minute,
 * the daily cap, a 429's hold, creator_info's and status/fetch's windows.
 * So each account keeps its own counts (struct account_pace), made on first
 * use and kept for the worker's life; the current account's are p->pace,
 * p->creator_lim and p->status_lim.
 *
 * The platform is the account's too (platform = youtube): both ios are told
 * of every switch, and pw_youtube() says which steps a turn runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/account.h"
#include "meta/config.h"
#include "meta/job/drop.h"
#include "meta/job/outcome.h"
#include "net/poster_int.h"
#include "util/array.h"
#include "util/log.h"
#include "util/path.h"
#include "util/strbuf.h"

struct account_pace *pw_account_pace(struct poster *p, const char *name)
{
	struct account_pace *ap;

	name = name ? name : DROP_DEFAULT_ACCOUNT;
	for (size_t i = 0; i < p->npaces; i++)
		if (!strcmp(p->paces[i]->name, name))
			return p->paces[i];
	ap = xcalloc(1, sizeof(*ap));
	snprintf(ap->name, sizeof(ap->name), "%s", name);
	pace_init(&ap->pace);
	pace_window_init(&ap->creator_lim, 20,
			 60.0); /* creator_info: 20 a minute (docs/tiktok.md §5.1) */
	pace_window_init(&ap->status_lim, 30, 60.0); /* status/fetch: 30 a minute (§5.7) */
	ALLOC_GROW(p->paces, p->npaces + 1, p->apaces);
	p->paces[p->npaces++] = ap;
	return ap;
}

void pw_pace_switch(struct poster *p, const char *name)
{
	struct account_pace *ap = pw_account_pace(p, name);

	p->pace = &ap->pace;
	p->creator_lim = &ap->creator_lim;
	p->status_lim = &ap->status_lim;
}

void pw_paces_free(struct poster *p)
{
	for (size_t i = 0; i < p->npaces; i++)
		free(p->paces[i]);
	free(p->paces);
	p->paces = NULL;
	p->npaces = p->apaces = 0;
}

int pw_use_account(struct poster *p, const struct job *j)
{
	const char *name = j->account ? j->account : DROP_DEFAULT_ACCOUNT;
	const struct account *a;

	if (!strcmp(p->account, name))
		return 0;
	a = config_account(p->all, name);
	if (!a && strcmp(name, DROP_DEFAULT_ACCOUNT))
		return -ENOENT;
	if (a) {
		free(p->view_dir);
		p->view_dir = account_state_dir(p->all->state_dir, name);
		config_account_view(p->all, a, p->view_dir, &p->view);
		p->cfg = &p->view;
	} else {
		p->cfg = p->all; /* a config built without accounts (tests) */
	}
	snprintf(p->account, sizeof(p->account), "%s", name);
	if (p->io.use_account)
		p->io.use_account(p->io.ctx, p->cfg);
	if (p->yt.use_account)
		p->yt.use_account(p->yt.ctx, p->cfg);
	pw_pace_switch(p, name);
	p->logged_in = false;
	p->have_ci = false;
	p->login_retry_at = 0;
	log_info("job %" PRId64 ": posting as account %s", j->id, name);
	return 0;
}

void pw_refuse_account(struct poster *p, const struct job *j)
{
	const char *file = p->all->path ? p->all->path : "the config file";
	struct tt_error e;

	tt_error_clear(&e);
	tt_error_set(&e, ERR_USER, "%s: account %s is not configured in %s: nothing posts it",
		     path_base(j->path), j->account, file);
	tt_error_advise(&e,
			"Add an [account %s] section to %s and log it in, or move the item "
			"to the outbox/ of a configured account.",
			j->account, file);
	if (outcome_error_file(p->root, j->path, &e) < 0)
		log_warn("%s: cannot write its .error file", j->path);
	store_set_error(p->st, j->id, e.what);
	store_transition(p->st, j->id, JOB_INVALID, e.what);
	log_warn("%s: invalid: %s", j->path, e.what);
}

bool pw_youtube(const struct poster *p)
{
	return p->cfg->platform && !strcmp(p->cfg->platform, "youtube");
}

void pw_logout(struct poster *p)
{
	if (pw_youtube(p)) {
		if (p->yt.logout)
			p->yt.logout(p->yt.ctx);
	} else {
		p->io.logout(p->io.ctx);
	}
	p->logged_in = false;
}

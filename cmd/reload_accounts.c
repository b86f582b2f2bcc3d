/*
 * Accounts added and removed by a config reload (see reload_accounts.h).
 * Runs with the posting worker stopped (daemon_reload), so no upload of a
 * removed account can start between the look at the store and the swap of
 * the config.
 */
#include "cmd/reload_accounts.h"

#include <errno.h>
#include <string.h>

#include "meta/job/drop.h"
#include "meta/job/store.h"
#include "util/error.h"
#include "util/escape.h"

#define NAMED_MAX 10 /* items named per account; the rest are counted */

static bool has_account(const struct config *cfg, const char *name)
{
	return config_account(cfg, name) != NULL;
}

/* A job an account's removal must wait for: TikTok holds, or is about to
 * hold, something of it under that account's login. */
static bool in_flight(enum job_state s)
{
	return s == JOB_READY || s == JOB_SCHEDULED || s == JOB_UPLOADING || s == JOB_PROCESSING ||
	       s == JOB_DEFERRED || s == JOB_PUBLISHED;
}

struct flight {
	const char *account;
	struct strbuf items;
	int n;
};

static int note_flight(const struct job *j, void *arg)
{
	struct flight *f = arg;

	if (!in_flight(j->state) || strcmp(j->account, f->account))
		return 0;
	if (f->n++ < NAMED_MAX) {
		strbuf_addstr(&f->items, f->n > 1 ? ", " : "");
		esc_text(&f->items, j->path);
		strbuf_addf(&f->items, " (%s)", job_state_name(j->state));
	}
	return 0;
}

/* @name's items in flight, said in @why.  0 when none, else -EBUSY. */
static int account_idle(struct store *st, const char *name, const char *file, struct strbuf *why)
{
	struct flight f = {.account = name, .items = STRBUF_INIT};
	int rc = 0;

	store_each(st, 0, note_flight, &f);
	if (f.n) {
		strbuf_addf(why, "%saccount %s is no longer in %s but has %d item%s in flight: %s",
			    why->len ? "; " : "", name, file, f.n, f.n == 1 ? "" : "s",
			    f.items.buf);
		if (f.n > NAMED_MAX)
			strbuf_addf(why, " and %d more", f.n - NAMED_MAX);
		rc = -EBUSY;
	}
	strbuf_release(&f.items);
	return rc;
}

int reload_removed_idle(struct store *st, const struct config *old, const struct config *next,
			struct strbuf *why)
{
	const char *file = next->path ? next->path : "the config";
	int rc = 0;

	for (size_t i = 0; i < old->n_accounts; i++)
		if (!has_account(next, old->accounts[i].name) &&
		    account_idle(st, old->accounts[i].name, file, why) < 0)
			rc = -EBUSY;
	if (rc)
		strbuf_addstr(why, ". Keep the account until its items are posted (or move those "
				   "not uploading yet to the outbox/ of an account that stays), "
				   "then send SIGHUP again");
	return rc;
}

int reload_added_folders(const char *root, const struct config *old, const struct config *next,
			 struct strbuf *why)
{
	for (size_t i = 0; i < next->n_accounts; i++) {
		const char *name = next->accounts[i].name;
		struct tt_error err;
		int rc;

		if (has_account(old, name) || !strcmp(name, DROP_DEFAULT_ACCOUNT))
			continue;
		tt_error_clear(&err);
		rc = drop_create_account(root, name, &err);
		if (rc < 0) {
			tt_error_line(why, &err, TT_ERR_LOG);
			return rc;
		}
	}
	return 0;
}

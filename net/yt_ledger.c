/*
 * The durable side of YouTube's quota ledger (net/yt_ledger.h): spends
 * written to the job store's history before the call, read back at start.
 */
#include "net/yt_ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "util/array.h"
#include "util/log.h"

/* A note's store failure holds the item this long, not a day. */
#define STORE_RETRY_SEC 10
/* Jobs looked at when seeding: the live ones, every published one and
 * this many recent final ones (a day of YouTube's quota is far fewer). */
#define SEED_RECENT 256

static const struct account *account_of(const struct config *all, const char *account)
{
	return config_account(all, account ? account : CONFIG_DEFAULT_ACCOUNT);
}

bool ytq_is_youtube(const struct config *all, const char *account)
{
	const struct account *a = account_of(all, account);
	const char *platform = a ? a->platform : all->platform;

	return platform && !strcmp(platform, "youtube");
}

const char *ytq_project(const struct config *all, const char *account, char *buf, size_t size)
{
	const struct account *a = account_of(all, account);
	const char *id = a ? a->youtube_client_id : all->youtube_client_id;

	if (id && *id)
		return id;
	snprintf(buf, size, "account %s", account ? account : CONFIG_DEFAULT_ACCOUNT);
	return buf;
}

int ytq_budget(const struct config *all, const char *account)
{
	const struct account *a = account_of(all, account);
	unsigned n = a ? a->youtube_daily_uploads : all->youtube_daily_uploads;

	return n ? (int)n : YT_DAILY_UPLOADS_DEFAULT;
}

/* ---- seeding ------------------------------------------------------------- */

struct seed {
	struct ytq_ledger *l;
	const struct config *all;
	int64_t today; /* the Pacific day counted (ytq_day) */
	int64_t *ids;
	char **accounts;
	size_t n, alloc_ids, alloc_acc;
	const char *project; /* of the job walked */
};

static int seed_job(const struct job *j, void *arg)
{
	struct seed *sd = arg;

	/* every YouTube job: a spend note does not touch updated_at */
	if (!ytq_is_youtube(sd->all, j->account))
		return 0;
	ALLOC_GROW(sd->ids, sd->n + 1, sd->alloc_ids);
	ALLOC_GROW(sd->accounts, sd->n + 1, sd->alloc_acc);
	sd->ids[sd->n] = j->id;
	sd->accounts[sd->n++] = xstrdup(j->account);
	return 0;
}

static int seed_event(const struct store_event *ev, void *arg)
{
	struct seed *sd = arg;

	if (ytq_day(ev->at) != sd->today)
		return 0;
	if (!strcmp(ev->note, YTQ_INSERT_NOTE))
		ytq_note(sd->l, sd->project, ev->at, YTQ_INSERT);
	else if (!strcmp(ev->note, YTQ_LIST_NOTE))
		ytq_note(sd->l, sd->project, ev->at, YTQ_LIST);
	else if (!strcmp(ev->note, YTQ_EXHAUSTED_NOTE))
		ytq_note_exhausted(sd->l, sd->project, ev->at);
	return 0;
}

void ytq_seed(struct ytq_ledger *l, struct store *st, const struct config *all, int64_t now)
{
	struct seed sd = {.l = l, .all = all};
	char buf[96];

	sd.today = ytq_day(now);
	store_each(st, SEED_RECENT, seed_job, &sd);
	for (size_t i = 0; i < sd.n; i++) {
		sd.project = ytq_project(all, sd.accounts[i], buf, sizeof(buf));
		store_history(st, sd.ids[i], seed_event, &sd);
		free(sd.accounts[i]);
	}
	for (size_t i = 0; i < l->n; i++)
		log_info("youtube quota: %d upload(s), %d unit(s) spent today by a project%s",
			 l->c[i].inserts, l->c[i].units,
			 l->c[i].exhausted ? " (Google said it is used up)" : "");
	free(sd.ids);
	free(sd.accounts);
}

/* ---- spending ------------------------------------------------------------ */

static int64_t defer_err(struct tt_error *err, const char *why, int64_t at)
{
	char msg[sizeof(err->what)];

	ytq_message(msg, sizeof(msg), why, at);
	tt_error_set(err, ERR_DEFER, "%s", msg);
	tt_error_advise(err, "Nothing to do: the item is posted then.  To post more a day, "
			     "ask Google for more quota for the project and raise "
			     "youtube_daily_uploads.");
	err->retry_at = at;
	return at;
}

int64_t ytq_take(struct ytq_ledger *l, struct store *st, const struct config *all,
		 const struct job *j, enum ytq_call call, int64_t now, struct tt_error *err)
{
	char buf[96], why[128];
	const char *project = ytq_project(all, j->account, buf, sizeof(buf));
	int budget = ytq_budget(all, j->account);
	int64_t at = ytq_wait(l, project, now, call, budget);
	int rc;

	if (at) {
		if (call == YTQ_INSERT && ytq_inserts(l, project, now) >= budget)
			snprintf(why, sizeof(why), "%d of %d uploads today, youtube_daily_uploads",
				 ytq_inserts(l, project, now), budget);
		else
			snprintf(why, sizeof(why), "%d units a day", YT_DAILY_UNITS);
		return defer_err(err, why, at);
	}
	rc = store_note(st, j->id, call == YTQ_INSERT ? YTQ_INSERT_NOTE : YTQ_LIST_NOTE);
	if (rc < 0) {
		tt_error_set(err, ERR_DEFER, "cannot record YouTube's quota in the job store: %s",
			     strerror(-rc));
		err->retry_at = now + STORE_RETRY_SEC;
		return err->retry_at;
	}
	ytq_note(l, project, now, call);
	return 0;
}

int64_t ytq_refused(struct ytq_ledger *l, struct store *st, const struct config *all,
		    const struct job *j, const char *reason, int64_t now, struct tt_error *err)
{
	char buf[96], why[96];
	const char *project = ytq_project(all, j->account, buf, sizeof(buf));

	if (!ytq_reason_exhausts(reason))
		return 0;
	if (store_note(st, j->id, YTQ_EXHAUSTED_NOTE) < 0)
		log_warn("job %" PRId64 ": cannot record Google's %s in the job store", j->id,
			 reason);
	ytq_note_exhausted(l, project, now);
	snprintf(why, sizeof(why), "Google answered %s", reason);
	return defer_err(err, why, ytq_next_midnight(now));
}

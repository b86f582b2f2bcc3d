/*
 * YouTube's quota, counted so that a restart forgets nothing
 * (docs/youtube.md §6): the ledger of meta/yt_quota.h kept in step with the
 * job store.  Every quota spend is written into the history of the job it
 * is spent for (store_note, a row that is not a transition) BEFORE the call
 * is made, and the worker reads those rows back at start, the way the
 * TikTok pace is seeded from PW_INIT_NOTE rows (net/poster.c).  Spending
 * first means a call whose answer was lost still counts, which is what
 * Google does ("every request costs at least one unit, refused ones
 * included", §6).  A refusal for the quota (quotaExceeded,
 * uploadLimitExceeded) is written the same way, so the project stays held
 * until the next Pacific midnight across a restart.
 *
 * Only the posting worker's thread uses a ledger.
 */
#ifndef TIKTOKFS_YT_LEDGER_H
#define TIKTOKFS_YT_LEDGER_H

#include <stdint.h>

#include "meta/yt_quota.h"
#include "util/error.h"

struct config;
struct job;
struct store;

/* The history notes (no secret in them: the project is not named). */
#define YTQ_INSERT_NOTE "youtube quota: videos.insert"
#define YTQ_LIST_NOTE "youtube quota: videos.list"
#define YTQ_EXHAUSTED_NOTE "youtube quota: Google refused for the quota"

/* Whether account @account of @all posts to YouTube. */
bool ytq_is_youtube(const struct config *all, const char *account);
/* The Google project of account @account: its youtube_client_id (borrowed),
 * or "account NAME" in @buf when it has none. */
const char *ytq_project(const struct config *all, const char *account, char *buf, size_t size);
/* The account's youtube_daily_uploads. */
int ytq_budget(const struct config *all, const char *account);

/* Fill @l from every spend of @st's history on @now's Pacific day, each
 * counted for its job's account's project as @all says now. */
void ytq_seed(struct ytq_ledger *l, struct store *st, const struct config *all, int64_t now);

/*
 * Before a call of @call for job @j at @now: 0 when it may be made, and
 * then it is spent (written to the store, then counted); else the unix
 * seconds it may (the next Pacific midnight, or a few seconds when the
 * store refused the note) with @err saying why, class ERR_DEFER, retry_at
 * set: the caller defers the item, never fails it.
 */
int64_t ytq_take(struct ytq_ledger *l, struct store *st, const struct config *all,
		 const struct job *j, enum ytq_call call, int64_t now, struct tt_error *err);

/*
 * Google answered @reason for job @j at @now.  When the reason ends the day
 * (ytq_reason_exhausts), the project is held until the next Pacific
 * midnight (written to the store, counted) and @err says so (ERR_DEFER,
 * retry_at set): returns that time.  Otherwise 0 and @err is untouched.
 */
int64_t ytq_refused(struct ytq_ledger *l, struct store *st, const struct config *all,
		    const struct job *j, const char *reason, int64_t now, struct tt_error *err);

#endif

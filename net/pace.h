/*
 * Pacing of upload starts (video/init and inbox/video/init), pure: no
 * clock, no I/O.  The posting worker asks before each init and, when the
 * answer is "not yet", defers the item (state `deferred`, retry_at) instead
 * of sending a request TikTok would refuse.  A batch larger than TikTok's
 * limits thus goes out at the allowed rate and nothing is failed for being
 * early.
 *
 * What is counted, in unix seconds:
 *  - every init sent (answered or not, refused or not: TikTok's limiter
 *    counts every request it did not itself refuse), for the per-minute
 *    window: PACE_PER_MINUTE in any PACE_MINUTE s, direct and draft inits
 *    together (whether TikTok shares one budget between the two endpoints
 *    is not documented; sharing is safe under both readings);
 *  - direct inits of the last PACE_DAY s, for the daily post cap.  TikTok
 *    does not say the cap's number; it says when it is reached (creator_info
 *    or init: spam_risk_too_many_posts).  Then pace_cap_reached() blocks
 *    direct inits until the first slot could open: when the oldest counted
 *    direct init turns 24 h old, at most PACE_CAP_RECHECK s away (posts
 *    made elsewhere, which we do not see, may free a slot sooner).
 *
 *  - pending drafts: TikTok allows 5 inbox shares the user has not yet
 *    finished in the app; we cannot see when the user does, so once TikTok
 *    says the limit is reached (spam_risk_too_many_pending_share),
 *    pace_drafts_full() holds further drafts for PACE_CAP_RECHECK s instead
 *    of letting each one ask and be refused.
 *
 * The counts survive a restart because the worker seeds them from the job
 * store's history (every "upload started" transition) at start.  Times are
 * whole seconds, so a window is taken to free one second late: TikTok's
 * own clock has fractions.
 */
#ifndef TIKTOKFS_PACE_H
#define TIKTOKFS_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "meta/tiktok.h"

#define PACE_PER_MINUTE TIKTOK_INITS_PER_MINUTE
#define PACE_MINUTE 60
#define PACE_DAY 86400
#define PACE_CAP_RECHECK 3600
#define PACE_MAX 256	  /* inits remembered; more than a day's worth at any cap TikTok has */
#define PACE_RES_MAX 512  /* seconds reserved for waiting items (more wait unreserved) */
#define PACE_RES_GRACE 10 /* an unclaimed reservation is dropped this long after its time */

struct pace {
	int64_t t[PACE_MAX]; /* init times, oldest first */
	bool direct[PACE_MAX];
	int n;
	int64_t cap_until;    /* no direct init before this (daily cap reached); 0: none */
	int64_t drafts_until; /* no draft init before this (pending shares full); 0: none */
	int64_t hold_until;   /* no init at all before this (TikTok answered 429); 0: none */
	/* Seconds promised to items that wait, in order: job ids and times. */
	int64_t res_job[PACE_RES_MAX];
	int64_t res_at[PACE_RES_MAX];
	int nres;
};

void pace_init(struct pace *pc);
/* Count an init sent at @at (out-of-order times are placed in order). */
void pace_note(struct pace *pc, int64_t at, bool direct);
/* Forget what no window can need any more at @now. */
void pace_expire(struct pace *pc, int64_t now);
/* Inits counted in the @window seconds before @now (direct ones only when
 * @direct_only). */
int pace_count(const struct pace *pc, int64_t now, int64_t window, bool direct_only);
/* When the next init may be sent: @now when it may go now, else the first
 * second it may.  @direct: a direct post (the daily cap applies). */
int64_t pace_next(const struct pace *pc, int64_t now, bool direct);
/*
 * The turn of job @job at @now: @now when it may start its upload now (its
 * reservation, if it had one, is used up), else the second its turn comes,
 * reserved for it.  Items that wait behind it get later seconds, so each is
 * deferred once, not again every time a minute frees six slots for a whole
 * queue; a new item never jumps ahead of one that already waits.
 */
int64_t pace_reserve(struct pace *pc, int64_t now, bool direct, int64_t job);
/* Job @job sent its init (counted with pace_note) or no longer waits. */
void pace_release(struct pace *pc, int64_t job);

/* TikTok said the daily cap is reached at @now: block direct inits until
 * the first slot could open; returns that time. */
int64_t pace_cap_reached(struct pace *pc, int64_t now);
/* TikTok answered 429 (its window is full, e.g. after a restart that lost
 * an unanswered init, or another client on the same token): no init
 * before @until. */
void pace_hold(struct pace *pc, int64_t until);
/* TikTok said the pending drafts are full at @now: hold drafts; returns
 * until when. */
int64_t pace_drafts_full(struct pace *pc, int64_t now);

/*
 * A sliding-window limit on a kind of request: at most @max in any @window
 * seconds, on the monotonic clock (util/clock.h).  TikTok's creator_info
 * (20/min) and status/fetch (30/min) are counted with it; the counts live
 * in memory only (a restart forgets them; TikTok's 429 then defers, which
 * is safe).  Upload starts need the history and the reservations above.
 */
#define PACE_WINDOW_MAX 32 /* calls remembered; a window's @max must not exceed it */

struct pace_window {
	double t[PACE_WINDOW_MAX]; /* call times, oldest first */
	int n, max;
	double window;
};

void pace_window_init(struct pace_window *w, int max, double window);
/* Seconds to wait at @now before the next call is allowed (0: now). */
double pace_window_delay(struct pace_window *w, double now);
/* Count a call made at @now. */
void pace_window_note(struct pace_window *w, double now);

#endif

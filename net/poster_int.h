/*
 * Inside the posting worker (net/poster.h is its interface): the state one
 * worker thread owns, and the pw_* functions its four files share.  Not for
 * use outside net/poster*.c.
 *
 *   net/poster.c         the thread, its loop, login, and how a turn ends
 *                        (failed/, deferred, back to waiting, a new init)
 *   net/poster_item.c    a fresh item: validate, creator_info, init, commit
 *   net/poster_send.c    chunk PUTs from the staging file, resume, resync
 *   net/poster_status.c  status/fetch: reconcile, poll, finish, post-ID watches
 *
 * Every pw_* function that can end a job's turn says so; after it the
 * caller returns to the loop and never touches the job again in that turn.
 * All of them run on the worker thread only.
 */
#ifndef TIKTOKFS_POSTER_INT_H
#define TIKTOKFS_POSTER_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "meta/creator.h"
#include "util/error.h"
#include "meta/job/store.h"
#include "net/chunk.h"
#include "net/pace.h"

struct api;
struct config;
struct tokens;

#define MAX_INITS 3	 /* inits per item: first + re-inits after expiry/FAILED internal */
#define MAX_LOST_INITS 3 /* inits whose answer was lost, per item and run */
#define LOST_INIT_DEFER_SEC 60
#define STEP_RETRIES 6 /* pauses 1..32 s, then the item is deferred */
#define RETRY_DEFER_SEC 60
#define LOGIN_RETRY_SEC 10
/* A move to posted/ or failed/ that could not be made (a link on the way,
 * a full disk) is tried again this often, between items. */
#define MOVE_RETRY_SEC 10
#define UPLOAD_URL_LIFETIME 3600 /* §5.2: valid for one hour after issue */
#define URL_MARGIN 60		 /* an URL this close to its end is not resumed */
#define PROCESSING_POLL_MAX 600.0
#define PROCESSING_DEFER_SEC 300
#define POLL_FIRST 1.0
#define POLL_MAX 10.0
#define WATCH_SEC 120
#define MAX_WATCHES 32
#define CANCEL_CHECK_SEC 0.5
#define PROGRESS_STEP (4u << 20) /* store progress every 4 MiB ... */
#define PROGRESS_SEC 1.0	 /* ... or every second */

/* A sliding-window rate limiter: at most @max calls in any @window s. */
struct limiter {
	double t[32]; /* call times, oldest first */
	int n, max;
	double window;
};

/* A posted item whose public post ID has not appeared yet. */
struct watch {
	int64_t id;
	char publish_id[80];
	double next; /* monotonic */
	double gap;
	int64_t until; /* unix seconds */
};

/* Inits whose answer was lost, per job (net/poster.c, top). */
struct lost_init {
	int64_t id;
	int count;
};

struct poster {
	struct store *st;
	const struct config *cfg;
	char *root;
	const struct outcome_final *on_final; /* borrowed: poster_start() */
	pthread_t thread;
	atomic_bool stop;

	struct tokens *tokens; /* NULL until logged in */
	struct api *api;
	CURL *up;	       /* the upload handle, kept for its connection */
	double login_retry_at; /* monotonic; 0 = try now */
	double moves_at;       /* monotonic: next retry of stuck moves */
	bool moves_pending;    /* the last retry left some */

	struct creator_info ci;
	bool have_ci;

	struct limiter creator_lim, status_lim;
	struct pace pace; /* upload starts: 6/min, daily cap (net/pace.h) */
	struct watch watches[MAX_WATCHES];
	int nwatch;
	struct lost_init lost[16];
	int nlost;
};

/* ---- net/poster.c: helpers ---- */
int64_t pw_now(void);
double pw_wall(void); /* CLOCK_REALTIME with fractions: schedules are wall times */
bool pw_stopping(struct poster *p);
/* Sleep @sec seconds, waking early only to stop.  False when stopping. */
bool pw_nap(struct poster *p, double sec);
double pw_limiter_delay(struct limiter *l, double now);
void pw_limiter_note(struct limiter *l, double now);
/* Wait for room under @l and count the call.  False when stopping. */
bool pw_limiter_take(struct poster *p, struct limiter *l);
char *pw_abs_path(const struct poster *p, const char *rel); /* caller frees; NULL for NULL */
/* Whose remedy is logging in again: not the item's fault. */
bool pw_login_problem(const struct tt_error *err);
/* Job @id still exists and is in state @want (not deleted, not reset). */
bool pw_still_ours(struct poster *p, int64_t id, enum job_state want);
int pw_lost_inits(struct poster *p, int64_t id, bool add);
/* Open the saved tokens and an API handle.  False + @err when not logged in. */
bool pw_ensure_api(struct poster *p, struct tt_error *err);

/* ---- net/poster.c: ends of a turn (each ends it) ---- */
void pw_login_wait(struct poster *p, int64_t id, const struct tt_error *err);
void pw_fail(struct poster *p, int64_t id, const struct tt_error *err);
void pw_defer(struct poster *p, int64_t id, const struct tt_error *err, int64_t retry_at);
void pw_changed(struct poster *p, int64_t id, const struct tt_error *err);
void pw_restart(struct poster *p, const struct job *j, struct tt_error *err, bool defer);
/* Pause before redoing a step that failed with ERR_RETRY; after
 * STEP_RETRIES pauses the item is deferred instead.  False: the turn ended. */
bool pw_retry_pause(struct poster *p, int64_t id, enum job_state state, int *attempt,
		    const struct tt_error *err);

/* Note of the store's history that marks an init: the pace is seeded from it. */
#define PW_INIT_NOTE "upload started"
/* Seed p->pace from the store's history (inits of the last 24 h). */
void pw_pace_seed(struct poster *p);

/* ---- net/poster_item.c ---- */
void pw_start_item(struct poster *p, struct job *j);

/* ---- net/poster_send.c ---- */
int pw_open_video(struct poster *p, const struct job *j, struct tt_error *err);
int pw_make_plan(struct poster *p, const struct job *j, uint64_t size, struct chunk_plan *plan,
		 struct tt_error *err);
void pw_send_chunks(struct poster *p, const struct job *j, int fd, const struct chunk_plan *plan,
		    const char *mime, uint64_t from);
void pw_resume_upload(struct poster *p, const struct job *j, uint64_t held);

/* ---- net/poster_status.c ---- */
void pw_load_ci(struct poster *p);
void pw_to_processing(struct poster *p, const struct job *j);
void pw_reconcile(struct poster *p, const struct job *j);
void pw_watch_service(struct poster *p);
double pw_watch_next(const struct poster *p);
int pw_watch_scan(const struct job *j, void *arg); /* store_each callback */

#endif

/*
 * Inside the posting worker (net/poster.h is its interface): the state one
 * worker owns, the steps of a job's turn, and how a turn ends.  Not for use
 * outside net/poster*.c and its unit test.
 *
 *   net/poster.c         the thread and the dispatcher: a turn is one loop
 *                        over one switch on the next step (the only place
 *                        that runs a step), with retries and pauses
 *   net/poster_end.c     end_turn(): every way a turn ends, in one place
 *                        (failed/, deferred, back to waiting, a new init,
 *                        waiting for a login, a refused verdict)
 *   net/poster_start.c   STEP_START and STEP_INIT: validate, creator_info,
 *                        the pace, init, commit the publish
 *   net/poster_send.c    STEP_RESUME and STEP_SEND: one chunk PUT a step
 *   net/poster_status.c  STEP_RECONCILE, STEP_PROCESSING, STEP_POLL,
 *                        STEP_FINISH: what TikTok says about a publish
 *   net/poster_watch.c   the wait for post IDs after moderation (jobs
 *                        published in the store), serviced between steps
 *                        and between jobs
 *   net/poster_io.c      the real struct poster_io over net/api.c and
 *                        net/upload.c
 *   net/poster_account.c which account a turn posts as: its login, its
 *                        creator_info, its settings (a view of the config)
 *   net/poster_yt.c      the YouTube steps (STEP_YT_*): a job whose account
 *                        has platform = youtube takes these instead of
 *                        TikTok's, through struct yt_io below
 *   net/poster_yt_send.c STEP_YT_QUERY and STEP_YT_SEND: the resumable
 *                        upload's bytes
 *   net/yt_io.c          the real struct yt_io over net/yt_upload.c
 *
 * A step function takes the worker and the turn, does one thing, records
 * what it learnt in the turn, and returns a struct step naming what comes
 * next (or how the turn ends).  Steps never call one another: where the job
 * is now is the `next` field, not the C stack.  All of it runs on the
 * worker thread only.
 */
#ifndef TIKTOKFS_POSTER_INT_H
#define TIKTOKFS_POSTER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "meta/creator.h"
#include "meta/job/store.h"
#include "meta/rules.h"
#include "net/api.h"
#include "net/chunk.h"
#include "net/pace.h"
#include "net/upload.h"
#include "net/yt_upload.h"
#include "meta/yt_quota.h"
#include "util/error.h"

struct config;

#define MAX_INITS 3	 /* inits per item: first + re-inits after expiry/FAILED internal */
#define MAX_LOST_INITS 3 /* inits whose answer was lost, per item and run */
#define LOST_INIT_DEFER_SEC 60
#define STEP_RETRIES 6 /* pauses 1..32 s, then the item is deferred */
#define RETRY_DEFER_SEC 60
#define LOGIN_RETRY_SEC 10
/* A move to posted/ or failed/ that could not be made (a link on the way,
 * a full disk) is tried again this often, between items. */
#define MOVE_RETRY_SEC 10
/* The note of the store's history row that marks an init (step_init
 * writes it): the pace is seeded from these rows at start (net/poster.c). */
#define PW_INIT_NOTE "upload started"
#define UPLOAD_URL_LIFETIME 3600 /* §5.2: valid for one hour after issue */
#define URL_MARGIN 60		 /* an URL this close to its end is not resumed */
#define PROCESSING_POLL_MAX 600.0
#define PROCESSING_DEFER_SEC 300
#define POLL_FIRST 1.0
#define POLL_MAX 10.0
/* The wait for a post ID (net/poster_watch.c): the first ask this long
 * after the publish, the gap doubling (it is the age of the publish) up to
 * the cap; while an upload runs, this many calls of the 30/min status
 * window stay free for it; at most a burst of asks at a time. */
#define POST_WAIT_FIRST 3
#define POST_WAIT_CAP 900
#define POST_WAIT_RESERVE 10
#define POST_WAIT_BURST 8
#define POST_WAIT_TEXT "waiting for TikTok's moderation (post ID not known yet)"
#define POST_WAIT_FOUND "public: the post ID came after TikTok's moderation"
#define CANCEL_CHECK_SEC 0.5
#define PROGRESS_STEP (4u << 20) /* store progress every 4 MiB ... */
#define PROGRESS_SEC 1.0	 /* ... or every second */
#define STORE_PAUSE_SEC 5	 /* after the store refused a write */

/*
 * What the worker asks of TikTok, as function pointers, so that the steps
 * never call net/api.c or net/upload.c by name: poster_io_real() wraps
 * them; tests/unit/test_poster.c plugs in a fake TikTok.  Every call
 * returns like the function it stands for.  @ctx is the io's own.
 */
struct poster_io {
	void *ctx;
	/* Make sure a login is at hand (tokens, an API handle): 0, or -errno
	 * with @err (ERR_RETRY: try again; else the user must log in). */
	int (*login)(void *ctx, struct tt_error *err);
	/* Forget the login (TikTok refused it); the next login() reopens. */
	void (*logout)(void *ctx);
	int (*creator_info)(void *ctx, struct creator_info *ci, struct tt_error *err);
	/* Whether the login is known to lack @scope (a drafts-only login has no
	 * video.publish).  NULL: never. */
	bool (*lacks_scope)(void *ctx, const char *scope);
	/* video/init (or inbox/video/init when @draft), as api_init(). */
	int (*init)(void *ctx, bool draft, const struct post_info *pi,
		    const struct chunk_plan *plan, struct publish_ticket *out,
		    struct tt_error *err);
	int (*status)(void *ctx, const char *publish_id, struct publish_status *out,
		      struct tt_error *err);
	/* One chunk PUT, as upload_chunk(). */
	enum upload_result (*upload)(void *ctx, const char *url, const struct upload_chunk *c,
				     struct upload_reply *rep, struct tt_error *err);
	void (*free)(void *ctx);
	/* Post as the account @cfg describes from now on (a view of the config,
	 * config_account_view: its state_dir holds its tokens and
	 * creator_info); the login is dropped and the next login() opens that
	 * account's.  @cfg is borrowed until the next call.  NULL: the io has
	 * one account. */
	void (*use_account)(void *ctx, const struct config *cfg);
};

/* The io over net/api.c and net/upload.c; @cfg borrowed.  Caller frees
 * with io->free(io->ctx), which poster_free() does. */
struct poster_io poster_io_real(const struct config *cfg);

/*
 * What the worker asks of YouTube (docs/youtube.md §4), as function
 * pointers, so that the YouTube steps never call net/yt_upload.c by name:
 * yt_io_real() wraps it; tests/unit/test_poster_yt.c plugs in a fake
 * YouTube.  The four operations are the shape of any resumable upload (a
 * Facebook Reels io would fill the same four): start a session, upload
 * bytes at an offset, finish (ask how far it got, or take the final
 * answer), poll the processing.  The io refreshes the access token once on
 * a 401 and answers YT_AUTH only when the refreshed one is refused too.
 */
struct yt_io {
	void *ctx;
	/* Make sure a login is at hand: 0, or -errno with @err. */
	int (*login)(void *ctx, struct tt_error *err);
	void (*logout)(void *ctx);
	/* Start a session for @size bytes of @mime with the metadata
	 * @meta_json: YT_MORE with *@uri (the caller frees it), YT_LOST when
	 * the answer was lost, else the refusal in @err. */
	enum yt_answer (*start)(void *ctx, const char *meta_json, uint64_t size, const char *mime,
				char **uri, struct yt_reply *rep, struct tt_error *err);
	/* Bytes c->first..c->last to session @uri. */
	enum yt_answer (*upload)(void *ctx, const char *uri, const struct upload_chunk *c,
				 struct yt_reply *rep, struct tt_error *err);
	/* bytes *\/@total: YT_MORE with rep->held, YT_DONE with the video. */
	enum yt_answer (*finish)(void *ctx, const char *uri, uint64_t total, struct yt_reply *rep,
				 struct tt_error *err);
	/* videos.list of @video_id: rep->upload_status; 0 or -1 with @err. */
	int (*poll)(void *ctx, const char *video_id, struct yt_reply *rep, struct tt_error *err);
	/* As poster_io's: the account whose Google tokens are used from now on. */
	void (*use_account)(void *ctx, const struct config *cfg);
	void (*free)(void *ctx);
};

/* The io over net/yt_upload.c and net/yt_oauth.c; @cfg borrowed. */
struct yt_io yt_io_real(const struct config *cfg);

/* The history note of a session start (the YouTube twin of PW_INIT_NOTE;
 * the daily budget is counted from net/yt_ledger.h's notes, written before
 * the start, so that a start whose answer was lost counts too). */
#define PW_YT_SESSION_NOTE "upload session started"
/* How long a session is kept for a resume: unknown, believed a week
 * (docs/youtube.md §11.3); the server's 404 is what decides. */
#define YT_SESSION_LIFETIME (7 * 86400)
/* A 308 that holds no more than before, this often in a row: deferred. */
#define YT_MAX_STALLS 4

/* Inits whose answer was lost, per job (net/poster.c, top). */
struct lost_init {
	int64_t id;
	int count;
};

struct poster {
	struct store *st;
	/* The config as the account of the current turn sees it: @all itself
	 * until a job of another account comes (net/poster_account.c), then
	 * &view.  Everything a turn reads of the config reads it here. */
	const struct config *cfg;
	const struct config *all; /* the whole config, every account */
	struct config view;	  /* a shallow view of @all for @account */
	char *view_dir;		  /* the account's state directory, owned */
	char account[72];	  /* the account the login is for */
	char *root;
	const struct outcome_final *on_final; /* borrowed: poster_start() */
	pthread_t thread;
	atomic_bool stop;
	struct poster_io io; /* owned */
	struct yt_io yt;     /* owned; the io of jobs of a YouTube account */
	/* YouTube's quota per Google project (net/poster_yt_quota.c), seeded
	 * from the store on first use */
	struct ytq_ledger ytq;
	bool ytq_seeded;
	bool logged_in;	     /* io.login() succeeded and no refusal since */
	double nap_scale;    /* 1: real pauses; tests set 0 to run in milliseconds */

	double login_retry_at; /* monotonic; 0 = try now */
	double moves_at;       /* monotonic: next retry of stuck moves */
	bool moves_pending;    /* the last retry left some */

	struct creator_info ci;
	bool have_ci;

	/* TikTok counts its limits per user, so per account: each account's
	 * counts (net/poster_account.c), and the current account's here. */
	struct account_pace **paces;
	size_t npaces, apaces;
	struct pace_window *creator_lim, *status_lim; /* 20/min, 30/min */
	struct pace *pace; /* upload starts: 6/min, daily cap (net/pace.h) */
	struct lost_init lost[16];
	int nlost;
};

/* What TikTok limits per user, counted for one account. */
struct account_pace {
	char name[72];
	struct pace pace;
	struct pace_window creator_lim, status_lim;
	/* monotonic: until then the account waits for a login and its jobs
	 * are passed over; 0 = none */
	double login_retry_at;
};

/* The counts of account @name, made empty on first use (owned by @p). */
struct account_pace *pw_account_pace(struct poster *p, const char *name);
/* Make account @name's counts the current ones. */
void pw_pace_switch(struct poster *p, const char *name);
/* Free every account's counts. */
void pw_paces_free(struct poster *p);

/* Make the account of job @j the one the worker posts as (its login, its
 * creator_info, its settings); a no-op when it is already.  0, or -ENOENT
 * when the config has no such account (net/poster_account.c). */
int pw_use_account(struct poster *p, const struct job *j);
/* Refuse job @j, whose account the config does not have: invalid, with
 * NAME.error saying so.  The tracker refuses such items first; this is for
 * one that became ready before a restart with another config. */
void pw_refuse_account(struct poster *p, const struct job *j);

/* ---- the steps of a turn ---- */

enum step_id {
	STEP_LOGIN,	 /* tokens and an API handle; then reconcile or start */
	STEP_RECONCILE,	 /* a publish_id exists: status/fetch says where it is */
	STEP_START,	 /* a fresh item: validate, pace, creator_info, plan */
	STEP_INIT,	 /* video/init, and the publish committed before any byte */
	STEP_RESUME,	 /* reopen the file and plan again at TikTok's offset */
	STEP_SEND,	 /* one chunk PUT (t->chunk) */
	STEP_PROCESSING, /* every byte is at TikTok: state processing */
	STEP_POLL,	 /* one status/fetch until a final status */
	STEP_FINISH,	 /* record the result, move to posted/ */
	STEP_YT_START,	 /* YouTube: validate, open, plan, the metadata */
	STEP_YT_SESSION, /* the session start, its URI committed before any byte */
	STEP_YT_QUERY,	 /* bytes *\/TOTAL: how much the server holds */
	STEP_YT_SEND,	 /* one chunk PUT at t->from */
	STEP_YT_DONE,	 /* the video resource: record it, move to posted/ */
	STEP_END	 /* the turn ends as step.how says */
};

/* How a turn ends: an enum, not 0/-errno (util/error.h), because each of
 * these is handled differently, in one place (net/poster.c). */
enum turn_end {
	TURN_GO = 0,	    /* not ended: run step.next (after step.wait s) */
	TURN_RETRY,	    /* ERR_RETRY: pause, then step.next again (bounded) */
	TURN_DONE,	    /* finished, or the store already says all */
	TURN_STOP,	    /* stopping, or the job is no longer ours: leave it */
	TURN_PAUSE,	    /* the store refused a write: pause, leave it */
	TURN_FAIL,	    /* failed/ with err */
	TURN_DEFER,	    /* deferred until retry_at (0: err's, else a minute) */
	TURN_CHANGED,	    /* the file changed: back to waiting, publish dropped */
	TURN_RESTART,	    /* the publish can never complete: a new init now */
	TURN_RESTART_LATER, /* the same, deferred */
	TURN_LOST_INIT,	    /* init's answer was lost (net/poster.c, top) */
	TURN_LOGIN,	    /* not the item's fault: wait for a login */
	TURN_REFUSED	    /* the validation verdict (t->v) says no */
};

struct step {
	enum step_id next;
	enum turn_end how;
	struct tt_error err; /* why, for every end but DONE and STOP */
	int64_t retry_at;    /* TURN_DEFER: unix seconds, 0 = from err */
	double wait;	     /* TURN_GO: pause this long before next */
};

/* What a turn knows about its job, filled in by the steps. */
struct turn {
	struct job j; /* as read at the start, kept in step with what we store */
	struct verdict v;
	bool have_verdict;
	struct chunk_plan plan;
	const char *mime; /* static string, or t->j's stored one */
	int fd;		  /* the staging file, -1 when not open */
	int64_t chunk;	  /* the next chunk to send */
	uint64_t from;	  /* STEP_RESUME: bytes TikTok holds */
	int retries;	  /* ERR_RETRY pauses so far; reset by progress */
	int resyncs;
	struct publish_status ps; /* the last status answer */
	double poll_gap, poll_t0;
	int polls;
	/* YouTube: t->from is the next byte to send (what the server holds) */
	char *yt_meta;	      /* the session start's JSON body, owned */
	struct yt_reply yr;   /* the last answer (the video at YT_DONE) */
	int stalls;	      /* 308s in a row that held no more bytes */
};

static inline struct step step_go(enum step_id next)
{
	struct step s = {.next = next, .how = TURN_GO};

	return s;
}

/* The turn ends with @how; @err (may be NULL) says why. */
struct step step_end(enum turn_end how, const struct tt_error *err);
/* Pause and run @next again; @err says why. */
struct step step_retry(enum step_id next, const struct tt_error *err);
/* TURN_DEFER until @retry_at (0: from err). */
struct step step_defer(const struct tt_error *err, int64_t retry_at);

/* The step functions (one switch in net/poster.c runs them). */
struct step step_start(struct poster *p, struct turn *t);
struct step step_init(struct poster *p, struct turn *t);
struct step step_resume(struct poster *p, struct turn *t);
struct step step_send(struct poster *p, struct turn *t);
struct step step_reconcile(struct poster *p, struct turn *t);
struct step step_processing(struct poster *p, struct turn *t);
struct step step_poll(struct poster *p, struct turn *t);
struct step step_finish(struct poster *p, struct turn *t);

struct step step_yt_start(struct poster *p, struct turn *t);
struct step step_yt_session(struct poster *p, struct turn *t);
struct step step_yt_query(struct poster *p, struct turn *t);
struct step step_yt_send(struct poster *p, struct turn *t);
struct step step_yt_done(struct poster *p, struct turn *t);
/* Whether the current account posts to YouTube (net/poster_account.c). */
bool pw_youtube(const struct poster *p);
/* Forget the current account's login, whichever platform (TURN_LOGIN). */
void pw_logout(struct poster *p);
/* How the turn goes on after YouTube's answer @a with @err (the file's
 * name put first; @again: the step a passing failure runs again). */
struct step pw_yt_error(struct poster *p, struct turn *t, enum yt_answer a, struct tt_error *err,
			enum step_id again);
/* STEP_LOGIN for a YouTube job (@fresh: no session stored). */
struct step pw_yt_login(struct poster *p, struct turn *t, bool fresh);
/* The chunk size of the current account's YouTube uploads: the config's,
 * a multiple of YT_CHUNK_UNIT (net/poster_yt_send.c). */
uint64_t pw_yt_chunk(const struct poster *p);
/* The YouTube video's address (net/poster_yt.c). */
void pw_yt_url(const char *video_id, char *out, size_t size);

/* ---- net/poster_yt_quota.c: the daily budget, the lock, processing ---- */
/* Before a session starts: 0, or -1 with @s deferring the item to the
 * next Pacific midnight (the project's budget or Google's refusal). */
int pw_ytq_before_session(struct poster *p, struct turn *t, struct step *s);
/* After the upload's final answer (t->yr): the private lock on the item,
 * then posted/ as published with the processing awaited.  0: the caller
 * moves it to posted/ itself (processing is over); -1 with @s. */
int pw_ytq_after_upload(struct poster *p, struct turn *t, struct step *s);
/* Whether @err (its code Google's reason) used up the project's day: then
 * @err is made the deferral to the next Pacific midnight. */
bool pw_ytq_error(struct poster *p, struct turn *t, struct tt_error *err);
/* The ledger's ytq_take() and ytq_refused() for job @j at pw_now(). */
int64_t pw_ytq_take(struct poster *p, const struct job *j, enum ytq_call call,
		    struct tt_error *err);
int64_t pw_ytq_refused(struct poster *p, const struct job *j, const char *reason,
		       struct tt_error *err);
void pw_ytq_free(struct poster *p);

/* ---- net/poster_yt_wait.c: the wait for YouTube's processing ---- */
/* Before outcome_published(): the first videos.list. */
int pw_yt_wait_begin(struct poster *p, int64_t id, int64_t posted_at);
/* The due published job @j, when it is a YouTube account's: 1 asked (or
 * ended), -1 not now (its account's login is not at hand), 0 not
 * YouTube's (TikTok's wait takes it). */
int pw_yt_wait_service(struct poster *p, const struct job *j, int64_t now, bool in_turn);

/* ---- net/poster_end.c ---- */
/* Carry out how @s says the turn ends.  The only place a turn ends. */
void end_turn(struct poster *p, struct turn *t, struct step *s);

/* ---- net/poster.c: helpers for the steps ---- */
int64_t pw_now(void);
bool pw_stopping(struct poster *p);
/* Sleep @sec seconds (times nap_scale), waking early only to stop.  False
 * when stopping. */
bool pw_nap(struct poster *p, double sec);
/* Wait for room under @w and count the call.  False when stopping. */
bool pw_window_take(struct poster *p, struct pace_window *w);
/* Whose remedy is logging in again: not the item's fault. */
bool pw_login_problem(const struct tt_error *err);
/* Job @id still exists and is in state @want (not deleted, not reset). */
bool pw_still_ours(struct poster *p, int64_t id, enum job_state want);
/* Inits of job @id whose answer was lost in this run (+1 when @add). */
int pw_lost_inits(struct poster *p, int64_t id, bool add);
/* Open the staging file of @j through meta/job/itemfile.h; -errno with
 * @err (ERR_INCOMPLETE: changed) on failure (net/poster_send.c). */
int pw_open_video(struct poster *p, const struct job *j, struct tt_error *err);
/* Validate job t->j against @ci (may be NULL) into t->v: 0 when it may
 * go, else -1 (the turn ends as TURN_REFUSED; net/poster_start.c). */
int pw_validate(struct poster *p, struct turn *t, const struct creator_info *ci);
/* The chunk plan for @size, or -errno with @err (net/poster_send.c). */
int pw_make_plan(struct poster *p, const struct job *j, uint64_t size, struct chunk_plan *plan,
		 struct tt_error *err);

/* ---- net/poster_watch.c ---- */
void pw_load_ci(struct poster *p);
/* https://www.tiktok.com/@user/video/ID into @out, or "" when unknown. */
void pw_post_url(const struct poster *p, const char *post_id, char *out, size_t size);
/* Seconds to the next ask of a wait whose publish is @since s old. */
int64_t pw_wait_gap(int64_t since);
/* Unix seconds after which published job @j is asked about no more. */
int64_t pw_wait_deadline(const struct poster *p, const struct job *j);
/* Before outcome_published(): the first ask and the item's post_status. */
int pw_wait_begin(struct poster *p, int64_t id, int64_t posted_at);
/* Ask about the waits that are due, never waiting for the rate limit;
 * @in_turn: an upload is in progress, keep POST_WAIT_RESERVE calls free. */
void pw_wait_service(struct poster *p, bool in_turn);
/* Seconds until pw_wait_service() has something to do; -1: no wait. */
double pw_wait_next(struct poster *p);

/* ---- net/poster.c: the worker without its thread (unit tests) ---- */
/* A worker on @st, @cfg, @root (borrowed) that asks TikTok through @io
 * (owned from here on).  Free with poster_free(). */
struct poster *poster_new(struct store *st, const struct config *cfg, const char *root,
			  struct poster_io io);
/* What the thread does before its loop: seed the pace, log in. */
void poster_prepare(struct poster *p);
/* One turn of the job that is due now: its id, or 0 when none is and
 * *@wake_at is when the next one will be (0: none waits for a time). */
int64_t poster_work_once(struct poster *p, int64_t *wake_at);
/* Jobs of YouTube accounts ask YouTube through @yt (owned from here on). */
void poster_set_yt_io(struct poster *p, struct yt_io yt);
/* Drop the worker (its memory; the store keeps every decision). */
void poster_free(struct poster *p);

#endif

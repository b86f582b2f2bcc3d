/*
 * The job store: one SQLite database (WAL) in state_dir holding every item's
 * state and history.  It is the memory of the whole daemon: the filesystem
 * answers user.tiktok.* xattrs and STATUS.txt from it, the posting worker
 * takes its work from it, and every transition is committed before anyone
 * can see it.
 *
 * Paths are relative to the staging root and name the video, e.g.
 * "outbox/sub/clip.mp4".  A job is keyed by its video path while it lives.
 *
 * Thread-safe: one connection guarded by a mutex; callers never hold a
 * struct job across a state change they did not make.
 *
 * THE STATE MACHINE.  A job is born waiting and ends in one of the four
 * final states; it never leaves a final state (a file that comes back is a
 * new job).  Every arrow below is committed with a history row; the right
 * column names the one function that makes it (store_transition() inside
 * unless said; pw_* are in net/poster*.c, trk_* and the tracker's statics
 * in meta/job/tracker*.c).  "live" is any non-final state; "idle" a live
 * one not in flight (not uploading, not processing, no publish_id): the
 * tracker applies a verdict only to those.
 *
 *   (none)     -> waiting     store_ensure()               tracker: a video appeared
 *   idle       -> ready       verdict_apply()              valid, post now
 *   idle       -> scheduled   verdict_apply()              valid, in scheduled/, time to come
 *   idle       -> scheduled   verdict_apply()              valid, in queue/: at its slot, kept or
 *                               -> queue_plan()              planned now (4)
 *   idle       -> invalid     verdict_apply()              NAME.error beside it (1)
 *   idle       -> invalid     verdict_apply()              in queue/, no slot to give: no slots
 *                                                          configured, or a year full (4)
 *   idle       -> waiting     verdict_apply()              a truncated copy
 *   idle       -> failed      verdict_apply()              media can never pass: through
 *                               -> outcome_failed()          store_begin_move() (3)
 *   ready, scheduled, invalid,
 *   deferred   -> waiting     trk_reset_job()              tracker: the item changed
 *   ready, scheduled, deferred
 *              -> uploading   start_publish()              poster: init answered (net/poster_item.c)
 *   deferred   -> uploading   pw_resume_upload()           poster: a publish to resume
 *   ready, scheduled, deferred,
 *   uploading, processing
 *              -> deferred    pw_defer()                   poster: a TikTok limit, retry_at
 *   ready, scheduled, deferred,
 *   uploading  -> waiting     pw_changed()                 poster: the file changed under it
 *   uploading  -> waiting     store_stop_upload()          tracker: caption deleted mid-upload (2)
 *   ready, scheduled, deferred
 *              -> invalid     verdict_refused()            poster's re-check (1)
 *   uploading  -> processing  pw_to_processing(),          poster: all bytes sent,
 *                             pw_reconcile()               or TikTok has them after a restart
 *   uploading, processing
 *              -> ready       pw_restart()                 poster: this publish can never finish
 *   live       -> failed      outcome_failed()             poster (pw_fail) or verdict_apply (3)
 *   processing -> posted      outcome_posted()             poster: PUBLISH_COMPLETE (3)
 *   processing -> published   outcome_published()          poster: PUBLISH_COMPLETE with no
 *                                                            post ID yet (moderation) (3)(4)
 *   published  -> posted      store_end_post_wait()        poster: the post ID came, TikTok
 *                                                            said FAILED, or the wait ran out (4)
 *   live but processing
 *              -> cancelled   cancel_job()                 tracker: the user deleted the video
 *   live       -> cancelled   store_rename()               a rename replaced the file (2)
 *   live, not in flight
 *              -> lost        close_lost()                 tracker: the video vanished
 *
 * (1) -> invalid is made in two places today: verdict_apply() in meta/
 *     and verdict_refused() in net/poster_item.c, which does the same
 *     thing and is to become a call of verdict_apply().
 * (2) These two share their target with another arrow but differ in
 *     cause, and are made inside one transaction with what must go with
 *     them: store_stop_upload() forgets the publish so that the poster's
 *     move to processing comes wholly before or after it; store_rename()
 *     cancels in the same commit that rewrites the paths.
 * (3) posted, failed and published are entered from a live state only by
 *     store_begin_move(), called only by outcome.c's finish_item(): the
 *     state, the destination paths and move_from in one commit, then the
 *     renames, then store_end_move().  (published -> posted moves no file.)
 *
 * (4) published is final for the files (the item is in posted/, the
 *     tracker leaves it alone, its path is no longer a live one) but not
 *     for the post: TikTok has published it and the public post ID is still
 *     to come.  It is the one final state that is left, and only for
 *     posted, which changes what is known of the post, never the files.
 *     post_poll_at says when status/fetch is asked next; store_each walks
 *     every published job with the live ones, whatever @recent says.
 *
 * (3) posted and failed are entered only by store_begin_move(), called only
 *     by outcome.c's finish_item(): the state, the destination paths and
 *     move_from in one commit, then the renames, then store_end_move().
 * (5) A job of queue/ holds its slot in the slots table (store_set_slot)
 *     while it is live in queue/, and after it is posted or published (the
 *     daily cap counts it); a final state other than posted, or a path outside
 *     queue/, frees it without a transition (store_slots_held() no longer
 *     counts it; verdict_apply() forgets it at the next check).  A slot
 *     already past is still `scheduled`: due at once, store_next_work().
 *
 * THE ACCOUNT.  A job's account is the account of the folder its video is
 * in (drop_account_of, meta/job/drop.h): set when the job is made
 * (store_ensure), and made again by every store_rename() that moves the
 * video while the job has no publish_id, i.e. before its upload started
 * (ready, scheduled, invalid ... -> moved to accounts/b/outbox/ posts as
 * b).  From the init on (-> uploading) it is fixed: TikTok holds the
 * upload under the first account's login, so a later move leaves the
 * account as it is and sets the job's warning saying so; the job is
 * posted, and its results placed, as the account it began with.  The
 * init itself is the one moment that can race: the worker took the job as
 * account A, a rename re-targeted it to B before the answer came; the
 * answer is committed by store_set_publish_as() naming A, which puts the
 * account back to A with that warning in the same commit.
 *
 * THE TARGETS.  An item may name several accounts, at most one per
 * platform (the verdict's targets, meta/rules.h): it posts to each once.
 * The job row stays the item and its CURRENT target (account): the
 * tracker, the paths, the poster and every arrow above work on it as on
 * any job.  jobs.targets lists all the targets in order; a table `targets`
 * holds one row per FINISHED target (posted, published, failed) with its
 * results.  Pending targets are the list minus the rows.  Targets post one
 * after another; the first pending one is the job's account.  The arrows
 * they add (outcome.c and verdict.c call them):
 *
 *   idle       -> ready,      store_set_ready_as()        valid as the first pending target:
 *                 scheduled                                  its account, privacy, warning and
 *                                                            the state in one commit
 *   processing -> waiting     store_target_done()          the current target ended (posted,
 *   (or any live)  (next target)                           published or failed: its row) and
 *                                                          another is pending: in one commit
 *                                                          the row, the job row reset for the
 *                                                          next (account, publish, results
 *                                                          cleared) and waiting; the tracker
 *                                                          is asked to check it again
 *                                                          (store_take_checks)
 *   live       -> posted,     store_target_done() with     no target left: the last row, then
 *                 failed      no next, then                the item's move as for any job:
 *                             store_begin_move()           posted/ when every target posted
 *                                                          or published, else failed/ (3)
 *   published target -> posted target                      its post ID came, or YouTube's
 *                             store_end_target_wait()      processing ended (the row's wait,
 *                                                          like (4))
 *   (none)     -> waiting     store_ensure()               an item moved back from failed/
 *                                                          (the tracker's store_rename took
 *                                                          the failed job's paths along): the
 *                                                          posted and published rows of that
 *                                                          failed job are copied in the same
 *                                                          commit (never posted again)
 *
 * A target failed by its verdict (media it can never take) gets its row
 * from store_target_failed(), with no transition: the others go on.  The
 * item's folder is its first target's (posted/, failed/ of that account).
 *
 * Exactly once: a crash before the commit of store_target_done() leaves
 * the job processing with its publish (reconciled as any); after it, the
 * next target.  The last target's row and the final move are two commits:
 * a crash between them replays the end, whose row is then already there
 * (a target is finished once) and the move follows.  A finished target never posts again: verdict_apply skips
 * it, and store_rename() never re-targets a job that has one.
 *
 * A job in flight is moved by the tracker only when its video is deleted
 * before the last byte (cancel_job) or its caption is (store_stop_upload);
 * any other change to its files is logged and the upload goes on.
 */
#ifndef TIKTOKFS_STORE_H
#define TIKTOKFS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum job_state {
	JOB_WAITING = 0, /* incomplete, no caption yet, or truncated copy */
	JOB_READY,	 /* complete and valid: the poster may take it */
	JOB_SCHEDULED,	 /* complete, valid, waiting for schedule_at */
	JOB_UPLOADING,	 /* init done (publish_id stored) and/or chunks going */
	JOB_PROCESSING,	 /* all bytes sent, polling status */
	JOB_DEFERRED,	 /* a TikTok limit: retry at retry_at */
	JOB_INVALID,	 /* user can fix in place: NAME.error beside the item */
	JOB_POSTED,	 /* final: in posted/ */
	JOB_FAILED,	 /* final: in failed/ with NAME.error */
	JOB_CANCELLED,	 /* final: the user deleted it */
	JOB_LOST,	 /* final: the file vanished while the daemon was away */
	JOB_PUBLISHED	 /* final for the files: in posted/, its post ID awaited (4) */
};

const char *job_state_name(enum job_state s); /* "waiting", "ready", ... */
int job_state_parse(const char *s);	      /* -1 if unknown */
bool job_state_final(enum job_state s);

/* One row.  Strings are owned by the struct; job_free() releases them. */
struct job {
	int64_t id;
	char *path;	    /* video, relative to the staging root */
	char *caption_path; /* NULL until a caption is paired */
	enum job_state state;
	int mode;	     /* enum post_mode chosen at init */
	uint64_t size;	     /* bytes, fixed when the item became ready */
	uint64_t sent;	     /* bytes TikTok acknowledged */
	int64_t schedule_at; /* 0 if none */
	int64_t retry_at;    /* 0 if none */
	char *publish_id;    /* NULL until init answered */
	char *upload_url;    /* secret: never logged, never shown */
	int64_t upload_expires;
	char *status;  /* TikTok's last status */
	char *post_id; /* decimal string, exact */
	char *url;
	char *privacy;
	char *error;   /* first line shown in user.tiktok.error */
	char *warning; /* user.tiktok.warning */
	int64_t posted_at;
	int attempts; /* inits made for this item */
	int64_t created_at, updated_at;
	/* An outcome move in progress (outcome.c): the files may still sit at
	 * these source paths; NULL when no move is pending. */
	char *move_from;
	char *move_caption_from;
	char *error_text; /* full NAME.error text of a failed job, secret-free */
	/* Content-Type of the chunk PUTs (video/mp4 ...), from the probe when
	 * the item became ready; NULL before that, and on rows readied before
	 * schema version 3 (probe again then). */
	char *mime;
	/* user.tiktok.post_status: what became of the post after the upload
	 * (waiting for moderation, public, FAILED meanwhile, no ID in time);
	 * NULL for a post whose ID came with the publish. */
	char *post_status;
	int64_t post_poll_at; /* published: unix seconds of the next status/fetch */
	/* The account it posts as ("default", or NAME of accounts/NAME/): see
	 * THE ACCOUNT above.  Never NULL on a job read from the store. */
	char *account;
	/* THE TARGETS: the comma list of a multi-target item's accounts, in
	 * order ("default,yt"); NULL for an item of one account. */
	char *targets;
	/* 0 for the job row.  A finished target's row read as a job
	 * (store_targets_of, store_next_post_wait): its id in the targets
	 * table, with that target's account, state and results, the item's
	 * paths; platform "tiktok" or "youtube" (NULL on a job row). */
	int64_t target_id;
	char *platform;
};

void job_free(struct job *j);
/* A deep copy of @src into @dst (caller frees with job_free). */
void job_dup(const struct job *src, struct job *dst);

/* Callback for walks over jobs: gets a borrowed job; non-zero stops the walk
 * and is returned by the walker. */
typedef int (*store_each_fn)(const struct job *j, void *arg);

struct store;

/* Open or create @path (mode 0600), run migrations.  NULL + @err on failure.
 * The caller frees with store_close(). */
struct store *store_open(const char *path, struct tt_error *err);
/* Open an existing store read-only (`tiktokfs status` while the daemon
 * runs): sees every committed transition, never writes, runs no migration.
 * Every setter on it fails with -EROFS.  NULL + @err on failure. */
struct store *store_open_readonly(const char *path, struct tt_error *err);
void store_close(struct store *st);

/* Lookups fill @out (caller frees with job_free); 0 found, -ENOENT not. */
int store_get(struct store *st, int64_t id, struct job *out);
/* The job whose video or caption is @path: a live one first, else the
 * newest; a video match wins over a caption match. */
int store_get_by_path(struct store *st, const char *path, struct job *out);
/* The live (non-final) job whose video or caption is @path. */
int store_find_live(struct store *st, const char *path, struct job *out);

/* Create a live job for a video (state waiting) or return the existing one's
 * id.  Idempotent.  Returns the id (> 0) or -errno; -EBUSY when @video_path
 * is the source of an unfinished outcome move (see store_begin_move): that
 * file belongs to a final job until outcome_finish_moves() runs. */
int64_t store_ensure(struct store *st, const char *video_path);
int store_set_caption(struct store *st, int64_t id, const char *caption_path);

/* Every state change goes through here and is written to history with @note
 * (which must hold no secret).  Commits before returning. */
int store_transition(struct store *st, int64_t id, enum job_state to, const char *note);

/* A history row that is not a transition (from and to are the job's
 * current state), committed: something was spent or done for the job that
 * must outlive a restart, e.g. a YouTube quota spend before its call
 * (net/yt_ledger.c).  @note holds no secret.  0, -ENOENT or -errno. */
int store_note(struct store *st, int64_t id, const char *note);

/*
 * Stop an upload that has not sent its last byte (its caption was deleted):
 * in one transaction, unless the job is processing or final (-EBUSY: TikTok
 * may have every byte, the publish goes on), forget its publish, set its
 * error to @error and its state to waiting with @note.  Atomic, so that the
 * poster's move to processing comes either before (-EBUSY) or after it.
 */
int store_stop_upload(struct store *st, int64_t id, const char *error, const char *note);

/* Field updates, each committed. */
/* What validation fixed when the item became ready: its size, schedule
 * time (0: none), privacy, warning and MIME type (each may be NULL, which
 * stores NULL).  A caller that changes one of them passes the others as
 * the job has them. */
int store_set_ready(struct store *st, int64_t id, uint64_t size, int64_t schedule_at,
		    const char *privacy, const char *warning, const char *mime);
int store_set_error(struct store *st, int64_t id, const char *first_line);
/* user.tiktok.warning (outcome.c: the item's folder was stepped aside). */
int store_set_warning(struct store *st, int64_t id, const char *warning);
int store_set_publish(struct store *st, int64_t id, int mode, const char *publish_id,
		      const char *upload_url, int64_t upload_expires);
/* The same, recording that the upload was started with @account's login
 * (NULL: the job's account is kept).  In the same commit as the
 * publish_id, so the job's account always names who holds the upload: a
 * rename that re-targeted the job while the init was on its way (THE
 * ACCOUNT) is undone, and the job's warning says the move came too late. */
int store_set_publish_as(struct store *st, int64_t id, const char *account, int mode,
			 const char *publish_id, const char *upload_url, int64_t upload_expires);
int store_clear_publish(struct store *st, int64_t id); /* before a legitimate re-init */
int store_set_progress(struct store *st, int64_t id, uint64_t sent);
int store_set_status(struct store *st, int64_t id, const char *status);
int store_set_retry(struct store *st, int64_t id, int64_t retry_at);
int store_set_result(struct store *st, int64_t id, const char *post_id, const char *url,
		     int64_t posted_at);
/* A published job's next status/fetch at @next_at; @post_status (NULL:
 * kept) is what its item says meanwhile.  Not a transition. */
int store_set_post_poll(struct store *st, int64_t id, int64_t next_at, const char *post_status);
/* End the wait of a published job, in one transaction: post_id and url
 * (NULL: kept), @post_status, state posted with @note.  -ENOENT when the
 * job is not published (the wait was ended already). */
int store_end_post_wait(struct store *st, int64_t id, const char *post_id, const char *url,
			const char *post_status, const char *note);
/* The published job whose status/fetch is due first (smallest
 * post_poll_at) into @out (caller frees with job_free); -ENOENT: none.
 * A target's row in state published counts too (THE TARGETS): then
 * out->target_id is set, and what the wait changes is changed on the row:
 * the store_wait_*() calls below act on either. */
int store_next_post_wait(struct store *st, struct job *out);
/* For a job @j handed by store_next_post_wait(): store_set_post_poll,
 * store_end_post_wait, store_set_status and store_set_error of the job,
 * or of its target row when j->target_id is set. */
int store_wait_poll(struct store *st, const struct job *j, int64_t next_at,
		    const char *post_status);
int store_wait_end(struct store *st, const struct job *j, const char *post_id, const char *url,
		   const char *post_status, const char *note);
int store_wait_status(struct store *st, const struct job *j, const char *status);
int store_wait_error(struct store *st, const struct job *j, const char *error);
/* The same as store_set_post_poll / store_end_post_wait for target row
 * @target_id; the end also writes a history row on its job. */
int store_set_target_poll(struct store *st, int64_t target_id, int64_t next_at,
			  const char *post_status);
int store_end_target_wait(struct store *st, int64_t target_id, const char *post_id,
			  const char *url, const char *post_status, const char *note);

/* ---- THE TARGETS (see above) ---- */

/* jobs.targets of @id: the comma list of its accounts, or NULL. */
int store_set_targets(struct store *st, int64_t id, const char *targets);
/* The item is valid as target @account (NULL: the job's own): what
 * store_set_ready() records, the account, and the state @to (ready or
 * scheduled) with @note, in one commit. */
int store_set_ready_as(struct store *st, int64_t id, const char *account, uint64_t size,
		       int64_t schedule_at, const char *privacy, const char *warning,
		       const char *mime, enum job_state to, const char *note);
/*
 * The current target of job @id (its account) ended in @state (posted,
 * published or failed; @platform "tiktok" or "youtube"; @error_text, the
 * target's own error text, or NULL): its row from the job row's fields.
 * With @next (an account): in the same commit the job row becomes @next's
 * (publish, results, error, warning, attempts cleared) and waiting, with
 * @note, and the job is put on the list store_take_checks() hands the
 * tracker.  Recording a target that has a row already changes nothing.
 * 0 or -errno.
 */
int store_target_done(struct store *st, int64_t id, const char *platform,
		      enum job_state state, const char *error_text, const char *next,
		      const char *note);
/* Target @account (@platform) of job @id can never pass (a verdict of its
 * media): its row, failed, with @error_text.  Not a transition. */
int store_target_failed(struct store *st, int64_t id, const char *account, const char *platform,
			const char *error_text);
/* Walk the finished targets of job @id (rows read as jobs, target_id set),
 * in the order they finished.  Returns the callback's non-zero or 0. */
int store_targets_of(struct store *st, int64_t id, store_each_fn fn, void *arg);
/* Hand over the paths of jobs that moved to their next target since the
 * last call (each once), for the tracker to validate them again: @fn gets
 * each path.  In memory: after a restart the tracker checks every item. */
void store_take_checks(struct store *st, void (*fn)(const char *path, void *arg), void *arg);
/* The item's files moved: rewrite video and caption paths (also every job
 * under a renamed directory when @old is a directory prefix).  Rows whose
 * files are gone (cancelled, lost) keep their old paths.  A live job that
 * sat at a destination path was overwritten by the rename: it is cancelled.
 * The source of a pending outcome move (move_from) follows the rename too. */
int store_rename(struct store *st, const char *old_path, const char *new_path);
/* Set the video and caption paths of one job (outcome.c: a " (2)" name was
 * taken after all).  @caption_path may be NULL. */
int store_set_paths(struct store *st, int64_t id, const char *video_path, const char *caption_path);

/*
 * The outcome move, crash-safe (outcome.c): store_begin_move() commits in one
 * transaction the final state @to with its history row, the destination
 * paths, the source paths (move_from), @error_text (may be NULL; its first
 * line also becomes the job's error) and forgets upload_url.  The files are renamed afterwards,
 * then store_end_move() clears move_from.  store_moving() lists jobs whose move never finished (a
 * crash), so that outcome_finish_moves() can complete them before anything else looks at the tree.
 */
int store_begin_move(struct store *st, int64_t id, enum job_state to, const char *video_path,
		     const char *caption_path, const char *error_text, const char *note);
int store_end_move(struct store *st, int64_t id);
int store_moving(struct store *st, store_each_fn fn, void *arg);

/*
 * The posting worker's side.  store_next_work() returns the id of the job
 * that should be worked on at @now: in-flight jobs first (uploading,
 * processing: they were interrupted), whoever's they are.  Else each
 * account with work due offers its first (ready, then scheduled/deferred
 * whose time has come, oldest first), and the accounts take turns,
 * weighted by their shares (meta/job/turns.h: an account of share 3 gets
 * three turns for each one of an account of share 1); one account alone
 * is served oldest first.  An account whose items all wait (a 429 hold,
 * the pace: deferred with a retry_at to come) offers nothing and holds no
 * one back.  Each answer but an in-flight job counts as a turn of its
 * account.  0 if none; *@wake_at is set to the earliest future time
 * something becomes due (0 if nothing).
 */
int64_t store_next_work(struct store *st, int64_t now, int64_t *wake_at);
/* Account @account's share of the turns (its bandwidth_share, 1..100; an
 * account never set has 1).  store_clear_shares: every account back to 1
 * (before setting a reloaded config's). */
void store_set_share(struct store *st, const char *account, unsigned share);
void store_clear_shares(struct store *st);
/* The same, passing over every job whose account @skip(account, @arg)
 * returns true for (an account waiting for a login must not hold up the
 * others: net/poster.c).  @skip runs under the store's lock: it must not
 * call the store.  *@wake_at as above, whatever was skipped. */
typedef bool (*store_skip_fn)(const char *account, void *arg);
int64_t store_next_work_skip(struct store *st, int64_t now, store_skip_fn skip, void *arg,
			     int64_t *wake_at);
/* Wake anyone in store_wait() (called after every transition). */
void store_kick(struct store *st);
/* Sleep until kicked or @timeout_ms of the daemon's time pass (util/clock.h:
 * shorter in real time under the test clock). */
void store_wait(struct store *st, int timeout_ms);

/* Iterate live jobs and every published one (oldest first), then the most
 * recent @recent other final ones, for STATUS.txt and `tiktokfs status`.
 * The callback gets a borrowed job. */
int store_each(struct store *st, int recent, store_each_fn fn, void *arg);

/* One history row: a state change of job @job_id at @at. */
struct store_event {
	int64_t job_id;
	int64_t at; /* unix seconds */
	int from;   /* enum job_state, -1 when the job was created */
	enum job_state to;
	const char *note; /* borrowed, never NULL */
};
typedef int (*store_event_fn)(const struct store_event *ev, void *arg);

/* Record of history, oldest first (newest last), for tests and `status`.
 * A callback returning non-zero stops the walk and that value is returned. */
int store_history(struct store *st, int64_t id, store_event_fn fn, void *arg);

/*
 * The posting slot of an item of queue/ (meta/job/queue.h), kept beside its
 * job: the slot and the jitter chosen for it once.  store_get_slot: 0 or
 * -ENOENT when the job has none.  store_set_slot with @slot_at 0 forgets it.
 * store_slots_held: the slots from @from on held by jobs other than
 * @except, i.e. of live jobs whose path starts with @folder ("queue/",
 * "accounts/b/queue/") and of posted ones of @folder's account; an array
 * the caller frees, and its length.
 */
int store_get_slot(struct store *st, int64_t id, int64_t *slot_at, int64_t *jitter);
int store_set_slot(struct store *st, int64_t id, int64_t slot_at, int64_t jitter);
int store_slots_held(struct store *st, int64_t from, const char *folder, int64_t except,
		     int64_t **out, size_t *n);

#endif

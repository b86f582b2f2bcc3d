/*
 * The job store: one SQLite database in state_dir (jobs.db, mode 0600).
 *
 * Durability is the point of this module.  The database runs in WAL mode
 * with synchronous=FULL, so a commit is on disk when sqlite3_step() returns;
 * every setter commits before it returns, and callers make a change visible
 * (a rename, an xattr, an upload) only after that.  This is what makes
 * exactly-once posting possible: the publish_id is durable before the first
 * byte goes out, and the final state is durable before a file moves.
 *
 * Invariants:
 *  - at most one live (non-final) job per video path: a partial unique index
 *    (jobs_live_path) enforces it in the database itself;
 *  - every state change writes a history row in the same transaction;
 *  - the only secret stored is upload_url (TikTok's signed upload URL, needed
 *    to resume an upload within its hour).  It is cleared when a job reaches
 *    a final state, is never logged, and nothing that renders jobs (status,
 *    xattrs) may show it.  Tokens and client secrets never enter this file.
 *
 * One connection, one mutex: SQLite serialises writers anyway, and the
 * daemon's write rate is a few rows a second.  Walkers copy rows out under
 * the lock and call their callbacks after releasing it, so a callback may call
 * back into the store.  The SQL lives in store_sql.c; this file never spells
 * a table or a column.
 */
#include "meta/job/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/job/store_int.h"
#include "meta/job/turns.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

struct store {
	sqlite3 *db;
	bool readonly;
	bool opening;	      /* store_open runs: errors go to its tt_error, not the log */
	pthread_mutex_t lock; /* guards db and stmts */
	sqlite3_stmt *stmts[S_COUNT];
	/* store_kick/store_wait: a flag, so that a kick that comes between the
	 * worker's store_next_work() and its store_wait() is not lost */
	pthread_mutex_t kick_lock;
	pthread_cond_t kick_cond;
	bool kicked;
	struct turns *turns; /* whose turn it is among accounts (under lock) */
	/* paths of jobs moved to their next target, for the tracker (under
	 * lock): store_target_done() adds, store_take_checks() empties */
	char **checks;
	size_t n_checks, alloc_checks;
};

/* ---- helpers (st->lock held, but for txn_begin and exec_update) ------ */

static int64_t now_sec(void)
{
	return wall_now();
}

static sqlite3_stmt *stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmts[id];

	if (!s) {
		int rc = sqlite3_prepare_v3(st->db, store_stmt_sql[id], -1,
					    SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK) {
			log_err("job store: cannot prepare statement %d: %s", (int)id,
				sqlite3_errmsg(st->db));
			return NULL;
		}
		st->stmts[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/*
 * One typed bind list for every statement: a statement's parameters ?1, ?2
 * ... are an array of values, so that a setter is its values and nothing
 * else.  Text may be NULL and binds SQL NULL.
 */
struct sqlv {
	enum { SV_INT, SV_TEXT } t;
	int64_t i;
	const char *s;
};
#define SV_I(v)                                                                                    \
	{                                                                                          \
		SV_INT, (int64_t)(v), NULL                                                         \
	}
#define SV_T(v)                                                                                    \
	{                                                                                          \
		SV_TEXT, 0, (v)                                                                    \
	}
#define NVALS(a) (sizeof(a) / sizeof((a)[0]))

/* Statement @sid, reset, with @v bound to ?1..?n; NULL if it cannot be
 * prepared. */
static sqlite3_stmt *bound(struct store *st, enum stmt_id sid, const struct sqlv *v, size_t n)
{
	sqlite3_stmt *s = stmt(st, sid);

	for (size_t i = 0; s && i < n; i++) {
		if (v[i].t == SV_INT)
			sqlite3_bind_int64(s, (int)i + 1, v[i].i);
		else if (v[i].s)
			sqlite3_bind_text(s, (int)i + 1, v[i].s, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(s, (int)i + 1);
	}
	return s;
}

/* Step a statement that returns no rows; 0 or -errno. */
static int run(struct store *st, sqlite3_stmt *s)
{
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		/* sqlite3_errmsg names constraints, never bound values */
		if ((rc & 0xff) != SQLITE_CONSTRAINT)
			log_err("job store: %s", sqlite3_errmsg(st->db));
		return store_sql_errno(rc);
	}
	return 0;
}

static int run_with(struct store *st, enum stmt_id sid, const struct sqlv *v, size_t n)
{
	return run(st, bound(st, sid, v, n));
}

/* The first column of the first row of @sid bound to @v into *@out (0 when
 * no row, or NULL); 0 or -EIO when it cannot be prepared. */
static int first_int(struct store *st, enum stmt_id sid, const struct sqlv *v, size_t n,
		     int64_t *out)
{
	sqlite3_stmt *s = bound(st, sid, v, n);

	*out = 0;
	if (!s)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

static int exec(struct store *st, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		if (!st->opening)
			log_err("job store: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return store_sql_errno(rc);
	}
	return 0;
}

/*
 * A write transaction of several statements: txn_begin() takes the lock and
 * begins (IMMEDIATE: the write lock now, not at the first write); txn_end()
 * commits when @rc is 0, else rolls back, unlocks, and wakes the worker after
 * a committed change when @kick.  It returns the first error.
 */
static int txn_begin(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	return exec(st, "BEGIN IMMEDIATE");
}

static int txn_end(struct store *st, int rc, bool kick)
{
	if (rc == 0)
		rc = exec(st, "COMMIT");
	if (rc != 0 && !sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	pthread_mutex_unlock(&st->lock);
	if (rc == 0 && kick)
		store_kick(st);
	return rc;
}

/*
 * A setter: one UPDATE of one job, @v being ?1 = its id and the rest.  A
 * single statement is its own transaction (autocommit), committed before
 * this returns; -ENOENT when no row matched.
 */
static int exec_update(struct store *st, enum stmt_id sid, const struct sqlv *v, size_t n)
{
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = run_with(st, sid, v, n);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* Run a one-row lookup bound by the caller; 0, -ENOENT or -errno. */
static int fetch_one(struct store *st, sqlite3_stmt *s, struct job *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		store_read_job(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		log_err("job store: %s", sqlite3_errmsg(st->db));
		rc = store_sql_errno(rc);
	}
	sqlite3_reset(s);
	return rc;
}

/* A growable array of jobs copied out under the lock. */
struct job_list {
	struct job *v;
	size_t n, alloc;
};

static int collect(struct store *st, sqlite3_stmt *s, struct job_list *l)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ALLOC_GROW(l->v, l->n + 1, l->alloc);
		store_read_job(s, &l->v[l->n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("job store: %s", sqlite3_errmsg(st->db));
		return store_sql_errno(rc);
	}
	return 0;
}

static int walk(struct job_list *l, store_each_fn fn, void *arg)
{
	int rc = 0;

	for (size_t i = 0; fn && i < l->n && rc == 0; i++)
		rc = fn(&l->v[i], arg);
	for (size_t i = 0; i < l->n; i++)
		job_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
	return rc;
}

static int history_row(struct store *st, int64_t id, const char *from, const char *to,
		       const char *note)
{
	const struct sqlv v[] = {SV_I(id), SV_I(now_sec()), SV_T(from), SV_T(to),
				 SV_T(note ? note : "")};
	return run_with(st, S_HIST, v, NVALS(v));
}

/* Current state name of @id into @buf; -ENOENT if no such job. */
static int state_of(struct store *st, int64_t id, char *buf, size_t size)
{
	const struct sqlv v[] = {SV_I(id)};
	sqlite3_stmt *s = bound(st, S_STATE_OF, v, NVALS(v));
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(s, 0));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : store_sql_errno(rc);
	}
	sqlite3_reset(s);
	return rc;
}

/* Change the state and write history; inside a transaction. */
static int set_state(struct store *st, int64_t id, enum job_state to, const char *note)
{
	const struct sqlv v[] = {SV_I(id), SV_T(job_state_name(to)), SV_I(now_sec())};
	char from[32];
	int rc = state_of(st, id, from, sizeof(from));

	if (rc)
		return rc;
	if (!strcmp(from, job_state_name(to)))
		return 0; /* no change, no history row */
	rc = run_with(st, S_SET_STATE, v, NVALS(v));
	if (rc == 0)
		rc = history_row(st, id, from, job_state_name(to), note);
	return rc;
}

/* ---- open and close --------------------------------------------------- */

/* Create the file ourselves so that it is 0600 from its first byte (SQLite
 * gives -wal and -shm the database file's mode). */
static int create_private(const char *path, struct tt_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		int e = errno;
		tt_error_set(err, ERR_PERMANENT, "%s: cannot create the job store: %s", path,
			     strerror(e));
		tt_error_advise(err, "Check that the state directory exists and is writable.");
		return -e;
	}
	if (fchmod(fd, 0600) < 0)
		log_warn("%s: cannot set mode 0600: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static struct store *open_common(const char *path, bool readonly, struct tt_error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	pthread_condattr_t ca;
	int flags =
	    SQLITE_OPEN_FULLMUTEX | (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
	int rc;

	tt_error_clear(err);
	st->readonly = readonly;
	st->opening = true;
	st->turns = turns_new();
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->kick_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st->kick_cond, &ca);
	pthread_condattr_destroy(&ca);

	if (!readonly && create_private(path, err) < 0)
		goto fail;
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		tt_error_set(err, ERR_PERMANENT, "%s: cannot open the job store: %s", path,
			     st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		if (readonly)
			tt_error_advise(err, "Mount tiktokfs once to create it.");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (store_sql_functions(st->db) < 0)
		goto fail_db;
	/* a second process (status, a stale mount) may hold the lock briefly */
	sqlite3_busy_timeout(st->db, 5000);
	if (exec(st, "PRAGMA foreign_keys = ON") < 0)
		goto fail_db;
	if (!readonly) {
		/* WAL: readers (status) never block the daemon; FULL: a commit
		 * is on disk when it returns, including across power loss */
		if (exec(st, "PRAGMA journal_mode = WAL") < 0 ||
		    exec(st, "PRAGMA synchronous = FULL") < 0)
			goto fail_db;
		if (store_migrate(st->db, err, path) < 0)
			goto fail;
	} else {
		/* fail now, with a clear reason, if this is not our database */
		sqlite3_stmt *s = stmt(st, S_STATE_OF);
		if (!s)
			goto fail_db;
	}
	st->opening = false;
	return st;

fail_db:
	tt_error_set(err, ERR_PERMANENT, "%s: cannot open the job store: %s", path,
		     sqlite3_errmsg(st->db));
fail:
	store_close(st);
	return NULL;
}

struct store *store_open(const char *path, struct tt_error *err)
{
	return open_common(path, false, err);
}

struct store *store_open_readonly(const char *path, struct tt_error *err)
{
	return open_common(path, true, err);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	/* the last connection to close checkpoints and removes the -wal file */
	sqlite3_close(st->db);
	pthread_cond_destroy(&st->kick_cond);
	pthread_mutex_destroy(&st->kick_lock);
	pthread_mutex_destroy(&st->lock);
	turns_free(st->turns);
	for (size_t i = 0; i < st->n_checks; i++)
		free(st->checks[i]);
	free(st->checks);
	free(st);
}

/* ---- lookups ---------------------------------------------------------- */

static int lookup(struct store *st, enum stmt_id id, int64_t num, const char *text, struct job *out)
{
	const struct sqlv v = text ? (struct sqlv)SV_T(text) : (struct sqlv)SV_I(num);
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->lock);
	s = bound(st, id, &v, 1);
	rc = s ? fetch_one(st, s, out) : -EIO;
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_get(struct store *st, int64_t id, struct job *out)
{
	return lookup(st, S_GET, id, NULL, out);
}

int store_get_by_path(struct store *st, const char *path, struct job *out)
{
	return lookup(st, S_GET_BY_PATH, 0, path, out);
}

int store_find_live(struct store *st, const char *path, struct job *out)
{
	return lookup(st, S_FIND_LIVE, 0, path, out);
}

/* ---- writes ----------------------------------------------------------- */

/*
 * A new job @id at @path whose newest final predecessor there failed (the
 * item was moved back from failed/): the targets that job posted or
 * published come along (THE TARGETS), so that only what failed is tried
 * again.  Inside store_ensure()'s transaction.
 */
static int carry_targets(struct store *st, const char *path, int64_t id)
{
	const struct sqlv v[] = {SV_T(path), SV_I(id)};
	int rc = run_with(st, S_TGT_CARRY, v, NVALS(v));
	int n = rc == 0 ? sqlite3_changes(st->db) : 0;

	if (rc == 0 && n > 0)
		rc = run_with(st, S_TGT_CARRY_LIST, v, NVALS(v));
	if (rc == 0 && n > 0) {
		char note[96];

		snprintf(note, sizeof(note), "back from failed/: %d finished target%s kept", n,
			 n == 1 ? "" : "s");
		rc = history_row(st, id, "waiting", "waiting", note);
	}
	return rc;
}

int64_t store_ensure(struct store *st, const char *video_path)
{
	const struct sqlv path[] = {SV_T(video_path)};
	const struct sqlv row[] = {SV_T(video_path), SV_I(now_sec())};
	int64_t id = 0, moving = 0;
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = first_int(st, S_LIVE_ID, path, NVALS(path), &id);
	if (rc || id)
		goto out;
	/* the file is the source of an unfinished outcome move: it belongs to
	 * a final job (maybe posted!) and must not become a new item */
	rc = first_int(st, S_MOVING_FROM, path, NVALS(path), &moving);
	if (rc == 0 && moving)
		rc = -EBUSY;
	if (rc == 0)
		rc = run_with(st, S_INSERT, row, NVALS(row));
	if (rc)
		goto out;
	id = sqlite3_last_insert_rowid(st->db);
	rc = history_row(st, id, NULL, "waiting", "found");
	if (rc == 0)
		rc = carry_targets(st, video_path, id);
out:
	rc = txn_end(st, rc, true);
	return rc ? rc : id;
}

int store_transition(struct store *st, int64_t id, enum job_state to, const char *note)
{
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = set_state(st, id, to, note);
	return txn_end(st, rc, true);
}

/* Inside a transaction: a history row of job @id that changes no state. */
static int note_row(struct store *st, int64_t id, const char *note)
{
	char cur[32];
	int rc = state_of(st, id, cur, sizeof(cur));

	return rc == 0 ? history_row(st, id, cur, cur, note) : rc;
}

int store_note(struct store *st, int64_t id, const char *note)
{
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = note_row(st, id, note);
	return txn_end(st, rc, false);
}

int store_stop_upload(struct store *st, int64_t id, const char *error, const char *note)
{
	const struct sqlv clear[] = {SV_I(id), SV_I(now_sec())};
	const struct sqlv err[] = {SV_I(id), SV_T(error), SV_I(now_sec())};
	char from[32];
	int rc, was;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = state_of(st, id, from, sizeof(from));
	was = rc == 0 ? job_state_parse(from) : -1;
	/* all bytes sent (processing) or over: too late, TikTok has it */
	if (rc == 0 && (was == JOB_PROCESSING || (was >= 0 && job_state_final(was))))
		rc = -EBUSY;
	if (rc == 0)
		rc = run_with(st, S_CLEAR_PUBLISH, clear, NVALS(clear));
	if (rc == 0)
		rc = run_with(st, S_SET_ERROR, err, NVALS(err));
	if (rc == 0)
		rc = set_state(st, id, JOB_WAITING, note);
	return txn_end(st, rc, true);
}

/* The setters: each is its statement's parameters (store_sql.c), ?1 first. */

int store_set_caption(struct store *st, int64_t id, const char *caption_path)
{
	const struct sqlv v[] = {SV_I(id), SV_T(caption_path), SV_I(now_sec())};
	return exec_update(st, S_SET_CAPTION, v, NVALS(v));
}

int store_set_error(struct store *st, int64_t id, const char *first_line)
{
	const struct sqlv v[] = {SV_I(id), SV_T(first_line), SV_I(now_sec())};
	return exec_update(st, S_SET_ERROR, v, NVALS(v));
}

int store_set_warning(struct store *st, int64_t id, const char *warning)
{
	const struct sqlv v[] = {SV_I(id), SV_T(warning), SV_I(now_sec())};
	return exec_update(st, S_SET_WARNING, v, NVALS(v));
}

int store_set_status(struct store *st, int64_t id, const char *status)
{
	const struct sqlv v[] = {SV_I(id), SV_T(status), SV_I(now_sec())};
	return exec_update(st, S_SET_STATUS, v, NVALS(v));
}

int store_set_ready(struct store *st, int64_t id, uint64_t size, int64_t schedule_at,
		    const char *privacy, const char *warning, const char *mime)
{
	const struct sqlv v[] = {SV_I(id),	SV_I(size),    SV_I(schedule_at), SV_T(privacy),
				 SV_T(warning), SV_T(mime), SV_I(now_sec())};
	return exec_update(st, S_SET_READY, v, NVALS(v));
}

int store_set_publish(struct store *st, int64_t id, int mode, const char *publish_id,
		      const char *upload_url, int64_t upload_expires)
{
	return store_set_publish_as(st, id, NULL, mode, publish_id, upload_url, upload_expires);
}

int store_set_publish_as(struct store *st, int64_t id, const char *account, int mode,
			 const char *publish_id, const char *upload_url, int64_t upload_expires)
{
	const struct sqlv v[] = {SV_I(id),	   SV_I(mode),		 SV_T(publish_id),
				 SV_T(upload_url), SV_I(upload_expires), SV_I(now_sec()),
				 SV_T(account)};
	return exec_update(st, S_SET_PUBLISH, v, NVALS(v));
}

int store_clear_publish(struct store *st, int64_t id)
{
	const struct sqlv v[] = {SV_I(id), SV_I(now_sec())};
	return exec_update(st, S_CLEAR_PUBLISH, v, NVALS(v));
}

int store_set_progress(struct store *st, int64_t id, uint64_t sent)
{
	const struct sqlv v[] = {SV_I(id), SV_I(sent), SV_I(now_sec())};
	return exec_update(st, S_SET_PROGRESS, v, NVALS(v));
}

int store_set_retry(struct store *st, int64_t id, int64_t retry_at)
{
	const struct sqlv v[] = {SV_I(id), SV_I(retry_at), SV_I(now_sec())};
	return exec_update(st, S_SET_RETRY, v, NVALS(v));
}

int store_set_result(struct store *st, int64_t id, const char *post_id, const char *url,
		     int64_t posted_at)
{
	const struct sqlv v[] = {SV_I(id), SV_T(post_id), SV_T(url), SV_I(posted_at),
				 SV_I(now_sec())};
	return exec_update(st, S_SET_RESULT, v, NVALS(v));
}

/*
 * In one transaction: statement @sid with @v, which must change a row
 * (else -ENOENT: the job is not in the state the statement asks for), then
 * the transition of job @id to @to with @note in its history.
 */
static int update_then_state(struct store *st, enum stmt_id sid, const struct sqlv *v, size_t n,
			     int64_t id, enum job_state to, const char *note)
{
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = run_with(st, sid, v, n);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = set_state(st, id, to, note);
	return txn_end(st, rc, true);
}

int store_set_post_poll(struct store *st, int64_t id, int64_t next_at, const char *post_status)
{
	const struct sqlv v[] = {SV_I(id), SV_I(next_at), SV_T(post_status)};
	return exec_update(st, S_SET_POST_POLL, v, NVALS(v));
}

int store_end_post_wait(struct store *st, int64_t id, const char *post_id, const char *url,
			const char *post_status, const char *note)
{
	const struct sqlv v[] = {SV_I(id), SV_T(post_id), SV_T(url), SV_T(post_status),
				 SV_I(now_sec())};

	/* -ENOENT: no longer published (another ended the wait) or never was */
	return update_then_state(st, S_END_POST_WAIT, v, NVALS(v), id, JOB_POSTED, note);
}

int store_next_post_wait(struct store *st, struct job *out)
{
	sqlite3_stmt *s;
	int rc = -EIO;

	pthread_mutex_lock(&st->lock);
	s = stmt(st, S_NEXT_POST_WAIT);
	if (s)
		rc = fetch_one(st, s, out);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_set_paths(struct store *st, int64_t id, const char *video_path, const char *caption_path)
{
	const struct sqlv v[] = {SV_I(id), SV_T(video_path), SV_T(caption_path), SV_I(now_sec())};
	return exec_update(st, S_SET_PATHS, v, NVALS(v));
}

int store_end_move(struct store *st, int64_t id)
{
	const struct sqlv v[] = {SV_I(id), SV_I(now_sec())};
	return exec_update(st, S_END_MOVE, v, NVALS(v));
}

int store_begin_move(struct store *st, int64_t id, enum job_state to, const char *video_path,
		     const char *caption_path, const char *error_text, const char *note)
{
	const struct sqlv v[] = {SV_I(id), SV_T(video_path), SV_T(caption_path), SV_T(error_text),
				 SV_I(now_sec())};

	return update_then_state(st, S_BEGIN_MOVE, v, NVALS(v), id, to, note);
}

int store_rename(struct store *st, const char *old_path, const char *new_path)
{
	static const enum stmt_id steps[] = {S_REN_CANCEL_HIST, S_REN_CANCEL,
					     S_REN_PATH,	S_REN_CAPTION,
					     S_REN_MOVE_FROM,	S_REN_MOVE_CAPTION_FROM};
	int rc;

	if (st->readonly)
		return -EROFS;
	if (!strcmp(old_path, new_path))
		return 0;
	rc = txn_begin(st);
	for (size_t i = 0; rc == 0 && i < NVALS(steps); i++) {
		const struct sqlv v[] = {SV_T(old_path), SV_T(new_path), SV_I(now_sec())};
		rc = run_with(st, steps[i], v, NVALS(v));
	}
	return txn_end(st, rc, false);
}

/* ---- THE TARGETS ------------------------------------------------------- */

int store_set_target_poll(struct store *st, int64_t target_id, int64_t next_at,
			  const char *post_status)
{
	const struct sqlv v[] = {SV_I(target_id), SV_I(next_at), SV_T(post_status)};
	return exec_update(st, S_TGT_POST_POLL, v, NVALS(v));
}

int store_end_target_wait(struct store *st, int64_t target_id, const char *post_id,
			  const char *url, const char *post_status, const char *note)
{
	const struct sqlv key[] = {SV_I(target_id)};
	const struct sqlv v[] = {SV_I(target_id), SV_T(post_id), SV_T(url), SV_T(post_status)};
	sqlite3_stmt *s;
	int64_t job = 0;
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = run_with(st, S_TGT_END_WAIT, v, NVALS(v));
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT; /* no longer published: the wait was ended already */
	s = rc == 0 ? bound(st, S_TGT_JOB, key, NVALS(key)) : NULL;
	if (s && sqlite3_step(s) == SQLITE_ROW)
		job = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	/* the job's own state is the item's (posted): the note tells */
	if (rc == 0 && job && (rc = note_row(st, job, note)) == -ENOENT)
		rc = 0; /* no job to note it on: the row's wait still ends */
	return txn_end(st, rc, false);
}

int store_wait_poll(struct store *st, const struct job *j, int64_t next_at,
		    const char *post_status)
{
	return j->target_id ? store_set_target_poll(st, j->target_id, next_at, post_status)
			    : store_set_post_poll(st, j->id, next_at, post_status);
}

int store_wait_end(struct store *st, const struct job *j, const char *post_id, const char *url,
		   const char *post_status, const char *note)
{
	return j->target_id
		   ? store_end_target_wait(st, j->target_id, post_id, url, post_status, note)
		   : store_end_post_wait(st, j->id, post_id, url, post_status, note);
}

int store_wait_status(struct store *st, const struct job *j, const char *status)
{
	const struct sqlv v[] = {SV_I(j->target_id), SV_T(status)};

	return j->target_id ? exec_update(st, S_TGT_SET_STATUS, v, NVALS(v))
			    : store_set_status(st, j->id, status);
}

int store_wait_error(struct store *st, const struct job *j, const char *error)
{
	const struct sqlv v[] = {SV_I(j->target_id), SV_T(error)};

	return j->target_id ? exec_update(st, S_TGT_SET_ERROR, v, NVALS(v))
			    : store_set_error(st, j->id, error);
}

int store_set_targets(struct store *st, int64_t id, const char *targets)
{
	const struct sqlv v[] = {SV_I(id), SV_T(targets), SV_I(now_sec())};
	return exec_update(st, S_SET_TARGETS, v, NVALS(v));
}

int store_set_ready_as(struct store *st, int64_t id, const char *account, uint64_t size,
		       int64_t schedule_at, const char *privacy, const char *warning,
		       const char *mime, enum job_state to, const char *note)
{
	const struct sqlv v[] = {SV_I(id),	 SV_I(size), SV_I(schedule_at), SV_T(privacy),
				 SV_T(warning), SV_T(mime), SV_I(now_sec()),	 SV_T(account)};

	return update_then_state(st, S_SET_READY_AS, v, NVALS(v), id, to, note);
}

/* Remember that job @id needs a fresh verdict: its path, for
 * store_take_checks().  st->lock held. */
static void want_check(struct store *st, int64_t id)
{
	const struct sqlv v[] = {SV_I(id)};
	sqlite3_stmt *s = bound(st, S_GET, v, NVALS(v));
	struct job j;

	if (s && fetch_one(st, s, &j) == 0) {
		ALLOC_GROW(st->checks, st->n_checks + 1, st->alloc_checks);
		st->checks[st->n_checks++] = j.path;
		j.path = NULL;
		job_free(&j);
	}
}

int store_target_done(struct store *st, int64_t id, const char *platform,
		      enum job_state state, const char *error_text, const char *next,
		      const char *note)
{
	const struct sqlv row[] = {SV_I(id), SV_T(platform), SV_T(job_state_name(state)),
				   SV_T(error_text), SV_I(now_sec())};
	const struct sqlv reset[] = {SV_I(id), SV_T(next), SV_I(now_sec())};
	int rc;

	if (st->readonly)
		return -EROFS;
	rc = txn_begin(st);
	if (rc == 0)
		rc = run_with(st, S_TGT_FROM_JOB, row, NVALS(row));
	if (rc == 0 && next)
		rc = run_with(st, S_TGT_NEXT, reset, NVALS(reset));
	if (rc == 0 && next)
		rc = set_state(st, id, JOB_WAITING, note);
	if (rc == 0)
		rc = exec(st, "COMMIT");
	if (rc != 0 && !sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	if (rc == 0 && next)
		want_check(st, id); /* committed: the tracker may look now */
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		store_kick(st);
	return rc;
}

int store_target_failed(struct store *st, int64_t id, const char *account, const char *platform,
			const char *error_text)
{
	const struct sqlv v[] = {SV_I(id), SV_T(account), SV_T(platform), SV_T(error_text),
				 SV_I(now_sec())};
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = run_with(st, S_TGT_FAILED, v, NVALS(v));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_targets_of(struct store *st, int64_t id, store_each_fn fn, void *arg)
{
	const struct sqlv v[] = {SV_I(id)};
	struct job_list l = {0};
	sqlite3_stmt *s;
	int rc;

	pthread_mutex_lock(&st->lock);
	s = bound(st, S_TGT_LIST, v, NVALS(v));
	rc = s ? collect(st, s, &l) : -EIO;
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		return walk(&l, fn, arg);
	walk(&l, NULL, NULL);
	return rc;
}

void store_take_checks(struct store *st, void (*fn)(const char *path, void *arg), void *arg)
{
	char **v;
	size_t n;

	pthread_mutex_lock(&st->lock);
	v = st->checks;
	n = st->n_checks;
	st->checks = NULL;
	st->n_checks = st->alloc_checks = 0;
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++) {
		fn(v[i], arg);
		free(v[i]);
	}
	free(v);
}

/* ---- the worker's side ------------------------------------------------ */

/* The first interrupted upload (S_NEXT) whose account @skip does not pass
 * over; 0 if none.  st->lock held. */
static int64_t next_in_flight(struct store *st, const struct sqlv *v, size_t n,
			      store_skip_fn skip, void *arg)
{
	sqlite3_stmt *s = bound(st, S_NEXT, v, n);
	int64_t id = 0;

	while (s && sqlite3_step(s) == SQLITE_ROW) {
		const char *account = (const char *)sqlite3_column_text(s, 1);

		if (!skip || !skip(account ? account : "", arg)) {
			id = sqlite3_column_int64(s, 0);
			break;
		}
	}
	if (s)
		sqlite3_reset(s);
	return id;
}

/* The oldest due job of each account, the longest-waiting account first
 * (S_NEXT_DUE), and of those the one whose account has the turn
 * (turns.h); accounts @skip passes over offer nothing (one waiting for a
 * login must not hold up the others).  0 when nothing is due.  st->lock
 * held. */
static int64_t next_turn(struct store *st, const struct sqlv *v, size_t nv,
			 store_skip_fn skip, void *arg)
{
	sqlite3_stmt *s = bound(st, S_NEXT_DUE, v, nv);
	int64_t *ids = NULL, id = 0;
	char **names = NULL;
	size_t n = 0, alloc_ids = 0, alloc_names = 0;

	while (s && sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(s, 1);

		if (skip && skip(name ? (const char *)name : "", arg))
			continue;
		ALLOC_GROW(ids, n + 1, alloc_ids);
		ALLOC_GROW(names, n + 1, alloc_names);
		ids[n] = sqlite3_column_int64(s, 0);
		names[n++] = xstrdup(name ? (const char *)name : "default");
	}
	if (s)
		sqlite3_reset(s);
	if (n > 0) { /* one account alone counts its turns too (turns.h) */
		size_t k = turns_pick(st->turns, (const char *const *)names, n);

		id = ids[k];
		if (n > 1)
			log_debug("turns: %zu accounts have work due; account %s has the turn "
				  "(job %" PRId64 ")",
				  n, names[k], id);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(ids);
	return id;
}

int64_t store_next_work(struct store *st, int64_t now, int64_t *wake_at)
{
	return store_next_work_skip(st, now, NULL, NULL, wake_at);
}

int64_t store_next_work_skip(struct store *st, int64_t now, store_skip_fn skip, void *arg,
			     int64_t *wake_at)
{
	const struct sqlv v[] = {SV_I(now)};
	int64_t id, wake;

	pthread_mutex_lock(&st->lock);
	id = next_in_flight(st, v, NVALS(v), skip, arg);
	if (id == 0)
		id = next_turn(st, v, NVALS(v), skip, arg);
	first_int(st, S_WAKE, v, NVALS(v), &wake); /* NULL (nothing due) reads as 0 */
	pthread_mutex_unlock(&st->lock);
	if (wake_at)
		*wake_at = wake;
	return id;
}

void store_set_share(struct store *st, const char *account, unsigned share)
{
	pthread_mutex_lock(&st->lock);
	turns_set_share(st->turns, account, share);
	pthread_mutex_unlock(&st->lock);
}

void store_clear_shares(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	turns_clear_shares(st->turns);
	pthread_mutex_unlock(&st->lock);
}

void store_kick(struct store *st)
{
	pthread_mutex_lock(&st->kick_lock);
	st->kicked = true;
	pthread_cond_broadcast(&st->kick_cond);
	pthread_mutex_unlock(&st->kick_lock);
}

void store_wait(struct store *st, int timeout_ms)
{
	struct timespec until = mono_deadline((double)timeout_ms / 1000.0);

	pthread_mutex_lock(&st->kick_lock);
	while (!st->kicked)
		if (pthread_cond_timedwait(&st->kick_cond, &st->kick_lock, &until) == ETIMEDOUT)
			break;
	st->kicked = false;
	pthread_mutex_unlock(&st->kick_lock);
}

/* ---- walks ------------------------------------------------------------ */

int store_each(struct store *st, int recent, store_each_fn fn, void *arg)
{
	struct job_list l = {0};
	sqlite3_stmt *s;
	int rc = -EIO;

	pthread_mutex_lock(&st->lock);
	/* one read transaction: the live and final lists agree */
	if (exec(st, "BEGIN") < 0)
		goto out;
	s = stmt(st, S_EACH_LIVE);
	rc = s ? collect(st, s, &l) : -EIO;
	if (rc == 0 && recent > 0) {
		const struct sqlv v[] = {SV_I(recent)};

		s = bound(st, S_EACH_FINAL, v, NVALS(v));
		rc = s ? collect(st, s, &l) : -EIO;
	}
	exec(st, "COMMIT");
out:
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		return walk(&l, fn, arg);
	walk(&l, NULL, NULL);
	return rc;
}

int store_moving(struct store *st, store_each_fn fn, void *arg)
{
	struct job_list l = {0};
	sqlite3_stmt *s;
	int rc;

	pthread_mutex_lock(&st->lock);
	s = stmt(st, S_MOVING);
	rc = s ? collect(st, s, &l) : -EIO;
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		return walk(&l, fn, arg);
	walk(&l, NULL, NULL);
	return rc;
}

struct event_row {
	struct store_event ev;
	char *note;
};

int store_history(struct store *st, int64_t id, store_event_fn fn, void *arg)
{
	const struct sqlv key[] = {SV_I(id)};
	struct event_row *v = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *s;
	int rc = -EIO;

	pthread_mutex_lock(&st->lock);
	s = bound(st, S_HISTORY, key, NVALS(key));
	if (s) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *note = (const char *)sqlite3_column_text(s, 4);
			int to = job_state_parse((const char *)sqlite3_column_text(s, 3));

			ALLOC_GROW(v, n + 1, alloc);
			v[n].ev.job_id = sqlite3_column_int64(s, 0);
			v[n].ev.at = sqlite3_column_int64(s, 1);
			v[n].ev.from = job_state_parse((const char *)sqlite3_column_text(s, 2));
			v[n].ev.to = to < 0 ? JOB_WAITING : (enum job_state)to;
			v[n].note = xstrdup(note ? note : "");
			n++;
		}
		sqlite3_reset(s);
		rc = rc == SQLITE_DONE ? 0 : store_sql_errno(rc);
	}
	pthread_mutex_unlock(&st->lock);
	for (size_t i = 0; i < n; i++) {
		v[i].ev.note = v[i].note;
		if (rc == 0 && fn)
			rc = fn(&v[i].ev, arg);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].note);
	free(v);
	return rc;
}

/* ---- queue/'s slots (meta/job/queue.c) -------------------------------- */

int store_get_slot(struct store *st, int64_t id, int64_t *slot_at, int64_t *jitter)
{
	const struct sqlv v[] = {SV_I(id)};
	sqlite3_stmt *s;
	int rc = -EIO;

	pthread_mutex_lock(&st->lock);
	s = bound(st, S_SLOT_GET, v, NVALS(v));
	if (s) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*slot_at = sqlite3_column_int64(s, 0);
			*jitter = sqlite3_column_int64(s, 1);
		}
		rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_sql_errno(rc);
		sqlite3_reset(s);
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_set_slot(struct store *st, int64_t id, int64_t slot_at, int64_t jitter)
{
	const struct sqlv set[] = {SV_I(id), SV_I(slot_at), SV_I(jitter)};
	const struct sqlv forget[] = {SV_I(id)};
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	if (slot_at)
		rc = run_with(st, S_SLOT_SET, set, NVALS(set));
	else
		rc = run_with(st, S_SLOT_FORGET, forget, NVALS(forget));
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_slots_held(struct store *st, int64_t from, const char *folder, int64_t except,
		     int64_t **out, size_t *n)
{
	const struct sqlv v[] = {SV_I(from), SV_T(folder), SV_I(except)};
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc = -EIO;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->lock);
	s = bound(st, S_SLOTS_HELD, v, NVALS(v));
	if (s) {
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			ALLOC_GROW(*out, *n + 1, alloc);
			(*out)[(*n)++] = sqlite3_column_int64(s, 0);
		}
		rc = rc == SQLITE_DONE ? 0 : store_sql_errno(rc);
		sqlite3_reset(s);
	}
	pthread_mutex_unlock(&st->lock);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

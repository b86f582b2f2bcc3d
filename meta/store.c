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
 * back into the store.  States are stored by name so that `sqlite3 jobs.db`
 * is readable and the enum may grow.
 */
#include "meta/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/strbuf.h"

/* Final states, as SQL, for the partial index and the queries.  Must match
 * job_state_final(). */
#define SQL_FINAL "('posted','failed','cancelled','lost')"
/* States entered with a reason that the caller sets just before (waiting:
 * "cut short"; ready: "starting a new upload"; invalid, deferred, failed),
 * and the two that end a job whose files are gone. */
#define SQL_KEEPS_ERROR "('waiting','ready','invalid','deferred','failed','cancelled','lost')"
/* Rows whose files still exist somewhere: they follow renames. */
#define SQL_HAS_FILES "state NOT IN ('cancelled','lost')"

static const char *const state_names[] = {
    "waiting", "ready",	 "scheduled", "uploading", "processing", "deferred",
    "invalid", "posted", "failed",    "cancelled", "lost",
};
#define N_STATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

const char *job_state_name(enum job_state s)
{
	if ((int)s < 0 || (int)s >= N_STATES)
		return "unknown";
	return state_names[s];
}

int job_state_parse(const char *s)
{
	for (int i = 0; s && i < N_STATES; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return -1;
}

bool job_state_final(enum job_state s)
{
	return s == JOB_POSTED || s == JOB_FAILED || s == JOB_CANCELLED || s == JOB_LOST;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->path);
	free(j->caption_path);
	free(j->publish_id);
	free(j->upload_url);
	free(j->status);
	free(j->post_id);
	free(j->url);
	free(j->privacy);
	free(j->error);
	free(j->warning);
	free(j->move_from);
	free(j->move_caption_from);
	free(j->error_text);
	memset(j, 0, sizeof(*j));
}

/* ---- schema ---------------------------------------------------------- */

/*
 * Migrations, applied in order inside one transaction; schema_version holds
 * how many ran.  Never edit a shipped entry: add a new one.
 */
static const char *const migrations[] = {
    /* 1: jobs and their history */
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " path TEXT NOT NULL,"
    " caption_path TEXT,"
    " state TEXT NOT NULL DEFAULT 'waiting',"
    " mode INTEGER NOT NULL DEFAULT 0,"
    " size INTEGER NOT NULL DEFAULT 0,"
    " sent INTEGER NOT NULL DEFAULT 0,"
    " schedule_at INTEGER NOT NULL DEFAULT 0,"
    " retry_at INTEGER NOT NULL DEFAULT 0,"
    " publish_id TEXT,"
    " upload_url TEXT," /* secret: see the file comment */
    " upload_expires INTEGER NOT NULL DEFAULT 0,"
    " status TEXT,"
    " post_id TEXT," /* TEXT: TikTok's ids exceed 2^53 */
    " url TEXT,"
    " privacy TEXT,"
    " error TEXT,"
    " warning TEXT,"
    " posted_at INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " move_from TEXT,"
    " move_caption_from TEXT,"
    " error_text TEXT);"
    "CREATE UNIQUE INDEX jobs_live_path ON jobs(path) WHERE state NOT IN " SQL_FINAL ";"
    "CREATE INDEX jobs_path ON jobs(path);"
    "CREATE INDEX jobs_caption ON jobs(caption_path);"
    "CREATE INDEX jobs_state ON jobs(state);"
    "CREATE TABLE history ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    " at INTEGER NOT NULL,"
    " from_state TEXT,"
    " to_state TEXT NOT NULL,"
    " note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX history_job ON history(job_id);",
    /* 2: whether error was set since the last state change (S_SET_STATE) */
    "ALTER TABLE jobs ADD COLUMN error_fresh INTEGER NOT NULL DEFAULT 0;",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define JOB_COLS                                                                                   \
	"id, path, caption_path, state, mode, size, sent, schedule_at, retry_at, "                 \
	"publish_id, upload_url, upload_expires, status, post_id, url, privacy, error, "           \
	"warning, posted_at, attempts, created_at, updated_at, move_from, "                        \
	"move_caption_from, error_text"

/* Prepared statements, prepared on first use and kept. */
enum stmt_id {
	S_GET,
	S_GET_BY_PATH,
	S_FIND_LIVE,
	S_LIVE_ID,
	S_MOVING_FROM,
	S_INSERT,
	S_HIST,
	S_STATE_OF,
	S_SET_STATE,
	S_SET_CAPTION,
	S_SET_READY,
	S_SET_ERROR,
	S_SET_WARNING,
	S_SET_PUBLISH,
	S_CLEAR_PUBLISH,
	S_SET_PROGRESS,
	S_SET_STATUS,
	S_SET_RETRY,
	S_SET_RESULT,
	S_SET_PATHS,
	S_BEGIN_MOVE,
	S_END_MOVE,
	S_MOVING,
	S_REN_CANCEL_HIST,
	S_REN_CANCEL,
	S_REN_PATH,
	S_REN_CAPTION,
	S_REN_MOVE_FROM,
	S_REN_MOVE_CAPTION_FROM,
	S_NEXT,
	S_WAKE,
	S_EACH_LIVE,
	S_EACH_FINAL,
	S_HISTORY,
	S_COUNT
};

/* In store_rename: ?1 old, ?2 new; a row "under" P is P itself or P/...;
 * substr comparisons, not LIKE, so that '%' and '_' in names are plain. */
#define UNDER(col, p) "(" col " = " p " OR substr(" col ", 1, length(" p ") + 1) = " p " || '/')"
#define MOVED(col) "CASE WHEN " col " = ?1 THEN ?2 ELSE ?2 || substr(" col ", length(?1) + 1) END"

static const char *const stmt_sql[S_COUNT] = {
    [S_GET] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1",
    /* the live one if any, else the newest; the video's job before the
     * caption's, so a caption in posted/ (keep_posted = no) shows results */
    [S_GET_BY_PATH] = "SELECT " JOB_COLS " FROM jobs WHERE path = ?1 OR caption_path = ?1"
		      " ORDER BY (state IN " SQL_FINAL "), path = ?1 DESC, id DESC LIMIT 1",
    [S_FIND_LIVE] = "SELECT " JOB_COLS " FROM jobs WHERE state NOT IN " SQL_FINAL
		    " AND (path = ?1 OR caption_path = ?1) ORDER BY path = ?1 DESC, id LIMIT 1",
    [S_LIVE_ID] = "SELECT id FROM jobs WHERE path = ?1 AND state NOT IN " SQL_FINAL,
    [S_MOVING_FROM] = "SELECT id FROM jobs WHERE move_from = ?1 OR move_caption_from = ?1",
    [S_INSERT] = "INSERT INTO jobs(path, state, created_at, updated_at)"
		 " VALUES (?1, 'waiting', ?2, ?2)",
    [S_HIST] = "INSERT INTO history(job_id, at, from_state, to_state, note)"
	       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_STATE_OF] = "SELECT state FROM jobs WHERE id = ?1",
    /* A final state forgets the upload URL: nothing will resume it.  A
     * state change sets the fields of the new state only (see
     * SQL_KEEPS_ERROR): retry_at belongs to deferred; an error belongs to
     * the state it was set for, so one set since the last change (the
     * callers set the reason, then change the state) is kept by states
     * that carry a reason, and any other is the old state's and goes. */
    [S_SET_STATE] = "UPDATE jobs SET state = ?2, updated_at = ?3, upload_url ="
		    " CASE WHEN ?2 IN " SQL_FINAL " THEN NULL ELSE upload_url END,"
		    " retry_at = CASE WHEN ?2 = 'deferred' THEN retry_at ELSE 0 END,"
		    " error = CASE WHEN error_fresh AND ?2 IN " SQL_KEEPS_ERROR
		    " THEN error ELSE NULL END, error_fresh = 0"
		    " WHERE id = ?1",
    [S_SET_CAPTION] = "UPDATE jobs SET caption_path = ?2, updated_at = ?3 WHERE id = ?1",
    [S_SET_READY] = "UPDATE jobs SET size = ?2, schedule_at = ?3, privacy = ?4, warning = ?5,"
		    " updated_at = ?6 WHERE id = ?1",
    [S_SET_ERROR] = "UPDATE jobs SET error = ?2, error_fresh = 1, updated_at = ?3"
		    " WHERE id = ?1",
    [S_SET_WARNING] = "UPDATE jobs SET warning = ?2, updated_at = ?3 WHERE id = ?1",
    [S_SET_PUBLISH] = "UPDATE jobs SET mode = ?2, publish_id = ?3, upload_url = ?4,"
		      " upload_expires = ?5, attempts = attempts + 1, updated_at = ?6"
		      " WHERE id = ?1",
    [S_CLEAR_PUBLISH] = "UPDATE jobs SET publish_id = NULL, upload_url = NULL,"
			" upload_expires = 0, sent = 0, status = NULL, updated_at = ?2"
			" WHERE id = ?1",
    [S_SET_PROGRESS] = "UPDATE jobs SET sent = ?2, updated_at = ?3 WHERE id = ?1",
    [S_SET_STATUS] = "UPDATE jobs SET status = ?2, updated_at = ?3 WHERE id = ?1",
    [S_SET_RETRY] = "UPDATE jobs SET retry_at = ?2, updated_at = ?3 WHERE id = ?1",
    /* a post id that appears only after moderation is filled in later:
     * NULL/0 keep what is there */
    [S_SET_RESULT] = "UPDATE jobs SET post_id = COALESCE(?2, post_id), url = COALESCE(?3, url),"
		     " posted_at = CASE WHEN ?4 > 0 THEN ?4 ELSE posted_at END,"
		     " updated_at = ?5 WHERE id = ?1",
    [S_SET_PATHS] = "UPDATE jobs SET path = ?2, caption_path = ?3, updated_at = ?4 WHERE id = ?1",
    [S_BEGIN_MOVE] = "UPDATE jobs SET move_from = path, move_caption_from = caption_path,"
		     " path = ?2, caption_path = ?3, error_text = COALESCE(?4, error_text),"
		     /* user.tiktok.error: the first line of the error file */
		     " error = CASE WHEN ?4 IS NULL THEN error WHEN instr(?4, char(10)) > 0"
		     " THEN substr(?4, 1, instr(?4, char(10)) - 1) ELSE ?4 END,"
		     " error_fresh = CASE WHEN ?4 IS NULL THEN error_fresh ELSE 1 END,"
		     " upload_url = NULL, updated_at = ?5 WHERE id = ?1",
    [S_END_MOVE] = "UPDATE jobs SET move_from = NULL, move_caption_from = NULL,"
		   " updated_at = ?2 WHERE id = ?1",
    [S_MOVING] = "SELECT " JOB_COLS " FROM jobs WHERE move_from IS NOT NULL"
		 " OR move_caption_from IS NOT NULL ORDER BY id",
    /* a live job at a destination of a rename was overwritten by it */
    [S_REN_CANCEL_HIST] = "INSERT INTO history(job_id, at, from_state, to_state, note)"
			  " SELECT id, ?3, state, 'cancelled', 'replaced by a rename' FROM jobs"
			  " WHERE state NOT IN " SQL_FINAL
			  " AND " UNDER("path", "?2") " AND NOT " UNDER("path", "?1"),
    [S_REN_CANCEL] = "UPDATE jobs SET state = 'cancelled', upload_url = NULL, updated_at = ?3"
		     " WHERE state NOT IN " SQL_FINAL
		     " AND " UNDER("path", "?2") " AND NOT " UNDER("path", "?1"),
    [S_REN_PATH] =
	"UPDATE jobs SET path = " MOVED("path") ", updated_at = ?3"
						" WHERE " SQL_HAS_FILES " AND " UNDER("path", "?1"),
    [S_REN_CAPTION] =
	"UPDATE jobs SET caption_path = " MOVED("caption_path") ", updated_at = ?3"
								" WHERE " SQL_HAS_FILES
								" AND " UNDER("caption_path", "?1"),
    /* the source of a pending outcome move (a stuck one: a link in
     * posted/) renamed by its user: the move, and store_ensure's refusal
     * to make it a new item, follow it */
    [S_REN_MOVE_FROM] = "UPDATE jobs SET move_from = " MOVED("move_from") ", updated_at = ?3"
			" WHERE " UNDER("move_from", "?1"),
    [S_REN_MOVE_CAPTION_FROM] = "UPDATE jobs SET move_caption_from = " MOVED("move_caption_from")
				", updated_at = ?3 WHERE " UNDER("move_caption_from", "?1"),
    [S_NEXT] = "SELECT id FROM jobs WHERE state IN ('uploading', 'processing', 'ready')"
	       " OR (state = 'scheduled' AND schedule_at <= ?1)"
	       " OR (state = 'deferred' AND retry_at <= ?1)"
	       " ORDER BY CASE state WHEN 'uploading' THEN 0 WHEN 'processing' THEN 0"
	       " WHEN 'ready' THEN 1 ELSE 2 END, created_at, id LIMIT 1",
    [S_WAKE] = "SELECT MIN(t) FROM ("
	       " SELECT schedule_at AS t FROM jobs WHERE state = 'scheduled' AND schedule_at > ?1"
	       " UNION ALL"
	       " SELECT retry_at FROM jobs WHERE state = 'deferred' AND retry_at > ?1)",
    [S_EACH_LIVE] =
	"SELECT " JOB_COLS " FROM jobs WHERE state NOT IN " SQL_FINAL " ORDER BY created_at, id",
    [S_EACH_FINAL] = "SELECT " JOB_COLS " FROM jobs WHERE state IN " SQL_FINAL
		     " ORDER BY updated_at DESC, id DESC LIMIT ?1",
    [S_HISTORY] = "SELECT job_id, at, from_state, to_state, note FROM history"
		  " WHERE job_id = ?1 ORDER BY id",
};

struct store {
	sqlite3 *db;
	bool readonly;
	bool opening; /* store_open runs: errors go to its tt_error, not the log */
	pthread_mutex_t lock; /* guards db and stmts */
	sqlite3_stmt *stmts[S_COUNT];
	/* store_kick/store_wait: a flag, so that a kick that comes between the
	 * worker's store_next_work() and its store_wait() is not lost */
	pthread_mutex_t kick_lock;
	pthread_cond_t kick_cond;
	bool kicked;
};

/* ---- helpers (st->lock held) ---------------------------------------- */

static int64_t now_sec(void)
{
	return (int64_t)time(NULL);
}

static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static sqlite3_stmt *stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmts[id];

	if (!s) {
		int rc = sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s,
					    NULL);
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

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
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
		return sql_errno(rc);
	}
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
		return sql_errno(rc);
	}
	return 0;
}

static int begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

/* Commit when @rc is 0, else roll back; returns the first error. */
static int finish(struct store *st, int rc)
{
	if (rc == 0)
		rc = exec(st, "COMMIT");
	if (rc != 0 && !sqlite3_get_autocommit(st->db))
		exec(st, "ROLLBACK");
	return rc;
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

static void read_job(sqlite3_stmt *s, struct job *j)
{
	int st;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->path = col_str(s, 1);
	j->caption_path = col_str(s, 2);
	st = job_state_parse((const char *)sqlite3_column_text(s, 3));
	j->state = st < 0 ? JOB_WAITING : (enum job_state)st;
	j->mode = sqlite3_column_int(s, 4);
	j->size = (uint64_t)sqlite3_column_int64(s, 5);
	j->sent = (uint64_t)sqlite3_column_int64(s, 6);
	j->schedule_at = sqlite3_column_int64(s, 7);
	j->retry_at = sqlite3_column_int64(s, 8);
	j->publish_id = col_str(s, 9);
	j->upload_url = col_str(s, 10);
	j->upload_expires = sqlite3_column_int64(s, 11);
	j->status = col_str(s, 12);
	j->post_id = col_str(s, 13);
	j->url = col_str(s, 14);
	j->privacy = col_str(s, 15);
	j->error = col_str(s, 16);
	j->warning = col_str(s, 17);
	j->posted_at = sqlite3_column_int64(s, 18);
	j->attempts = sqlite3_column_int(s, 19);
	j->created_at = sqlite3_column_int64(s, 20);
	j->updated_at = sqlite3_column_int64(s, 21);
	j->move_from = col_str(s, 22);
	j->move_caption_from = col_str(s, 23);
	j->error_text = col_str(s, 24);
}

/* Run a one-row lookup bound by the caller; 0, -ENOENT or -errno. */
static int fetch_one(struct store *st, sqlite3_stmt *s, struct job *out)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		read_job(s, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		log_err("job store: %s", sqlite3_errmsg(st->db));
		rc = sql_errno(rc);
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
		if (l->n == l->alloc) {
			l->alloc = l->alloc ? l->alloc * 2 : 16;
			l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
		}
		read_job(s, &l->v[l->n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("job store: %s", sqlite3_errmsg(st->db));
		return sql_errno(rc);
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
	sqlite3_stmt *s = stmt(st, S_HIST);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_sec());
	bind_text(s, 3, from);
	bind_text(s, 4, to);
	bind_text(s, 5, note ? note : "");
	return run(st, s);
}

/* Current state name of @id into @buf; -ENOENT if no such job. */
static int state_of(struct store *st, int64_t id, char *buf, size_t size)
{
	sqlite3_stmt *s = stmt(st, S_STATE_OF);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(s, 0));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : sql_errno(rc);
	}
	sqlite3_reset(s);
	return rc;
}

/* Change the state and write history; inside a transaction. */
static int set_state(struct store *st, int64_t id, enum job_state to, const char *note)
{
	char from[32];
	sqlite3_stmt *s;
	int rc = state_of(st, id, from, sizeof(from));

	if (rc)
		return rc;
	if (!strcmp(from, job_state_name(to)))
		return 0; /* no change, no history row */
	s = stmt(st, S_SET_STATE);
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, job_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_sec());
	rc = run(st, s);
	if (rc == 0)
		rc = history_row(st, id, from, job_state_name(to), note);
	return rc;
}

/* ---- open and close --------------------------------------------------- */

static int migrate(struct store *st, struct tt_error *err, const char *path)
{
	sqlite3_stmt *s = NULL;
	int version = 0, rc;

	rc = exec(st, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	if (rc)
		goto fail;
	rc = begin(st);
	if (rc)
		goto fail;
	if (sqlite3_prepare_v2(st->db, "SELECT MAX(version) FROM schema_version", -1, &s, NULL) !=
	    SQLITE_OK) {
		rc = -EIO;
		goto out;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > N_MIGRATIONS) {
		tt_error_set(err, ERR_PERMANENT,
			     "%s: job store schema version %d is newer than this tiktokfs "
			     "knows (%d)",
			     path, version, N_MIGRATIONS);
		tt_error_advise(err, "Run the tiktokfs version that created it, or a newer one.");
		rc = -EPROTO;
		goto out;
	}
	for (; version < N_MIGRATIONS && rc == 0; version++)
		rc = exec(st, migrations[version]);
	if (rc == 0) {
		char sql[96];
		snprintf(sql, sizeof(sql),
			 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)",
			 version);
		rc = exec(st, sql);
	}
out:
	rc = finish(st, rc);
	if (rc == 0)
		return 0;
fail:
	if (!err->what[0])
		tt_error_set(err, ERR_PERMANENT, "%s: cannot set up the job store: %s", path,
			     sqlite3_errmsg(st->db));
	return rc;
}

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
		if (migrate(st, err, path) < 0)
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
	free(st);
}

/* ---- lookups ---------------------------------------------------------- */

static int lookup(struct store *st, enum stmt_id id, int64_t num, const char *text, struct job *out)
{
	sqlite3_stmt *s;
	int rc = -EIO;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st->lock);
	s = stmt(st, id);
	if (s) {
		if (text)
			bind_text(s, 1, text);
		else
			sqlite3_bind_int64(s, 1, num);
		rc = fetch_one(st, s, out);
	}
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

int64_t store_ensure(struct store *st, const char *video_path)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = begin(st);
	if (rc)
		goto out;
	s = stmt(st, S_LIVE_ID);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	bind_text(s, 1, video_path);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (id)
		goto out;
	/* the file is the source of an unfinished outcome move: it belongs to
	 * a final job (maybe posted!) and must not become a new item */
	s = stmt(st, S_MOVING_FROM);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	bind_text(s, 1, video_path);
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = -EBUSY;
	sqlite3_reset(s);
	if (rc)
		goto out;
	s = stmt(st, S_INSERT);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	bind_text(s, 1, video_path);
	sqlite3_bind_int64(s, 2, now_sec());
	rc = run(st, s);
	if (rc)
		goto out;
	id = sqlite3_last_insert_rowid(st->db);
	rc = history_row(st, id, NULL, "waiting", "found");
out:
	rc = finish(st, rc);
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		store_kick(st);
	return rc ? rc : id;
}

int store_transition(struct store *st, int64_t id, enum job_state to, const char *note)
{
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = begin(st);
	if (rc == 0)
		rc = set_state(st, id, to, note);
	rc = finish(st, rc);
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		store_kick(st);
	return rc;
}

/* Run statement @sid with ?1 = @id, ?2 = @text (when not NULL, else the
 * time) and the time after it; inside a transaction. */
static int run_id_text(struct store *st, enum stmt_id sid, int64_t id, const char *text)
{
	sqlite3_stmt *s = stmt(st, sid);
	int n = 2;

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	if (text)
		bind_text(s, n++, text);
	sqlite3_bind_int64(s, n, now_sec());
	return run(st, s);
}

int store_stop_upload(struct store *st, int64_t id, const char *error, const char *note)
{
	char from[32];
	int rc, was;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = begin(st);
	if (rc == 0)
		rc = state_of(st, id, from, sizeof(from));
	was = rc == 0 ? job_state_parse(from) : -1;
	/* all bytes sent (processing) or over: too late, TikTok has it */
	if (rc == 0 && (was == JOB_PROCESSING || (was >= 0 && job_state_final(was))))
		rc = -EBUSY;
	if (rc == 0)
		rc = run_id_text(st, S_CLEAR_PUBLISH, id, NULL);
	if (rc == 0)
		rc = run_id_text(st, S_SET_ERROR, id, error);
	if (rc == 0)
		rc = set_state(st, id, JOB_WAITING, note);
	rc = finish(st, rc);
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		store_kick(st);
	return rc;
}

/*
 * A single-statement update, committed (autocommit) before returning.
 * Binds ?1 = id; the caller's @bind adds the rest; returns -ENOENT when no
 * row matched.
 */
typedef void (*bind_fn)(sqlite3_stmt *s, const void *arg);

static int update(struct store *st, enum stmt_id sid, int64_t id, bind_fn bind, const void *arg)
{
	sqlite3_stmt *s;
	int rc = -EIO;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	s = stmt(st, sid);
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		bind(s, arg);
		rc = run(st, s);
		if (rc == 0 && sqlite3_changes(st->db) == 0)
			rc = -ENOENT;
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

struct text_arg {
	const char *a;
};

static void bind_text_now(sqlite3_stmt *s, const void *arg)
{
	bind_text(s, 2, ((const struct text_arg *)arg)->a);
	sqlite3_bind_int64(s, 3, now_sec());
}

int store_set_caption(struct store *st, int64_t id, const char *caption_path)
{
	struct text_arg a = {caption_path};
	return update(st, S_SET_CAPTION, id, bind_text_now, &a);
}

int store_set_error(struct store *st, int64_t id, const char *first_line)
{
	struct text_arg a = {first_line};
	return update(st, S_SET_ERROR, id, bind_text_now, &a);
}

int store_set_warning(struct store *st, int64_t id, const char *warning)
{
	struct text_arg a = {warning};
	return update(st, S_SET_WARNING, id, bind_text_now, &a);
}

int store_set_status(struct store *st, int64_t id, const char *status)
{
	struct text_arg a = {status};
	return update(st, S_SET_STATUS, id, bind_text_now, &a);
}

struct ready_arg {
	uint64_t size;
	int64_t schedule_at;
	const char *privacy, *warning;
};

static void bind_ready(sqlite3_stmt *s, const void *arg)
{
	const struct ready_arg *r = arg;
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->size);
	sqlite3_bind_int64(s, 3, r->schedule_at);
	bind_text(s, 4, r->privacy);
	bind_text(s, 5, r->warning);
	sqlite3_bind_int64(s, 6, now_sec());
}

int store_set_ready(struct store *st, int64_t id, uint64_t size, int64_t schedule_at,
		    const char *privacy, const char *warning)
{
	struct ready_arg r = {size, schedule_at, privacy, warning};
	return update(st, S_SET_READY, id, bind_ready, &r);
}

struct publish_arg {
	int mode;
	const char *publish_id, *upload_url;
	int64_t upload_expires;
};

static void bind_publish(sqlite3_stmt *s, const void *arg)
{
	const struct publish_arg *p = arg;
	sqlite3_bind_int(s, 2, p->mode);
	bind_text(s, 3, p->publish_id);
	bind_text(s, 4, p->upload_url);
	sqlite3_bind_int64(s, 5, p->upload_expires);
	sqlite3_bind_int64(s, 6, now_sec());
}

int store_set_publish(struct store *st, int64_t id, int mode, const char *publish_id,
		      const char *upload_url, int64_t upload_expires)
{
	struct publish_arg p = {mode, publish_id, upload_url, upload_expires};
	return update(st, S_SET_PUBLISH, id, bind_publish, &p);
}

static void bind_now2(sqlite3_stmt *s, const void *arg)
{
	(void)arg;
	sqlite3_bind_int64(s, 2, now_sec());
}

int store_clear_publish(struct store *st, int64_t id)
{
	return update(st, S_CLEAR_PUBLISH, id, bind_now2, NULL);
}

struct int_arg {
	int64_t v;
};

static void bind_int_now(sqlite3_stmt *s, const void *arg)
{
	sqlite3_bind_int64(s, 2, ((const struct int_arg *)arg)->v);
	sqlite3_bind_int64(s, 3, now_sec());
}

int store_set_progress(struct store *st, int64_t id, uint64_t sent)
{
	struct int_arg a = {(int64_t)sent};
	return update(st, S_SET_PROGRESS, id, bind_int_now, &a);
}

int store_set_retry(struct store *st, int64_t id, int64_t retry_at)
{
	struct int_arg a = {retry_at};
	return update(st, S_SET_RETRY, id, bind_int_now, &a);
}

struct result_arg {
	const char *post_id, *url;
	int64_t posted_at;
};

static void bind_result(sqlite3_stmt *s, const void *arg)
{
	const struct result_arg *r = arg;
	bind_text(s, 2, r->post_id);
	bind_text(s, 3, r->url);
	sqlite3_bind_int64(s, 4, r->posted_at);
	sqlite3_bind_int64(s, 5, now_sec());
}

int store_set_result(struct store *st, int64_t id, const char *post_id, const char *url,
		     int64_t posted_at)
{
	struct result_arg r = {post_id, url, posted_at};
	return update(st, S_SET_RESULT, id, bind_result, &r);
}

struct paths_arg {
	const char *video, *caption;
};

static void bind_paths(sqlite3_stmt *s, const void *arg)
{
	const struct paths_arg *p = arg;
	bind_text(s, 2, p->video);
	bind_text(s, 3, p->caption);
	sqlite3_bind_int64(s, 4, now_sec());
}

int store_set_paths(struct store *st, int64_t id, const char *video_path, const char *caption_path)
{
	struct paths_arg p = {video_path, caption_path};
	return update(st, S_SET_PATHS, id, bind_paths, &p);
}

int store_end_move(struct store *st, int64_t id)
{
	return update(st, S_END_MOVE, id, bind_now2, NULL);
}

int store_begin_move(struct store *st, int64_t id, enum job_state to, const char *video_path,
		     const char *caption_path, const char *error_text, const char *note)
{
	sqlite3_stmt *s;
	int rc;

	if (st->readonly)
		return -EROFS;
	pthread_mutex_lock(&st->lock);
	rc = begin(st);
	if (rc)
		goto out;
	s = stmt(st, S_BEGIN_MOVE);
	if (!s) {
		rc = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, video_path);
	bind_text(s, 3, caption_path);
	bind_text(s, 4, error_text);
	sqlite3_bind_int64(s, 5, now_sec());
	rc = run(st, s);
	if (rc == 0 && sqlite3_changes(st->db) == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = set_state(st, id, to, note);
out:
	rc = finish(st, rc);
	pthread_mutex_unlock(&st->lock);
	if (rc == 0)
		store_kick(st);
	return rc;
}

int store_rename(struct store *st, const char *old_path, const char *new_path)
{
	static const enum stmt_id steps[] = {S_REN_CANCEL_HIST, S_REN_CANCEL, S_REN_PATH,
					     S_REN_CAPTION, S_REN_MOVE_FROM,
					     S_REN_MOVE_CAPTION_FROM};
	int rc;

	if (st->readonly)
		return -EROFS;
	if (!strcmp(old_path, new_path))
		return 0;
	pthread_mutex_lock(&st->lock);
	rc = begin(st);
	for (size_t i = 0; rc == 0 && i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *s = stmt(st, steps[i]);
		if (!s) {
			rc = -EIO;
			break;
		}
		bind_text(s, 1, old_path);
		bind_text(s, 2, new_path);
		sqlite3_bind_int64(s, 3, now_sec());
		rc = run(st, s);
	}
	rc = finish(st, rc);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* ---- the worker's side ------------------------------------------------ */

int64_t store_next_work(struct store *st, int64_t now, int64_t *wake_at)
{
	sqlite3_stmt *s;
	int64_t id = 0, wake = 0;

	pthread_mutex_lock(&st->lock);
	s = stmt(st, S_NEXT);
	if (s) {
		sqlite3_bind_int64(s, 1, now);
		if (sqlite3_step(s) == SQLITE_ROW)
			id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	s = stmt(st, S_WAKE);
	if (s) {
		sqlite3_bind_int64(s, 1, now);
		if (sqlite3_step(s) == SQLITE_ROW)
			wake = sqlite3_column_int64(s, 0); /* NULL reads as 0 */
		sqlite3_reset(s);
	}
	pthread_mutex_unlock(&st->lock);
	if (wake_at)
		*wake_at = wake;
	return id;
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
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms < 0)
		timeout_ms = 0;
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
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
		s = stmt(st, S_EACH_FINAL);
		if (s) {
			sqlite3_bind_int(s, 1, recent);
			rc = collect(st, s, &l);
		} else {
			rc = -EIO;
		}
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
	struct event_row *v = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *s;
	int rc = -EIO;

	pthread_mutex_lock(&st->lock);
	s = stmt(st, S_HISTORY);
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *note = (const char *)sqlite3_column_text(s, 4);
			int to = job_state_parse((const char *)sqlite3_column_text(s, 3));
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 16;
				v = xrealloc(v, alloc * sizeof(*v));
			}
			v[n].ev.job_id = sqlite3_column_int64(s, 0);
			v[n].ev.at = sqlite3_column_int64(s, 1);
			v[n].ev.from = job_state_parse((const char *)sqlite3_column_text(s, 2));
			v[n].ev.to = to < 0 ? JOB_WAITING : (enum job_state)to;
			v[n].note = xstrdup(note ? note : "");
			n++;
		}
		sqlite3_reset(s);
		rc = rc == SQLITE_DONE ? 0 : sql_errno(rc);
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

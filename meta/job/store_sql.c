/*
 * What the job store's database looks like, as one document: the schema and
 * its migrations, the SQL of every statement store.c runs, the state names
 * stored in it, and the order of a job row's columns.  Everything here must
 * agree with everything else here (SQL_FINAL with job_state_final(),
 * JOB_COLS with store_read_job()), which is why it sits in one file;
 * store.c holds the logic and never spells a table or a column.
 *
 * States are stored by name so that `sqlite3 jobs.db` is readable and the
 * enum may grow.  Statements name their parameters ?1, ?2 ...; store.c binds
 * them in that order.
 */
#include "meta/job/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/account.h"
#include "meta/job/drop.h"
#include "util/strbuf.h"

/* Final states, as SQL, for the partial index and the queries.  Must match
 * job_state_final(). */
#define SQL_FINAL "('posted','failed','cancelled','lost','published')"
/* The final states when migration 1 shipped: its text must never change. */
#define SQL_FINAL_V1 "('posted','failed','cancelled','lost')"
/* States entered with a reason that the caller sets just before (waiting:
 * "cut short"; ready: "starting a new upload"; invalid, deferred, failed),
 * and the two that end a job whose files are gone. */
#define SQL_KEEPS_ERROR "('waiting','ready','invalid','deferred','failed','cancelled','lost')"
/* Rows not in a final state. */
#define SQL_LIVE "state NOT IN " SQL_FINAL
/* Rows whose files still exist somewhere: they follow renames. */
#define SQL_HAS_FILES "state NOT IN ('cancelled','lost')"

static const char *const state_names[] = {
    "waiting", "ready",	 "scheduled", "uploading", "processing", "deferred",
    "invalid", "posted", "failed",    "cancelled", "lost",	 "published",
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
	return s == JOB_POSTED || s == JOB_FAILED || s == JOB_CANCELLED || s == JOB_LOST ||
	       s == JOB_PUBLISHED;
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
	free(j->mime);
	free(j->post_status);
	free(j->account);
	free(j->targets);
	free(j->platform);
	memset(j, 0, sizeof(*j));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void job_dup(const struct job *src, struct job *dst)
{
	*dst = *src;
	dst->path = dup_or_null(src->path);
	dst->caption_path = dup_or_null(src->caption_path);
	dst->publish_id = dup_or_null(src->publish_id);
	dst->upload_url = dup_or_null(src->upload_url);
	dst->status = dup_or_null(src->status);
	dst->post_id = dup_or_null(src->post_id);
	dst->url = dup_or_null(src->url);
	dst->privacy = dup_or_null(src->privacy);
	dst->error = dup_or_null(src->error);
	dst->warning = dup_or_null(src->warning);
	dst->move_from = dup_or_null(src->move_from);
	dst->move_caption_from = dup_or_null(src->move_caption_from);
	dst->error_text = dup_or_null(src->error_text);
	dst->mime = dup_or_null(src->mime);
	dst->post_status = dup_or_null(src->post_status);
	dst->account = dup_or_null(src->account);
	dst->targets = dup_or_null(src->targets);
	dst->platform = dup_or_null(src->platform);
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
    "CREATE UNIQUE INDEX jobs_live_path ON jobs(path) WHERE state NOT IN " SQL_FINAL_V1 ";"
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
    /* 3: the Content-Type of the chunk PUTs, fixed when the item became
     * ready (store_set_ready); NULL on rows readied before this */
    "ALTER TABLE jobs ADD COLUMN mime TEXT;",
    /* 4: the posting slot of an item of queue/ (meta/job/queue.c): the
     * slot itself and the jitter chosen once for it; the row goes with its
     * job, and holds the slot while the job is live in queue/ or posted */
    "CREATE TABLE IF NOT EXISTS slots ("
    " job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,"
    " slot_at INTEGER NOT NULL,"
    " jitter INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS slots_at ON slots(slot_at);",
    /* 5: the wait for a post ID after moderation (state 'published'):
     * what the user is told of the post, and when status/fetch is asked
     * next.  'published' is final for the files, so the live-path index
     * is made again without it (its old text named four final states). */
    "ALTER TABLE jobs ADD COLUMN post_status TEXT;"
    "ALTER TABLE jobs ADD COLUMN post_poll_at INTEGER NOT NULL DEFAULT 0;"
    "DROP INDEX jobs_live_path;"
    "CREATE UNIQUE INDEX jobs_live_path ON jobs(path) WHERE state NOT IN " SQL_FINAL ";",
    /* 6: the account a job posts as (docs/contract.md, "### Accounts"):
     * the account of the folder its video is in (drop_account(), below),
     * set when the job is made and when a rename moves it, until its
     * upload started (publish_id); every row from before is the default
     * account's, as every item was */
    "ALTER TABLE jobs ADD COLUMN account TEXT NOT NULL DEFAULT 'default';",
    /* 7: one drop, several platforms (store.h, THE TARGETS): the ordered
     * comma list of a multi-target item's accounts (NULL: one account), and
     * one row per FINISHED target, with what its item shows of it.  A
     * target is finished once (UNIQUE): recording it twice is a no-op, which
     * makes a replay after a crash harmless.  carried: copied from the
     * failed job the item was moved back from (never asked about again). */
    "ALTER TABLE jobs ADD COLUMN targets TEXT;"
    "CREATE TABLE targets ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,"
    " account TEXT NOT NULL,"
    " platform TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " publish_id TEXT,"
    " post_id TEXT,"
    " url TEXT,"
    " status TEXT,"
    " post_status TEXT,"
    " post_poll_at INTEGER NOT NULL DEFAULT 0,"
    " privacy TEXT,"
    " warning TEXT,"
    " error TEXT,"
    " error_text TEXT,"
    " posted_at INTEGER NOT NULL DEFAULT 0,"
    " finished_at INTEGER NOT NULL,"
    " carried INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(job_id, account));"
    "CREATE INDEX targets_wait ON targets(state, post_poll_at);",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

#define JOB_COLS                                                                                   \
	"id, path, caption_path, state, mode, size, sent, schedule_at, retry_at, "                 \
	"publish_id, upload_url, upload_expires, status, post_id, url, privacy, error, "           \
	"warning, posted_at, attempts, created_at, updated_at, move_from, "                        \
	"move_caption_from, error_text, mime, post_status, post_poll_at, account, targets, "      \
	"0, NULL"

/* A finished target's row (alias t, its job j) in JOB_COLS's shape, so that
 * store_read_job() reads it as a job whose target_id is the row's: the
 * item's paths, the target's results.  Nothing secret: no upload URL. */
#define TARGET_COLS                                                                                \
	"j.id, j.path, j.caption_path, t.state, j.mode, j.size, j.size, 0, 0, t.publish_id, "      \
	"NULL, 0, t.status, t.post_id, t.url, t.privacy, t.error, t.warning, t.posted_at, 0, "     \
	"j.created_at, t.finished_at, NULL, NULL, t.error_text, j.mime, t.post_status, "           \
	"t.post_poll_at, t.account, j.targets, t.id, t.platform"
#define TARGET_FROM " FROM targets t JOIN jobs j ON j.id = t.job_id"
/* The first line of text ?N (NULL for NULL). */
#define FIRST_LINE(p)                                                                              \
	"CASE WHEN instr(" p ", char(10)) > 0 THEN substr(" p ", 1, instr(" p ", char(10)) - 1)"  \
	" ELSE " p " END"
/* The newest final job at path ?1 other than ?2, if it failed (store_ensure:
 * the item came back from failed/, its finished targets come with it). */
#define FAILED_BEFORE                                                                              \
	"(SELECT CASE WHEN state = 'failed' THEN id END FROM jobs WHERE path = ?1 AND id != ?2"    \
	" AND state IN " SQL_FINAL " ORDER BY id DESC LIMIT 1)"

/* In store_rename: ?1 old, ?2 new; a row "under" P is P itself or P/...;
 * substr comparisons, not LIKE, so that '%' and '_' in names are plain. */
#define UNDER(col, p) "(" col " = " p " OR substr(" col ", 1, length(" p ") + 1) = " p " || '/')"
#define MOVED(col) "CASE WHEN " col " = ?1 THEN ?2 ELSE ?2 || substr(" col ", length(?1) + 1) END"
/* user.tiktok.warning of an item moved to account @to's folder after its
 * upload started under account @by (SQL expressions both) */
#define MOVED_LATE(to, by)                                                                         \
	"('moved to the folder of account ' || " to " || ' after its upload started: it is "       \
	"posted by account ' || " by " || ', which began it')"

const char *const store_stmt_sql[S_COUNT] = {
    [S_GET] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1",
    /* the live one if any, else the newest; the video's job before the
     * caption's, so a caption in posted/ (keep_posted = no) shows results */
    [S_GET_BY_PATH] = "SELECT " JOB_COLS " FROM jobs WHERE path = ?1 OR caption_path = ?1"
		      " ORDER BY (state IN " SQL_FINAL "), path = ?1 DESC, id DESC LIMIT 1",
    [S_FIND_LIVE] = "SELECT " JOB_COLS " FROM jobs WHERE state NOT IN " SQL_FINAL
		    " AND (path = ?1 OR caption_path = ?1) ORDER BY path = ?1 DESC, id LIMIT 1",
    [S_LIVE_ID] = "SELECT id FROM jobs WHERE path = ?1 AND state NOT IN " SQL_FINAL,
    [S_MOVING_FROM] = "SELECT id FROM jobs WHERE move_from = ?1 OR move_caption_from = ?1",
    [S_INSERT] = "INSERT INTO jobs(path, account, state, created_at, updated_at)"
		 " VALUES (?1, drop_account(?1), 'waiting', ?2, ?2)",
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
		    " mime = ?6, updated_at = ?7 WHERE id = ?1",
    [S_SET_ERROR] = "UPDATE jobs SET error = ?2, error_fresh = 1, updated_at = ?3"
		    " WHERE id = ?1",
    [S_SET_WARNING] = "UPDATE jobs SET warning = ?2, updated_at = ?3 WHERE id = ?1",
    /* ?7: the account the init was made with (NULL: kept).  A rename
     * between the turn's start and this commit re-targeted the job (it had
     * no publish_id yet): TikTok holds the upload under ?7 all the same, so
     * the job goes back to ?7, saying that the move came too late. */
    [S_SET_PUBLISH] = "UPDATE jobs SET mode = ?2, publish_id = ?3, upload_url = ?4,"
		      " upload_expires = ?5, attempts = attempts + 1, updated_at = ?6,"
		      " account = COALESCE(?7, account),"
		      " warning = CASE WHEN ?7 IS NOT NULL AND drop_account(path) != ?7"
		      " THEN " MOVED_LATE("drop_account(path)", "?7") " ELSE warning END"
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
    [S_SET_POST_POLL] = "UPDATE jobs SET post_poll_at = ?2, post_status = COALESCE(?3, post_status)"
			" WHERE id = ?1",
    /* the end of a wait (store_end_post_wait), inside its transaction */
    [S_END_POST_WAIT] = "UPDATE jobs SET post_id = COALESCE(?2, post_id), url = COALESCE(?3, url),"
			" post_status = ?4, post_poll_at = 0, updated_at = ?5"
			" WHERE id = ?1 AND state = 'published'",
    /* the waiting post asked about next: the earliest due, then the oldest */
    [S_NEXT_POST_WAIT] = "SELECT " JOB_COLS " FROM jobs WHERE state = 'published'"
			 " AND targets IS NULL UNION ALL SELECT " TARGET_COLS TARGET_FROM
			 " WHERE t.state = 'published' AND t.carried = 0"
			 " ORDER BY 28, 1 LIMIT 1",
    /* a target's wait (store_set_post_poll / store_end_post_wait) */
    [S_TGT_POST_POLL] = "UPDATE targets SET post_poll_at = ?2,"
			" post_status = COALESCE(?3, post_status) WHERE id = ?1",
    [S_TGT_END_WAIT] = "UPDATE targets SET post_id = COALESCE(?2, post_id),"
		       " url = COALESCE(?3, url), post_status = ?4, post_poll_at = 0,"
		       " state = 'posted' WHERE id = ?1 AND state = 'published'",
    [S_TGT_JOB] = "SELECT job_id, state FROM targets WHERE id = ?1",
    [S_TGT_SET_STATUS] = "UPDATE targets SET status = ?2 WHERE id = ?1",
    [S_TGT_SET_ERROR] = "UPDATE targets SET error = ?2 WHERE id = ?1",
    [S_SET_TARGETS] = "UPDATE jobs SET targets = ?2, updated_at = ?3 WHERE id = ?1",
    /* the current target ends: its row, from the job row's fields; ?2
     * platform, ?3 its state, ?4 its error text (NULL: none), ?5 now */
    [S_TGT_FROM_JOB] = "INSERT OR IGNORE INTO targets(job_id, account, platform, state,"
		       " publish_id, post_id, url, status, post_status, post_poll_at, privacy,"
		       " warning, error, error_text, posted_at, finished_at)"
		       " SELECT id, account, ?2, ?3, publish_id, post_id, url, status,"
		       " post_status, post_poll_at, privacy, warning, " FIRST_LINE("?4") ", ?4,"
		       " posted_at, ?5 FROM jobs WHERE id = ?1",
    /* a target the verdict says can never pass: ?2 account, ?3 platform,
     * ?4 error text, ?5 now */
    [S_TGT_FAILED] = "INSERT OR IGNORE INTO targets(job_id, account, platform, state, error,"
		     " error_text, finished_at) VALUES (?1, ?2, ?3, 'failed', " FIRST_LINE("?4")
		     ", ?4, ?5)",
    /* the job row becomes the next target ?2's: nothing of the last stays */
    [S_TGT_NEXT] = "UPDATE jobs SET account = ?2, publish_id = NULL, upload_url = NULL,"
		   " upload_expires = 0, sent = 0, status = NULL, post_id = NULL, url = NULL,"
		   " post_status = NULL, post_poll_at = 0, posted_at = 0, error = NULL,"
		   " error_fresh = 0, error_text = NULL, warning = NULL, privacy = NULL,"
		   " attempts = 0, retry_at = 0, mode = 0, updated_at = ?3 WHERE id = ?1",
    [S_TGT_LIST] = "SELECT " TARGET_COLS TARGET_FROM " WHERE t.job_id = ?1 ORDER BY t.id",
    /* store_ensure of an item back from failed/: ?1 path, ?2 the new job */
    [S_TGT_CARRY] = "INSERT OR IGNORE INTO targets(job_id, account, platform, state,"
		    " publish_id, post_id, url, status, post_status, post_poll_at, privacy,"
		    " warning, error, error_text, posted_at, finished_at, carried)"
		    " SELECT ?2, account, platform, state, publish_id, post_id, url, status,"
		    " post_status, 0, privacy, warning, error, error_text, posted_at,"
		    " finished_at, 1 FROM targets WHERE state IN ('posted','published')"
		    " AND job_id = " FAILED_BEFORE " ORDER BY id",
    [S_TGT_CARRY_LIST] = "UPDATE jobs SET targets = (SELECT targets FROM jobs WHERE id = "
			 FAILED_BEFORE ") WHERE id = ?2",
    /* ready as target ?8 (NULL: the job's account kept) */
    [S_SET_READY_AS] = "UPDATE jobs SET size = ?2, schedule_at = ?3, privacy = ?4,"
		       " warning = ?5, mime = ?6, updated_at = ?7,"
		       " account = COALESCE(?8, account) WHERE id = ?1",
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
    /* a job follows its item to another account's folder until its upload
     * started; after that it stays with the account it began with, and its
     * warning says so (the right-hand sides see the row as it was) */
    [S_REN_PATH] = "UPDATE jobs SET path = " MOVED("path") ", updated_at = ?3,"
		   " account = CASE WHEN publish_id IS NULL AND NOT EXISTS (SELECT 1 FROM"
		   " targets WHERE targets.job_id = jobs.id) THEN drop_account(" MOVED("path") ")"
		   " ELSE account END,"
		   " warning = CASE WHEN publish_id IS NOT NULL AND " SQL_LIVE
		   " AND drop_account(" MOVED("path") ") != account"
		   " THEN " MOVED_LATE("drop_account(" MOVED("path") ")", "account")
		   " ELSE warning END"
		   " WHERE " SQL_HAS_FILES " AND " UNDER("path", "?1"),
    [S_REN_CAPTION] =
	"UPDATE jobs SET caption_path = " MOVED("caption_path") ", updated_at = ?3"
								" WHERE " SQL_HAS_FILES
								" AND " UNDER("caption_path", "?1"),
    /* the source of a pending outcome move (a stuck one: a link in
     * posted/) renamed by its user: the move, and store_ensure's refusal
     * to make it a new item, follow it */
    [S_REN_MOVE_FROM] =
	"UPDATE jobs SET move_from = " MOVED("move_from") ", updated_at = ?3"
							  " WHERE " UNDER("move_from", "?1"),
    [S_REN_MOVE_CAPTION_FROM] = "UPDATE jobs SET move_caption_from = " MOVED(
	"move_caption_from") ", updated_at = ?3 WHERE " UNDER("move_caption_from", "?1"),
    /* store_next_work: an interrupted upload first, whoever's it is ... */
    [S_NEXT] = "SELECT id, account FROM jobs WHERE state IN ('uploading', 'processing')"
	       " ORDER BY created_at, id",
    /* ... else each account's first due job (ready before a time that came,
     * then oldest), the longest-waiting account first: turns.h picks one */
    [S_NEXT_DUE] = "SELECT id, account FROM (SELECT id, account, created_at,"
		   " CASE state WHEN 'ready' THEN 1 ELSE 2 END AS class,"
		   " row_number() OVER (PARTITION BY account ORDER BY"
		   " CASE state WHEN 'ready' THEN 1 ELSE 2 END, created_at, id) AS rn"
		   " FROM jobs WHERE state = 'ready'"
		   " OR (state = 'scheduled' AND schedule_at <= ?1)"
		   " OR (state = 'deferred' AND retry_at <= ?1))"
		   " WHERE rn = 1 ORDER BY class, created_at, id",
    [S_WAKE] = "SELECT MIN(t) FROM ("
	       " SELECT schedule_at AS t FROM jobs WHERE state = 'scheduled' AND schedule_at > ?1"
	       " UNION ALL"
	       " SELECT retry_at FROM jobs WHERE state = 'deferred' AND retry_at > ?1)",
    /* published posts are walked with the live ones, all of them: each is
     * still awaited (status lists them, the mirror keeps them current) */
    [S_EACH_LIVE] = "SELECT " JOB_COLS " FROM jobs WHERE state NOT IN " SQL_FINAL
		    " OR state = 'published' ORDER BY created_at, id",
    [S_EACH_FINAL] = "SELECT " JOB_COLS " FROM jobs WHERE state IN " SQL_FINAL
		     " AND state != 'published' ORDER BY updated_at DESC, id DESC LIMIT ?1",
    [S_HISTORY] = "SELECT job_id, at, from_state, to_state, note FROM history"
		  " WHERE job_id = ?1 ORDER BY id",
    [S_SLOT_GET] = "SELECT slot_at, jitter FROM slots WHERE job_id = ?1",
    [S_SLOT_SET] = "INSERT OR REPLACE INTO slots(job_id, slot_at, jitter) VALUES (?1, ?2, ?3)",
    [S_SLOT_FORGET] = "DELETE FROM slots WHERE job_id = ?1",
    /* ?1 from, ?2 the queue folder with its slash ("queue/",
     * "accounts/b/queue/"), ?3 a job to leave out: a slot is held by a
     * live job still in that queue/, and by a posted or published one of
     * the same account (it counts towards that user's daily cap) */
    [S_SLOTS_HELD] = "SELECT s.slot_at FROM slots s JOIN jobs j ON j.id = s.job_id"
		     " WHERE s.slot_at >= ?1 AND s.job_id != ?3 AND ((j.state IN ('posted','published')"
		     " AND j.account = drop_account(?2))"
		     " OR (j.state NOT IN " SQL_FINAL " AND substr(j.path, 1, length(?2)) = ?2))",
};

int store_sql_errno(int rc)
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

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? xstrdup((const char *)t) : NULL;
}

/* The column numbers are JOB_COLS's order. */
void store_read_job(sqlite3_stmt *s, struct job *j)
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
	j->mime = col_str(s, 25);
	j->post_status = col_str(s, 26);
	j->post_poll_at = sqlite3_column_int64(s, 27);
	j->account = col_str(s, 28);
	if (!j->account)
		j->account = xstrdup(DROP_DEFAULT_ACCOUNT);
	j->targets = col_str(s, 29);
	j->target_id = sqlite3_column_int64(s, 30);
	j->platform = col_str(s, 31);
}

/* drop_account(path): the account of the folder @path is in (meta/job/
 * drop.h), "default" for a path in none; SQL NULL for NULL. */
static void sql_drop_account(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *path = sqlite3_value_text(argv[0]);
	char name[ACCOUNT_NAME_MAX + 1];

	(void)argc;
	if (!path) {
		sqlite3_result_null(ctx);
		return;
	}
	if (drop_account_of((const char *)path, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "%s", DROP_DEFAULT_ACCOUNT);
	sqlite3_result_text(ctx, name, -1, SQLITE_TRANSIENT);
}

int store_sql_functions(sqlite3 *db)
{
	int rc = sqlite3_create_function(db, "drop_account", 1,
					 SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					 sql_drop_account, NULL, NULL);

	return store_sql_errno(rc);
}

/* ---- migrating -------------------------------------------------------- */

/* sqlite3_exec as 0 or -errno, silent: see store_migrate(). */
static int run_sql(sqlite3 *db, const char *sql)
{
	return store_sql_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Commit when @rc is 0, else roll back; returns the first error. */
static int commit_or_undo(sqlite3 *db, int rc)
{
	if (rc == 0)
		rc = run_sql(db, "COMMIT");
	if (rc != 0 && !sqlite3_get_autocommit(db))
		run_sql(db, "ROLLBACK");
	return rc;
}

/* How many migrations ran on @db (schema_version), or -errno. */
static int schema_version(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	int version = 0;

	if (sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return version;
}

int store_migrate(sqlite3 *db, struct tt_error *err, const char *path)
{
	int version, rc;

	rc = run_sql(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	if (rc)
		goto fail;
	rc = run_sql(db, "BEGIN IMMEDIATE");
	if (rc)
		goto fail;
	version = schema_version(db);
	rc = version < 0 ? version : 0;
	if (version > N_MIGRATIONS) {
		tt_error_set(err, ERR_PERMANENT,
			     "%s: job store schema version %d is newer than this tiktokfs "
			     "knows (%d)",
			     path, version, N_MIGRATIONS);
		tt_error_advise(err, "Run the tiktokfs version that created it, or a newer one.");
		rc = -EPROTO;
	}
	for (; rc == 0 && version < N_MIGRATIONS; version++)
		rc = run_sql(db, migrations[version]);
	if (rc == 0) {
		char sql[96];
		snprintf(sql, sizeof(sql),
			 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)",
			 version);
		rc = run_sql(db, sql);
	}
	rc = commit_or_undo(db, rc);
	if (rc == 0)
		return 0;
fail:
	if (!err->what[0])
		tt_error_set(err, ERR_PERMANENT, "%s: cannot set up the job store: %s", path,
			     sqlite3_errmsg(db));
	return rc;
}

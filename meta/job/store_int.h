/*
 * Shared by the two halves of the job store and nobody else: store_sql.c
 * holds what the database looks like (schema, migrations, every statement,
 * the column order of a job row), store.c holds the logic that runs it.
 * Nothing outside meta/store*.c includes this header.
 */
#ifndef TIKTOKFS_STORE_INT_H
#define TIKTOKFS_STORE_INT_H

#include <sqlite3.h>

#include "util/error.h"
#include "meta/job/store.h"

/* Prepared statements, prepared on first use and kept (store.c: stmt()). */
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
	S_SET_POST_POLL,
	S_END_POST_WAIT,
	S_NEXT_POST_WAIT,
	S_TGT_POST_POLL, /* targets of one drop, several platforms */
	S_TGT_END_WAIT,
	S_TGT_JOB,
	S_TGT_SET_STATUS,
	S_TGT_SET_ERROR,
	S_SET_TARGETS,
	S_TGT_FROM_JOB,
	S_TGT_FAILED,
	S_TGT_NEXT,
	S_TGT_LIST,
	S_TGT_CARRY,
	S_TGT_CARRY_LIST,
	S_SET_READY_AS,
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
	S_NEXT_DUE,
	S_WAKE,
	S_EACH_LIVE,
	S_EACH_FINAL,
	S_HISTORY,
	S_SLOT_GET, /* queue/'s slots (store_*_slot*) */
	S_SLOT_SET,
	S_SLOT_FORGET,
	S_SLOTS_HELD,
	S_COUNT
};

/* The SQL of each statement; the parameters each expects are the contract
 * between the two files. */
extern const char *const store_stmt_sql[S_COUNT];

/* An SQLite result code as 0 or -errno. */
int store_sql_errno(int rc);

/* Fill @j (zeroed first; the caller frees with job_free) from the current
 * row of a statement that selects JOB_COLS. */
/* Register the SQL functions the statements use (drop_account). */
int store_sql_functions(sqlite3 *db);
void store_read_job(sqlite3_stmt *s, struct job *j);

/* Bring the schema of @db up to date in one transaction; on failure fill
 * @err (naming @path) and return -errno.  Runs while the store opens, so it
 * logs nothing: the caller reports @err. */
int store_migrate(sqlite3 *db, struct tt_error *err, const char *path);

#endif

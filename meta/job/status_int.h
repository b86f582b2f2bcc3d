/*
 * Shared by the status renderer's files (status.c walks the store once;
 * status_text.c and status_json.c write the two formats), not for other
 * modules: the walk's state and an upload's progress.
 */
#ifndef TIKTOKFS_STATUS_INT_H
#define TIKTOKFS_STATUS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "meta/job/status.h"
#include "meta/job/store.h"
#include "util/strbuf.h"

#define STATUS_NEXT_TEXT_MAX 10 /* scheduled items the text lists */
/* One account's view looks this many times further back for its own last
 * results, which the other accounts' may have pushed down the list. */
#define STATUS_ACCOUNT_LOOKBACK 20

/* An upload's progress (status.c's file comment: rate and ETA). */
struct status_progress {
	uint64_t sent, total;
	unsigned percent;   /* floor: 100 only once the last byte is acknowledged */
	int64_t started_at; /* 0: unknown */
	double rate;	    /* bytes/s; < 0: unknown */
	double eta;	    /* seconds; < 0: unknown */
};

/* One render: filled by the walk, turned into the output at the end. */
struct status_walk {
	struct store *st;
	enum status_format format;
	unsigned sections;
	const char *state_dir;
	const char *account;	  /* only this account's items; NULL: all */
	/* the accounts, their platforms and (whole view) the other accounts'
	 * login lines; NULL: all TikTok, none listed */
	const struct config *cfg;
	int nrecent, nfinal;	  /* finals to show, and shown (with @account) */
	int64_t now;
	/* scheduled items (copies: path, id, schedule_at), sorted at the end */
	struct job *sched;
	size_t nsched, asched;
	/* text */
	struct strbuf text, uploads, waiting;
	int nwaiting; /* published jobs: their post ID awaited */
	int queued;
	bool in_results;
	/* JSON */
	json_t *queue, *recent, *jwaiting;
};

/* Percent of @j's bytes acknowledged, rounded down; 0 for an unknown size. */
unsigned status_percent(const struct job *j);
/* @j's progress with rate and ETA, from its history in @w->st. */
void status_progress_of(const struct status_walk *w, const struct job *j,
			struct status_progress *p);

/* Whether @j's account posts to YouTube (else TikTok). */
bool status_youtube(const struct status_walk *w, const struct job *j);

/* One target of a multi-target item (meta/job/store.h, THE TARGETS), for
 * its line: finished (its row's state and URL), current (the job's state)
 * or "pending". */
#define STATUS_TARGETS_MAX 4
struct status_target {
	char *account; /* owned, as url */
	bool youtube;
	const char *state; /* a state name, or "pending" (static) */
	char *url;
};
/* The targets of @j in order into @out (at most STATUS_TARGETS_MAX); 0
 * for an item of one account.  status_targets_free() releases them. */
size_t status_targets_of(const struct status_walk *w, const struct job *j,
			 struct status_target *out);
void status_targets_free(struct status_target *t, size_t n);

/* Text: the heading and account (before the walk), one item, the rest. */
void status_text_begin(struct status_walk *w);
void status_text_item(struct status_walk *w, const struct job *j);
char *status_text_end(struct status_walk *w, int rc);

/* JSON: the arrays (before the walk), one item, the whole document. */
void status_json_begin(struct status_walk *w);
void status_json_item(struct status_walk *w, const struct job *j);
char *status_json_end(struct status_walk *w);

#endif

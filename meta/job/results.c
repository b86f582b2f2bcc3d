/*
 * user.tiktok.* names and values: see results.h.
 *
 * Which names an item shows depends on its state alone (the table `shows`
 * below), not on which store fields happen to be filled: a field set in an
 * earlier state (retry_at of a deferral that ended, the progress of an
 * upload that finished, the privacy of a caption that has since been edited)
 * must not speak for the item once it moved on.  The store clears what it
 * can on a state change (store.c, S_SET_STATE); the table is what makes it
 * impossible to show a leftover whatever a caller's order of setters.
 */
#include "meta/job/results.h"

#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/timefmt.h"

const char *const results_keys[] = {"state",	"progress",    "publish_id", "status", "posted_at",
				    "privacy",	"post_id",     "url",	     "error",  "warning",
				    "retry_at", "schedule_at", "post_status"};
const size_t results_nkeys = sizeof(results_keys) / sizeof(results_keys[0]);
_Static_assert(sizeof(results_keys) / sizeof(results_keys[0]) == 13,
	       "one K_ bit below per name, in the same order");

/* One bit per name, in results_keys order. */
enum {
	K_STATE = 1 << 0,
	K_PROGRESS = 1 << 1,
	K_PUBLISH_ID = 1 << 2,
	K_STATUS = 1 << 3,
	K_POSTED_AT = 1 << 4,
	K_PRIVACY = 1 << 5,
	K_POST_ID = 1 << 6,
	K_URL = 1 << 7,
	K_ERROR = 1 << 8,
	K_WARNING = 1 << 9,
	K_RETRY_AT = 1 << 10,
	K_SCHEDULE_AT = 1 << 11,
	K_POST_STATUS = 1 << 12,
};

/* What the validation decided (stale once the item is waiting or invalid
 * again, since its files changed). */
#define K_CHECKED (K_PRIVACY | K_WARNING)
/* A publish in progress at TikTok. */
#define K_PUBLISH (K_PUBLISH_ID | K_STATUS)

/*
 * State -> the names it shows.  error is shown wherever a state can carry
 * a reason (waiting: "no caption yet"; ready/scheduled/uploading/processing:
 * "not logged in", which keeps the state).  A posted item has one only
 * while its move to posted/ is stuck (a link or another user's folder on
 * the way: meta/job/outcome.c sets it, and clears it once the move is made).
 */
static const unsigned shows[] = {
    [JOB_WAITING] = K_STATE | K_ERROR,
    [JOB_READY] = K_STATE | K_CHECKED | K_ERROR,
    [JOB_SCHEDULED] = K_STATE | K_CHECKED | K_ERROR | K_SCHEDULE_AT,
    [JOB_UPLOADING] = K_STATE | K_PROGRESS | K_PUBLISH_ID | K_CHECKED | K_ERROR,
    [JOB_PROCESSING] = K_STATE | K_PUBLISH | K_CHECKED | K_ERROR,
    [JOB_DEFERRED] = K_STATE | K_PUBLISH | K_CHECKED | K_ERROR | K_RETRY_AT,
    [JOB_INVALID] = K_STATE | K_ERROR,
    [JOB_POSTED] = K_STATE | K_PUBLISH | K_POSTED_AT | K_PRIVACY | K_POST_ID | K_URL | K_WARNING |
		   K_ERROR | K_POST_STATUS,
    /* published: in posted/, its post ID still to come (store.h, (4)), or
     * a YouTube video whose processing is awaited: its id and url are
     * known already (a TikTok wait has none to show until it ends) */
    [JOB_PUBLISHED] = K_STATE | K_PUBLISH | K_POSTED_AT | K_PRIVACY | K_POST_ID | K_URL |
		      K_WARNING | K_ERROR | K_POST_STATUS,
    [JOB_FAILED] = K_STATE | K_PUBLISH | K_PRIVACY | K_ERROR,
    [JOB_CANCELLED] = K_STATE | K_ERROR,
    [JOB_LOST] = K_STATE | K_ERROR,
};

/* Whether an item in state @s shows user.tiktok.@key. */
static bool state_shows(enum job_state s, const char *key)
{
	unsigned mask = K_STATE; /* an unknown state shows only itself */

	if ((unsigned)s < sizeof(shows) / sizeof(shows[0]))
		mask = shows[s];
	for (size_t i = 0; i < results_nkeys; i++)
		if (!strcmp(key, results_keys[i]))
			return mask & (1u << i);
	return false;
}

static bool time_value(int64_t t, char *out, size_t size)
{
	if (t <= 0)
		return false;
	iso_utc(t, out, size);
	return true;
}

static const char *text_value(const struct job *j, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
	    {"publish_id", offsetof(struct job, publish_id)},
	    {"status", offsetof(struct job, status)},
	    {"privacy", offsetof(struct job, privacy)},
	    {"post_id", offsetof(struct job, post_id)},
	    {"url", offsetof(struct job, url)},
	    {"error", offsetof(struct job, error)},
	    {"warning", offsetof(struct job, warning)},
	    {"post_status", offsetof(struct job, post_status)},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i].key))
			return *(char *const *)((const char *)j + fields[i].off);
	return NULL;
}

bool results_value(const struct job *j, const char *key, char *out, size_t size)
{
	const char *s;

	if (!state_shows(j->state, key))
		return false;
	if (!strcmp(key, "state")) {
		s = job_state_name(j->state);
	} else if (!strcmp(key, "progress")) {
		snprintf(out, size, "%llu/%llu", (unsigned long long)j->sent,
			 (unsigned long long)j->size);
		return true;
	} else if (!strcmp(key, "posted_at")) {
		return time_value(j->posted_at, out, size);
	} else if (!strcmp(key, "retry_at")) {
		return time_value(j->retry_at, out, size);
	} else if (!strcmp(key, "schedule_at")) {
		return time_value(j->schedule_at, out, size);
	} else {
		s = text_value(j, key);
	}
	if (!s || !*s)
		return false;
	snprintf(out, size, "%.*s", (int)strcspn(s, "\r\n"), s);
	log_redact(out, size);
	return true;
}

/* ---- YouTube's names (results.h) ---- */

static const char *const yt_keys[] = {"state",	 "progress", "status",	   "posted_at",
				      "privacy", "video_id", "url",	   "error",
				      "warning", "retry_at", "schedule_at"};

void results_view_of(const struct config *cfg, const struct job *j, struct results_view *v)
{
	const struct account *a = cfg && j->account ? config_account(cfg, j->account) : NULL;
	const char *platform = a ? a->platform : cfg ? cfg->platform : NULL;

	if (j->platform) /* a finished target's row says where it posted */
		platform = j->platform;

	v->youtube = platform_is_youtube(platform);
	v->prefix = v->youtube ? RESULTS_YT_PREFIX : RESULTS_XATTR_PREFIX;
	v->keys = v->youtube ? yt_keys : results_keys;
	v->nkeys = v->youtube ? sizeof(yt_keys) / sizeof(yt_keys[0]) : results_nkeys;
}

bool results_view_value(const struct results_view *v, const struct job *j, const char *key,
			char *out, size_t size)
{
	if (!v->youtube)
		return results_value(j, key, out, size);
	if (!strcmp(key, "video_id")) /* the store keeps it as the post's id */
		return results_value(j, "post_id", out, size);
	if (!strcmp(key, "publish_id") || !strcmp(key, "post_id") || !strcmp(key, "post_status"))
		return false;
	return results_value(j, key, out, size);
}

bool results_is_name(const char *name)
{
	return !strncmp(name, RESULTS_XATTR_PREFIX, strlen(RESULTS_XATTR_PREFIX)) ||
	       !strncmp(name, RESULTS_YT_PREFIX, strlen(RESULTS_YT_PREFIX));
}

/* ---- one set per platform (results.h) ---- */

static void add_set(const struct config *cfg, struct results_sets *s, const struct job *j)
{
	struct job *c = xmalloc(sizeof(*c));

	job_dup(j, c);
	s->rows[s->n] = c;
	results_view_of(cfg, c, &s->views[s->n]);
	s->n++;
}

/* The newest finished target of each platform (rows come oldest first). */
struct by_platform {
	struct job *tiktok, *youtube;
};

static int keep_newest(const struct job *t, void *arg)
{
	struct by_platform *b = arg;
	struct job **slot = platform_is_youtube(t->platform) ? &b->youtube : &b->tiktok;

	if (*slot) {
		job_free(*slot);
		free(*slot);
	}
	*slot = xmalloc(sizeof(**slot));
	job_dup(t, *slot);
	return 0;
}

int results_sets_of(struct store *st, const struct config *cfg, const struct job *j,
		    struct results_sets *out)
{
	struct by_platform b = {NULL, NULL};
	struct results_view own;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!j->targets || !st) {
		add_set(cfg, out, j);
		return 0;
	}
	rc = store_targets_of(st, j->id, keep_newest, &b);
	if (rc == 0) {
		results_view_of(cfg, j, &own);
		if (b.tiktok || !own.youtube)
			add_set(cfg, out, b.tiktok ? b.tiktok : j);
		if (b.youtube || own.youtube)
			add_set(cfg, out, b.youtube ? b.youtube : j);
	}
	for (int i = 0; i < 2; i++) {
		struct job *x = i ? b.youtube : b.tiktok;

		job_free(x);
		free(x);
	}
	return rc;
}

void results_sets_free(struct results_sets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		job_free(s->rows[i]);
		free(s->rows[i]);
	}
	memset(s, 0, sizeof(*s));
}

bool results_sets_value(const struct results_sets *s, const char *name, char *out, size_t size)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *prefix = s->views[i].prefix;

		if (!strncmp(name, prefix, strlen(prefix)))
			return results_view_value(&s->views[i], s->rows[i], name + strlen(prefix),
						  out, size);
	}
	return false;
}

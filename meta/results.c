/*
 * user.tiktok.* names and values: see results.h.
 */
#include "meta/results.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "meta/store.h"
#include "util/log.h"

const char *const results_keys[] = {"state",	 "progress", "publish_id", "status",
				    "posted_at", "privacy",  "post_id",	   "url",
				    "error",	 "warning",  "retry_at",   "schedule_at"};
const size_t results_nkeys = sizeof(results_keys) / sizeof(results_keys[0]);

void results_iso_utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)t);
}

static bool time_value(int64_t t, char *out, size_t size)
{
	if (t <= 0)
		return false;
	results_iso_utc(t, out, size);
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
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i].key))
			return *(char *const *)((const char *)j + fields[i].off);
	return NULL;
}

bool results_value(const struct job *j, const char *key, char *out, size_t size)
{
	const char *s;

	if (!strcmp(key, "state")) {
		s = job_state_name(j->state);
	} else if (!strcmp(key, "progress")) {
		if (j->state != JOB_UPLOADING)
			return false;
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

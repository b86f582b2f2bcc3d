/*
 * The status renderer's JSON, built with jansson (status.c's file comment
 * gives the document, version 1).  Every string from the store is shown as
 * valid UTF-8 and passes log_redact() on its own, before jansson escapes
 * it; a name that is not valid UTF-8 gets its exact bytes in base64 beside
 * it ("path_bytes"), so a script can still find the file.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "meta/creator.h"
#include "meta/job/status_int.h"
#include "util/escape.h"
#include "util/log.h"
#include "util/timefmt.h"

/* @s as valid UTF-8 (U+FFFD for a bad byte), secrets masked. */
static json_t *j_str(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v;

	if (!s)
		return json_null();
	strbuf_init(&sb);
	esc_utf8_lossy(&sb, s);
	log_redact(sb.buf, sb.len + 1);
	v = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return v ? v : json_null();
}

/* Set @key to the name @s for display and, when @s is not valid UTF-8,
 * @key_bytes to its exact bytes in base64. */
static void j_set_name(json_t *o, const char *key, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	unsigned char *b64;
	char *bytes_key;

	json_object_set_new(o, key, j_str(s));
	if (!s || esc_utf8_valid(s, len))
		return;
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)s, (int)len);
	bytes_key = xasprintf("%s_bytes", key);
	json_object_set_new(o, bytes_key, json_string((const char *)b64));
	free(bytes_key);
	free(b64);
}

/* ISO 8601 UTC, or null for "never" (0). */
static json_t *j_time(int64_t t)
{
	char buf[32];

	if (t <= 0)
		return json_null();
	iso_utc(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *j_progress(const struct status_walk *w, const struct job *j)
{
	struct status_progress p;
	json_t *o;

	if (j->state != JOB_UPLOADING)
		return json_null();
	status_progress_of(w, j, &p);
	o = json_object();
	json_object_set_new(o, "sent", json_integer((json_int_t)p.sent));
	json_object_set_new(o, "total", json_integer((json_int_t)p.total));
	json_object_set_new(o, "percent", json_integer(p.percent));
	json_object_set_new(o, "rate_bps", p.rate >= 0 ? json_real(p.rate) : json_null());
	json_object_set_new(o, "eta_seconds",
			    p.eta >= 0 ? json_integer((json_int_t)(p.eta + 0.5)) : json_null());
	json_object_set_new(o, "started_at", j_time(p.started_at));
	return o;
}

/* "targets": [{account, platform, state, url}] of an item posted to
 * several platforms (meta/job/store.h, THE TARGETS); NULL for one of one
 * account, which has no such key. */
static json_t *j_targets(const struct status_walk *w, const struct job *j)
{
	struct status_target t[STATUS_TARGETS_MAX];
	size_t n = status_targets_of(w, j, t);
	json_t *a;

	if (!n)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "account", json_string(t[i].account));
		json_object_set_new(o, "platform", json_string(t[i].youtube ? "youtube" : "tiktok"));
		json_object_set_new(o, "state", json_string(t[i].state));
		json_object_set_new(o, "url", j_str(t[i].url));
		json_array_append_new(a, o);
	}
	status_targets_free(t, n);
	return a;
}

static json_t *j_item(const struct status_walk *w, const struct job *j)
{
	json_t *targets = j_targets(w, j);

	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(j->id));
	j_set_name(o, "path", j->path);
	j_set_name(o, "caption", j->caption_path);
	json_object_set_new(o, "state", json_string(job_state_name(j->state)));
	json_object_set_new(o, "platform",
			    json_string(status_youtube(w, j) ? "youtube" : "tiktok"));
	json_object_set_new(o, "size", json_integer((json_int_t)j->size));
	json_object_set_new(o, "sent", json_integer((json_int_t)j->sent));
	json_object_set_new(o, "progress", j_progress(w, j));
	json_object_set_new(o, "schedule_at", j_time(j->schedule_at));
	json_object_set_new(o, "retry_at", j_time(j->retry_at));
	json_object_set_new(o, "posted_at", j_time(j->posted_at));
	json_object_set_new(o, "created_at", j_time(j->created_at));
	json_object_set_new(o, "updated_at", j_time(j->updated_at));
	json_object_set_new(o, "publish_id", j_str(j->publish_id));
	json_object_set_new(o, "status", j_str(j->status));
	json_object_set_new(o, "post_id", j_str(j->post_id));
	json_object_set_new(o, "url", j_str(j->url));
	json_object_set_new(o, "privacy", j_str(j->privacy));
	json_object_set_new(o, "error", j_str(j->error));
	json_object_set_new(o, "warning", j_str(j->warning));
	json_object_set_new(o, "post_status", j_str(j->post_status));
	if (targets)
		json_object_set_new(o, "targets", targets);
	return o;
}

static json_t *j_account(const char *state_dir)
{
	struct creator_info ci;
	json_t *o, *opts;

	memset(&ci, 0, sizeof(ci));
	if (!state_dir || creator_load(state_dir, &ci) < 0 || !ci.username[0])
		return json_null();
	o = json_object();
	opts = json_array();
	for (int i = 0; i < ci.n_privacy; i++)
		json_array_append_new(opts, json_string(ci.privacy_options[i]));
	json_object_set_new(o, "username", j_str(ci.username));
	json_object_set_new(o, "nickname", j_str(ci.nickname));
	json_object_set_new(o, "privacy_options", opts);
	json_object_set_new(o, "max_video_post_duration_sec", json_integer(ci.max_duration_sec));
	json_object_set_new(o, "fetched_at", j_time(ci.fetched_at));
	return o;
}

static json_t *j_next_scheduled(const struct status_walk *w)
{
	json_t *next = json_array();

	for (size_t i = 0; i < w->nsched; i++) {
		json_t *o = json_object();

		j_set_name(o, "path", w->sched[i].path);
		json_object_set_new(o, "at", j_time(w->sched[i].schedule_at));
		json_array_append_new(next, o);
	}
	return next;
}

void status_json_begin(struct status_walk *w)
{
	w->queue = json_array();
	w->recent = json_array();
	w->jwaiting = json_array();
}

void status_json_item(struct status_walk *w, const struct job *j)
{
	json_t *to = job_state_final(j->state) ? w->recent : w->queue;

	if (j->state == JOB_PUBLISHED)
		to = w->jwaiting;
	json_array_append_new(to, j_item(w, j));
}

char *status_json_end(struct status_walk *w)
{
	json_t *root = json_object();
	char *doc, *out;

	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "generated_at", j_time(w->now));
	json_object_set_new(root, "account", j_account(w->state_dir));
	/* the walk keeps its references and drops them at its end */
	json_object_set(root, "queue", w->queue);
	json_object_set(root, "recent", w->recent);
	json_object_set_new(root, "next_scheduled", j_next_scheduled(w));
	json_object_set(root, "waiting_post_id", w->jwaiting);
	doc = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!doc)
		return xstrdup("");
	/* one line feed at the end, as a command's output has */
	out = xasprintf("%s\n", doc);
	free(doc);
	return out;
}

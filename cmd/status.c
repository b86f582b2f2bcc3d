/*
 * `tiktokfs status [-c CONFIG] [--json]`: the account, the queue with each
 * item's state, upload progress with rate and ETA, the next scheduled
 * times and recent results, read from the job store with a read-only
 * connection.  WAL lets it read while a daemon (mount or watch) writes, and
 * it never writes, so it is safe at any time.  No store yet: "No items
 * yet.", exit 0.
 *
 * Text: STATUS.txt's text (meta/job/status.c) with two sections added before
 * its last line: "Uploads" (a bar, bytes, percent, rate, ETA per item being
 * uploaded) and "Next scheduled" (soonest first).
 *
 * Rate and ETA: the store keeps bytes acknowledged (sent) and the time of
 * the last progress write (updated_at), not a progress history; the upload
 * started at the job's last transition to uploading (history).  So the
 * rate is sent / (updated_at - started), in whole seconds: rough in the
 * first seconds, and low after a resume (bytes sent before a restart count
 * from the first start).  Unknown until a second has passed.
 *
 * --json, version 1 (keys are only ever added):
 *   { "version": 1, "generated_at": ISO,
 *     "account": null | { "username", "nickname", "privacy_options": [..],
 *                         "max_video_post_duration_sec", "fetched_at": ISO },
 *     "queue":  [ ITEM, ... ]     live items, oldest first,
 *     "recent": [ ITEM, ... ]     final items, newest first (at most 10),
 *     "next_scheduled": [ { "path", "at": ISO }, ... ] soonest first }
 *   ITEM: { "id", "path", "caption" (null), "state", "size", "sent",
 *           "progress": null | { "sent", "total", "percent", "rate_bps" (null),
 *                                "eta_seconds" (null), "started_at" (null) },
 *           "schedule_at", "retry_at", "posted_at", "created_at",
 *           "updated_at" (ISO or null), "publish_id", "status", "post_id",
 *           "url", "privacy", "error", "warning" (string or null) }
 * Names are bytes, JSON strings are UTF-8: every string is shown valid
 * UTF-8, an invalid byte as U+FFFD, and "path" and "caption" (also in
 * next_scheduled) get a lossless twin, "path_bytes" / "caption_bytes": the
 * exact bytes in standard base64, present only when the name is not valid
 * UTF-8 (a name that is valid needs none: JSON escapes newlines itself).
 * Text: names are escaped C-style (util/escape.h), one item per line.
 * Upload URLs are never read out; every string passes log_redact().
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/daemon.h"
#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/status.h"
#include "meta/job/results.h"
#include "meta/job/store.h"
#include "util/escape.h"
#include "util/timefmt.h"
#include "util/log.h"
#include "util/strbuf.h"

#define BAR_WIDTH 30

static const char usage[] = "usage: tiktokfs status [-c CONFIG] [--json]\n";

/* ---- progress ---- */

struct progress {
	uint64_t sent, total;
	unsigned percent;
	int64_t started_at; /* 0: unknown */
	double rate;	    /* bytes/s; < 0: unknown */
	double eta;	    /* seconds; < 0: unknown */
};

static int last_upload_start(const struct store_event *ev, void *arg)
{
	int64_t *at = arg;

	if (ev->to == JOB_UPLOADING && ev->from != JOB_UPLOADING)
		*at = ev->at;
	return 0;
}

static void progress_of(struct store *st, const struct job *j, int64_t now, struct progress *p)
{
	int64_t until;

	memset(p, 0, sizeof(*p));
	p->sent = j->sent;
	p->total = j->size;
	p->rate = p->eta = -1;
	/* floor: 100% only once the last byte is acknowledged; sizes are at
	 * most max_size (a few GiB), so sent * 100 cannot overflow */
	p->percent = !j->size ? 0 : j->sent >= j->size ? 100 : (unsigned)(j->sent * 100 / j->size);
	store_history(st, j->id, last_upload_start, &p->started_at);
	if (!p->started_at || !j->sent)
		return;
	until = j->updated_at > p->started_at ? j->updated_at : now;
	if (until <= p->started_at)
		return;
	p->rate = (double)j->sent / (double)(until - p->started_at);
	if (p->rate > 0 && j->size >= j->sent)
		p->eta = (double)(j->size - j->sent) / p->rate;
}

/* ---- text ---- */

static void add_time(struct strbuf *sb, int64_t t)
{
	char buf[32];

	iso_utc(t, buf, sizeof(buf));
	strbuf_addstr(sb, buf);
}

static void add_bytes(struct strbuf *sb, double n)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	int u = 0;

	while (n >= 1000 && u < 4) {
		n /= 1000;
		u++;
	}
	strbuf_addf(sb, u ? "%.1f %s" : "%.0f %s", n, units[u]);
}

static void add_duration(struct strbuf *sb, double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		strbuf_addf(sb, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		strbuf_addf(sb, "%ld:%02ld", t / 60, t % 60);
}

static void add_bar(struct strbuf *sb, const struct progress *p)
{
	int fill = (int)(p->percent * BAR_WIDTH / 100);

	strbuf_addstr(sb, "    [");
	for (int i = 0; i < BAR_WIDTH; i++)
		strbuf_addch(sb, i < fill ? '#' : '.');
	strbuf_addf(sb, "] %3u%%  ", p->percent);
	add_bytes(sb, (double)p->sent);
	strbuf_addstr(sb, " of ");
	add_bytes(sb, (double)p->total);
	if (p->rate >= 0) {
		strbuf_addstr(sb, "  ");
		add_bytes(sb, p->rate);
		strbuf_addstr(sb, "/s");
	}
	if (p->eta >= 0) {
		strbuf_addstr(sb, "  ETA ");
		add_duration(sb, p->eta);
	}
	strbuf_addch(sb, '\n');
}

struct collect {
	struct store *st;
	int64_t now;
	struct strbuf uploads;
	struct job *sched; /* scheduled jobs, copied */
	size_t nsched, asched;
	json_t *queue, *recent; /* --json only */
};

static void keep_scheduled(struct collect *c, const struct job *j)
{
	if (c->nsched == c->asched) {
		c->asched = c->asched ? 2 * c->asched : 8;
		c->sched = xrealloc(c->sched, c->asched * sizeof(*c->sched));
	}
	c->sched[c->nsched++] =
	    (struct job){.id = j->id, .path = xstrdup(j->path), .schedule_at = j->schedule_at};
}

static int by_time(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->schedule_at != y->schedule_at)
		return x->schedule_at < y->schedule_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- json ---- */

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
 * @key_bytes to its exact bytes in base64 (file comment). */
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

static json_t *j_time(int64_t t)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *v;

	if (t <= 0)
		return json_null();
	strbuf_init(&sb);
	add_time(&sb, t);
	v = json_string(strbuf_str(&sb));
	strbuf_release(&sb);
	return v;
}

static json_t *j_item(struct collect *c, const struct job *j)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(j->id));
	j_set_name(o, "path", j->path);
	j_set_name(o, "caption", j->caption_path);
	json_object_set_new(o, "state", json_string(job_state_name(j->state)));
	json_object_set_new(o, "size", json_integer((json_int_t)j->size));
	json_object_set_new(o, "sent", json_integer((json_int_t)j->sent));
	if (j->state == JOB_UPLOADING) {
		struct progress p;
		json_t *po = json_object();

		progress_of(c->st, j, c->now, &p);
		json_object_set_new(po, "sent", json_integer((json_int_t)p.sent));
		json_object_set_new(po, "total", json_integer((json_int_t)p.total));
		json_object_set_new(po, "percent", json_integer(p.percent));
		json_object_set_new(po, "rate_bps", p.rate >= 0 ? json_real(p.rate) : json_null());
		json_object_set_new(po, "eta_seconds",
				    p.eta >= 0 ? json_integer((json_int_t)(p.eta + 0.5))
					       : json_null());
		json_object_set_new(po, "started_at", j_time(p.started_at));
		json_object_set_new(o, "progress", po);
	} else {
		json_object_set_new(o, "progress", json_null());
	}
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
	return o;
}

static json_t *j_account(const char *state_dir)
{
	struct creator_info ci;
	json_t *o, *opts;

	memset(&ci, 0, sizeof(ci));
	if (creator_load(state_dir, &ci) < 0 || !ci.username[0])
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

/* ---- the walk ---- */

static int visit(const struct job *j, void *arg)
{
	struct collect *c = arg;

	if (j->state == JOB_SCHEDULED && j->schedule_at > 0)
		keep_scheduled(c, j);
	if (c->queue) {
		json_array_append_new(job_state_final(j->state) ? c->recent : c->queue,
				      j_item(c, j));
		return 0;
	}
	if (j->state == JOB_UPLOADING) {
		struct progress p;

		progress_of(c->st, j, c->now, &p);
		strbuf_addstr(&c->uploads, "  ");
		esc_text(&c->uploads, j->path);
		strbuf_addch(&c->uploads, '\n');
		add_bar(&c->uploads, &p);
	}
	return 0;
}

static void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->nsched; i++)
		free(c->sched[i].path);
	free(c->sched);
	strbuf_release(&c->uploads);
}

static int print_json(struct store *st, const char *state_dir, int64_t now)
{
	struct collect c = {.st = st, .now = now};
	json_t *root = json_object(), *next = json_array();
	char *text;
	int rc = 0;

	strbuf_init(&c.uploads);
	c.queue = json_array();
	c.recent = json_array();
	if (st && store_each(st, STATUS_RECENT_DEFAULT, visit, &c) < 0) {
		fprintf(stderr, "tiktokfs: cannot read the job store in %s\n", state_dir);
		rc = 1;
	}
	if (c.nsched)
		qsort(c.sched, c.nsched, sizeof(*c.sched), by_time);
	for (size_t i = 0; i < c.nsched; i++) {
		json_t *o = json_object();

		j_set_name(o, "path", c.sched[i].path);
		json_object_set_new(o, "at", j_time(c.sched[i].schedule_at));
		json_array_append_new(next, o);
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "generated_at", j_time(now));
	json_object_set_new(root, "account", j_account(state_dir));
	json_object_set_new(root, "queue", c.queue);
	json_object_set_new(root, "recent", c.recent);
	json_object_set_new(root, "next_scheduled", next);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text && !rc)
		printf("%s\n", text);
	free(text);
	json_decref(root);
	collect_free(&c);
	return rc;
}

static int print_text(struct store *st, const char *state_dir, int64_t now)
{
	struct status_extra x = {.state_dir = state_dir, .now = now};
	struct collect c = {.st = st, .now = now};
	struct strbuf extra = STRBUF_INIT;
	char *text = status_render(st, &x);
	char *tail = strstr(text, "\nGenerated at ");
	int rc = 0;

	strbuf_init(&c.uploads);
	strbuf_init(&extra);
	if (store_each(st, STATUS_RECENT_DEFAULT, visit, &c) < 0)
		rc = 1; /* status_render said so in its text */
	if (c.uploads.len)
		strbuf_addf(&extra, "\nUploads:\n%s", strbuf_str(&c.uploads));
	if (c.nsched) {
		qsort(c.sched, c.nsched, sizeof(*c.sched), by_time);
		strbuf_addstr(&extra, "\nNext scheduled:\n");
		for (size_t i = 0; i < c.nsched && i < 10; i++) {
			strbuf_addstr(&extra, "  ");
			add_time(&extra, c.sched[i].schedule_at);
			strbuf_addstr(&extra, "  ");
			esc_text(&extra, c.sched[i].path);
			strbuf_addch(&extra, '\n');
		}
	}
	if (tail)
		printf("%.*s%s%s", (int)(tail - text), text, strbuf_str(&extra), tail);
	else
		printf("%s%s", text, strbuf_str(&extra));
	free(text);
	strbuf_release(&extra);
	collect_free(&c);
	return rc;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"config", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct config cfg;
	struct tt_error err;
	struct store *st = NULL;
	const char *config = NULL;
	bool json = false;
	struct stat sb;
	char *db = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	tt_error_clear(&err);
	if (config_load(&cfg, config, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return 1;
	}
	log_init((enum log_level)cfg.log_level, false);
	db = xasprintf("%s/jobs.db", cfg.state_dir);
	if (stat(db, &sb) < 0 && errno == ENOENT) {
		/* nothing was ever dropped in: not an error */
		if (json)
			rc = print_json(NULL, cfg.state_dir, now);
		else
			rc = (printf("No items yet.\n") < 0);
		goto out;
	}
	st = store_open_readonly(db, &err);
	if (!st) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		goto out;
	}
	rc = json ? print_json(st, cfg.state_dir, now) : print_text(st, cfg.state_dir, now);
out:
	if (st)
		store_close(st);
	free(db);
	config_free(&cfg);
	return rc;
}

/*
 * Post-ID watches of the posting worker (net/poster_int.h).
 * PUBLISH_COMPLETE may come with no publicaly_available_post_id yet
 * (moderation); SELF_ONLY posts never get one.  Other posts are watched
 * for WATCH_SEC: the dispatcher calls pw_watch_service() between steps and
 * the thread between jobs, and a due watch asks status/fetch once, never
 * waiting for the 30/min window (a watch can wait, a chunk should not).
 * Watches live in memory; at start, posts of the last WATCH_SEC without an
 * ID are watched again (pw_watch_scan).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "meta/config.h"
#include "meta/creator.h"
#include "meta/job/store.h"
#include "meta/tiktok.h"
#include "net/poster_int.h"
#include "util/clock.h"
#include "util/log.h"

void pw_post_url(const struct poster *p, const char *post_id, char *out, size_t size)
{
	out[0] = '\0';
	if (post_id[0] && p->have_ci && p->ci.username[0])
		snprintf(out, size, "https://www.tiktok.com/@%s/video/%s", p->ci.username, post_id);
}

void pw_load_ci(struct poster *p)
{
	if (!p->have_ci && creator_load(p->cfg->state_dir, &p->ci) == 0)
		p->have_ci = true;
}

void pw_watch_add(struct poster *p, int64_t id, const char *publish_id, int64_t until)
{
	struct watch *w;

	if (p->nwatch == MAX_WATCHES) {
		memmove(p->watches, p->watches + 1, sizeof(p->watches[0]) * (MAX_WATCHES - 1));
		p->nwatch--;
	}
	w = &p->watches[p->nwatch++];
	memset(w, 0, sizeof(*w));
	w->id = id;
	snprintf(w->publish_id, sizeof(w->publish_id), "%s", publish_id);
	w->gap = 3.0;
	w->next = mono_now() + w->gap;
	w->until = until;
}

static void watch_remove(struct poster *p, int i)
{
	memmove(p->watches + i, p->watches + i + 1,
		sizeof(p->watches[0]) * (size_t)(p->nwatch - i - 1));
	p->nwatch--;
}

/* Ask about watch @w once; true when its post ID came (it is done). */
static bool watch_poll(struct poster *p, struct watch *w, double now)
{
	struct publish_status ps;
	struct tt_error err;
	char url[256];

	pace_window_note(&p->status_lim, now);
	tt_error_clear(&err);
	w->gap = w->gap * 1.5 > 15 ? 15 : w->gap * 1.5;
	w->next = now + w->gap;
	if (p->io.status(p->io.ctx, w->publish_id, &ps, &err) || !ps.post_id[0])
		return false;
	pw_load_ci(p);
	pw_post_url(p, ps.post_id, url, sizeof(url));
	store_set_result(p->st, w->id, ps.post_id, url[0] ? url : NULL, 0);
	log_info("job %" PRId64 ": public post ID %s", w->id, ps.post_id);
	return true;
}

void pw_watch_service(struct poster *p)
{
	for (int i = 0; i < p->nwatch && !pw_stopping(p); i++) {
		struct watch *w = &p->watches[i];
		double now = mono_now();

		if (pw_now() > w->until) {
			log_info("job %" PRId64
				 ": no public post ID after %d s; TikTok may show it "
				 "after moderation",
				 w->id, WATCH_SEC);
			watch_remove(p, i--);
			continue;
		}
		if (now < w->next || !p->logged_in || pace_window_delay(&p->status_lim, now) > 0)
			continue;
		if (watch_poll(p, w, now))
			watch_remove(p, i--);
	}
}

double pw_watch_next(const struct poster *p)
{
	double next = 0;

	for (int i = 0; i < p->nwatch; i++)
		if (!next || p->watches[i].next < next)
			next = p->watches[i].next;
	return next;
}

int pw_watch_scan(const struct job *j, void *arg)
{
	struct poster *p = arg;
	int64_t until = j->posted_at + WATCH_SEC;

	if (j->state == JOB_POSTED && j->publish_id && (!j->post_id || !j->post_id[0]) &&
	    j->status && !strcmp(j->status, "PUBLISH_COMPLETE") &&
	    !(j->privacy && !strcmp(j->privacy, TIKTOK_PRIVACY_SELF_ONLY)) && until > pw_now())
		pw_watch_add(p, j->id, j->publish_id, until);
	return 0;
}

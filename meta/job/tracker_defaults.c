/*
 * The tracker's side of folder defaults (meta/caption/defaults.h): a
 * .defaults is no item, but every item below its folder depends on it, so
 * an event on one (written, created, renamed to or from, removed) is an
 * event on each of those items: they settle and are validated again, and
 * one that had left waiting (ready, scheduled, invalid) goes back to it
 * first, exactly as when its own caption changes.  Items in flight are
 * left alone (trk_reset_job): TikTok has what their upload started with.
 *
 * Kept apart from tracker.c so that the map and its events stay what
 * they were; tracker.c only hands .defaults paths over.
 */
#include "meta/job/tracker_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "meta/caption/defaults.h"
#include "meta/caption/sidecar.h"
#include "meta/job/drop.h"
#include "util/log.h"
#include "util/strbuf.h"

/* (locked) Touch every video below @dir ("outbox/brand"), in @resets
 * those whose job must go back to waiting. */
static void touch_below(struct tracker *t, const char *dir, double now, struct pathlist *resets)
{
	size_t n = strlen(dir);

	for (size_t b = 0; b < t->nbuckets; b++) {
		for (struct tfile *f = t->tab[BY_PATH][b]; f; f = f->next[BY_PATH]) {
			if (!f->video || strncmp(f->path, dir, n) || f->path[n] != '/')
				continue;
			f->changed = now; /* settles from the edit, as a caption would */
			trk_owners_touched(t, f, resets);
		}
	}
}

void trk_touch_all(struct tracker *t, struct pathlist *resets)
{
	for (size_t b = 0; b < t->nbuckets; b++)
		for (struct tfile *f = t->tab[BY_PATH][b]; f; f = f->next[BY_PATH])
			if (f->video)
				trk_owners_touched(t, f, resets);
}

bool trk_defaults_event(struct tracker *t, const char *path, double now)
{
	struct pathlist resets = {0};
	char *dir;

	if (!dflt_is_defaults_path(path))
		return false;
	dir = xstrndup(path, strlen(path) - strlen(DEFAULTS_NAME));
	if (dir[0] && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	if (drop_in_staging(dir) && drop_dir_visible(dir)) {
		pthread_mutex_lock(&t->mu);
		touch_below(t, dir, now, &resets);
		pthread_mutex_unlock(&t->mu);
		log_debug("%s changed: checking the videos below it again", path);
		trk_run_resets(t, &resets, "its folder's .defaults changed: checking it again");
	}
	free(dir);
	return true;
}

int trk_caption_source(struct tracker *t, const char *video, struct tt_error *err)
{
	struct sidecar sc;
	int rc = dflt_item_caption_at(t->cfg, t->root_fd, video, NULL, &sc, err);

	sidecar_free(&sc);
	return rc;
}

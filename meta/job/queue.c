/*
 * queue/'s planning (see queue.h): the glue between the config's slots,
 * the job store's held slots and the pure planner of meta/job/slots.c.
 * Only the tracker plans (one thread, one item at a time), so two items
 * never take one slot; the poster only reads the time it is given.
 */
#include "meta/job/queue.h"

#include <errno.h>
#include <stdbool.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/caption/tzdb.h"
#include "meta/job/drop.h"
#include "meta/job/slots.h"
#include "meta/tiktok.h"
#include "util/log.h"
#include "util/path.h"
#include "util/strbuf.h"

#define DAY 86400

static const char *conf_name(const struct config *cfg)
{
	return cfg->path ? cfg->path : "the config";
}

static int no_slots(const struct config *cfg, const struct job *j, struct tt_error *err)
{
	tt_error_set(err, ERR_USER,
		     "%s: no posting slots are configured; items in queue/ need them",
		     path_base(j->path));
	tt_error_advise(err,
			"Add a line such as `slots = Mon-Fri 09:00,18:00; Sat 12:00` and "
			"`timezone = Europe/Berlin` to %s and restart tiktokfs, or move the item "
			"to outbox/ to post it now.",
			conf_name(cfg));
	return -ENOENT;
}

/* A random jitter of cfg->slot_jitter minutes; none when OpenSSL cannot
 * give randomness (logged: the slot is still a slot). */
static int64_t pick_jitter(const struct config *cfg)
{
	uint64_t r;

	if (!cfg->slot_jitter)
		return 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1) {
		log_warn("no random number for slot_jitter; the slot is used as it is");
		return 0;
	}
	return slots_jitter(cfg->slot_jitter, r);
}

/* The planner's inputs from the config; 0 or -errno with @err. */
static int plan_inputs(const struct config *cfg, const struct job *j, struct slots *sl,
		       struct slots_plan_in *in, struct tt_error *err)
{
	char why[256];
	int rc;

	memset(in, 0, sizeof(*in));
	if (!cfg->slots || slots_parse(cfg->slots, sl, err) < 0)
		return no_slots(cfg, j, err);
	in->sl = sl;
	if (cfg->timezone && (rc = tzdb_get(cfg->timezone, &in->tz, why, sizeof(why))) < 0) {
		tt_error_set(err, ERR_USER, "%s: the slots' timezone cannot be read: %s",
			     path_base(j->path), why);
		tt_error_advise(err, "Fix `timezone` in %s and restart tiktokfs.", conf_name(cfg));
		return rc;
	}
	in->cap = cfg->mode == POST_DRAFT ? TIKTOK_PENDING_DRAFTS_MAX : TIKTOK_DAILY_POSTS;
	/* jitter moves two slots up to 2N minutes closer: count wider */
	in->window = DAY + 2 * (int64_t)cfg->slot_jitter * 60;
	return 0;
}

static int full(const struct config *cfg, const struct job *j, struct tt_error *err)
{
	tt_error_set(err, ERR_USER, "%s: every posting slot of the next %d days is taken",
		     path_base(j->path), SLOTS_HORIZON_DAYS);
	tt_error_advise(err, "Add slots to `slots` in %s, or remove items from queue/.",
			conf_name(cfg));
	return -ENOSPC;
}

/* queue/ of @j's account, with its slash ("queue/", "accounts/b/queue/"):
 * each account's items share its slots, not another account's (TikTok's
 * daily cap counts per user). */
static void queue_folder(const struct job *j, char *buf, size_t size)
{
	char dir[128];

	if (drop_account_folder(j->account, DROP_QUEUE, dir, sizeof(dir)) < 0)
		snprintf(dir, sizeof(dir), "%s", drop_folder_name(DROP_QUEUE));
	snprintf(buf, size, "%s/", dir);
}

/* Whether another item holds @slot: one that took it while @j was out of
 * queue/ (a slot is freed when its item leaves, and @j came back). */
static bool held_by_other(struct store *st, const struct job *j, int64_t slot)
{
	int64_t *held = NULL;
	size_t n = 0;
	char folder[160];
	bool found = false;

	queue_folder(j, folder, sizeof(folder));
	if (store_slots_held(st, slot, folder, j->id, &held, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = held[i] == slot;
	free(held);
	return found;
}

int queue_plan(struct store *st, const struct config *cfg, const struct job *j, int64_t now,
	       int64_t *at, struct tt_error *err)
{
	struct slots sl;
	struct slots_plan_in in;
	int64_t slot = 0, jitter = 0, *held = NULL;
	size_t nheld = 0;
	char folder[160];
	int rc;

	if (store_get_slot(st, j->id, &slot, &jitter) == 0 && slot > 0 &&
	    !held_by_other(st, j, slot)) {
		*at = slot + jitter; /* planned once: kept, whatever came since */
		return 0;
	}
	rc = plan_inputs(cfg, j, &sl, &in, err);
	if (rc < 0)
		return rc;
	queue_folder(j, folder, sizeof(folder));
	rc = store_slots_held(st, now - in.window, folder, j->id, &held, &nheld);
	if (rc < 0) {
		tt_error_set(err, ERR_RETRY, "%s: cannot read the slots taken: %s",
			     path_base(j->path), strerror(-rc));
		return rc;
	}
	in.after = now;
	in.taken = held;
	in.ntaken = nheld;
	rc = slots_plan(&in, &slot);
	free(held);
	if (rc == -ENOSPC)
		return full(cfg, j, err);
	if (rc < 0)
		return no_slots(cfg, j, err);
	jitter = pick_jitter(cfg);
	rc = store_set_slot(st, j->id, slot, jitter);
	if (rc < 0) {
		tt_error_set(err, ERR_RETRY, "%s: cannot record its slot: %s", path_base(j->path),
			     strerror(-rc));
		return rc;
	}
	*at = slot + jitter;
	return 0;
}

void queue_forget(struct store *st, const struct job *j)
{
	int64_t slot = 0, jitter = 0;

	if (store_get_slot(st, j->id, &slot, &jitter) == 0 && store_set_slot(st, j->id, 0, 0) == 0)
		log_info("%s: left queue/; its slot is free again", j->path);
}

/*
 * Posting slots: the config's `slots` line and the planner that gives an
 * item of queue/ the next free one (docs/contract.md, "queue/").  Pure: no
 * clock, no store, no randomness of its own; meta/job/queue.c feeds it the
 * time, the slots already held and a random number.
 *
 *   slots = Mon-Fri 09:00,18:00; Sat 12:00
 *
 * Groups are separated by ';'.  A group is days and times: days are Mon
 * Tue Wed Thu Fri Sat Sun (case-insensitive, full names too), a range
 * Mon-Fri (Fri-Mon wraps over the weekend), several joined by ',', or
 * "daily"; a group of times alone means every day.  Times are HH:MM,
 * 00:00 to 23:59, joined by ','.
 *
 * A slot is a wall time in the config's zone (NULL zone: UTC), turned into
 * an instant the way caption schedules are (meta/caption/when.c): a wall
 * time that occurs twice (clocks go back) is its first occurrence, and one
 * that does not exist (clocks go forward) moves as much later as the clocks
 * jumped (02:30 on the spring-forward night of Europe/Berlin is 03:30 CEST).
 * Two slots that land on one instant that way are one slot.
 */
#ifndef TIKTOKFS_SLOTS_H
#define TIKTOKFS_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta/caption/tzfile.h"
#include "util/error.h"

#define SLOTS_MINUTES 1440
#define SLOTS_WORDS ((SLOTS_MINUTES + 63) / 64)
/* How far ahead the planner looks before saying every slot is taken. */
#define SLOTS_HORIZON_DAYS 366

/* Which minutes of which weekday (0 = Monday) are slots; a bit set. */
struct slots {
	uint64_t min[7][SLOTS_WORDS];
	int count; /* slots a week */
};

/*
 * Parse @text into @out.  0, or -EINVAL with @err's what a phrase that
 * follows "slots = TEXT: " and names the part refused and the rule, e.g.
 * "25:00 is not a time of day; write HH:MM from 00:00 to 23:59".
 */
int slots_parse(const char *text, struct slots *out, struct tt_error *err);

/* The first slot instant strictly after @after, in zone @tz (NULL: UTC);
 * 0 when @sl has no slot. */
int64_t slots_next(const struct slots *sl, const struct tzfile *tz, int64_t after);

/* What the planner must respect. */
struct slots_plan_in {
	const struct slots *sl;
	const struct tzfile *tz; /* NULL: UTC */
	int64_t after;		 /* plan strictly after this (now) */
	const int64_t *taken;	 /* slots held by other items, and posted ones; any order */
	size_t ntaken;
	int cap;	/* at most this many slots in any @window seconds (<= 0: none) */
	int64_t window; /* 86400, widened by the jitter on both sides */
};

/*
 * The first slot after in->after that no one holds and that keeps every
 * window of in->window seconds around it at in->cap or fewer.  0 with
 * *@at, -ENOENT when there are no slots, -ENOSPC when none is free within
 * SLOTS_HORIZON_DAYS.
 */
int slots_plan(const struct slots_plan_in *in, int64_t *at);

/* The jitter for @minutes (0..SLOTS_JITTER_MAX) from the random @r: a
 * whole number of seconds, uniform in [-minutes*60, +minutes*60]. */
#define SLOTS_JITTER_MAX 720
int64_t slots_jitter(unsigned minutes, uint64_t r);

#endif

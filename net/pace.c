/*
 * Pacing of upload starts (see net/pace.h): a sorted list of init times
 * with their kind, and the two questions asked of it.  Pure and
 * single-threaded (the posting worker owns its struct pace).
 */
#include "net/pace.h"

#include <stdint.h>
#include <string.h>

void pace_init(struct pace *pc)
{
	memset(pc, 0, sizeof(*pc));
}

void pace_expire(struct pace *pc, int64_t now)
{
	int drop = 0;

	while (drop < pc->n && pc->t[drop] <= now - PACE_DAY)
		drop++;
	if (!drop)
		return;
	memmove(pc->t, pc->t + drop, sizeof(pc->t[0]) * (size_t)(pc->n - drop));
	memmove(pc->direct, pc->direct + drop, sizeof(pc->direct[0]) * (size_t)(pc->n - drop));
	pc->n -= drop;
}

void pace_note(struct pace *pc, int64_t at, bool direct)
{
	int i;

	if (pc->n == PACE_MAX) { /* the oldest matters least: it leaves first */
		memmove(pc->t, pc->t + 1, sizeof(pc->t[0]) * (size_t)(pc->n - 1));
		memmove(pc->direct, pc->direct + 1, sizeof(pc->direct[0]) * (size_t)(pc->n - 1));
		pc->n--;
	}
	for (i = pc->n; i > 0 && pc->t[i - 1] > at; i--) {
		pc->t[i] = pc->t[i - 1];
		pc->direct[i] = pc->direct[i - 1];
	}
	pc->t[i] = at;
	pc->direct[i] = direct;
	pc->n++;
}

int pace_count(const struct pace *pc, int64_t now, int64_t window, bool direct_only)
{
	int c = 0;

	for (int i = 0; i < pc->n; i++)
		if (pc->t[i] > now - window && pc->t[i] <= now && (!direct_only || pc->direct[i]))
			c++;
	return c;
}

int64_t pace_next(const struct pace *pc, int64_t now, bool direct)
{
	int64_t next = now;
	int in_window = 0, first = -1;

	if (direct && pc->cap_until > next)
		next = pc->cap_until;
	if (!direct && pc->drafts_until > next)
		next = pc->drafts_until;
	if (pc->hold_until > next)
		next = pc->hold_until;
	/* The per-minute window: the (n-5)th newest init in it must leave. */
	for (int i = 0; i < pc->n; i++) {
		if (pc->t[i] > now - PACE_MINUTE - 1 && pc->t[i] <= now) {
			if (first < 0)
				first = i;
			in_window++;
		}
	}
	if (in_window >= PACE_PER_MINUTE) {
		/* +1: our seconds are truncated, TikTok's are not. */
		int64_t free_at = pc->t[first + in_window - PACE_PER_MINUTE] + PACE_MINUTE + 1;

		if (free_at > next)
			next = free_at;
	}
	return next;
}

int64_t pace_cap_reached(struct pace *pc, int64_t now)
{
	int64_t until = now + PACE_CAP_RECHECK;

	for (int i = 0; i < pc->n; i++) {
		if (pc->direct[i] && pc->t[i] > now - PACE_DAY) {
			int64_t opens = pc->t[i] + PACE_DAY + 1;

			if (opens > now && opens < until)
				until = opens;
			break;
		}
	}
	pc->cap_until = until;
	return until;
}

int64_t pace_drafts_full(struct pace *pc, int64_t now)
{
	pc->drafts_until = now + PACE_CAP_RECHECK;
	return pc->drafts_until;
}

void pace_hold(struct pace *pc, int64_t until)
{
	if (until > pc->hold_until)
		pc->hold_until = until;
}

/* ---- reservations --------------------------------------------------------- */

static void res_drop(struct pace *pc, int i)
{
	memmove(pc->res_job + i, pc->res_job + i + 1,
		sizeof(pc->res_job[0]) * (size_t)(pc->nres - i - 1));
	memmove(pc->res_at + i, pc->res_at + i + 1,
		sizeof(pc->res_at[0]) * (size_t)(pc->nres - i - 1));
	pc->nres--;
}

static int res_find(const struct pace *pc, int64_t job)
{
	for (int i = 0; i < pc->nres; i++)
		if (pc->res_job[i] == job)
			return i;
	return -1;
}

/* Inits and reserved seconds in the minute window ending at @x. */
static int busy_at(const struct pace *pc, int64_t x)
{
	int c = 0;

	for (int i = 0; i < pc->n; i++)
		c += pc->t[i] > x - PACE_MINUTE - 1 && pc->t[i] <= x;
	for (int i = 0; i < pc->nres; i++)
		c += pc->res_at[i] > x - PACE_MINUTE - 1 && pc->res_at[i] <= x;
	return c;
}

/* The first second from @x on whose minute window has room.  Each step
 * moves past the oldest time in the window, so it ends within a few. */
static int64_t first_room(const struct pace *pc, int64_t x)
{
	while (busy_at(pc, x) >= PACE_PER_MINUTE) {
		int64_t oldest = INT64_MAX;

		for (int i = 0; i < pc->n; i++)
			if (pc->t[i] > x - PACE_MINUTE - 1 && pc->t[i] <= x && pc->t[i] < oldest)
				oldest = pc->t[i];
		for (int i = 0; i < pc->nres; i++)
			if (pc->res_at[i] > x - PACE_MINUTE - 1 && pc->res_at[i] <= x &&
			    pc->res_at[i] < oldest)
				oldest = pc->res_at[i];
		x = oldest + PACE_MINUTE + 1;
	}
	return x;
}

/* Keep the reservations in time order: the newest waiter is the last. */
static void res_add(struct pace *pc, int64_t job, int64_t at)
{
	int i;

	if (pc->nres == PACE_RES_MAX)
		return; /* it waits unreserved and asks again at @at */
	for (i = pc->nres; i > 0 && pc->res_at[i - 1] > at; i--) {
		pc->res_job[i] = pc->res_job[i - 1];
		pc->res_at[i] = pc->res_at[i - 1];
	}
	pc->res_job[i] = job;
	pc->res_at[i] = at;
	pc->nres++;
}

int64_t pace_reserve(struct pace *pc, int64_t now, bool direct, int64_t job)
{
	int mine = res_find(pc, job);
	int64_t x, held = 0;

	if (mine >= 0 && pc->res_at[mine] > now)
		return pc->res_at[mine]; /* asked early: its second has not come */
	if (mine >= 0) {
		held = pc->res_at[mine];
		res_drop(pc, mine);
	}
	for (int i = pc->nres - 1; i >= 0; i--)
		if (pc->res_at[i] < now - PACE_RES_GRACE)
			res_drop(pc, i); /* its item was cancelled or is busy elsewhere */
	x = pace_next(pc, now, direct);
	/* Behind everyone who waits, unless this item's own second came. */
	if (mine < 0 && pc->nres > 0 && pc->res_at[pc->nres - 1] > x)
		x = pc->res_at[pc->nres - 1];
	x = first_room(pc, x);
	/* Going now keeps the second until pace_release(): the worker may ask
	 * again before it sends the init, and must get the same answer. */
	res_add(pc, job, x <= now ? (mine >= 0 ? held : now) : x);
	return x <= now ? now : x;
}

void pace_release(struct pace *pc, int64_t job)
{
	int i = res_find(pc, job);

	if (i >= 0)
		res_drop(pc, i);
}

/* ---- sliding windows ------------------------------------------------------ */

void pace_window_init(struct pace_window *w, int max, double window)
{
	memset(w, 0, sizeof(*w));
	w->max = max < PACE_WINDOW_MAX ? max : PACE_WINDOW_MAX;
	w->window = window;
}

double pace_window_delay(struct pace_window *w, double now)
{
	int drop = 0;

	while (drop < w->n && w->t[drop] <= now - w->window)
		drop++;
	if (drop) {
		memmove(w->t, w->t + drop, sizeof(w->t[0]) * (size_t)(w->n - drop));
		w->n -= drop;
	}
	return w->n < w->max ? 0.0 : w->t[0] + w->window - now;
}

void pace_window_note(struct pace_window *w, double now)
{
	if (w->n == PACE_WINDOW_MAX) {
		memmove(w->t, w->t + 1, sizeof(w->t[0]) * (size_t)(w->n - 1));
		w->n--;
	}
	w->t[w->n++] = now;
}

/*
 * Pacing of upload starts (see net/pace.h): a sorted list of init times
 * with their kind, and the two questions asked of it.  Pure and
 * single-threaded (the posting worker owns its struct pace).
 */
#include "net/pace.h"

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

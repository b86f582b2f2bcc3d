/*
 * Posting slots (see slots.h): the parser of the config's `slots` line, the
 * walk from an instant to the next slot in a zone, and the planner.
 *
 * A week of slots is a bit per minute per weekday, so that any spelling of
 * the same slots ("Mon-Fri 09:00; Mon 09:00") is the same set.  The next
 * slot is found by turning each slot's wall time of the days around the
 * instant into an instant of its own and keeping the earliest after it:
 * a DST gap can move a slot past a later one of the same day, so the walk
 * orders instants, never wall times.  The planner skips slots held by
 * others and slots that would put more than the daily cap into some
 * window of 24 hours; the held slots are sorted once so that each
 * candidate costs a binary search.
 */
#include "meta/job/slots.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "meta/caption/tzrule.h"
#include "util/strbuf.h"

#define DAY 86400

static const char *const day_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
					 "friday", "saturday", "sunday"};

/* ---- parsing ---- */

/* 0..6 for "Mon", "monday" ...; -1 otherwise. */
static int day_of(const char *s)
{
	size_t n = strlen(s);

	for (int i = 0; i < 7; i++)
		if ((n == 3 || n == strlen(day_names[i])) && !strncasecmp(s, day_names[i], n))
			return i;
	return -1;
}

static int bad_day(const char *s, struct tt_error *err)
{
	tt_error_set(err, ERR_USER,
		     "%s is not a day; write Mon Tue Wed Thu Fri Sat Sun, a range such as "
		     "Mon-Fri, or daily",
		     s);
	return -EINVAL;
}

/* One day, "daily" or a range A-B into the 7 flags of @days. */
static int parse_day_item(char *s, bool days[7], struct tt_error *err)
{
	char *dash = strchr(s, '-');
	int a, b;

	if (!strcasecmp(s, "daily")) {
		for (int i = 0; i < 7; i++)
			days[i] = true;
		return 0;
	}
	if (dash)
		*dash = '\0';
	if ((a = day_of(str_trim(s))) < 0)
		return bad_day(str_trim(s), err);
	if ((b = dash ? day_of(str_trim(dash + 1)) : a) < 0)
		return bad_day(str_trim(dash + 1), err);
	for (int i = a;; i = (i + 1) % 7) {
		days[i] = true;
		if (i == b)
			break;
	}
	return 0;
}

static int parse_days(char *s, bool days[7], struct tt_error *err)
{
	char *save = NULL;

	for (char *p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (parse_day_item(str_trim(p), days, err) < 0)
			return -EINVAL;
	return 0;
}

/* "9:00" or "09:00" into minutes of the day; -1 when it is none. */
static int minute_of(const char *s)
{
	int h = 0, m = 0, nh = 0;

	for (; isdigit((unsigned char)s[nh]) && nh < 3; nh++)
		h = h * 10 + (s[nh] - '0');
	if (nh < 1 || nh > 2 || s[nh] != ':' || !isdigit((unsigned char)s[nh + 1]) ||
	    !isdigit((unsigned char)s[nh + 2]) || s[nh + 3])
		return -1;
	m = (s[nh + 1] - '0') * 10 + (s[nh + 2] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static int parse_times(char *s, const bool days[7], struct slots *out, struct tt_error *err)
{
	char *save = NULL;

	for (char *p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int m = minute_of(str_trim(p));

		if (m < 0) {
			tt_error_set(err, ERR_USER,
				     "%s is not a time of day; write HH:MM from 00:00 to 23:59", p);
			return -EINVAL;
		}
		for (int d = 0; d < 7; d++) {
			uint64_t bit = (uint64_t)1 << (m % 64);

			if (days[d] && !(out->min[d][m / 64] & bit)) {
				out->min[d][m / 64] |= bit;
				out->count++;
			}
		}
	}
	return 0;
}

/* "Mon-Fri 09:00,18:00" or "12:00" (every day). */
static int parse_group(char *g, struct slots *out, struct tt_error *err)
{
	bool days[7] = {false};
	char *times = g;
	size_t n = strcspn(g, " \t");

	if (!memchr(g, ':', n)) {
		if (!g[n]) {
			tt_error_set(err, ERR_USER,
				     "\"%s\" has no time; write days and times "
				     "such as Mon-Fri 09:00,18:00",
				     g);
			return -EINVAL;
		}
		g[n] = '\0';
		times = str_trim(g + n + 1);
		if (parse_days(g, days, err) < 0)
			return -EINVAL;
	} else {
		for (int i = 0; i < 7; i++)
			days[i] = true;
	}
	return parse_times(times, days, out, err);
}

int slots_parse(const char *text, struct slots *out, struct tt_error *err)
{
	char *copy = xstrdup(text ? text : "");
	char *save = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (char *g = strtok_r(copy, ";", &save); g && rc == 0; g = strtok_r(NULL, ";", &save))
		if (*(g = str_trim(g)))
			rc = parse_group(g, out, err);
	if (rc == 0 && out->count == 0) {
		tt_error_set(err, ERR_USER,
			     "names no slot; write days and times such as "
			     "Mon-Fri 09:00,18:00; Sat 12:00");
		rc = -EINVAL;
	}
	free(copy);
	return rc;
}

/* ---- from wall time to instants ---- */

/* The instant of wall time @wall (seconds as if UTC) in @tz: the first
 * occurrence when it is ambiguous; in a gap, as much later as the clocks
 * jumped (the offset in force before the gap applies). */
static int64_t wall_to_utc(const struct tzfile *tz, int64_t wall)
{
	int64_t best = 0;
	bool found = false;

	if (!tz)
		return wall;
	for (int i = -1; i <= 1; i++) {
		int32_t o = tzfile_offset(tz, wall + i * DAY);
		int64_t t = wall - o;

		if (tzfile_offset(tz, t) == o && (!found || t < best)) {
			best = t;
			found = true;
		}
	}
	return found ? best : wall - tzfile_offset(tz, wall - DAY);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The earliest slot of local day @day (days since 1970-01-01) after @after,
 * or 0. */
static int64_t day_next(const struct slots *sl, const struct tzfile *tz, int64_t day, int64_t after)
{
	int wd = (int)((day % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
	int64_t best = 0;

	for (int w = 0; w < SLOTS_WORDS; w++) {
		for (uint64_t bits = sl->min[wd][w]; bits; bits &= bits - 1) {
			int m = w * 64 + __builtin_ctzll(bits);
			int64_t t = wall_to_utc(tz, day * DAY + (int64_t)m * 60);

			if (t > after && (!best || t < best))
				best = t;
		}
	}
	return best;
}

int64_t slots_next(const struct slots *sl, const struct tzfile *tz, int64_t after)
{
	int64_t local = after + (tz ? tzfile_offset(tz, after) : 0);
	int64_t d0 = floor_div(local, DAY), best = 0, best_day = 0;

	if (!sl->count)
		return 0;
	/* A day's slots may move by a DST jump into the next day's: look one
	 * day beyond the first day that has one. */
	for (int64_t d = d0 - 1; d <= d0 + 8; d++) {
		int64_t t;

		if (best && d > best_day + 1)
			break;
		t = day_next(sl, tz, d, after);
		if (t && (!best || t < best)) {
			best = t;
			best_day = d;
		}
	}
	return best;
}

/* ---- planning ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The first index of @v (sorted, @n long) whose value is >= @x. */
static size_t lower_bound(const int64_t *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Would @t keep every window of @in->window seconds that holds it at the
 * cap or under?  A fullest window can be slid to start at one of its
 * slots, so the windows that start at @t or at a held slot before it are
 * all there is to count. */
static bool cap_ok(const struct slots_plan_in *in, const int64_t *v, size_t n, int64_t t)
{
	size_t lo = lower_bound(v, n, t - in->window + 1);
	size_t mid = lower_bound(v, n, t + 1);

	if (in->cap <= 0)
		return true;
	for (size_t i = lo; i <= mid; i++) {
		int64_t start = i < mid ? v[i] : t;
		size_t end = lower_bound(v, n, start + in->window);
		size_t first = i < mid ? i : mid;

		if ((int64_t)(end - first) + 1 > in->cap)
			return false;
	}
	return true;
}

int slots_plan(const struct slots_plan_in *in, int64_t *at)
{
	int64_t *v = NULL, t = in->after;
	int64_t horizon = in->after + (int64_t)SLOTS_HORIZON_DAYS * DAY;
	size_t n = in->ntaken;
	int rc = -ENOSPC;

	if (!in->sl->count)
		return -ENOENT;
	if (n) {
		v = xmalloc(n * sizeof(*v));
		memcpy(v, in->taken, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_i64);
	}
	while ((t = slots_next(in->sl, in->tz, t)) && t <= horizon) {
		size_t i = lower_bound(v, n, t);

		if (i < n && v[i] == t)
			continue; /* held */
		if (!cap_ok(in, v, n, t))
			continue;
		*at = t;
		rc = 0;
		break;
	}
	free(v);
	return rc;
}

int64_t slots_jitter(unsigned minutes, uint64_t r)
{
	int64_t half;

	if (minutes > SLOTS_JITTER_MAX)
		minutes = SLOTS_JITTER_MAX;
	half = (int64_t)minutes * 60;
	return (int64_t)(r % (uint64_t)(2 * half + 1)) - half;
}

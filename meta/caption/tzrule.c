/*
 * POSIX TZ rule strings (see tzrule.h for the forms).  The grammar is that
 * of POSIX with the two extensions RFC 8536 §3.3.1 allows in TZif footers:
 * a transition time may be negative and go up to 167 hours.  A string with
 * a summer-time name but no dates gets the US rules, as glibc and tzcode
 * do.  Characters are tested as ASCII, not through <ctype.h>, so that the
 * locale cannot change what parses.
 *
 * tzrule_at() finds the last change of clock at or before t among the
 * changes of four years around t's year; at most one change falls in each
 * year per direction, and with year y-2 included one always precedes t.
 * Two changes at the same instant happen when summer time lasts all year
 * ("EST5EDT,0/0,J365/25": it ends on Dec 31 at 25:00 as the next year's
 * begins): the one later in the sequence of changes wins.
 */
#include "meta/caption/tzrule.h"

#include <errno.h>
#include <string.h>

#define HOUR 3600
#define DAY 86400
#define T_LIMIT ((int64_t)1 << 56) /* far beyond any calendar; no overflow */

struct cursor {
	const char *p, *end;
};

static int peek(const struct cursor *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 1 to @maxd digits, at most @max. */
static int number(struct cursor *c, int maxd, int max, int *out)
{
	int v = 0, n = 0;

	while (n < maxd && is_digit(peek(c))) {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	if (!n || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits,
 * '+' and '-'. */
static int abbr(struct cursor *c, char *out)
{
	bool quoted = peek(c) == '<';
	size_t n = 0;
	int ch;

	if (quoted)
		c->p++;
	while ((ch = peek(c)) >= 0 &&
	       (is_alpha(ch) || (quoted && (is_digit(ch) || ch == '+' || ch == '-')))) {
		if (n + 1 >= TZ_ABBR_MAX)
			return -EINVAL;
		out[n++] = (char)ch;
		c->p++;
	}
	if (quoted && peek(c) != '>')
		return -EINVAL;
	if (quoted)
		c->p++;
	out[n] = '\0';
	return n >= 3 ? 0 : -EINVAL;
}

/* [+-]hh[:mm[:ss]] with hh at most @max_h: seconds, signed as written. */
static int hms(struct cursor *c, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (peek(c) == '+' || peek(c) == '-')
		sign = *c->p++ == '-' ? -1 : 1;
	if (number(c, 3, max_h, &h))
		return -EINVAL;
	if (peek(c) == ':') {
		c->p++;
		if (number(c, 2, 59, &m))
			return -EINVAL;
		if (peek(c) == ':') {
			c->p++;
			if (number(c, 2, 59, &s))
				return -EINVAL;
		}
	}
	*out = sign * (h * HOUR + m * 60 + s);
	return 0;
}

/* m.w.d after the 'M'. */
static int month_week_day(struct cursor *c, struct tzrule_date *d)
{
	if (number(c, 2, 12, &d->m) || d->m < 1 || peek(c) != '.')
		return -EINVAL;
	c->p++;
	if (number(c, 1, 5, &d->w) || d->w < 1 || peek(c) != '.')
		return -EINVAL;
	c->p++;
	return number(c, 1, 6, &d->d);
}

/* Jn, n or Mm.w.d, then an optional /time (02:00 when absent). */
static int rule_date(struct cursor *c, struct tzrule_date *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->secs = 2 * HOUR;
	if (peek(c) == 'J') {
		c->p++;
		d->kind = 'J';
		rc = number(c, 3, 365, &d->n) || d->n < 1;
	} else if (peek(c) == 'M') {
		c->p++;
		d->kind = 'M';
		rc = month_week_day(c, d);
	} else {
		d->kind = 'D';
		rc = number(c, 3, 365, &d->n);
	}
	if (rc)
		return -EINVAL;
	if (peek(c) == '/') {
		c->p++;
		return hms(c, 167, &d->secs);
	}
	return 0;
}

/* Offsets are written west of UTC, hours 0..24 (POSIX). */
static int offset(struct cursor *c, int32_t *east)
{
	int32_t west;

	if (hms(c, 24, &west))
		return -EINVAL;
	*east = -west;
	return 0;
}

static int rules(struct cursor *c, struct tzrule *r)
{
	if (peek(c) < 0) { /* no dates: the US rules, like glibc and tzcode */
		r->start = (struct tzrule_date){ 'M', 0, 3, 2, 0, 2 * HOUR };
		r->end = (struct tzrule_date){ 'M', 0, 11, 1, 0, 2 * HOUR };
		return 0;
	}
	if (peek(c) != ',')
		return -EINVAL;
	c->p++;
	if (rule_date(c, &r->start) || peek(c) != ',')
		return -EINVAL;
	c->p++;
	return rule_date(c, &r->end);
}

int tzrule_parse(const char *s, size_t len, struct tzrule *r)
{
	struct cursor c = { s, s + len };

	memset(r, 0, sizeof(*r));
	if (abbr(&c, r->std_abbr) || offset(&c, &r->std_off))
		return -EINVAL;
	if (peek(&c) < 0)
		return 0;
	if (abbr(&c, r->dst_abbr))
		return -EINVAL;
	r->has_dst = true;
	r->dst_off = r->std_off + HOUR;
	if (peek(&c) >= 0 && peek(&c) != ',' && offset(&c, &r->dst_off))
		return -EINVAL;
	if (rules(&c, r) || peek(&c) >= 0)
		return -EINVAL;
	return 0;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return (m == 2 && is_leap(y)) ? 29 : dm[m - 1];
}

/* Days since the epoch of @d's day in year @y. */
static int64_t date_day(const struct tzrule_date *d, int64_t y)
{
	int64_t jan1 = tz_days_from_civil(y, 1, 1), first, day;
	int wd;

	if (d->kind == 'J')
		return jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
	if (d->kind == 'D')
		return jan1 + d->n;
	first = tz_days_from_civil(y, d->m, 1);
	wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	day = first + (d->d - wd + 7) % 7 + (int64_t)(d->w - 1) * 7;
	while (day >= first + days_in_month(y, d->m))
		day -= 7; /* week 5 means the last such weekday */
	return day;
}

/* The instant of change @d in year @y, when the clock read @off before it. */
static int64_t change_at(const struct tzrule_date *d, int64_t y, int32_t off)
{
	return date_day(d, y) * DAY + d->secs - off;
}

void tzrule_at(const struct tzrule *r, int64_t t, struct tz_local *out)
{
	int64_t y, best_t = 0, best_key = 0;
	bool found = false, dst = false, south;
	int m, d;

	if (t > T_LIMIT)
		t = T_LIMIT;
	if (t < -T_LIMIT)
		t = -T_LIMIT;
	if (r->has_dst) {
		int64_t lt = t + r->std_off;

		tz_civil_from_days((lt >= 0 ? lt : lt - (DAY - 1)) / DAY, &y, &m, &d);
		south = change_at(&r->start, y, r->std_off) > change_at(&r->end, y, r->dst_off);
		for (int64_t yy = y - 2; yy <= y + 1; yy++) {
			for (int end = 0; end < 2; end++) {
				int64_t at = end ? change_at(&r->end, yy, r->dst_off)
						 : change_at(&r->start, yy, r->std_off);
				/* order of the changes: start, end in the north */
				int64_t key = 2 * yy + (south ? !end : end);

				if (at > t ||
				    (found && (at < best_t || (at == best_t && key < best_key))))
					continue;
				found = true;
				best_t = at;
				best_key = key;
				dst = !end;
			}
		}
	}
	out->isdst = dst;
	out->utoff = dst ? r->dst_off : r->std_off;
	out->abbr = dst ? r->dst_abbr : r->std_abbr;
}

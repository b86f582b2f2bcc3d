/*
 * TZif files (RFC 8536).  A file is a 44-byte header, a data block with
 * 32-bit times, and from version 2 on a second header, a block with 64-bit
 * times and a footer "\n<TZ rule>\n".  A version 1 file is read from its
 * only block; a later one from its second, the first being skipped by the
 * size its own header gives.  Every count comes from the file, so each size
 * is computed in 64 bits from 32-bit counts (no overflow) and checked
 * against the bytes left before anything is read; every index a block
 * holds (a transition's time type, a type's abbreviation) is checked
 * against its table, and the transitions must ascend, so that lookups need
 * no check and cannot go astray.
 *
 * Local time before the first transition is that of time type 0 (RFC 8536
 * §3.2); from the last transition on, that of the footer's rule when there
 * is one, else of the last transition's type.
 */
#include "meta/caption/tzfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_SIZE 44
#define UTOFF_MIN (-89999) /* -24:59:59 .. +25:59:59, RFC 8536 §3.2 */
#define UTOFF_MAX 93599

struct tz_type {
	int32_t utoff;
	bool isdst;
	uint32_t desig; /* index of its abbreviation in chars */
};

struct tzfile {
	uint32_t timecnt, typecnt, charcnt;
	int64_t *trans; /* timecnt instants, ascending */
	uint8_t *idx;	/* timecnt indices into types */
	struct tz_type *types;
	char *chars; /* charcnt bytes of NUL-terminated abbreviations */
	bool has_rule;
	struct tzrule rule;
};

struct tzif_counts {
	unsigned char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int header(const uint8_t *p, size_t avail, struct tzif_counts *h, char *why, size_t why_size)
{
	if (avail < HDR_SIZE) {
		snprintf(why, why_size, "it ends inside a header (%zu of %d bytes)", avail,
			 HDR_SIZE);
		return -EBADMSG;
	}
	if (memcmp(p, "TZif", 4)) {
		snprintf(why, why_size, "it is not a TZif file (no \"TZif\" at its start)");
		return -EBADMSG;
	}
	h->version = p[4];
	if (h->version != 0 && h->version < '2') {
		snprintf(why, why_size, "its TZif version byte 0x%02x is unknown", h->version);
		return -EBADMSG;
	}
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return 0;
}

/* Bytes of the data block @h announces, with times of @tsize bytes. */
static uint64_t block_size(const struct tzif_counts *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
	       (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* The counts of the block that is read must describe a usable zone. */
static int check_counts(const struct tzif_counts *h, char *why, size_t why_size)
{
	if (h->typecnt == 0 || h->typecnt > 256) {
		snprintf(why, why_size, "it has %u time types (1 to 256 are possible)", h->typecnt);
		return -EBADMSG;
	}
	if (h->charcnt == 0) {
		snprintf(why, why_size, "it has no room for zone abbreviations");
		return -EBADMSG;
	}
	if ((h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt)) {
		snprintf(why, why_size,
			 "its indicator counts (%u, %u) do not match its %u time "
			 "types",
			 h->isstdcnt, h->isutcnt, h->typecnt);
		return -EBADMSG;
	}
	return 0;
}

static int read_transitions(struct tzfile *tz, const uint8_t *p, unsigned tsize, char *why,
			    size_t why_size)
{
	for (uint32_t i = 0; i < tz->timecnt; i++) {
		const uint8_t *q = p + (size_t)i * tsize;

		tz->trans[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
		if (i && tz->trans[i] <= tz->trans[i - 1]) {
			snprintf(why, why_size,
				 "its transition %u is not later than the one "
				 "before",
				 i);
			return -EBADMSG;
		}
	}
	p += (size_t)tz->timecnt * tsize;
	for (uint32_t i = 0; i < tz->timecnt; i++) {
		tz->idx[i] = p[i];
		if (p[i] >= tz->typecnt) {
			snprintf(why, why_size, "its transition %u names time type %u of %u", i,
				 p[i], tz->typecnt);
			return -EBADMSG;
		}
	}
	return 0;
}

static int read_types(struct tzfile *tz, const uint8_t *p, char *why, size_t why_size)
{
	const uint8_t *chars = p + (size_t)tz->typecnt * 6;

	memcpy(tz->chars, chars, tz->charcnt);
	for (uint32_t i = 0; i < tz->typecnt; i++, p += 6) {
		struct tz_type *ty = &tz->types[i];

		ty->utoff = (int32_t)be32(p);
		ty->isdst = p[4];
		ty->desig = p[5];
		if (ty->utoff < UTOFF_MIN || ty->utoff > UTOFF_MAX || p[4] > 1) {
			snprintf(why, why_size,
				 "its time type %u has offset %d s (at most 25 "
				 "hours are possible) or a bad DST flag",
				 i, (int)ty->utoff);
			return -EBADMSG;
		}
		if (ty->desig >= tz->charcnt ||
		    !memchr(tz->chars + ty->desig, '\0', tz->charcnt - ty->desig)) {
			snprintf(why, why_size,
				 "the abbreviation of its time type %u lies "
				 "outside its %u bytes of abbreviations",
				 i, tz->charcnt);
			return -EBADMSG;
		}
	}
	return 0;
}

/* The data block at @p, already known to hold block_size(@h, @tsize) bytes. */
static int read_block(struct tzfile *tz, const struct tzif_counts *h, const uint8_t *p,
		      unsigned tsize, char *why, size_t why_size)
{
	tz->timecnt = h->timecnt;
	tz->typecnt = h->typecnt;
	tz->charcnt = h->charcnt;
	tz->trans = calloc(h->timecnt ? h->timecnt : 1, sizeof(*tz->trans));
	tz->idx = calloc(h->timecnt ? h->timecnt : 1, 1);
	tz->types = calloc(h->typecnt, sizeof(*tz->types));
	tz->chars = malloc(h->charcnt);
	if (!tz->trans || !tz->idx || !tz->types || !tz->chars)
		return -ENOMEM;
	if (read_transitions(tz, p, tsize, why, why_size))
		return -EBADMSG;
	/* leap second records and indicators follow the types: not needed */
	return read_types(tz, p + (size_t)h->timecnt * (tsize + 1), why, why_size);
}

/* "\n<rule>\n" after the 64-bit block; an empty rule means none. */
static int read_footer(struct tzfile *tz, const uint8_t *p, size_t avail, char *why,
		       size_t why_size)
{
	const uint8_t *nl;

	if (!avail || p[0] != '\n' || !(nl = memchr(p + 1, '\n', avail - 1))) {
		snprintf(why, why_size,
			 "its footer (the rule for later years) is missing or "
			 "cut short");
		return -EBADMSG;
	}
	if (nl == p + 1)
		return 0;
	if (tzrule_parse((const char *)p + 1, (size_t)(nl - p - 1), &tz->rule)) {
		snprintf(why, why_size,
			 "its footer (the rule for later years) is not a POSIX "
			 "TZ string");
		return -EBADMSG;
	}
	tz->has_rule = true;
	return 0;
}

static int need(size_t avail, uint64_t size, size_t at, char *why, size_t why_size)
{
	if (size <= avail)
		return 0;
	snprintf(why, why_size, "it ends after %zu bytes; its header announces %llu", at + avail,
		 (unsigned long long)(at + size));
	return -EBADMSG;
}

int tzfile_parse(const void *data, size_t size, struct tzfile **out, char *why, size_t why_size)
{
	const uint8_t *p = data;
	struct tzif_counts h;
	struct tzfile *tz = NULL;
	unsigned tsize = 4;
	size_t at = HDR_SIZE;
	uint64_t len;
	int rc;

	*out = NULL;
	if ((rc = header(p, size, &h, why, why_size)))
		goto out;
	len = block_size(&h, 4);
	if (h.version) { /* skip the 32-bit block: the second header follows it */
		if ((rc = need(size - at, len + HDR_SIZE, at, why, why_size)) ||
		    (rc = header(p + at + len, size - at - len, &h, why, why_size)))
			goto out;
		at += len + HDR_SIZE;
		tsize = 8;
		len = block_size(&h, 8);
	}
	if ((rc = check_counts(&h, why, why_size)) ||
	    (rc = need(size - at, len, at, why, why_size)))
		goto out;
	rc = -ENOMEM;
	if (!(tz = calloc(1, sizeof(*tz))))
		goto out;
	if ((rc = read_block(tz, &h, p + at, tsize, why, why_size)))
		goto out;
	at += len;
	if (tsize == 8 && (rc = read_footer(tz, p + at, size - at, why, why_size)))
		goto out;
	*out = tz;
	tz = NULL;
out:
	if (rc == -ENOMEM)
		snprintf(why, why_size, "out of memory");
	tzfile_free(tz);
	return rc;
}

void tzfile_free(struct tzfile *tz)
{
	if (!tz)
		return;
	free(tz->trans);
	free(tz->idx);
	free(tz->types);
	free(tz->chars);
	free(tz);
}

void tzfile_at(const struct tzfile *tz, int64_t t, struct tz_local *out)
{
	const struct tz_type *ty = &tz->types[0];
	uint32_t lo = 0, hi = tz->timecnt;

	if (tz->has_rule && (!tz->timecnt || t >= tz->trans[tz->timecnt - 1])) {
		tzrule_at(&tz->rule, t, out);
		return;
	}
	if (tz->timecnt && t >= tz->trans[0]) {
		while (hi - lo > 1) { /* trans[lo] <= t < trans[hi] */
			uint32_t mid = lo + (hi - lo) / 2;

			if (tz->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		ty = &tz->types[tz->idx[lo]];
	}
	out->utoff = ty->utoff;
	out->isdst = ty->isdst;
	out->abbr = tz->chars + ty->desig;
}

int32_t tzfile_offset(const struct tzfile *tz, int64_t t)
{
	struct tz_local l;

	tzfile_at(tz, t, &l);
	return l.utoff;
}

/*
 * libFuzzer target for the TZif reader (meta/caption/tzfile.c) and the POSIX TZ
 * rule parser behind its footer (meta/caption/tzrule.c).  Each input is parsed as
 * a whole TZif file and, separately, as a bare TZ rule string, so that the
 * rule parser sees every mutation and not only those that keep a TZif
 * container intact.  Never a crash, a leak or undefined behaviour; and the
 * promises hold: a refusal is -EBADMSG (or -ENOMEM) and says why; a parsed
 * zone answers for any instant, including the extremes of int64_t, with an
 * offset within the -24:59:59..+25:59:59 RFC 8536 allows and a readable
 * abbreviation.
 */
#include "meta/caption/tzfile.h"
#include "meta/caption/tzrule.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t instants[] = {
	INT64_MIN, -((int64_t)1 << 59), -2208988800, -1, 0, 1, 946684800, 1796144400,
	2147483647, 2147483648, 4102444800, (int64_t)1 << 40, INT64_MAX,
};

static void check_local(const struct tz_local *l)
{
	if (l->utoff < -89999 || l->utoff > 93599 || !l->abbr)
		abort();
	if (strnlen(l->abbr, 4096) == 4096)
		abort();
}

/* The instants above, and one taken from the input so transitions are hit. */
static void query(const struct tzfile *tz, const struct tzrule *r, const uint8_t *data,
		  size_t size)
{
	struct tz_local l;
	int64_t own = 0;

	if (size >= 8)
		memcpy(&own, data + size - 8, 8);
	for (size_t i = 0; i <= sizeof(instants) / sizeof(instants[0]); i++) {
		int64_t t = i < sizeof(instants) / sizeof(instants[0]) ? instants[i] : own;

		if (tz)
			tzfile_at(tz, t, &l);
		else
			tzrule_at(r, t, &l);
		check_local(&l);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tzfile *tz = NULL;
	struct tzrule r;
	char why[256];
	int rc;

	why[0] = '\0';
	rc = tzfile_parse(data, size, &tz, why, sizeof(why));
	if (rc) {
		if ((rc != -EBADMSG && rc != -ENOMEM) || !why[0] || tz)
			abort();
	} else {
		query(tz, NULL, data, size);
		tzfile_free(tz);
	}
	if (!tzrule_parse((const char *)data, size, &r))
		query(NULL, &r, data, size);
	return 0;
}

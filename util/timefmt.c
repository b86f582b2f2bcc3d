/*
 * ISO 8601 in UTC, the one time format people and TikTok read
 * (util/timefmt.h).
 */
#include "util/timefmt.h"

#include <stdio.h>
#include <time.h>

void iso_utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)t);
}

/*
 * Schedule times as people write them in a caption's `schedule:` line:
 *
 *   2026-12-01 18:00 Europe/Berlin        wall time in an IANA zone
 *   2026-12-01T18:00:00+01:00             ISO 8601 with an offset
 *   2026-12-01 18:00:00Z   ...+0100       seconds optional, T or space
 *
 * A zone name must exist in the system tz database (TZDIR or
 * /usr/share/zoneinfo); the conversion is DST-correct, from the zone's
 * file read by meta/caption/tzfile.c.  A wall time that does not exist in its zone
 * (the hour skipped when clocks go forward) is an error; one that occurs
 * twice (the hour repeated when clocks go back) means its first occurrence,
 * the one still on summer time.  A time with neither zone nor offset is an
 * error: a NAS's own zone is rarely the one the user had in mind.
 */
#ifndef TIKTOKFS_WHEN_H
#define TIKTOKFS_WHEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/*
 * Parse @s (surrounding whitespace ignored).  Returns 0 with *@at in unix
 * seconds UTC and *@ambiguous (may be NULL) true when a zone's wall time
 * occurred twice and the first was taken.  Returns -EINVAL with @err
 * (class ERR_USER) whose what is a phrase that follows the quoted input
 * and says how to write it, e.g. `is not a date; write 2026-12-01 18:00
 * Europe/Berlin or 2026-12-01T18:00+01:00`; a zone whose file cannot be
 * read gives the read's -errno, said the same way.
 *
 * Thread-safe, and it never touches the process's environment: a zone's
 * rules come from its TZif file (meta/caption/tzdb.h), not from localtime() with TZ
 * switched.  A zone file that cannot be read is an error naming the zone.
 */
int when_parse(const char *s, int64_t *at, bool *ambiguous, struct tt_error *err);

/* "2026-12-01 17:00:00 UTC" */
void when_format_utc(int64_t at, char *buf, size_t size);
/* The same in the process's local zone: "2026-12-01 18:00:00 CET". */
void when_format_local(int64_t at, char *buf, size_t size);

/* The mutex when_format_local() holds around localtime_r(), for other
 * callers of the C library's local-time functions. */
void when_lock(void);
void when_unlock(void);

#endif

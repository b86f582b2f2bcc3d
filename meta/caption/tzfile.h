/*
 * A reader of the tz database's compiled files, TZif (RFC 8536, versions 1
 * to 4), so that a zone's local time can be computed for any zone without
 * switching the process's TZ.  A parsed zone is immutable: any number of
 * threads may query one at once.
 *
 * Only what local time needs is kept: the transitions, their time types
 * and the footer's TZ rule for instants after the last transition.  Leap
 * second records are skipped (the "right/" zones count leap seconds in
 * their transition times; the difference is under a minute), as are the
 * standard/wall and UT/local indicators, which only matter to programs
 * building rules from a TZ string and a posixrules file.
 */
#ifndef TIKTOKFS_TZFILE_H
#define TIKTOKFS_TZFILE_H

#include "meta/caption/tzrule.h"

#include <stddef.h>
#include <stdint.h>

struct tzfile;

/*
 * Parse the @size bytes at @data.  0 with *@out set (caller frees with
 * tzfile_free), or -EBADMSG with @why saying what is wrong in words ("it
 * ends after 120 bytes; its header announces 1306") or -ENOMEM.  Any byte
 * sequence gives one or the other, never a crash.
 */
int tzfile_parse(const void *data, size_t size, struct tzfile **out, char *why, size_t why_size);

void tzfile_free(struct tzfile *tz);

/* Local time in zone @tz at @t (unix seconds).  out->abbr points into @tz. */
void tzfile_at(const struct tzfile *tz, int64_t t, struct tz_local *out);

/* The offset east of UTC, in seconds, in force at @t. */
int32_t tzfile_offset(const struct tzfile *tz, int64_t t);

#endif

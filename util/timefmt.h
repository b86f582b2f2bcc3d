/*
 * Times as people and TikTok read them: ISO 8601 in UTC,
 * "2026-11-30T18:00:00Z", the one format of xattrs, STATUS.txt, status
 * --json and hooks' variables.  Two other forms are kept on purpose: the
 * log's stamp is the time of day with milliseconds (util/log.c), and a
 * schedule time is shown to people as "2026-12-01 17:00:00 UTC" or in
 * their zone (meta/caption/when.h), the way they wrote it.
 */
#ifndef TIKTOKFS_TIMEFMT_H
#define TIKTOKFS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define ISO_UTC_SIZE sizeof("2026-11-30T18:00:00Z")

/* Unix seconds @t as ISO 8601 UTC in @buf (ISO_UTC_SIZE bytes suffice);
 * a time gmtime cannot break down is written as its decimal number. */
void iso_utc(int64_t t, char *buf, size_t size);

#endif

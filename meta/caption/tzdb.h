/*
 * Zones of the system's tz database by name ("Europe/Berlin"), read from
 * $TZDIR or /usr/share/zoneinfo with meta/caption/tzfile.c and kept parsed, so
 * that schedule times convert in any zone without touching the process's
 * environment (setenv("TZ") in a threaded daemon races every getenv(),
 * including posix_spawn's reading of environ for hooks).
 *
 * Names come from captions, written by untrusted people, and the daemon
 * runs as root: a name is taken only when it looks like a zone name (see
 * tzdb_name_valid), and only a regular TZif file is read.
 */
#ifndef TIKTOKFS_TZDB_H
#define TIKTOKFS_TZDB_H

#include "meta/caption/tzfile.h"

#include <stdbool.h>
#include <stddef.h>

/* A name the tz database could hold: 1 to 64 characters of letters,
 * digits, '_', '+', '-' in components separated by single '/', neither
 * starting nor ending with '/', and no ".." (nor any '.'). */
bool tzdb_name_valid(const char *zone);

/*
 * The parsed zone @zone.  0 with *@tz set, borrowed: it stays valid and
 * unchanged for the life of the process (a zone file replaced by a tzdata
 * update is read again; the old parse is kept for threads still using it).
 * Otherwise -EINVAL (not a zone name), -ENOENT (no such zone: no file, or
 * a directory), -EBADMSG (the file is not a sound TZif file), -EFBIG,
 * -ENOMEM or another -errno of open/read, with @why a phrase naming the
 * zone and what is wrong, e.g. "Europe/Berlin: its footer (the rule for
 * later years) is not a POSIX TZ string".  Thread-safe.
 */
int tzdb_get(const char *zone, const struct tzfile **tz, char *why, size_t why_size);

#endif

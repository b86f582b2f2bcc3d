/*
 * The mount point, checked and made absolute before anything is mounted.
 *
 * Why absolute: libfuse keeps the path it mounted on to unmount it at the
 * end, and the daemon changes to / once it runs (cmd/daemon.h).  A
 * relative path then names another directory, the unmount fails, and the
 * mount stays behind dead ("Transport endpoint is not connected").
 *
 * Why the stale check: a mount whose daemon died (kill -9, a crash) answers
 * every stat with ENOTCONN; mounting on it again cannot work, and the one
 * thing to do is to clear it, which the message says.
 */
#ifndef TIKTOKFS_MOUNTPOINT_H
#define TIKTOKFS_MOUNTPOINT_H

#include "util/error.h"

/*
 * @arg is the mount point as given.  0 and *@abs its absolute path with
 * links resolved (caller frees), or -errno with @err saying what is wrong
 * and what to do: -ENOTCONN for a stale FUSE mount, -ENOTDIR for something
 * that is not a directory, the stat error otherwise.
 */
int mountpoint_resolve(const char *arg, char **abs, struct tt_error *err);

#endif

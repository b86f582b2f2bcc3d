/*
 * `tiktokfs status --health`: whether the daemon serving a state_dir is
 * healthy, for a container's health check or a monitor.  Healthy means a
 * daemon (mount or watch) holds state_dir/daemon.lock, and a TikTok login
 * is saved there that has not expired.  Everything is read, nothing is
 * taken: the lock is looked up in /proc/locks instead of being tried, so a
 * check at the moment a daemon starts can never make that start fail with
 * "another tiktokfs is running".
 */
#ifndef TIKTOKFS_HEALTH_H
#define TIKTOKFS_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "meta/config.h"
#include "util/error.h"

/* 0 when healthy; -ESRCH (no daemon), -ENOENT (not logged in), -EKEYEXPIRED
 * (the login expired) or another -errno, with @err saying which and what
 * to do, one line for tt_error_print(). */
int health_check(const struct config *cfg, struct tt_error *err);

/*
 * Whether @proc_locks (the text of /proc/locks) shows an exclusive flock
 * held (not waited for) on inode @ino.  Only the inode is compared: on
 * btrfs (a NAS's volumes) stat's st_dev names the subvolume while
 * /proc/locks names the filesystem, so the devices need not agree.  Inside
 * a container /proc/locks lists only the container's own locks.
 */
bool health_locks_flock(const char *proc_locks, uint64_t ino);

#endif

/*
 * What the mount and watch mode share: the state directory, the claim on
 * it, and the services that run behind either front end (job store, item
 * tracker with its timer thread, posting worker).  The front end (FUSE or
 * inotify) only reports file events to d->tracker.
 *
 * One state_dir serves one staging root.  Its job store names files by
 * paths relative to that root ("outbox/clip.mp4"), so a second root on the
 * same store would see every job of the first as lost.  state_dir/root
 * records the root's absolute path the first time a daemon starts there
 * (absent: state_dir/staging, the mount's root), and a daemon for another
 * root is refused.  state_dir/daemon.lock (flock) keeps a second daemon off
 * the same state_dir while one runs: two posting workers on one store could
 * post an item twice.
 *
 * Order of use, and why:
 *   daemon_prepare() before any fork (errors reach the terminal),
 *   daemon_claim()   before or after a fork: the flock belongs to the open
 *                    file, which the child inherits (the parent's exit
 *                    does not release it while the child holds it),
 *   daemon_start()   store, tracker, reconcile, timer thread, poster: no
 *                    thread and no SQLite connection exists before the fork,
 *   daemon_stop()    in reverse order; all work is kept in the store.
 */
#ifndef TIKTOKFS_DAEMON_H
#define TIKTOKFS_DAEMON_H

#include <pthread.h>
#include <stdbool.h>

#include "meta/config.h"
#include "meta/error.h"

struct store;
struct tracker;
struct poster;

struct daemon {
	struct config cfg; /* owned; loaded by the caller (config_load) */
	char *root;	   /* absolute staging root; owned */
	int lock_fd;	   /* state_dir/daemon.lock, -1 when not held */
	struct store *store;
	struct tracker *tracker;
	struct poster *poster;
	/* the timer thread: tracker_tick() in a loop */
	pthread_t tick_thread;
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_cond;
	bool tick_stop, ticking;
};

/* Zero @d (lock_fd = -1).  Call first. */
void daemon_init(struct daemon *d);
/* Create state_dir (0700, enforced) and take @root (absolute, owned copy
 * made) as the staging root, creating it and the four folders with
 * @folder_mode when missing.  Fills @err with one line for the user. */
int daemon_prepare(struct daemon *d, const char *root, struct tt_error *err);
/* Take state_dir/daemon.lock and check or record state_dir/root.  -EBUSY
 * when another daemon holds the lock, -EEXIST when the state_dir belongs to
 * another root; @err says which and what to do. */
int daemon_claim(struct daemon *d, struct tt_error *err);
/* Open the store, start the tracker (reconciled with the tree), its timer
 * thread and the poster.  Errors are logged; 0 or -1. */
int daemon_start(struct daemon *d);
/* Stop the poster (at its next safe point) and the timer thread; the store
 * and tracker stay open for a last look.  Idempotent. */
void daemon_stop_workers(struct daemon *d);
/* Stop the workers if running, free the tracker, close the store, drop
 * the lock.  Safe after a failed or partial start.  Frees root; the config
 * stays the caller's. */
void daemon_stop(struct daemon *d);

/* CLOCK_MONOTONIC seconds: the tracker's clock. */
double daemon_now(void);
/* Print @err as the one line a failing command prints. */
void daemon_print_error(const struct tt_error *err);

#endif

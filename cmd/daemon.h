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
 *   daemon_prepare()    before any fork (errors reach the terminal),
 *   daemon_claim()      before or after a fork: the flock belongs to the
 *                       open file, which the child inherits (the parent's
 *                       exit does not release it while the child holds it),
 *   daemon_background() fork (not with -f); the parent waits for the word,
 *   daemon_start()      store, tracker, reconcile, timer thread, poster: no
 *                       thread and no SQLite connection exists before the
 *                       fork,
 *   daemon_detach()     the start went well: the parent exits 0, the child
 *                       leaves the terminal and logs to syslog,
 *   daemon_stop()       in reverse order; all work is kept in the store.
 * Everything that can fail at start runs before daemon_detach(), while
 * stderr is still the terminal: a failed start prints its one line there
 * (syslog or not) and the starting process exits 1.  So a daemon start
 * that returns 0 is running.
 *
 * SIGHUP reloads the config (daemon_reload): the file is read again; on an
 * error one line is logged and the old config stays.  Otherwise the
 * workers (poster, timer thread) stop at their next safe point keeping all
 * work; accounts that come and go are dealt with (cmd/reload_accounts.h:
 * an added one's folders are made, a removed one must have nothing in
 * flight, else the whole reload is refused and STATUS.txt says why); the
 * config is swapped whole while nothing but the front end runs (the
 * tracker gets it under its lock; the front end reads a copy that never
 * changes, see @front; state_dir cannot change without a restart), and the
 * workers start again.
 * File operations go on throughout.  The mount, whose signals libfuse
 * handles, gets a small thread for it (daemon_hup_start); watch mode reads
 * its signals from a signalfd and calls daemon_reload itself.
 */
#ifndef TIKTOKFS_DAEMON_H
#define TIKTOKFS_DAEMON_H

#include <pthread.h>
#include <stdbool.h>

#include "meta/config.h"
#include "meta/job/outcome.h"
#include "util/error.h"

struct store;
struct tracker;
struct poster;
struct hooks;

struct daemon {
	struct config cfg; /* owned; loaded by the caller (config_load) */
	char *root;	   /* absolute staging root; owned */
	int lock_fd;	   /* state_dir/daemon.lock, -1 when not held */
	const char *view_root; /* where users see root (the mount point); borrowed;
				  NULL: root itself (watch mode) */
	struct store *store;
	struct tracker *tracker;
	struct poster *poster;
	struct hooks *hooks;	       /* on_posted/on_failed (cmd/hooks.h) */
	struct outcome_final on_final; /* "item ended" → hooks_item_ended */
	/* the timer thread: tracker_tick() in a loop */
	pthread_t tick_thread;
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_cond;
	bool tick_stop, ticking;
	/* reload (SIGHUP) */
	const char *config_arg;	     /* -c as given (NULL: searched); borrowed */
	bool use_syslog;	     /* where logs go, for log_init on a reload */
	pthread_mutex_t reload_lock; /* reload against stop */
	bool stopping;		     /* daemon_stop_workers ran: no reload restarts them */
	int hup_pipe[2];	     /* signal handler → hup thread; -1 when none */
	pthread_t hup_thread;
	bool hup_running;
	/* The front end's view of the config (the mount's fs.cfg; NULL: none).
	 * FUSE threads read it without a lock while a reload swaps d->cfg, so
	 * it points to a copy that never changes: a reload publishes a new
	 * one, and the configs it replaced (retired, with the strings and
	 * account arrays a copy may still show) are freed at daemon_stop. */
	const struct config **front;
	struct config **retired; /* owned, each config_free'd at stop */
	struct config **copies;	 /* shallow copies published: only freed */
	size_t nretired, aretired, ncopies, acopies;
};

/* Zero @d (lock_fd = -1).  Call first. */
void daemon_init(struct daemon *d);
/* Create state_dir (0700, enforced) and take @root (absolute, owned copy
 * made) as the staging root, creating it and the four folders with
 * @folder_mode when missing.  Fills @err with one line for the user. */
int daemon_prepare(struct daemon *d, const char *root, struct tt_error *err);
/* 0 when the default account posts to TikTok; else -EINVAL with @err (the
 * daemon cannot upload to another platform yet). */
int daemon_platform_check(const struct config *cfg, struct tt_error *err);
/* Take state_dir/daemon.lock and check or record state_dir/root.  -EBUSY
 * when another daemon holds the lock, -EEXIST when the state_dir belongs to
 * another root; @err says which and what to do. */
int daemon_claim(struct daemon *d, struct tt_error *err);
/* Make the hooks (for d->view_root), open the store, start the tracker
 * (reconciled with the tree), its timer thread and the poster.  0, or
 * -errno (-EEXIST: something else where the job store goes, -EIO: the
 * store cannot be opened) with @err saying what failed, one line for
 * tt_error_print(); nothing else is printed or logged. */
int daemon_start(struct daemon *d, struct tt_error *err);
/* Load the config again (d->config_arg) and apply it as said above.
 * 0: reloaded; -errno: kept the old one, and logged why (a reload comes
 * from a signal: there is nobody to hand a tt_error to). */
int daemon_reload(struct daemon *d);
/* Mount: take SIGHUP from libfuse's handlers (call after
 * fuse_set_signal_handlers) and reload on a thread of its own.  -errno on
 * failure (logged; SIGHUP then stays libfuse's: unmount). */
int daemon_hup_start(struct daemon *d);
/* Stop the poster (at its next safe point) and the timer thread; the store
 * and tracker stay open for a last look.  Idempotent. */
void daemon_stop_workers(struct daemon *d);
/* Stop the workers if running, give running hooks a few seconds and kill
 * the rest, free the tracker, close the store, drop the lock.  Safe after a failed or partial
 * start.  Frees root; the config stays the caller's. */
void daemon_stop(struct daemon *d);

/* Fork.  The parent waits for the child's word (daemon_detach) and exits
 * 0 with it, or 1 when the child closes @ready first (a failed start: the
 * child printed why).  In the child, *@ready is that pipe.  0 or -errno. */
int daemon_background(int *ready);
/* The child started: release the parent, leave the terminal (stdio to
 * /dev/null, cwd /) and log to syslog at @level from now on. */
void daemon_detach(int ready, int level);
/* @path made absolute against the current directory, without resolving
 * links (it may name a dead mount); for what is used after daemon_detach
 * changed to /.  NULL stays NULL.  Caller frees. */
char *daemon_abs_path(const char *path);

#endif

/*
 * on_posted / on_failed hooks: run the configured command for an item that
 * has just reached posted/ or failed/.
 *
 * The command runs as `/bin/sh -c COMMAND` with the item's values in the
 * environment only (TIKTOKFS_EVENT, TIKTOKFS_PATH, TIKTOKFS_STAGING_PATH,
 * TIKTOKFS_PUBLISH_ID, TIKTOKFS_POST_ID, TIKTOKFS_URL, TIKTOKFS_ERROR,
 * TIKTOKFS_PRIVACY); nothing is ever pasted into the command string, so a
 * file named `$(rm -rf ~)` is just a file name.  TIKTOK_CLIENT_SECRET and
 * any variable holding the configured client_secret are removed from the
 * hook's environment.
 *
 * TIKTOKFS_PATH is the path users see: under the mount point, or under the
 * watched folder.  The daemon's own copy lives in staging/ inside the 0700
 * state_dir, which a hook run by the team cannot open and should not
 * touch; it is passed as TIKTOKFS_STAGING_PATH for the operator who needs
 * it.  hooks_set_view() tells this module how one maps onto the other.
 *
 * Running a hook is a side effect of wiring, not state of the program:
 * meta/job/outcome.c only says "item ended" through its on_final callback,
 * and the daemon (cmd/daemon.c) passes hooks_item_ended() there with its
 * struct hooks, which it owns from daemon_start() to daemon_stop().
 *
 * hooks_run() never waits for the hook: it spawns it in its own process
 * group and returns.  Each struct hooks has one reaper thread, started with
 * its first hook, that collects exit statuses, logs them
 * (log_warn for a failure or a timeout) and kills a hook's whole process
 * group that is still running after the timeout (SIGTERM, then SIGKILL after
 * a grace period).  stdin is /dev/null; stdout and stderr go where the
 * daemon's stderr goes: the terminal/journal with -f, /dev/null as a daemon
 * (daemon_detach points fds 0-2 there).  No other descriptor of the daemon
 * (notably /dev/fuse) is inherited.
 */
#ifndef TIKTOKFS_HOOKS_H
#define TIKTOKFS_HOOKS_H

#include "meta/config.h"

struct job;
struct hooks;

enum hook_kind { HOOK_POSTED = 0, HOOK_FAILED };

/* All strings borrowed for the duration of hooks_run(); NULL = empty. */
struct hook_event {
	enum hook_kind kind;
	const char *path; /* absolute staged path of the video now in posted/ or failed/ */
	const char *publish_id;
	const char *post_id;
	const char *url;
	const char *error;   /* only its first line is passed */
	const char *privacy; /* TikTok's name, e.g. SELF_ONLY */
	const char *account; /* the job's account; NULL: default.  Its hooks run */
};

#define HOOKS_TIMEOUT_DEFAULT 60.0 /* seconds a hook may run */
#define HOOKS_GRACE_DEFAULT 5.0	   /* seconds between SIGTERM and SIGKILL */

/*
 * A set of hooks for @cfg (borrowed: it must outlive the hooks; on_posted,
 * on_failed and client_secret are read at each hooks_run(), so a reload
 * that swaps the config's contents while no worker runs is seen), with the
 * default timeouts and no view.  hooks_free() frees it.
 */
struct hooks *hooks_new(const struct config *cfg);
/* hooks_shutdown(@h, 0) if hooks still run, then free.  Accepts NULL. */
void hooks_free(struct hooks *h);

/*
 * Run cfg->on_posted or cfg->on_failed (by ev->kind) for @ev, if configured.
 * Returns 0 when the hook was started or none is configured, -errno when it
 * could not be started (already logged).  Never blocks on the hook.
 */
int hooks_run(struct hooks *h, const struct hook_event *ev);

/*
 * outcome's on_final callback (meta/job/outcome.h): job @j is in posted/
 * or failed/; run its hook.  @hooks is the struct hooks; the video's path
 * is j->path under the staging root given to hooks_set_view().
 */
void hooks_item_ended(const struct job *j, void *hooks);

/*
 * The staging root (absolute, as in hook_event.path) and the root users see
 * in its place (the mount point or the watched folder, absolute).  Copies
 * both; call before the first hooks_run().  Without it, or for a path not
 * under @staging_root, TIKTOKFS_PATH is the staged path itself.
 */
void hooks_set_view(struct hooks *h, const char *staging_root, const char *view_root);

/* Change the run timeout and the SIGTERM->SIGKILL grace (tests use short
 * ones).  Applies to hooks started afterwards. */
void hooks_set_timeouts(struct hooks *h, double timeout_s, double grace_s);

/* How many hooks are running (spawned and not yet reaped). */
unsigned hooks_running(struct hooks *h);

/*
 * Wait up to @wait_s seconds for running hooks to finish, then kill what is
 * left (SIGTERM, then SIGKILL to each process group), reap it and stop the
 * reaper thread.  Returns how many hooks had to be killed.  hooks_run() may
 * be called again afterwards (the reaper restarts).
 */
unsigned hooks_shutdown(struct hooks *h, double wait_s);

#endif

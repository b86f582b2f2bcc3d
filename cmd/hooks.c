/*
 * Hooks: spawn on_posted / on_failed commands and reap them in the background.
 *
 * Invariants:
 *  - The item's values reach the hook through its environment only; the
 *    command string is the operator's, untouched (no shell injection through
 *    a file name, a caption or TikTok's error text).
 *  - hooks_run() returns as soon as posix_spawn() has exec'd /bin/sh; it
 *    never waits for the hook.  A single reaper thread owns every waitpid()
 *    on a hook's pid (never waitpid(-1): other modules' children are theirs).
 *  - Each hook leads its own process group, so a timeout kills the shell and
 *    everything it started (`sleep 1000 &` included).
 *  - The daemon's secret never reaches a hook: TIKTOK_CLIENT_SECRET and any
 *    variable whose value is the configured client_secret are dropped, and
 *    descriptors above 2 (/dev/fuse, sockets, the database) are closed.
 *  - Everything a struct hooks knows (its running hooks, its reaper, its
 *    timeouts and roots) is guarded by its own lock; there is no global.
 */
#include "cmd/hooks.h"
#include "meta/job/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REAP_INTERVAL_S 0.05 /* how often running hooks are polled */
#define SHUTDOWN_GRACE_S 1.0 /* SIGTERM -> SIGKILL at shutdown */

struct hook_proc {
	pid_t pid;
	char *label;	/* "on_posted hook for PATH"; owned */
	double term_at; /* monotonic time to send SIGTERM */
	double kill_at; /* monotonic time to send SIGKILL */
	double timeout; /* for the log line */
	bool term_sent, kill_sent, by_shutdown;
	struct hook_proc *next;
};

struct hooks {
	const struct config *cfg; /* borrowed: hooks_new() */
	pthread_mutex_t lock;
	pthread_cond_t wake;	 /* reaper: new hook or shutdown */
	pthread_cond_t done;	 /* waiters: a hook was reaped */
	struct hook_proc *procs; /* running hooks */
	unsigned nprocs;
	bool reaper_running, reaper_stop;
	pthread_t reaper;
	double timeout_s, grace_s;
	char *staging_root, *view_root; /* hooks_set_view() */
};

/* Condition variables on the monotonic clock: a wall-clock jump (NTP at
 * boot) must not stretch or cut a hook's timeout. */
struct hooks *hooks_new(const struct config *cfg)
{
	struct hooks *h = xcalloc(1, sizeof(*h));
	pthread_condattr_t ca;

	h->cfg = cfg;
	h->timeout_s = HOOKS_TIMEOUT_DEFAULT;
	h->grace_s = HOOKS_GRACE_DEFAULT;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_cond_init(&h->done, &ca);
	pthread_condattr_destroy(&ca);
	return h;
}

void hooks_free(struct hooks *h)
{
	if (!h)
		return;
	hooks_shutdown(h, 0); /* joins the reaper; nothing is left running */
	pthread_cond_destroy(&h->done);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h->staging_root);
	free(h->view_root);
	free(h);
}

/* Wait on @c until the monotonic instant @when (mono_now()'s seconds). */
static void cond_wait_until(struct hooks *h, pthread_cond_t *c, double when)
{
	struct timespec ts = mono_deadline(when - mono_now());

	pthread_cond_timedwait(c, &h->lock, &ts);
}

void hooks_set_view(struct hooks *h, const char *staging, const char *view)
{
	pthread_mutex_lock(&h->lock);
	free(h->staging_root);
	free(h->view_root);
	h->staging_root = staging && view ? xstrdup(staging) : NULL;
	h->view_root = staging && view ? xstrdup(view) : NULL;
	pthread_mutex_unlock(&h->lock);
}

/* The path users see for the staged @path (hooks_set_view); owned by the
 * caller. */
static char *view_path(struct hooks *h, const char *path)
{
	char *out = NULL;
	size_t n;

	if (!path)
		return xstrdup("");
	pthread_mutex_lock(&h->lock);
	n = h->staging_root ? strlen(h->staging_root) : 0;
	if (n && !strncmp(path, h->staging_root, n) && path[n] == '/')
		out = xasprintf("%s%s", h->view_root, path + n);
	pthread_mutex_unlock(&h->lock);
	return out ? out : xstrdup(path);
}

void hooks_set_timeouts(struct hooks *h, double t, double g)
{
	pthread_mutex_lock(&h->lock);
	h->timeout_s = t > 0 ? t : HOOKS_TIMEOUT_DEFAULT;
	h->grace_s = g > 0 ? g : HOOKS_GRACE_DEFAULT;
	pthread_mutex_unlock(&h->lock);
}

unsigned hooks_running(struct hooks *h)
{
	unsigned n;

	pthread_mutex_lock(&h->lock);
	n = h->nprocs;
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void log_exit(const struct hook_proc *p, int status)
{
	if (p->term_sent && !p->by_shutdown)
		log_warn("%s timed out after %g s and was killed", p->label, p->timeout);
	else if (p->term_sent)
		log_warn("%s was still running at shutdown and was killed", p->label);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("%s finished", p->label);
	else if (WIFEXITED(status))
		log_warn("%s exited with status %d", p->label, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("%s was killed by signal %d", p->label, WTERMSIG(status));
}

/* Poll one hook: reap it if it ended, signal its group if it is overdue.
 * Returns true when it was reaped.  Called with the lock held. */
static bool poll_proc(struct hook_proc *p, double now)
{
	int status = 0;
	pid_t r = waitpid(p->pid, &status, WNOHANG);

	if (r == p->pid || (r < 0 && errno == ECHILD)) {
		/* ECHILD: someone set SIGCHLD to SIG_IGN; the kernel reaped it */
		if (r < 0)
			log_warn("%s: exit status lost (SIGCHLD ignored?)", p->label);
		else
			log_exit(p, status);
		return true;
	}
	if (!p->term_sent && now >= p->term_at) {
		kill(-p->pid, SIGTERM);
		p->term_sent = true;
	} else if (p->term_sent && !p->kill_sent && now >= p->kill_at) {
		kill(-p->pid, SIGKILL);
		p->kill_sent = true;
	}
	return false;
}

/* Reap or signal each running hook once.  Called with the lock held. */
static void poll_all(struct hooks *h, double now)
{
	struct hook_proc **pp = &h->procs;

	while (*pp) {
		struct hook_proc *p = *pp;

		if (poll_proc(p, now)) {
			*pp = p->next;
			h->nprocs--;
			free(p->label);
			free(p);
			pthread_cond_broadcast(&h->done);
		} else {
			pp = &p->next;
		}
	}
}

static void *reaper_main(void *arg)
{
	struct hooks *h = arg;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		poll_all(h, mono_real_now());
		if (!h->procs && h->reaper_stop)
			break;
		if (!h->procs)
			pthread_cond_wait(&h->wake, &h->lock);
		else
			cond_wait_until(h, &h->wake, mono_real_now() + REAP_INTERVAL_S);
	}
	h->reaper_running = false;
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Start the reaper with every signal blocked, so that SIGTERM/SIGHUP keep
 * going to the threads that handle them.  Called with the lock held. */
static int start_reaper(struct hooks *h)
{
	sigset_t all, old;
	int rc;

	if (h->reaper_running)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&h->reaper, NULL, reaper_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	h->reaper_running = true;
	h->reaper_stop = false;
	return 0;
}

static bool is_name(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(entry, name, n) && entry[n] == '=';
}

static const char *const own_vars[] = {
    "TIKTOKFS_EVENT",	   "TIKTOKFS_PATH",    "TIKTOKFS_STAGING_PATH",
    "TIKTOKFS_PUBLISH_ID", "TIKTOKFS_POST_ID", "TIKTOKFS_URL",
    "TIKTOKFS_ERROR",	   "TIKTOKFS_PRIVACY", "TIKTOK_CLIENT_SECRET",
};
#define N_OWN_VARS (sizeof(own_vars) / sizeof(own_vars[0]))

static bool drop_inherited(const char *entry, const char *secret)
{
	const char *eq = strchr(entry, '=');

	for (size_t i = 0; i < N_OWN_VARS; i++)
		if (is_name(entry, own_vars[i]))
			return true;
	return secret && *secret && eq && !strcmp(eq + 1, secret);
}

/* The first line of @s, scrubbed of known secrets; owned by the caller. */
static char *first_line(const char *s)
{
	char *line;

	if (!s)
		return xstrdup("");
	line = xstrndup(s, strcspn(s, "\r\n"));
	log_redact(line, strlen(line) + 1);
	return line;
}

static void env_free(char **envp)
{
	if (!envp)
		return;
	for (size_t i = 0; envp[i]; i++)
		free(envp[i]);
	free(envp);
}

/* The hook's environment: the daemon's, minus secrets and stale TIKTOKFS_*
 * values, plus the event; @shown is the path users see.  A NULL-terminated
 * array the caller frees with env_free(). */
static char **build_env(const struct config *cfg, const struct hook_event *ev, const char *shown)
{
	size_t n = 0, k = 0;
	char **envp;
	char *err = first_line(ev->error);

	for (char **e = environ; e && *e; e++)
		n++;
	envp = xcalloc(n + N_OWN_VARS + 1, sizeof(*envp));
	for (char **e = environ; e && *e; e++)
		if (!drop_inherited(*e, cfg->client_secret))
			envp[k++] = xstrdup(*e);
#define S(v) ((v) ? (v) : "")
	envp[k++] = xasprintf("TIKTOKFS_EVENT=%s", ev->kind == HOOK_POSTED ? "posted" : "failed");
	envp[k++] = xasprintf("TIKTOKFS_PATH=%s", shown);
	envp[k++] = xasprintf("TIKTOKFS_STAGING_PATH=%s", S(ev->path));
	envp[k++] = xasprintf("TIKTOKFS_PUBLISH_ID=%s", S(ev->publish_id));
	envp[k++] = xasprintf("TIKTOKFS_POST_ID=%s", S(ev->post_id));
	envp[k++] = xasprintf("TIKTOKFS_URL=%s", S(ev->url));
	envp[k++] = xasprintf("TIKTOKFS_ERROR=%s", err);
	envp[k++] = xasprintf("TIKTOKFS_PRIVACY=%s", S(ev->privacy));
#undef S
	envp[k] = NULL;
	free(err);
	return envp;
}

/* stdin from /dev/null; stdout and stderr to the daemon's stderr when it has
 * one (the terminal or journal with -f), else to /dev/null; nothing else. */
static void setup_files(posix_spawn_file_actions_t *fa)
{
	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (fcntl(2, F_GETFD) >= 0) {
		posix_spawn_file_actions_adddup2(fa, 2, 1);
	} else {
		posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
	}
	/* An inherited /dev/fuse descriptor would keep the mount alive. */
	posix_spawn_file_actions_addclosefrom_np(fa, 3);
}

/* A fresh process group and default signal handling: the daemon ignores
 * SIGPIPE and blocks signals in worker threads, a shell script must not. */
static void setup_attr(posix_spawnattr_t *at)
{
	sigset_t none, def;

	sigemptyset(&none);
	sigfillset(&def);
	sigdelset(&def, SIGKILL);
	sigdelset(&def, SIGSTOP);
	posix_spawnattr_init(at);
	posix_spawnattr_setsigmask(at, &none);
	posix_spawnattr_setsigdefault(at, &def);
	posix_spawnattr_setpgroup(at, 0);
	posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					 POSIX_SPAWN_SETSIGDEF);
}

/* Spawn /bin/sh -c @cmd and register it with the reaper.  0 or -errno
 * (logged); @shown names the item in the log. */
static int spawn_hook(struct hooks *h, const char *name, const char *cmd, char **envp,
		      const char *shown)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct hook_proc *p;
	pid_t pid;
	int rc;

	setup_files(&fa);
	setup_attr(&at);
	pthread_mutex_lock(&h->lock);
	rc = start_reaper(h);
	if (rc) {
		log_warn("%s for %s not run: cannot start the reaper thread: %s", name, shown,
			 strerror(-rc));
		goto out;
	}
	/* Spawn under the lock so the reaper cannot miss the new pid. */
	rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	if (rc) {
		log_warn("%s for %s not run: cannot start /bin/sh: %s", name, shown, strerror(rc));
		rc = -rc;
		goto out;
	}
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->label = xasprintf("%s hook for %s (pid %ld)", name, shown, (long)pid);
	p->timeout = h->timeout_s;
	p->term_at = mono_real_now() + h->timeout_s;
	p->kill_at = p->term_at + h->grace_s;
	p->next = h->procs;
	h->procs = p;
	h->nprocs++;
	pthread_cond_signal(&h->wake);
	log_debug("%s started", p->label);
out:
	pthread_mutex_unlock(&h->lock);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int hooks_run(struct hooks *h, const struct hook_event *ev)
{
	const struct config *cfg = h->cfg;
	const char *name = ev->kind == HOOK_POSTED ? "on_posted" : "on_failed";
	/* an [account NAME] section's hooks (it starts from the default's) */
	const struct account *a = ev->account ? config_account(cfg, ev->account) : NULL;
	const char *cmd = ev->kind == HOOK_POSTED ? (a ? a->on_posted : cfg->on_posted)
						  : (a ? a->on_failed : cfg->on_failed);
	char **envp, *shown;
	int rc;

	if (!cmd || !*cmd)
		return 0;
	shown = view_path(h, ev->path); /* before the lock: view_path takes it */
	envp = build_env(cfg, ev, shown);
	rc = spawn_hook(h, name, cmd, envp, shown);
	env_free(envp);
	free(shown);
	return rc;
}

void hooks_item_ended(const struct job *j, void *hooks)
{
	struct hooks *h = hooks;
	struct hook_event ev = {
	    .kind = j->state == JOB_FAILED ? HOOK_FAILED : HOOK_POSTED,
	    .publish_id = j->publish_id,
	    .post_id = j->post_id,
	    .url = j->url,
	    .error = j->error,
	    .privacy = j->privacy,
	    .account = j->account,
	};
	char *path;

	pthread_mutex_lock(&h->lock);
	path = h->staging_root ? xasprintf("%s/%s", h->staging_root, j->path) : xstrdup(j->path);
	pthread_mutex_unlock(&h->lock);
	ev.path = path;
	hooks_run(h, &ev);
	free(path);
}

/* At shutdown: every hook still running is due for SIGTERM now and SIGKILL
 * a grace later.  How many there were.  Called with the lock held. */
static unsigned doom_all(struct hooks *h)
{
	double now = mono_real_now();
	unsigned n = 0;

	for (struct hook_proc *p = h->procs; p; p = p->next) {
		if (!p->term_sent) {
			p->term_at = now;
			p->by_shutdown = true;
		}
		if (p->kill_at > now + SHUTDOWN_GRACE_S)
			p->kill_at = now + SHUTDOWN_GRACE_S;
		n++;
	}
	return n;
}

unsigned hooks_shutdown(struct hooks *h, double wait_s)
{
	unsigned killed;
	double deadline;
	pthread_t thread;
	bool join;

	pthread_mutex_lock(&h->lock);
	deadline = mono_real_now() + wait_s;
	while (h->procs && mono_real_now() < deadline)
		cond_wait_until(h, &h->done, deadline);
	killed = doom_all(h);
	h->reaper_stop = true;
	/* Copy the handle under the lock: a hooks_run() racing with us may
	 * start a new reaper once this one has left. */
	join = h->reaper_running;
	thread = h->reaper;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	if (join)
		pthread_join(thread, NULL);
	return killed;
}

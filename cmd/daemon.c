/*
 * The services behind the mount and watch mode (see daemon.h): state
 * directory and its claim, job store, tracker with its timer thread,
 * poster.  Nothing here knows whether events come from FUSE or inotify.
 */
#include "cmd/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/hooks.h"
#include "cmd/reload_accounts.h"
#include "meta/job/drop.h"
#include "meta/job/status.h"
#include "meta/job/store.h"
#include "meta/job/tracker.h"
#include "net/http.h"
#include "net/poster.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strbuf.h"

#define TICK_MAX 0.5 /* s: a new write may make something due sooner than said */
#define TICK_MIN 0.01

void daemon_init(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->lock_fd = -1;
	d->hup_pipe[0] = d->hup_pipe[1] = -1;
	pthread_mutex_init(&d->reload_lock, NULL);
}

/* ---- the state directory and the staging root ---- */

/*
 * The default account is TikTok's: the drop folder's own outbox/ and the
 * worker's first login, pace and creator_info are the default account's,
 * all TikTok's.  A YouTube channel posts from the accounts/NAME/ folders
 * of an [account NAME] section (net/poster_yt.c); a default account with
 * platform = youtube is refused.  0 or -EINVAL with @err.
 */
int daemon_platform_check(const struct config *cfg, struct tt_error *err)
{
	if (!cfg->platform || !strcmp(cfg->platform, "tiktok"))
		return 0;
	tt_error_set(err, ERR_USER,
		     "%s: the default account (the keys above the first [account] section) has "
		     "platform = %s, but the default account (the drop folder's own outbox/) "
		     "posts to TikTok only",
		     cfg->path ? cfg->path : "the config", cfg->platform);
	tt_error_advise(err, "Set platform = tiktok above the first section and put the YouTube "
			     "channel in an [account NAME] section of its own.");
	return -EINVAL;
}

int daemon_prepare(struct daemon *d, const char *root, struct tt_error *err)
{
	const char *failed = NULL;
	int rc;

	if ((rc = daemon_platform_check(&d->cfg, err)) < 0)
		return rc;
	/* Tokens live here: never readable by others, whatever existed. */
	if ((rc = file_mkdir_private(d->cfg.state_dir, &failed)) < 0) {
		tt_error_set(err, ERR_USER, "%s: cannot %s: %s", d->cfg.state_dir, failed,
			     strerror(-rc));
		tt_error_advise(err, "Check the path and its permissions.");
		return rc;
	}
	/* The root and its five folders, and each account's (accounts/NAME/), by the mode rule of
	 * meta/job/drop.h. */
	if ((rc = drop_create(root, err)) < 0 ||
	    (rc = drop_create_accounts(root, &d->cfg, err)) < 0)
		return rc;
	free(d->root);
	d->root = realpath(root, NULL);
	if (!d->root) {
		rc = -errno;
		tt_error_set(err, ERR_USER, "%s: %s", root, strerror(errno));
		return rc;
	}
	return 0;
}

/* The root recorded in state_dir/root; NULL when none was (caller frees). */
static char *recorded_root(const char *state_dir)
{
	char *p = xasprintf("%s/root", state_dir);
	char buf[4096];
	FILE *f = fopen(p, "re");
	char *r = NULL;

	free(p);
	if (!f)
		return NULL;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			r = xstrdup(buf);
	}
	fclose(f);
	return r;
}

static int record_root(const char *state_dir, const char *root)
{
	char *p = xasprintf("%s/root", state_dir);
	char *tmp = xasprintf("%s/.root.tmp", state_dir);
	FILE *f = fopen(tmp, "we");
	int rc = 0;

	if (!f || fprintf(f, "%s\n", root) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0)
		rc = -errno;
	if (f && fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, p) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(p);
	free(tmp);
	return rc;
}

static bool store_exists(const char *state_dir)
{
	char *p = xasprintf("%s/jobs.db", state_dir);
	struct stat sb;
	bool r = stat(p, &sb) == 0 && sb.st_size > 0;

	free(p);
	return r;
}

static int claim_root(struct daemon *d, struct tt_error *err)
{
	char *mine = recorded_root(d->cfg.state_dir);
	char *dflt = xasprintf("%s/staging", d->cfg.state_dir);
	char *dflt_real = realpath(dflt, NULL);
	int rc = 0;

	/* No record: a store that exists was made by a mount, whose root is
	 * state_dir/staging (mounts before this file existed did not record
	 * it). */
	if (!mine && store_exists(d->cfg.state_dir))
		mine = xstrdup(dflt_real ? dflt_real : dflt);
	if (mine && strcmp(mine, d->root)) {
		tt_error_set(err, ERR_USER, "%s: this state_dir holds the jobs of %s, not of %s",
			     d->cfg.state_dir, mine, d->root);
		tt_error_advise(err,
				"One state_dir serves one folder: set another state_dir in a "
				"config of its own (-c) for %s.",
				d->root);
		rc = -EEXIST;
		goto out;
	}
	if (!mine && (rc = record_root(d->cfg.state_dir, d->root)) < 0) {
		tt_error_set(err, ERR_USER, "%s/root: cannot write it: %s", d->cfg.state_dir,
			     strerror(-rc));
		goto out;
	}
out:
	free(mine);
	free(dflt);
	free(dflt_real);
	return rc;
}

int daemon_claim(struct daemon *d, struct tt_error *err)
{
	char *p = xasprintf("%s/daemon.lock", d->cfg.state_dir);
	int rc = 0;

	d->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->lock_fd < 0) {
		rc = -errno;
		tt_error_set(err, ERR_USER, "%s: cannot open it: %s", p, strerror(errno));
		goto out;
	}
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		tt_error_set(err, ERR_USER,
			     "%s: another tiktokfs (mount or watch) is running with "
			     "this state_dir",
			     d->cfg.state_dir);
		tt_error_advise(err, "Stop it first, or give this one its own state_dir.");
		close(d->lock_fd);
		d->lock_fd = -1;
		goto out;
	}
	rc = claim_root(d, err);
out:
	free(p);
	return rc;
}

/* ---- services ---- */

/* The tracker's timer runs on real time (mono_real_now): its settle
 * windows are compared with file mtimes, which the test clock does not
 * speed up. */
static void *tick_main(void *arg)
{
	struct daemon *d = arg;

	pthread_mutex_lock(&d->tick_lock);
	while (!d->tick_stop) {
		double wait;
		struct timespec ts;

		pthread_mutex_unlock(&d->tick_lock);
		wait = tracker_tick(d->tracker, mono_real_now());
		pthread_mutex_lock(&d->tick_lock);
		if (!(wait < TICK_MAX))
			wait = TICK_MAX; /* also catches NaN */
		if (wait < TICK_MIN)
			wait = TICK_MIN;
		ts = mono_real_deadline(wait);
		if (!d->tick_stop)
			pthread_cond_timedwait(&d->tick_cond, &d->tick_lock, &ts);
	}
	pthread_mutex_unlock(&d->tick_lock);
	return NULL;
}

/* The timer thread and the poster; the store and tracker exist.  0 or
 * -errno, not logged: the caller says what it was doing. */
static int start_workers(struct daemon *d)
{
	pthread_condattr_t ca;
	int rc;

	pthread_mutex_init(&d->tick_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->tick_cond, &ca);
	pthread_condattr_destroy(&ca);
	d->tick_stop = false;
	rc = pthread_create(&d->tick_thread, NULL, tick_main, d);
	if (rc != 0) {
		pthread_cond_destroy(&d->tick_cond);
		pthread_mutex_destroy(&d->tick_lock);
		return -rc;
	}
	d->ticking = true;
	d->poster = poster_start(d->store, &d->cfg, d->root, &d->on_final);
	return 0;
}

static void stop_workers(struct daemon *d)
{
	poster_stop(d->poster);
	d->poster = NULL;
	if (d->ticking) {
		pthread_mutex_lock(&d->tick_lock);
		d->tick_stop = true;
		pthread_cond_signal(&d->tick_cond);
		pthread_mutex_unlock(&d->tick_lock);
		pthread_join(d->tick_thread, NULL);
		pthread_cond_destroy(&d->tick_cond);
		pthread_mutex_destroy(&d->tick_lock);
		d->ticking = false;
	}
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "directory";
	return S_ISLNK(mode) ? "symbolic link" : "special file";
}

/* The store, with advice for a file that is there but is no job store. */
static int open_store(struct daemon *d, struct tt_error *err)
{
	char *db = xasprintf("%s/jobs.db", d->cfg.state_dir);
	struct stat sb;

	tt_error_clear(err);
	/* the store would say "cannot create": say what is in the way */
	if (lstat(db, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		tt_error_set(err, ERR_USER, "%s: the job store is not a regular file but a %s", db,
			     file_kind(sb.st_mode));
		tt_error_advise(err, "Move it aside: tiktokfs then makes a new, empty job store.");
		free(db);
		return -EEXIST;
	}
	d->store = store_open(db, err);
	if (!d->store && !err->advice[0])
		tt_error_advise(err, "Move it aside and start again: tiktokfs makes a new, empty "
				     "one (the jobs recorded in it are forgotten; the files in the "
				     "folders are picked up again), or restore it from a backup.");
	free(db);
	return d->store ? 0 : -EIO;
}

/* The test clock (util/clock.h) is for tests only: say so when it is on,
 * and why the variable was ignored when it was set wrong. */
static void note_clock(void)
{
	if (clock_scale_problem())
		log_warn("%s", clock_scale_problem());
	else if (clock_scale() != 1.0)
		log_warn("test clock: TikTok's waits, retries and schedules run %g times "
			 "faster (" CLOCK_SCALE_ENV "; for tests only)",
			 clock_scale());
}

int daemon_start(struct daemon *d, struct tt_error *err)
{
	int rc;

	note_clock();
	/* A reload refused by the last run no longer stands: this start read
	 * the config afresh. */
	status_note_reload(d->cfg.state_dir, NULL);
	/* Before the tracker: its reconcile may finish a move and end an item. */
	d->hooks = hooks_new(&d->cfg);
	hooks_set_view(d->hooks, d->root, d->view_root ? d->view_root : d->root);
	d->on_final = (struct outcome_final){hooks_item_ended, d->hooks};
	if ((rc = open_store(d, err)) < 0)
		return rc;
	d->tracker = tracker_new(d->store, &d->cfg, d->root, &d->on_final);
	if (tracker_reconcile(d->tracker, mono_real_now()) < 0)
		log_warn("%s: reconciling the folders with the job store failed; "
			 "continuing with what was read",
			 d->root);
	/* Before the poster's thread exists: curl_global_init sets up
	 * OpenSSL once for the whole process. */
	http_global_init();
	pthread_mutex_lock(&d->reload_lock);
	rc = start_workers(d);
	pthread_mutex_unlock(&d->reload_lock);
	if (rc < 0) {
		tt_error_set(err, ERR_PERMANENT, "cannot start the item tracker's timer thread: %s",
			     strerror(-rc));
		return rc;
	}
	return 0;
}

/* ---- becoming a daemon ---- */

/*
 * Not fuse_daemonize(): its parent exits 0 as soon as the child exists,
 * before the child opened the job store, so a start that fails there
 * exited 0 with its reason in syslog only; and it changes to / even in
 * the foreground, so a relative mount point could not be unmounted.
 */
int daemon_background(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready = p[1];
	return 0;
}

void daemon_detach(int ready, int level)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (write(ready, "1", 1) < 0)
		log_warn("cannot tell the starting process that the daemon runs");
	close(ready);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* Keep no directory busy: it could not be unmounted. */
	if (chdir("/") < 0)
		log_warn("cannot change to /: %s", strerror(errno));
	log_init((enum log_level)level, true);
}

char *daemon_abs_path(const char *path)
{
	char *cwd, *r;

	if (!path || path[0] == '/')
		return path ? xstrdup(path) : NULL;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path); /* used as given: the best there is */
	r = xasprintf("%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path);
	free(cwd);
	return r;
}

/* ---- reload (SIGHUP) ---- */

/* Whether @a and @b name the same string (both may be NULL). */
static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The new config, read and checked as a whole; 0, or -errno logged (the
 * old config stays). */
static int reload_read(struct daemon *d, struct config *next)
{
	struct tt_error err;
	int rc;

	tt_error_clear(&err);
	if ((rc = config_load(next, d->config_arg, &err)) < 0) {
		struct strbuf line = STRBUF_INIT;

		tt_error_line(&line, &err, TT_ERR_LOG);
		log_err("config reload failed, keeping the old config: %s", line.buf);
		strbuf_release(&line);
		return rc;
	}
	if (daemon_platform_check(next, &err) < 0) {
		log_err("config reload: %s; keeping the old config", err.what);
		config_free(next);
		return -EINVAL;
	}
	if (!same_str(next->state_dir, d->cfg.state_dir)) {
		log_err("config reload: state_dir cannot change while running (%s, was %s); "
			"keeping the old config: restart tiktokfs to move it",
			next->state_dir, d->cfg.state_dir);
		config_free(next);
		return -EINVAL;
	}
	return 0;
}

/* Accounts that come and go (cmd/reload_accounts.h), with the workers
 * stopped: 0, or -errno logged and said in STATUS.txt. */
static int reload_accounts(struct daemon *d, const struct config *next)
{
	struct strbuf why = STRBUF_INIT;
	int rc = d->store ? reload_removed_idle(d->store, &d->cfg, next, &why) : 0;

	if (rc == 0)
		rc = reload_added_folders(d->root, &d->cfg, next, &why);
	if (rc < 0) {
		log_err("config reload refused, keeping the old config: %s", why.buf);
		if (status_note_reload(d->cfg.state_dir, why.buf) < 0)
			log_warn("%s/%s: cannot write it", d->cfg.state_dir, STATUS_RELOAD_NOTE);
	}
	strbuf_release(&why);
	return rc;
}

/* Point the front end at @c, a copy that never changes (daemon.h). */
static void publish_front(struct daemon *d, const struct config *c)
{
	if (d->front)
		__atomic_store_n(d->front, c, __ATOMIC_RELEASE);
}

/* Free what reloads kept for the front end (daemon.h); nothing reads it
 * any more. */
static void free_retired(struct daemon *d)
{
	for (size_t i = 0; i < d->nretired; i++) {
		config_free(d->retired[i]);
		free(d->retired[i]);
	}
	for (size_t i = 0; i < d->ncopies; i++)
		free(d->copies[i]);
	free(d->retired);
	free(d->copies);
	d->retired = d->copies = NULL;
	d->nretired = d->ncopies = d->aretired = d->acopies = 0;
}

/* Make @next the config, with the workers stopped. */
static void reload_swap(struct daemon *d, struct config *next)
{
	struct config *old, *snap;
	char *keep;

	/* The tracker and the front end read a copy of the old config while
	 * the live one is replaced (state_dir's pointer stays the same). */
	old = xmalloc(sizeof(*old));
	*old = d->cfg;
	publish_front(d, old);
	if (d->tracker)
		tracker_set_config(d->tracker, old);
	keep = old->state_dir;
	old->state_dir = next->state_dir;
	next->state_dir = keep;
	d->cfg = *next;
	if (d->tracker)
		tracker_set_config(d->tracker, &d->cfg);
	snap = xmalloc(sizeof(*snap));
	*snap = d->cfg;
	publish_front(d, snap);
	ALLOC_GROW(d->copies, d->ncopies + 1, d->acopies);
	d->copies[d->ncopies++] = snap;
	/* old owns the replaced strings and accounts: kept until stop */
	ALLOC_GROW(d->retired, d->nretired + 1, d->aretired);
	d->retired[d->nretired++] = old;
	status_note_reload(d->cfg.state_dir, NULL); /* a refusal no longer stands */
}

int daemon_reload(struct daemon *d)
{
	struct config next;
	int rc;

	if ((rc = reload_read(d, &next)) < 0)
		return rc;
	pthread_mutex_lock(&d->reload_lock);
	if (d->stopping) {
		pthread_mutex_unlock(&d->reload_lock);
		config_free(&next);
		return -ECANCELED;
	}
	stop_workers(d);
	rc = reload_accounts(d, &next);
	if (rc < 0)
		config_free(&next);
	else
		reload_swap(d, &next);
	log_init((enum log_level)d->cfg.log_level, d->use_syslog);
	if (start_workers(d) < 0)
		log_err("config reload: the tracker's timer thread did not start again; "
			"restart tiktokfs");
	pthread_mutex_unlock(&d->reload_lock);
	if (rc == 0)
		log_info("config reloaded from %s", d->cfg.path ? d->cfg.path : "the defaults");
	return rc;
}

/*
 * The one global of the daemon, on purpose: a signal handler gets no
 * argument, so the write end of the current daemon's hup_pipe must be
 * where hup_handler can find it.  Only hup_start/hup_stop change it, and
 * only one daemon per process installs the handler.
 */
static int hup_write_fd = -1;

static void hup_handler(int sig)
{
	int saved = errno;
	char c = 'h';

	(void)sig;
	if (hup_write_fd >= 0 && write(hup_write_fd, &c, 1) < 0) {
		/* the pipe is full: a reload is already pending */
	}
	errno = saved;
}

static void *hup_main(void *arg)
{
	struct daemon *d = arg;
	char buf[16];
	ssize_t n;

	while ((n = read(d->hup_pipe[0], buf, sizeof(buf))) != 0) {
		bool reload = false, quit = false;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			reload |= buf[i] == 'h';
			quit |= buf[i] == 'q';
		}
		if (quit)
			break;
		if (reload) {
			log_info("SIGHUP: reloading the config");
			daemon_reload(d);
		}
	}
	return NULL;
}

int daemon_hup_start(struct daemon *d)
{
	struct sigaction sa;

	int rc;

	if (pipe2(d->hup_pipe, O_CLOEXEC) < 0) {
		rc = -errno;
		log_err("SIGHUP reload: cannot make a pipe: %s", strerror(-rc));
		return rc;
	}
	fcntl(d->hup_pipe[1], F_SETFL, O_NONBLOCK);
	if ((rc = pthread_create(&d->hup_thread, NULL, hup_main, d)) != 0) {
		log_err("SIGHUP reload: cannot start its thread: %s", strerror(rc));
		close(d->hup_pipe[0]);
		close(d->hup_pipe[1]);
		d->hup_pipe[0] = d->hup_pipe[1] = -1;
		return -rc;
	}
	d->hup_running = true;
	hup_write_fd = d->hup_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hup_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

static void hup_stop(struct daemon *d)
{
	char c = 'q';

	if (!d->hup_running)
		return;
	signal(SIGHUP, SIG_IGN); /* stopping: a late SIGHUP neither reloads nor kills */
	hup_write_fd = -1;
	if (write(d->hup_pipe[1], &c, 1) < 0)
		log_warn("SIGHUP reload: cannot stop its thread: %s", strerror(errno));
	pthread_join(d->hup_thread, NULL);
	close(d->hup_pipe[0]);
	close(d->hup_pipe[1]);
	d->hup_pipe[0] = d->hup_pipe[1] = -1;
	d->hup_running = false;
}

void daemon_stop_workers(struct daemon *d)
{
	hup_stop(d);
	pthread_mutex_lock(&d->reload_lock);
	d->stopping = true;
	stop_workers(d);
	pthread_mutex_unlock(&d->reload_lock);
}

void daemon_stop(struct daemon *d)
{
	unsigned killed;

	daemon_stop_workers(d);
	/* The item is already in posted/ or failed/; a hook that outlives the
	 * daemon would hold nothing up, but it must not become an orphan. */
	killed = d->hooks ? hooks_shutdown(d->hooks, 5) : 0;
	if (killed)
		log_warn("stopped %u hook(s) still running at shutdown", killed);
	tracker_free(d->tracker);
	d->tracker = NULL;
	hooks_free(d->hooks); /* after the last one who could end an item */
	d->hooks = NULL;
	if (d->store)
		store_close(d->store);
	d->store = NULL;
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
	free(d->root);
	d->root = NULL;
	if (d->front) /* the front end reads the live config again */
		__atomic_store_n(d->front, &d->cfg, __ATOMIC_RELEASE);
	free_retired(d);
}

/*
 * `tiktokfs watch [-c CONFIG] [-f] [--poll[=SECONDS]] DIR`: the drop folder on a plain
 * directory (a NAS share exported by Samba or NFS, where FUSE is not
 * wanted).  DIR itself is the staging root: outbox/ scheduled/ posted/
 * failed/ are created in it; the job store, tokens and creator info stay in
 * state_dir, which serves this one DIR (cmd/daemon.h).
 *
 * Three things run: the services of the mount (store, tracker and its
 * timer thread, poster: cmd/daemon.c), the inotify watcher that reports
 * file events to the tracker (fs/watcher.c; it polls instead on network
 * folders or with --poll / poll_interval: fs/poller.h), and, in this main thread, the
 * result mirror that writes user.tiktok.* (or NAME.tiktok.json) onto the
 * real files from the store (fs/mirror.c) every MIRROR_INTERVAL.
 *
 * Order of things, and why:
 *  1. config, state_dir and the folders: errors reach the terminal.
 *  2. fork (unless -f): no thread and no SQLite connection may exist before
 *     it; the parent waits until the child says it is running, so a start
 *     that fails still prints its one line and exits non-zero.
 *  3. the state_dir lock and root check, signals blocked (every thread
 *     inherits the mask; signalfd takes them here), inotify watches, then
 *     the store and tracker_reconcile: the watches exist before the walk,
 *     so nothing created in between is missed.
 *  4. loop until SIGTERM or SIGINT (SIGHUP reloads the config:
 *     daemon_reload); stop the workers, mirror once more, close.  All work
 *     is in the store.
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd/daemon.h"
#include "fs/poller.h"
#include "fs/watcher.h"
#include "fs/mirror.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#define MIRROR_INTERVAL 0.25 /* s: upload progress reaches the files this often */

static const char usage[] = "usage: tiktokfs watch [-c CONFIG] [-f] [--poll[=SECONDS]] DIR\n";

struct watch_args {
	const char *config;
	const char *dir;
	bool foreground;
	double poll; /* --poll: -1 not given, 0 without SECONDS, else SECONDS */
};

/* --poll's SECONDS: a number above 0 and at most a day, as poll_interval. */
static int parse_poll(const char *s, double *out)
{
	char *end;
	double v;

	if (!s) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 && v <= 86400)) {
		fprintf(stderr, "tiktokfs: --poll=%s: must be a number of seconds above 0 and "
				"at most 86400\n",
			s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct watch_args *a)
{
	static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
					     {"foreground", no_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {"poll", optional_argument, NULL, 'p'},
					     {NULL, 0, NULL, 0}};
	int c;

	optind = 1;
	a->poll = -1;
	while ((c = getopt_long(argc, argv, "+c:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'f':
			a->foreground = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'p':
			if (parse_poll(optarg, &a->poll) < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->dir = argv[optind];
	return 0;
}

/* The poll interval for watcher_new(): --poll=SECONDS, else --poll with
 * the config's poll_interval or the default, else poll_interval (0: only
 * where inotify cannot see). */
static double poll_interval(const struct watch_args *a, const struct config *cfg)
{
	if (a->poll > 0)
		return a->poll;
	if (a->poll == 0)
		return cfg->poll_interval > 0 ? cfg->poll_interval : POLL_DEFAULT_INTERVAL;
	return cfg->poll_interval;
}

static int block_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd;
}

/* true when a stop signal came; SIGHUP reloads the config (cmd/daemon.h) */
static bool read_signals(int sfd, struct daemon *d)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading the config");
			daemon_reload(d);
			continue;
		}
		log_info("signal %u: stopping", si.ssi_signo);
		stop = true;
	}
	return stop;
}

static int serve(struct watcher *w, struct mirror *m, int sfd, struct daemon *d)
{
	double next_mirror = 0;

	for (;;) {
		struct pollfd pfd[2] = {{sfd, POLLIN, 0}, {watcher_fd(w), POLLIN, 0}};
		double now = mono_real_now();
		double wait = watcher_tick(w, now);
		int ms;

		if (now >= next_mirror) {
			if (mirror_sync(m) < 0)
				log_warn("cannot read the job store to update the files' results");
			next_mirror = now + MIRROR_INTERVAL;
		}
		if (next_mirror - now < wait)
			wait = next_mirror - now;
		ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;
		if (poll(pfd, 2, ms) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		if ((pfd[0].revents & POLLIN) && read_signals(sfd, d))
			return 0;
		if ((pfd[1].revents & POLLIN) && watcher_process(w, mono_real_now()) < 0) {
			log_err("reading inotify events failed: %s", strerror(errno));
			return -1;
		}
	}
}

/* What cmd_watch holds; stop() releases whatever part of it was made. */
struct watch_ctx {
	struct daemon d;
	struct watcher *w;
	struct mirror *m;
	char *config; /* -c made absolute: a reload (SIGHUP) runs in /; owned */
	char *db;     /* state_dir/jobs.db, for the mirror's change check; owned */
	int ready;    /* the waiting parent's pipe (cmd/daemon.h), -1 when none */
	int sfd;      /* signalfd, -1 when none */
	bool have_cfg;
};

/* Step 1 of the file comment: config, state_dir and the folders, each
 * failure one line on the terminal. */
static int prepare(struct watch_ctx *c, const struct watch_args *a)
{
	struct tt_error err;

	tt_error_clear(&err);
	c->config = daemon_abs_path(a->config);
	if (config_load(&c->d.cfg, c->config, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	c->have_cfg = true;
	log_init((enum log_level)c->d.cfg.log_level, false);
	if (daemon_prepare(&c->d, a->dir, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	return 0;
}

/* Step 3, in the child: the lock, the signals, the watches before the
 * store's walk, the services and the mirror. */
static int start(struct watch_ctx *c, const struct watch_args *a)
{
	struct daemon *d = &c->d;
	struct tt_error err;

	tt_error_clear(&err);
	if (daemon_claim(d, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	if ((c->sfd = block_signals()) < 0) {
		fprintf(stderr, "tiktokfs: cannot set up signal handling: %s\n", strerror(errno));
		return -1;
	}
	c->w = watcher_new(d->root, d->cfg.settle_time, poll_interval(a, &d->cfg), &err);
	if (!c->w) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	d->config_arg = c->config;
	d->use_syslog = !a->foreground;
	d->view_root = d->root; /* hooks: users see the folder itself */
	if (daemon_start(d, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	watcher_attach(c->w, d->tracker);
	c->db = xasprintf("%s/jobs.db", d->cfg.state_dir);
	c->m = mirror_new(d->store, d->root, c->db);
	if (c->m) /* read on this thread, which is also the one that reloads */
		mirror_set_config(c->m, &d->cfg);
	return 0;
}

/* Step 4: leave the terminal, loop, stop the workers, mirror once more.
 * The exit status. */
static int run(struct watch_ctx *c)
{
	int rc;

	log_info("watching %s (state_dir %s): %s", c->d.root, c->d.cfg.state_dir,
		 watcher_how(c->w));
	if (c->ready >= 0) {
		daemon_detach(c->ready, c->d.cfg.log_level);
		c->ready = -1;
	}
	rc = serve(c->w, c->m, c->sfd, &c->d) < 0 ? 1 : 0;
	daemon_stop_workers(&c->d);
	mirror_sync(c->m); /* the last results the poster wrote */
	log_info("stopped watching %s", c->d.root);
	return rc;
}

static void stop(struct watch_ctx *c)
{
	if (c->ready >= 0)
		close(c->ready); /* the parent sees EOF: the start failed */
	mirror_free(c->m);
	free(c->db);
	watcher_free(c->w);
	daemon_stop(&c->d);
	if (c->sfd >= 0)
		close(c->sfd);
	if (c->have_cfg)
		config_free(&c->d.cfg);
	free(c->config);
}

int cmd_watch(int argc, char **argv)
{
	struct watch_args a = {0};
	struct watch_ctx c;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	daemon_init(&c.d);
	c.ready = c.sfd = -1;
	if (parse_args(argc, argv, &a) < 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (prepare(&c, &a) < 0)
		goto out;
	/* Step 2: no thread and no SQLite connection exists yet. */
	if (!a.foreground && daemon_background(&c.ready) < 0) {
		fprintf(stderr, "tiktokfs: cannot become a daemon: %s\n", strerror(errno));
		goto out;
	}
	if (start(&c, &a) == 0)
		rc = run(&c);
out:
	stop(&c);
	return rc;
}

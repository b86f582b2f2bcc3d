/*
 * `tiktokfs [-f] [-c CONFIG] [-o OPTS] MOUNTPOINT`: the daemon.
 *
 * Order of things, and why:
 *  1. the mount point (absolute, not a stale mount: cmd/mountpoint.h),
 *     config, state_dir (0700) and its lock, staging/ with the four
 *     folders, fuse_new (the options): errors reach the terminal as one
 *     line and exit 1.
 *  2. fork (unless -f; daemon_background): no thread and no SQLite
 *     connection may exist before it (fcntl locks are per process).  The
 *     parent waits for the child's word and exits with it.
 *  3. the signal handlers (a SIGTERM from now on is a clean stop), store,
 *     tracker, tracker_reconcile, the tick thread, the poster, then
 *     fuse_mount: all before the loop answers a single request, so the
 *     mount never shows a file without its job, and all while stderr is
 *     still the terminal, so a corrupt job store or a mount that fails is
 *     one line there and exit 1 (not exit 0 and a line in syslog).
 *  4. daemon_detach (unless -f): the parent exits 0; the child changes to
 *     / and logs to syslog.  With -f it changes to / too.
 *  5. fuse_loop_mt until SIGTERM/SIGINT/SIGHUP or an unmount; then every
 *     file the kernel never released is released (fs_release_all), and
 *     the rest stops in reverse order, keeping all work: the store is the
 *     memory.
 *
 * Mount options: fsname=tiktokfs,subtype=tiktokfs and default_permissions
 * (the kernel checks modes and owners as on a local disk; files belong to
 * whoever created them).  allow_other is added when running as root, or as
 * a user when /etc/fuse.conf has user_allow_other: a Samba or NFS export
 * serves other users, and without it nobody but the mounting user (not even
 * root) may enter the mount.  -o adds to or overrides these.
 *
 * Hooks are told the mount point (absolute, resolved before the daemon's
 * chdir to /), so that TIKTOKFS_PATH is the path users see, not the staged
 * copy inside the 0700 state_dir (cmd/hooks.h).
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/daemon.h"
#include "cmd/mountpoint.h"
#include "fs/fs.h"
#include "meta/config.h"
#include "util/log.h"
#include "util/strbuf.h"

static bool user_allow_other(void)
{
	FILE *f = fopen("/etc/fuse.conf", "r");
	char line[256];
	bool yes = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "user_allow_other", 16))
			yes = true;
	fclose(f);
	return yes;
}

struct mount_args {
	bool foreground;
	const char *config;
	const char *mountpoint;
	struct strbuf opts; /* -o values joined by ',' */
};

static int parse_args(int argc, char **argv, struct mount_args *a)
{
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, "+fdc:o:")) != -1) {
		switch (c) {
		case 'f':
		case 'd':
			a->foreground = true;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'o':
			if (a->opts.len)
				strbuf_addch(&a->opts, ',');
			strbuf_addstr(&a->opts, optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	a->mountpoint = argv[optind];
	return 0;
}

/* The mount's front end; the services behind it are cmd/daemon.h's. */
struct mount_ctx {
	struct daemon d;
	struct tiktokfs fs;
	struct fuse *fuse;
	char *mountpoint; /* absolute, links resolved; owned */
	char *config;	  /* -c made absolute (a reload runs in /); owned */
	bool have_cfg, mounted, handlers;
	int ready; /* the waiting parent's pipe (cmd/daemon.h), -1 when none */
};

static int serve(struct fuse *fuse)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	int rc;

	if (!lc)
		return -ENOMEM;
	/* Threads are cheap and block only on the staging disk. */
	fuse_loop_cfg_set_max_threads(lc, 16);
	fuse_loop_cfg_set_idle_threads(lc, 4);
	fuse_loop_cfg_set_clone_fd(lc, 0);
	rc = fuse_loop_mt(fuse, lc);
	fuse_loop_cfg_destroy(lc);
	return rc;
}

static void build_fuse_args(struct fuse_args *fa, const struct mount_args *a)
{
	struct strbuf o = STRBUF_INIT;

	strbuf_init(&o);
	strbuf_addstr(&o, "fsname=tiktokfs,subtype=tiktokfs,default_permissions");
	if (geteuid() == 0 || user_allow_other())
		strbuf_addstr(&o, ",allow_other");
	if (a->opts.len) {
		strbuf_addch(&o, ',');
		strbuf_addstr(&o, strbuf_str(&a->opts));
	}
	fuse_opt_add_arg(fa, "tiktokfs");
	fuse_opt_add_arg(fa, "-o");
	fuse_opt_add_arg(fa, strbuf_str(&o));
	strbuf_release(&o);
}

/* Mount point, config, state_dir and its lock, the staging root: checked
 * in the starting process, each failure one line on its stderr. */
static int open_state(struct mount_ctx *m, const struct mount_args *a)
{
	struct daemon *d = &m->d;
	struct tt_error err;
	char *staging = NULL;
	int rc = -1;

	tt_error_clear(&err);
	if (mountpoint_resolve(a->mountpoint, &m->mountpoint, &err) < 0)
		goto fail;
	m->config = daemon_abs_path(a->config);
	if (config_load(&d->cfg, m->config, &err) < 0)
		goto fail;
	m->have_cfg = true;
	log_init((enum log_level)d->cfg.log_level, false);
	staging = xasprintf("%s/staging", d->cfg.state_dir);
	/* the claim before the fork: the daemon inherits the lock */
	if (daemon_prepare(d, staging, &err) < 0 || daemon_claim(d, &err) < 0)
		goto fail;
	m->fs.root_fd = open(d->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->fs.root_fd < 0) {
		tt_error_set(&err, ERR_USER, "%s: cannot open the staging directory: %s", d->root,
			     strerror(errno));
		goto fail;
	}
	m->fs.root = d->root;
	m->fs.cfg = &d->cfg;
	d->front = &m->fs.cfg; /* a reload points it at a copy (daemon.h) */
	m->fs.as_root = geteuid() == 0;
	rc = 0;
	goto out;
fail:
	tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
out:
	free(staging);
	return rc;
}

/* The signals, the services and the mount, in the daemon but still
 * printing to the terminal: a failure here is one line there. */
static int start(struct mount_ctx *m, bool foreground)
{
	struct tt_error err;

	tt_error_clear(&err);
	/* First: a SIGTERM during a long reconcile ends the loop at once,
	 * cleanly, instead of killing a daemon that has mounted. */
	if (fuse_set_signal_handlers(fuse_get_session(m->fuse)) != 0) {
		fprintf(stderr, "tiktokfs: cannot install signal handlers\n");
		return -1;
	}
	m->handlers = true;
	m->d.config_arg = m->config;
	m->d.use_syslog = !foreground;
	m->d.view_root = m->mountpoint; /* hooks: the path users see */
	if (daemon_start(&m->d, &err) < 0) {
		tt_error_print(stderr, "tiktokfs", &err, TT_ERR_TERM);
		return -1;
	}
	m->fs.store = m->d.store;
	m->fs.tracker = m->d.tracker;
	if (fuse_mount(m->fuse, m->mountpoint) != 0) {
		fprintf(stderr,
			"tiktokfs: %s: cannot mount here (is it empty, is /dev/fuse usable?)\n",
			m->mountpoint);
		return -1;
	}
	m->mounted = true;
	/* After libfuse's handlers: SIGHUP reloads instead of unmounting. */
	daemon_hup_start(&m->d);
	return 0;
}

/* Reverse order of the start, whatever part of it ran. */
static void stop(struct mount_ctx *m)
{
	daemon_stop_workers(&m->d);
	m->fs.tracker = NULL;
	m->fs.store = NULL;
	if (m->handlers)
		fuse_remove_signal_handlers(fuse_get_session(m->fuse));
	if (m->mounted)
		fuse_unmount(m->fuse);
	if (m->fuse)
		fuse_destroy(m->fuse);
	if (m->fs.root_fd >= 0)
		close(m->fs.root_fd);
	fs_ctx_destroy(&m->fs);
	daemon_stop(&m->d); /* tracker, store, lock, root */
	if (m->have_cfg)
		config_free(&m->d.cfg);
	free(m->mountpoint);
	free(m->config);
	/* Last: the parent exits 1 when this closes, and the mount is gone. */
	if (m->ready >= 0)
		close(m->ready);
}

/* Step 1 of the file comment, before the fork: the arguments, the state
 * and the fuse handle.  0, or the exit status (2 for a usage error). */
static int prepare(struct mount_ctx *m, struct mount_args *a, struct fuse_args *fa, int argc,
		   char **argv)
{
	if (parse_args(argc, argv, a) < 0) {
		fprintf(stderr, "usage: tiktokfs [-f] [-c CONFIG] [-o FUSE_OPTIONS] MOUNTPOINT\n");
		return 2;
	}
	if (open_state(m, a) < 0)
		return 1;
	build_fuse_args(fa, a);
	m->fuse = fuse_new(fa, fs_operations(), sizeof(struct fuse_operations), &m->fs);
	if (!m->fuse) {
		fprintf(stderr, "tiktokfs: bad mount options: %s\n", strbuf_str(&a->opts));
		return 1;
	}
	return 0;
}

/* Steps 3 to 5, after the fork (or in the foreground): the services and
 * the mount, leaving the terminal, the loop, what was never released.
 * The exit status. */
static int run(struct mount_ctx *m, bool foreground)
{
	int rc;

	if (start(m, foreground) < 0)
		return 1;
	if (m->ready >= 0) {
		daemon_detach(m->ready, m->d.cfg.log_level);
		m->ready = -1;
	} else if (chdir("/") < 0) {
		log_warn("cannot change to /: %s", strerror(errno));
	}
	log_info("mounted %s on %s (staging %s)", "tiktokfs", m->mountpoint, m->d.root);
	rc = serve(m->fuse) < 0 ? 1 : 0; /* a signal number is a clean stop */
	/* Before the tracker goes: what the kernel never released. */
	fs_release_all(&m->fs);
	log_info("unmounting %s", m->mountpoint);
	return rc;
}

int cmd_mount(int argc, char **argv)
{
	struct mount_args a = {.foreground = false};
	struct fuse_args fa = FUSE_ARGS_INIT(0, NULL);
	struct mount_ctx m;
	int rc;

	memset(&m, 0, sizeof(m));
	daemon_init(&m.d);
	fs_ctx_init(&m.fs);
	m.ready = -1;
	strbuf_init(&a.opts);
	rc = prepare(&m, &a, &fa, argc, argv);
	if (rc)
		goto out;
	/* Step 2: no thread and no SQLite connection exists yet. */
	if (!a.foreground && daemon_background(&m.ready) < 0) {
		fprintf(stderr, "tiktokfs: cannot become a daemon: %s\n", strerror(errno));
		rc = 1;
		goto out;
	}
	rc = run(&m, a.foreground);
out:
	stop(&m);
	fuse_opt_free_args(&fa);
	strbuf_release(&a.opts);
	return rc;
}

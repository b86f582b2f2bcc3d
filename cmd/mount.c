/*
 * `tiktokfs [-f] [-c CONFIG] [-o OPTS] MOUNTPOINT`: the daemon.
 *
 * Order of things, and why:
 *  1. config, state_dir (0700) and staging/ with the four folders: errors
 *     reach the terminal as one line and exit 1.
 *  2. fuse_new + fuse_mount, still in the foreground, so a bad mount point
 *     or option is reported to the terminal too.
 *  3. fuse_daemonize (unless -f): it forks, so no thread and no SQLite
 *     connection may exist before it (fcntl locks are per process).
 *  4. store, tracker, tracker_reconcile, the tick thread, the poster: all
 *     before the loop answers a single request, so the mount never shows a
 *     file without its job.
 *  5. fuse_loop_mt until SIGTERM/SIGINT/SIGHUP or an unmount; then stop in
 *     reverse order, keeping all work: the store is the memory.
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
 * copy inside the 0700 state_dir (meta/hooks.h).
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
#include "fs/fs.h"
#include "meta/config.h"
#include "meta/hooks.h"
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

int cmd_mount(int argc, char **argv)
{
	struct mount_args a = { .foreground = false };
	struct fuse_args fa = FUSE_ARGS_INIT(0, NULL);
	struct mount_ctx m;
	struct daemon *d = &m.d;
	struct tt_error err;
	struct fuse *fuse = NULL;
	bool mounted = false, have_cfg = false;
	char *staging = NULL, *mnt_abs = NULL;
	struct stat mst;
	int rc = 1;

	memset(&m, 0, sizeof(m));
	daemon_init(d);
	m.fs.root_fd = -1;
	strbuf_init(&a.opts);
	tt_error_clear(&err);
	errno = 0;
	if (parse_args(argc, argv, &a) < 0) {
		fprintf(stderr, "usage: tiktokfs [-f] [-c CONFIG] [-o FUSE_OPTIONS] MOUNTPOINT\n");
		rc = 2;
		goto out_args;
	}
	if (stat(a.mountpoint, &mst) < 0 || !S_ISDIR(mst.st_mode)) {
		fprintf(stderr, "tiktokfs: %s: %s; create the mount point directory first\n",
			a.mountpoint, errno ? strerror(errno) : "not a directory");
		goto out_args;
	}
	mnt_abs = realpath(a.mountpoint, NULL);
	if (config_load(&d->cfg, a.config, &err) < 0) {
		daemon_print_error(&err);
		goto out_args;
	}
	have_cfg = true;
	log_init((enum log_level)d->cfg.log_level, false);
	staging = xasprintf("%s/staging", d->cfg.state_dir);
	/* the claim before the fork: its refusal reaches the terminal, and the
	 * daemon inherits the lock */
	if (daemon_prepare(d, staging, &err) < 0 || daemon_claim(d, &err) < 0) {
		daemon_print_error(&err);
		goto out_cfg;
	}
	m.fs.root_fd = open(d->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.fs.root_fd < 0) {
		fprintf(stderr, "tiktokfs: %s: cannot open the staging directory: %s\n", d->root,
			strerror(errno));
		goto out_cfg;
	}
	m.fs.root = d->root;
	m.fs.cfg = &d->cfg;
	m.fs.as_root = geteuid() == 0;

	build_fuse_args(&fa, &a);
	fuse = fuse_new(&fa, fs_operations(), sizeof(struct fuse_operations), &m.fs);
	if (!fuse) {
		fprintf(stderr, "tiktokfs: bad mount options: %s\n", strbuf_str(&a.opts));
		goto out_cfg;
	}
	if (fuse_mount(fuse, a.mountpoint) != 0) {
		fprintf(stderr, "tiktokfs: %s: cannot mount here (does it exist, is it empty, "
				"is /dev/fuse usable?)\n",
			a.mountpoint);
		goto out_fuse;
	}
	mounted = true;
	if (fuse_daemonize(a.foreground) != 0) {
		fprintf(stderr, "tiktokfs: cannot become a daemon\n");
		goto out_fuse;
	}
	if (!a.foreground)
		log_init((enum log_level)d->cfg.log_level, true);
	if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0) {
		log_err("cannot install signal handlers");
		goto out_fuse;
	}
	d->config_arg = a.config;
	d->use_syslog = !a.foreground;
	hooks_set_view(d->root, mnt_abs ? mnt_abs : a.mountpoint);
	if (daemon_start(d) < 0)
		goto out_services;
	/* After libfuse's handlers: SIGHUP reloads instead of unmounting. */
	daemon_hup_start(d);
	m.fs.store = d->store;
	m.fs.tracker = d->tracker;
	log_info("mounted %s on %s (staging %s)", "tiktokfs", a.mountpoint, d->root);
	rc = serve(fuse) < 0 ? 1 : 0; /* a signal number is a clean stop */
	log_info("unmounting %s", a.mountpoint);
out_services:
	daemon_stop_workers(d);
	m.fs.tracker = NULL;
	m.fs.store = NULL;
	fuse_remove_signal_handlers(fuse_get_session(fuse));
out_fuse:
	if (mounted)
		fuse_unmount(fuse);
	fuse_destroy(fuse);
out_cfg:
	if (m.fs.root_fd >= 0)
		close(m.fs.root_fd);
	daemon_stop(d); /* tracker, store, lock, root */
	free(staging);
	if (have_cfg)
		config_free(&d->cfg);
out_args:
	free(mnt_abs);
	fuse_opt_free_args(&fa);
	strbuf_release(&a.opts);
	return rc;
}

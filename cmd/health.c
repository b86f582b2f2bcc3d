/*
 * The daemon's health for `tiktokfs status --health` (cmd/health.h).  Three
 * questions, asked in the order a person would fix them: is a daemon
 * running on this state_dir, is a TikTok login saved, is it still valid
 * (TikTok's refresh token lasts 180 days: docs/tiktok.md §2.4).  An access
 * token that expired is not a fault: the daemon refreshes it itself.
 */
#include "cmd/health.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/tokens.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

/* One line of /proc/locks: "1: FLOCK  ADVISORY  WRITE 42 fd:01:1234 0 EOF";
 * a waiter's line has "->" after the number. */
static bool line_holds(const char *line, uint64_t ino)
{
	char type[16], mode[16], access[16];
	unsigned maj, min;
	uint64_t i;
	int pid;

	if (sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%" SCNu64, type, mode, access, &pid, &maj,
		   &min, &i) != 7)
		return false; /* also "->": the fields do not parse */
	return !strcmp(type, "FLOCK") && !strcmp(access, "WRITE") && i == ino;
}

bool health_locks_flock(const char *proc_locks, uint64_t ino)
{
	const char *p = proc_locks;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		bool held = line_holds(line, ino);

		free(line);
		if (held)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

/* The whole of /proc/locks (its size is 0 for stat), or NULL.  Caller frees. */
static char *read_proc_locks(void)
{
	struct strbuf sb;
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/locks", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&sb, NULL);
}

static int check_daemon(const char *state_dir, struct tt_error *err)
{
	char *lock = xasprintf("%s/daemon.lock", state_dir);
	char *locks = NULL;
	struct stat sb;
	int rc = 0;

	if (lstat(lock, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		rc = -ESRCH; /* no daemon ever ran here */
	} else if (!(locks = read_proc_locks())) {
		rc = -errno;
		tt_error_set(err, ERR_RETRY, "/proc/locks: cannot read it: %s", strerror(errno));
		goto out;
	} else if (!health_locks_flock(locks, (uint64_t)sb.st_ino)) {
		rc = -ESRCH;
	}
	if (rc == -ESRCH) {
		tt_error_set(err, ERR_USER,
			     "no tiktokfs (mount or watch) is running with state_dir %s",
			     state_dir);
		tt_error_advise(err, "Start it (`tiktokfs watch DIR` or a mount); its log says "
				     "why it stopped.");
	}
out:
	free(locks);
	free(lock);
	return rc;
}

static int check_login(const struct config *cfg, struct tt_error *err)
{
	const char *conf = cfg->path ? cfg->path : "CONFIG";
	struct token_set ts;
	char when[32];
	int rc = tokens_load(cfg->state_dir, &ts, NULL);

	if (rc == -ENOENT) {
		tt_error_set(err, ERR_USER, "not logged in: %s/tokens.json does not exist",
			     cfg->state_dir);
		tt_error_advise(err, "Run `tiktokfs login -c %s`.", conf);
	} else if (rc < 0) {
		tt_error_set(err, ERR_USER, "%s/tokens.json is unreadable or damaged: %s",
			     cfg->state_dir, strerror(-rc));
		tt_error_advise(err, "Run `tiktokfs login -c %s` again.", conf);
	} else if (ts.refresh_expires && ts.refresh_expires <= (int64_t)time(NULL)) {
		iso_utc(ts.refresh_expires, when, sizeof(when));
		tt_error_set(err, ERR_USER,
			     "the TikTok login expired at %s (a login lasts 180 days)", when);
		tt_error_advise(err, "Run `tiktokfs login -c %s` again.", conf);
		rc = -EKEYEXPIRED;
	}
	memset(&ts, 0, sizeof(ts)); /* no token lingers in this process */
	return rc;
}

int health_check(const struct config *cfg, struct tt_error *err)
{
	int rc = check_daemon(cfg->state_dir, err);

	return rc < 0 ? rc : check_login(cfg, err);
}

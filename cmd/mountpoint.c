/*
 * The mount point, checked and made absolute (see mountpoint.h).  The
 * stale check reads /proc/self/mounts only to name what is mounted there
 * ("a stale tiktokfs mount" or another FUSE filesystem's); the advice is
 * the same either way.
 */
#include "cmd/mountpoint.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/daemon.h"
#include "util/strbuf.h"

/* Undo the octal escapes of /proc/self/mounts ("\040" is a space) in place. */
static void unescape_mounts_field(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Whether the last mount on @abs is tiktokfs's (fstype fuse.tiktokfs). */
static bool mounted_tiktokfs(const char *abs)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char line[8192];
	bool ours = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *dev, *dir, *type;

		dev = strtok_r(line, " ", &save);
		dir = dev ? strtok_r(NULL, " ", &save) : NULL;
		type = dir ? strtok_r(NULL, " ", &save) : NULL;
		if (!type)
			continue;
		unescape_mounts_field(dir);
		if (!strcmp(dir, abs))
			ours = !strcmp(type, "fuse.tiktokfs"); /* the last one wins */
	}
	fclose(f);
	return ours;
}

static void say_stale(const char *arg, struct tt_error *err)
{
	char *abs = daemon_abs_path(arg);

	tt_error_set(err, ERR_USER,
		     "%s is a stale %s mount (its daemon is gone); clear it with: "
		     "fusermount3 -u %s",
		     arg, mounted_tiktokfs(abs) ? "tiktokfs" : "FUSE", abs);
	free(abs);
}

int mountpoint_resolve(const char *arg, char **abs, struct tt_error *err)
{
	struct stat st;
	int rc;

	*abs = NULL;
	if (stat(arg, &st) < 0) {
		rc = -errno;
		if (rc == -ENOTCONN) {
			say_stale(arg, err);
			return rc;
		}
		tt_error_set(err, ERR_USER, "%s: %s", arg, strerror(-rc));
		tt_error_advise(err, "Create the mount point directory first.");
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		tt_error_set(err, ERR_USER, "%s: not a directory", arg);
		tt_error_advise(err, "Mount on an empty directory.");
		return -ENOTDIR;
	}
	*abs = realpath(arg, NULL);
	if (!*abs) {
		rc = -errno;
		tt_error_set(err, ERR_USER, "%s: cannot resolve its path: %s", arg, strerror(-rc));
		return rc;
	}
	return 0;
}

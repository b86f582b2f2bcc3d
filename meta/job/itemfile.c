/*
 * Item files opened through util/safepath.h, refusals put in words; see
 * itemfile.h for why.  The words come from sp_describe() so that every
 * refusal, in the tracker, the poster and `tiktokfs status`, reads the
 * same.
 */
#include "meta/job/itemfile.h"

#include <errno.h>
#include <string.h>

#include "util/safepath.h"

bool itemfile_refused(int rc)
{
	return rc == -ELOOP || rc == -EINVAL || rc == -EMLINK || rc == -ENOTDIR || rc == -EISDIR;
}

/* Fill @err for -errno @rc of sp_open_regular()/sp_check_regular(). */
static void describe(int rc, const struct stat *st, const char *name, struct tt_error *err)
{
	char buf[160];

	if (itemfile_refused(rc)) {
		tt_error_set(err, ERR_USER, "%s is refused: %s", name,
			     sp_describe(rc, st, buf, sizeof(buf)));
		tt_error_advise(err,
				"Replace %s with a plain copy of the file (not a link, a pipe, a "
				"device or a folder); the item is checked again as soon as it "
				"changes.",
				name);
		return;
	}
	tt_error_set(err, rc == -ENOENT ? ERR_PERMANENT : ERR_RETRY, "%s: cannot open: %s", name,
		     strerror(-rc));
}

int itemfile_open(int root_fd, const char *rel, const char *name, struct tt_error *err)
{
	struct stat st;
	int fd;

	memset(&st, 0, sizeof(st));
	fd = sp_open_regular(root_fd, rel, &st);
	if (fd < 0)
		describe(fd, &st, name, err);
	return fd;
}

int itemfile_check(int root_fd, const char *rel, const char *name, struct tt_error *err)
{
	struct stat st;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = sp_check_regular(root_fd, rel, &st);
	if (rc < 0)
		describe(rc, &st, name, err);
	return rc;
}

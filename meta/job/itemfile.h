/*
 * Opening an item's own files (its video, its captions) inside a drop
 * folder that untrusted people write to, with the refusal put in words on
 * the item.
 *
 * The daemon runs as root: a caption that is a symlink to /root/secret, or
 * a hard link to it, would be read and published, and a FIFO or a device
 * node dropped as a video would block or disturb whoever opens it.  Every
 * read of an item file therefore goes through util/safepath.h from the
 * folder's root descriptor, and whatever it refuses becomes an error the
 * user can fix in place ("clip.caption is refused: it is a symbolic link,
 * ..."), class ERR_USER, so the item stays where it is with NAME.error
 * beside it.  The verdict is made from the file each time it is looked at,
 * never remembered, so a restart reaches the same one.
 */
#ifndef TIKTOKFS_ITEMFILE_H
#define TIKTOKFS_ITEMFILE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "util/error.h"

/*
 * Open @rel (relative to @root_fd) for reading: a regular file with one
 * name, reached without following any link.  @name is what messages call
 * it (its base name).  fd (caller closes), or -errno with @err set:
 * ERR_USER when the file is refused (itemfile_refused()), ERR_PERMANENT
 * when it is not there, ERR_RETRY for other failures.
 */
int itemfile_open(int root_fd, const char *rel, const char *name, struct tt_error *err);

/* The same look without opening: 0, or -errno with @err set the same way. */
int itemfile_check(int root_fd, const char *rel, const char *name, struct tt_error *err);

/* Whether -errno @rc from the two above is a refusal of what is there (a
 * link, a FIFO, a socket, a device, a folder, a second name). */
bool itemfile_refused(int rc);

#endif

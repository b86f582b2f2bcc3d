/*
 * Small file helpers that every layer needs and none owns: writing a whole
 * buffer, and replacing a file atomically so that a reader (a person, the
 * daemon after a crash) sees the old content or the new, never half.
 */
#ifndef TIKTOKFS_FILEIO_H
#define TIKTOKFS_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* write(2) until done, retrying on EINTR.  0 or -errno. */
int file_write_all(int fd, const void *data, size_t len);

/*
 * Replace @path with @len bytes of @data, mode @mode: a temporary file in
 * the same directory (".NAME.XXXXXX": a dotfile, which the tracker never
 * takes for an item), written, fsync'ed when @durable, renamed over @path,
 * and the directory fsync'ed when @durable.  0 or -errno; on failure @path
 * is untouched and the temporary is gone.
 */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable);

/*
 * mkdir -p for the program's own directories (state_dir, a watched
 * folder), never for anything inside a drop folder, which goes through
 * util/safepath.h's sp_mkdir_p without following links.  The mode rule:
 * missing parents are made 0755, the last level @mode, both less the
 * umask, as mkdir(1) -p does; directories that exist are left as they are
 * (a caller that needs an exact mode, like state_dir's 0700, chmods it).
 * 0 or -errno (-ENOTDIR when something on the way is not a directory).
 */
int file_mkdir_p(const char *path, mode_t mode);
/* The same walk for a folder that other people must reach (a drop
 * folder's root, meta/job/drop.h): every level it makes, parents too, is
 * given @mode exactly, whatever the umask.  0 or -errno, as above. */
int file_mkdir_p_exact(const char *path, mode_t mode);

/*
 * A directory only its owner may enter (state_dir: it holds the tokens and
 * the staging area): made as file_mkdir_p(@path, 0700) makes it, and an
 * existing one narrowed to 0700 when its mode is anything else.  0 or
 * -errno; @failed (may be NULL) then says what could not be done, "create
 * the directory" or "set mode 0700", for the caller's message.
 */
int file_mkdir_private(const char *path, const char **failed);

/* fsync the directory that holds @path, making a rename or unlink in it
 * durable.  Best effort: errors are ignored. */
void file_sync_parent(const char *path);

#endif

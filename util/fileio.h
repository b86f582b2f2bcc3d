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

/* fsync the directory that holds @path, making a rename or unlink in it
 * durable.  Best effort: errors are ignored. */
void file_sync_parent(const char *path);

#endif

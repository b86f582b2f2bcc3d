/*
 * Media probes: container, duration, size on screen, codec and frame rate,
 * read from a file's own headers without decoding (spec: "Validation before
 * upload").  One file per container family (probe_mp4.c, probe_mkv.c,
 * probe_riff.c, probe_mpeg.c, probe_asf.c) behind this one interface.
 *
 * Hostile input is normal input: every length is bounded by what is left,
 * nothing is read past the end, recursion is limited, and a probe reads at
 * most PROBE_READ_MAX bytes of a file however large it is.
 */
#ifndef TIKTOKFS_PROBE_H
#define TIKTOKFS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "meta/media/media.h"

#define PROBE_READ_MAX (4u * 1024 * 1024)

/*
 * Probe the file at @path; @name (its base name) is used in messages.
 * Returns 0 with @mi filled, or -errno with @err set (tt_error_errno() of
 * its class: -EAGAIN, -EINVAL, -EIO; an open that failed gives its own
 * errno, -ENOENT ...): class ERR_INCOMPLETE when
 * the file looks like an unfinished copy (headers promise more bytes than
 * there are: "clip.mp4: ends at 1234 bytes but its header promises 5678 (an
 * unfinished copy?)"), ERR_PERMANENT when it is not a video at all, or a
 * damaged one ("clip.mp4: not a video file (no known container header)",
 * "clip.mp4: empty file (0 bytes)"), ERR_RETRY when reading failed (I/O
 * error, out of memory).
 *
 * A result says what the headers state, not whether TikTok takes it: the
 * caller checks media_container_mime(), codec, size, fps and duration against the
 * rules.  Unknown values: duration < 0, width/height/fps 0, codec "" (for
 * example H.264 in MPEG-TS, whose picture size is only in the SPS).
 */
int probe_file(const char *path, const char *name, struct media_info *mi, struct tt_error *err);

/*
 * probe_file() for the item file @rel below a drop folder's root
 * descriptor @root_fd, opened through meta/job/itemfile.h: a symlink, a hard
 * link, a FIFO, a socket, a device or a folder is never opened and fails
 * with class ERR_USER ("clip.mp4 is refused: it is a FIFO ..."), which the
 * user fixes in place.
 */
int probe_file_at(int root_fd, const char *rel, const char *name, struct media_info *mi,
		  struct tt_error *err);

/* probe_file() of what the open regular file @fd holds (the poster probes
 * the very descriptor it uploads from). */
int probe_fd(int fd, const char *name, struct media_info *mi, struct tt_error *err);

/*
 * The same over a reader, for tests and fuzzing: @read fills @buf with up to
 * @len bytes at @off and returns the count (0 at the end, -1 on error).
 * @size is the whole file's size.
 */
typedef long (*probe_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
int probe_reader(probe_read_fn read, void *ctx, uint64_t size, const char *name,
		 struct media_info *mi, struct tt_error *err);
/* Convenience for a buffer in memory (@err may be NULL in all three). */
int probe_buffer(const void *data, size_t len, const char *name, struct media_info *mi,
		 struct tt_error *err);

#endif

/*
 * Private to the media probes: the bounded reader every family reads
 * through, byte-order helpers over buffers already read, and the per-family
 * entry points that probe.c dispatches to by magic bytes.
 *
 * Invariants: a family never touches the file except through probe_at(),
 * which refuses anything past the end of the file and anything beyond the
 * read budget (PROBE_READ_MAX bytes in total per probe); a family returns 0
 * with @mi filled or a negative errno with s->err set (probe.c turns it
 * into the errno of s->err's class), and never reads a buffer beyond the
 * count probe_at() returned.
 */
#ifndef TIKTOKFS_PROBE_INT_H
#define TIKTOKFS_PROBE_INT_H

#include "meta/media/probe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_src {
	probe_read_fn read;
	void *ctx;
	uint64_t size;	  /* the whole file */
	uint64_t used;	  /* bytes read so far, against PROBE_READ_MAX */
	bool over_budget; /* a read was refused for the budget */
	bool io_error;	  /* the reader failed */
	const char *name; /* for messages */
	struct tt_error *err;
};

/*
 * Read up to @len bytes at @off into @buf, clipped at the end of the file.
 * Returns the count read (0 at or past the end), -EFBIG when the budget
 * would be exceeded, -EIO when the reader failed (s->over_budget /
 * s->io_error say so too).  Short reads from the reader are retried until
 * the end.
 */
long probe_at(struct probe_src *s, uint64_t off, void *buf, size_t len);
/* The same, but all @len bytes: 0, probe_at()'s error, or -ENODATA for a
 * file that ends first. */
int probe_exact(struct probe_src *s, uint64_t off, void *buf, size_t len);

/* Set the error for @s and return tt_error_errno(@cls). */
int probe_fail(struct probe_src *s, enum err_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "NAME: ends at SIZE bytes but its header promises PROMISED (an unfinished copy?)" */
int probe_incomplete(struct probe_src *s, uint64_t promised);
/* After a failed probe_at(): the matching error (budget, I/O or truncation). */
int probe_read_failed(struct probe_src *s, const char *what);

/* Copy a codec name into @mi->codec. */
void probe_set_codec(struct media_info *mi, const char *codec);
/* Four printable bytes, lower-cased, as a codec name ("" if not printable). */
void probe_set_fourcc(struct media_info *mi, const uint8_t *fcc);

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}
static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* a + b into *out; false on overflow. */
static inline bool add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* The families; each reads what it needs through probe_at(). */
int probe_mp4(struct probe_src *s, struct media_info *mi);
int probe_mkv(struct probe_src *s, struct media_info *mi);
int probe_riff(struct probe_src *s, struct media_info *mi);
int probe_mpeg_ts(struct probe_src *s, struct media_info *mi, unsigned pkt, unsigned lead);
int probe_mpeg_ps(struct probe_src *s, struct media_info *mi);
int probe_asf(struct probe_src *s, struct media_info *mi);

/* Magic tests used by the dispatcher (and the fuzz targets). */
bool probe_is_mp4(const uint8_t *h, size_t n);
bool probe_is_ts(const uint8_t *h, size_t n, uint64_t size, unsigned *pkt, unsigned *lead);

/*
 * probe_buffer() with the family forced instead of found by magic bytes
 * (CONTAINER_MP4, _MKV, _AVI, _MPEG_TS, _MPEG_PS or _ASF): the fuzz targets
 * use it so that each family sees every mutation, not only those that keep
 * its magic intact.
 */
int probe_buffer_as(enum container family, const void *data, size_t len, const char *name,
		    struct media_info *mi, struct tt_error *err);

#endif

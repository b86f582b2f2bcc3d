/*
 * Writing MP4 boxes by hand for the unit tests that need a real video file
 * (test_rules.c, test_poster.c): a buffer with a stack of open boxes whose
 * sizes are filled in when they close.  Test-only, static inline.
 */
#ifndef TIKTOKFS_TEST_MP4W_H
#define TIKTOKFS_TEST_MP4W_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mp4w {
	unsigned char b[2048];
	size_t len;
	size_t stack[8];
	int depth;
};

static inline void put(struct mp4w *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static inline void put32(struct mp4w *m, uint32_t v)
{
	unsigned char x[4] = {v >> 24, v >> 16, v >> 8, v};
	put(m, x, 4);
}

static inline void put16(struct mp4w *m, unsigned v)
{
	unsigned char x[2] = {v >> 8, v};
	put(m, x, 2);
}

static inline void zeros(struct mp4w *m, size_t n)
{
	memset(m->b + m->len, 0, n);
	m->len += n;
}

static inline void open_box(struct mp4w *m, const char *type)
{
	m->stack[m->depth++] = m->len;
	put32(m, 0);
	put(m, type, 4);
}

static inline void close_box(struct mp4w *m)
{
	size_t at = m->stack[--m->depth], size = m->len - at;
	unsigned char x[4] = {size >> 24, size >> 16, size >> 8, size};
	memcpy(m->b + at, x, 4);
}

static inline void matrix(struct mp4w *m)
{
	static const uint32_t unity[9] = {0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000};
	for (int i = 0; i < 9; i++)
		put32(m, unity[i]);
}

#endif

/*
 * A growable, always NUL-terminated string buffer, so that nobody does length
 * arithmetic by hand.  Allocation failure aborts: a daemon that cannot
 * allocate a few bytes has nothing better to do.
 */
#ifndef TIKTOKFS_STRBUF_H
#define TIKTOKFS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf; /* never NULL after strbuf_init(); owned */
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Hand the buffer to the caller (who frees it) and reset @sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Never NULL, even for a buffer that was never written. */
const char *strbuf_str(const struct strbuf *sb);

/* Small checked helpers used everywhere. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* @s without its leading white space, its trailing white space cut off in
 * place: for a line or a field of a line being parsed. */
char *str_trim(char *s);

#endif

/*
 * The address a person pastes into `tiktokfs login`: the one the browser
 * was redirected to, or the address of TikTok's error page, which shows
 * errors of the authorize step instead of redirecting (docs/tiktok.md
 * §2.2).  Standard input arrives in pieces of any size, so lines are
 * assembled here, in a fixed buffer, before oauth_parse_callback sees them.
 * Pure (no I/O), so the unit tests and the fuzzer drive it directly.
 *
 * The buffer may hold a state or a code: what has been consumed is wiped.
 */
#include "net/oauth.h"

#include <errno.h>
#include <string.h>

/* Drop the first @n bytes of the buffer, wiping what moved. */
static void consume(struct oauth_paste *p, size_t n)
{
	size_t rest = p->len - n;

	memmove(p->buf, p->buf + n, rest);
	explicit_bzero(p->buf + rest, p->len - rest);
	p->len = rest;
	p->buf[p->len] = '\0';
}

/* Is the line of @n bytes at @s only blanks? */
static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* The next complete non-blank line (or, at @eof, the rest): 1 when one was
 * parsed into @cb, 0 when none is there yet, or a negative code. */
static int next_line(struct oauth_paste *p, int eof, struct oauth_callback *cb)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);
		size_t n = nl ? (size_t)(nl - p->buf) : p->len;
		int rc;

		if (!nl && !eof)
			return p->len >= OAUTH_PASTE_MAX ? -E2BIG : 0;
		if (!nl && blank(p->buf, n))
			return -ENODATA;
		if (blank(p->buf, n)) {
			consume(p, n + 1);
			continue;
		}
		if (memchr(p->buf, '\0', n)) {
			consume(p, nl ? n + 1 : n);
			return -EINVAL;
		}
		p->buf[n] = '\0';
		rc = oauth_parse_callback(p->buf, cb);
		consume(p, nl ? n + 1 : n);
		return rc ? -EINVAL : 1;
	}
}

int oauth_paste_feed(struct oauth_paste *p, const char *data, size_t n, struct oauth_callback *cb)
{
	if (!n)
		return next_line(p, 1, cb);
	while (n) {
		size_t room = OAUTH_PASTE_MAX - p->len;
		size_t take = n < room ? n : room;
		int rc;

		memcpy(p->buf + p->len, data, take);
		p->len += take;
		p->buf[p->len] = '\0';
		data += take;
		n -= take;
		rc = next_line(p, 0, cb);
		if (rc)
			return rc;
	}
	return 0;
}

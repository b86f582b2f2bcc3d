/*
 * The loopback listener that catches Login Kit's redirect (docs/tiktok.md
 * §2.2) for `tiktokfs login` in browser mode.
 *
 * 127.0.0.1:PORT is open to every local process and to every web page the
 * user has open (a page may send requests to localhost), so nothing that
 * arrives is trusted: oauth_judge_request lets through only a GET of our
 * path carrying exactly our state, and everything else is answered 400 (404
 * for another path) with a short page saying it was ignored, and the wait
 * goes on.  An error from TikTok without our state is ignored too: it
 * would let anyone cancel the login and print text of their choosing.
 *
 * TikTok's own error page never redirects here (docs/tiktok.md §2.2), so
 * the same wait also reads standard input, where the user may paste the
 * address of that page (or of the redirect, should the browser be on
 * another machine): whichever comes first ends the wait.  What was pasted
 * is the user's own, so its error is told even without our state
 * (oauth_check_callback).  After a while with neither, a hint says what
 * usually went wrong, since waiting in silence teaches nothing.
 *
 * One thread serves every connection with poll(): up to LISTEN_CONNS at a
 * time, each with its own buffer and a deadline of LISTEN_READ_SEC to send
 * its whole request head (at most LISTEN_HEAD_MAX bytes; more is answered
 * 400).  When all slots are taken, the oldest connection is dropped for
 * the new one: a browser sends its request at once (and it is read as
 * soon as it is accepted), so only an idle connection stays the oldest for
 * long, and no number of idle or half-sent connections holds up the real
 * redirect.  Should a flood push the browser's connection out all the
 * same, reloading the page sends the redirect again: its code is unused.
 */
#include "net/oauth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/strbuf.h"

#define LISTEN_CONNS 32
#define LISTEN_HEAD_MAX 16384
#define LISTEN_READ_SEC 10

struct conn {
	int fd; /* -1: a free slot */
	int64_t deadline_ms;
	size_t len;
	char buf[LISTEN_HEAD_MAX + 1];
};

struct listener {
	int lfd;
	const char *path, *state;
	int paste_fd;	      /* -1 once the input ended (or none) */
	int64_t hint_ms;      /* when to give the hint; 0: given or none */
	struct tt_error *err; /* why the wait ended without an answer */
	const struct oauth_wait *w;
	struct oauth_paste paste;
	struct conn c[LISTEN_CONNS];
};

/* Milliseconds on the monotonic clock, poll(2)'s unit. */
static int64_t now_ms(void)
{
	/* real: a person's browser and the network answer in real time */
	return (int64_t)(mono_real_now() * 1000.0);
}

int oauth_listen_socket(int port, struct tt_error *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		goto fail;
	return fd;
fail:
	tt_error_set(err, ERR_USER, "cannot listen on 127.0.0.1:%d for the login redirect: %s",
		     port, strerror(errno));
	tt_error_advise(err, "Free the port, or use --no-browser.");
	if (fd >= 0)
		close(fd);
	return tt_error_errno(err->cls);
}

/* Answer and hang up.  MSG_NOSIGNAL: a client that already left must not
 * end the login with SIGPIPE; MSG_DONTWAIT: nor stall it (the answer fits
 * in any socket buffer, and nobody is owed a retry). */
static void answer(struct conn *c, int code, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	const char *reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Bad Request";
	char body[512];
	int n = snprintf(body, sizeof(body),
			 "<!doctype html><html><head><meta charset=\"utf-8\"><title>tiktokfs"
			 "</title></head><body><p>%s</p></body></html>\n",
			 msg);

	strbuf_init(&sb);
	strbuf_addf(&sb,
		    "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Length: %d\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n%s",
		    code, reason, n, body);
	if (send(c->fd, sb.buf, sb.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client went away: nothing to tell it */
	}
	strbuf_release(&sb);
}

static void drop(struct conn *c)
{
	explicit_bzero(c->buf, c->len); /* it may hold our state or a code */
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Is the head in @c complete (the blank line after the headers)? */
static int head_done(const struct conn *c)
{
	return strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n");
}

/*
 * Judge the request in @c and answer it.  1 when it was this login's
 * redirect (@cb filled), else 0; the connection is closed either way.
 */
static int serve(struct listener *l, struct conn *c, struct oauth_callback *cb)
{
	int rc = memchr(c->buf, '\0', c->len)
		     ? -EINVAL
		     : oauth_judge_request(c->buf, c->len, l->path, l->state, cb);

	if (rc == 0)
		answer(c, 200,
		       cb->error[0] ? "TikTok refused the login; see the terminal."
				    : "Logged in. You can close this window.");
	else if (rc == -ENOENT)
		answer(c, 404, "Not found: ignored.");
	else
		answer(c, 400, "This is not the answer to the running tiktokfs login: ignored.");
	drop(c);
	return rc == 0;
}

/* Read what @c has sent; serve it once the head is complete or too long.
 * 1 when that was our redirect. */
static int on_readable(struct listener *l, struct conn *c, struct oauth_callback *cb)
{
	ssize_t n = recv(c->fd, c->buf + c->len, LISTEN_HEAD_MAX - c->len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0) {
		drop(c); /* gone before finishing its request */
		return 0;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (head_done(c) || c->len == LISTEN_HEAD_MAX)
		return serve(l, c, cb);
	return 0;
}

/* A free slot, or the oldest connection's, dropped. */
static struct conn *slot(struct listener *l)
{
	struct conn *old = &l->c[0];

	for (int i = 0; i < LISTEN_CONNS; i++) {
		if (l->c[i].fd < 0)
			return &l->c[i];
		if (l->c[i].deadline_ms < old->deadline_ms)
			old = &l->c[i];
	}
	drop(old);
	return old;
}

/*
 * Take the connections waiting in the backlog, at most a slot's worth per
 * round so that reading keeps up under a flood.  Each is read at once: a
 * browser's request is usually there already, and is then served before a
 * later connection could push it out.  1 when that was our redirect.
 */
static int on_accept(struct listener *l, struct oauth_callback *cb)
{
	for (int i = 0; i < LISTEN_CONNS; i++) {
		int fd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct conn *c;

		if (fd < 0)
			return 0;
		c = slot(l);
		c->fd = fd;
		c->len = 0;
		c->buf[0] = '\0';
		c->deadline_ms = now_ms() + LISTEN_READ_SEC * 1000;
		if (on_readable(l, c, cb))
			return 1;
	}
	return 0;
}

/* Tell the user why the paste was not taken.  -1: the wait ends. */
static int paste_refused(struct listener *l, int rc)
{
	if (rc == -ENODATA) {
		l->paste_fd = -1;
		if (l->lfd >= 0)
			return 0; /* no input (a service, </dev/null): the listener goes on */
		tt_error_set(l->err, ERR_USER, "no address was pasted (standard input ended)");
	} else if (rc == -E2BIG) {
		tt_error_set(l->err, ERR_USER, "the pasted line is longer than %d bytes",
			     OAUTH_PASTE_MAX);
	} else {
		tt_error_set(l->err, ERR_USER,
			     "the pasted text is not an address with a code or an error");
	}
	tt_error_advise(l->err, "Run `tiktokfs login` again and paste the whole address from "
				"the browser's address bar: the page you were sent to, or "
				"TikTok's error page.");
	return -1;
}

/* Read what was pasted.  1: an address parsed into @cb; 0: go on; -1: end. */
static int on_paste(struct listener *l, struct oauth_callback *cb)
{
	char buf[4096];
	ssize_t n = read(l->paste_fd, buf, sizeof(buf));
	int rc;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	rc = oauth_paste_feed(&l->paste, buf, n > 0 ? (size_t)n : 0, cb);
	explicit_bzero(buf, sizeof(buf));
	if (rc == 1)
		return 1;
	return rc ? paste_refused(l, rc) : 0;
}

/* The next wake-up: @end_ms, the hint, or the first connection's deadline
 * (connections past theirs are dropped here). */
static int64_t collect(struct listener *l, int64_t end_ms, struct pollfd *p, int *idx, int *n)
{
	int64_t now = now_ms(), wake = end_ms;

	if (l->hint_ms && l->hint_ms < wake)
		wake = l->hint_ms;
	for (int i = 0; i < LISTEN_CONNS; i++) {
		if (l->c[i].fd < 0)
			continue;
		if (l->c[i].deadline_ms <= now) {
			/* Too slow to send a request: idle or hostile. */
			if (l->c[i].len)
				answer(&l->c[i], 400, "Incomplete request: ignored.");
			drop(&l->c[i]);
			continue;
		}
		if (l->c[i].deadline_ms < wake)
			wake = l->c[i].deadline_ms;
		p[*n] = (struct pollfd){.fd = l->c[i].fd, .events = POLLIN};
		idx[(*n)++] = i;
	}
	return wake > now ? wake - now : 0;
}

/* One round of poll(): until @end_ms at most, the hint, or the first
 * connection's deadline.  1 when our answer came, 0 to go on, -1 to end. */
static int round_once(struct listener *l, int64_t end_ms, struct oauth_callback *cb)
{
	struct pollfd p[LISTEN_CONNS + 2] = {{.fd = l->lfd, .events = POLLIN},
					     {.fd = l->paste_fd, .events = POLLIN}};
	int idx[LISTEN_CONNS + 2], n = 2, ready;
	int64_t wait = collect(l, end_ms, p, idx, &n);

	ready = poll(p, (nfds_t)n, (int)wait);
	if (l->hint_ms && now_ms() >= l->hint_ms) {
		l->hint_ms = 0;
		l->w->hint(l->w->arg);
	}
	if (ready <= 0)
		return 0;
	for (int k = 2; k < n; k++)
		if (p[k].revents && on_readable(l, &l->c[idx[k]], cb))
			return 1;
	if (l->paste_fd >= 0 && p[1].revents) {
		int rc = on_paste(l, cb);
		if (rc)
			return rc;
	}
	return l->lfd >= 0 && (p[0].revents & POLLIN) && on_accept(l, cb);
}

int oauth_wait_answer(const struct oauth_wait *w, struct oauth_callback *cb, struct tt_error *err)
{
	struct listener *l = calloc(1, sizeof(*l));
	int64_t start = now_ms(), end_ms = start + (int64_t)w->timeout_sec * 1000;
	int rc = 0;

	memset(cb, 0, sizeof(*cb));
	if (!l) {
		tt_error_set(err, ERR_USER, "out of memory waiting for the login's answer");
		return tt_error_errno(err->cls);
	}
	l->lfd = w->lfd;
	l->paste_fd = w->paste_fd;
	l->path = w->path;
	l->state = w->state;
	l->err = err;
	l->w = w;
	l->hint_ms = w->hint && w->hint_ms >= 0 ? start + w->hint_ms : 0; /* start > 0 */
	for (int i = 0; i < LISTEN_CONNS; i++)
		l->c[i].fd = -1;
	while (!rc && now_ms() < end_ms)
		rc = round_once(l, end_ms, cb);
	if (!rc && l->hint_ms)
		w->hint(w->arg); /* the causes, before the timeout that refers to them */
	if (!rc) {
		tt_error_set(err, ERR_USER, "no answer from TikTok within %d s (--timeout)",
			     w->timeout_sec);
		tt_error_advise(err, "Nothing came back from the browser and nothing was "
				     "pasted: see the causes above, then run `tiktokfs login` "
				     "again.");
	}
	for (int i = 0; i < LISTEN_CONNS; i++)
		drop(&l->c[i]);
	explicit_bzero(&l->paste, sizeof(l->paste));
	free(l);
	return rc == 1 ? 0 : tt_error_errno(err->cls);
}

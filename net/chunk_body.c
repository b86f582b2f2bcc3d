/*
 * One chunk's body for libcurl (net/chunk_body.h): read, rewind, progress.
 */
#include "net/chunk_body.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

void chunk_body_init(struct chunk_body *b, const struct upload_chunk *c)
{
	*b = (struct chunk_body){.c = c, .len = c ? c->last - c->first + 1 : 0};
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct chunk_body *b = arg;
	size_t want = size * nitems;
	ssize_t n;

	if (!b->c || b->pos >= b->len)
		return 0;
	if (want > b->len - b->pos)
		want = (size_t)(b->len - b->pos);
	do
		n = pread(b->c->fd, buf, want, (off_t)(b->c->first + b->pos));
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		b->read_errno = n < 0 ? errno : 0;
		b->short_file = n == 0;
		return CURL_READFUNC_ABORT;
	}
	b->pos += (uint64_t)n;
	return (size_t)n;
}

static int on_seek(void *arg, curl_off_t offset, int origin)
{
	struct chunk_body *b = arg;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->pos = (uint64_t)offset;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct chunk_body *b = arg;

	(void)dltotal, (void)dlnow, (void)ultotal;
	if (b->c && b->c->progress && b->c->progress(b->c->arg, ulnow > 0 ? (uint64_t)ulnow : 0)) {
		b->aborted = true;
		return 1;
	}
	return 0;
}

void chunk_body_send(CURL *h, struct chunk_body *b)
{
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->len);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(h, CURLOPT_READDATA, b);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, b);
}

void chunk_body_watch(CURL *h, struct chunk_body *b)
{
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, b);
}

/*
 * Chunk PUTs (docs/tiktok.md §5.5).  The request carries exactly the headers
 * TikTok requires: Content-Type, Content-Length (CURLOPT_INFILESIZE_LARGE,
 * never chunked transfer encoding, which TikTok refuses) and Content-Range
 * "bytes F-L/T"; an empty "Expect:" so that libcurl does not wait for a
 * 100 Continue that a server may never send; no Authorization (the URL's
 * upload_token is the credential).
 *
 * The body comes from the staging file through pread() at the chunk's
 * offset, in the pieces libcurl asks for (its own upload buffer, 64 KiB by
 * default): memory use does not depend on the chunk or the file size.  A
 * seek callback lets libcurl rewind when it must resend on a fresh
 * connection.  If the file holds fewer bytes than planned (the user
 * truncated it), the transfer is aborted with UPLOAD_FILE_ERROR rather
 * than sending a short body.
 *
 * Classification, for the worker to act on: 206 more, 201 done (200 too,
 * defensively, as integrators do), 416 resync, 403/404 the URL is dead
 * (expired after its hour, or no task), 5xx/408/429 and transport errors
 * retry the same range, other 4xx are permanent.
 */
#include "net/upload.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net/chunk_body.h"
#include "util/log.h"

/* State of one transfer, shared by the callbacks. */
struct xfer {
	struct chunk_body body; /* the chunk, read from the file (net/chunk_body.h) */
	struct upload_reply *rep;
};

/* Keep only what we need from the answer's headers. */
static size_t on_header(char *data, size_t size, size_t nitems, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nitems;
	char line[256];
	size_t len = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
	char *v;
	uint64_t f, l, t;

	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	v = strchr(line, ':');
	if (!v)
		return n;
	*v++ = '\0';
	v += strspn(v, " \t");
	if (!strcasecmp(line, "Content-Range") && upload_parse_range(v, &f, &l, &t) == 0 &&
	    f == 0) {
		x->rep->have_range = true;
		x->rep->range_end = l;
		x->rep->range_total = t;
	} else if (!strcasecmp(line, "X-Tt-Logid")) {
		snprintf(x->rep->log_id, sizeof(x->rep->log_id), "%s", v);
	}
	return n;
}

/* The answer's body is undocumented (§5.5): read and drop it. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data, (void)arg;
	return size * nmemb;
}

int upload_parse_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *total)
{
	unsigned long long f, l, t;
	int used = 0;

	if (!value || strncmp(value, "bytes ", 6))
		return -EINVAL;
	/* digits only: %llu alone would take "-1" and wrap it */
	if (strspn(value + 6, "0123456789-/") < strcspn(value + 6, " \t") ||
	    !isdigit((unsigned char)value[6]) || strstr(value + 6, "--") || strstr(value + 6, "-/"))
		return -EINVAL;
	if (sscanf(value + 6, "%llu-%llu/%llu%n", &f, &l, &t, &used) != 3)
		return -EINVAL;
	if (value[6 + used] && value[6 + used] != ' ' && value[6 + used] != '\t')
		return -EINVAL;
	if (l < f || l >= t)
		return -EINVAL;
	*first = f;
	*last = l;
	*total = t;
	return 0;
}

const char *upload_result_name(enum upload_result r)
{
	static const char *names[] = {"more",  "done",	   "resync",	 "expired",
				      "retry", "rejected", "file error", "aborted"};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

#define UPLOAD_BUFFER_MAX (1L << 20)
#define UPLOAD_BUFFER_MIN (16L << 10)

/*
 * libcurl reads and sends 64 KiB at a time by default: 16k reads and 65k
 * sends per GiB.  1 MiB brings the CPU per byte down to curl's own (make
 * bench).  Under bandwidth_limit a buffer is sent in one burst and then
 * waited for, so it is kept to about an eighth of a second's worth: the
 * rate, and the progress users watch, stay smooth.
 */
static long upload_buffer(uint64_t max_send_speed)
{
	if (!max_send_speed || max_send_speed / 8 >= (uint64_t)UPLOAD_BUFFER_MAX)
		return UPLOAD_BUFFER_MAX;
	if (max_send_speed / 8 <= (uint64_t)UPLOAD_BUFFER_MIN)
		return UPLOAD_BUFFER_MIN;
	return (long)(max_send_speed / 8);
}

static void set_options(CURL *h, const char *url, struct xfer *x, struct curl_slist *hdrs,
			char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	chunk_body_send(h, &x->body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	chunk_body_watch(h, &x->body);
	curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)x->body.c->max_send_speed);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, upload_buffer(x->body.c->max_send_speed));
}

/* Put the handle back the way http_easy_new() left it, so that a handle
 * shared with JSON calls never carries a dangling callback pointer. */
static void clear_options(CURL *h)
{
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_READDATA, NULL);
	curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_SEEKDATA, NULL);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, NULL);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, NULL);
	curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)0);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
}

/* What an HTTP answer means (§5.5's table). */
static enum upload_result classify_status(const struct upload_chunk *c, struct upload_reply *rep,
					  struct tt_error *err)
{
	long s = rep->http_status;

	if (s == 206)
		return UPLOAD_MORE;
	if (s == 201)
		return UPLOAD_DONE;
	if (s == 200)
		return c->is_last ? UPLOAD_DONE : UPLOAD_MORE;
	tt_error_code(err, "", rep->log_id);
	err->http_status = (int)s;
	if (s == 416) {
		tt_error_set(err, ERR_RETRY,
			     "upload: TikTok holds a different part of the file than bytes "
			     "%" PRIu64 "-%" PRIu64 "/%" PRIu64 " (HTTP 416)",
			     c->first, c->last, c->total);
		return UPLOAD_RESYNC;
	}
	if (s == 403 || s == 404) {
		tt_error_set(err, ERR_RETRY,
			     "upload: the upload link %s (HTTP %ld); a new upload must start",
			     s == 403 ? "expired" : "is no longer known to TikTok", s);
		return UPLOAD_EXPIRED;
	}
	if (s >= 500 || s == 408 || s == 429) {
		tt_error_set(err, ERR_RETRY,
			     "upload: TikTok answered HTTP %ld to bytes %" PRIu64 "-%" PRIu64
			     "/%" PRIu64,
			     s, c->first, c->last, c->total);
		tt_error_advise(err, "Nothing to do: the chunk is sent again.");
		return UPLOAD_RETRY;
	}
	tt_error_set(err, ERR_PERMANENT,
		     "upload: TikTok refused bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 " (HTTP %ld)",
		     c->first, c->last, c->total, s);
	tt_error_advise(err, "This is a tiktokfs bug or a file that changed while it was sent; "
			     "move the item back to outbox/ to try again.");
	return UPLOAD_REJECTED;
}

/* What a transport failure means. */
static enum upload_result classify_curl(const struct xfer *x, CURLcode cc, const char *msg,
					struct tt_error *err)
{
	const struct upload_chunk *c = x->body.c;

	if (x->body.aborted) {
		tt_error_set(err, ERR_RETRY, "upload stopped");
		return UPLOAD_ABORTED;
	}
	if (x->body.short_file || x->body.read_errno) {
		tt_error_set(
		    err, ERR_INCOMPLETE,
		    "upload: cannot read bytes %" PRIu64 "-%" PRIu64 " of the staged file (%s)",
		    c->first, c->last,
		    x->body.read_errno ? strerror(x->body.read_errno) : "it is shorter than planned");
		tt_error_advise(err,
				"The file changed after it was complete; it is checked again.");
		return UPLOAD_FILE_ERROR;
	}
	tt_error_set(err, ERR_RETRY, "upload: network: %s", msg[0] ? msg : curl_easy_strerror(cc));
	log_redact_http(err->what, sizeof(err->what)); /* curl may quote the URL */
	tt_error_advise(err, "Nothing to do: the chunk is sent again.");
	return UPLOAD_RETRY;
}

enum upload_result upload_chunk(CURL *h, const char *url, const struct upload_chunk *c,
				struct upload_reply *rep, struct tt_error *err)
{
	struct xfer x = {.rep = rep};
	struct curl_slist *hdrs = NULL;
	char line[160], errbuf[CURL_ERROR_SIZE] = "";
	enum upload_result r;
	CURLcode cc;

	memset(rep, 0, sizeof(*rep));
	tt_error_clear(err);
	log_add_token(url); /* also a URL resumed from the store */
	chunk_body_init(&x.body, c);

	snprintf(line, sizeof(line), "Content-Type: %s", c->content_type);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof(line), "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
		 c->first, c->last, c->total);
	hdrs = curl_slist_append(hdrs, line);
	hdrs = curl_slist_append(hdrs, "Expect:");
	hdrs = curl_slist_append(hdrs, "Transfer-Encoding:");
	if (!hdrs) {
		tt_error_set(err, ERR_RETRY, "upload: out of memory");
		return UPLOAD_RETRY;
	}

	set_options(h, url, &x, hdrs, errbuf);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep->http_status);
		r = classify_status(c, rep, err);
	} else {
		r = classify_curl(&x, cc, errbuf, err);
	}
	clear_options(h);
	curl_slist_free_all(hdrs);
	return r;
}

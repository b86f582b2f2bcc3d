/*
 * The resumable upload's requests (net/yt_upload.h, docs/youtube.md §4).
 * One transfer function serves the three: a POST with the metadata (the
 * session start), a PUT with a chunk read by pread() in the pieces libcurl
 * asks for, and a PUT with no body (the status query).  Redirects are never
 * followed (http_easy_new): 308 is Google's "Resume Incomplete", not a
 * redirect.  From the answer only the headers that matter are kept:
 * Location (the session URI), Range (what the server holds, the only truth
 * the worker resumes from), X-GUploader-UploadID (for support),
 * X-HTTP-Status-Code-Override (a 308 dressed as 200); and a bounded body,
 * the video resource or Google's error envelope.
 */
#include "net/yt_upload.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net/http.h"
#include "net/tjson.h"
#include "net/yt_errors.h"
#include "net/chunk_body.h"
#include "util/log.h"
#include "util/strbuf.h"

#define BODY_MAX (256u << 10)

struct yt_xfer {
	struct chunk_body chunk; /* the chunk, if any (net/chunk_body.h) */
	struct yt_reply *rep;
	char *location; /* owned */
	long override;	/* X-HTTP-Status-Code-Override, 0 if none */
	struct strbuf body;
};

static void keep_header(struct yt_xfer *x, const char *name, const char *v)
{
	if (!strcasecmp(name, "Location")) {
		free(x->location);
		x->location = xstrdup(v);
		log_add_token(x->location);
	} else if (!strcasecmp(name, "Range")) {
		x->rep->have_range = yt_parse_range(v, &x->rep->held) == 0;
	} else if (!strcasecmp(name, "X-GUploader-UploadID")) {
		snprintf(x->rep->upload_id, sizeof(x->rep->upload_id), "%.90s", v);
	} else if (!strcasecmp(name, "X-HTTP-Status-Code-Override")) {
		x->override = strtol(v, NULL, 10);
	}
}

static size_t on_header(char *data, size_t size, size_t nitems, void *arg)
{
	size_t n = size * nitems;
	char line[4096];
	size_t len = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
	char *v;

	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (!strncmp(line, "HTTP/", 5)) /* a new answer (100 Continue first) */
		((struct yt_xfer *)arg)->override = 0;
	v = strchr(line, ':');
	if (!v)
		return n;
	*v++ = '\0';
	v += strspn(v, " \t");
	keep_header(arg, line, v);
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct yt_xfer *x = arg;
	size_t n = size * nmemb;

	if (x->body.len + n <= BODY_MAX)
		strbuf_add(&x->body, data, n);
	return n;
}

int yt_parse_range(const char *value, uint64_t *held)
{
	unsigned long long a, b;
	int used = 0;

	if (!value || strncmp(value, "bytes=", 6) ||
	    strspn(value + 6, "0123456789-") != strlen(value + 6))
		return -EINVAL;
	if (sscanf(value + 6, "%llu-%llu%n", &a, &b, &used) != 2 || value[6 + used] || a != 0 ||
	    b == UINT64_MAX)
		return -EINVAL;
	*held = (uint64_t)b + 1;
	return 0;
}

/* The video resource of a finished upload into @rep; 0, or -1 without an id. */
static int parse_video(const json_t *root, struct yt_reply *rep)
{
	const json_t *st = json_object_get(root, "status");

	if (tjson_copy(rep->video_id, sizeof(rep->video_id), root, "id") || !rep->video_id[0] ||
	    strspn(rep->video_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789-_") != strlen(rep->video_id))
		return -1;
	tjson_copy(rep->upload_status, sizeof(rep->upload_status), st, "uploadStatus");
	tjson_copy(rep->privacy, sizeof(rep->privacy), st, "privacyStatus");
	return 0;
}

static const char *error_reason(const json_t *root)
{
	const json_t *errs = json_object_get(json_object_get(root, "error"), "errors");

	return tjson_str(json_array_get(errs, 0), "reason");
}

enum yt_answer yt_classify(long status, const char *body, size_t len, struct yt_reply *rep,
			   struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = len ? tjson_parse(body, len, &jerr) : NULL;
	enum yt_answer a;

	rep->http_status = status;
	if (status == 308) {
		if (!rep->have_range)
			rep->held = 0; /* no Range: nothing received (§4.2) */
		a = YT_MORE;
	} else if ((status == 200 || status == 201) && root && parse_video(root, rep) == 0) {
		a = YT_DONE;
	} else if (status == 200 || status == 201) {
		tt_error_set(err, ERR_RETRY, "YouTube's answer to the last byte names no video");
		tt_error_advise(err, "Nothing to do: it is asked again.");
		a = YT_RETRY;
	} else {
		snprintf(rep->reason, sizeof(rep->reason), "%s", error_reason(root));
		yt_errors_apply(err, status, rep->reason);
		if (status == 401 && strcmp(rep->reason, "youtubeSignupRequired"))
			a = YT_AUTH;
		else if (status == 404 || status == 410)
			a = YT_GONE;
		else
			a = err->cls == ERR_RETRY ? YT_RETRY : YT_REFUSED;
	}
	json_decref(root);
	return a;
}

static void set_body_options(CURL *h, struct yt_xfer *x, const char *post)
{
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	if (post) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(post));
		return;
	}
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	chunk_body_send(h, &x->chunk);
	if (x->chunk.c)
		curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)x->chunk.c->max_send_speed);
}

/* Back to the way http_easy_new() left the handle: no dangling pointers. */
static void clear_options(CURL *h)
{
	static const CURLoption ptrs[] = {
	    CURLOPT_HTTPHEADER,	  CURLOPT_READFUNCTION,	    CURLOPT_READDATA,
	    CURLOPT_SEEKFUNCTION, CURLOPT_SEEKDATA,	    CURLOPT_HEADERFUNCTION,
	    CURLOPT_HEADERDATA,	  CURLOPT_XFERINFOFUNCTION, CURLOPT_XFERINFODATA,
	    CURLOPT_ERRORBUFFER,  CURLOPT_POSTFIELDS,	    CURLOPT_WRITEDATA};

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
		curl_easy_setopt(h, ptrs[i], NULL);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_POST, 0L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)0);
}

/* One request; the HTTP status, or 0 with *@cc on a transport failure. */
static long transfer(CURL *h, const char *url, const char *token, struct curl_slist *hdrs,
		     struct yt_xfer *x, const char *post, CURLcode *cc, char *errbuf)
{
	char *auth = xasprintf("Authorization: Bearer %s", token ? token : "");
	long status = 0;

	hdrs = curl_slist_append(hdrs, auth);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	set_body_options(h, x, post);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	chunk_body_watch(h, &x->chunk);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	*cc = curl_easy_perform(h);
	if (*cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	clear_options(h);
	curl_slist_free_all(hdrs);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (status == 200 && x->override == 308)
		status = 308;
	return status;
}

/* A transport failure of a PUT on the session URI. */
static enum yt_answer put_failed(const struct yt_xfer *x, CURLcode cc, const char *msg,
				 struct tt_error *err)
{
	if (x->chunk.aborted) {
		tt_error_set(err, ERR_RETRY, "upload stopped");
		return YT_ABORTED;
	}
	if (x->chunk.short_file || x->chunk.read_errno) {
		tt_error_set(err, ERR_INCOMPLETE,
			     "cannot read bytes %" PRIu64 "-%" PRIu64 " of the staged file (%s)",
			     x->chunk.c->first, x->chunk.c->last,
			     x->chunk.read_errno ? strerror(x->chunk.read_errno)
					   : "it is shorter than planned");
		tt_error_advise(err,
				"The file changed after it was complete; it is checked again.");
		return YT_FILE_ERROR;
	}
	tt_error_set(err, ERR_RETRY, "network: YouTube upload: %s",
		     msg[0] ? msg : curl_easy_strerror(cc));
	log_redact_http(err->what, sizeof(err->what)); /* curl may quote the URL */
	tt_error_advise(err, "Nothing to do: it is asked again and resumed.");
	return YT_RETRY;
}

static enum yt_answer put(CURL *h, const char *uri, const char *token, struct curl_slist *hdrs,
			  struct yt_xfer *x, struct yt_reply *rep, struct tt_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	long status;
	enum yt_answer a;

	log_add_token(uri);
	status = transfer(h, uri, token, hdrs, x, NULL, &cc, errbuf);
	a = cc == CURLE_OK ? yt_classify(status, x->body.buf, x->body.len, rep, err)
			   : put_failed(x, cc, errbuf, err);
	strbuf_release(&x->body);
	free(x->location);
	return a;
}

enum yt_answer yt_put_chunk(CURL *h, const char *uri, const char *token,
			    const struct upload_chunk *c, struct yt_reply *rep,
			    struct tt_error *err)
{
	struct yt_xfer x = {.rep = rep};
	struct curl_slist *hdrs = NULL;
	char line[160];

	chunk_body_init(&x.chunk, c);
	memset(rep, 0, sizeof(*rep));
	tt_error_clear(err);
	strbuf_init(&x.body);
	snprintf(line, sizeof(line), "Content-Type: %s", c->content_type);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof(line), "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
		 c->first, c->last, c->total);
	hdrs = curl_slist_append(hdrs, line);
	hdrs = curl_slist_append(hdrs, "Transfer-Encoding:");
	return put(h, uri, token, hdrs, &x, rep, err);
}

enum yt_answer yt_query(CURL *h, const char *uri, const char *token, uint64_t total,
			struct yt_reply *rep, struct tt_error *err)
{
	struct yt_xfer x = {.rep = rep};
	char line[96];

	memset(rep, 0, sizeof(*rep));
	tt_error_clear(err);
	strbuf_init(&x.body);
	snprintf(line, sizeof(line), "Content-Range: bytes */%" PRIu64, total);
	return put(h, uri, token, curl_slist_append(NULL, line), &x, rep, err);
}

/* Failures that happen before a byte of the request can reach Google. */
static bool never_sent(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
	       cc == CURLE_COULDNT_CONNECT || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	       cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_URL_MALFORMAT ||
	       cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_OUT_OF_MEMORY;
}

/* The session start's answer when no session URI came with it. */
static enum yt_answer start_failed(long status, CURLcode cc, const char *msg, struct yt_xfer *x,
				   struct tt_error *err)
{
	enum yt_answer a;

	if (cc != CURLE_OK || status == 200) {
		tt_error_set(err, ERR_RETRY, "network: YouTube upload start: %s",
			     cc != CURLE_OK ? (msg[0] ? msg : curl_easy_strerror(cc))
					    : "the answer had no session address");
		log_redact_http(err->what, sizeof(err->what));
		tt_error_advise(err, "Nothing to do: it is tried again.");
		if (cc != CURLE_OK && never_sent(cc))
			return YT_RETRY;
		tt_error_code(err, "session_outcome_unknown", "");
		return YT_LOST;
	}
	a = yt_classify(status, x->body.buf, x->body.len, x->rep, err);
	return a == YT_GONE || a == YT_MORE || a == YT_DONE ? YT_REFUSED : a;
}

enum yt_answer yt_session_start(CURL *h, const char *api_base, const char *token,
				const char *meta_json, uint64_t size, const char *mime, char **uri,
				struct yt_reply *rep, struct tt_error *err)
{
	struct yt_xfer x = {.rep = rep};
	struct curl_slist *hdrs = NULL;
	char *url = xasprintf(
	    "%s/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status", api_base);
	char line[160], errbuf[CURL_ERROR_SIZE] = "";
	enum yt_answer a = YT_MORE;
	CURLcode cc;
	long status;

	*uri = NULL;
	memset(rep, 0, sizeof(*rep));
	tt_error_clear(err);
	strbuf_init(&x.body);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json; charset=UTF-8");
	snprintf(line, sizeof(line), "X-Upload-Content-Length: %" PRIu64, size);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof(line), "X-Upload-Content-Type: %s", mime);
	hdrs = curl_slist_append(hdrs, line);
	status = transfer(h, url, token, hdrs, &x, meta_json, &cc, errbuf);
	rep->http_status = status;
	if (cc == CURLE_OK && status == 200 && x.location && !strncmp(x.location, "http", 4)) {
		*uri = x.location; /* handed over */
		x.location = NULL;
	} else {
		a = start_failed(status, cc, errbuf, &x, err);
	}
	strbuf_release(&x.body);
	free(x.location);
	free(url);
	return a;
}

/* The first item of a videos.list answer into @rep; 0, or -1 with @err. */
static int parse_list(const struct http_reply *r, struct yt_reply *rep, struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = tjson_parse(r->body.buf, r->body.len, &jerr), *item;
	const json_t *st;
	int rc = -1;

	rep->http_status = r->status;
	if (r->status != 200) {
		snprintf(rep->reason, sizeof(rep->reason), "%s", error_reason(root));
		yt_errors_apply(err, r->status, rep->reason);
		goto out;
	}
	item = json_array_get(json_object_get(root, "items"), 0);
	rc = 0;
	if (!item) /* right after the upload: not visible yet (§5) */
		goto out;
	st = json_object_get(item, "status");
	tjson_copy(rep->upload_status, sizeof(rep->upload_status), st, "uploadStatus");
	tjson_copy(rep->privacy, sizeof(rep->privacy), st, "privacyStatus");
	if (!strcmp(rep->upload_status, "failed"))
		tjson_copy(rep->reason, sizeof(rep->reason), st, "failureReason");
	else if (!strcmp(rep->upload_status, "rejected"))
		tjson_copy(rep->reason, sizeof(rep->reason), st, "rejectionReason");
out:
	json_decref(root);
	return rc;
}

int yt_video_status(CURL *h, const char *api_base, const char *token, const char *video_id,
		    struct yt_reply *rep, struct tt_error *err)
{
	struct http_reply r;
	char *url = xasprintf("%s/youtube/v3/videos?part=status,processingDetails&id=%s", api_base,
			      video_id);
	int rc;

	memset(rep, 0, sizeof(*rep));
	tt_error_clear(err);
	http_reply_init(&r);
	rc = http_get(h, url, token, &r);
	if (rc)
		http_transport_error(&r, "videos.list", err);
	else
		rc = parse_list(&r, rep, err);
	http_reply_release(&r);
	free(url);
	return rc;
}

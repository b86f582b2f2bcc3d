/*
 * HTTP plumbing for every TikTok call.  A handle is set up one way only:
 * TLS peer and host verification always on, no signals (threads), a connect
 * timeout but no total timeout (a 4 GB upload takes as long as it takes):
 * a transfer that moves less than one byte a second for a minute is dead
 * instead.  HTTP/1.1, TCP keepalive, no "Expect: 100-continue" round trip.
 *
 * ca_file *adds* a CA: CURLOPT_CAINFO would replace the system bundle, so
 * when ca_file is set the handle gets a CURLOPT_CAINFO_BLOB holding the
 * system bundle (the path libcurl was built with) followed by ca_file.
 * Both are read when the handle is made; a handle lives as long as its
 * thread, so a changed bundle is seen by the next handle.
 *
 * Replies are collected into a strbuf bounded by HTTP_MAX_REPLY: TikTok's
 * JSON answers are a few hundred bytes, so anything larger is refused
 * rather than allowed to grow without limit.
 */
#include "net/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "util/log.h"

#define HTTP_MAX_REPLY (4u << 20)
#define HTTP_CA_MAX (16u << 20)
#define HTTP_CONNECT_TIMEOUT 20L
#define HTTP_LOW_SPEED_TIME 60L

void http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Append a whole file to @sb; -errno on failure (file too large: -EFBIG). */
static int slurp(const char *path, struct strbuf *sb)
{
	FILE *f = fopen(path, "rbe");
	char buf[16384];
	size_t n, total = 0;
	int rc = 0;

	if (!f)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		total += n;
		if (total > HTTP_CA_MAX) {
			rc = -EFBIG;
			break;
		}
		strbuf_add(sb, buf, n);
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	return rc;
}

/* The system bundle followed by @ca_file, as one PEM blob (see top). */
static int set_ca_blob(CURL *h, const char *ca_file)
{
	curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
	struct strbuf pem = STRBUF_INIT;
	struct curl_blob blob;
	int rc;

	strbuf_init(&pem);
	if (vi && vi->age >= CURLVERSION_SEVENTH && vi->cainfo && slurp(vi->cainfo, &pem) == 0)
		strbuf_addch(&pem, '\n');
	rc = slurp(ca_file, &pem);
	if (rc) {
		log_err("ca_file %s: %s", ca_file, strerror(-rc));
		/* Fall back to the file alone: curl then reports the real error. */
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
		goto out;
	}
	blob.data = pem.buf;
	blob.len = pem.len;
	blob.flags = CURL_BLOB_COPY;
	if (curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
out:
	strbuf_release(&pem);
	return rc;
}

CURL *http_easy_new(const struct config *cfg)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, HTTP_LOW_SPEED_TIME);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 60L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 30L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "tiktokfs/" TIKTOKFS_VERSION);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (cfg && cfg->ca_file && *cfg->ca_file)
		set_ca_blob(h, cfg->ca_file);
	return h;
}

void http_reply_init(struct http_reply *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body);
}

void http_reply_release(struct http_reply *r)
{
	strbuf_release(&r->body);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct strbuf *sb = arg;
	size_t n = size * nmemb;

	if (n > HTTP_MAX_REPLY || sb->len + n > HTTP_MAX_REPLY)
		return 0; /* CURLE_WRITE_ERROR: the reply is refused */
	strbuf_add(sb, data, n);
	return n;
}

/*
 * Failures that certainly happened before a single byte of the request
 * could reach the server: name resolution, TCP connect, the TLS handshake
 * and certificate checks, and local set-up errors.  Everything else (a
 * timeout, a reset while waiting for the answer, ...) may have delivered
 * the request.
 */
static int curl_maybe_sent(CURLcode c)
{
	switch (c) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
	case CURLE_OUT_OF_MEMORY:
		return 0;
	default:
		return 1;
	}
}

static int perform(CURL *h, const char *url, const char *token, struct curl_slist *hdrs,
		   struct http_reply *r)
{
	struct curl_slist *all = hdrs;
	char *auth = NULL;
	int rc = 0;

	strbuf_reset(&r->body);
	r->status = 0;
	r->curl_msg[0] = '\0';
	if (token) {
		auth = xasprintf("Authorization: Bearer %s", token);
		all = curl_slist_append(all, auth);
	}
	/* No 100-continue round trip: TikTok's JSON bodies are small. */
	all = curl_slist_append(all, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, all);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curl_msg);

	r->curl = curl_easy_perform(h);
	if (r->curl == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
		r->maybe_sent = 1;
	} else {
		r->maybe_sent = curl_maybe_sent(r->curl);
		if (r->curl == CURLE_WRITE_ERROR)
			snprintf(r->curl_msg, sizeof(r->curl_msg),
				 "reply larger than %u bytes refused", HTTP_MAX_REPLY);
		else if (!r->curl_msg[0])
			snprintf(r->curl_msg, sizeof(r->curl_msg), "%s",
				 curl_easy_strerror(r->curl));
		/* A URL in curl's message may carry an upload token. */
		log_redact_http(r->curl_msg, sizeof(r->curl_msg));
		rc = -EIO;
	}
	/* The handle keeps pointers to these: detach them before freeing. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(all);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return rc;
}

int http_post(CURL *h, const char *url, const char *token, const char *content_type,
	      const char *body, struct http_reply *r)
{
	struct curl_slist *hdrs = NULL;
	char *ct = NULL;
	int rc;

	if (content_type) {
		ct = xasprintf("Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, ct);
	}
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 0L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
	rc = perform(h, url, token, hdrs, r);
	/* Do not leave a pointer to the caller's body in the handle. */
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
	free(ct);
	return rc;
}

int http_get(CURL *h, const char *url, const char *token, struct http_reply *r)
{
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	return perform(h, url, token, NULL, r);
}

void http_transport_error(const struct http_reply *r, const char *what, struct tt_error *err)
{
	tt_error_clear(err);
	tt_error_set(err, ERR_RETRY, "network: %s: %s", what, r->curl_msg);
	if (r->curl == CURLE_PEER_FAILED_VERIFICATION || r->curl == CURLE_SSL_CACERT_BADFILE ||
	    r->curl == CURLE_SSL_CERTPROBLEM)
		tt_error_advise(err,
				"The TLS certificate could not be verified. If you use a "
				"private CA (a proxy or the sandbox), set ca_file in the config.");
	else
		tt_error_advise(err, "Check the network connection; tiktokfs retries by itself.");
}

void http_redact_error(struct tt_error *err)
{
	if (!err)
		return;
	log_redact_http(err->what, sizeof(err->what));
	log_redact_http(err->advice, sizeof(err->advice));
}

int http_add_param(struct strbuf *sb, const char *name, const char *value)
{
	char *esc = curl_easy_escape(NULL, value ? value : "", 0);

	if (!esc)
		return -ENOMEM;
	strbuf_addf(sb, "%s%s=%s", sb->len && sb->buf[sb->len - 1] != '?' ? "&" : "", name, esc);
	curl_free(esc);
	return 0;
}

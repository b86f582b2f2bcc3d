/*
 * HTTP plumbing shared by every TikTok call: a curl easy handle set up the
 * one safe way (TLS verified, ca_file added, timeouts, no signals, no
 * Expect: 100-continue), and small helpers for JSON bodies.  One handle per
 * thread; handles are never shared.
 */
#ifndef TIKTOKFS_HTTP_H
#define TIKTOKFS_HTTP_H

#include <curl/curl.h>
#include <stddef.h>

#include "util/error.h"
#include "util/strbuf.h"

struct config;

/* A new easy handle with the common options (caller frees with
 * curl_easy_cleanup).  NULL only when curl cannot allocate. */
CURL *http_easy_new(const struct config *cfg);

/* Call once before any thread starts (curl_global_init). */
void http_global_init(void);

/* A finished exchange. */
struct http_reply {
	long status;	   /* 0 if no HTTP answer arrived */
	struct strbuf body;
	CURLcode curl;	   /* CURLE_OK when an answer arrived */
	char curl_msg[CURL_ERROR_SIZE];
	int maybe_sent;	   /* the request may have reached the server */
};
void http_reply_init(struct http_reply *r);
void http_reply_release(struct http_reply *r);

/*
 * POST @body (may be NULL for an empty body) with @content_type to @url and
 * an optional bearer @token.  Fills @r; returns 0 when an HTTP answer
 * arrived (any status), -EIO on transport failure (r->curl says why;
 * http_transport_error() puts it in a tt_error).
 */
int http_post(CURL *h, const char *url, const char *token, const char *content_type,
	      const char *body, struct http_reply *r);
int http_get(CURL *h, const char *url, const char *token, struct http_reply *r);

/* Append "name=escaped(value)" to @sb, after '&' unless @sb is empty or ends
 * in '?': a query string or an x-www-form-urlencoded body.  0, or -ENOMEM
 * when escaping fails (a NULL value is sent empty). */
int http_add_param(struct strbuf *sb, const char *name, const char *value);

/* Fill @err for a transport failure: class ERR_RETRY, "network: ..." */
void http_transport_error(const struct http_reply *r, const char *what, struct tt_error *err);

/* Mask token shapes (log_redact_http) in @err's texts: for errors that
 * quote what TikTok or libcurl said, never for ones naming a file. */
void http_redact_error(struct tt_error *err);

#endif

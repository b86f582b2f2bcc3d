/*
 * TikTok's data endpoints (docs/tiktok.md §3-§5).  Each call is split in two:
 * the exchange (token, HTTP, one replay on access_token_invalid) and a pure
 * parse of the answer (api_parse_*), which the fuzzer drives directly.
 *
 * Invariants:
 *   - success iff HTTP 2xx *and* error.code == "ok": TikTok answers some
 *     failures with HTTP 200 on purpose (§4, §5.1);
 *   - an access_token_invalid answer makes tokens_access() refresh (only if
 *     the rejected token is still the saved one) and the request is sent
 *     once more; that replay is safe for an init too, because TikTok
 *     rejected the first request before doing anything;
 *   - an init is never blindly retried: a transport failure after the
 *     request may have left is ERR_PERMANENT "init_outcome_unknown";
 *   - numbers are read as json_int_t or exact strings (net/tjson.c), never
 *     as doubles;
 *   - bodies are built with json_pack and sent as
 *     application/json; charset=UTF-8; creator_info sends none (§5.1).
 */
#include "net/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta/config.h"
#include "net/errors.h"
#include "net/http.h"
#include "net/tjson.h"
#include "net/tokens.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

#define JSON_CT "application/json; charset=UTF-8"
#define SCOPE_PUBLISH "video.publish"
#define SCOPE_UPLOAD "video.upload"
#define SCOPE_BASIC "user.info.basic"

struct api {
	const struct config *cfg;
	struct tokens *tokens;
	CURL *h;
};

struct api *api_new(const struct config *cfg, struct tokens *tokens)
{
	struct api *a = xcalloc(1, sizeof(*a));

	a->cfg = cfg;
	a->tokens = tokens;
	a->h = http_easy_new(cfg);
	if (!a->h) {
		free(a);
		return NULL;
	}
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	curl_easy_cleanup(a->h);
	free(a);
}

void publish_ticket_clear(struct publish_ticket *t)
{
	if (!t)
		return;
	if (t->upload_url) {
		explicit_bzero(t->upload_url, strlen(t->upload_url));
		free(t->upload_url);
	}
	memset(t, 0, sizeof(*t));
}

/* ---- pure parsers ---------------------------------------------------- */

/* The -errno that goes with @err (util/error.h): never 0. */
static int fail(const struct tt_error *err)
{
	return tt_error_errno(err->cls);
}

int api_parse_envelope(const char *body, size_t len, long status, const char *scope, json_t **data,
		       struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = len ? tjson_parse(body, len, &jerr) : NULL;
	json_t *e = json_is_object(root) ? json_object_get(root, "error") : NULL;
	const char *code = tjson_str(e, "code");
	const char *log_id = tjson_str(e, "log_id");
	int rc = -1;

	*data = NULL;
	tt_error_clear(err);
	if (!*log_id)
		log_id = tjson_str(e, "logid"); /* the name some tables use (§4) */
	if (!strcmp(code, "ok") && status >= 200 && status < 300) {
		json_t *d = json_object_get(root, "data");
		*data = json_is_object(d) ? json_incref(d) : NULL;
		rc = 0;
	} else if (!strcmp(code, "ok")) {
		/* "ok" with an error status: believe the status. */
		errors_api(err, "", "", log_id, (int)status, scope);
	} else if (!json_is_object(e) || !*code) {
		errors_api(err, "", "", log_id, (int)status, scope);
		if (status >= 200 && status < 300) {
			tt_error_set(err, ERR_RETRY,
				     "TikTok answered HTTP %ld without a valid "
				     "envelope",
				     status);
			tt_error_advise(err, "Nothing to do: tiktokfs retries later.");
		}
	} else {
		errors_api(err, code, tjson_str(e, "message"), log_id, (int)status, scope);
		http_redact_error(err); /* TikTok's message is quoted */
	}
	json_decref(root);
	return rc == 0 ? 0 : fail(err);
}

int api_parse_creator_info(const char *body, size_t len, long status, struct creator_info *ci,
			   struct tt_error *err)
{
	json_t *d, *opts, *v;
	size_t i;
	int rc;

	memset(ci, 0, sizeof(*ci));
	if ((rc = api_parse_envelope(body, len, status, SCOPE_PUBLISH, &d, err)) < 0)
		return rc;
	tjson_copy(ci->username, sizeof(ci->username), d, "creator_username");
	tjson_copy(ci->nickname, sizeof(ci->nickname), d, "creator_nickname");
	opts = json_object_get(d, "privacy_level_options");
	json_array_foreach(opts, i, v)
	{
		if (ci->n_privacy >= CREATOR_MAX_PRIVACY || !json_is_string(v) ||
		    json_string_length(v) >= sizeof(ci->privacy_options[0]))
			continue;
		snprintf(ci->privacy_options[ci->n_privacy], sizeof(ci->privacy_options[0]), "%s",
			 json_string_value(v));
		ci->n_privacy++;
	}
	ci->comment_disabled = json_is_true(json_object_get(d, "comment_disabled"));
	ci->duet_disabled = json_is_true(json_object_get(d, "duet_disabled"));
	ci->stitch_disabled = json_is_true(json_object_get(d, "stitch_disabled"));
	v = json_object_get(d, "max_video_post_duration_sec");
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000)
		ci->max_duration_sec = (int)json_integer_value(v);
	ci->fetched_at = wall_now();
	json_decref(d);
	if (!ci->username[0]) {
		tt_error_set(err, ERR_RETRY, "TikTok's creator_info answer names no creator");
		return fail(err);
	}
	return 0;
}

int api_parse_init(const char *body, size_t len, long status, struct publish_ticket *out,
		   struct tt_error *err)
{
	json_t *d;
	const char *url;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((rc = api_parse_envelope(body, len, status, SCOPE_PUBLISH, &d, err)) < 0)
		return rc;
	url = tjson_str(d, "upload_url");
	if (tjson_copy(out->publish_id, sizeof(out->publish_id), d, "publish_id") ||
	    !out->publish_id[0] || !*url) {
		/* TikTok said ok: a task may exist; we cannot upload to it. */
		tt_error_set(err, ERR_PERMANENT,
			     "TikTok's init answer lacks publish_id or "
			     "upload_url, or publish_id is over %zu bytes",
			     sizeof(out->publish_id) - 1);
		tt_error_code(err, "init_outcome_unknown", "");
		tt_error_advise(err, "Check the TikTok account; move the video back to outbox/ "
				     "to try again.");
		memset(out, 0, sizeof(*out));
		rc = fail(err);
		goto out;
	}
	/* Registered with the log's secret list, which masks it in any text
	 * (the upload_token= shape is masked in HTTP texts only). */
	log_add_token(url);
	out->upload_url = xstrdup(url);
	rc = 0;
out:
	json_decref(d);
	return rc;
}

int api_parse_status(const char *body, size_t len, long status, struct publish_status *out,
		     struct tt_error *err)
{
	json_t *d, *ids;
	uint64_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = api_parse_envelope(body, len, status, SCOPE_PUBLISH, &d, err)) < 0)
		return rc;
	tjson_copy(out->status, sizeof(out->status), d, "status");
	tjson_copy(out->fail_reason, sizeof(out->fail_reason), d, "fail_reason");
	/* TikTok's spelling: "publicaly" (§5.7). */
	ids = json_object_get(d, "publicaly_available_post_id");
	if (json_is_array(ids) && json_array_size(ids) > 0 &&
	    tjson_id(json_array_get(ids, 0), out->post_id, sizeof(out->post_id)))
		out->post_id[0] = '\0';
	if (tjson_u64(d, "uploaded_bytes", &n) == 0)
		out->uploaded_bytes = n;
	json_decref(d);
	if (!out->status[0]) {
		tt_error_set(err, ERR_RETRY, "TikTok's status answer has no status");
		return fail(err);
	}
	return 0;
}

int api_parse_user_info(const char *body, size_t len, long status, char *display_name,
			size_t dn_size, char *username, size_t un_size, struct tt_error *err)
{
	json_t *d, *user;
	int rc;

	if (dn_size)
		display_name[0] = '\0';
	if (un_size)
		username[0] = '\0';
	if ((rc = api_parse_envelope(body, len, status, SCOPE_BASIC, &d, err)) < 0)
		return rc;
	user = json_object_get(d, "user");
	tjson_copy(display_name, dn_size, user, "display_name");
	tjson_copy(username, un_size, user, "username");
	json_decref(d);
	return 0;
}

/* ---- exchanges ------------------------------------------------------- */

/*
 * Send one request with a fresh access token; replay once when TikTok says
 * access_token_invalid.  @body NULL: a GET; otherwise a POST of @body ("" for
 * none).  0: an HTTP answer is in @r (to be parsed); -errno: no
 * answer or no token (@err filled; r->maybe_sent for transport failures).
 */
static int exchange(struct api *a, const char *path, const char *body, const char *scope,
		    struct http_reply *r, struct tt_error *err)
{
	char token[sizeof(((struct token_set *)0)->access_token)];
	char rejected[sizeof(token)];
	char *url = xasprintf("%s%s", a->cfg->api_base, path);
	const char *stale = NULL;
	json_t *d;
	int rc = -1;

	for (int attempt = 0; attempt < 2; attempt++) {
		r->maybe_sent = 0;
		if ((rc = tokens_access(a->tokens, stale, token, sizeof(token), err)) < 0)
			goto out;
		if (body)
			rc = http_post(a->h, url, token, JSON_CT, body, r);
		else
			rc = http_get(a->h, url, token, r);
		if (rc) {
			http_transport_error(r, path, err);
			rc = fail(err);
			goto out;
		}
		if (r->status != 401 ||
		    api_parse_envelope(r->body.buf, r->body.len, r->status, scope, &d, err) == 0 ||
		    strcmp(err->code, "access_token_invalid"))
			break;
		log_info("%s: access token rejected (log_id %s); refreshing once", path,
			 err->log_id);
		snprintf(rejected, sizeof(rejected), "%s", token);
		stale = rejected;
	}
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	explicit_bzero(rejected, sizeof(rejected));
	free(url);
	return rc;
}

int api_creator_info(struct api *a, struct creator_info *ci, struct tt_error *err)
{
	struct http_reply r;
	int rc;

	http_reply_init(&r);
	/* A POST with no body, as TikTok's reference request (§5.1): "" is an
	 * empty body (NULL would make it a GET). */
	rc = exchange(a, "/v2/post/publish/creator_info/query/", "", SCOPE_PUBLISH, &r, err);
	if (!rc)
		rc = api_parse_creator_info(r.body.buf, r.body.len, r.status, ci, err);
	if (!rc) {
		int src = creator_save(a->cfg->state_dir, ci);
		if (src)
			log_warn("cannot save %s/creator_info.json: %s", a->cfg->state_dir,
				 strerror(-src));
	}
	http_reply_release(&r);
	return rc;
}

static char *init_body(bool draft, const struct post_info *pi, uint64_t video_size,
		       uint64_t chunk_size, uint64_t chunk_count)
{
	json_t *root, *post = NULL;
	char *text;

	root = json_pack("{s:{s:s, s:I, s:I, s:I}}", "source_info", "source", "FILE_UPLOAD",
			 "video_size", (json_int_t)video_size, "chunk_size", (json_int_t)chunk_size,
			 "total_chunk_count", (json_int_t)chunk_count);
	if (!root)
		return NULL;
	if (!draft) {
		/* All booleans explicit (§5.2 recommendation). */
		post = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:b}", "privacy_level",
				 pi->privacy_level ? pi->privacy_level : "", "disable_comment",
				 pi->disable_comment, "disable_duet", pi->disable_duet,
				 "disable_stitch", pi->disable_stitch, "brand_content_toggle",
				 pi->brand_content, "brand_organic_toggle", pi->brand_organic,
				 "is_aigc", pi->is_aigc);
		if (post && pi->title && *pi->title)
			if (json_object_set_new(post, "title", json_string(pi->title)))
				json_decref(post), post = NULL; /* not UTF-8 */
		if (post && pi->has_cover)
			json_object_set_new(post, "video_cover_timestamp_ms",
					    json_integer((json_int_t)pi->cover_ms));
		if (!post) {
			json_decref(root);
			return NULL;
		}
		json_object_set_new(root, "post_info", post);
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

int api_init(struct api *a, bool draft, const struct post_info *pi, uint64_t video_size,
	     uint64_t chunk_size, uint64_t chunk_count, struct publish_ticket *out,
	     struct tt_error *err)
{
	const char *path =
	    draft ? "/v2/post/publish/inbox/video/init/" : "/v2/post/publish/video/init/";
	struct http_reply r;
	char *body;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	http_reply_init(&r);
	body = init_body(draft, pi, video_size, chunk_size, chunk_count);
	if (!body) {
		tt_error_set(err, ERR_USER, "the caption or privacy is not valid UTF-8");
		tt_error_advise(err, "Save the caption as UTF-8.");
		rc = fail(err);
		goto out;
	}
	/* A reused keep-alive connection that closes without an answer makes
	 * libcurl resend the request on a new one: for an init that is a blind
	 * second init, which may create a second publish.  A fresh connection
	 * has nothing to retry on, so a lost answer comes back to us as
	 * init_outcome_unknown instead. */
	curl_easy_setopt(a->h, CURLOPT_FRESH_CONNECT, 1L);
	rc = exchange(a, path, body, draft ? SCOPE_UPLOAD : SCOPE_PUBLISH, &r, err);
	curl_easy_setopt(a->h, CURLOPT_FRESH_CONNECT, 0L);
	if (rc && r.maybe_sent) {
		/* The request may have created a task whose answer we lost. */
		char what[sizeof(err->what)];
		snprintf(what, sizeof(what), "%s", err->what);
		tt_error_set(err, ERR_PERMANENT, "init: no answer after the request was sent (%s)",
			     what);
		tt_error_code(err, "init_outcome_unknown", "");
		tt_error_advise(err, "%s", errors_lookup(ERRK_API, "init_outcome_unknown")->advice);
		rc = fail(err);
	}
	if (!rc) {
		rc = api_parse_init(r.body.buf, r.body.len, r.status, out, err);
		if (rc && draft && !strcmp(err->code, "scope_not_authorized"))
			errors_api(err, err->code, "", err->log_id, err->http_status, SCOPE_UPLOAD);
		if (!rc)
			log_info("init: publish_id %s", out->publish_id);
	}
out:
	free(body);
	http_reply_release(&r);
	return rc;
}

int api_status(struct api *a, const char *publish_id, struct publish_status *out,
	       struct tt_error *err)
{
	json_t *o = json_pack("{s:s}", "publish_id", publish_id);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	struct http_reply r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	http_reply_init(&r);
	json_decref(o);
	if (!body) {
		tt_error_set(err, ERR_PERMANENT, "publish_id %s is not valid UTF-8", publish_id);
		rc = fail(err);
		goto out;
	}
	rc = exchange(a, "/v2/post/publish/status/fetch/", body, SCOPE_PUBLISH, &r, err);
	if (!rc)
		rc = api_parse_status(r.body.buf, r.body.len, r.status, out, err);
out:
	free(body);
	http_reply_release(&r);
	return rc;
}

int api_user_info(struct api *a, char *display_name, size_t dn_size, char *username, size_t un_size,
		  struct tt_error *err)
{
	/* username needs user.info.profile; asking without it is an error (§3). */
	const char *path = tokens_has_scope(a->tokens, "user.info.profile")
			       ? "/v2/user/info/?fields=open_id,union_id,avatar_url,"
				 "display_name,username"
			       : "/v2/user/info/?fields=open_id,union_id,avatar_url,display_name";
	struct http_reply r;
	int rc;

	http_reply_init(&r);
	rc = exchange(a, path, NULL, SCOPE_BASIC, &r, err);
	if (!rc)
		rc = api_parse_user_info(r.body.buf, r.body.len, r.status, display_name, dn_size,
					 username, un_size, err);
	http_reply_release(&r);
	return rc;
}

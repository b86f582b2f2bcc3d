/*
 * Reading a YouTube video resource (net/yt_video.h).  Everything Google
 * sends is untrusted text: reasons and privacy words are cut to their
 * buffers and passed through oauth_clean_text() before they can reach a
 * file a user reads; numbers that YouTube writes as JSON strings
 * (partsTotal, partsProcessed: §1) are read from strings or numbers.
 * yt_list_processing() is the one call here: videos.list for one id.
 */
#include "net/yt_video.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/tjson.h"
#include "util/strbuf.h"

static void clean_copy(char *dst, size_t size, const char *s)
{
	oauth_clean_text(dst, size, s, strlen(s));
}

static const char *reason_of(const json_t *root)
{
	const json_t *errs = json_object_get(json_object_get(root, "error"), "errors");

	return tjson_str(json_array_get(errs, 0), "reason");
}

void yt_error_reason(const char *body, size_t len, char *reason, size_t size)
{
	json_error_t jerr;
	json_t *root = body ? tjson_parse(body, len, &jerr) : NULL;

	clean_copy(reason, size, root ? reason_of(root) : "");
	json_decref(root);
}

const char *yt_proc_name(enum yt_proc state)
{
	static const char *const names[] = {
	    [YTP_UNSEEN] = "uploaded",	   [YTP_PROCESSING] = "processing",
	    [YTP_PROCESSED] = "processed", [YTP_FAILED] = "failed",
	    [YTP_REJECTED] = "rejected",   [YTP_DELETED] = "deleted",
	};

	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "uploaded";
}

/* A count YouTube may send as a string or a number; -1 when neither. */
static long long count_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	char *end;
	long long n;

	if (json_is_integer(v))
		return json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	n = strtoll(json_string_value(v), &end, 10);
	return *end || n < 0 ? -1 : n;
}

static int progress_percent(const json_t *pd)
{
	const json_t *pp = json_object_get(pd, "processingProgress");
	long long total = count_of(pp, "partsTotal"), done = count_of(pp, "partsProcessed");

	if (total <= 0 || done < 0 || done > total)
		return -1;
	return (int)(done * 100 / total);
}

/* The state of one video item of videos.list. */
static void read_item(const json_t *item, struct yt_processing *out)
{
	const json_t *st = json_object_get(item, "status");
	const json_t *pd = json_object_get(item, "processingDetails");
	const char *up = tjson_str(st, "uploadStatus");

	clean_copy(out->privacy, sizeof(out->privacy), tjson_str(st, "privacyStatus"));
	out->state = YTP_PROCESSING;
	if (!strcmp(up, "processed")) {
		out->state = YTP_PROCESSED;
	} else if (!strcmp(up, "failed")) {
		out->state = YTP_FAILED;
		clean_copy(out->reason, sizeof(out->reason), tjson_str(st, "failureReason"));
	} else if (!strcmp(up, "rejected")) {
		out->state = YTP_REJECTED;
		clean_copy(out->reason, sizeof(out->reason), tjson_str(st, "rejectionReason"));
	} else if (!strcmp(up, "deleted")) {
		out->state = YTP_DELETED;
	} else if (!strcmp(tjson_str(pd, "processingStatus"), "failed")) {
		/* processing failed before uploadStatus says so (§5) */
		out->state = YTP_FAILED;
		clean_copy(out->reason, sizeof(out->reason),
			   tjson_str(pd, "processingFailureReason"));
	}
	out->percent = out->state == YTP_PROCESSING ? progress_percent(pd) : -1;
}

static const json_t *find_item(const json_t *root, const char *id)
{
	const json_t *items = json_object_get(root, "items"), *it;
	size_t i;

	json_array_foreach(items, i, it)
	{
		if (!strcmp(tjson_str(it, "id"), id))
			return it;
	}
	return NULL;
}

int yt_parse_processing(const char *body, size_t len, long status, const char *id,
			struct yt_processing *out, struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = body ? tjson_parse(body, len, &jerr) : NULL;
	const json_t *item;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->percent = -1;
	if (status != 200 || !json_is_object(root)) {
		char reason[64];

		clean_copy(reason, sizeof(reason), root ? reason_of(root) : "");
		tt_error_set(err,
			     status >= 500 || status == 0 || status == 429 ? ERR_RETRY : ERR_USER,
			     "YouTube did not say how processing goes: HTTP %ld%s%s", status,
			     reason[0] ? ", " : "", reason);
		snprintf(err->code, sizeof(err->code), "%s", reason);
		err->http_status = (int)status;
		goto out;
	}
	item = find_item(root, id);
	out->state = YTP_UNSEEN;
	if (item)
		read_item(item, out);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int yt_list_processing(CURL *h, const struct config *cfg, const char *access_token, const char *id,
		       struct yt_processing *out, struct tt_error *err)
{
	struct http_reply r;
	char *esc = curl_easy_escape(h, id, 0);
	char *url = xasprintf("%s/youtube/v3/videos?part=status,processingDetails&id=%s",
			      cfg->youtube_api_base, esc ? esc : "");
	int rc;

	http_reply_init(&r);
	rc = http_get(h, url, access_token, &r);
	if (rc)
		http_transport_error(&r, "videos.list", err);
	else
		rc = yt_parse_processing(r.body.buf, r.body.len, r.status, id, out, err);
	http_reply_release(&r);
	curl_free(esc);
	free(url);
	return rc;
}

/* Whether the resource's status.publishAt is there. */
static bool has_publish_at(const json_t *root)
{
	return tjson_str(json_object_get(root, "status"), "publishAt")[0] != '\0';
}

bool yt_private_lock(const char *body, size_t len, const char *asked, bool asked_publish_at,
		     char *warning, size_t size)
{
	json_error_t jerr;
	json_t *root = body ? tjson_parse(body, len, &jerr) : NULL;
	const char *got = tjson_str(json_object_get(root, "status"), "privacyStatus");
	bool locked = false;

	if (!strcmp(got, "private") && asked && strcmp(asked, "private") != 0) {
		locked = true;
		snprintf(warning, size,
			 "YouTube made this video private although %s was asked: the Google "
			 "Cloud project of this account is not audited, and YouTube keeps "
			 "every upload of an unaudited project private. Make it %s in YouTube "
			 "Studio; to keep the privacy you ask for, have the project audited "
			 "(Google's YouTube API Services audit form)",
			 asked, asked);
	} else if (!strcmp(got, "private") && asked_publish_at && !has_publish_at(root)) {
		locked = true;
		snprintf(warning, size,
			 "YouTube dropped this video's scheduled publish time and keeps it "
			 "private: the Google Cloud project of this account is not audited. "
			 "Publish it in YouTube Studio; to have schedules kept, have the project "
			 "audited (Google's YouTube API Services audit form)");
	}
	json_decref(root);
	return locked;
}

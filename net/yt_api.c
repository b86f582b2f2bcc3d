/*
 * channels.list mine=true (docs/youtube.md §2.8): the channel of the
 * logged-in Google account, whose id an account is bound to as a TikTok
 * account is bound to its open_id.  A Google account without a channel is
 * answered with no items, not an error: it is told as such, since nothing
 * could be uploaded for it.  Data API errors are {"error": {"code",
 * "message", "errors": [{"reason"}]}}; the reason is what the user reads.
 */
#include "net/yt_api.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/tjson.h"
#include "net/oauth.h"
#include "util/log.h"

/* The first errors[].reason of a Data API error, or "". */
static const char *error_reason(const json_t *root)
{
	const json_t *errs = json_object_get(json_object_get(root, "error"), "errors");

	return tjson_str(json_array_get(errs, 0), "reason");
}

static int api_error(const json_t *root, long status, struct tt_error *err)
{
	const char *reason = error_reason(root);
	char r[64];

	oauth_clean_text(r, sizeof(r), reason, strlen(reason));
	tt_error_set(err, status >= 500 || status == 0 ? ERR_RETRY : ERR_USER,
		     "YouTube refused to name the channel: HTTP %ld%s%s", status, r[0] ? ", " : "",
		     r);
	tt_error_advise(err, !strcmp(reason, "insufficientPermissions")
				 ? "Run the login again and leave every permission ticked."
				 : "Run the login again; try later if it persists.");
	err->http_status = (int)status;
	return -1;
}

int yt_parse_channels(const char *body, size_t len, long status, struct yt_channel *ch,
		      struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = tjson_parse(body, len, &jerr), *item;
	const char *title;
	int rc = -1;

	memset(ch, 0, sizeof(*ch));
	if (status != 200 || !json_is_object(root)) {
		rc = api_error(root, status, err);
		goto out;
	}
	item = json_array_get(json_object_get(root, "items"), 0);
	if (!item) {
		rc = -ENOENT;
		goto out;
	}
	if (tjson_copy(ch->id, sizeof(ch->id), item, "id") || !ch->id[0]) {
		tt_error_set(err, ERR_PERMANENT, "YouTube's channel has no usable id");
		goto out;
	}
	title = tjson_str(json_object_get(item, "snippet"), "title");
	oauth_clean_text(ch->title, sizeof(ch->title), title, strlen(title));
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int yt_channel_mine(CURL *h, const struct config *cfg, const char *access_token,
		    struct yt_channel *ch, struct tt_error *err)
{
	struct http_reply r;
	char *url =
	    xasprintf("%s/youtube/v3/channels?part=snippet&mine=true", cfg->youtube_api_base);
	int rc;

	http_reply_init(&r);
	rc = http_get(h, url, access_token, &r);
	if (rc)
		http_transport_error(&r, "channels.list", err);
	else
		rc = yt_parse_channels(r.body.buf, r.body.len, r.status, ch, err);
	http_reply_release(&r);
	free(url);
	return rc;
}

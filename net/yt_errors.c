/*
 * Google's error reasons, classed (net/yt_errors.h).  The table is
 * docs/youtube.md §8 row by row; the defers of a day are the caps of §6
 * (the daily budget and the next Pacific midnight are computed where the
 * quota is kept; a day from now is never early).
 */
#include "net/yt_errors.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

#define DAY 86400

static const struct yt_error_entry table[] = {
    {"uploadLimitExceeded", ERR_DEFER, DAY,
     "YouTube's daily upload limit for this channel is reached",
     "Nothing to do: it is tried again in a day. If it keeps happening, the channel's own "
     "limit is low: upload fewer videos a day."},
    {"quotaExceeded", ERR_DEFER, DAY, "the Google Cloud project's daily YouTube quota is used up",
     "Nothing to do: it is tried again after the quota resets (midnight Pacific time)."},
    {"dailyLimitExceeded", ERR_DEFER, DAY,
     "the Google Cloud project's daily YouTube quota is used up",
     "Nothing to do: it is tried again after the quota resets (midnight Pacific time)."},
    {"invalidTitle", ERR_USER, 0, "YouTube refused the title",
     "Keep the caption's first line to 100 characters without < or >, then move the item "
     "back to outbox/."},
    {"invalidDescription", ERR_USER, 0, "YouTube refused the description",
     "Keep the description to 5000 bytes without < or >, then move the item back to "
     "outbox/."},
    {"invalidTags", ERR_USER, 0, "YouTube refused the tags",
     "Use fewer or shorter hashtags (500 characters in all), then move the item back to "
     "outbox/."},
    {"invalidCategoryId", ERR_USER, 0, "YouTube refused the category",
     "Use one of YouTube's category ids (22 is People & Blogs), then move the item back to "
     "outbox/."},
    {"invalidPublishAt", ERR_USER, 0, "YouTube refused the publish time",
     "Give a schedule in the future, then move the item back to outbox/."},
    {"invalidVideoMetadata", ERR_USER, 0, "YouTube refused the video's details",
     "Check the caption's front matter, then move the item back to outbox/."},
    {"defaultLanguageNotSet", ERR_USER, 0, "YouTube wants a default language",
     "Set the video's language, then move the item back to outbox/."},
    {"missingRequiredParameter", ERR_PERMANENT, 0, "YouTube refused the upload request",
     "This is a tiktokfs bug: report it with the log."},
    {"invalidParameter", ERR_PERMANENT, 0, "YouTube refused the upload request",
     "This is a tiktokfs bug or a file that changed while it was sent; move the item back "
     "to outbox/ to try again."},
    {"parseError", ERR_PERMANENT, 0, "YouTube could not read the upload request",
     "This is a tiktokfs bug: report it with the log."},
    {"mediaBodyRequired", ERR_PERMANENT, 0, "YouTube got no video bytes",
     "This is a tiktokfs bug: report it with the log."},
    {"authError", ERR_USER, 0, "Google refused the login",
     YT_LOGIN_CODE},
    {"insufficientPermissions", ERR_USER, 0, "the login lacks the upload permission",
     YT_LOGIN_CODE},
    {"youtubeSignupRequired", ERR_USER, 0, "the Google account has no YouTube channel",
     "Create a channel at youtube.com with that Google account, or log in with another."},
    {"forbidden", ERR_USER, 0, "YouTube refused the upload for this channel",
     "Check the channel in YouTube Studio, then move the item back to outbox/."},
    {"rateLimitExceeded", ERR_RETRY, 0, "YouTube asks to slow down",
     "Nothing to do: it is sent again after a pause."},
    {"userRateLimitExceeded", ERR_RETRY, 0, "YouTube asks to slow down",
     "Nothing to do: it is sent again after a pause."},
    {"backendError", ERR_RETRY, 0, "YouTube had an internal error",
     "Nothing to do: it is asked again and resumed."},
    {"notFound", ERR_RETRY, 0, "YouTube no longer knows the upload session",
     "Nothing to do: a new upload starts."},
};

const struct yt_error_entry *yt_errors_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct yt_error_entry *yt_errors_lookup(const char *reason)
{
	for (size_t i = 0; reason && i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].reason, reason))
			return &table[i];
	return NULL;
}

/* An error whose reason the table does not know: by the status alone. */
static void by_status(struct tt_error *err, long status, const char *reason)
{
	const char *r = reason && reason[0] ? reason : "no reason given";

	if (status >= 500 || status == 429 || status == 408) {
		tt_error_set(err, ERR_RETRY, "YouTube answered HTTP %ld (%s)", status, r);
		tt_error_advise(err, "Nothing to do: it is asked again and resumed.");
		return;
	}
	tt_error_set(err, ERR_PERMANENT, "YouTube refused the upload: HTTP %ld (%s)", status, r);
	tt_error_advise(err, "Move the item back to outbox/ to try again; if it fails again, "
			     "report it with the log.");
}

void yt_errors_apply(struct tt_error *err, long status, const char *reason)
{
	const struct yt_error_entry *e = yt_errors_lookup(reason);

	tt_error_clear(err);
	err->http_status = (int)status;
	if (!e) {
		by_status(err, status, reason);
		tt_error_code(err, reason ? reason : "", "");
		return;
	}
	tt_error_set(err, e->cls, "%s (HTTP %ld, %s)", e->what, status, e->reason);
	if (!strcmp(e->advice, YT_LOGIN_CODE)) {
		tt_error_code(err, YT_LOGIN_CODE, "");
		return; /* the poster names the account's login command */
	}
	tt_error_advise(err, "%s", e->advice);
	tt_error_code(err, e->reason, "");
	if (e->cls == ERR_DEFER)
		err->retry_at = wall_now() + e->defer_sec;
}

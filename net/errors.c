/*
 * The error tables.  Every code the reference lists has an entry here, and
 * tests/unit/test_errors.c lists them again so that a code dropped from
 * this file fails a test.  The first line says what happened in the user's
 * words; the advice is the next step.  TikTok's own code, message and
 * log_id are kept in struct tt_error beside them for support requests.
 *
 * Deferral times (ERR_DEFER), chosen because TikTok documents windows but
 * no Retry-After:
 *   rate_limit_exceeded                60 s: the windows are one minute (§7).
 *   spam_risk_too_many_posts         3600 s: a rolling 24-h cap; the first
 *                                      slot opens when the oldest post of the
 *                                      window turns 24 h, which tiktokfs
 *                                      cannot see, so it asks again hourly.
 *   reached_active_user_cap          3600 s: the app's 24-h quota, same reason.
 *   spam_risk_too_many_pending_share 3600 s: frees up when the user finishes
 *                                      a draft in the app; hourly is enough.
 */
#include "net/errors.h"
#include "util/clock.h"

#include <string.h>
#include <time.h>

#include "meta/tiktok.h"

#define HOUR 3600

/* An unaudited app may post only SELF_ONLY, and only to private accounts
 * (§7); the same words whether TikTok says so at init or as a fail_reason. */
#define UNAUDITED_WHAT                                                                             \
	"Your TikTok app is not audited yet: it can only post SELF_ONLY (private) videos "         \
	"to a private account"
#define UNAUDITED_ADVICE                                                                           \
	"Set `privacy: private` (SELF_ONLY) in the caption and make the TikTok account "           \
	"private, or get the app audited (Content Posting API, in the developer portal); "         \
	"then move the video back to outbox/."

static const struct errors_entry api_codes[] = {
    {"access_token_invalid", ERR_USER, 0, "TikTok no longer accepts the saved login",
     "Run `tiktokfs login` again."},
    {"internal_error", ERR_RETRY, 0, "TikTok had an internal error",
     "Nothing to do: tiktokfs retries later."},
    {"invalid_file_upload", ERR_USER, 0, "TikTok refused the video file",
     "Check that the video is MP4, WebM or MOV (H.264/H.265/VP8/VP9), "
     TIKTOK_STR(TIKTOK_FPS_MIN) "-" TIKTOK_STR(TIKTOK_FPS_MAX) " fps, "
     TIKTOK_STR(TIKTOK_SIDE_MIN) "-" TIKTOK_STR(TIKTOK_SIDE_MAX) " pixels wide and high, "
     "at most " TIKTOK_STR(TIKTOK_FILE_MAX) " bytes."},
    {"invalid_params", ERR_PERMANENT, 0, "TikTok refused the request as invalid",
     "If TikTok says the chunk size is invalid, set a different chunk_size in the config "
     "(videos up to " TIKTOK_STR(TIKTOK_SINGLE_CHUNK_MAX) " bytes always go in one chunk); "
     "then move the video back to outbox/."},
    {"invalid_param", ERR_PERMANENT, 0, "TikTok refused the request as invalid",
     "Check the caption (at most " TIKTOK_STR(TIKTOK_CAPTION_MAX_UTF16) " UTF-16 units) "
     "and its front matter, then move the video back to outbox/."},
    {"rate_limit_exceeded", ERR_DEFER, 60, "TikTok's rate limit was reached",
     "Nothing to do: tiktokfs waits a minute and tries again."},
    {"scope_not_authorized", ERR_USER, 0, "The TikTok login lacks a permission",
     "Make sure the app has the Content Posting API with video.upload and video.publish, "
     "then run `tiktokfs login` and allow every permission."},
    {"scope_permission_missed", ERR_USER, 0,
     "The TikTok login lacks a permission for "
     "the fields asked",
     "Run `tiktokfs login` again and allow every permission."},
    {"app_version_check_failed", ERR_USER, 0, "The TikTok app on the phone is too old",
     "Update the TikTok app to version 31.8 or later, then move the video back to outbox/."},
    {"spam_risk_too_many_posts", ERR_DEFER, HOUR,
     "The account reached TikTok's daily "
     "post limit",
     "Nothing to do: tiktokfs tries again later (about 15 posts per 24 hours are "
     "allowed)."},
    {"spam_risk_user_banned_from_posting", ERR_PERMANENT, 0,
     "TikTok has banned this "
     "account from posting",
     "Check the account in the TikTok app; tiktokfs cannot post for it."},
    {"spam_risk_too_many_pending_share", ERR_DEFER, HOUR,
     "Too many drafts wait in the "
     "TikTok inbox",
     "Finish or delete the drafts in the TikTok app (at most "
     TIKTOK_STR(TIKTOK_PENDING_DRAFTS_MAX) " may wait); tiktokfs tries again later."},
    {"reached_active_user_cap", ERR_DEFER, HOUR,
     "The TikTok app reached its daily quota "
     "of posting users",
     "Nothing to do: tiktokfs tries again later. An audit raises the quota."},
    {"unaudited_client_can_only_post_to_private_accounts", ERR_USER, 0, UNAUDITED_WHAT,
     UNAUDITED_ADVICE},
    {"url_ownership_unverified", ERR_PERMANENT, 0,
     "TikTok does not know the URL's domain "
     "as yours",
     "Verify the domain in the developer portal."},
    {"privacy_level_option_mismatch", ERR_USER, 0,
     "The privacy is not one this account "
     "offers",
     "Set `privacy:` in the caption (or privacy in the config) to one of the options "
     "`tiktokfs login` printed, then move the video back to outbox/."},
    {"invalid_publish_id", ERR_PERMANENT, 0, "TikTok does not know this upload any more",
     "Move the video back to outbox/ to post it again."},
    {"token_not_authorized_for_specified_publish_id", ERR_PERMANENT, 0,
     "This upload belongs to another TikTok account",
     "Log in with the account that started it, or move the video back to outbox/ to post "
     "it with this one."},
    {"publish_not_cancellable", ERR_PERMANENT, 0, "TikTok cannot cancel this upload",
     "Nothing to do: an unfinished upload expires after an hour."},
    /* Ours, not TikTok's: see net/api.h. */
    {"init_outcome_unknown", ERR_PERMANENT, 0,
     "The connection broke after the post was sent to TikTok; whether TikTok took it is "
     "unknown",
     "Check the TikTok account; if the video is not there, move it back to outbox/."},
};

static const struct errors_entry fail_reasons[] = {
    {"file_format_check_failed", ERR_USER, 0, "TikTok refused the video format",
     "Convert the video to MP4 with H.264 (e.g. ffmpeg -i IN -c:v libx264 -c:a aac "
     "OUT.mp4) and copy it to outbox/ again."},
    {"duration_check_failed", ERR_USER, 0, "TikTok refused the video's duration",
     "Shorten the video to the account's maximum (see `tiktokfs login`) and at least 3 s."},
    {"frame_rate_check_failed", ERR_USER, 0, "TikTok refused the video's frame rate",
     "Re-encode the video at " TIKTOK_STR(TIKTOK_FPS_MIN) " to " TIKTOK_STR(TIKTOK_FPS_MAX)
     " frames per second."},
    {"picture_size_check_failed", ERR_USER, 0, "TikTok refused the picture size",
     "Re-encode the video between " TIKTOK_STR(TIKTOK_SIDE_MIN) " and "
     TIKTOK_STR(TIKTOK_SIDE_MAX) " pixels wide and high (1080x1920 is best)."},
    {"internal", ERR_RETRY, 0, "TikTok failed to process the video on its side",
     "Nothing to do: tiktokfs posts it again."},
    {"video_pull_failed", ERR_PERMANENT, 0, "TikTok could not download the video",
     "Move the video back to outbox/ to try again."},
    {"photo_pull_failed", ERR_PERMANENT, 0, "TikTok could not download the photo",
     "Move it back to outbox/ to try again."},
    {"publish_cancelled", ERR_PERMANENT, 0, "The post was cancelled",
     "Move the video back to outbox/ to post it."},
    {"auth_removed", ERR_USER, 0,
     "The TikTok login was revoked while the video was "
     "processed",
     "Run `tiktokfs login`, then move the video back to outbox/."},
    {"spam_risk_too_many_posts", ERR_DEFER, HOUR,
     "The account reached TikTok's daily post "
     "limit",
     "Nothing to do: tiktokfs tries again later."},
    {"spam_risk_user_banned_from_posting", ERR_PERMANENT, 0,
     "TikTok has banned this "
     "account from posting",
     "Check the account in the TikTok app."},
    {"spam_risk_text", ERR_USER, 0, "TikTok judged the caption to be spam",
     "Change the caption (fewer hashtags, mentions and links), then move the video back "
     "to outbox/."},
    {"spam_risk", ERR_PERMANENT, 0, "TikTok judged the post to be spam",
     "Check the video and caption; TikTok gives no details."},
    {"unaudited_client_can_only_post_to_private_accounts", ERR_USER, 0, UNAUDITED_WHAT,
     UNAUDITED_ADVICE},
};

/* Worded after TikTok's Login Kit troubleshooting. */
static const struct errors_entry oauth_errors[] = {
    {"access_denied", ERR_USER, 0, "Login cancelled: the TikTok user did not allow access",
     "Run `tiktokfs login` again and press Authorize."},
    {"invalid_client", ERR_USER, 0, "Invalid client key or client secret",
     "Copy client_key and client_secret from the app's page in the TikTok developer "
     "portal into the config (or TIKTOK_CLIENT_ID and TIKTOK_CLIENT_SECRET)."},
    {"invalid_grant", ERR_USER, 0, "The authorization code is invalid or expired",
     "Run `tiktokfs login` again and finish within a few minutes."},
    {"invalid_request", ERR_USER, 0, "TikTok refused the login request",
     "Run `tiktokfs login` again; if it keeps failing, check redirect_uri."},
    {"invalid_scope", ERR_USER, 0,
     "Insufficient permissions: the app is not approved for "
     "the scopes asked",
     "In the developer portal add Login Kit and the Content Posting API to the app and "
     "request user.info.basic, video.upload and video.publish."},
    {"unauthorized_client", ERR_USER, 0, "Invalid client key or redirect URI mismatch",
     "Check client_key, that Login Kit is added to the app, that the redirect URI is "
     "registered exactly, and (sandbox apps) that the account is a target user."},
    {"unsupported_grant_type", ERR_PERMANENT, 0, "TikTok refused the grant type",
     "This is a tiktokfs bug: please report it with the log_id."},
    {"unsupported_response_type", ERR_PERMANENT, 0, "TikTok refused the response type",
     "This is a tiktokfs bug: please report it with the log_id."},
    {"server_error", ERR_RETRY, 0, "TikTok's login service had an error",
     "Try `tiktokfs login` again in a few minutes."},
    {"temporarily_unavailable", ERR_RETRY, 0,
     "TikTok's login service is temporarily "
     "unavailable",
     "Try `tiktokfs login` again in a few minutes."},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct errors_entry *errors_table(enum errors_kind kind, size_t *n)
{
	switch (kind) {
	case ERRK_API:
		*n = N(api_codes);
		return api_codes;
	case ERRK_FAIL_REASON:
		*n = N(fail_reasons);
		return fail_reasons;
	case ERRK_OAUTH:
		*n = N(oauth_errors);
		return oauth_errors;
	}
	*n = 0;
	return NULL;
}

const struct errors_entry *errors_lookup(enum errors_kind kind, const char *code)
{
	size_t n;
	const struct errors_entry *t = errors_table(kind, &n);

	for (size_t i = 0; code && i < n; i++)
		if (!strcmp(t[i].code, code))
			return &t[i];
	return NULL;
}

static void apply(struct tt_error *err, const struct errors_entry *e, const char *code,
		  const char *detail, const char *log_id, int status)
{
	tt_error_clear(err);
	if (detail && *detail)
		tt_error_set(err, e->cls, "%s (TikTok: %s: %s)", e->what, code, detail);
	else
		tt_error_set(err, e->cls, "%s (TikTok: %s)", e->what, code);
	tt_error_advise(err, "%s", e->advice);
	tt_error_code(err, code, log_id);
	err->http_status = status;
	if (e->cls == ERR_DEFER)
		err->retry_at = wall_now() + e->defer_sec;
}

/* Codes TikTok did not document, or an HTTP answer without an envelope. */
static void unknown(struct tt_error *err, const char *code, const char *message, const char *log_id,
		    int status)
{
	tt_error_clear(err);
	if (status >= 500 || (!*code && status == 0)) {
		tt_error_set(err, ERR_RETRY, "TikTok answered HTTP %d%s%s", status,
			     *code ? ": " : "", code);
		tt_error_advise(err, "Nothing to do: tiktokfs retries later.");
	} else if (status == 429) {
		tt_error_set(err, ERR_DEFER, "TikTok's rate limit was reached (HTTP 429)");
		tt_error_advise(err, "Nothing to do: tiktokfs waits a minute and tries again.");
		err->retry_at = wall_now() + 60;
	} else if (*code) {
		tt_error_set(err, ERR_PERMANENT, "TikTok refused the request with code %s%s%s",
			     code, *message ? ": " : "", message);
		tt_error_advise(err, "This code is not documented; report it with the log_id.");
	} else {
		tt_error_set(err, ERR_PERMANENT, "TikTok answered HTTP %d without an error code",
			     status);
		tt_error_advise(err, "Report it with the log_id.");
	}
	tt_error_code(err, code, log_id);
	err->http_status = status;
}

void errors_api(struct tt_error *err, const char *code, const char *message, const char *log_id,
		int status, const char *scope)
{
	const struct errors_entry *e;

	code = code ? code : "";
	message = message ? message : "";
	e = *code ? errors_lookup(ERRK_API, code) : NULL;
	if (!e) {
		unknown(err, code, message, log_id, status);
		return;
	}
	apply(err, e, code, message, log_id, status);
	if (!strcmp(code, "scope_not_authorized") && scope && *scope) {
		tt_error_set(err, ERR_USER, "The TikTok login lacks the %s permission (TikTok: %s)",
			     scope, code);
		tt_error_advise(err,
				"Add %s to the app in the developer portal (Content Posting API), "
				"then run `tiktokfs login` and allow it.",
				scope);
	}
}

void errors_fail_reason(struct tt_error *err, const char *reason)
{
	const struct errors_entry *e = errors_lookup(ERRK_FAIL_REASON, reason);

	if (!e) {
		tt_error_clear(err);
		tt_error_set(err, ERR_PERMANENT, "TikTok failed the post: %s",
			     reason && *reason ? reason : "no reason given");
		tt_error_advise(err, "Check the video in the TikTok app; move it back to outbox/ "
				     "to try again.");
		tt_error_code(err, reason, "");
		return;
	}
	apply(err, e, reason, "", "", 0);
}

void errors_oauth(struct tt_error *err, const char *error, const char *description,
		  const char *error_type, const char *log_id, const char *client_key,
		  const char *redirect_uri)
{
	const struct errors_entry *e = errors_lookup(ERRK_OAUTH, error);

	description = description ? description : "";
	error_type = error_type ? error_type : "";
	client_key = client_key ? client_key : "";
	redirect_uri = redirect_uri ? redirect_uri : "";
	if (!e) {
		unknown(err, error ? error : "", description, log_id, 0);
		err->cls = ERR_PERMANENT;
		return;
	}
	apply(err, e, error, *description ? description : error_type, log_id, 0);
	if (!strcmp(error, "invalid_request") && strstr(description, "Redirect_uri")) {
		tt_error_set(err, ERR_USER, "Redirect URI mismatch (TikTok: %s: %s)", error,
			     description);
		tt_error_advise(err,
				"Register %s exactly (byte for byte) in the developer portal, "
				"or set redirect_uri to a registered one.",
				redirect_uri);
	} else if (!strcmp(error, "invalid_request") && strstr(description, "verifier")) {
		tt_error_set(err, ERR_PERMANENT,
			     "TikTok refused the PKCE code verifier (TikTok: "
			     "%s: %s)",
			     error, description);
		tt_error_advise(err, "Run `tiktokfs login` again; report it if it persists.");
	} else if (!strcmp(error, "unauthorized_client") && !strcmp(error_type, "user")) {
		/* The app knows the key and URI but not this account. */
		tt_error_set(err, ERR_USER,
			     "Developer access pending: this TikTok account may not "
			     "use the app yet (TikTok: %s, error_type %s)",
			     error, error_type);
		tt_error_advise(err,
				"While the app is unaudited or in sandbox mode, add the account "
				"under Target users in the developer portal (at most 10), "
				"then run `tiktokfs login` again.");
	} else if (!strcmp(error, "unauthorized_client")) {
		/* TikTok's page says the same for both causes (docs/tiktok.md §2.2). */
		tt_error_advise(err,
				"Invalid client key: check that client_key (%s) is the app's key "
				"and that Login Kit is added. Redirect URI mismatch: register %s "
				"exactly in the developer portal (Login Kit, Desktop). Developer "
				"access pending: a sandbox app only lets its target users log in.",
				client_key, redirect_uri);
	} else if (!strcmp(error, "invalid_client")) {
		tt_error_advise(err,
				"Check client_key (%s) and client_secret in the config (or "
				"TIKTOK_CLIENT_ID and TIKTOK_CLIENT_SECRET) against the "
				"developer portal.",
				client_key);
	}
}

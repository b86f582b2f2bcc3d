/*
 * Every error.code, fail_reason and OAuth error of the reference
 * (docs/tiktok.md §2.6, §4.1, §4.2, §5.7) has an entry in net/errors.c with
 * the class tiktokfs acts on.  The lists below are typed from the
 * reference, so a code dropped from the tables or re-classed fails here.
 */
#include "net/errors.h"
#include "unit.h"

#include <time.h>

struct expect {
	const char *code;
	enum err_class cls;
};

static const struct expect api_codes[] = {
    {"access_token_invalid", ERR_USER},
    {"internal_error", ERR_RETRY},
    {"invalid_file_upload", ERR_USER},
    {"invalid_params", ERR_PERMANENT},
    {"invalid_param", ERR_PERMANENT},
    {"rate_limit_exceeded", ERR_DEFER},
    {"scope_not_authorized", ERR_USER},
    {"scope_permission_missed", ERR_USER},
    {"app_version_check_failed", ERR_USER},
    {"spam_risk_too_many_posts", ERR_DEFER},
    {"spam_risk_user_banned_from_posting", ERR_PERMANENT},
    {"spam_risk_too_many_pending_share", ERR_DEFER},
    {"reached_active_user_cap", ERR_DEFER},
    {"unaudited_client_can_only_post_to_private_accounts", ERR_USER},
    {"url_ownership_unverified", ERR_PERMANENT},
    {"privacy_level_option_mismatch", ERR_USER},
    {"invalid_publish_id", ERR_PERMANENT},
    {"token_not_authorized_for_specified_publish_id", ERR_PERMANENT},
    {"publish_not_cancellable", ERR_PERMANENT},
    {"init_outcome_unknown", ERR_PERMANENT},
};

static const struct expect fail_reasons[] = {
    {"file_format_check_failed", ERR_USER},
    {"duration_check_failed", ERR_USER},
    {"frame_rate_check_failed", ERR_USER},
    {"picture_size_check_failed", ERR_USER},
    {"internal", ERR_RETRY},
    {"video_pull_failed", ERR_PERMANENT},
    {"photo_pull_failed", ERR_PERMANENT},
    {"publish_cancelled", ERR_PERMANENT},
    {"auth_removed", ERR_USER},
    {"spam_risk_too_many_posts", ERR_DEFER},
    {"spam_risk_user_banned_from_posting", ERR_PERMANENT},
    {"spam_risk_text", ERR_USER},
    {"spam_risk", ERR_PERMANENT},
    {"unaudited_client_can_only_post_to_private_accounts", ERR_USER},
};

static const struct expect oauth_errors[] = {
    {"access_denied", ERR_USER},
    {"invalid_client", ERR_USER},
    {"invalid_grant", ERR_USER},
    {"invalid_request", ERR_USER},
    {"invalid_scope", ERR_USER},
    {"unauthorized_client", ERR_USER},
    {"unsupported_grant_type", ERR_PERMANENT},
    {"unsupported_response_type", ERR_PERMANENT},
    {"server_error", ERR_RETRY},
    {"temporarily_unavailable", ERR_RETRY},
};

static void check_kind(enum errors_kind kind, const struct expect *ex, size_t n)
{
	size_t tn;
	const struct errors_entry *t = errors_table(kind, &tn);

	CHECK_INT(tn, n); /* nothing undocumented slipped in, nothing dropped */
	for (size_t i = 0; i < n; i++) {
		const struct errors_entry *e = errors_lookup(kind, ex[i].code);
		if (!e) {
			FAILF("no entry for %s", ex[i].code);
			continue;
		}
		if (e->cls != ex[i].cls)
			FAILF("%s is %s, expected %s", ex[i].code, err_class_name(e->cls),
			      err_class_name(ex[i].cls));
		CHECK(e->what && *e->what && e->advice && *e->advice);
		if (e->cls == ERR_DEFER)
			CHECK(e->defer_sec >= 60);
	}
	(void)t;
}

TEST(test_every_api_code_is_mapped)
{
	check_kind(ERRK_API, api_codes, sizeof(api_codes) / sizeof(api_codes[0]));
}

TEST(test_every_fail_reason_is_mapped)
{
	check_kind(ERRK_FAIL_REASON, fail_reasons, sizeof(fail_reasons) / sizeof(fail_reasons[0]));
}

TEST(test_every_oauth_error_is_mapped)
{
	check_kind(ERRK_OAUTH, oauth_errors, sizeof(oauth_errors) / sizeof(oauth_errors[0]));
}

TEST(test_unaudited_client_says_what_to_do)
{
	struct tt_error e;

	errors_api(&e, "unaudited_client_can_only_post_to_private_accounts", "", "LOG1", 403,
		   "video.publish");
	CHECK_INT(e.cls, ERR_USER);
	CHECK_CONTAINS(e.what, "Your TikTok app is not audited yet: it can only post SELF_ONLY "
			       "(private) videos to a private account");
	CHECK_CONTAINS(e.advice, "Set `privacy: private` (SELF_ONLY)");
	CHECK_CONTAINS(e.advice, "make the TikTok account private, or get the app audited");
	CHECK_STR(e.code, "unaudited_client_can_only_post_to_private_accounts");
	CHECK_STR(e.log_id, "LOG1");
	CHECK_INT(e.http_status, 403);
}

TEST(test_rate_limit_defers_a_minute)
{
	struct tt_error e;
	int64_t now = (int64_t)time(NULL);

	errors_api(&e, "rate_limit_exceeded", "", "", 429, "");
	CHECK_INT(e.cls, ERR_DEFER);
	CHECK(e.retry_at >= now + 60 && e.retry_at <= now + 62);
	errors_api(&e, "spam_risk_too_many_posts", "", "", 403, "");
	CHECK_INT(e.cls, ERR_DEFER);
	CHECK(e.retry_at >= now + 3600);
}

TEST(test_scope_not_authorized_names_the_scope)
{
	struct tt_error e;

	errors_api(&e, "scope_not_authorized", "", "", 401, "video.upload");
	CHECK_INT(e.cls, ERR_USER);
	CHECK_CONTAINS(e.what, "video.upload");
	CHECK_CONTAINS(e.advice, "video.upload");
}

TEST(test_unknown_code_is_permanent_and_shown)
{
	struct tt_error e;

	errors_api(&e, "brand_new_code", "something odd", "L", 400, "");
	CHECK_INT(e.cls, ERR_PERMANENT);
	CHECK_CONTAINS(e.what, "brand_new_code");
	CHECK_STR(e.code, "brand_new_code");
	errors_fail_reason(&e, "never_heard_of_it");
	CHECK_INT(e.cls, ERR_PERMANENT);
	CHECK_CONTAINS(e.what, "never_heard_of_it");
}

TEST(test_server_errors_and_network_retry)
{
	struct tt_error e;

	errors_api(&e, "", "", "", 503, "");
	CHECK_INT(e.cls, ERR_RETRY);
	CHECK_CONTAINS(e.what, "503");
	errors_api(&e, "", "", "", 429, "");
	CHECK_INT(e.cls, ERR_DEFER);
	errors_api(&e, "", "", "", 404, "");
	CHECK_INT(e.cls, ERR_PERMANENT);
}

TEST(test_oauth_errors_in_tiktoks_words)
{
	struct tt_error e;

	errors_oauth(&e, "unauthorized_client", "", "client_key", "", "mykey",
		     "http://localhost:3000/cb");
	CHECK_CONTAINS(e.what, "Invalid client key or redirect URI mismatch");
	CHECK_CONTAINS(e.advice, "mykey");
	CHECK_CONTAINS(e.advice, "http://localhost:3000/cb");
	CHECK_CONTAINS(e.advice, "Developer access pending");
	errors_oauth(&e, "unauthorized_client", "", "user", "", "k", "r");
	CHECK_CONTAINS(e.what, "Developer access pending");
	CHECK_CONTAINS(e.advice, "Target users");
	errors_oauth(&e, "invalid_request",
		     "Redirect_uri is not matched with the uri when requesting code.", "", "L", "k",
		     "http://x/");
	CHECK_CONTAINS(e.what, "Redirect URI mismatch");
	errors_oauth(&e, "invalid_client", "", "", "", "k", "r");
	CHECK_CONTAINS(e.what, "Invalid client key");
	errors_oauth(&e, "access_denied", "", "", "", "k", "r");
	CHECK_CONTAINS(e.what, "did not allow access");
}

UNIT_MAIN()

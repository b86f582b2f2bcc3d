/*
 * Google's OAuth as a YouTube account logs in (docs/youtube.md §2): RFC 7636
 * S256 in base64url (appendix B's vector; never TikTok's hex), the
 * authorize URL's parameters, the callback's judge, the token answers
 * (a dead refresh token told with the 7-day rule of a project in Testing),
 * and channels.list's answer.
 */
#include "meta/config.h"
#include "net/yt_api.h"
#include "net/yt_oauth.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct config cfg = {
    .youtube_client_id = "123-desk.apps.googleusercontent.com",
    .youtube_auth_url = "https://accounts.google.com/o/oauth2/v2/auth",
};

TEST(test_challenge_is_rfc7636_appendix_b)
{
	char out[65];

	yt_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out);
	CHECK_STR(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(test_fresh_pair_is_base64url_never_hex)
{
	struct oauth_pkce p;
	char ch[65];

	CHECK_INT(yt_pkce_new(&p), 0);
	CHECK_INT(strlen(p.challenge), 43);
	CHECK_INT(strspn(p.challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-_"),
		  43);
	yt_challenge(p.verifier, ch);
	CHECK_STR(p.challenge, ch);
	oauth_challenge(p.verifier, ch);
	CHECK(strcmp(p.challenge, ch) != 0);
}

TEST(test_authorize_url_has_every_parameter)
{
	struct oauth_pkce p;
	char *url;

	yt_pkce_new(&p);
	url = yt_authorize_url(&cfg, "http://127.0.0.1:40123/", &p);
	CHECK_CONTAINS(url, "https://accounts.google.com/o/oauth2/v2/auth?client_id=123-desk."
			    "apps.googleusercontent.com&");
	CHECK_CONTAINS(url, "&redirect_uri=http%3A%2F%2F127.0.0.1%3A40123%2F&");
	CHECK_CONTAINS(url, "&response_type=code&");
	CHECK_CONTAINS(url, "&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.upload%20"
			    "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fyoutube.readonly&");
	CHECK_CONTAINS(url, p.state);
	CHECK_CONTAINS(url, p.challenge);
	CHECK_CONTAINS(url, "&code_challenge_method=S256");
	CHECK_CONTAINS(url, "&access_type=offline");
	free(url);
}

TEST(test_callback_needs_our_state_a_code_and_the_upload_scope)
{
	struct oauth_callback cb;
	struct tt_error err;

	memset(&cb, 0, sizeof(cb));
	strcpy(cb.state, "s1");
	strcpy(cb.code, "4/0Aabc");
	strcpy(cb.scopes, YT_SCOPES);
	CHECK_INT(yt_check_callback(&cb, "s1", &err), 0);
	CHECK_INT(yt_check_callback(&cb, "s2", &err), -1);
	strcpy(cb.scopes, YT_SCOPE_READONLY);
	CHECK_INT(yt_check_callback(&cb, "s1", &err), -1);
	CHECK_CONTAINS(err.what, "youtube.upload");
	strcpy(cb.scopes, YT_SCOPE_UPLOAD "x");
	CHECK_INT(yt_check_callback(&cb, "s1", &err), -1);
	memset(&cb, 0, sizeof(cb));
	strcpy(cb.error, "access_denied");
	CHECK_INT(yt_check_callback(&cb, "s1", &err), -1);
	CHECK_CONTAINS(err.what, "access_denied");
}

#define OK_EXCHANGE                                                                                \
	"{\"access_token\":\"ya29.a0x\",\"expires_in\":3599,\"refresh_token\":\"1//0r\","          \
	"\"scope\":\"s1 s2\",\"token_type\":\"Bearer\"}"

TEST(test_token_answer_gives_tokens_and_expiry)
{
	struct token_set ts;
	struct tt_error err;

	tt_error_clear(&err);
	CHECK_INT(yt_parse_token_reply(OK_EXCHANGE, strlen(OK_EXCHANGE), 200, 1000, 0, &ts, &err),
		  0);
	CHECK_STR(ts.access_token, "ya29.a0x");
	CHECK_STR(ts.refresh_token, "1//0r");
	CHECK_STR(ts.scope, "s1 s2");
	CHECK(ts.access_expires == 4599);
}

TEST(test_dead_refresh_token_names_testing_and_what_to_do)
{
	const char *body = "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been "
			   "expired or revoked.\"}";
	struct token_set ts;
	struct tt_error err;

	tt_error_clear(&err);
	CHECK_INT(yt_parse_token_reply(body, strlen(body), 400, 1000, 1, &ts, &err), -1);
	CHECK_CONTAINS(err.what, "Testing");
	CHECK_CONTAINS(err.what, "7 days");
	CHECK_CONTAINS(err.advice, "Publish");
	CHECK_CONTAINS(err.advice, "every week");
	/* a spent code at the exchange is not a dead login */
	tt_error_clear(&err);
	CHECK_INT(yt_parse_token_reply(body, strlen(body), 400, 1000, 0, &ts, &err), -1);
	CHECK(strstr(err.what, "Testing") == NULL);
	CHECK_CONTAINS(err.what, "invalid_grant");
}

TEST(test_channels_answer_gives_id_and_title_or_no_channel)
{
	const char *one = "{\"items\":[{\"id\":\"UCabc\",\"snippet\":{\"title\":\"Harbour\\u0007 "
			  "Films\"}}]}";
	const char *none = "{\"items\":[],\"pageInfo\":{\"totalResults\":0}}";
	const char *bad = "{\"error\":{\"code\":403,\"errors\":[{\"reason\":"
			  "\"insufficientPermissions\"}]}}";
	struct yt_channel ch;
	struct tt_error err;

	tt_error_clear(&err);
	CHECK_INT(yt_parse_channels(one, strlen(one), 200, &ch, &err), 0);
	CHECK_STR(ch.id, "UCabc");
	CHECK_STR(ch.title, "Harbour Films");
	CHECK_INT(yt_parse_channels(none, strlen(none), 200, &ch, &err), -ENOENT);
	CHECK_INT(yt_parse_channels(bad, strlen(bad), 403, &ch, &err), -1);
	CHECK_CONTAINS(err.what, "insufficientPermissions");
}

UNIT_MAIN()

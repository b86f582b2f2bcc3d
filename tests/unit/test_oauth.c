/*
 * Login Kit details that are easy to get wrong (docs/tiktok.md §2): the hex
 * PKCE challenge, the verifier's alphabet, the callback's percent-encoded
 * code, a foreign state, missing scopes, and token answers that carry an
 * error with HTTP 200.  And the loopback listener's judge: only a GET of
 * our path with exactly our state is ours; TikTok's words are printed as
 * plain printable text whoever wrote them.
 */
#include "meta/config.h"
#include "net/oauth.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static struct config cfg = {
    .client_key = "sbawtestclientkey",
    .redirect_uri = "http://localhost:3000/dashboard/platforms/callback",
    .auth_url = "https://www.tiktok.com/v2/auth/authorize/",
};

TEST(test_challenge_is_lower_hex_sha256)
{
	char out[65];

	oauth_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out);
	CHECK_STR(out, "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3");
}

TEST(test_verifier_is_fresh_and_unreserved)
{
	struct oauth_pkce a, b;
	char ch[65];
	size_t n;

	CHECK_INT(oauth_pkce_new(&a), 0);
	CHECK_INT(oauth_pkce_new(&b), 0);
	n = strlen(a.verifier);
	CHECK(n >= 43 && n <= 128);
	CHECK_INT(strspn(a.verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789-._~"),
		  n);
	CHECK(strcmp(a.verifier, b.verifier) != 0);
	CHECK(strcmp(a.state, b.state) != 0);
	oauth_challenge(a.verifier, ch);
	CHECK_STR(a.challenge, ch);
}

TEST(test_authorize_url_has_every_parameter)
{
	struct oauth_pkce p;
	char *url;

	oauth_pkce_new(&p);
	url = oauth_authorize_url(&cfg, &p);
	CHECK_CONTAINS(url,
		       "https://www.tiktok.com/v2/auth/authorize/?client_key=sbawtestclientkey");
	CHECK_CONTAINS(url, "&scope=user.info.basic%2Cvideo.upload%2Cvideo.publish");
	CHECK_CONTAINS(url, "&response_type=code");
	CHECK_CONTAINS(
	    url, "&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%2Fplatforms%2Fcallback");
	CHECK_CONTAINS(url, p.challenge);
	CHECK_CONTAINS(url, p.state);
	CHECK_CONTAINS(url, "&code_challenge_method=S256");
	free(url);
}

TEST(test_authorize_url_asks_who_logs_in_every_time)
{
	struct oauth_pkce p;
	char *url;

	oauth_pkce_new(&p);
	url = oauth_authorize_url(&cfg, &p);
	CHECK_CONTAINS(url, "&disable_auto_auth=1");
	free(url);
}

TEST(test_granted_scopes_are_read_with_commas_or_spaces)
{
	/* TikTok lists them with commas, Google with spaces. */
	CHECK(oauth_has_scope("user.info.basic,video.publish", "video.publish"));
	CHECK(oauth_has_scope("openid https://www.googleapis.com/auth/youtube.upload",
			      "https://www.googleapis.com/auth/youtube.upload"));
	CHECK(!oauth_has_scope("video.publishx,user.info.basic", "video.publish"));
	CHECK(!oauth_has_scope("xvideo.publish", "video.publish"));
	CHECK(!oauth_has_scope("", "video.publish"));
}

TEST(test_built_url_escapes_values_and_joins_an_existing_query)
{
	const char *const kv[] = {"a", "x y", "b", "&=", NULL};
	char *u = oauth_build_url("https://h/p?v=1", kv);

	CHECK_STR(u, "https://h/p?v=1&a=x%20y&b=%26%3D");
	free(u);
	u = oauth_build_url("https://h/p", kv);
	CHECK_STR(u, "https://h/p?a=x%20y&b=%26%3D");
	free(u);
}

TEST(test_callback_code_is_url_decoded)
{
	struct oauth_callback cb;
	struct tt_error e;

	CHECK_INT(oauth_parse_callback("http://localhost:3000/dashboard/platforms/callback?"
				       "code=ab%2Acd%21ef*g!&scopes=user.info.basic%2Cvideo.upload"
				       "%2Cvideo.publish&state=s1\n",
				       &cb),
		  0);
	CHECK_STR(cb.code, "ab*cd!ef*g!");
	CHECK_STR(cb.state, "s1");
	CHECK_STR(cb.scopes, "user.info.basic,video.upload,video.publish");
	CHECK_INT(oauth_check_callback(&cb, "s1", &cfg, &e), 0);
	/* The query alone is accepted too. */
	CHECK_INT(oauth_parse_callback("?code=x&state=s1", &cb), 0);
	CHECK_STR(cb.code, "x");
}

TEST(test_mismatched_state_refused)
{
	struct oauth_callback cb;
	struct tt_error e;

	CHECK_INT(oauth_parse_callback("/cb?code=abc&state=evil", &cb), 0);
	CHECK(oauth_check_callback(&cb, "good", &cfg, &e) < 0);
	CHECK_CONTAINS(e.what, "state mismatch");
}

TEST(test_callback_error_in_tiktoks_words)
{
	struct oauth_callback cb;
	struct tt_error e;

	CHECK_INT(oauth_parse_callback("/cb?error=access_denied&error_description=User+said+no"
				       "&state=s",
				       &cb),
		  0);
	CHECK_STR(cb.error_description, "User said no");
	CHECK(oauth_check_callback(&cb, "s", &cfg, &e) < 0);
	CHECK_CONTAINS(e.what, "did not allow access");
	CHECK_INT(oauth_parse_callback("error=unauthorized_client", &cb), 0);
	CHECK(oauth_check_callback(&cb, "s", &cfg, &e) < 0);
	CHECK_CONTAINS(e.what, "Invalid client key or redirect URI mismatch");
}

/* The errors TikTok shows on its own page (docs/tiktok.md §2.2): each its
 * own message, naming what to change, whether or not a state came along. */
TEST(test_authorize_page_errors_name_what_to_change)
{
	struct config c = cfg;
	struct oauth_callback cb;
	struct tt_error e;

	c.path = "/etc/tiktokfs.conf";
	CHECK_INT(oauth_parse_callback("https://www.tiktok.com/v2/auth/authorize/?client_key=k&"
				       "state=s&error=invalid_request&error_type=redirect_uri",
				       &cb),
		  0);
	CHECK(oauth_check_callback(&cb, "other", &c, &e) < 0);
	CHECK_CONTAINS(e.what, "Redirect URI mismatch");
	CHECK_CONTAINS(e.what, c.redirect_uri);
	CHECK_CONTAINS(e.advice, "register exactly http://localhost:3000/dashboard/platforms/"
				 "callback, byte for byte: localhost and 127.0.0.1 differ");
	CHECK_CONTAINS(e.advice, "/etc/tiktokfs.conf");

	CHECK_INT(oauth_parse_callback("?error=unauthorized_client&error_type=client_key", &cb), 0);
	CHECK(oauth_check_callback(&cb, "s", &c, &e) < 0);
	CHECK_CONTAINS(e.what, "Invalid client key or insufficient permissions");
	CHECK_CONTAINS(e.what, "client_key sbawtestclientkey");
	CHECK_CONTAINS(e.advice, "Login Kit and Content Posting API");
	CHECK_CONTAINS(e.advice, "user.info.basic,video.upload,video.publish are approved");
	CHECK_CONTAINS(e.advice, "Target users");

	CHECK_INT(oauth_parse_callback("?error=invalid_request&error_type=code_challenge", &cb), 0);
	CHECK(oauth_check_callback(&cb, "s", &c, &e) < 0);
	CHECK_CONTAINS(e.what, "PKCE challenge");
	CHECK_CONTAINS(e.advice, "Desktop");
	CHECK_STR(e.code, "invalid_request");
}

/* Scopes follow the mode: a drafts-only app can log in with mode = draft. */
TEST(test_scopes_follow_the_mode)
{
	struct config c = cfg;
	struct oauth_pkce p;
	struct oauth_callback cb;
	struct tt_error e;
	char *url;

	c.mode = POST_DRAFT;
	oauth_pkce_new(&p);
	url = oauth_authorize_url(&c, &p);
	CHECK_CONTAINS(url, "&scope=user.info.basic%2Cvideo.upload&");
	free(url);
	CHECK_INT(oauth_parse_callback("?code=c&state=s&scopes=user.info.basic,video.upload", &cb),
		  0);
	CHECK_INT(oauth_check_callback(&cb, "s", &c, &e), 0);
	CHECK(oauth_check_callback(&cb, "s", &cfg, &e) < 0); /* mode direct */
	CHECK_CONTAINS(e.what, "did not grant video.publish");
	CHECK_INT(oauth_parse_callback("?error=unauthorized_client&error_type=client_key", &cb), 0);
	CHECK(oauth_check_callback(&cb, "s", &c, &e) < 0);
	CHECK_CONTAINS(e.advice, "scopes user.info.basic,video.upload are approved");
}

/* Feed @text to a fresh paste in pieces of @step bytes, then the end. */
static int paste(const char *text, size_t step, struct oauth_callback *cb)
{
	struct oauth_paste p;
	size_t n = strlen(text);
	int rc = 0;

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < n && !rc; i += step)
		rc = oauth_paste_feed(&p, text + i, n - i < step ? n - i : step, cb);
	return rc ? rc : oauth_paste_feed(&p, NULL, 0, cb);
}

TEST(test_pasted_address_is_assembled_from_pieces)
{
	static const char addr[] = "https://www.tiktok.com/v2/auth/authorize/?client_key=k&"
				   "error=invalid_request&error_type=redirect_uri\r\n";
	struct oauth_callback cb;
	char *big = malloc(OAUTH_PASTE_MAX + 10);

	for (size_t step = 1; step < sizeof(addr); step += 7) {
		CHECK_INT(paste(addr, step, &cb), 1);
		CHECK_STR(cb.error, "invalid_request");
		CHECK_STR(cb.error_type, "redirect_uri");
	}
	/* blank lines first, and a last line without its newline */
	CHECK_INT(paste("\n  \r\n?code=x&state=s", 3, &cb), 1);
	CHECK_STR(cb.code, "x");
	CHECK_INT(paste("", 1, &cb), -ENODATA);
	CHECK_INT(paste("\n\n", 1, &cb), -ENODATA);
	CHECK_INT(paste("hello\n", 2, &cb), -EINVAL);
	{
		struct oauth_paste p;

		memset(&p, 0, sizeof(p));
		CHECK_INT(oauth_paste_feed(&p, "?code=x\0&state=s\n", 18, &cb), -EINVAL);
	}
	memset(big, 'a', OAUTH_PASTE_MAX + 9);
	big[OAUTH_PASTE_MAX + 9] = '\0';
	CHECK_INT(paste(big, 4096, &cb), -E2BIG);
	free(big);
}

TEST(test_missing_scopes_are_named)
{
	struct oauth_callback cb;
	struct tt_error e;

	CHECK_INT(oauth_parse_callback("/cb?code=c&state=s&scopes=user.info.basic", &cb), 0);
	CHECK(oauth_check_callback(&cb, "s", &cfg, &e) < 0);
	CHECK_CONTAINS(e.what, "Insufficient permissions");
	CHECK_CONTAINS(e.what, "video.upload, video.publish");
}

TEST(test_garbage_callback_refused)
{
	struct oauth_callback cb;

	CHECK_INT(oauth_parse_callback("hello world", &cb), -EINVAL);
	CHECK_INT(oauth_parse_callback("/cb?state=s", &cb), -EINVAL);
	CHECK(oauth_parse_callback("/cb?code=a%00b&state=s", &cb) < 0);
}

TEST(test_token_reply_flat_and_errors_with_200)
{
	static const char ok[] =
	    "{\"access_token\":\"act.AAA\",\"expires_in\":86400,\"open_id\":"
	    "\"o1\",\"refresh_expires_in\":31536000,\"refresh_token\":"
	    "\"rft.BBB\",\"scope\":\"user.info.basic\",\"token_type\":\"Bearer\"}";
	static const char bad[] = "{\"error\":\"invalid_grant\",\"error_description\":"
				  "\"Authorization code is expired.\",\"log_id\":\"L9\"}";
	static const char norot[] = "{\"access_token\":\"act.C\",\"expires_in\":5}";
	static const char empty[] = "{\"access_token\":\"\"}";
	struct token_set ts;
	struct tt_error e;

	CHECK_INT(oauth_parse_token_reply(ok, strlen(ok), 200, 1000, &cfg, &ts, &e), 0);
	CHECK_STR(ts.access_token, "act.AAA");
	CHECK_STR(ts.refresh_token, "rft.BBB");
	CHECK_INT(ts.access_expires, 1000 + 86400);
	CHECK_INT(ts.refresh_expires, 1000 + 31536000);
	CHECK(oauth_parse_token_reply(bad, strlen(bad), 200, 1000, &cfg, &ts, &e) < 0);
	CHECK_STR(e.code, "invalid_grant");
	CHECK_STR(e.log_id, "L9");
	CHECK_STR(ts.access_token, "");
	CHECK(oauth_parse_token_reply("<html>", 6, 502, 1000, &cfg, &ts, &e) < 0);
	CHECK_INT(e.cls, ERR_RETRY);
	/* A refresh that does not rotate may leave refresh_token out. */
	CHECK_INT(oauth_parse_token_reply(norot, strlen(norot), 200, 1000, &cfg, &ts, &e), 0);
	CHECK_STR(ts.access_token, "act.C");
	CHECK_STR(ts.refresh_token, "");
	CHECK(oauth_parse_token_reply(empty, strlen(empty), 200, 1000, &cfg, &ts, &e) < 0);
}

TEST(test_token_reply_error_text_is_printable)
{
	static const char bad[] = "{\"error\":\"invalid_grant\",\"error_description\":"
				  "\"\\u001b[2Jgone\\nline\",\"log_id\":\"L\\r9\"}";
	struct token_set ts;
	struct tt_error e;

	CHECK(oauth_parse_token_reply(bad, strlen(bad), 200, 1000, &cfg, &ts, &e) < 0);
	CHECK_CONTAINS(e.what, "[2Jgone line");
	CHECK(!strchr(e.what, '\x1b') && !strchr(e.what, '\n'));
	CHECK_STR(e.log_id, "L 9");
}

TEST(test_clean_text_keeps_letters_and_drops_controls)
{
	/* ESC, newline, CR, tab, DEL, SOH; U+009B (CSI), U+202E (RLO), U+2028
	 * (line separator); then été, 日 and 🎬, which stay. */
	static const char in[] = "\x1b[31mHACKED\nline\r\tx\x7f\x01"
				 "\xc2\x9b"
				 "2J\xe2\x80\xae"
				 "evil\xe2\x80\xa8"
				 "sep \xc3\xa9t\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8e\xac";
	char out[128];

	oauth_clean_text(out, sizeof(out), in, sizeof(in) - 1);
	CHECK_STR(out, "[31mHACKED line  x2Jevilsep \xc3\xa9t\xc3\xa9 \xe6\x97\xa5 "
		       "\xf0\x9f\x8e\xac");
}

TEST(test_clean_text_drops_invalid_utf8)
{
	/* a lone continuation, an overlong '/', a surrogate, a cut sequence */
	static const char in[] = "a\x80"
				 "b\xc0\xaf"
				 "c\xed\xa0\x80"
				 "d\xe6\x97";
	char out[64];

	oauth_clean_text(out, sizeof(out), in, sizeof(in) - 1);
	CHECK_STR(out, "abcd");
}

TEST(test_clean_text_cuts_on_a_character_boundary)
{
	char out[6];

	CHECK_INT(oauth_clean_text(out, sizeof(out), "abcd\xc3\xa9z", 7), 4);
	CHECK_STR(out, "abcd");
	CHECK_INT(oauth_clean_text(out, 1, "abc", 3), 0);
	CHECK_STR(out, "");
}

TEST(test_callback_text_is_cleaned_and_cut_not_refused)
{
	struct oauth_callback cb;
	char q[2048];
	size_t n;

	CHECK_INT(oauth_parse_callback("/cb?error=access%1B_denied&error_description="
				       "%1B%5B31mHACKED%0Aline%C2%9B&error_type=%0D%0Auser"
				       "&state=s",
				       &cb),
		  0);
	CHECK_STR(cb.error, "access_denied");
	CHECK_STR(cb.error_description, "[31mHACKED line");
	CHECK_STR(cb.error_type, "  user");
	/* A description longer than its field is cut; the error is still told. */
	n = (size_t)snprintf(q, sizeof(q), "error=access_denied&state=s&error_description=");
	memset(q + n, 'x', 1000);
	q[n + 1000] = '\0';
	CHECK_INT(oauth_parse_callback(q, &cb), 0);
	CHECK_INT(strlen(cb.error_description), sizeof(cb.error_description) - 1);
	/* Only controls: nothing left, so neither a code nor an error. */
	CHECK_INT(oauth_parse_callback("error=%1B%07&state=s", &cb), -EINVAL);
}

TEST(test_doubled_parameter_refused)
{
	struct oauth_callback cb;

	CHECK_INT(oauth_parse_callback("/cb?code=c&state=evil&state=good", &cb), -EINVAL);
	CHECK_STR(cb.state, "");
	CHECK_INT(oauth_parse_callback("/cb?code=c&state=good&code=d", &cb), -EINVAL);
	CHECK_INT(oauth_parse_callback("/cb?error=a&error=b&state=good", &cb), -EINVAL);
	/* Parameters we do not read may come as they like. */
	CHECK_INT(oauth_parse_callback("/cb?code=c&x=1&x=2&state=good", &cb), 0);
}

#define STATE "0123456789abcdef0123456789abcdef"
#define HEAD(target) "GET " target " HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n\r\n"

static int judge(const char *head, struct oauth_callback *cb)
{
	return oauth_judge_request(head, strlen(head), "/callback/", STATE, cb);
}

TEST(test_listener_takes_only_our_state)
{
	struct oauth_callback cb;

	CHECK_INT(judge(HEAD("/callback/?code=c%2A&scopes=a&state=" STATE), &cb), 0);
	CHECK_STR(cb.code, "c*");
	CHECK_INT(judge("GET /callback/?code=c&state=" STATE " HTTP/1.0\n\n", &cb), 0);
	/* TikTok's error, with our state, ends the login in its words. */
	CHECK_INT(judge(HEAD("/callback/?error=access_denied&error_description=No%1B%0A"
			     "&state=" STATE),
			&cb),
		  0);
	CHECK_STR(cb.error, "access_denied");
	CHECK_STR(cb.error_description, "No ");
	/* Without it, nobody may end the login, error or code. */
	CHECK_INT(judge(HEAD("/callback/?error=access_denied&error_description=x"), &cb), -EINVAL);
	CHECK_STR(cb.error, "");
	CHECK_INT(judge(HEAD("/callback/?code=c"), &cb), -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?code=c&state="), &cb), -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?error=x&state=0123456789abcdef0123456789abcdee"), &cb),
		  -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?error=x&state=" STATE "0"), &cb), -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?error=x&state=0123456789abcdef0123456789abcde"), &cb),
		  -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?code=c&state=evil&state=" STATE), &cb), -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?code=c&state=" STATE "&state=" STATE), &cb), -EINVAL);
	CHECK_INT(judge(HEAD("/callback/?state=" STATE), &cb), -EINVAL);
	/* An empty expected state matches nothing. */
	CHECK_INT(oauth_judge_request(HEAD("/callback/?code=c&state="), 40, "/callback/", "", &cb),
		  -EINVAL);
}

TEST(test_listener_refuses_junk_and_other_paths)
{
	struct oauth_callback cb;
	static const char *const junk[] = {
	    "",
	    "GET",
	    "GET\r\n\r\n",
	    "GET /callback/?code=c&state=" STATE " HTTP/1.1", /* no end of line */
	    "POST /callback/?code=c&state=" STATE " HTTP/1.1\r\n\r\n",
	    "get /callback/?code=c&state=" STATE " HTTP/1.1\r\n\r\n",
	    "GET /callback/?code=c&state=" STATE " HTTP/2\r\n\r\n",
	    "GET /callback/?code=c&state=" STATE "\r\n\r\n",
	    "GET /callback/?code=c&state=" STATE " HTTP/1.1 x\r\n\r\n",
	    "GET  /callback/?code=c&state=" STATE " HTTP/1.1\r\n\r\n",
	    "GET /callback/?code=c\x1b&state=" STATE " HTTP/1.1\r\n\r\n",
	    "GET http://127.0.0.1/callback/?code=c&state=" STATE " HTTP/1.1\r\n\r\n",
	    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (judge(junk[i], &cb) != -EINVAL)
			FAILF("junk #%zu not refused", i);
	CHECK_INT(judge(HEAD("/favicon.ico"), &cb), -ENOENT);
	CHECK_INT(judge(HEAD("/callback?code=c&state=" STATE), &cb), -ENOENT);
	CHECK_INT(judge(HEAD("/callback/x?code=c&state=" STATE), &cb), -ENOENT);
	CHECK_INT(judge(HEAD("/?code=c&state=" STATE), &cb), -ENOENT);
}

UNIT_MAIN()

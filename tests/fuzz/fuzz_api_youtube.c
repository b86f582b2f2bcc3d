/*
 * libFuzzer target for what tiktokfs reads from Google for a YouTube
 * account: the token endpoint's answer (exchange and refresh, where
 * invalid_grant means a dead login), the channels.list answer, and the
 * loopback callback as Google's flow checks it.  Each input is tried as a
 * body answered with HTTP 200, then with its first byte picking the status.
 * Besides "no crash, no leak, no UB", it checks the parsers' promises: a
 * token answer that parses carries an access token expiring no earlier than
 * now (an answer without expires_in counts as expiring at once, so it is
 * refreshed before its next use); a
 * channel that parses has an id and a printable title; a failure says why.
 */
#include "meta/config.h"
#include "net/oauth.h"
#include "net/yt_api.h"
#include "net/yt_oauth.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

static const long statuses[] = {200, 400, 401, 403, 404, 429, 500, 503, 0};

static void must_say_why(const struct tt_error *e)
{
	if (!e->what[0] || e->cls == ERR_NONE)
		abort();
}

static void check_tokens(const char *body, size_t size, long status, int refresh)
{
	struct token_set ts;
	struct tt_error e;

	memset(&ts, 0, sizeof(ts));
	tt_error_clear(&e);
	if (yt_parse_token_reply(body, size, status, NOW, refresh, &ts, &e) == 0) {
		if (!ts.access_token[0] || ts.access_expires < NOW)
			abort();
		if (!memchr(ts.refresh_token, '\0', sizeof(ts.refresh_token)))
			abort();
	} else {
		must_say_why(&e);
	}
}

static void check_channel(const char *body, size_t size, long status)
{
	struct yt_channel ch;
	struct tt_error e;
	int rc;

	memset(&ch, 0, sizeof(ch));
	tt_error_clear(&e);
	rc = yt_parse_channels(body, size, status, &ch, &e);
	if (rc == 0) {
		if (!ch.id[0] || !memchr(ch.title, '\0', sizeof(ch.title)))
			abort();
		for (const char *c = ch.title; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
	} else if (rc != -ENOENT) {
		must_say_why(&e);
	}
}

static void run_all(const char *body, size_t size, long status)
{
	struct oauth_callback cb;
	struct tt_error e;
	char *text;

	check_tokens(body, size, status, 0);
	check_tokens(body, size, status, 1);
	check_channel(body, size, status);
	text = malloc(size + 1);
	if (!text)
		return;
	memcpy(text, body, size);
	text[size] = '\0';
	memset(&cb, 0, sizeof(cb));
	tt_error_clear(&e);
	if (oauth_parse_callback(text, &cb) == 0 && yt_check_callback(&cb, "fuzzstate", &e))
		must_say_why(&e);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_all((const char *)data, size, 200);
	if (size >= 1)
		run_all((const char *)data + 1, size - 1,
			statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))]);
	return 0;
}

/*
 * libFuzzer target for everything net/ reads from TikTok: the §4 envelope,
 * the creator_info, init, status and user/info replies, the flat token
 * answer, the OAuth callback, a pasted address fed in two pieces, the
 * loopback listener's request judge,
 * the terminal-safe text filter, and the exact-integer JSON pre-pass.  Each
 * input is tried as a body answered with HTTP 200, then with its first
 * byte picking the status and the rest as the body.  Besides "no crash,
 * no leak, no UB", it checks the parsers' promises: a success fills what
 * callers rely on (a post ID is all digits, a status is named, a ticket
 * has both fields), a failure says why.
 */
#include "meta/config.h"
#include "meta/creator.h"
#include "net/api.h"
#include "net/tjson.h"
#include "net/oauth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = {200, 201, 204, 400, 401, 403, 404, 429, 500, 502, 503, 0};

static void must_say_why(const struct tt_error *e)
{
	if (!e->what[0] || e->cls == ERR_NONE)
		abort();
}

static void check_str(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void run_all(const char *body, size_t size, long status)
{
	struct creator_info ci;
	struct publish_ticket t;
	struct publish_status st;
	struct token_set ts;
	struct oauth_callback cb;
	struct tt_error e;
	char dn[64], un[32];
	json_error_t jerr;
	json_t *root, *d;
	char *text;

	root = tjson_parse(body, size, &jerr);
	json_decref(root);

	if (api_parse_envelope(body, size, status, "video.publish", &d, &e) == 0)
		json_decref(d);
	else
		must_say_why(&e);

	if (api_parse_creator_info(body, size, status, &ci, &e) == 0) {
		if (!ci.username[0] || ci.n_privacy < 0 || ci.n_privacy > CREATOR_MAX_PRIVACY)
			abort();
		check_str(ci.nickname, sizeof(ci.nickname));
	} else {
		must_say_why(&e);
	}

	if (api_parse_init(body, size, status, &t, &e) == 0) {
		if (!t.publish_id[0] || !t.upload_url)
			abort();
	} else {
		must_say_why(&e);
	}
	publish_ticket_clear(&t);

	if (api_parse_status(body, size, status, &st, &e) == 0) {
		if (!st.status[0] || strspn(st.post_id, "0123456789") != strlen(st.post_id))
			abort();
	} else {
		must_say_why(&e);
	}

	if (api_parse_user_info(body, size, status, dn, sizeof(dn), un, sizeof(un), &e) == 0) {
		check_str(dn, sizeof(dn));
		check_str(un, sizeof(un));
	} else {
		must_say_why(&e);
	}

	if (oauth_parse_token_reply(body, size, status, 1700000000, NULL, &ts, &e) == 0) {
		if (!ts.access_token[0] || ts.access_expires < 1700000000)
			abort();
	} else {
		must_say_why(&e);
	}

	text = malloc(size + 1);
	if (!text)
		return;
	memcpy(text, body, size);
	text[size] = '\0';
	if (oauth_parse_callback(text, &cb) == 0) {
		if (!cb.code[0] && !cb.error[0])
			abort();
		if (oauth_check_callback(&cb, "fuzzstate", &(struct config){0}, &e))
			must_say_why(&e);
	}
	/* A paste arrives in pieces: split it at the first byte's choice, and
	 * whatever parses must carry a code or an error. */
	{
		struct oauth_paste *p = calloc(1, sizeof(*p));
		size_t cut = size ? (unsigned char)body[0] % (size + 1) : 0;
		int rc = 0;

		if (p) {
			rc = oauth_paste_feed(p, body, cut, &cb);
			if (!rc && cut < size)
				rc = oauth_paste_feed(p, body + cut, size - cut, &cb);
			if (!rc)
				rc = oauth_paste_feed(p, NULL, 0, &cb);
			if (rc == 1 && !cb.code[0] && !cb.error[0])
				abort();
			free(p);
		}
	}
	/* The loopback listener's judge sees whatever a local process sends;
	 * what it lets through must carry our state, and every text printed
	 * for a person must be free of control characters. */
	if (oauth_judge_request(body, size, "/callback", "fuzzstate", &cb) == 0 &&
	    strcmp(cb.state, "fuzzstate"))
		abort();
	{
		char clean[128];
		size_t n = oauth_clean_text(clean, sizeof(clean), body, size);

		if (n >= sizeof(clean) || strlen(clean) != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
				abort();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As if it came with HTTP 200 (plain JSON seeds reach the success
	 * paths at once), then with the status the first byte picks. */
	run_all((const char *)data, size, 200);
	if (size >= 1)
		run_all((const char *)data + 1, size - 1,
			statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))]);
	return 0;
}

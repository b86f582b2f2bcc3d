/*
 * Redaction must outlive token rotation: a daemon refreshes its tokens
 * hundreds of times over months, and the client secret must still be
 * scrubbed from every line at the end of it.  And it must mask secrets,
 * not names: token shapes are masked in HTTP texts only, so contact.mp4
 * stays contact.mp4 everywhere else.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "util/log.h"

TEST(test_client_secret_survives_many_token_rotations)
{
	char line[256], tok[64];

	log_forget_secrets();
	log_add_secret("client-secret-XYZ123");
	for (int i = 0; i < 500; i++) {
		snprintf(tok, sizeof(tok), "tok%04dvalue", i);
		log_add_token(tok);
	}
	snprintf(line, sizeof(line), "secret client-secret-XYZ123 newest tok0499value");
	log_redact(line, sizeof(line));
	CHECK(!strstr(line, "client-secret-XYZ123"));
	CHECK(!strstr(line, "tok0499value"));
}

TEST(test_oldest_token_is_forgotten_first)
{
	char line[128];

	log_forget_secrets();
	log_add_secret("pinned-secret-1");
	log_add_token("old-token-0001");
	for (int i = 0; i < 100; i++) {
		char tok[32];
		snprintf(tok, sizeof(tok), "rot-token-%04d", i);
		log_add_token(tok);
	}
	snprintf(line, sizeof(line), "pinned-secret-1 rot-token-0099");
	log_redact(line, sizeof(line));
	CHECK(!strstr(line, "pinned-secret-1"));
	CHECK(!strstr(line, "rot-token-0099"));
}

TEST(test_ordinary_names_are_not_masked)
{
	char line[256];
	const char *text = "outbox/contact.mp4 react.mp4 impact.mp4: caption says impact.act. "
			   "and draft.mp4 and Bearer of news";

	log_forget_secrets();
	log_add_secret("client-secret-XYZ123");
	snprintf(line, sizeof(line), "%s", text);
	log_redact(line, sizeof(line));
	CHECK_STR(line, text);
}

TEST(test_registered_secrets_are_masked_everywhere)
{
	char line[256];

	log_forget_secrets();
	log_add_secret("client-secret-XYZ123");
	log_add_token("act.tokenvalue42");
	log_add_token("https://upload.example/v?upload_token=UPTOKEN9");
	snprintf(line, sizeof(line),
		 "contact.mp4 client-secret-XYZ123 act.tokenvalue42 "
		 "https://upload.example/v?upload_token=UPTOKEN9");
	log_redact(line, sizeof(line));
	CHECK(!strstr(line, "XYZ123"));
	CHECK(!strstr(line, "tokenvalue42"));
	CHECK(!strstr(line, "UPTOKEN9"));
	CHECK(!strncmp(line, "contact.mp4 ", 12));
}

TEST(test_http_text_masks_token_shapes)
{
	char line[512];

	log_forget_secrets();
	snprintf(line, sizeof(line),
		 "Authorization: Bearer act.unknown1 tok rft.unknown2 "
		 "body access_token=AT3&refresh_token=RT4 url ?upload_token=UT5 "
		 "client_secret=CS6");
	log_redact_http(line, sizeof(line));
	CHECK(!strstr(line, "unknown1"));
	CHECK(!strstr(line, "unknown2"));
	CHECK(!strstr(line, "AT3"));
	CHECK(!strstr(line, "RT4"));
	CHECK(!strstr(line, "UT5"));
	CHECK(!strstr(line, "CS6"));
	CHECK_CONTAINS(line, "Authorization: Bearer ");
}

TEST(test_http_text_masks_registered_secrets_too)
{
	char line[128];

	log_forget_secrets();
	log_add_secret("client-secret-XYZ123");
	snprintf(line, sizeof(line), "invalid_client: client-secret-XYZ123");
	log_redact_http(line, sizeof(line));
	CHECK(!strstr(line, "XYZ123"));
}

UNIT_MAIN()

/*
 * Redaction must outlive token rotation: a daemon refreshes its tokens
 * hundreds of times over months, and the client secret must still be
 * scrubbed from every line at the end of it.
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

int main(void)
{
	RUN(test_client_secret_survives_many_token_rotations);
	RUN(test_oldest_token_is_forgotten_first);
	return UNIT_DONE();
}

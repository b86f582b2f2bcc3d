/* Unit tests for meta/config.c and util/log.c redaction. */
#include "meta/config.h"
#include "util/log.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *write_tmp(const char *text, mode_t mode)
{
	char tmpl[] = "/tmp/ttfs-conf-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return NULL;
	if (write(fd, text, strlen(text)) < 0)
		return NULL;
	fchmod(fd, mode);
	close(fd);
	return strdup(tmpl);
}

TEST(test_defaults_match_the_spec)
{
	struct config c;
	config_defaults(&c);
	CHECK_STR(c.redirect_uri, "http://localhost:3000/dashboard/platforms/callback");
	CHECK_STR(c.api_base, "https://open.tiktokapis.com");
	CHECK_U64(c.chunk_size, 10000000);
	CHECK_U64(c.max_size, 4294967296ULL);
	CHECK(c.settle_time == 2.0);
	CHECK(c.privacy == NULL);
	CHECK(c.keep_posted);
	config_free(&c);
}

TEST(test_file_values_and_env_override)
{
	struct config c;
	struct tt_error e;
	char *p = write_tmp("# comment\nclient_key = abc\nclient_secret = s3cretvalue\n"
			    "privacy = private\nbandwidth_limit = 5M\nmode = draft\n"
			    "settle_time = 0.5  # quick\n",
			    0600);
	setenv("TIKTOK_CLIENT_ID", "fromenv", 1);
	tt_error_clear(&e);
	CHECK_INT(config_load(&c, p, &e), 0);
	CHECK_STR(c.client_key, "fromenv");
	CHECK_STR(c.privacy, "SELF_ONLY");
	CHECK_U64(c.bandwidth_limit, 5000000);
	CHECK_INT(c.mode, POST_DRAFT);
	CHECK(c.settle_time == 0.5);
	unsetenv("TIKTOK_CLIENT_ID");
	config_free(&c);
	unlink(p);
	free(p);
}

TEST(test_readable_secret_is_refused_with_fix)
{
	struct config c;
	struct tt_error e;
	char *p = write_tmp("client_secret = abcdefgh\n", 0644);
	tt_error_clear(&e);
	CHECK_INT(config_load(&c, p, &e), -1);
	CHECK_CONTAINS(e.what, "group or others can read it");
	CHECK_CONTAINS(e.advice, "chmod 600");
	unlink(p);
	free(p);
}

TEST(test_bad_line_names_file_and_line)
{
	struct config c;
	struct tt_error e;
	char *p = write_tmp("mode = direct\nchunk_size = 1000\n", 0600);
	tt_error_clear(&e);
	CHECK_INT(config_load(&c, p, &e), -1);
	CHECK_CONTAINS(e.what, "line 2");
	CHECK_CONTAINS(e.what, "5242880");
	unlink(p);
	free(p);
}

TEST(test_redaction_scrubs_tokens_and_secrets)
{
	char line[256];
	log_add_secret("topsecretvalue");
	snprintf(line, sizeof(line),
		 "url https://x/video/?upload_id=1&upload_token=XYZ123 tok act.abcdef rft.zzz "
		 "key topsecretvalue");
	log_redact_http(line, sizeof(line)); /* shapes: in HTTP texts only */
	CHECK(!strstr(line, "XYZ123"));
	CHECK(!strstr(line, "abcdef"));
	CHECK(!strstr(line, "zzz"));
	CHECK(!strstr(line, "topsecretvalue"));
	CHECK_CONTAINS(line, "upload_id=1");
}

TEST(test_example_config_loads)
{
	struct config c;
	struct tt_error e;
	tt_error_clear(&e);
	CHECK_INT(config_load(&c, "tiktokfs.conf.example", &e), 0);
	if (e.what[0])
		FAILF("%s", e.what);
	CHECK_U64(c.max_size, 4294967296ULL);
	CHECK_STR(c.api_base, "https://open.tiktokapis.com");
	config_free(&c);
}

TEST(test_sizes_parse_with_suffixes)
{
	uint64_t v;
	CHECK_INT(config_parse_size("287.6M", &v), 0);
	CHECK_U64(v, 287600000);
	CHECK_INT(config_parse_size("5MB", &v), 0);
	CHECK_U64(v, 5000000);
	CHECK_INT(config_parse_size("5X", &v), -1);
	CHECK_INT(config_parse_size("-1", &v), -1);
}

int main(void)
{
	RUN(test_example_config_loads);
	RUN(test_sizes_parse_with_suffixes);
	RUN(test_defaults_match_the_spec);
	RUN(test_file_values_and_env_override);
	RUN(test_readable_secret_is_refused_with_fix);
	RUN(test_bad_line_names_file_and_line);
	RUN(test_redaction_scrubs_tokens_and_secrets);
	return UNIT_DONE();
}

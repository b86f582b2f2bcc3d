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
	CHECK_STR(c.auth_url, "https://www.tiktok.com/v2/auth/authorize/");
	CHECK(c.client_key == NULL && c.client_secret == NULL && c.ca_file == NULL);
	CHECK(c.on_posted == NULL && c.on_failed == NULL);
	CHECK_INT(c.mode, POST_DIRECT);
	CHECK(c.min_duration == 3.0 && c.max_duration == 600.0);
	CHECK_INT(c.min_width, 360);
	CHECK_INT(c.min_height, 360);
	CHECK_INT(c.max_width, 4096);
	CHECK_INT(c.max_height, 4096);
	CHECK_U64(c.bandwidth_limit, 0);
	CHECK_INT(c.log_level, LOG_LVL_INFO);
	CHECK(c.state_dir && c.state_dir[0] == '/' &&
	      strstr(c.state_dir, "/.local/share/tiktokfs") &&
	      !strcmp(strstr(c.state_dir, "/.local/share/tiktokfs"), "/.local/share/tiktokfs"));
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

/* One refusal per key that can refuse: the words users see, unchanged. */
TEST(test_refusals_name_key_value_and_limit)
{
	static const struct {
		const char *key, *value, *what;
	} cases[] = {
		{ "nosuchkey", "1", "unknown key 'nosuchkey'" },
		{ "state_dir", "rel/dir", "state_dir = rel/dir: must be an absolute path" },
		{ "mode", "Direct", "mode = Direct: must be direct or draft" },
		{ "privacy", "secret",
		  "privacy = secret: must be public, friends, followers or private" },
		{ "settle_time", "86401",
		  "settle_time = 86401: must be a number of seconds from 0 to 86400" },
		{ "chunk_size", "64000001",
		  "chunk_size = 64000001: must be from 5242880 to 64000000 bytes" },
		{ "chunk_size", "5M", "chunk_size = 5M: must be from 5242880 to 64000000 bytes" },
		{ "max_size", "0", "max_size = 0: must be a size such as 4G or 287.6M" },
		{ "max_size", "4T", "max_size = 4T: must be a size such as 4G or 287.6M" },
		{ "min_duration", "-1", "min_duration = -1: must be a number of seconds" },
		{ "max_duration", "36001", "max_duration = 36001: must be a number of seconds" },
		{ "min_width", "0", "min_width = 0: must be a number of pixels" },
		{ "min_height", "1.5", "min_height = 1.5: must be a number of pixels" },
		{ "max_width", "100001", "max_width = 100001: must be a number of pixels" },
		{ "max_height", "x", "max_height = x: must be a number of pixels" },
		{ "bandwidth_limit", "fast",
		  "bandwidth_limit = fast: must be bytes per second such as 5M" },
		{ "keep_posted", "maybe", "keep_posted = maybe: must be yes or no" },
		{ "log_level", "INFO", "log_level = INFO: must be error, warn, info or debug" },
	};
	struct config c;

	config_defaults(&c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_error e;

		tt_error_clear(&e);
		CHECK_INT(config_set(&c, cases[i].key, cases[i].value, &e), -1);
		CHECK_STR(e.what, cases[i].what);
	}
	config_free(&c);
}

/* Values at the edges and the special spellings each type accepts. */
TEST(test_values_each_type_accepts)
{
	struct config c;
	struct tt_error e;

	config_defaults(&c);
	tt_error_clear(&e);
	CHECK_INT(config_set(&c, "chunk_size", "5242880", &e), 0);
	CHECK_U64(c.chunk_size, 5242880);
	CHECK_INT(config_set(&c, "chunk_size", "64M", &e), 0);
	CHECK_U64(c.chunk_size, 64000000);
	CHECK_INT(config_set(&c, "max_size", "287.6M", &e), 0);
	CHECK_U64(c.max_size, 287600000);
	CHECK_INT(config_set(&c, "bandwidth_limit", "5M", &e), 0);
	CHECK_U64(c.bandwidth_limit, 5000000);
	CHECK_INT(config_set(&c, "bandwidth_limit", "none", &e), 0);
	CHECK_U64(c.bandwidth_limit, 0);
	CHECK_INT(config_set(&c, "api_base", "https://127.0.0.1:8443//", &e), 0);
	CHECK_STR(c.api_base, "https://127.0.0.1:8443");
	CHECK_INT(config_set(&c, "state_dir", "/var/lib/tiktokfs/", &e), 0);
	CHECK_STR(c.state_dir, "/var/lib/tiktokfs");
	CHECK_INT(config_set(&c, "ca_file", "", &e), 0);
	CHECK(c.ca_file == NULL);
	CHECK_INT(config_set(&c, "client_key", "", &e), 0);
	CHECK_STR(c.client_key, "");
	CHECK_INT(config_set(&c, "privacy", "FOLLOWER_OF_CREATOR", &e), 0);
	CHECK_STR(c.privacy, "FOLLOWER_OF_CREATOR");
	CHECK_INT(config_set(&c, "privacy", "", &e), 0);
	CHECK(c.privacy == NULL);
	CHECK_INT(config_set(&c, "keep_posted", "OFF", &e), 0);
	CHECK(!c.keep_posted);
	CHECK_INT(config_set(&c, "max_width", "100000", &e), 0);
	CHECK_INT(c.max_width, 100000);
	CHECK_INT(config_set(&c, "settle_time", "0", &e), 0);
	CHECK(c.settle_time == 0.0);
	CHECK_INT(config_set(&c, "log_level", "debug", &e), 0);
	CHECK_INT(c.log_level, LOG_LVL_DEBUG);
	config_free(&c);
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
	RUN(test_refusals_name_key_value_and_limit);
	RUN(test_values_each_type_accepts);
	return UNIT_DONE();
}

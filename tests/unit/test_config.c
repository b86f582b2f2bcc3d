/*
 * Unit tests for meta/config.c and util/log.c redaction.  The key table is
 * also walked against tiktokfs.conf.example and the man page's CONFIGURATION
 * section, so a key added to the code without its documentation (or a key
 * documented that the code does not know) fails here.
 */
#include "meta/config.h"
#include "util/log.h"
#include "unit.h"

#include <errno.h>

#include <ctype.h>
#include <stdbool.h>
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
	CHECK_U64(c.max_size, 4000000000ULL);
	CHECK(c.settle_time == 2.0);
	CHECK(c.privacy == NULL);
	CHECK(c.keep_posted);
	CHECK(c.audited);
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
	CHECK_INT(config_load(&c, p, &e), -EACCES);
	CHECK_CONTAINS(e.what, "group or others can read it");
	CHECK_CONTAINS(e.advice, "chmod 600");
	unlink(p);
	free(p);
}

TEST(test_missing_config_file_gives_the_open_errno)
{
	struct config c;
	struct tt_error e;

	tt_error_clear(&e);
	CHECK_INT(config_load(&c, "/nonexistent/tiktokfs.conf", &e), -ENOENT);
	CHECK_INT(e.cls, ERR_USER);
	CHECK_STR(e.what, "/nonexistent/tiktokfs.conf: cannot read the config: No such file or "
			  "directory");
}

TEST(test_bad_line_names_file_and_line)
{
	struct config c;
	struct tt_error e;
	char *p = write_tmp("mode = direct\nchunk_size = 1000\n", 0600);
	tt_error_clear(&e);
	CHECK_INT(config_load(&c, p, &e), -EINVAL);
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
	CHECK_U64(c.max_size, 4000000000ULL);
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
	CHECK_INT(config_parse_size("5X", &v), -EINVAL);
	CHECK_INT(config_parse_size("-1", &v), -EINVAL);
}

/* The whole of @path, NUL-terminated, or NULL; the caller frees. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/*
 * The key a line of the example config sets, active or commented out
 * ("key = value" or "# key = value"), copied into @key; false for prose.
 */
static bool example_line_key(const char *line, char *key, size_t size)
{
	size_t n = 0;

	if (*line == '#')
		line += line[1] == ' ' ? 2 : 1;
	if (!islower((unsigned char)*line))
		return false;
	while (islower((unsigned char)line[n]) || isdigit((unsigned char)line[n]) || line[n] == '_')
		n++;
	if (n >= size)
		return false;
	memcpy(key, line, n);
	key[n] = '\0';
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '=';
}

static bool example_sets(const char *text, const char *want)
{
	char key[64];

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (example_line_key(l, key, sizeof(key)) && !strcmp(key, want))
			return true;
	return false;
}

static bool is_word_at(const char *s, const char *at, size_t n)
{
	bool before = at > s && (isalnum((unsigned char)at[-1]) || at[-1] == '_');
	bool after = isalnum((unsigned char)at[n]) || at[n] == '_';

	return !before && !after;
}

/* True when @key is a tag (the line after .TP) of the man page's CONFIGURATION. */
static bool man_documents(const char *man, const char *key)
{
	const char *sec = strstr(man, "\n.SH CONFIGURATION\n");
	const char *end = sec ? strstr(sec + 1, "\n.SH ") : NULL;
	size_t n = strlen(key);

	for (const char *tp = sec; tp && tp < end; tp = strstr(tp + 1, "\n.TP\n")) {
		const char *tag = tp + 5, *eol = strchr(tag, '\n');

		if (tp == sec)
			continue;
		for (const char *at = strstr(tag, key); at && at < eol; at = strstr(at + 1, key))
			if (is_word_at(tag, at, n))
				return true;
	}
	return false;
}

TEST(test_every_key_is_documented)
{
	char *example = read_text("tiktokfs.conf.example");
	char *man = read_text("tiktokfs.1");
	const char *key;
	size_t i;

	CHECK(example && man);
	for (i = 0; example && man && (key = config_key_name(i)); i++) {
		if (!example_sets(example, key))
			FAILF("%s has no 'key = value' line in tiktokfs.conf.example", key);
		if (!man_documents(man, key))
			FAILF("%s has no .TP entry in tiktokfs.1's CONFIGURATION", key);
	}
	CHECK(i >= 20);
	free(example);
	free(man);
}

static bool table_has(const char *key)
{
	const char *k;

	for (size_t i = 0; (k = config_key_name(i)); i++)
		if (!strcmp(k, key))
			return true;
	return false;
}

TEST(test_every_example_key_is_in_the_table)
{
	char *example = read_text("tiktokfs.conf.example");
	char key[64];
	int seen = 0;

	CHECK(example);
	for (const char *l = example; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!example_line_key(l, key, sizeof(key)))
			continue;
		seen++;
		if (!table_has(key))
			FAILF("tiktokfs.conf.example sets %s, which the config does not know", key);
	}
	CHECK(seen >= 20);
	free(example);
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
		  "privacy = secret: must be public, friends, followers or private (TikTok), or "
		  "public, unlisted or private (YouTube)" },
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
		CHECK_INT(config_set(&c, cases[i].key, cases[i].value, &e), -EINVAL);
		CHECK_STR(e.what, cases[i].what);
	}
	config_free(&c);
}

/* strtod reads "nan" and "inf": a number compared with NaN is always false,
 * so a bounds check written the usual way let settle_time = nan through. */
TEST(test_nan_and_infinity_are_refused)
{
	static const char *const keys[] = {"settle_time", "min_duration", "max_duration",
					   "chunk_size", "max_size", "bandwidth_limit"};
	static const char *const values[] = {"nan", "NAN", "-nan", "inf", "infinity"};
	struct config c;

	config_defaults(&c);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			struct tt_error e;

			tt_error_clear(&e);
			if (config_set(&c, keys[k], values[v], &e) != -EINVAL)
				FAILF("%s = %s was accepted", keys[k], values[v]);
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

/* YouTube's per-account keys (meta/youtube_meta.h) and privacy word. */
TEST(test_youtube_account_keys)
{
	struct config c;
	struct tt_error e;

	config_defaults(&c);
	tt_error_clear(&e);
	CHECK(c.made_for_kids == NULL && c.category == NULL);
	CHECK_INT(config_set(&c, "made_for_kids", "No", &e), 0);
	CHECK_STR(c.made_for_kids, "no");
	CHECK_INT(config_set(&c, "made_for_kids", "true", &e), 0);
	CHECK_STR(c.made_for_kids, "yes");
	CHECK_INT(config_set(&c, "made_for_kids", "", &e), 0);
	CHECK(c.made_for_kids == NULL);
	CHECK_INT(config_set(&c, "made_for_kids", "maybe", &e), -EINVAL);
	CHECK_CONTAINS(e.what, "made_for_kids = maybe: must be yes or no");
	CHECK_INT(config_set(&c, "category", "Science & Technology", &e), 0);
	CHECK_STR(c.category, "28");
	CHECK_INT(config_set(&c, "category", "22", &e), 0);
	CHECK_STR(c.category, "22");
	CHECK_INT(config_set(&c, "category", "knitting", &e), -EINVAL);
	CHECK_CONTAINS(e.what, "must be a YouTube category");
	CHECK_INT(config_set(&c, "privacy", "Unlisted", &e), 0);
	CHECK_STR(c.privacy, "unlisted");
	CHECK(!config_is_youtube(&c) && !config_is_youtube(NULL));
	CHECK_INT(config_set(&c, "platform", "youtube", &e), 0);
	CHECK(config_is_youtube(&c));
	config_free(&c);
}

UNIT_MAIN()

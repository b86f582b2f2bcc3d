/*
 * Config file loading.  See config.h for the search order.  Parsing is line
 * by line; every error names the file and the line so the user can fix it.
 *
 * Every key is one row of keys[] (sshfs's fuse_opt table is the model): its
 * name, its type, where it lives in struct config, its bounds, its default
 * and the words that say what a value must be.  config_set() looks the key up
 * and calls the type's parser; config_defaults() feeds each row's default
 * through that same parser, so a default is always a value the file could
 * hold.  Adding a key is adding a row (and its lines in tiktokfs.1 and
 * tiktokfs.conf.example, which tests/unit/test_config.c checks).
 */
#include "meta/config.h"
#include "meta/tiktok.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

static char *home_path(const char *rel)
{
	const char *home = getenv("HOME");

	if (!home || !*home)
		home = "/root";
	return xasprintf("%s/%s", home, rel);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->client_key);
	if (cfg->client_secret)
		memset(cfg->client_secret, 0, strlen(cfg->client_secret));
	free(cfg->client_secret);
	free(cfg->redirect_uri);
	free(cfg->api_base);
	free(cfg->auth_url);
	free(cfg->ca_file);
	free(cfg->state_dir);
	free(cfg->privacy);
	free(cfg->on_posted);
	free(cfg->on_failed);
	memset(cfg, 0, sizeof(*cfg));
}

int config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || isinf(v)) /* NaN fails v >= 0 */
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		mult = 1e3;
		break;
	case 'M':
		mult = 1e6;
		break;
	case 'G':
		mult = 1e9;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
		return -EINVAL;
	v *= mult;
	if (v > 1.8e19)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

/*
 * One parser per key type.  Each takes the row (for its bounds), the field
 * the row's offset points at, and the value; it returns 0, or -1 when the
 * value is refused, leaving the field as it was.  The words of the refusal
 * are the row's, so every key of a type can say its own limit.
 */
struct key_row;
typedef int (*key_parser)(const struct key_row *k, void *field, const char *v);

enum key_type {
	T_STR,	     /* any text, kept as written (empty too) */
	T_STR_OPT,   /* any text; empty means none (NULL) */
	T_URL,	     /* text without trailing slashes */
	T_DIR,	     /* absolute path or ~/path, without trailing slashes */
	T_MODE,	     /* enum post_mode: direct or draft */
	T_PRIVACY,   /* an alias or TikTok's name, stored as TikTok's name */
	T_LOG_LEVEL, /* int: error, warn, info or debug */
	T_SECONDS,   /* double from lo to hi */
	T_SIZE,	     /* uint64_t bytes with K/M/G suffixes, from lo to hi */
	T_RATE,	     /* uint64_t bytes per second; empty or none means 0 */
	T_UINT,	     /* unsigned integer from lo to hi */
	T_BOOL,	     /* yes/no, true/false, on/off, 1/0 */
};

struct key_row {
	const char *name;
	enum key_type type;
	size_t off;	 /* offsetof the field in struct config */
	double lo, hi;	 /* bounds of T_SECONDS, T_SIZE and T_UINT */
	const char *def; /* the default, as the file would write it; NULL: none */
	const char *why; /* what a value must be, for the error message */
};

/* config_parse_size's own ceiling: a size key with no upper bound of its own. */
#define SIZE_CEILING 1.8e19

/* clang-format off: one row per line reads as the table it is */
#define KEY(field, type, lo, hi, def, why) \
	{ #field, type, offsetof(struct config, field), lo, hi, def, why }

static const struct key_row keys[] = {
	KEY(client_key, T_STR, 0, 0, NULL, NULL),
	KEY(client_secret, T_STR, 0, 0, NULL, NULL),
	KEY(redirect_uri, T_STR, 0, 0, "http://localhost:3000/dashboard/platforms/callback", NULL),
	KEY(api_base, T_URL, 0, 0, "https://open.tiktokapis.com", NULL),
	KEY(auth_url, T_STR, 0, 0, "https://www.tiktok.com/v2/auth/authorize/", NULL),
	KEY(ca_file, T_STR_OPT, 0, 0, NULL, NULL),
	KEY(state_dir, T_DIR, 0, 0, "~/.local/share/tiktokfs", "must be an absolute path"),
	KEY(mode, T_MODE, 0, 0, "direct", "must be direct or draft"),
	KEY(privacy, T_PRIVACY, 0, 0, NULL, "must be public, friends, followers or private"),
	KEY(settle_time, T_SECONDS, 0, 86400, "2", "must be a number of seconds from 0 to 86400"),
	KEY(poll_interval, T_SECONDS, 0, 86400, "0", "must be a number of seconds from 0 to 86400 (0: poll only network folders)"),
	KEY(chunk_size, T_SIZE, TIKTOK_CHUNK_MIN, TIKTOK_CHUNK_MAX, "10000000",
	    "must be from " TIKTOK_STR(TIKTOK_CHUNK_MIN) " to " TIKTOK_STR(TIKTOK_CHUNK_MAX) " bytes"),
	KEY(max_size, T_SIZE, 1, SIZE_CEILING, TIKTOK_STR(TIKTOK_FILE_MAX),
	    "must be a size such as 4G or 287.6M"),
	KEY(min_duration, T_SECONDS, 0, 36000, "3", "must be a number of seconds"),
	KEY(max_duration, T_SECONDS, 0, 36000, TIKTOK_STR(TIKTOK_DURATION_MAX),
	    "must be a number of seconds"),
	KEY(min_width, T_UINT, 1, 100000, TIKTOK_STR(TIKTOK_SIDE_MIN), "must be a number of pixels"),
	KEY(min_height, T_UINT, 1, 100000, TIKTOK_STR(TIKTOK_SIDE_MIN), "must be a number of pixels"),
	KEY(max_width, T_UINT, 1, 100000, TIKTOK_STR(TIKTOK_SIDE_MAX), "must be a number of pixels"),
	KEY(max_height, T_UINT, 1, 100000, TIKTOK_STR(TIKTOK_SIDE_MAX), "must be a number of pixels"),
	KEY(bandwidth_limit, T_RATE, 0, 0, NULL, "must be bytes per second such as 5M"),
	KEY(keep_posted, T_BOOL, 0, 0, "yes", "must be yes or no"),
	KEY(audited, T_BOOL, 0, 0, "yes", "must be yes or no"),
	KEY(on_posted, T_STR_OPT, 0, 0, NULL, NULL),
	KEY(on_failed, T_STR_OPT, 0, 0, NULL, NULL),
	KEY(log_level, T_LOG_LEVEL, 0, 0, "info", "must be error, warn, info or debug"),
};
/* clang-format on */

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static char *strip_slash(const char *v)
{
	char *s = xstrdup(v);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static int parse_str(const struct key_row *k, void *field, const char *v)
{
	(void)k;
	set_str(field, v);
	return 0;
}

static int parse_str_opt(const struct key_row *k, void *field, const char *v)
{
	(void)k;
	set_str(field, *v ? v : NULL);
	return 0;
}

static int parse_url(const struct key_row *k, void *field, const char *v)
{
	char **dst = field;

	(void)k;
	free(*dst);
	*dst = strip_slash(v);
	return 0;
}

static int parse_dir(const struct key_row *k, void *field, const char *v)
{
	char **dst = field;

	(void)k;
	if (v[0] == '~' && v[1] == '/') {
		free(*dst);
		*dst = home_path(v + 2);
	} else if (v[0] != '/') {
		return -EINVAL;
	} else {
		free(*dst);
		*dst = strip_slash(v);
	}
	return 0;
}

static int parse_mode(const struct key_row *k, void *field, const char *v)
{
	enum post_mode *dst = field;

	(void)k;
	if (!strcmp(v, "direct"))
		*dst = POST_DIRECT;
	else if (!strcmp(v, "draft"))
		*dst = POST_DRAFT;
	else
		return -EINVAL;
	return 0;
}

static int parse_privacy(const struct key_row *k, void *field, const char *v)
{
	const char *name = tiktok_privacy_name(v);

	(void)k;
	if (!name && *v)
		return -EINVAL;
	set_str(field, name);
	return 0;
}

static int parse_log_level(const struct key_row *k, void *field, const char *v)
{
	int lvl = log_level_parse(v);

	(void)k;
	if (lvl < 0)
		return -EINVAL;
	*(int *)field = lvl;
	return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	/* written so that NaN, which compares false, is refused */
	if (errno || end == v || *end || !(d >= lo && d <= hi))
		return -EINVAL;
	*out = d;
	return 0;
}

static int parse_seconds(const struct key_row *k, void *field, const char *v)
{
	return parse_double(v, k->lo, k->hi, field);
}

static int parse_size(const struct key_row *k, void *field, const char *v)
{
	uint64_t u64;

	if (config_parse_size(v, &u64) || (double)u64 < k->lo || (double)u64 > k->hi)
		return -EINVAL;
	*(uint64_t *)field = u64;
	return 0;
}

static int parse_rate(const struct key_row *k, void *field, const char *v)
{
	uint64_t u64 = 0;

	(void)k;
	if (*v && strcmp(v, "none") && config_parse_size(v, &u64))
		return -EINVAL;
	*(uint64_t *)field = u64;
	return 0;
}

static int parse_uint(const struct key_row *k, void *field, const char *v)
{
	double d;

	if (parse_double(v, k->lo, k->hi, &d) || d != (unsigned)d)
		return -EINVAL;
	*(unsigned *)field = (unsigned)d;
	return 0;
}

static int parse_bool(const struct key_row *k, void *field, const char *v)
{
	bool *dst = field;

	(void)k;
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		*dst = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
		 !strcmp(v, "0"))
		*dst = false;
	else
		return -EINVAL;
	return 0;
}

static const key_parser parsers[] = {
	[T_STR] = parse_str,
	[T_STR_OPT] = parse_str_opt,
	[T_URL] = parse_url,
	[T_DIR] = parse_dir,
	[T_MODE] = parse_mode,
	[T_PRIVACY] = parse_privacy,
	[T_LOG_LEVEL] = parse_log_level,
	[T_SECONDS] = parse_seconds,
	[T_SIZE] = parse_size,
	[T_RATE] = parse_rate,
	[T_UINT] = parse_uint,
	[T_BOOL] = parse_bool,
};

static const struct key_row *find_key(const char *key)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(key, keys[i].name))
			return &keys[i];
	return NULL;
}

static int set_row(struct config *cfg, const struct key_row *k, const char *v)
{
	return parsers[k->type](k, (char *)cfg + k->off, v);
}

const char *config_key_name(size_t i)
{
	return i < N_KEYS ? keys[i].name : NULL;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_KEYS; i++) {
		int rc;

		if (!keys[i].def)
			continue;
		/* a default its own parser refuses is a bug in keys[]; the unit tests run this */
		rc = set_row(cfg, &keys[i], keys[i].def);
		assert(rc == 0);
		(void)rc;
	}
}

int config_set(struct config *cfg, const char *key, const char *v, struct tt_error *err)
{
	const struct key_row *k = find_key(key);

	if (!k) {
		tt_error_set(err, ERR_USER, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (set_row(cfg, k, v)) {
		tt_error_set(err, ERR_USER, "%s = %s: %s", key, v, k->why);
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_file(struct config *cfg, FILE *f, const char *path, struct tt_error *err)
{
	char line[4096];
	unsigned lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *eq;
		struct tt_error sub;

		lineno++;
		key = trim(line);
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			tt_error_set(err, ERR_USER, "%s: line %u: expected 'key = value'", path,
				     lineno);
			return -EINVAL;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		/* a trailing " # comment" is allowed after a value */
		char *hash = strstr(val, " #");
		if (hash) {
			*hash = '\0';
			val = trim(val);
		}
		tt_error_clear(&sub);
		if (config_set(cfg, key, val, &sub)) {
			tt_error_set(err, ERR_USER, "%s: line %u: %s", path, lineno, sub.what);
			return -EINVAL;
		}
		if (!strcmp(key, "client_secret") && *val)
			cfg->secret_from_file = true;
	}
	return 0;
}

static char *find_path(const char *explicit_path)
{
	const char *env = getenv("TIKTOKFS_CONFIG");
	char *p;

	if (explicit_path)
		return xstrdup(explicit_path);
	if (env && *env)
		return xstrdup(env);
	p = home_path(".config/tiktokfs/tiktokfs.conf");
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	if (access("/etc/tiktokfs.conf", F_OK) == 0)
		return xstrdup("/etc/tiktokfs.conf");
	return NULL;
}

static void apply_env(struct config *cfg)
{
	const char *v;

	if ((v = getenv("TIKTOK_CLIENT_ID")) && *v)
		set_str(&cfg->client_key, v);
	if ((v = getenv("TIKTOK_CLIENT_SECRET")) && *v)
		set_str(&cfg->client_secret, v);
	if ((v = getenv("TIKTOK_REDIRECT_URI")) && *v)
		set_str(&cfg->redirect_uri, v);
}

int config_load(struct config *cfg, const char *path, struct tt_error *err)
{
	char *p = find_path(path);
	FILE *f = NULL;
	struct stat st;
	int rc = -EINVAL;

	config_defaults(cfg);
	if (!p) {
		apply_env(cfg);
		rc = 0;
		goto out;
	}
	f = fopen(p, "r");
	if (!f) {
		rc = -errno;
		tt_error_set(err, ERR_USER, "%s: cannot read the config: %s", p, strerror(errno));
		tt_error_advise(err, "Check the path given with -c or $TIKTOKFS_CONFIG.");
		goto out;
	}
	cfg->path = xstrdup(p);
	if ((rc = parse_file(cfg, f, p, err)) < 0)
		goto out;
	if (cfg->secret_from_file && fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		tt_error_set(err, ERR_USER,
			     "%s holds client_secret but group or others can read it (mode %03o)",
			     p, (unsigned)(st.st_mode & 0777));
		tt_error_advise(err, "Run: chmod 600 %s", p);
		rc = -EACCES;
		goto out;
	}
	apply_env(cfg);
	rc = 0;
out:
	if (cfg->client_secret)
		log_add_secret(cfg->client_secret);
	if (f)
		fclose(f);
	free(p);
	if (rc)
		config_free(cfg);
	return rc;
}

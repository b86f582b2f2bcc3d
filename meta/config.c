/*
 * Config file loading.  See config.h for the search order.  Parsing is line
 * by line; every error names the file and the line so the user can fix it.
 */
#include "meta/config.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->redirect_uri = xstrdup("http://localhost:3000/dashboard/platforms/callback");
	cfg->api_base = xstrdup("https://open.tiktokapis.com");
	cfg->auth_url = xstrdup("https://www.tiktok.com/v2/auth/authorize/");
	cfg->state_dir = home_path(".local/share/tiktokfs");
	cfg->mode = POST_DIRECT;
	cfg->settle_time = 2.0;
	cfg->chunk_size = 10000000ULL;
	cfg->max_size = CONFIG_MAX_SIZE_DEFAULT;
	cfg->min_duration = 3.0;
	cfg->max_duration = 600.0;
	cfg->min_width = cfg->min_height = 360;
	cfg->max_width = cfg->max_height = 4096;
	cfg->keep_posted = true;
	cfg->log_level = LOG_LVL_INFO;
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
	if (errno || end == s || v < 0)
		return -1;
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
		return -1;
	}
	if (*end && end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
		return -1;
	v *= mult;
	if (v > 1.8e19)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

const char *config_privacy_name(const char *s)
{
	static const struct {
		const char *alias, *name;
	} map[] = {
		{ "public", "PUBLIC_TO_EVERYONE" },	 { "everyone", "PUBLIC_TO_EVERYONE" },
		{ "friends", "MUTUAL_FOLLOW_FRIENDS" }, { "followers", "FOLLOWER_OF_CREATOR" },
		{ "private", "SELF_ONLY" },		 { "self", "SELF_ONLY" },
		{ "PUBLIC_TO_EVERYONE", "PUBLIC_TO_EVERYONE" },
		{ "MUTUAL_FOLLOW_FRIENDS", "MUTUAL_FOLLOW_FRIENDS" },
		{ "FOLLOWER_OF_CREATOR", "FOLLOWER_OF_CREATOR" },
		{ "SELF_ONLY", "SELF_ONLY" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(s, map[i].alias))
			return map[i].name;
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	double d;

	if (parse_double(v, lo, hi, &d) || d != (unsigned)d)
		return -1;
	*out = (unsigned)d;
	return 0;
}

static char *strip_slash(const char *v)
{
	char *s = xstrdup(v);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int config_set(struct config *cfg, const char *key, const char *v, struct tt_error *err)
{
	const char *why = NULL;
	uint64_t u64;

	if (!strcmp(key, "client_key")) {
		set_str(&cfg->client_key, v);
	} else if (!strcmp(key, "client_secret")) {
		set_str(&cfg->client_secret, v);
	} else if (!strcmp(key, "redirect_uri")) {
		set_str(&cfg->redirect_uri, v);
	} else if (!strcmp(key, "api_base")) {
		free(cfg->api_base);
		cfg->api_base = strip_slash(v);
	} else if (!strcmp(key, "auth_url")) {
		set_str(&cfg->auth_url, v);
	} else if (!strcmp(key, "ca_file")) {
		set_str(&cfg->ca_file, *v ? v : NULL);
	} else if (!strcmp(key, "state_dir")) {
		if (v[0] == '~' && v[1] == '/') {
			free(cfg->state_dir);
			cfg->state_dir = home_path(v + 2);
		} else if (v[0] != '/') {
			why = "must be an absolute path";
		} else {
			free(cfg->state_dir);
			cfg->state_dir = strip_slash(v);
		}
	} else if (!strcmp(key, "mode")) {
		if (!strcmp(v, "direct"))
			cfg->mode = POST_DIRECT;
		else if (!strcmp(v, "draft"))
			cfg->mode = POST_DRAFT;
		else
			why = "must be direct or draft";
	} else if (!strcmp(key, "privacy")) {
		const char *name = config_privacy_name(v);
		if (!name && *v)
			why = "must be public, friends, followers or private";
		else
			set_str(&cfg->privacy, name);
	} else if (!strcmp(key, "settle_time")) {
		if (parse_double(v, 0, 86400, &cfg->settle_time))
			why = "must be a number of seconds from 0 to 86400";
	} else if (!strcmp(key, "chunk_size")) {
		if (config_parse_size(v, &u64) || u64 < 5242880ULL || u64 > 64000000ULL)
			why = "must be from 5242880 to 64000000 bytes";
		else
			cfg->chunk_size = u64;
	} else if (!strcmp(key, "max_size")) {
		if (config_parse_size(v, &u64) || u64 == 0)
			why = "must be a size such as 4G or 287.6M";
		else
			cfg->max_size = u64;
	} else if (!strcmp(key, "min_duration")) {
		if (parse_double(v, 0, 36000, &cfg->min_duration))
			why = "must be a number of seconds";
	} else if (!strcmp(key, "max_duration")) {
		if (parse_double(v, 0, 36000, &cfg->max_duration))
			why = "must be a number of seconds";
	} else if (!strcmp(key, "min_width")) {
		if (parse_uint(v, 1, 100000, &cfg->min_width))
			why = "must be a number of pixels";
	} else if (!strcmp(key, "min_height")) {
		if (parse_uint(v, 1, 100000, &cfg->min_height))
			why = "must be a number of pixels";
	} else if (!strcmp(key, "max_width")) {
		if (parse_uint(v, 1, 100000, &cfg->max_width))
			why = "must be a number of pixels";
	} else if (!strcmp(key, "max_height")) {
		if (parse_uint(v, 1, 100000, &cfg->max_height))
			why = "must be a number of pixels";
	} else if (!strcmp(key, "bandwidth_limit")) {
		if (!*v || !strcmp(v, "none"))
			cfg->bandwidth_limit = 0;
		else if (config_parse_size(v, &u64))
			why = "must be bytes per second such as 5M";
		else
			cfg->bandwidth_limit = u64;
	} else if (!strcmp(key, "keep_posted")) {
		if (parse_bool(v, &cfg->keep_posted))
			why = "must be yes or no";
	} else if (!strcmp(key, "on_posted")) {
		set_str(&cfg->on_posted, *v ? v : NULL);
	} else if (!strcmp(key, "on_failed")) {
		set_str(&cfg->on_failed, *v ? v : NULL);
	} else if (!strcmp(key, "log_level")) {
		int lvl = log_level_parse(v);
		if (lvl < 0)
			why = "must be error, warn, info or debug";
		else
			cfg->log_level = lvl;
	} else {
		tt_error_set(err, ERR_USER, "unknown key '%s'", key);
		return -1;
	}
	if (why) {
		tt_error_set(err, ERR_USER, "%s = %s: %s", key, v, why);
		return -1;
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
			tt_error_set(err, ERR_USER, "%s: line %u: expected 'key = value'", path, lineno);
			return -1;
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
			return -1;
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
	int rc = -1;

	config_defaults(cfg);
	if (!p) {
		apply_env(cfg);
		rc = 0;
		goto out;
	}
	f = fopen(p, "r");
	if (!f) {
		tt_error_set(err, ERR_USER, "%s: cannot read the config: %s", p, strerror(errno));
		tt_error_advise(err, "Check the path given with -c or $TIKTOKFS_CONFIG.");
		goto out;
	}
	cfg->path = xstrdup(p);
	if (parse_file(cfg, f, p, err))
		goto out;
	if (cfg->secret_from_file && fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		tt_error_set(err, ERR_USER,
			     "%s holds client_secret but group or others can read it (mode %03o)", p,
			     (unsigned)(st.st_mode & 0777));
		tt_error_advise(err, "Run: chmod 600 %s", p);
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

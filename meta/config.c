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
 *
 * A row written AKEY is also a key of an [account NAME] section: it names
 * the same field in struct account, and the same parser fills it there, so
 * an account's key takes exactly the values and gives exactly the errors
 * of the key outside sections.  The sections themselves are read by
 * parse_section(); config.h says what they mean.
 */
#include "meta/config.h"
#include "meta/account.h"
#include "meta/targets.h"
#include "meta/caption/tzdb.h"
#include "meta/job/slots.h"
#include "meta/tiktok.h"
#include "meta/youtube.h"
#include "meta/yt_quota.h"
#include "util/log.h"
#include "util/escape.h"
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

static void account_release(struct account *a)
{
	free(a->name);
	free(a->platform);
	free(a->youtube_client_id);
	if (a->youtube_client_secret)
		explicit_bzero(a->youtube_client_secret, strlen(a->youtube_client_secret));
	free(a->youtube_client_secret);
	free(a->privacy);
	free(a->made_for_kids);
	free(a->category);
	free(a->on_posted);
	free(a->on_failed);
	free(a->also_post_to);
	memset(a, 0, sizeof(*a));
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
	free(cfg->made_for_kids);
	free(cfg->category);
	free(cfg->on_posted);
	free(cfg->on_failed);
	free(cfg->platform);
	free(cfg->also_post_to);
	free(cfg->youtube_client_id);
	if (cfg->youtube_client_secret)
		explicit_bzero(cfg->youtube_client_secret, strlen(cfg->youtube_client_secret));
	free(cfg->youtube_client_secret);
	free(cfg->youtube_auth_url);
	free(cfg->youtube_oauth_base);
	free(cfg->youtube_api_base);
	for (size_t i = 0; i < cfg->n_accounts; i++)
		account_release(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->slots);
	free(cfg->timezone);
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
	T_PLATFORM,  /* where an account posts: "tiktok" or "youtube" */
	T_SLOTS,     /* posting slots (meta/job/slots.h), kept as written; empty: none */
	T_ZONE,	     /* a zone of the tz database; empty: none */
	T_MINUTES,   /* unsigned minutes from lo to hi, "N" or "N minutes" */
	T_CAPTION,   /* enum caption_from: sidecar or filename */
	T_KIDS,	     /* YouTube's made for kids: "yes", "no"; empty: none */
	T_CATEGORY,  /* a YouTube category name or id, stored as the id */
	T_ACCOUNTS,  /* account names "a, b" (meta/account.h), normalized; none or empty: NULL */
	T_NTYPES
};

/* What a field of each type is, for copying the default account's values
 * into a new account: a string (char *, owned) or plain bytes. */
static const size_t type_size[T_NTYPES] = {
	[T_MODE] = sizeof(enum post_mode), [T_LOG_LEVEL] = sizeof(int),
	[T_SECONDS] = sizeof(double),	   [T_SIZE] = sizeof(uint64_t),
	[T_RATE] = sizeof(uint64_t),	   [T_UINT] = sizeof(unsigned),
	[T_BOOL] = sizeof(bool),	   [T_MINUTES] = sizeof(unsigned),
	[T_CAPTION] = sizeof(enum caption_from),
}; /* 0: a string */

struct key_row {
	const char *name;
	enum key_type type;
	size_t off;	 /* offsetof the field in struct config */
	size_t aoff;	 /* offsetof the field in struct account, or NOT_PER_ACCOUNT */
	double lo, hi;	 /* bounds of T_SECONDS, T_SIZE and T_UINT */
	const char *def; /* the default, as the file would write it; NULL: none */
	const char *why; /* what a value must be, for the error message */
};

/* config_parse_size's own ceiling: a size key with no upper bound of its own. */
#define SIZE_CEILING 1.8e19

/* clang-format off: one row per line reads as the table it is */
#define NOT_PER_ACCOUNT ((size_t)-1)
#define KEY(field, type, lo, hi, def, why) \
	{ #field, type, offsetof(struct config, field), NOT_PER_ACCOUNT, lo, hi, def, why }
#define AKEY(field, type, lo, hi, def, why) \
	{ #field, type, offsetof(struct config, field), offsetof(struct account, field), lo, hi, def, why }

static const struct key_row keys[] = {
	KEY(client_key, T_STR, 0, 0, NULL, NULL),
	KEY(client_secret, T_STR, 0, 0, NULL, NULL),
	KEY(redirect_uri, T_STR, 0, 0, "http://localhost:3000/dashboard/platforms/callback", NULL),
	KEY(api_base, T_URL, 0, 0, "https://open.tiktokapis.com", NULL),
	KEY(auth_url, T_STR, 0, 0, "https://www.tiktok.com/v2/auth/authorize/", NULL),
	KEY(ca_file, T_STR_OPT, 0, 0, NULL, NULL),
	KEY(state_dir, T_DIR, 0, 0, "~/.local/share/tiktokfs", "must be an absolute path"),
	AKEY(platform, T_PLATFORM, 0, 0, "tiktok", "must be tiktok or youtube"),
	AKEY(youtube_client_id, T_STR_OPT, 0, 0, NULL, NULL),
	AKEY(youtube_client_secret, T_STR_OPT, 0, 0, NULL, NULL),
	AKEY(youtube_daily_uploads, T_UINT, 1, YT_DAILY_UPLOADS_MAX, TIKTOK_STR(YT_DAILY_UPLOADS_DEFAULT),
	     "must be a whole number of uploads from 1 to " TIKTOK_STR(YT_DAILY_UPLOADS_MAX)),
	KEY(youtube_auth_url, T_STR, 0, 0, "https://accounts.google.com/o/oauth2/v2/auth", NULL),
	KEY(youtube_oauth_base, T_URL, 0, 0, "https://oauth2.googleapis.com", NULL),
	KEY(youtube_api_base, T_URL, 0, 0, "https://www.googleapis.com", NULL),
	KEY(youtube_chunk_size, T_SIZE, 262144, 1073741824, "8388608",
	    "must be from 262144 bytes (256 KiB) to 1G; it is rounded down to a multiple of 262144"),
	AKEY(mode, T_MODE, 0, 0, "direct", "must be direct or draft"),
	AKEY(privacy, T_PRIVACY, 0, 0, NULL, "must be public, friends, followers or private (TikTok), or public, unlisted or private (YouTube)"),
	AKEY(made_for_kids, T_KIDS, 0, 0, NULL, "must be yes or no"),
	AKEY(category, T_CATEGORY, 0, 0, NULL, "must be a YouTube category, a name or an id such as 22 or People & Blogs"),
	KEY(caption_from, T_CAPTION, 0, 0, "sidecar", "must be sidecar or filename"),
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
	AKEY(bandwidth_share, T_UINT, 1, 100, "1", "must be a whole number from 1 to 100"),
	KEY(keep_posted, T_BOOL, 0, 0, "yes", "must be yes or no"),
	KEY(post_id_wait, T_UINT, 1, 720, "72", "must be a number of hours from 1 to 720"),
	KEY(audited, T_BOOL, 0, 0, "yes", "must be yes or no"),
	AKEY(on_posted, T_STR_OPT, 0, 0, NULL, NULL),
	AKEY(on_failed, T_STR_OPT, 0, 0, NULL, NULL),
	AKEY(also_post_to, T_ACCOUNTS, 0, 0, NULL, "must be account names separated by commas, or none"),
	KEY(log_level, T_LOG_LEVEL, 0, 0, "info", "must be error, warn, info or debug"),
	KEY(slots, T_SLOTS, 0, 0, NULL, "must be days and times such as Mon-Fri 09:00,18:00; Sat 12:00"),
	KEY(timezone, T_ZONE, 0, 0, NULL, "must be a zone of the tz database such as Europe/Berlin"),
	KEY(slot_jitter, T_MINUTES, 0, SLOTS_JITTER_MAX, "0",
	    "must be a number of minutes from 0 to " TIKTOK_STR(SLOTS_JITTER_MAX)),
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

static int parse_caption_from(const struct key_row *k, void *field, const char *v)
{
	int *dst = field;

	(void)k;
	if (!strcmp(v, "sidecar"))
		*dst = CAPTION_FROM_SIDECAR;
	else if (!strcmp(v, "filename"))
		*dst = CAPTION_FROM_FILENAME;
	else
		return -EINVAL;
	return 0;
}

/* TikTok's words, or YouTube's "unlisted" (meta/caption/sidecar.h). */
static int parse_privacy(const struct key_row *k, void *field, const char *v)
{
	const char *name = tiktok_privacy_name(v);

	(void)k;
	if (!name && yt_privacy_name(v))
		name = yt_privacy_name(v);
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

static int parse_kids(const struct key_row *k, void *field, const char *v)
{
	bool b;

	if (*v && parse_bool(k, &b, v))
		return -EINVAL;
	set_str(field, *v ? (b ? "yes" : "no") : NULL);
	return 0;
}

static int parse_category(const struct key_row *k, void *field, const char *v)
{
	const char *id = yt_category_id(v);

	(void)k;
	if (!id && *v)
		return -EINVAL;
	set_str(field, id);
	return 0;
}

static int parse_platform(const struct key_row *k, void *field, const char *v)
{
	(void)k;
	if (strcmp(v, "tiktok") && strcmp(v, "youtube"))
		return -EINVAL;
	set_str(field, v);
	return 0;
}

static int parse_slots(const struct key_row *k, void *field, const char *v)
{
	struct slots sl;
	struct tt_error err;

	(void)k;
	tt_error_clear(&err);
	if (*v && slots_parse(v, &sl, &err) < 0)
		return -EINVAL;
	set_str(field, *v ? v : NULL);
	return 0;
}

static int parse_zone(const struct key_row *k, void *field, const char *v)
{
	const struct tzfile *tz;
	char why[256];

	(void)k;
	if (*v && tzdb_get(v, &tz, why, sizeof(why)) < 0)
		return -EINVAL;
	set_str(field, *v ? v : NULL);
	return 0;
}

/* "30", "30 minutes", "30 min" or "30m". */
static int parse_minutes(const struct key_row *k, void *field, const char *v)
{
	char num[32];
	size_t n = strspn(v, "0123456789");
	const char *unit = v + n;

	while (*unit == ' ' || *unit == '\t')
		unit++;
	if (n == 0 || n >= sizeof(num) ||
	    (*unit && strcmp(unit, "minutes") && strcmp(unit, "minute") && strcmp(unit, "min") &&
	     strcmp(unit, "m")))
		return -EINVAL;
	memcpy(num, v, n);
	num[n] = '\0';
	return parse_uint(k, field, num);
}

static int parse_accounts(const struct key_row *k, void *field, const char *v)
{
	struct account_list l;
	char why[256];
	char **dst = field;

	(void)k;
	if (account_list_parse(v, &l, why, sizeof(why)))
		return -EINVAL;
	free(*dst);
	*dst = l.n ? account_list_format(&l) : NULL;
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
	[T_PLATFORM] = parse_platform,
	[T_SLOTS] = parse_slots,
	[T_ZONE] = parse_zone,
	[T_MINUTES] = parse_minutes,
	[T_CAPTION] = parse_caption_from,
	[T_KIDS] = parse_kids,
	[T_CATEGORY] = parse_category,
	[T_ACCOUNTS] = parse_accounts,
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

bool config_key_per_account(size_t i)
{
	return i < N_KEYS && keys[i].aoff != NOT_PER_ACCOUNT;
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

/* Why @v is refused for row @k, in @why: the slots' and the account
 * lists' parsers say which part is wrong, better than any row. */
static void refusal_why(const struct key_row *k, const char *v, struct tt_error *why)
{
	struct slots sl;
	struct account_list l;
	char what[256];

	tt_error_clear(why);
	if (k->type == T_SLOTS && slots_parse(v, &sl, why) < 0)
		return;
	if (k->type == T_ACCOUNTS && account_list_parse(v, &l, what, sizeof(what)) < 0) {
		tt_error_set(why, ERR_USER, "%s (%s)", what, k->why);
		return;
	}
	tt_error_set(why, ERR_USER, "%s", k->why);
}

int config_set(struct config *cfg, const char *key, const char *v, struct tt_error *err)
{
	const struct key_row *k = find_key(key);

	if (!k) {
		tt_error_set(err, ERR_USER, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (set_row(cfg, k, v)) {
		struct tt_error why;

		refusal_why(k, v, &why);
		tt_error_set(err, ERR_USER, "%s = %s: %s", key, v, why.what);
		return -EINVAL;
	}
	return 0;
}

/* A trailing " # comment" is allowed after a value and after a section
 * header. */
static char *cut_comment(char *s)
{
	char *hash = strstr(s, " #");

	if (hash)
		*hash = '\0';
	return str_trim(s);
}

static void copy_field(const struct key_row *k, void *dst, const void *src)
{
	if (type_size[k->type])
		memcpy(dst, src, type_size[k->type]);
	else
		set_str(dst, *(char *const *)src);
}

/* A new account named @name, starting from the default account's values:
 * the keys above the first section are all read by the time one opens.
 * A section's account takes every value but the default's also_post_to,
 * which names the accounts of the default's folders (config.h); the
 * default account itself (@whole) takes them all. */
static size_t account_add(struct config *cfg, const char *name, unsigned line, bool whole)
{
	struct account *a;

	cfg->accounts = xrealloc(cfg->accounts, (cfg->n_accounts + 1) * sizeof(*a));
	a = &cfg->accounts[cfg->n_accounts];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	a->line = line;
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].aoff != NOT_PER_ACCOUNT && (whole || keys[i].type != T_ACCOUNTS))
			copy_field(&keys[i], (char *)a + keys[i].aoff, (char *)cfg + keys[i].off);
	if (whole)
		a->also_post_to_line = cfg->also_post_to_line;
	return cfg->n_accounts++;
}

/* Whether @name may open a new section: valid, not the default account's,
 * not one already opened, not one that differs only in case (Samba and
 * Windows clients would see one folder).  0 or -EINVAL with @err. */
static int account_name_free(const struct config *cfg, const char *name, struct tt_error *err)
{
	char why[256];

	if (account_name_check(name, why, sizeof(why))) {
		char *shown = esc_text_dup(name);
		tt_error_set(err, ERR_USER, "[account %s]: %s", shown, why);
		free(shown);
		return -EINVAL;
	}
	if (!strcasecmp(name, CONFIG_DEFAULT_ACCOUNT)) {
		tt_error_set(err, ERR_USER,
			     "[account %s]: the account named default is the keys above the first "
			     "[account] section: set them there, or choose another name",
			     name);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct account *a = &cfg->accounts[i];
		if (!strcmp(a->name, name)) {
			tt_error_set(err, ERR_USER,
				     "[account %s] again: its section opened at line %u; give each "
				     "account one section",
				     name, a->line);
			return -EINVAL;
		}
		if (!strcasecmp(a->name, name)) {
			tt_error_set(err, ERR_USER,
				     "[account %s]: differs from account %s (line %u) only in case, "
				     "and on a Samba or Windows share they would be one folder: "
				     "choose another name",
				     name, a->name, a->line);
			return -EINVAL;
		}
	}
	return 0;
}

/* "[account NAME]" (@head starts with '['): the index of the new account,
 * or -1 with @err. */
static long parse_section(struct config *cfg, char *head, unsigned lineno, struct tt_error *err)
{
	size_t n = strlen(head);
	char *inner;

	if (head[n - 1] != ']') {
		tt_error_set(err, ERR_USER, "a section header ends with ']': write [account NAME]");
		return -1;
	}
	head[n - 1] = '\0';
	inner = str_trim(head + 1);
	if (strncmp(inner, "account", 7) || (inner[7] && !isspace((unsigned char)inner[7]))) {
		char *shown = esc_text_dup(inner);
		tt_error_set(err, ERR_USER, "unknown section [%s]: the only section is [account NAME]",
			     shown);
		free(shown);
		return -1;
	}
	inner = str_trim(inner + 7);
	if (account_name_free(cfg, inner, err))
		return -1;
	return (long)account_add(cfg, inner, lineno, false);
}

/* The keys an [account] section takes, as words for an error. */
static void per_account_keys(struct strbuf *sb)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].aoff != NOT_PER_ACCOUNT)
			strbuf_addf(sb, "%s%s", sb->len ? ", " : "", keys[i].name);
}

/* One "key = value" of account @a's section.  0, or -EINVAL with @err. */
static int account_set(struct account *a, const char *key, const char *v, struct tt_error *err)
{
	const struct key_row *k = find_key(key);
	struct strbuf sb = STRBUF_INIT;

	if (!k) {
		tt_error_set(err, ERR_USER, "[account %s]: unknown key '%s'", a->name, key);
		return -EINVAL;
	}
	if (k->aoff == NOT_PER_ACCOUNT) {
		strbuf_init(&sb);
		per_account_keys(&sb);
		tt_error_set(err, ERR_USER,
			     "[account %s]: %s is the same for every account: set it above the "
			     "first [account] section (a section takes %s)",
			     a->name, key, sb.buf);
		strbuf_release(&sb);
		return -EINVAL;
	}
	if (parsers[k->type](k, (char *)a + k->aoff, v)) {
		struct tt_error why;

		refusal_why(k, v, &why);
		tt_error_set(err, ERR_USER, "[account %s]: %s = %s: %s", a->name, key, v, why.what);
		return -EINVAL;
	}
	return 0;
}

/* One line that is not blank or a comment; @acct the open section (-1:
 * none yet).  0, or -EINVAL with @sub. */
static int parse_line(struct config *cfg, char *line, unsigned lineno, long *acct,
		      struct tt_error *sub)
{
	char *key = line, *val, *eq;

	if (*key == '[') {
		*acct = parse_section(cfg, cut_comment(key), lineno, sub);
		return *acct < 0 ? -EINVAL : 0;
	}
	eq = strchr(key, '=');
	if (!eq) {
		tt_error_set(sub, ERR_USER, "expected 'key = value' or [account NAME]");
		return -EINVAL;
	}
	*eq = '\0';
	val = cut_comment(eq + 1);
	key = str_trim(key);
	/* a secret in the file, in a section or not: the file must be private */
	if ((!strcmp(key, "client_secret") || !strcmp(key, "youtube_client_secret")) && *val)
		cfg->secret_from_file = true;
	/* where also_post_to was set, for the check once every account is known */
	if (!strcmp(key, "also_post_to")) {
		if (*acct >= 0)
			cfg->accounts[*acct].also_post_to_line = lineno;
		else
			cfg->also_post_to_line = lineno;
	}
	if (*acct >= 0)
		return account_set(&cfg->accounts[*acct], key, val, sub);
	return config_set(cfg, key, val, sub) ? -EINVAL : 0;
}

static int parse_file(struct config *cfg, FILE *f, const char *path, struct tt_error *err)
{
	char line[4096];
	unsigned lineno = 0;
	long acct = -1;

	while (fgets(line, sizeof(line), f)) {
		char *text;
		struct tt_error sub;

		lineno++;
		text = str_trim(line);
		if (!*text || *text == '#')
			continue;
		tt_error_clear(&sub);
		if (parse_line(cfg, text, lineno, &acct, &sub)) {
			tt_error_set(err, ERR_USER, "%s: line %u: %s", path, lineno, sub.what);
			return -EINVAL;
		}
	}
	return 0;
}

/* Put the default account, made of the keys outside any section, first. */
static void add_default_account(struct config *cfg)
{
	size_t i = account_add(cfg, CONFIG_DEFAULT_ACCOUNT, 0, true);
	struct account def = cfg->accounts[i];

	memmove(&cfg->accounts[1], &cfg->accounts[0], i * sizeof(def));
	cfg->accounts[0] = def;
}

const struct account *config_account(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (!strcmp(cfg->accounts[i].name, name))
			return &cfg->accounts[i];
	return NULL;
}

void config_account_view(const struct config *cfg, const struct account *a, const char *state_dir,
			 struct config *view)
{
	*view = *cfg;
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].aoff != NOT_PER_ACCOUNT)
			memcpy((char *)view + keys[i].off, (const char *)a + keys[i].aoff,
			       type_size[keys[i].type] ? type_size[keys[i].type] : sizeof(char *));
	view->state_dir = (char *)state_dir;
	view->also_post_to_line = a->also_post_to_line;
}

bool platform_is_youtube(const char *platform)
{
	return platform && !strcmp(platform, "youtube");
}

bool config_is_youtube(const struct config *cfg)
{
	return cfg && platform_is_youtube(cfg->platform);
}

bool config_account_youtube(const struct config *cfg, const char *name)
{
	const struct account *a = cfg && name ? config_account(cfg, name) : NULL;

	return a ? platform_is_youtube(a->platform) : config_is_youtube(cfg);
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
	if ((v = getenv("YOUTUBE_CLIENT_ID")) && *v)
		set_str(&cfg->youtube_client_id, v);
	if ((v = getenv("YOUTUBE_CLIENT_SECRET")) && *v)
		set_str(&cfg->youtube_client_secret, v);
}

/* YOUTUBE_CLIENT_ID and _SECRET name one Google Cloud client: they win over
 * every account's (the default account took them in apply_env). */
static void apply_env_accounts(struct config *cfg)
{
	const char *id = getenv("YOUTUBE_CLIENT_ID"), *secret = getenv("YOUTUBE_CLIENT_SECRET");

	for (size_t i = 0; i < cfg->n_accounts; i++) {
		struct account *a = &cfg->accounts[i];
		if (id && *id)
			set_str(&a->youtube_client_id, id);
		if (secret && *secret)
			set_str(&a->youtube_client_secret, secret);
		if (a->youtube_client_secret)
			log_add_secret(a->youtube_client_secret);
	}
}

/* Every account's also_post_to against the accounts the file has: 0, or
 * -EINVAL with @err naming the file, the line, the key and the account. */
static int check_also_post_to(const struct config *cfg, struct tt_error *err)
{
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct account *a = &cfg->accounts[i];
		struct account_list l;
		char why[512];

		if (!a->also_post_to)
			continue;
		if (account_list_parse(a->also_post_to, &l, why, sizeof(why)) == 0 &&
		    targets_check_list(cfg, a->name, &l, "this file", why, sizeof(why)) == 0)
			continue;
		tt_error_set(err, ERR_USER, "%s: line %u: account %s: %s",
			     cfg->path ? cfg->path : "the config", a->also_post_to_line, a->name,
			     why);
		return -EINVAL;
	}
	return 0;
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
	if (!rc) {
		add_default_account(cfg);
		apply_env_accounts(cfg);
		rc = check_also_post_to(cfg, err);
	}
	if (cfg->client_secret)
		log_add_secret(cfg->client_secret);
	if (f)
		fclose(f);
	free(p);
	if (rc)
		config_free(cfg);
	return rc;
}

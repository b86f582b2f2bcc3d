/*
 * The configuration: `key = value` lines, `#` comments, found at -c FILE,
 * $TIKTOKFS_CONFIG, ~/.config/tiktokfs/tiktokfs.conf or /etc/tiktokfs.conf
 * (first that exists), with TIKTOK_CLIENT_ID, TIKTOK_CLIENT_SECRET and
 * TIKTOK_REDIRECT_URI overriding the file.  Read-only once loaded: a reload
 * builds a new struct config and swaps it whole.
 */
#ifndef TIKTOKFS_CONFIG_H
#define TIKTOKFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum post_mode { POST_DIRECT = 0, POST_DRAFT };

struct config {
	char *path; /* the file read, or NULL when none existed; owned */
	char *client_key;
	char *client_secret;
	char *redirect_uri;
	char *api_base;	 /* no trailing slash */
	char *auth_url;
	char *ca_file;	 /* NULL: system CAs only */
	char *state_dir; /* absolute */
	enum post_mode mode;
	char *privacy;		/* TikTok's name (PUBLIC_TO_EVERYONE...) or NULL: no default */
	double settle_time;	/* seconds */
	double poll_interval;	/* watch mode, seconds; 0: poll only network folders */
	uint64_t chunk_size;
	uint64_t max_size;
	double min_duration, max_duration; /* seconds */
	unsigned min_width, min_height, max_width, max_height;
	uint64_t bandwidth_limit; /* bytes/s, 0 = none */
	bool keep_posted;
	unsigned post_id_wait; /* hours a public post's ID is asked for after the publish */
	bool audited; /* the app passed TikTok's audit (else posts end up SELF_ONLY, §7) */
	char *on_posted, *on_failed;
	int log_level; /* enum log_level */
	bool secret_from_file; /* client_secret came from the file (permission check applies) */
};

/* Fill @cfg with the defaults of the spec (strings allocated). */
void config_defaults(struct config *cfg);
/*
 * Load the config: @path explicit (must exist) or NULL to search.  Applies the
 * environment overrides, refuses a file holding client_secret that group or
 * others can read, creates nothing.  On error fills @err (naming the file and
 * the line, class ERR_USER) and returns -errno: the open's own (-ENOENT,
 * -EACCES ...), -EINVAL for a line or value refused, -EACCES for a secret
 * others can read; @cfg is then freed.
 */
int config_load(struct config *cfg, const char *path, struct tt_error *err);
/* Parse one "key = value" (used by config_load and by tests): 0, or
 * -EINVAL with @err saying why. */
int config_set(struct config *cfg, const char *key, const char *value, struct tt_error *err);
/* The @i-th key of the key table, or NULL past the last (for tests that
 * check the documentation against the code).  Returns a static string. */
const char *config_key_name(size_t i);
/* Parse "5M", "1.5G", "1000" into bytes; 0 or -EINVAL. */
int config_parse_size(const char *s, uint64_t *out);
void config_free(struct config *cfg);

#endif

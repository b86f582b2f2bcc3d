/*
 * The configuration: `key = value` lines, `#` comments, found at -c FILE,
 * $TIKTOKFS_CONFIG, ~/.config/tiktokfs/tiktokfs.conf or /etc/tiktokfs.conf
 * (first that exists), with TIKTOK_CLIENT_ID, TIKTOK_CLIENT_SECRET and
 * TIKTOK_REDIRECT_URI overriding the file, and YOUTUBE_CLIENT_ID and
 * YOUTUBE_CLIENT_SECRET overriding every account's YouTube client.  Read-only once loaded: a reload
 * builds a new struct config and swaps it whole.
 *
 * Accounts.  `[account NAME]` opens a section whose keys (a subset of the
 * key table: platform, mode, privacy, made_for_kids, category, youtube_daily_uploads,
 * bandwidth_share, on_posted, on_failed, youtube_client_id,
 * youtube_client_secret, also_post_to) belong to account NAME; a section ends at the next one or at
 * the end of the file.  The keys above the first section are the app's and
 * the account named "default", so a file without sections is one account,
 * as before.  An account starts from the default account's values and
 * changes what its section says, except also_post_to: it names the other
 * accounts an item of that account's folders also posts to (meta/targets.h),
 * so a section never takes the default account's.  Names are folder names
 * (account_name_check in meta/account.h).  Every also_post_to is checked
 * once the whole file is read (targets_check_list): configured accounts,
 * not the section's own, at most one per platform.
 */
#ifndef TIKTOKFS_CONFIG_H
#define TIKTOKFS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum post_mode { POST_DIRECT = 0, POST_DRAFT };

/* Where a video's caption comes from when it has no caption file
 * (meta/caption/defaults.h): it waits for one, or it is made of the
 * video's file name. */
enum caption_from { CAPTION_FROM_SIDECAR = 0, CAPTION_FROM_FILENAME };

#define CONFIG_DEFAULT_ACCOUNT "default"

/* One account: what its section (or, for "default", the keys outside any
 * section) says.  The field names are the keys' own. */
struct account {
	char *name;	/* owned */
	char *platform; /* "tiktok" or "youtube" (login only, for now) */
	char *youtube_client_id, *youtube_client_secret; /* a YouTube account's OAuth client */
	/* uploads a day its Google project may start (meta/yt_quota.h) */
	unsigned youtube_daily_uploads;
	enum post_mode mode;
	char *privacy; /* TikTok's name, "unlisted" (YouTube) or NULL */
	char *made_for_kids, *category; /* YouTube's: "yes"/"no", a category id; or NULL */
	char *on_posted, *on_failed;
	unsigned bandwidth_share; /* weight among accounts uploading at once */
	unsigned line;		  /* the line of its [account NAME]; 0 for default */
	/* the accounts its folders' items also post to, "a, b" (meta/account.h
	 * account_list_format); NULL: none.  Its own, never the default's. */
	char *also_post_to;
	unsigned also_post_to_line; /* where it was set; 0: not set */
};

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
	char *privacy;		/* TikTok's name (PUBLIC_TO_EVERYONE...), "unlisted" or NULL: no default */
	char *made_for_kids;	/* YouTube: "yes", "no" or NULL: no default */
	char *category;		/* YouTube: a category id or NULL (22) */
	int caption_from;	/* enum caption_from */
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
	/* queue/ (meta/job/queue.h): the `slots` line as written (checked
	 * with slots_parse when loaded; NULL: none), the zone its wall times
	 * are in (NULL: UTC), and the jitter in minutes */
	char *slots;
	char *timezone;
	unsigned slot_jitter;
	int log_level; /* enum log_level */
	bool secret_from_file; /* client_secret came from the file (permission check applies) */
	char *platform;		  /* the default account's */
	/* YouTube (docs/youtube.md §1): the default account's client, and the
	 * Google hosts, overridable for the sandbox as TikTok's are */
	char *youtube_client_id, *youtube_client_secret;
	char *youtube_auth_url;	  /* the consent page */
	char *youtube_oauth_base; /* /token, /revoke */
	char *youtube_api_base;	  /* /youtube/v3/... */
	unsigned youtube_daily_uploads; /* the default account's (meta/yt_quota.h) */
	/* bytes per chunk PUT of a YouTube upload, used as a multiple of
	 * 256 KiB (docs/youtube.md §4.2) */
	uint64_t youtube_chunk_size;
	unsigned bandwidth_share; /* the default account's */
	char *also_post_to;	  /* the default account's (struct account) */
	unsigned also_post_to_line;
	/* Every account, "default" first (config_load builds it from the keys
	 * above the first section); owned.  Empty after config_defaults alone. */
	struct account *accounts;
	size_t n_accounts;
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
/* The account named @name, or NULL when the config has none (borrowed). */
const struct account *config_account(const struct config *cfg, const char *name);
/* Whether @platform (an account's platform value; NULL is TikTok) is
 * YouTube: the one test of it. */
bool platform_is_youtube(const char *platform);
/* Whether account @name of @cfg posts to YouTube; a name @cfg does not
 * have (or NULL) as the default account does. */
bool config_account_youtube(const struct config *cfg, const char *name);
/*
 * @view becomes @cfg as account @a sees it: @a's per-account values and
 * @state_dir (the account's own, meta/account.h) in place of the default
 * account's, everything else @cfg's.  A shallow copy: it borrows every
 * string of @cfg, @a and @state_dir, lives no longer than they do, and is
 * never passed to config_free.
 */
void config_account_view(const struct config *cfg, const struct account *a, const char *state_dir,
			 struct config *view);
/* Whether @cfg (an account's view, config_account_view) posts to YouTube;
 * false for NULL. */
bool config_is_youtube(const struct config *cfg);
/* Whether the @i-th key may be set in an [account] section. */
bool config_key_per_account(size_t i);
/* The @i-th key of the key table, or NULL past the last (for tests that
 * check the documentation against the code).  Returns a static string. */
const char *config_key_name(size_t i);
/* Parse "5M", "1.5G", "1000" into bytes; 0 or -EINVAL. */
int config_parse_size(const char *s, uint64_t *out);
void config_free(struct config *cfg);

#endif

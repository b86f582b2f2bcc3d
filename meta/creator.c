/*
 * The creator_info cache: what creator_info/query said last (docs/tiktok.md
 * §5.1), kept in state_dir/creator_info.json under TikTok's own field names
 * plus "fetched_at", so that `tiktokfs check` and the tracker know the
 * account's limits offline.  Writes are atomic (temp file, fsync, rename,
 * fsync of the directory): a crash leaves the old file or the new one,
 * never half of one.  Mode 0600: the file says who the account is.
 */
#include "meta/creator.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/strbuf.h"

#define CREATOR_FILE "creator_info.json"

bool creator_allows_privacy(const struct creator_info *ci, const char *privacy)
{
	/* Nothing known (not logged in, or TikTok sent no list): nothing to forbid. */
	if (!ci || ci->n_privacy <= 0)
		return true;
	for (int i = 0; i < ci->n_privacy && i < CREATOR_MAX_PRIVACY; i++)
		if (!strcmp(ci->privacy_options[i], privacy))
			return true;
	return false;
}

int creator_save(const char *state_dir, const struct creator_info *ci)
{
	json_t *root, *opts;
	char *text, *path;
	int rc;

	opts = json_array();
	for (int i = 0; i < ci->n_privacy && i < CREATOR_MAX_PRIVACY; i++)
		json_array_append_new(opts, json_string(ci->privacy_options[i]));
	root = json_pack("{s:s, s:s, s:o, s:b, s:b, s:b, s:i, s:I}", "creator_username",
			 ci->username, "creator_nickname", ci->nickname, "privacy_level_options",
			 opts, "comment_disabled", ci->comment_disabled, "duet_disabled",
			 ci->duet_disabled, "stitch_disabled", ci->stitch_disabled,
			 "max_video_post_duration_sec", ci->max_duration_sec, "fetched_at",
			 (json_int_t)ci->fetched_at);
	if (!root) /* only when a string is not UTF-8: json_pack checks */
		return -EINVAL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return -ENOMEM;

	path = xasprintf("%s/%s", state_dir, CREATOR_FILE);
	rc = file_write_atomic(path, text, strlen(text), 0600, true);
	free(text);
	free(path);
	return rc;
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int creator_load(const char *state_dir, struct creator_info *ci)
{
	json_t *root, *opts, *v;
	json_error_t jerr;
	char *path;
	size_t i;

	memset(ci, 0, sizeof(*ci));
	path = xasprintf("%s/%s", state_dir, CREATOR_FILE);
	if (access(path, F_OK)) {
		int rc = -errno;
		free(path);
		return rc;
	}
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	free(path);
	if (!json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	copy_str(ci->username, sizeof(ci->username), json_object_get(root, "creator_username"));
	copy_str(ci->nickname, sizeof(ci->nickname), json_object_get(root, "creator_nickname"));
	opts = json_object_get(root, "privacy_level_options");
	json_array_foreach(opts, i, v)
	{
		if (ci->n_privacy >= CREATOR_MAX_PRIVACY || !json_is_string(v))
			continue;
		copy_str(ci->privacy_options[ci->n_privacy], sizeof(ci->privacy_options[0]), v);
		ci->n_privacy++;
	}
	ci->comment_disabled = json_is_true(json_object_get(root, "comment_disabled"));
	ci->duet_disabled = json_is_true(json_object_get(root, "duet_disabled"));
	ci->stitch_disabled = json_is_true(json_object_get(root, "stitch_disabled"));
	v = json_object_get(root, "max_video_post_duration_sec");
	if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 1000000)
		ci->max_duration_sec = (int)json_integer_value(v);
	v = json_object_get(root, "fetched_at");
	if (json_is_integer(v))
		ci->fetched_at = json_integer_value(v);
	json_decref(root);
	return 0;
}

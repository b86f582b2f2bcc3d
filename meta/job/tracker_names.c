/*
 * What a name means to the drop folder (spec: "The mount"): copy tools'
 * temporary names, video extensions, caption sidecars, the top folders.
 * Pure functions on strings; fs/ uses the public ones for its folder rules.
 */
#include "meta/job/tracker_int.h"
#include "util/path.h"

#include <string.h>
#include <strings.h>

bool item_is_temp_name(const char *name)
{
	static const char *const suffixes[] = { ".part",     ".partial",  ".crdownload", ".tmp",
						".filepart", ".download" };

	if (!name || !*name || name[0] == '.' || name[0] == '~')
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix_ci(name, suffixes[i]))
			return true;
	return false;
}

bool item_is_video_name(const char *name)
{
	static const char *const exts[] = { "mp4", "mov", "m4v",  "3gp", "3g2", "webm",
					    "mkv", "avi", "mpg",  "mpeg", "ts", "m2ts",
					    "mts", "wmv", "asf" };
	const char *dot;

	if (item_is_temp_name(name))
		return false;
	dot = strrchr(name, '.');
	if (!dot || dot == name)
		return false;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcasecmp(dot + 1, exts[i]))
			return true;
	return false;
}

bool item_is_caption_name(const char *name)
{
	return !item_is_temp_name(name) && has_suffix_ci(name, ".caption");
}

const char *item_folder(const char *path)
{
	static const char *const folders[] = { "outbox", "scheduled", "posted", "failed" };
	size_t n;

	if (!path)
		return NULL;
	while (*path == '/')
		path++;
	n = strcspn(path, "/");
	for (size_t i = 0; i < 4; i++)
		if (strlen(folders[i]) == n && !strncmp(path, folders[i], n))
			return folders[i];
	return NULL;
}

static bool in_staging_folder(const char *path)
{
	const char *f = item_folder(path);

	return f && (!strcmp(f, "outbox") || !strcmp(f, "scheduled"));
}

bool trk_in_scheduled(const char *path)
{
	const char *f = item_folder(path);

	return f && !strcmp(f, "scheduled");
}

/*
 * True when no directory between the top folder and @end starts with a dot.
 * A file under a dot-directory is no item: Samba's recycle bin (.recycle/),
 * macOS's .TemporaryItems/ and sync tools' version folders live there, and
 * moving a file into one is how those tools delete it.
 */
static bool dirs_visible(const char *path, const char *end)
{
	const char *p = strchr(path, '/');

	while (p && p + 1 < end) {
		p++;
		if (*p == '.' || *p == '/')
			return false;
		p = strchr(p, '/');
	}
	return true;
}

/* A directory inside outbox/ or scheduled/ whose files can be items. */
bool trk_dir_in_staging(const char *path)
{
	return in_staging_folder(path) && dirs_visible(path, path + strlen(path) + 1);
}

/* What a path is to the tracker. */
enum kind trk_classify(const char *path)
{
	const char *base = path_base(path);

	if (!in_staging_folder(path) || base == path || !dirs_visible(path, base))
		return K_NONE;
	if (item_is_video_name(base))
		return K_VIDEO;
	if (item_is_caption_name(base))
		return K_CAPTION;
	return K_NONE;
}

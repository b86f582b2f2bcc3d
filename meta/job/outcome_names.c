/*
 * Destination names for an item leaving for posted/ or failed/ (see
 * outcome_int.h): the same name when it is free, else " (2)", " (3)" ...
 * before the extension, and in every case short enough for the folder.
 *
 * A name of 248 to 255 bytes is legal in outbox/ but leaves no room for
 * " (2)", for NAME.error (6 bytes more) or for NAME.mp4.caption: such names
 * get their stem shortened, never the extension or the number, and the cut
 * never splits a UTF-8 character, so a person still reads the name in a
 * file manager.  Bytes that are not UTF-8 count as characters of their own.
 */
#include "meta/job/outcome_int.h"
#include "meta/job/drop.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/path.h"

#define CAPTION_SUFFIX ".caption"
#define ERROR_SUFFIX ".error"

/* "outbox/sub/clip.mp4" -> "sub" ("" when at the top of the folder); the
 * same for "accounts/b/outbox/sub/clip.mp4" (meta/job/drop.h). */
static char *sub_dir(const char *path)
{
	const char *first;

	path = drop_account_rel(path) ? drop_account_rel(path) : path;
	first = strchr(path, '/');
	const char *last = strrchr(path, '/');

	if (!first || first == last)
		return xstrdup("");
	return xstrndup(first + 1, (size_t)(last - first - 1));
}

size_t oc_fit(const char *s, size_t len, size_t extra, size_t max)
{
	size_t keep;

	if (len + extra <= max)
		return len;
	if (extra >= max)
		return 0;
	keep = max - extra;
	/* s[keep] is the first byte cut off: a continuation byte means the
	 * character it belongs to would be split, so it goes whole */
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	return keep;
}

char *oc_suffixed(const char *name, size_t ext_len, int n, size_t max)
{
	size_t len = strlen(name), stem_len, keep;
	char num[24];

	if (ext_len > len)
		ext_len = 0;
	stem_len = len - ext_len;
	snprintf(num, sizeof(num), " (%d)", n);
	keep = oc_fit(name, stem_len, strlen(num) + ext_len, max);
	if (keep == 0 && stem_len > 0)
		return NULL;
	return xasprintf("%.*s%s%s", (int)keep, name, num, name + stem_len);
}

void oc_plan_free(struct oc_plan *p)
{
	free(p->dir);
	free(p->stem);
	free(p->ext);
	free(p->cap_stem);
	memset(p, 0, sizeof(*p));
}

static void plan_caption(struct oc_plan *p, const char *video_base, const char *caption)
{
	const char *cb = path_base(caption);
	char *as_video = xasprintf("%s" CAPTION_SUFFIX, video_base);
	char *as_stem = xasprintf("%s" CAPTION_SUFFIX, p->stem);
	size_t n = strlen(cb), m = strlen(CAPTION_SUFFIX);

	p->has_caption = true;
	if (!strcmp(cb, as_video)) {
		p->style = OC_CAP_VIDEO;
	} else if (!strcmp(cb, as_stem)) {
		p->style = OC_CAP_STEM;
	} else {
		p->style = OC_CAP_OTHER;
		if (n > m && !strcmp(cb + n - m, CAPTION_SUFFIX))
			n -= m;
		p->cap_stem = xstrndup(cb, n);
	}
	free(as_video);
	free(as_stem);
}

void oc_plan_names(struct oc_plan *p, const char *folder, const char *video, const char *caption,
		   bool error_file)
{
	const char *vb = path_base(video), *dot = strrchr(vb, '.');
	char *sub = sub_dir(video);

	memset(p, 0, sizeof(*p));
	p->dir = *sub ? xasprintf("%s/%s", folder, sub) : xstrdup(folder);
	free(sub);
	if (!dot || dot == vb)
		dot = vb + strlen(vb);
	p->stem = xstrndup(vb, (size_t)(dot - vb));
	p->ext = xstrdup(dot);
	p->error_file = error_file;
	p->name_max = NAME_MAX;
	if (caption)
		plan_caption(p, vb, caption);
}

/* Bytes after the stem in the longest name made from it: " (n)", the
 * extension and what companions add to the video's name. */
static size_t stem_extra(const struct oc_plan *p, size_t num_len)
{
	size_t after_video = 0, extra;

	if (p->error_file)
		after_video = strlen(ERROR_SUFFIX);
	if (p->has_caption && p->style == OC_CAP_VIDEO)
		after_video =
		    strlen(CAPTION_SUFFIX) > after_video ? strlen(CAPTION_SUFFIX) : after_video;
	extra = num_len + strlen(p->ext) + after_video;
	if (p->has_caption && p->style == OC_CAP_STEM && num_len + strlen(CAPTION_SUFFIX) > extra)
		extra = num_len + strlen(CAPTION_SUFFIX);
	return extra;
}

int oc_candidate(const struct oc_plan *p, int n, char **video, char **caption)
{
	char num[24] = "";
	size_t stem_len = strlen(p->stem), keep, ckeep;

	*video = *caption = NULL;
	if (n > 1)
		snprintf(num, sizeof(num), " (%d)", n);
	keep = oc_fit(p->stem, stem_len, stem_extra(p, strlen(num)), p->name_max);
	if (keep == 0 && stem_len > 0)
		return -ENAMETOOLONG;
	*video = xasprintf("%.*s%s%s", (int)keep, p->stem, num, p->ext);
	if (!p->has_caption)
		return 0;
	switch (p->style) {
	case OC_CAP_VIDEO:
		*caption = xasprintf("%s" CAPTION_SUFFIX, *video);
		break;
	case OC_CAP_STEM:
		*caption = xasprintf("%.*s%s" CAPTION_SUFFIX, (int)keep, p->stem, num);
		break;
	case OC_CAP_OTHER:
		ckeep = oc_fit(p->cap_stem, strlen(p->cap_stem),
			       strlen(num) + strlen(CAPTION_SUFFIX), p->name_max);
		if (ckeep == 0 && p->cap_stem[0]) {
			free(*video);
			*video = NULL;
			return -ENAMETOOLONG;
		}
		*caption = xasprintf("%.*s%s" CAPTION_SUFFIX, (int)ckeep, p->cap_stem, num);
		break;
	}
	return 0;
}

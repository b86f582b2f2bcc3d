/*
 * YouTube's categories and privacy words (meta/youtube.h) as tables: the
 * sidecar parser, the config, the caption mapping (meta/youtube_meta.h)
 * and `tiktokfs check` all read them.
 *
 * The categories are those assignable to uploads in the US region, the
 * list the sandbox enforces (docs/youtube.md §3: a category the region
 * does not assign is refused with invalidCategoryId).
 */
#include "meta/youtube.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* id, YouTube's name, and one short word a user may write instead. */
static const struct {
	const char *id, *name, *word;
} categories[] = {
    {"1", "Film & Animation", "film"}, {"2", "Autos & Vehicles", "autos"},
    {"10", "Music", "music"},	       {"15", "Pets & Animals", "pets"},
    {"17", "Sports", "sports"},	       {"19", "Travel & Events", "travel"},
    {"20", "Gaming", "gaming"},	       {"22", "People & Blogs", "people"},
    {"23", "Comedy", "comedy"},	       {"24", "Entertainment", "entertainment"},
    {"25", "News & Politics", "news"}, {"26", "Howto & Style", "howto"},
    {"27", "Education", "education"},  {"28", "Science & Technology", "science"},
};
#define N_CATEGORIES (sizeof(categories) / sizeof(categories[0]))

/* @s lowercased with '&' spelt "and" and everything but letters and
 * digits dropped ("People & Blogs", "people-and-blogs" -> "peopleandblogs");
 * false when it does not fit @size. */
static int normalize(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s; s++) {
		const char *add = *s == '&' ? "and" : NULL;
		char one[2] = {(char)tolower((unsigned char)*s), '\0'};

		if (!add && !isalnum((unsigned char)*s))
			continue;
		if (!add)
			add = one;
		if (o + strlen(add) >= size)
			return 0;
		memcpy(out + o, add, strlen(add));
		o += strlen(add);
	}
	out[o] = '\0';
	return 1;
}

const char *yt_category_id(const char *word)
{
	char want[64], have[64];

	if (!word || !normalize(word, want, sizeof(want)) || !want[0])
		return NULL;
	for (size_t i = 0; i < N_CATEGORIES; i++) {
		if (!strcmp(word, categories[i].id) || !strcmp(want, categories[i].word))
			return categories[i].id;
		if (normalize(categories[i].name, have, sizeof(have)) && !strcmp(want, have))
			return categories[i].id;
	}
	return NULL;
}

const char *yt_category_name(const char *id)
{
	for (size_t i = 0; id && i < N_CATEGORIES; i++)
		if (!strcmp(id, categories[i].id))
			return categories[i].name;
	return NULL;
}

const char *yt_category_list(void)
{
	return "1 Film & Animation, 2 Autos & Vehicles, 10 Music, 15 Pets & Animals, "
	       "17 Sports, 19 Travel & Events, 20 Gaming, 22 People & Blogs, 23 Comedy, "
	       "24 Entertainment, 25 News & Politics, 26 Howto & Style, 27 Education, "
	       "28 Science & Technology";
}

const char *yt_privacy_name(const char *word)
{
	static const char *const names[] = {YT_PRIVACY_PUBLIC, YT_PRIVACY_UNLISTED,
					    YT_PRIVACY_PRIVATE};

	for (size_t i = 0; word && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(word, names[i]))
			return names[i];
	return NULL;
}

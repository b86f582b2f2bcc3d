/*
 * TikTok's privacy levels and the words users write for them, as one
 * table (meta/tiktok.h).  The config, the caption sidecar, the rules'
 * messages and `tiktokfs login` all read it.
 */
#include "meta/tiktok.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* TikTok's four levels ([direct-post] post_info.privacy_level) with the
 * word tiktokfs shows and the one more word it accepts. */
static const struct {
	const char *name, *word, *alias;
} levels[] = {
    {"PUBLIC_TO_EVERYONE", "public", "everyone"},
    {"MUTUAL_FOLLOW_FRIENDS", "friends", NULL},
    {"FOLLOWER_OF_CREATOR", "followers", NULL},
    {TIKTOK_PRIVACY_SELF_ONLY, "private", "self"},
};
#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

const char *tiktok_privacy_name(const char *word)
{
	for (size_t i = 0; word && i < N_LEVELS; i++)
		if (!strcasecmp(word, levels[i].word) || !strcasecmp(word, levels[i].name) ||
		    (levels[i].alias && !strcasecmp(word, levels[i].alias)))
			return levels[i].name;
	return NULL;
}

const char *tiktok_privacy_word(const char *name)
{
	if (!name)
		return "";
	for (size_t i = 0; i < N_LEVELS; i++)
		if (!strcmp(name, levels[i].name))
			return levels[i].word;
	return name;
}

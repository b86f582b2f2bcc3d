/*
 * libFuzzer target for what a caption means on YouTube
 * (meta/youtube_meta.h): arbitrary bytes parsed as a caption file and,
 * when they parse, mapped with yt_meta_from_sidecar(), with and without
 * account settings.  Never a crash, a leak or undefined behaviour; a
 * refusal always says why and names the file; a mapping that succeeds
 * keeps every promise the videos.insert body relies on: a title of 1 to
 * YT_TITLE_MAX characters, a description within YT_DESCRIPTION_MAX bytes,
 * neither holding < or >, tags within YouTube's count, YouTube's privacy
 * words only, publishAt only with private, a known category, and a body
 * that is JSON.
 */
#include "meta/config.h"
#include "meta/caption/sidecar.h"
#include "meta/caption/utf8.h"
#include "meta/youtube.h"
#include "meta/youtube_meta.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	if (!s || !utf8_valid(s, strlen(s), NULL) || strpbrk(s, YT_FORBIDDEN_CHARS))
		abort();
}

static void check_meta(const struct yt_meta *m, int64_t now)
{
	size_t n = yt_char_count(m->title);
	json_t *j;
	char *body;

	check_text(m->title);
	check_text(m->description);
	if (n < 1 || n > YT_TITLE_MAX || strlen(m->description) > YT_DESCRIPTION_MAX)
		abort();
	if (m->tags_length > YT_TAGS_MAX || yt_tags_length(m->tags, m->ntags) != m->tags_length)
		abort();
	for (size_t i = 0; i < m->ntags; i++)
		if (!m->tags[i][0] || strchr(m->tags[i], '#') || strchr(m->tags[i], ','))
			abort();
	if (!yt_privacy_name(m->privacy) || strcmp(yt_privacy_name(m->privacy), m->privacy))
		abort();
	if (m->publish_at && (strcmp(m->privacy, YT_PRIVACY_PRIVATE) || m->publish_at <= now))
		abort();
	if (!yt_category_name(m->category_id) || (m->made_for_kids != 0 && m->made_for_kids != 1))
		abort();
	body = yt_meta_json(m);
	j = body ? json_loads(body, 0, NULL) : NULL;
	if (!j)
		abort();
	json_decref(j);
	free(body);
}

static void map(const struct config *cfg, const struct sidecar *sc, int64_t now)
{
	struct yt_meta m;
	struct tt_error err;

	tt_error_clear(&err);
	if (yt_meta_from_sidecar(cfg, sc, "fuzz.caption", now, &m, &err) == 0) {
		check_meta(&m, now);
	} else if (!err.what[0] || err.cls != ERR_USER || !strstr(err.what, "fuzz.caption") ||
		   !utf8_valid(err.what, strlen(err.what), NULL)) {
		abort(); /* a refusal names the file and says why, in valid text */
	}
	yt_meta_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config acct;
	struct sidecar sc;
	struct tt_error err;

	tt_error_clear(&err);
	if (sidecar_parse("fuzz.caption", (const char *)data, size, &sc, &err))
		return 0;
	memset(&acct, 0, sizeof(acct));
	acct.platform = "youtube";
	acct.privacy = "unlisted";
	acct.made_for_kids = "no";
	acct.category = "27";
	map(NULL, &sc, 1780000000);
	map(&acct, &sc, 1780000000);
	sidecar_free(&sc);
	return 0;
}

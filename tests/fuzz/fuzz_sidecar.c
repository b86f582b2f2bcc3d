/*
 * libFuzzer target for the caption sidecar parser and the schedule time
 * parser: arbitrary bytes must give either a parse or an error, never a
 * crash, a leak or undefined behaviour.  On success it also checks the
 * parser's promises: the caption is valid UTF-8 without NUL, its UTF-16
 * length is the one stored and at most SIDECAR_CAPTION_MAX_UTF16, and every set field holds a
 * value the rest of the program can use.  The same bytes go through the
 * folder .defaults parser (no caption text allowed, two more keys) and,
 * cut at the first NUL, through the caption made of a file name.  A list
 * of accounts (also_post_to) that parses is one account_list_parse takes
 * again, with the file and the line it was written on.
 */
#include "meta/account.h"
#include "meta/config.h"
#include "meta/caption/defaults.h"
#include "meta/caption/sidecar.h"
#include "meta/tiktok.h"
#include "meta/youtube.h"
#include "meta/caption/utf8.h"
#include "meta/caption/when.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* also_post_to, when set: a list that parses again, and where it was. */
static void check_also_post_to(const struct sidecar *sc)
{
	struct account_list l;
	char why[256];

	if (!sc->also_post_to)
		return;
	if (account_list_parse(sc->also_post_to, &l, why, sizeof(why)) ||
	    !sc->also_post_to_file || sc->also_post_to_line < 1)
		abort();
}

static void check_sidecar(const uint8_t *data, size_t size)
{
	struct sidecar sc;
	struct tt_error err;
	size_t len;

	tt_error_clear(&err);
	if (sidecar_parse("fuzz.caption", (const char *)data, size, &sc, &err)) {
		if (!err.what[0] || err.cls != ERR_USER)
			abort(); /* a refusal must say why */
		if (!utf8_valid(err.what, strlen(err.what), NULL))
			abort(); /* messages never carry broken UTF-8 */
		return;
	}
	if (!sc.caption)
		abort();
	len = strlen(sc.caption);
	if (!utf8_valid(sc.caption, len, NULL) || len > size)
		abort();
	if (sc.caption_utf16 != utf8_utf16_len(sc.caption, len) ||
	    sc.caption_utf16 > SIDECAR_CAPTION_MAX_UTF16)
		abort();
	if (sc.privacy[0] && !tiktok_privacy_name(sc.privacy) && !yt_privacy_name(sc.privacy))
		abort();
	if (sc.category[0] && !yt_category_name(sc.category))
		abort();
	if (sc.has_cover && (sc.cover_ms < 0 || sc.cover_ms > 2147483647))
		abort();
	if (sc.mode != -1 && sc.mode != POST_DIRECT && sc.mode != POST_DRAFT)
		abort();
	check_also_post_to(&sc);
	sidecar_free(&sc);
}

static void check_defaults(const uint8_t *data, size_t size)
{
	struct sidecar sc;
	struct tt_error err;

	tt_error_clear(&err);
	if (sidecar_parse_defaults("fuzz/.defaults", (const char *)data, size, &sc, &err)) {
		if (!err.what[0] || err.cls != ERR_USER)
			abort();
		sidecar_free(&sc);
		return;
	}
	if (!sc.caption || sc.caption[0] || sc.has_cover)
		abort(); /* a .defaults has no caption and no cover */
	if (sc.hashtags &&
	    (sc.hashtags[0] != '#' || !utf8_valid(sc.hashtags, strlen(sc.hashtags), NULL)))
		abort();
	if (sc.caption_from != -1 && sc.caption_from != CAPTION_FROM_SIDECAR &&
	    sc.caption_from != CAPTION_FROM_FILENAME)
		abort();
	check_also_post_to(&sc);
	sidecar_free(&sc);
}

static void check_name(const uint8_t *data, size_t size)
{
	char name[256];
	struct sidecar sc;
	struct tt_error err;

	if (size >= sizeof(name))
		size = sizeof(name) - 1;
	memcpy(name, data, size);
	name[size] = '\0';
	sidecar_init(&sc);
	tt_error_clear(&err);
	if (dflt_caption_from_name(name, &sc, &err) == 0 &&
	    (!sc.caption[0] || sc.caption[0] == ' ' || strstr(sc.caption, "  ") ||
	     !utf8_valid(sc.caption, strlen(sc.caption), NULL)))
		abort(); /* trimmed, single spaces, valid text */
	sidecar_free(&sc);
}

static void check_when(const uint8_t *data, size_t size)
{
	char s[128];
	struct tt_error err;
	int64_t at = 0;
	bool amb;
	int rc;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	tt_error_clear(&err);
	rc = when_parse(s, &at, &amb, &err);
	/* a refusal is a negative errno and always says why */
	if (rc > 0 || (rc < 0 && !err.what[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_sidecar(data, size);
	check_defaults(data, size);
	check_name(data, size);
	check_when(data, size);
	return 0;
}

/*
 * libFuzzer target for the caption sidecar parser and the schedule time
 * parser: arbitrary bytes must give either a parse or an error, never a
 * crash, a leak or undefined behaviour.  On success it also checks the
 * parser's promises: the caption is valid UTF-8 without NUL, its UTF-16
 * length is the one stored and at most 2200, and every set field holds a
 * value the rest of the program can use.
 */
#include "meta/config.h"
#include "meta/caption/sidecar.h"
#include "meta/tiktok.h"
#include "meta/caption/utf8.h"
#include "meta/caption/when.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	    sc.caption_utf16 > TIKTOK_CAPTION_MAX_UTF16)
		abort();
	if (sc.privacy[0] && !tiktok_privacy_name(sc.privacy))
		abort();
	if (sc.has_cover && (sc.cover_ms < 0 || sc.cover_ms > 2147483647))
		abort();
	if (sc.mode != -1 && sc.mode != POST_DIRECT && sc.mode != POST_DRAFT)
		abort();
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
	check_when(data, size);
	return 0;
}

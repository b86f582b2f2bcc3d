/*
 * Caption sidecar parser (spec: "The caption sidecar"; format in
 * sidecar.h).  Bytes in, struct out, nothing else touched: the tracker, the
 * fuzzer and `tiktokfs check` all run the same code.  The whole buffer is
 * validated as UTF-8 before anything is looked at, so every later step works
 * on valid text and no message can carry a broken sequence.  Every error
 * names the file and, where there is one, the line and the key, and says
 * what to write instead.
 */
#include "meta/caption/sidecar.h"
#include "meta/account.h"
#include "meta/config.h"
#include "meta/tiktok.h"
#include "meta/job/itemfile.h"
#include "meta/caption/utf8.h"
#include "meta/caption/when.h"
#include "meta/youtube.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

/* In the order of enum sidecar_key (sidecar.h). */
/* clang-format off */
static const char *const key_names[SK_COUNT] = {
	"privacy", "schedule", "comments", "duet", "stitch", "cover", "mode", "branded",
	"promotional", "ai_generated", "title", "made_for_kids", "category", "also_post_to",
	"caption_from", "hashtags",
};
/* clang-format on */

/* A value quoted for a message: at most 80 bytes, whole characters, no
 * control characters (they would reach a terminal or an xattr). */
static void quote_value(const char *v, size_t len, char *out, size_t size)
{
	size_t n = utf8_cut(v, len, 80), o = 0;

	for (size_t i = 0; i < n && o + 4 < size; i++) {
		unsigned char c = (unsigned char)v[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (n < len && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int parse_onoff(const char *v, enum tristate *out)
{
	if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true"))
		*out = TRI_ON;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false"))
		*out = TRI_OFF;
	else
		return -EINVAL;
	return 0;
}

/* "1.5s", "1.5 s", "1.5", "1500ms": milliseconds into the video. */
static int parse_cover(const char *v, int64_t *ms)
{
	const char *p = v;
	int64_t whole = 0, frac = 0;
	int nwhole = 0, nfrac = 0;
	bool in_ms;

	while (isdigit((unsigned char)*p)) {
		if (++nwhole > 10)
			return -EINVAL;
		whole = whole * 10 + (*p++ - '0');
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (nfrac < 3) {
				frac = frac * 10 + (*p - '0');
				nfrac++;
			}
			p++;
		}
		if (!nfrac)
			return -EINVAL;
	}
	if (!nwhole && !nfrac)
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (!strcasecmp(p, "ms"))
		in_ms = true;
	else if (!*p || !strcasecmp(p, "s"))
		in_ms = false;
	else
		return -EINVAL;
	if (in_ms) {
		*ms = whole; /* fractions of a millisecond mean nothing here */
	} else {
		for (int i = nfrac; i < 3; i++)
			frac *= 10;
		*ms = whole * 1000 + frac;
	}
	/* TikTok's video_cover_timestamp_ms is an int32 (docs/tiktok.md §5.2). */
	return *ms > 2147483647 ? -EINVAL : 0;
}

struct parser {
	const char *name;
	struct sidecar *sc;
	struct tt_error *err;
	int seen[SK_COUNT]; /* line where each key was set, 0 if not yet */
	bool defaults;	    /* a folder's .defaults, not an item's caption */
};

static int bad_value(struct parser *ps, int line, enum sidecar_key k, const char *v,
		     const char *why)
{
	char q[128];

	quote_value(v, strlen(v), q, sizeof(q));
	tt_error_set(ps->err, ERR_USER, "%s: line %d: %s: \"%s\" %s", ps->name, line,
		     key_names[k], q, why);
	return -EINVAL;
}

/* The on/off (or yes/no) field of key @k, and how to write it; NULL for
 * a key that is no flag. */
static enum tristate *flag_of(struct sidecar *sc, enum sidecar_key k, const char **hint)
{
	*hint = "is not on or off; write on or off";
	switch (k) {
	case SK_COMMENTS:
		return &sc->comments;
	case SK_DUET:
		return &sc->duet;
	case SK_STITCH:
		return &sc->stitch;
	default:
		break;
	}
	*hint = "is not yes or no; write yes or no";
	switch (k) {
	case SK_BRANDED:
		return &sc->branded;
	case SK_PROMOTIONAL:
		return &sc->promotional;
	case SK_AI_GENERATED:
		return &sc->ai_generated;
	case SK_MADE_FOR_KIDS:
		return &sc->made_for_kids;
	default:
		return NULL;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "#travel sunset" -> "#travel #sunset": words, each made a hashtag.
 * 0, or -EINVAL for a word that is a lone '#' or holds another one. */
static int parse_hashtags(const char *v, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = v;
	int rc = 0;

	while (*p && !rc) {
		size_t n;

		while (is_blank(*p) || *p == ',')
			p++;
		n = strcspn(p, " \t\r,");
		if (!n)
			break;
		if (*p == '#')
			p++, n--;
		if (!n || memchr(p, '#', n))
			rc = -EINVAL;
		else
			strbuf_addf(&sb, "%s#%.*s", sb.len ? " " : "", (int)n, p);
		p += n;
	}
	if (!rc && !sb.len)
		rc = -EINVAL;
	if (rc)
		strbuf_release(&sb);
	else
		*out = strbuf_detach(&sb, NULL);
	return rc;
}

/* The keys only a .defaults has (sidecar.h). */
static int set_defaults_key(struct parser *ps, int line, enum sidecar_key k, const char *v)
{
	struct sidecar *sc = ps->sc;

	if (k == SK_HASHTAGS) {
		free(sc->hashtags);
		sc->hashtags = NULL;
		if (parse_hashtags(v, &sc->hashtags))
			return bad_value(ps, line, k, v,
					 "is not a list of hashtags; write e.g. #travel #sunset");
		return 0;
	}
	if (!strcasecmp(v, "sidecar"))
		sc->caption_from = CAPTION_FROM_SIDECAR;
	else if (!strcasecmp(v, "filename"))
		sc->caption_from = CAPTION_FROM_FILENAME;
	else
		return bad_value(ps, line, k, v,
				 "is not a caption source; write sidecar or filename");
	return 0;
}

/* TikTok's words, and YouTube's one more: "unlisted" is kept as it is
 * (TikTok's rules refuse it there, meta/rules.c). */
static int set_privacy(struct parser *ps, int line, const char *v)
{
	const char *n = tiktok_privacy_name(v);

	if (!n && yt_privacy_name(v))
		n = yt_privacy_name(v);
	if (!n)
		return bad_value(ps, line, SK_PRIVACY, v,
				 "is not a privacy; write public, friends, followers or private "
				 "(TikTok), or public, unlisted or private (YouTube)");
	snprintf(ps->sc->privacy, sizeof(ps->sc->privacy), "%s", n);
	return 0;
}

/* title (kept as written; meta/youtube_meta.c checks it against
 * YouTube's rules) and category (a name or an id, kept as the id). */
static int set_youtube_key(struct parser *ps, int line, enum sidecar_key k, const char *v)
{
	struct sidecar *sc = ps->sc;
	const char *id;

	if (k == SK_TITLE) {
		free(sc->title);
		sc->title = xstrdup(v);
		return 0;
	}
	id = yt_category_id(v);
	if (!id) {
		char why[512];
		snprintf(why, sizeof(why),
			 "is not a YouTube category; write a name or an id of: %s",
			 yt_category_list());
		return bad_value(ps, line, k, v, why);
	}
	snprintf(sc->category, sizeof(sc->category), "%s", id);
	return 0;
}

/* Account names (meta/account.h), checked against the config later, by
 * meta/targets.c, where it says the file and the line kept here. */
static int set_also_post_to(struct parser *ps, int line, const char *v)
{
	struct sidecar *sc = ps->sc;
	struct account_list l;
	char why[256], msg[320];

	if (account_list_parse(v, &l, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "is not a list of accounts: %s; or write none", why);
		return bad_value(ps, line, SK_ALSO_POST_TO, v, msg);
	}
	free(sc->also_post_to);
	sc->also_post_to = account_list_format(&l);
	free(sc->also_post_to_file);
	sc->also_post_to_file = xstrdup(ps->name);
	sc->also_post_to_line = line;
	return 0;
}

static int set_key(struct parser *ps, int line, enum sidecar_key k, const char *v)
{
	struct sidecar *sc = ps->sc;
	enum tristate *flag;
	const char *hint;
	struct tt_error why;
	int rc;

	switch (k) {
	case SK_PRIVACY:
		return set_privacy(ps, line, v);
	case SK_SCHEDULE:
		tt_error_clear(&why);
		rc = when_parse(v, &sc->schedule_at, &sc->schedule_ambiguous, &why);
		if (rc) {
			bad_value(ps, line, k, v, why.what);
			return rc; /* -EINVAL, or the error reading the zone's file */
		}
		sc->has_schedule = true;
		return 0;
	case SK_COVER:
		if (parse_cover(v, &sc->cover_ms))
			return bad_value(ps, line, k, v,
					 "is not a time in the video; write e.g. 1.5s or 1500ms");
		sc->has_cover = true;
		return 0;
	case SK_MODE:
		if (!strcasecmp(v, "direct"))
			sc->mode = POST_DIRECT;
		else if (!strcasecmp(v, "draft"))
			sc->mode = POST_DRAFT;
		else
			return bad_value(ps, line, k, v, "is not a mode; write direct or draft");
		return 0;
	case SK_CAPTION_FROM:
	case SK_HASHTAGS:
		return set_defaults_key(ps, line, k, v);
	case SK_TITLE:
	case SK_CATEGORY:
		return set_youtube_key(ps, line, k, v);
	case SK_ALSO_POST_TO:
		return set_also_post_to(ps, line, v);
	default:
		break;
	}
	flag = flag_of(sc, k, &hint);
	if (!flag || parse_onoff(v, flag))
		return bad_value(ps, line, k, v, hint);
	return 0;
}

/* Split "key: value" in place: the key without trailing blanks, the value
 * without leading blanks or one pair of matching quotes.  NULL without a
 * colon. */
static char *split_value(char *text)
{
	char *colon = strchr(text, ':'), *val;
	size_t vlen;

	if (!colon)
		return NULL;
	*colon = '\0';
	for (char *t = text + strlen(text); t > text && is_blank(t[-1]);)
		*--t = '\0';
	val = colon + 1;
	while (is_blank(*val))
		val++;
	vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	}
	return val;
}

/* Whether the line [s, e) sets @key (leading blanks skipped). */
static bool is_key_line(const char *s, const char *e, const char *key)
{
	size_t n = strlen(key);

	while (s < e && is_blank(*s))
		s++;
	if ((size_t)(e - s) < n || strncasecmp(s, key, n))
		return false;
	for (s += n; s < e && is_blank(*s);)
		s++;
	return s < e && *s == ':';
}

/*
 * Where the line [s, e) ends once its comment is cut: a '#' starts one at
 * the start of the line or after a blank.  On a .defaults' hashtags line
 * "#travel" is a tag, and in a title "#1" is a word, so there only a '#'
 * followed by a blank (or ending the line) starts a comment.
 */
static const char *cut_comment(const struct parser *ps, const char *s, const char *e)
{
	bool tags = (ps->defaults && is_key_line(s, e, "hashtags")) || is_key_line(s, e, "title");

	for (const char *c = s; c < e; c++) {
		if (*c != '#' || (c > s && !is_blank(c[-1])))
			continue;
		if (!tags || c + 1 == e || is_blank(c[1]))
			return c;
	}
	return e;
}

/* The key named @key, or -1 with the error set: unknown, or not one this
 * kind of file takes. */
static int find_key(struct parser *ps, int line, const char *key)
{
	char q[128];
	int k;

	for (k = 0; k < SK_COUNT; k++)
		if (!strcasecmp(key, key_names[k]))
			break;
	if (ps->defaults && (k == SK_COVER || k == SK_TITLE)) {
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: %s: a %s belongs to one video, not to a folder; set it "
			     "in that video's caption file",
			     ps->name, line, key_names[k], k == SK_COVER ? "cover time" : "title");
		return -1;
	}
	if (k < SK_COUNT && (ps->defaults || k < SK_CAPTION_FROM))
		return k;
	quote_value(key, strlen(key), q, sizeof(q));
	tt_error_set(ps->err, ERR_USER, "%s: line %d: %s: unknown key; the keys are %s", ps->name,
		     line, q,
		     ps->defaults ? "privacy, schedule, comments, duet, stitch, mode, branded, "
				    "promotional, ai_generated, made_for_kids, category, "
				    "also_post_to, caption_from, hashtags"
				  : "privacy, schedule, comments, duet, stitch, cover, mode, "
				    "branded, promotional, ai_generated, title, made_for_kids, "
				    "category, also_post_to");
	return -1;
}

/* The example a key with no value is told to follow. */
static const char *example_of(int k)
{
	switch (k) {
	case SK_PRIVACY:
		return "privacy: private";
	case SK_SCHEDULE:
		return "schedule: 2026-12-01 18:00 Europe/Berlin";
	case SK_COVER:
		return "cover: 1.5s";
	case SK_MODE:
		return "mode: direct";
	case SK_CAPTION_FROM:
		return "caption_from: filename";
	case SK_HASHTAGS:
		return "hashtags: #travel #sunset";
	case SK_TITLE:
		return "title: Sunset over the harbour";
	case SK_CATEGORY:
		return "category: People & Blogs";
	case SK_MADE_FOR_KIDS:
		return "made_for_kids: no";
	case SK_ALSO_POST_TO:
		return "also_post_to: yt";
	default:
		return "off";
	}
}

/* One front matter line [s, e), without its '\n'.  Valid UTF-8, no NUL. */
static int parse_line(struct parser *ps, int line, const char *s, const char *e)
{
	char *text = NULL, *val;
	int k, rc = -EINVAL;

	e = cut_comment(ps, s, e);
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e)
		return 0;
	text = xstrndup(s, (size_t)(e - s));
	val = split_value(text);
	if (!val) {
		char q[128];
		quote_value(text, strlen(text), q, sizeof(q));
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: \"%s\" is not a `key: value` line; write e.g. "
			     "`privacy: private`%s",
			     ps->name, line, q,
			     ps->defaults ? "" : ", or close the front matter with ---");
		goto out;
	}
	if ((k = find_key(ps, line, text)) < 0)
		goto out;
	if (ps->seen[k]) {
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: %s: set twice (first on line %d); keep one", ps->name,
			     line, key_names[k], ps->seen[k]);
		goto out;
	}
	ps->seen[k] = line;
	if (!*val) {
		tt_error_set(ps->err, ERR_USER, "%s: line %d: %s: no value; write e.g. %s",
			     ps->name, line, key_names[k], example_of(k));
		goto out;
	}
	rc = set_key(ps, line, (enum sidecar_key)k, val);
out:
	free(text);
	return rc;
}

/* A line that is exactly "---" (trailing blanks and CR allowed). */
static bool is_fence(const char *s, const char *e)
{
	while (e > s && is_blank(e[-1]))
		e--;
	return e - s == 3 && !memcmp(s, "---", 3);
}

/*
 * Windows Notepad saves "Unicode" as UTF-16 with a byte-order mark; such a
 * file fails the UTF-8 check at byte 0, which tells the user nothing.
 * Name the encoding instead.  UTF-32 first: its little-endian mark starts
 * with UTF-16's.  0, or -EINVAL with @err set.
 */
static int refuse_other_bom(const char *name, const char *buf, size_t len, struct tt_error *err)
{
	static const struct {
		const char *mark;
		size_t n;
		const char *what;
	} boms[] = {
	    {"\x00\x00\xFE\xFF", 4, "UTF-32 (big-endian)"},
	    {"\xFF\xFE\x00\x00", 4, "UTF-32 (little-endian)"},
	    {"\xFE\xFF", 2, "UTF-16 (big-endian)"},
	    {"\xFF\xFE", 2, "UTF-16 (little-endian)"},
	};

	for (size_t i = 0; i < sizeof(boms) / sizeof(boms[0]); i++) {
		if (len < boms[i].n || memcmp(buf, boms[i].mark, boms[i].n))
			continue;
		tt_error_set(err, ERR_USER,
			     "%s: the file is %s text (it starts with that byte-order mark); "
			     "a caption must be UTF-8: save it as UTF-8",
			     name, boms[i].what);
		tt_error_advise(err, "In Notepad: File > Save as, Encoding: UTF-8 (other editors "
				     "say \"UTF-8\" or \"Unicode (UTF-8)\"); saving over the "
				     "caption where it is is enough.");
		return -EINVAL;
	}
	return 0;
}

static int line_of(const char *buf, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

/* The bytes as a whole: the size, the encoding, no NUL.  0 or -EINVAL. */
static int check_bytes(const char *name, const char *buf, size_t len, const char *what,
		       struct tt_error *err)
{
	const char *nul;
	size_t bad;

	if (len > SIDECAR_MAX_BYTES) {
		tt_error_set(err, ERR_USER, "%s: %zu bytes; %s may be at most %d", name, len, what,
			     SIDECAR_MAX_BYTES);
		return -EINVAL;
	}
	if (refuse_other_bom(name, buf, len, err))
		return -EINVAL;
	if (!utf8_valid(buf, len, &bad)) {
		tt_error_set(err, ERR_USER,
			     "%s: line %d: invalid UTF-8 at byte offset %zu; save the file as "
			     "UTF-8",
			     name, line_of(buf, bad), bad);
		return -EINVAL;
	}
	nul = len ? memchr(buf, '\0', len) : NULL;
	if (nul) {
		bad = (size_t)(nul - buf);
		tt_error_set(err, ERR_USER,
			     "%s: line %d: NUL byte at byte offset %zu; a caption is plain text",
			     name, line_of(buf, bad), bad);
		return -EINVAL;
	}
	return 0;
}

/* The end of the line that starts at @p (its '\n', or @end). */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* The start of the line after the one ending at @le. */
static const char *next_line(const char *le, const char *end)
{
	return le < end ? le + 1 : end;
}

/*
 * Front matter: when the text at @p opens with a "---" line, parse each
 * line up to the closing "---" (found first: a missing one is the error to
 * report, not whatever caption line follows the keys).  *@caption gets
 * where the caption starts.  0 or -errno with the error set.
 */
static int parse_front_matter(struct parser *ps, const char *p, const char *end,
			      const char **caption)
{
	const char *fm, *fence = NULL, *q, *le;
	int line = 1, rc;

	*caption = p;
	le = line_end(p, end);
	if (!is_fence(p, le))
		return 0;
	fm = next_line(le, end);
	for (q = fm; q < end && !fence; q = next_line(le, end)) {
		le = line_end(q, end);
		if (is_fence(q, le))
			fence = q;
	}
	if (!fence) {
		tt_error_set(ps->err, ERR_USER,
			     "%s: line 1: the front matter opened with --- is never closed; add "
			     "a line with --- after the last key",
			     ps->name);
		return -EINVAL;
	}
	*caption = next_line(line_end(fence, end), end);
	for (q = fm; q < fence; q = next_line(le, fence)) {
		le = line_end(q, fence);
		if ((rc = parse_line(ps, ++line, q, le)) < 0)
			return rc;
	}
	return 0;
}

/* The caption text [cs, ce), trimmed, within the length any platform
 * takes (the platform's own limit is its rules', sidecar.h). */
static int set_caption(const char *name, const char *cs, const char *ce, struct sidecar *sc,
		       struct tt_error *err)
{
	while (cs < ce && isspace((unsigned char)*cs))
		cs++;
	while (ce > cs && isspace((unsigned char)ce[-1]))
		ce--;
	sc->caption = xstrndup(cs, (size_t)(ce - cs));
	sc->caption_utf16 = utf8_utf16_len(cs, (size_t)(ce - cs));
	if (sc->caption_utf16 <= SIDECAR_CAPTION_MAX_UTF16)
		return 0;
	tt_error_set(err, ERR_USER,
		     "%s: caption is %zu UTF-16 units long; no platform takes more than %d", name,
		     sc->caption_utf16, SIDECAR_CAPTION_MAX_UTF16);
	tt_error_advise(err, "Shorten the caption by %zu units (an emoji counts 2); TikTok "
			     "takes at most %d, YouTube a title of %d characters and a "
			     "description of %d bytes.",
			sc->caption_utf16 - SIDECAR_CAPTION_MAX_UTF16, TIKTOK_CAPTION_MAX_UTF16,
			YT_TITLE_MAX, YT_DESCRIPTION_MAX);
	sidecar_free(sc);
	return -EINVAL;
}

void sidecar_init(struct sidecar *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->comments = sc->duet = sc->stitch = TRI_UNSET;
	sc->branded = sc->promotional = sc->ai_generated = TRI_UNSET;
	sc->mode = -1;
	sc->caption_from = -1;
	sc->made_for_kids = TRI_UNSET;
}

int sidecar_parse(const char *name, const char *buf, size_t len, struct sidecar *sc,
		  struct tt_error *err)
{
	struct parser ps = {.name = name, .sc = sc, .err = err};
	const char *p = buf, *end = buf + len, *cs;
	int rc;

	sidecar_init(sc);
	if ((rc = check_bytes(name, buf, len, "a caption file", err)) < 0)
		return rc;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* BOM: Windows editors write one */
	if ((rc = parse_front_matter(&ps, p, end, &cs)) < 0) {
		sidecar_free(sc); /* a title read before the line that failed */
		return rc;
	}
	return set_caption(name, cs, end, sc, err);
}

/* A .defaults without --- lines: every line is a key line. */
static int parse_bare_lines(struct parser *ps, const char *p, const char *end)
{
	const char *le;
	int line = 0, rc;

	for (const char *q = p; q < end; q = next_line(le, end)) {
		le = line_end(q, end);
		if ((rc = parse_line(ps, ++line, q, le)) < 0)
			return rc;
	}
	return 0;
}

/* Text after a .defaults' front matter: refused, since a caption shared
 * by a folder would post every video with the same words. */
static int refuse_body(const char *name, const char *buf, const char *cs, const char *end,
		       struct tt_error *err)
{
	while (cs < end && isspace((unsigned char)*cs))
		cs++;
	if (cs == end)
		return 0;
	tt_error_set(err, ERR_USER,
		     "%s: line %d: text after the front matter; a .defaults file holds only "
		     "keys",
		     name, line_of(buf, (size_t)(cs - buf)));
	tt_error_advise(err, "Put a caption in each video's caption file; to add hashtags to "
			     "every caption below this folder, write `hashtags: #tag #tag` "
			     "between the --- lines.");
	return -EINVAL;
}

int sidecar_parse_defaults(const char *name, const char *buf, size_t len, struct sidecar *sc,
			   struct tt_error *err)
{
	struct parser ps = {.name = name, .sc = sc, .err = err, .defaults = true};
	const char *p = buf, *end = buf + len, *cs;
	int rc;

	sidecar_init(sc);
	sc->caption = xstrdup("");
	if ((rc = check_bytes(name, buf, len, "a .defaults file", err)) < 0)
		return rc;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	if (!is_fence(p, line_end(p, end)))
		return parse_bare_lines(&ps, p, end);
	if ((rc = parse_front_matter(&ps, p, end, &cs)) < 0)
		return rc;
	return refuse_body(name, buf, cs, end, err);
}

/* Read at most SIDECAR_MAX_BYTES + 1 bytes of @fd and parse them. */
static int load_fd(int fd, const char *name, struct sidecar *sc, struct tt_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		tt_error_set(err, ERR_USER, "%s: not a regular file", name);
		return -EINVAL;
	}
	/* Read one byte more than allowed, so that a file growing meanwhile is
	 * still caught as too big by sidecar_parse. */
	buf = xmalloc(SIDECAR_MAX_BYTES + 2);
	while (len < SIDECAR_MAX_BYTES + 1) {
		ssize_t n = read(fd, buf + len, SIDECAR_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			tt_error_set(err, ERR_USER, "%s: cannot read: %s", name, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = sidecar_parse(name, buf, len, sc, err);
out:
	free(buf);
	return rc;
}

int sidecar_load(const char *path, const char *name, struct sidecar *sc, struct tt_error *err)
{
	int fd, rc;

	memset(sc, 0, sizeof(*sc));
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		tt_error_set(err, ERR_USER, "%s: cannot open: %s", name, strerror(-rc));
		return rc;
	}
	rc = load_fd(fd, name, sc, err);
	close(fd);
	return rc;
}

int sidecar_load_at(int root_fd, const char *rel, const char *name, struct sidecar *sc,
		    struct tt_error *err)
{
	int fd, rc;

	memset(sc, 0, sizeof(*sc));
	fd = itemfile_open(root_fd, rel, name, err);
	if (fd < 0) {
		err->cls = ERR_USER; /* a caption is always the user's to fix */
		return fd;
	}
	rc = load_fd(fd, name, sc, err);
	close(fd);
	return rc;
}

void sidecar_free(struct sidecar *sc)
{
	if (!sc)
		return;
	free(sc->caption);
	sc->caption = NULL;
	free(sc->hashtags);
	sc->hashtags = NULL;
	free(sc->title);
	sc->title = NULL;
	free(sc->also_post_to);
	sc->also_post_to = NULL;
	free(sc->also_post_to_file);
	sc->also_post_to_file = NULL;
}

const char *sidecar_key_name(enum sidecar_key k)
{
	return k >= 0 && k < SK_COUNT ? key_names[k] : "?";
}

/* The on/off field of @k, whatever kind of flag. */
static enum tristate *any_flag(struct sidecar *sc, enum sidecar_key k)
{
	const char *hint;

	return flag_of(sc, k, &hint);
}

bool sidecar_key_is_set(const struct sidecar *sc, enum sidecar_key k)
{
	enum tristate *flag;

	switch (k) {
	case SK_PRIVACY:
		return sc->privacy[0] != '\0';
	case SK_SCHEDULE:
		return sc->has_schedule;
	case SK_COVER:
		return sc->has_cover;
	case SK_MODE:
		return sc->mode >= 0;
	case SK_CAPTION_FROM:
		return sc->caption_from >= 0;
	case SK_HASHTAGS:
		return sc->hashtags != NULL;
	case SK_TITLE:
		return sc->title != NULL;
	case SK_CATEGORY:
		return sc->category[0] != '\0';
	case SK_ALSO_POST_TO:
		return sc->also_post_to != NULL;
	default:
		flag = any_flag((struct sidecar *)sc, k);
		return flag && *flag != TRI_UNSET;
	}
}

void sidecar_key_copy(struct sidecar *dst, const struct sidecar *src, enum sidecar_key k)
{
	switch (k) {
	case SK_PRIVACY:
		memcpy(dst->privacy, src->privacy, sizeof(dst->privacy));
		break;
	case SK_SCHEDULE:
		dst->has_schedule = src->has_schedule;
		dst->schedule_at = src->schedule_at;
		dst->schedule_ambiguous = src->schedule_ambiguous;
		break;
	case SK_COVER:
		dst->has_cover = src->has_cover;
		dst->cover_ms = src->cover_ms;
		break;
	case SK_MODE:
		dst->mode = src->mode;
		break;
	case SK_CAPTION_FROM:
		dst->caption_from = src->caption_from;
		break;
	case SK_HASHTAGS:
		free(dst->hashtags);
		dst->hashtags = src->hashtags ? xstrdup(src->hashtags) : NULL;
		break;
	case SK_TITLE:
		free(dst->title);
		dst->title = src->title ? xstrdup(src->title) : NULL;
		break;
	case SK_CATEGORY:
		memcpy(dst->category, src->category, sizeof(dst->category));
		break;
	case SK_ALSO_POST_TO:
		free(dst->also_post_to);
		dst->also_post_to = src->also_post_to ? xstrdup(src->also_post_to) : NULL;
		free(dst->also_post_to_file);
		dst->also_post_to_file =
		    src->also_post_to_file ? xstrdup(src->also_post_to_file) : NULL;
		dst->also_post_to_line = src->also_post_to_line;
		break;
	default:
		if (any_flag(dst, k))
			*any_flag(dst, k) = *any_flag((struct sidecar *)src, k);
		break;
	}
}

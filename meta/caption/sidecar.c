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
#include "meta/config.h"
#include "meta/tiktok.h"
#include "meta/job/itemfile.h"
#include "meta/caption/utf8.h"
#include "meta/caption/when.h"

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

enum key {
	K_PRIVACY,
	K_SCHEDULE,
	K_COMMENTS,
	K_DUET,
	K_STITCH,
	K_COVER,
	K_MODE,
	K_BRANDED,
	K_PROMOTIONAL,
	K_AI_GENERATED,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"privacy", "schedule", "comments", "duet", "stitch",
	"cover",   "mode",     "branded",  "promotional", "ai_generated",
};

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
		return -1;
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
			return -1;
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
			return -1;
	}
	if (!nwhole && !nfrac)
		return -1;
	while (*p == ' ')
		p++;
	if (!strcasecmp(p, "ms"))
		in_ms = true;
	else if (!*p || !strcasecmp(p, "s"))
		in_ms = false;
	else
		return -1;
	if (in_ms) {
		*ms = whole; /* fractions of a millisecond mean nothing here */
	} else {
		for (int i = nfrac; i < 3; i++)
			frac *= 10;
		*ms = whole * 1000 + frac;
	}
	/* TikTok's video_cover_timestamp_ms is an int32 (docs/tiktok.md §5.2). */
	return *ms > 2147483647 ? -1 : 0;
}

struct parser {
	const char *name;
	struct sidecar *sc;
	struct tt_error *err;
	int seen[K_COUNT]; /* line where each key was set, 0 if not yet */
};

static int bad_value(struct parser *ps, int line, enum key k, const char *v, const char *why)
{
	char q[128];

	quote_value(v, strlen(v), q, sizeof(q));
	tt_error_set(ps->err, ERR_USER, "%s: line %d: %s: \"%s\" %s", ps->name, line,
		     key_names[k], q, why);
	return -1;
}

static int set_key(struct parser *ps, int line, enum key k, const char *v)
{
	struct sidecar *sc = ps->sc;
	enum tristate *flag = NULL;
	const char *hint = "is not on or off; write on or off";
	char why[256];

	switch (k) {
	case K_PRIVACY: {
		const char *n = tiktok_privacy_name(v);
		if (!n)
			return bad_value(ps, line, k, v,
					 "is not a privacy; write public, friends, followers or private");
		snprintf(sc->privacy, sizeof(sc->privacy), "%s", n);
		return 0;
	}
	case K_SCHEDULE:
		if (when_parse(v, &sc->schedule_at, &sc->schedule_ambiguous, why, sizeof(why)))
			return bad_value(ps, line, k, v, why);
		sc->has_schedule = true;
		return 0;
	case K_COVER:
		if (parse_cover(v, &sc->cover_ms))
			return bad_value(ps, line, k, v,
					 "is not a time in the video; write e.g. 1.5s or 1500ms");
		sc->has_cover = true;
		return 0;
	case K_MODE:
		if (!strcasecmp(v, "direct"))
			sc->mode = POST_DIRECT;
		else if (!strcasecmp(v, "draft"))
			sc->mode = POST_DRAFT;
		else
			return bad_value(ps, line, k, v, "is not a mode; write direct or draft");
		return 0;
	case K_COMMENTS:
		flag = &sc->comments;
		break;
	case K_DUET:
		flag = &sc->duet;
		break;
	case K_STITCH:
		flag = &sc->stitch;
		break;
	case K_BRANDED:
		flag = &sc->branded;
		hint = "is not yes or no; write yes or no";
		break;
	case K_PROMOTIONAL:
		flag = &sc->promotional;
		hint = "is not yes or no; write yes or no";
		break;
	case K_AI_GENERATED:
		flag = &sc->ai_generated;
		hint = "is not yes or no; write yes or no";
		break;
	case K_COUNT:
		break;
	}
	if (!flag || parse_onoff(v, flag))
		return bad_value(ps, line, k, v, hint);
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One front matter line [s, e), without its '\n'.  Valid UTF-8, no NUL. */
static int parse_line(struct parser *ps, int line, const char *s, const char *e)
{
	char *text = NULL, *key, *val, *colon;
	size_t vlen;
	int k, rc = -1;

	/* A '#' starts a comment at the start of the line or after a blank. */
	for (const char *c = s; c < e; c++)
		if (*c == '#' && (c == s || is_blank(c[-1]))) {
			e = c;
			break;
		}
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e)
		return 0;
	text = xstrndup(s, (size_t)(e - s));
	colon = strchr(text, ':');
	if (!colon) {
		char q[128];
		quote_value(text, strlen(text), q, sizeof(q));
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: \"%s\" is not a `key: value` line; write e.g. "
			     "`privacy: private`, or close the front matter with ---",
			     ps->name, line, q);
		goto out;
	}
	*colon = '\0';
	key = text;
	val = colon + 1;
	for (char *t = key + strlen(key); t > key && is_blank(t[-1]);)
		*--t = '\0';
	while (is_blank(*val))
		val++;
	vlen = strlen(val);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
		val[vlen - 1] = '\0';
		val++;
	}
	for (k = 0; k < K_COUNT; k++)
		if (!strcasecmp(key, key_names[k]))
			break;
	if (k == K_COUNT) {
		char q[128];
		quote_value(key, strlen(key), q, sizeof(q));
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: %s: unknown key; the keys are privacy, schedule, "
			     "comments, duet, stitch, cover, mode, branded, promotional, "
			     "ai_generated",
			     ps->name, line, q);
		goto out;
	}
	if (ps->seen[k]) {
		tt_error_set(ps->err, ERR_USER,
			     "%s: line %d: %s: set twice (first on line %d); keep one", ps->name,
			     line, key_names[k], ps->seen[k]);
		goto out;
	}
	ps->seen[k] = line;
	if (!*val) {
		tt_error_set(ps->err, ERR_USER, "%s: line %d: %s: no value; write e.g. %s",
			     ps->name, line, key_names[k],
			     k == K_PRIVACY    ? "privacy: private"
			     : k == K_SCHEDULE ? "schedule: 2026-12-01 18:00 Europe/Berlin"
			     : k == K_COVER    ? "cover: 1.5s"
			     : k == K_MODE     ? "mode: direct"
					       : "off");
		goto out;
	}
	rc = set_key(ps, line, (enum key)k, val);
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
 * with UTF-16's.  0, or -1 with @err set.
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
		return -1;
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

int sidecar_parse(const char *name, const char *buf, size_t len, struct sidecar *sc,
		  struct tt_error *err)
{
	struct parser ps = { .name = name, .sc = sc, .err = err };
	const char *p = buf, *end = buf + len, *cs, *ce, *nul;
	size_t bad;

	memset(sc, 0, sizeof(*sc));
	sc->comments = sc->duet = sc->stitch = TRI_UNSET;
	sc->branded = sc->promotional = sc->ai_generated = TRI_UNSET;
	sc->mode = -1;

	if (len > SIDECAR_MAX_BYTES) {
		tt_error_set(err, ERR_USER, "%s: %zu bytes; a caption file may be at most %d",
			     name, len, SIDECAR_MAX_BYTES);
		return -1;
	}
	if (refuse_other_bom(name, buf, len, err))
		return -1;
	if (!utf8_valid(buf, len, &bad)) {
		tt_error_set(err, ERR_USER,
			     "%s: line %d: invalid UTF-8 at byte offset %zu; save the file as "
			     "UTF-8",
			     name, line_of(buf, bad), bad);
		return -1;
	}
	nul = len ? memchr(buf, '\0', len) : NULL;
	if (nul) {
		bad = (size_t)(nul - buf);
		tt_error_set(err, ERR_USER,
			     "%s: line %d: NUL byte at byte offset %zu; a caption is plain text",
			     name, line_of(buf, bad), bad);
		return -1;
	}
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* BOM: Windows editors write one */

	cs = p;
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (is_fence(p, le)) {
			const char *fm = nl ? nl + 1 : end, *fence = NULL;
			int line = 1;

			/* Find the closing fence first: a missing one is the error to
			 * report, not whatever caption line follows the keys. */
			for (const char *q = fm; q < end;) {
				nl = memchr(q, '\n', (size_t)(end - q));
				le = nl ? nl : end;
				if (is_fence(q, le)) {
					fence = q;
					cs = nl ? nl + 1 : end;
					break;
				}
				q = nl ? nl + 1 : end;
			}
			if (!fence) {
				tt_error_set(err, ERR_USER,
					     "%s: line 1: the front matter opened with --- is never "
					     "closed; add a line with --- after the last key",
					     name);
				return -1;
			}
			for (p = fm; p < fence;) {
				line++;
				nl = memchr(p, '\n', (size_t)(fence - p));
				le = nl ? nl : fence;
				if (parse_line(&ps, line, p, le))
					return -1;
				p = nl ? nl + 1 : fence;
			}
		}
	}
	ce = end;
	while (cs < ce && isspace((unsigned char)*cs))
		cs++;
	while (ce > cs && isspace((unsigned char)ce[-1]))
		ce--;
	sc->caption = xstrndup(cs, (size_t)(ce - cs));
	sc->caption_utf16 = utf8_utf16_len(cs, (size_t)(ce - cs));
	if (sc->caption_utf16 > TIKTOK_CAPTION_MAX_UTF16) {
		tt_error_set(err, ERR_USER,
			     "%s: caption is %zu UTF-16 units long; TikTok allows at most %d", name,
			     sc->caption_utf16, TIKTOK_CAPTION_MAX_UTF16);
		tt_error_advise(err, "Shorten the caption by %zu units (an emoji counts 2).",
				sc->caption_utf16 - TIKTOK_CAPTION_MAX_UTF16);
		sidecar_free(sc);
		return -1;
	}
	return 0;
}

/* Read at most SIDECAR_MAX_BYTES + 1 bytes of @fd and parse them. */
static int load_fd(int fd, const char *name, struct sidecar *sc, struct tt_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		tt_error_set(err, ERR_USER, "%s: not a regular file", name);
		return -1;
	}
	/* Read one byte more than allowed, so that a file growing meanwhile is
	 * still caught as too big by sidecar_parse. */
	buf = xmalloc(SIDECAR_MAX_BYTES + 2);
	while (len < SIDECAR_MAX_BYTES + 1) {
		ssize_t n = read(fd, buf + len, SIDECAR_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tt_error_set(err, ERR_USER, "%s: cannot read: %s", name, strerror(errno));
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
		tt_error_set(err, ERR_USER, "%s: cannot open: %s", name, strerror(errno));
		return -1;
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
		return -1;
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
}

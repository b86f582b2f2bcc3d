/*
 * A settled caption mapped onto YouTube's videos.insert metadata (the
 * mapping and its layers are in youtube_meta.h; the rules in
 * docs/youtube.md §3, the contract in docs/contract.md "YouTube").
 *
 * Nothing is cut or guessed: a title over YouTube's length is refused, not
 * shortened, since a cut title is a different title; privacy and made for
 * kids are never defaulted (the first because tiktokfs never picks who
 * sees a video, the second because it is the uploader's legal
 * declaration).  The input is valid UTF-8 without NUL (sidecar_parse()
 * guarantees it), so counting code points needs no error path.
 */
#include "meta/youtube_meta.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "meta/config.h"
#include "meta/tiktok.h"
#include "meta/youtube.h"
#include "util/strbuf.h"
#include "util/timefmt.h"

size_t yt_char_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

size_t yt_tags_length(char *const *tags, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		len += yt_char_count(tags[i]);
		if (strchr(tags[i], ' '))
			len += YT_TAG_QUOTE_COST;
		if (i)
			len += YT_TAG_SEPARATOR_COST;
	}
	return len;
}

void yt_meta_free(struct yt_meta *m)
{
	if (!m)
		return;
	free(m->title);
	free(m->description);
	for (size_t i = 0; i < m->ntags; i++)
		free(m->tags[i]);
	free(m->tags);
	memset(m, 0, sizeof(*m));
}

const char *yt_from_name(enum yt_from f)
{
	switch (f) {
	case YT_FROM_KEY:
		return "the front matter";
	case YT_FROM_CAPTION:
		return "the caption's first line";
	case YT_FROM_ACCOUNT:
		return "the account's config";
	case YT_FROM_DEFAULT:
		return "tiktokfs's default";
	case YT_FROM_SCHEDULE:
		return "the schedule";
	}
	return "?";
}

static int refuse(struct tt_error *err)
{
	err->cls = ERR_USER;
	return -EINVAL;
}

/* The first of YT_FORBIDDEN_CHARS in @s, or '\0'. */
static char forbidden_char(const char *s)
{
	const char *p = strpbrk(s, YT_FORBIDDEN_CHARS);

	return p ? *p : '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* [s, e) with ASCII white space trimmed on both sides, as a new string. */
static char *trimmed(const char *s, const char *e)
{
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

/* Title and description from `title:` or the caption's first line. */
static void split_caption(const struct sidecar *sc, struct yt_meta *m)
{
	const char *cap = sc->caption ? sc->caption : "";
	const char *nl = strchr(cap, '\n');

	if (sc->title) {
		m->title = trimmed(sc->title, sc->title + strlen(sc->title));
		m->description = trimmed(cap, cap + strlen(cap));
		m->title_from = YT_FROM_KEY;
		return;
	}
	m->title = trimmed(cap, nl ? nl : cap + strlen(cap));
	m->description = nl ? trimmed(nl + 1, nl + 1 + strlen(nl + 1)) : xstrdup("");
	m->title_from = YT_FROM_CAPTION;
}

static int check_title(const char *name, const struct yt_meta *m, struct tt_error *err)
{
	const char *where =
	    m->title_from == YT_FROM_KEY ? "title" : "title (the caption's first line)";
	size_t n = yt_char_count(m->title);
	char bad = forbidden_char(m->title);

	if (!n) {
		tt_error_set(err, ERR_USER, "%s: no title; YouTube needs one", name);
		tt_error_advise(err, "Write the title as the caption's first line, or add "
				     "`title: ...` to the front matter.");
		return refuse(err);
	}
	if (n > YT_TITLE_MAX) {
		tt_error_set(err, ERR_USER, "%s: %s is %zu characters; YouTube allows at most %d",
			     name, where, n, YT_TITLE_MAX);
		tt_error_advise(err, "Shorten it by %zu characters%s.", n - YT_TITLE_MAX,
				m->title_from == YT_FROM_KEY
				    ? ""
				    : ", or add `title: ...` to the front matter (the whole "
				      "caption then becomes the description)");
		return refuse(err);
	}
	if (bad) {
		tt_error_set(err, ERR_USER, "%s: %s holds '%c'; YouTube refuses < and > in titles",
			     name, where, bad);
		tt_error_advise(err, "Remove the '%c' from the title.", bad);
		return refuse(err);
	}
	return 0;
}

static int check_description(const char *name, const struct yt_meta *m, struct tt_error *err)
{
	size_t n = strlen(m->description);
	char bad = forbidden_char(m->description);

	if (n > YT_DESCRIPTION_MAX) {
		tt_error_set(err, ERR_USER,
			     "%s: the description (the caption after the title) is %zu bytes of "
			     "UTF-8; YouTube allows at most %d",
			     name, n, YT_DESCRIPTION_MAX);
		tt_error_advise(err,
				"Shorten it by %zu bytes (an accented letter counts 2, "
				"an emoji 4).",
				n - YT_DESCRIPTION_MAX);
		return refuse(err);
	}
	if (bad) {
		tt_error_set(err, ERR_USER,
			     "%s: the description holds '%c'; YouTube refuses < and > in "
			     "descriptions",
			     name, bad);
		tt_error_advise(err, "Remove the '%c' from the caption.", bad);
		return refuse(err);
	}
	return 0;
}

/* A byte that continues a hashtag: a letter, a digit, '_' or any byte of
 * a non-ASCII character (hashtags in every script). */
static bool tag_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

static void add_tag(struct yt_meta *m, const char *s, size_t n)
{
	char *t = xstrndup(s, n);

	for (size_t i = 0; i < m->ntags; i++) {
		if (!strcasecmp(m->tags[i], t)) {
			free(t);
			return;
		}
	}
	m->tags = xrealloc(m->tags, (m->ntags + 1) * sizeof(*m->tags));
	m->tags[m->ntags++] = t;
}

/* Every "#word" of @text that starts a word ("C#" is none), in order. */
static void collect_tags(struct yt_meta *m, const char *text)
{
	for (const char *p = text; (p = strchr(p, '#'));) {
		size_t n = 0;

		if (p > text && tag_byte((unsigned char)p[-1])) {
			p++;
			continue;
		}
		while (tag_byte((unsigned char)p[1 + n]))
			n++;
		if (n)
			add_tag(m, p + 1, n);
		p += 1 + n;
	}
}

static int settle_tags(const char *name, struct yt_meta *m, struct tt_error *err)
{
	collect_tags(m, m->title);
	collect_tags(m, m->description);
	m->tags_length = yt_tags_length(m->tags, m->ntags);
	if (m->tags_length <= YT_TAGS_MAX)
		return 0;
	tt_error_set(err, ERR_USER,
		     "%s: the %zu hashtags make %zu characters of tags; YouTube allows at most %d",
		     name, m->ntags, m->tags_length, YT_TAGS_MAX);
	tt_error_advise(err, "Use fewer or shorter hashtags: each counts its characters "
			     "without the '#', plus 1 for the comma between two.");
	return refuse(err);
}

/* The privacy the user chose, as YouTube's word: the front matter's or
 * the account's.  "" when none; -EINVAL for a TikTok-only level. */
static int chosen_privacy(const struct config *cfg, const struct sidecar *sc, const char *name,
			  struct yt_meta *m, struct tt_error *err)
{
	const char *p = sc->privacy[0] ? sc->privacy : cfg ? cfg->privacy : NULL;
	const char *word = tiktok_privacy_word(p), *yt;

	m->privacy[0] = '\0';
	m->privacy_from = sc->privacy[0] ? YT_FROM_KEY : YT_FROM_ACCOUNT;
	if (!p)
		return 0;
	yt = yt_privacy_name(word);
	if (!yt) {
		tt_error_set(err, ERR_USER,
			     "%s: privacy %s%s is TikTok's; a YouTube video is public, unlisted "
			     "or private",
			     name, word, sc->privacy[0] ? "" : " (from the account's config)");
		tt_error_advise(err, "Set `privacy:` to public, unlisted or private.");
		return refuse(err);
	}
	snprintf(m->privacy, sizeof(m->privacy), "%s", yt);
	return 0;
}

/*
 * Privacy and schedule together (docs/youtube.md §3): a schedule still to
 * come is an upload as private with publishAt, and YouTube makes the
 * video public at that time, so only public (or nothing) goes with a
 * schedule.  A schedule that has passed posts now, public.
 */
static int settle_privacy(const struct config *cfg, const struct sidecar *sc, const char *name,
			  int64_t now, struct yt_meta *m, struct tt_error *err)
{
	if (chosen_privacy(cfg, sc, name, m, err))
		return -EINVAL;
	if (sc->has_schedule) {
		if (m->privacy[0] && strcmp(m->privacy, YT_PRIVACY_PUBLIC)) {
			tt_error_set(err, ERR_USER,
				     "%s: privacy %s with a schedule; YouTube makes a scheduled "
				     "video public at its time",
				     name, m->privacy);
			tt_error_advise(err,
					"Set `privacy: public` (or none) to publish it at "
					"the schedule, or remove `schedule:` to upload it %s "
					"now.",
					m->privacy);
			return refuse(err);
		}
		if (!m->privacy[0])
			m->privacy_from = YT_FROM_SCHEDULE;
		snprintf(m->privacy, sizeof(m->privacy), "%s", YT_PRIVACY_PUBLIC);
		if (sc->schedule_at > now) {
			snprintf(m->privacy, sizeof(m->privacy), "%s", YT_PRIVACY_PRIVATE);
			m->publish_at = sc->schedule_at;
		}
		return 0;
	}
	if (m->privacy[0])
		return 0;
	tt_error_set(err, ERR_USER,
		     "%s: no privacy chosen; add `privacy: public|unlisted|private` to the "
		     "front matter, a .defaults or the account's config",
		     name);
	tt_error_advise(err, "tiktokfs never picks who sees a video for you.");
	return refuse(err);
}

static int settle_kids(const struct config *cfg, const struct sidecar *sc, const char *name,
		       struct yt_meta *m, struct tt_error *err)
{
	const char *acct = cfg ? cfg->made_for_kids : NULL;

	if (sc->made_for_kids != TRI_UNSET) {
		m->made_for_kids = sc->made_for_kids == TRI_ON;
		m->made_for_kids_from = YT_FROM_KEY;
		return 0;
	}
	if (acct) {
		m->made_for_kids = !strcmp(acct, "yes");
		m->made_for_kids_from = YT_FROM_ACCOUNT;
		return 0;
	}
	tt_error_set(err, ERR_USER,
		     "%s: made for kids not declared; add `made_for_kids: yes` or "
		     "`made_for_kids: no` to the front matter",
		     name);
	tt_error_advise(err, "YouTube asks every uploader to declare whether a video is made "
			     "for children (COPPA); tiktokfs never answers for you.  A .defaults "
			     "or made_for_kids in the account's config section can say it for "
			     "a whole folder or account.");
	return refuse(err);
}

static void settle_category(const struct config *cfg, const struct sidecar *sc, struct yt_meta *m)
{
	const char *id = YT_CATEGORY_DEFAULT;

	m->category_from = YT_FROM_DEFAULT;
	if (sc->category[0]) {
		id = sc->category;
		m->category_from = YT_FROM_KEY;
	} else if (cfg && cfg->category) {
		id = cfg->category;
		m->category_from = YT_FROM_ACCOUNT;
	}
	snprintf(m->category_id, sizeof(m->category_id), "%s", id);
}

int yt_meta_from_sidecar(const struct config *cfg, const struct sidecar *sc, const char *name,
			 int64_t now, struct yt_meta *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	split_caption(sc, out);
	if (check_title(name, out, err) || check_description(name, out, err) ||
	    settle_tags(name, out, err) || settle_privacy(cfg, sc, name, now, out, err) ||
	    settle_kids(cfg, sc, name, out, err))
		return -EINVAL;
	settle_category(cfg, sc, out);
	return 0;
}

char *yt_meta_json(const struct yt_meta *m)
{
	json_t *root, *tags = json_array();
	char at[ISO_UTC_SIZE], *text;

	for (size_t i = 0; i < m->ntags; i++)
		json_array_append_new(tags, json_string(m->tags[i]));
	root =
	    json_pack("{s:{s:s, s:s, s:o, s:s}, s:{s:s, s:b}}", "snippet", "title",
		      m->title ? m->title : "", "description", m->description ? m->description : "",
		      "tags", tags, "categoryId", m->category_id, "status", "privacyStatus",
		      m->privacy, "selfDeclaredMadeForKids", m->made_for_kids);
	if (!root)
		return NULL;
	if (m->publish_at) {
		iso_utc(m->publish_at, at, sizeof(at));
		json_object_set_new(json_object_get(root, "status"), "publishAt", json_string(at));
	}
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

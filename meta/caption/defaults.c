/*
 * Folder defaults: reading the .defaults files above an item and settling
 * its caption from them (the layers and the rules are in defaults.h).
 * Parsing is sidecar.c's (sidecar_parse_defaults), so a .defaults says
 * exactly what a caption's front matter says, with the same messages; this
 * file only finds the files, refuses what it must not read, and merges.
 */
#include "meta/caption/defaults.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/caption/utf8.h"
#include "meta/config.h"
#include "meta/tiktok.h"
#include "util/path.h"
#include "util/safepath.h"
#include "util/strbuf.h"

void dflt_chain_init(struct dflt_chain *c)
{
	memset(c, 0, sizeof(*c));
	sidecar_init(&c->keys);
}

void dflt_chain_free(struct dflt_chain *c)
{
	if (!c)
		return;
	sidecar_free(&c->keys);
	for (int k = 0; k < SK_COUNT; k++) {
		free(c->from[k]);
		c->from[k] = NULL;
	}
}

void dflt_chain_add(struct dflt_chain *c, const char *name, const struct sidecar *file)
{
	for (int k = 0; k < SK_COUNT; k++) {
		if (!sidecar_key_is_set(file, (enum sidecar_key)k))
			continue;
		sidecar_key_copy(&c->keys, file, (enum sidecar_key)k);
		free(c->from[k]);
		c->from[k] = xstrdup(name);
	}
	c->nfiles++;
}

/* Read at most SIDECAR_MAX_BYTES + 1 bytes of @fd (one more than allowed,
 * so that the parser sees a file that is too big as such).  0 or -errno. */
static int read_capped(int fd, char **out, size_t *len)
{
	size_t max = SIDECAR_MAX_BYTES + 1, n = 0;
	char *buf = xmalloc(max);

	while (n < max) {
		ssize_t r = read(fd, buf + n, max - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;
			free(buf);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* The .defaults @rel, when there is one, merged into @c.  0 or -EINVAL. */
static int load_one(int root_fd, const char *rel, struct dflt_chain *c, struct tt_error *err)
{
	struct sidecar file;
	struct stat st;
	char why[160], *buf = NULL;
	size_t len = 0;
	int fd, rc;

	memset(&st, 0, sizeof(st));
	fd = sp_open_regular(root_fd, rel, &st);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		tt_error_set(err, ERR_USER, "%s is refused: %s", rel,
			     sp_describe(fd, &st, why, sizeof(why)));
		tt_error_advise(err,
				"Make %s a regular file of `key: value` lines, or delete it; "
				"the videos below its folder wait until then.",
				rel);
		return -EINVAL;
	}
	rc = read_capped(fd, &buf, &len);
	close(fd);
	if (rc < 0) {
		tt_error_set(err, ERR_USER, "%s: cannot read it: %s", rel, strerror(-rc));
		return -EINVAL;
	}
	rc = sidecar_parse_defaults(rel, buf, len, &file, err);
	if (rc == 0)
		dflt_chain_add(c, rel, &file);
	sidecar_free(&file);
	free(buf);
	return rc < 0 ? -EINVAL : 0;
}

int dflt_chain_load(int root_fd, const char *dir, struct dflt_chain *c, struct tt_error *err)
{
	const char *p = dir;
	int rc = 0;

	dflt_chain_init(c);
	if (!*dir)
		return load_one(root_fd, DEFAULTS_NAME, c, err);
	/* Each prefix ending at a '/' or at the end, the top folder first. */
	while (rc == 0 && p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - dir) : strlen(dir);
		char *rel = xasprintf("%.*s/%s", (int)n, dir, DEFAULTS_NAME);

		rc = load_one(root_fd, rel, c, err);
		free(rel);
		p = slash ? slash + 1 : NULL;
	}
	return rc;
}

static bool name_blank(unsigned char ch)
{
	return ch == '_' || ch == '-' || ch == ' ' || ch < 0x20 || ch == 0x7f;
}

/* The caption @sc now holds must fit the account's platform: TikTok's
 * limit, or on YouTube the most any platform takes (meta/youtube_meta.c
 * then checks title and description); @what says what it was made of,
 * for the message. */
static int check_length(const struct config *cfg, const char *name, const char *what,
			const char *advice, struct sidecar *sc, struct tt_error *err)
{
	bool yt = config_is_youtube(cfg);
	size_t max = yt ? SIDECAR_CAPTION_MAX_UTF16 : TIKTOK_CAPTION_MAX_UTF16;

	sc->caption_utf16 = utf8_utf16_len(sc->caption, strlen(sc->caption));
	if (sc->caption_utf16 <= max)
		return 0;
	tt_error_set(err, ERR_USER, "%s: %s is %zu UTF-16 units long; %s at most %zu", name, what,
		     sc->caption_utf16, yt ? "tiktokfs takes" : "TikTok allows", max);
	tt_error_advise(err, "Shorten it by %zu units (an emoji counts 2): %s.",
			sc->caption_utf16 - max, advice);
	return -EINVAL;
}

int dflt_caption_from_name(const char *video_name, struct sidecar *sc, struct tt_error *err)
{
	const char *dot = strrchr(video_name, '.');
	size_t n = dot && dot != video_name ? (size_t)(dot - video_name) : strlen(video_name);
	struct strbuf sb = STRBUF_INIT;
	bool gap = false;
	size_t bad;

	if (!utf8_valid(video_name, n, &bad)) {
		tt_error_set(err, ERR_USER,
			     "%s: the file name is not valid UTF-8 (at byte %zu), so no caption "
			     "can be made of it (caption_from: filename)",
			     video_name, bad);
		tt_error_advise(err, "Rename the video, or put a caption file beside it.");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)video_name[i];

		if (name_blank(ch)) {
			gap = sb.len > 0;
			continue;
		}
		if (gap)
			strbuf_addch(&sb, ' ');
		strbuf_addch(&sb, (char)ch);
		gap = false;
	}
	free(sc->caption);
	sc->caption = strbuf_detach(&sb, NULL);
	if (!sc->caption[0]) {
		tt_error_set(err, ERR_USER,
			     "%s: the file name leaves no words for a caption (caption_from: "
			     "filename)",
			     video_name);
		tt_error_advise(err, "Rename the video, or put a caption file beside it.");
		return -EINVAL;
	}
	/* No account here: a file name (255 bytes) is far below any limit. */
	return check_length(NULL, video_name, "the caption made of the file name",
			    "rename the video, or put a caption file beside it", sc, err);
}

/* Whether @caption holds the hashtag @tag (n bytes, with its '#') as a
 * word of its own, in any case of ASCII letters. */
static bool has_tag(const char *caption, const char *tag, size_t n)
{
	for (const char *p = caption; (p = strchr(p, '#')); p++) {
		unsigned char after = (unsigned char)p[n < strlen(p) ? n : strlen(p)];

		if (!strncasecmp(p, tag, n) && (after == '\0' || after == '#' || after <= ' ' ||
						(after < 0x80 && ispunct(after) && after != '_')))
			return true;
	}
	return false;
}

/* Append the chain's hashtags that the caption does not hold already. */
static int append_hashtags(const struct config *cfg, const struct dflt_chain *c, const char *name,
			   struct sidecar *sc, struct tt_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *tags = c->keys.hashtags, *from = c->from[SK_HASHTAGS];
	char what[256];

	if (!tags)
		return 0;
	strbuf_addstr(&sb, sc->caption ? sc->caption : "");
	for (const char *p = tags; *p;) {
		size_t n = strcspn(p, " ");

		if (!has_tag(sb.buf ? sb.buf : "", p, n))
			strbuf_addf(&sb, "%s%.*s", sb.len ? " " : "", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	free(sc->caption);
	sc->caption = strbuf_detach(&sb, NULL);
	snprintf(what, sizeof(what), "the caption with the hashtags of %s", from);
	return check_length(cfg, name, what, "shorten the caption or the hashtags", sc, err);
}

/* The keys @sc leaves unset, from the chain; where each came from. */
static void merge_keys(const struct dflt_chain *c, struct sidecar *sc, bool have_sidecar,
		       const char *sc_name, struct dflt_sources *src)
{
	for (int k = 0; k < SK_COUNT; k++) {
		enum sidecar_key key = (enum sidecar_key)k;

		if (have_sidecar && sidecar_key_is_set(sc, key)) {
			src->from[k] = sc_name;
		} else if (sidecar_key_is_set(&c->keys, key)) {
			sidecar_key_copy(sc, &c->keys, key);
			src->from[k] = c->from[k];
		}
	}
}

int dflt_settle(const struct config *cfg, const struct dflt_chain *c, struct sidecar *sc,
		bool have_sidecar, const char *sc_name, const char *video_name,
		struct dflt_sources *src, struct tt_error *err)
{
	struct dflt_sources local;
	int from;

	if (!src)
		src = &local;
	memset(src, 0, sizeof(*src));
	if (!have_sidecar)
		sidecar_init(sc);
	merge_keys(c, sc, have_sidecar, sc_name, src);
	if (!have_sidecar) {
		from = sc->caption_from >= 0 ? sc->caption_from
		       : cfg		     ? cfg->caption_from
					     : CAPTION_FROM_SIDECAR;
		if (from != CAPTION_FROM_FILENAME)
			return -ENOENT;
		if (dflt_caption_from_name(video_name, sc, err))
			return -EINVAL;
		src->caption_from_name = true;
	}
	return append_hashtags(cfg, c, have_sidecar ? sc_name : video_name, sc, err);
}

int dflt_item_caption_at(const struct config *cfg, int root_fd, const char *video_rel,
			 const char *caption_rel, struct sidecar *sc, struct tt_error *err)
{
	const char *base = path_base(video_rel);
	char *dir = xstrndup(video_rel, base > video_rel ? (size_t)(base - video_rel - 1) : 0);
	struct dflt_chain c;
	bool have = false;
	int rc;

	sidecar_init(sc);
	rc = dflt_chain_load(root_fd, dir, &c, err);
	if (rc == 0 && caption_rel) {
		rc = sidecar_load_at(root_fd, caption_rel, path_base(caption_rel), sc, err);
		have = rc == 0;
	}
	if (rc == 0)
		rc = dflt_settle(cfg, &c, sc, have, caption_rel ? path_base(caption_rel) : NULL,
				 base, NULL, err);
	dflt_chain_free(&c);
	free(dir);
	return rc;
}

bool dflt_is_defaults_path(const char *path)
{
	return path && !strcmp(path_base(path), DEFAULTS_NAME);
}

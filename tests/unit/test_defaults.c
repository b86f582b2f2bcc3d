/* Unit tests for meta/caption/defaults.c and the .defaults side of
 * meta/caption/sidecar.c: folder defaults, how they merge with an item's
 * caption file, and the caption made of a file name. */
#include "meta/caption/defaults.h"
#include "meta/config.h"
#include "meta/tiktok.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safepath.h"

static struct tt_error e;

static int parse_defaults(const char *name, const char *text, struct sidecar *sc)
{
	tt_error_clear(&e);
	return sidecar_parse_defaults(name, text, strlen(text), sc, &e);
}

static int parse_caption(const char *text, struct sidecar *sc)
{
	tt_error_clear(&e);
	return sidecar_parse("clip.caption", text, strlen(text), sc, &e);
}

/* A chain made of two parsed files, the parent first. */
static void chain_of(struct dflt_chain *c, const char *outer, const char *inner)
{
	struct sidecar f;

	dflt_chain_init(c);
	if (outer && parse_defaults("outbox/.defaults", outer, &f) == 0)
		dflt_chain_add(c, "outbox/.defaults", &f);
	sidecar_free(&f);
	if (inner && parse_defaults("outbox/brand/.defaults", inner, &f) == 0)
		dflt_chain_add(c, "outbox/brand/.defaults", &f);
	sidecar_free(&f);
}

TEST(test_defaults_file_takes_front_matter_with_or_without_fences)
{
	struct sidecar sc;

	CHECK_INT(parse_defaults(".defaults", "---\nprivacy: private\ncomments: off\n---\n", &sc),
		  0);
	CHECK_STR(sc.privacy, "SELF_ONLY");
	CHECK_INT(sc.comments, TRI_OFF);
	CHECK_INT(sc.duet, TRI_UNSET);
	sidecar_free(&sc);
	CHECK_INT(
	    parse_defaults(".defaults", "privacy: friends # for the team\nmode: draft\n", &sc), 0);
	CHECK_STR(sc.privacy, "MUTUAL_FOLLOW_FRIENDS");
	CHECK_INT(sc.mode, POST_DRAFT);
	sidecar_free(&sc);
}

TEST(test_defaults_caption_body_is_refused_naming_the_line)
{
	struct sidecar sc;

	CHECK_INT(
	    parse_defaults("outbox/.defaults", "---\nprivacy: public\n---\n\nHello #x\n", &sc),
	    -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/.defaults: line 5: text after the front matter");
	CHECK_CONTAINS(e.advice, "hashtags:");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "---\nprivacy: public\n---\n \n\n", &sc), 0);
	sidecar_free(&sc);
}

TEST(test_defaults_errors_name_file_line_and_key)
{
	struct sidecar sc;

	CHECK_INT(
	    parse_defaults("outbox/a/.defaults", "---\nprivacy: public\nlikes: on\n---\n", &sc),
	    -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/a/.defaults: line 3: likes: unknown key");
	CHECK_CONTAINS(e.what, "caption_from, hashtags");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "privacy: nobody\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, ".defaults: line 1: privacy: \"nobody\" is not a privacy");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "cover: 1s\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "line 1: cover: a cover time belongs to one video");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "caption_from: title\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "write sidecar or filename");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "privacy: public\n\xff\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, ".defaults: line 2: invalid UTF-8");
	sidecar_free(&sc);
}

TEST(test_oversized_defaults_is_refused_with_the_limit)
{
	size_t n = SIDECAR_MAX_BYTES + 1;
	char *big = malloc(n);
	struct sidecar sc;

	memset(big, '#', n);
	tt_error_clear(&e);
	CHECK_INT(sidecar_parse_defaults("outbox/.defaults", big, n, &sc, &e), -EINVAL);
	CHECK_CONTAINS(e.what,
		       "outbox/.defaults: 1048577 bytes; a .defaults file may be at most 1048576");
	sidecar_free(&sc);
	free(big);
}

TEST(test_hashtags_are_tags_not_comments)
{
	struct sidecar sc;

	CHECK_INT(
	    parse_defaults(".defaults", "hashtags: #travel sunset,#Brand # the campaign\n", &sc),
	    0);
	CHECK_STR(sc.hashtags, "#travel #sunset #Brand");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "hashtags: # nothing\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "line 1: hashtags: no value");
	sidecar_free(&sc);
	CHECK_INT(parse_defaults(".defaults", "hashtags: #a#b\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "is not a list of hashtags");
	sidecar_free(&sc);
}

TEST(test_caption_file_does_not_take_folder_only_keys)
{
	struct sidecar sc;

	CHECK_INT(parse_caption("---\ncaption_from: filename\n---\nHi\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "clip.caption: line 2: caption_from: unknown key");
	sidecar_free(&sc);
	CHECK_INT(parse_caption("---\nhashtags: x\n---\nHi\n", &sc), -EINVAL);
	sidecar_free(&sc);
}

TEST(test_nearest_defaults_wins_key_by_key)
{
	struct dflt_chain c;

	chain_of(&c, "privacy: public\ncomments: off\nduet: off\n", "privacy: private\nduet: on\n");
	CHECK_INT(c.nfiles, 2);
	CHECK_STR(c.keys.privacy, "SELF_ONLY");
	CHECK_STR(c.from[SK_PRIVACY], "outbox/brand/.defaults");
	CHECK_INT(c.keys.comments, TRI_OFF);
	CHECK_STR(c.from[SK_COMMENTS], "outbox/.defaults");
	CHECK_INT(c.keys.duet, TRI_ON);
	CHECK_STR(c.from[SK_DUET], "outbox/brand/.defaults");
	CHECK(c.from[SK_STITCH] == NULL);
	dflt_chain_free(&c);
}

TEST(test_also_post_to_merges_item_over_nearest_defaults)
{
	struct config cfg;
	struct dflt_chain c;
	struct dflt_sources src;
	struct sidecar sc;

	config_defaults(&cfg);
	chain_of(&c, "also_post_to: yt\n", "privacy: public\n\nalso_post_to: none\n");
	CHECK_STR(c.keys.also_post_to, "none");
	CHECK_STR(c.from[SK_ALSO_POST_TO], "outbox/brand/.defaults");
	/* the caption says nothing: the nearest .defaults' list, with its file and line */
	CHECK_INT(parse_caption("---\nprivacy: public\n---\nMy video\n", &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", &src, &e), 0);
	CHECK_STR(sc.also_post_to, "none");
	CHECK_STR(sc.also_post_to_file, "outbox/brand/.defaults");
	CHECK_INT(sc.also_post_to_line, 3);
	CHECK_STR(src.from[SK_ALSO_POST_TO], "outbox/brand/.defaults");
	sidecar_free(&sc);
	/* the caption's own list wins */
	CHECK_INT(parse_caption("---\nalso_post_to: yt\n---\nMy video\n", &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", &src, &e), 0);
	CHECK_STR(sc.also_post_to, "yt");
	CHECK_STR(sc.also_post_to_file, "clip.caption");
	CHECK_STR(src.from[SK_ALSO_POST_TO], "clip.caption");
	sidecar_free(&sc);
	dflt_chain_free(&c);
	CHECK_INT(parse_defaults("outbox/.defaults", "also_post_to: yt, yt\n", &sc), -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/.defaults: line 1: also_post_to: \"yt, yt\" is not a list");
	sidecar_free(&sc);
	config_free(&cfg);
}

TEST(test_item_caption_file_wins_key_by_key)
{
	struct config cfg;
	struct dflt_chain c;
	struct dflt_sources src;
	struct sidecar sc;

	config_defaults(&cfg);
	chain_of(&c, "privacy: friends\nmode: draft\n", "comments: off\nstitch: off\n");
	CHECK_INT(parse_caption("---\nprivacy: public\nstitch: on\n---\nMy video\n", &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", &src, &e), 0);
	CHECK_STR(sc.caption, "My video");
	CHECK_STR(sc.privacy, "PUBLIC_TO_EVERYONE");
	CHECK_STR(src.from[SK_PRIVACY], "clip.caption");
	CHECK_INT(sc.mode, POST_DRAFT);
	CHECK_STR(src.from[SK_MODE], "outbox/.defaults");
	CHECK_INT(sc.comments, TRI_OFF);
	CHECK_STR(src.from[SK_COMMENTS], "outbox/brand/.defaults");
	CHECK_INT(sc.stitch, TRI_ON);
	CHECK_STR(src.from[SK_STITCH], "clip.caption");
	CHECK(src.from[SK_DUET] == NULL && sc.duet == TRI_UNSET);
	CHECK(!src.caption_from_name);
	sidecar_free(&sc);
	dflt_chain_free(&c);
	config_free(&cfg);
}

/* The caption made of @name, or NULL (e says why). */
static char *caption_of_name(const char *name)
{
	struct sidecar sc;
	char *r = NULL;

	sidecar_init(&sc);
	tt_error_clear(&e);
	if (dflt_caption_from_name(name, &sc, &e) == 0)
		r = strdup(sc.caption);
	sidecar_free(&sc);
	return r;
}

TEST(test_caption_from_name_drops_extension_and_separators)
{
	const struct {
		const char *name, *caption;
	} cases[] = {
	    {"Sunset_over-the harbour.mp4", "Sunset over the harbour"},
	    {"__Team--day__ 2.MOV", "Team day 2"},
	    {"caf\xc3\xa9_au_lait.webm", "caf\xc3\xa9 au lait"},
	    {"v1.2_final.mp4", "v1.2 final"},
	    {"plain.mkv", "plain"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = caption_of_name(cases[i].name);
		CHECK_STR(got, cases[i].caption);
		free(got);
	}
}

TEST(test_caption_from_name_refuses_what_makes_no_caption)
{
	char *got = caption_of_name("___-.mp4");

	CHECK(got == NULL);
	CHECK_CONTAINS(e.what, "___-.mp4: the file name leaves no words for a caption");
	free(got);
	got = caption_of_name("bad\xff_name.mp4");
	CHECK(got == NULL);
	CHECK_CONTAINS(e.what, "not valid UTF-8 (at byte 3)");
	free(got);
}

TEST(test_no_caption_file_waits_unless_caption_from_filename)
{
	struct config cfg;
	struct dflt_chain c;
	struct dflt_sources src;
	struct sidecar sc;

	config_defaults(&cfg);
	dflt_chain_init(&c);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, false, NULL, "My_clip.mp4", &src, &e), -ENOENT);
	sidecar_free(&sc);
	/* the config says filename */
	cfg.caption_from = CAPTION_FROM_FILENAME;
	CHECK_INT(dflt_settle(&cfg, &c, &sc, false, NULL, "My_clip.mp4", &src, &e), 0);
	CHECK_STR(sc.caption, "My clip");
	CHECK(src.caption_from_name);
	sidecar_free(&sc);
	dflt_chain_free(&c);
	/* a .defaults says sidecar over the config's filename, and the other way */
	chain_of(&c, "caption_from: filename\n", "caption_from: sidecar\n");
	CHECK_INT(dflt_settle(&cfg, &c, &sc, false, NULL, "My_clip.mp4", &src, &e), -ENOENT);
	sidecar_free(&sc);
	dflt_chain_free(&c);
	cfg.caption_from = CAPTION_FROM_SIDECAR;
	chain_of(&c, "privacy: private\ncaption_from: filename\n", NULL);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, false, NULL, "My_clip.mp4", &src, &e), 0);
	CHECK_STR(sc.caption, "My clip");
	CHECK_STR(sc.privacy, "SELF_ONLY");
	CHECK_STR(src.from[SK_CAPTION_FROM], "outbox/.defaults");
	sidecar_free(&sc);
	dflt_chain_free(&c);
	config_free(&cfg);
}

TEST(test_hashtags_are_appended_once_and_within_the_limit)
{
	struct config cfg;
	struct dflt_chain c;
	struct sidecar sc;
	char *long_caption = malloc(TIKTOK_CAPTION_MAX_UTF16 + 16);

	config_defaults(&cfg);
	chain_of(&c, "hashtags: #travel #brand\n", NULL);
	CHECK_INT(parse_caption("Sunset #Travel\n", &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", NULL, &e), 0);
	CHECK_STR(sc.caption, "Sunset #Travel #brand");
	CHECK_INT(sc.caption_utf16, 21);
	sidecar_free(&sc);
	/* #travelling is another tag */
	CHECK_INT(parse_caption("Off #travelling\n", &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", NULL, &e), 0);
	CHECK_STR(sc.caption, "Off #travelling #travel #brand");
	sidecar_free(&sc);
	memset(long_caption, 'a', TIKTOK_CAPTION_MAX_UTF16 - 5);
	long_caption[TIKTOK_CAPTION_MAX_UTF16 - 5] = '\0';
	CHECK_INT(parse_caption(long_caption, &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", NULL, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "clip.caption: the caption with the hashtags of outbox/.defaults is "
			       "2210 UTF-16 units long; TikTok allows at most 2200");
	sidecar_free(&sc);
	dflt_chain_free(&c);
	config_free(&cfg);
	free(long_caption);
}

/* On a YouTube account TikTok's 2200 does not bound the caption: the
 * description may take 5000 bytes (meta/youtube_meta.h checks it). */
TEST(test_hashtags_on_a_youtube_account_are_not_held_to_tiktoks_limit)
{
	struct config cfg;
	struct dflt_chain c;
	struct sidecar sc;
	char *long_caption = malloc(TIKTOK_CAPTION_MAX_UTF16 + 16);

	config_defaults(&cfg);
	free(cfg.platform);
	cfg.platform = strdup("youtube");
	chain_of(&c, "hashtags: #travel #brand\n", NULL);
	memset(long_caption, 'a', TIKTOK_CAPTION_MAX_UTF16 - 5);
	long_caption[TIKTOK_CAPTION_MAX_UTF16 - 5] = '\0';
	CHECK_INT(parse_caption(long_caption, &sc), 0);
	CHECK_INT(dflt_settle(&cfg, &c, &sc, true, "clip.caption", "clip.mp4", NULL, &e), 0);
	CHECK_INT(sc.caption_utf16, 2210);
	sidecar_free(&sc);
	dflt_chain_free(&c);
	config_free(&cfg);
	free(long_caption);
}

/* ---- reading the files below a root ---- */

static char root[64];
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		FAILF("cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void make_tree(void)
{
	char path[256];

	snprintf(root, sizeof(root), "/tmp/tt-defaults-XXXXXX");
	if (!mkdtemp(root))
		return;
	snprintf(path, sizeof(path), "%s/outbox", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/outbox/brand", root);
	mkdir(path, 0755);
	root_fd = sp_open_root(root);
}

static void remove_tree(void)
{
	char cmd[128];

	if (root_fd >= 0)
		close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

TEST(test_chain_load_reads_every_folder_nearest_last)
{
	struct dflt_chain c;

	put("outbox/.defaults", "---\nprivacy: public\ncomments: off\n---\n");
	put("outbox/brand/.defaults", "privacy: private\n");
	tt_error_clear(&e);
	CHECK_INT(dflt_chain_load(root_fd, "outbox/brand", &c, &e), 0);
	CHECK_INT(c.nfiles, 2);
	CHECK_STR(c.keys.privacy, "SELF_ONLY");
	CHECK_STR(c.from[SK_COMMENTS], "outbox/.defaults");
	dflt_chain_free(&c);
	CHECK_INT(dflt_chain_load(root_fd, "outbox", &c, &e), 0);
	CHECK_STR(c.keys.privacy, "PUBLIC_TO_EVERYONE");
	dflt_chain_free(&c);
}

TEST(test_bad_defaults_names_the_file_and_line)
{
	struct dflt_chain c;

	put("outbox/brand/.defaults", "privacy: private\nmode: sometimes\n");
	tt_error_clear(&e);
	CHECK_INT(dflt_chain_load(root_fd, "outbox/brand", &c, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/brand/.defaults: line 2: mode: \"sometimes\" is not a mode");
	dflt_chain_free(&c);
	put("outbox/brand/.defaults", "privacy: private\n");
}

TEST(test_planted_link_or_fifo_defaults_is_refused_unread)
{
	struct dflt_chain c;
	char path[256], target[256];

	snprintf(target, sizeof(target), "%s/secret", root);
	put("secret", "privacy: public\n");
	snprintf(path, sizeof(path), "%s/outbox/brand/.defaults", root);
	unlink(path);
	CHECK_INT(symlink(target, path), 0);
	tt_error_clear(&e);
	CHECK_INT(dflt_chain_load(root_fd, "outbox/brand", &c, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/brand/.defaults is refused: it is a symbolic link");
	dflt_chain_free(&c);
	unlink(path);
	CHECK_INT(mkfifo(path, 0644), 0);
	CHECK_INT(dflt_chain_load(root_fd, "outbox/brand", &c, &e), -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/brand/.defaults is refused: it is a FIFO");
	dflt_chain_free(&c);
	unlink(path);
	/* gone: no error, the parent's keys alone */
	CHECK_INT(dflt_chain_load(root_fd, "outbox/brand", &c, &e), 0);
	CHECK_INT(c.nfiles, 1);
	dflt_chain_free(&c);
}

TEST(test_item_caption_at_merges_files_and_names)
{
	struct config cfg;
	struct sidecar sc;

	config_defaults(&cfg);
	put("outbox/.defaults", "privacy: friends\ncaption_from: filename\nhashtags: #team\n");
	put("outbox/brand/.defaults", "privacy: private\n");
	put("outbox/brand/My_Day-1.mp4", "x");
	put("outbox/brand/two.mp4", "x");
	put("outbox/brand/two.caption", "---\ncomments: off\n---\nTwo\n");
	tt_error_clear(&e);
	CHECK_INT(dflt_item_caption_at(&cfg, root_fd, "outbox/brand/My_Day-1.mp4", NULL, &sc, &e),
		  0);
	CHECK_STR(sc.caption, "My Day 1 #team");
	CHECK_STR(sc.privacy, "SELF_ONLY");
	sidecar_free(&sc);
	CHECK_INT(dflt_item_caption_at(&cfg, root_fd, "outbox/brand/two.mp4",
				       "outbox/brand/two.caption", &sc, &e),
		  0);
	CHECK_STR(sc.caption, "Two #team");
	CHECK_INT(sc.comments, TRI_OFF);
	sidecar_free(&sc);
	put("outbox/.defaults", "privacy: nobody\n");
	CHECK_INT(dflt_item_caption_at(&cfg, root_fd, "outbox/brand/two.mp4",
				       "outbox/brand/two.caption", &sc, &e),
		  -EINVAL);
	CHECK_CONTAINS(e.what, "outbox/.defaults: line 1: privacy");
	sidecar_free(&sc);
	config_free(&cfg);
}

TEST(test_config_takes_caption_from)
{
	struct config cfg;

	config_defaults(&cfg);
	CHECK_INT(cfg.caption_from, CAPTION_FROM_SIDECAR);
	tt_error_clear(&e);
	CHECK_INT(config_set(&cfg, "caption_from", "filename", &e), 0);
	CHECK_INT(cfg.caption_from, CAPTION_FROM_FILENAME);
	CHECK_INT(config_set(&cfg, "caption_from", "name", &e), -EINVAL);
	config_free(&cfg);
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	make_tree();
	if (root_fd >= 0)
		unit_run_all();
	remove_tree();
	return UNIT_DONE();
}

/*
 * Unit tests for meta/targets.c: which accounts an item posts to, from the
 * config and the settled caption, and every rule a list is held to, in the
 * words the user reads.
 */
#include "meta/config.h"
#include "meta/rules.h"
#include "meta/targets.h"
#include "meta/caption/sidecar.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char conf_path[64];

/* default (TikTok) also posting to yt; yt and yt2 YouTube channels; tt2 a
 * second TikTok account. */
static const char conf_text[] = "privacy = private\n"
				"also_post_to = yt\n"
				"[account yt]\n"
				"platform = youtube\n"
				"[account yt2]\n"
				"platform = youtube\n"
				"[account tt2]\n";

static void load(struct config *c)
{
	struct tt_error e;
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/ttfs-targets-XXXXXX");
	fd = mkstemp(conf_path);
	CHECK(fd >= 0);
	CHECK(write(fd, conf_text, strlen(conf_text)) == (ssize_t)strlen(conf_text));
	fchmod(fd, 0600);
	close(fd);
	tt_error_clear(&e);
	CHECK_INT(config_load(c, conf_path, &e), 0);
	unlink(conf_path);
}

/* The settled caption of @text, parsed as clip.caption. */
static void caption(struct sidecar *sc, const char *text)
{
	struct tt_error e;

	tt_error_clear(&e);
	CHECK_INT(sidecar_parse("clip.caption", text, strlen(text), sc, &e), 0);
}

/* Resolve for account @own with the caption @text (NULL: none). */
static int resolve(const struct config *c, const char *own, const char *text, struct verdict *v)
{
	struct sidecar sc;
	int rc;

	verdict_init(v);
	if (!text)
		return targets_resolve(c, own, NULL, v);
	caption(&sc, text);
	rc = targets_resolve(c, own, &sc, v);
	sidecar_free(&sc);
	return rc;
}

TEST(test_the_folders_account_comes_first_then_the_config_list)
{
	struct config c;
	struct verdict v;

	load(&c);
	CHECK_INT(resolve(&c, "default", NULL, &v), 0);
	CHECK_INT(v.n_targets, 2);
	CHECK_STR(v.targets[0].account, "default");
	CHECK(!v.targets[0].youtube);
	CHECK_STR(v.targets[1].account, "yt");
	CHECK(v.targets[1].youtube);
	CHECK_STR(targets_platform_word(&v.targets[1]), "YouTube");
	CHECK_INT(v.kind, VERDICT_OK);
	config_free(&c);
}

TEST(test_an_account_without_a_list_posts_alone)
{
	struct config c;
	struct verdict v;

	load(&c);
	CHECK_INT(resolve(&c, "tt2", NULL, &v), 0);
	CHECK_INT(v.n_targets, 0);
	CHECK_INT(resolve(&c, "tt2", "---\nprivacy: public\n---\nx", &v), 0);
	CHECK_INT(v.n_targets, 0);
	/* a folder of an account the config does not have: verdict_apply's to refuse */
	CHECK_INT(resolve(&c, "gone", "---\nalso_post_to: yt\n---\nx", &v), 0);
	CHECK_INT(v.n_targets, 0);
	config_free(&c);
}

TEST(test_the_caption_list_wins_over_the_config_and_none_is_alone)
{
	struct config c;
	struct verdict v;

	load(&c);
	CHECK_INT(resolve(&c, "default", "---\nalso_post_to: none\n---\nx", &v), 0);
	CHECK_INT(v.n_targets, 0);
	CHECK_INT(resolve(&c, "default", "---\nalso_post_to: yt2\n---\nx", &v), 0);
	CHECK_INT(v.n_targets, 2);
	CHECK_STR(v.targets[1].account, "yt2");
	CHECK_INT(resolve(&c, "yt", "---\nalso_post_to: default\n---\nx", &v), 0);
	CHECK_INT(v.n_targets, 2);
	CHECK_STR(v.targets[0].account, "yt");
	CHECK(v.targets[0].youtube);
	CHECK_STR(v.targets[1].account, "default");
	CHECK(!v.targets[1].youtube);
	config_free(&c);
}

/* The caption @text refused for account @own with @want in the message. */
static void check_refused(const struct config *c, const char *own, const char *text,
			  const char *want)
{
	struct verdict v;

	CHECK_INT(resolve(c, own, text, &v), -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_INT(v.error.cls, ERR_USER);
	CHECK_INT(v.n_targets, 0);
	CHECK_CONTAINS(v.error.what, want);
}

TEST(test_a_caption_list_is_held_to_every_rule)
{
	struct config c;
	char *want;

	load(&c);
	want = xasprintf("clip.caption: line 3: also_post_to names 'yt3', which is not an "
			 "account in %s; accounts: default, yt, yt2, tt2",
			 conf_path);
	check_refused(&c, "default", "---\nprivacy: public\nalso_post_to: yt3\n---\nx", want);
	free(want);
	check_refused(&c, "yt", "---\nalso_post_to: yt\n---\nx",
		      "clip.caption: line 2: also_post_to names 'yt', the folder's own account");
	check_refused(&c, "default", "---\nalso_post_to: tt2\n---\nx",
		      "also_post_to names 'tt2', a TikTok account like the folder's own account "
		      "default: an item posts to one account per platform, because both would "
		      "write the same user.tiktok.* attributes");
	check_refused(&c, "tt2", "---\nalso_post_to: yt, yt2\n---\nx",
		      "also_post_to names 'yt' and 'yt2', both YouTube accounts");
	check_refused(&c, "tt2", "---\nalso_post_to: yt, default, yt2, tt2\n---\nx",
		      "also_post_to names 4 accounts; an item posts to at most 4: its folder's "
		      "account and 3 more");
	config_free(&c);
}

TEST(test_a_list_from_a_defaults_is_reported_in_that_file)
{
	struct config c;
	struct sidecar sc;
	struct verdict v;
	struct tt_error e;
	const char *text = "privacy: public\nalso_post_to: nobody\n";

	load(&c);
	tt_error_clear(&e);
	CHECK_INT(sidecar_parse_defaults("outbox/brand/.defaults", text, strlen(text), &sc, &e), 0);
	verdict_init(&v);
	CHECK_INT(targets_resolve(&c, "default", &sc, &v), -EINVAL);
	CHECK_CONTAINS(v.error.what, "outbox/brand/.defaults: line 2: also_post_to names 'nobody'");
	sidecar_free(&sc);
	config_free(&c);
}

UNIT_MAIN()

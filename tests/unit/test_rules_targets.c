/*
 * Unit tests for an item checked as each account it posts to
 * (rules_check_targets, meta/rules.h): hand-made probe results, a real
 * caption file below a drop folder, a TikTok and a YouTube account, and
 * what each target and the verdict's own fields say.
 */
#include "meta/config.h"
#include "meta/rules.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strbuf.h"

static struct config tiktok, youtube;
static char root[64];
static int root_fd = -1;

/* A good portrait MP4: 10 s, 1080x1920, H.264, 30 fps, 5 MB. */
static struct media_info good_media(void)
{
	struct media_info mi;

	memset(&mi, 0, sizeof(mi));
	mi.container = CONTAINER_MP4;
	mi.size = 5000000;
	mi.duration = 10.0;
	mi.width = 1080;
	mi.height = 1920;
	snprintf(mi.codec, sizeof(mi.codec), "h264");
	mi.fps = 30.0;
	return mi;
}

static void setup(const char *caption)
{
	char *p;
	FILE *f;

	config_defaults(&tiktok);
	youtube = tiktok;
	youtube.platform = "youtube";
	snprintf(root, sizeof(root), "/tmp/ttfs-rtargets-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	p = xasprintf("%s/outbox", root);
	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
	if (caption) {
		p = xasprintf("%s/outbox/clip.caption", root);
		f = fopen(p, "w");
		CHECK(f != NULL);
		if (f) {
			fputs(caption, f);
			fclose(f);
		}
		free(p);
	}
	root_fd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK(root_fd >= 0);
}

static void teardown(void)
{
	char *cmd = xasprintf("rm -rf %s", root);

	close(root_fd);
	CHECK_INT(system(cmd), 0);
	free(cmd);
	config_free(&tiktok);
}

/* @v with targets @first (the folder's account) and @second, of which
 * the one named "yt" is the YouTube channel. */
static void two_targets(struct verdict *v, const char *first, const char *second)
{
	verdict_init(v);
	v->n_targets = 2;
	snprintf(v->targets[0].account, sizeof(v->targets[0].account), "%s", first);
	snprintf(v->targets[1].account, sizeof(v->targets[1].account), "%s", second);
	v->targets[0].youtube = !strcmp(first, "yt");
	v->targets[1].youtube = !strcmp(second, "yt");
}

/* Check outbox/clip.mp4 (found to be @mi) as default on TikTok, then yt. */
static int check(const struct media_info *mi, bool with_caption, struct verdict *v)
{
	const struct config *cfgs[] = {&tiktok, &youtube};
	const struct creator_info *cis[] = {NULL, NULL};

	two_targets(v, "default", "yt");
	return rules_check_targets(cfgs, cis, root_fd, "outbox/clip.mp4",
				   with_caption ? "outbox/clip.caption" : NULL, false, mi, v);
}

TEST(test_every_target_passes_with_its_own_privacy)
{
	struct media_info mi = good_media();
	struct verdict v;

	setup("---\nprivacy: public\nmade_for_kids: no\n---\nSunset over the harbour\n");
	CHECK_INT(check(&mi, true, &v), 0);
	CHECK_INT(v.n_targets, 2);
	CHECK_INT(v.targets[0].kind, VERDICT_OK);
	CHECK_STR(v.targets[0].privacy, "PUBLIC_TO_EVERYONE");
	CHECK_INT(v.targets[1].kind, VERDICT_OK);
	CHECK_STR(v.targets[1].privacy, "public");
	/* the verdict's own fields are the folder account's */
	CHECK_INT(v.kind, VERDICT_OK);
	CHECK_STR(v.privacy, "PUBLIC_TO_EVERYONE");
	CHECK(v.have_sidecar);
	CHECK_STR(v.sidecar.caption, "Sunset over the harbour");
	CHECK_INT(v.media.width, 1080);
	verdict_free(&v);
	teardown();
}

TEST(test_youtube_refusing_the_caption_names_platform_and_account)
{
	struct media_info mi = good_media();
	struct verdict v;

	setup("---\nprivacy: public\n---\nSunset\n");
	CHECK_INT(check(&mi, true, &v), 0);
	CHECK_INT(v.targets[0].kind, VERDICT_OK);
	CHECK_INT(v.targets[1].kind, VERDICT_CAPTION);
	CHECK_INT(v.targets[1].error.cls, ERR_USER);
	CHECK_CONTAINS(v.targets[1].error.what, "YouTube (account yt): clip.caption: ");
	CHECK_CONTAINS(v.targets[1].error.what, "made_for_kids");
	CHECK_INT(v.kind, VERDICT_OK);
	verdict_free(&v);
	teardown();
}

TEST(test_a_video_only_youtube_takes_fails_tiktok_alone)
{
	struct media_info mi = good_media();
	struct verdict v;

	/* 11 minutes of landscape: over TikTok's 10, fine for YouTube */
	mi.width = 1920;
	mi.height = 1080;
	mi.duration = 660;
	setup("---\nprivacy: unlisted\nmade_for_kids: no\n---\nA long one\n");
	CHECK_INT(check(&mi, true, &v), -EINVAL);
	CHECK_INT(v.targets[0].kind, VERDICT_MEDIA);
	CHECK_CONTAINS(v.targets[0].error.what, "TikTok (account default): clip.mp4: ");
	CHECK_INT(v.targets[1].kind, VERDICT_OK);
	CHECK_STR(v.targets[1].privacy, "unlisted");
	CHECK_INT(v.kind, VERDICT_MEDIA);
	CHECK_CONTAINS(v.error.what, "clip.mp4: ");
	CHECK(strncmp(v.error.what, "TikTok (account", 15) != 0);
	verdict_free(&v);
	teardown();
}

TEST(test_no_caption_yet_waits_for_every_target)
{
	struct media_info mi = good_media();
	struct verdict v;

	setup(NULL);
	CHECK_INT(check(&mi, false, &v), -EAGAIN);
	CHECK_INT(v.kind, VERDICT_INCOMPLETE);
	CHECK_INT(v.targets[0].kind, VERDICT_INCOMPLETE);
	CHECK_INT(v.targets[1].kind, VERDICT_INCOMPLETE);
	CHECK_CONTAINS(v.targets[1].error.what, "waiting for clip.caption");
	verdict_free(&v);
	teardown();
}

TEST(test_a_youtube_folder_account_is_the_verdicts_own)
{
	struct media_info mi = good_media();
	const struct config *cfgs[] = {&youtube, &tiktok};
	const struct creator_info *cis[] = {NULL, NULL};
	struct verdict v;

	setup("---\nprivacy: private\nmade_for_kids: yes\nmode: draft\n---\nFor kids\n");
	two_targets(&v, "yt", "default");
	CHECK_INT(rules_check_targets(cfgs, cis, root_fd, "outbox/clip.mp4", "outbox/clip.caption",
				      false, &mi, &v),
		  0);
	CHECK_STR(v.targets[0].account, "yt");
	CHECK_STR(v.privacy, "private");
	CHECK_STR(v.targets[1].account, "default");
	CHECK_INT(v.targets[1].mode, POST_DRAFT);
	CHECK_INT(v.targets[1].kind, VERDICT_OK);
	verdict_free(&v);
	teardown();
}

TEST(test_a_linked_video_is_refused_for_every_target_unopened)
{
	const struct config *cfgs[] = {&tiktok, &youtube};
	const struct creator_info *cis[] = {NULL, NULL};
	struct verdict v;
	char *link;

	setup("---\nprivacy: public\nmade_for_kids: no\n---\nSunset\n");
	link = xasprintf("%s/outbox/clip.mp4", root);
	CHECK_INT(symlink("/etc/passwd", link), 0);
	two_targets(&v, "default", "yt");
	CHECK_INT(rules_validate_targets_at(cfgs, cis, root_fd, "outbox/clip.mp4",
					    "outbox/clip.caption", false, &v),
		  -EINVAL);
	CHECK_INT(v.kind, VERDICT_CAPTION);
	CHECK_CONTAINS(v.error.what, "clip.mp4 is refused");
	for (size_t i = 0; i < 2; i++)
		CHECK_INT(v.targets[i].kind, VERDICT_CAPTION);
	CHECK_CONTAINS(v.targets[0].error.what, "TikTok (account default): ");
	CHECK_CONTAINS(v.targets[1].error.what, "YouTube (account yt): ");
	CHECK_CONTAINS(v.targets[1].error.what, "symbolic link");
	verdict_free(&v);
	free(link);
	teardown();
}

UNIT_MAIN()

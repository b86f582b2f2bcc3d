/*
 * net/result_notes.c: which finished publishes TikTok made private because
 * the app is unaudited (docs/tiktok.md §7), and what the item then says.
 */
#include <stdlib.h>
#include <string.h>

#include "meta/config.h"
#include "meta/job/store.h"
#include "net/result_notes.h"
#include "unit.h"

static struct config cfg;

static struct job direct_post(const char *privacy)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.mode = POST_DIRECT;
	j.privacy = (char *)privacy;
	return j;
}

TEST(test_unaudited_public_post_published_was_made_private)
{
	struct job j = direct_post("PUBLIC_TO_EVERYONE");
	char *w;

	cfg.audited = false;
	w = result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE");
	CHECK(w != NULL);
	if (w) {
		CHECK_CONTAINS(w, "posted private (SELF_ONLY), not public");
		CHECK_CONTAINS(w, "has not passed its audit");
		CHECK_CONTAINS(w, "get the app audited");
	}
	free(w);
	j = direct_post("FOLLOWER_OF_CREATOR");
	w = result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE");
	CHECK(w && strstr(w, "not followers"));
	free(w);
	cfg.audited = true;
}

TEST(test_no_note_when_nothing_was_changed)
{
	struct job j = direct_post("PUBLIC_TO_EVERYONE");

	/* An audited app gets what it asked for. */
	cfg.audited = true;
	CHECK(result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE") == NULL);
	cfg.audited = false;
	/* SELF_ONLY was asked for; a draft has no privacy of its own; a
	 * publish that did not complete was not made anything. */
	j = direct_post("SELF_ONLY");
	CHECK(result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE") == NULL);
	j = direct_post("PUBLIC_TO_EVERYONE");
	j.mode = POST_DRAFT;
	CHECK(result_notes_made_private(&cfg, &j, "SEND_TO_USER_INBOX") == NULL);
	CHECK(result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE") == NULL);
	j = direct_post("PUBLIC_TO_EVERYONE");
	CHECK(result_notes_made_private(&cfg, &j, "FAILED") == NULL);
	CHECK(result_notes_made_private(&cfg, &j, NULL) == NULL);
	j = direct_post(NULL);
	CHECK(result_notes_made_private(&cfg, &j, "PUBLISH_COMPLETE") == NULL);
	cfg.audited = true;
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	config_defaults(&cfg);
	unit_run_all();
	config_free(&cfg);
	return UNIT_DONE();
}

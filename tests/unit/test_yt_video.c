/* Unit tests for net/yt_video.c: the audit lock (docs/youtube.md §2.6) and
 * the processing states of videos.list (§5). */
#include "net/yt_video.h"

#include "tests/unit/unit.h"

TEST(test_public_asked_private_got_is_the_audit_lock)
{
	char w[600] = "";

	CHECK(yt_private_lock("public", "private", w, sizeof(w)));
	CHECK_CONTAINS(w, "private although public was asked");
	CHECK_CONTAINS(w, "not audited");
	CHECK_CONTAINS(w, "have the project audited");
	CHECK(yt_private_lock("unlisted", "private", w, sizeof(w)));
	CHECK_CONTAINS(w, "Make it unlisted in YouTube Studio");
}

TEST(test_no_lock_when_the_answer_keeps_what_was_asked)
{
	char w[600] = "";

	CHECK(!yt_private_lock("private", "private", w, sizeof(w)));
	CHECK(!yt_private_lock("public", "public", w, sizeof(w)));
	CHECK(!yt_private_lock("unlisted", "unlisted", w, sizeof(w)));
	CHECK(!yt_private_lock("public", "", w, sizeof(w))); /* not said: no claim */
	CHECK(!yt_private_lock(NULL, "private", w, sizeof(w)));
	CHECK_STR(w, "");
}

TEST(test_asked_privacy_is_read_from_the_insert_body)
{
	char p[16];

	yt_meta_privacy("{\"snippet\":{\"title\":\"t\"},\"status\":{\"privacyStatus\":"
			"\"unlisted\"}}",
			p, sizeof(p));
	CHECK_STR(p, "unlisted");
	yt_meta_privacy("not json", p, sizeof(p));
	CHECK_STR(p, "");
	yt_meta_privacy(NULL, p, sizeof(p));
	CHECK_STR(p, "");
}

TEST(test_processing_states_from_upload_status)
{
	CHECK_INT(yt_proc_from("uploaded"), YTP_PROCESSING);
	CHECK_INT(yt_proc_from("processed"), YTP_PROCESSED);
	CHECK_INT(yt_proc_from("failed"), YTP_FAILED);
	CHECK_INT(yt_proc_from("rejected"), YTP_REJECTED);
	CHECK_INT(yt_proc_from("deleted"), YTP_DELETED);
	/* not visible yet (an empty items list): no word at all */
	CHECK_INT(yt_proc_from(""), YTP_UNSEEN);
	CHECK_INT(yt_proc_from(NULL), YTP_UNSEEN);
	/* a word we do not know never ends the wait */
	CHECK_INT(yt_proc_from("somethingNew"), YTP_PROCESSING);
	CHECK(!yt_proc_final(yt_proc_from("somethingNew")));
	CHECK(yt_proc_final(YTP_REJECTED) && yt_proc_final(YTP_PROCESSED));
	CHECK(!yt_proc_final(YTP_UNSEEN) && !yt_proc_final(YTP_PROCESSING));
	CHECK_STR(yt_proc_name(YTP_UNSEEN), "uploaded");
	CHECK_STR(yt_proc_name(YTP_PROCESSING), "processing");
	CHECK_STR(yt_proc_name(YTP_REJECTED), "rejected");
}

UNIT_MAIN()

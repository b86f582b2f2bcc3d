/* Unit tests for net/yt_video.c: the audit lock, processing states as
 * videos.list shows them (docs/youtube.md §5), Google's error reason. */
#include "net/yt_video.h"

#include <string.h>

#include "tests/unit/unit.h"

#define S(x) x, strlen(x)

TEST(test_public_asked_private_got_is_the_audit_lock)
{
	char w[600] = "";
	const char *res = "{\"id\":\"abcdefghijk\",\"status\":{\"uploadStatus\":\"uploaded\","
			  "\"privacyStatus\":\"private\"}}";

	CHECK(yt_private_lock(S(res), "public", false, w, sizeof(w)));
	CHECK_CONTAINS(w, "private although public was asked");
	CHECK_CONTAINS(w, "not audited");
	CHECK_CONTAINS(w, "audit");
	CHECK(yt_private_lock(S(res), "unlisted", false, w, sizeof(w)));
	CHECK_CONTAINS(w, "Make it unlisted");
	/* private asked, private got: nothing to say */
	CHECK(!yt_private_lock(S(res), "private", false, w, sizeof(w)));
}

TEST(test_an_audited_answer_is_no_lock)
{
	char w[600] = "";
	const char *res = "{\"status\":{\"privacyStatus\":\"public\"}}";

	CHECK(!yt_private_lock(S(res), "public", false, w, sizeof(w)));
	CHECK(!yt_private_lock(S("not json"), "public", false, w, sizeof(w)));
	CHECK(!yt_private_lock(NULL, 0, "public", false, w, sizeof(w)));
}

TEST(test_a_dropped_publish_at_is_the_lock_too)
{
	char w[600] = "";
	const char *dropped = "{\"status\":{\"privacyStatus\":\"private\"}}";
	const char *kept = "{\"status\":{\"privacyStatus\":\"private\","
			   "\"publishAt\":\"2026-12-02T10:00:00Z\"}}";

	CHECK(yt_private_lock(S(dropped), "private", true, w, sizeof(w)));
	CHECK_CONTAINS(w, "scheduled publish time");
	CHECK(!yt_private_lock(S(kept), "private", true, w, sizeof(w)));
}

TEST(test_processing_with_progress_as_strings)
{
	struct yt_processing p;
	struct tt_error err;
	const char *b =
	    "{\"items\":[{\"id\":\"vid\",\"status\":{\"uploadStatus\":\"uploaded\","
	    "\"privacyStatus\":\"private\"},\"processingDetails\":{"
	    "\"processingStatus\":\"processing\",\"processingProgress\":{"
	    "\"partsTotal\":\"1000\",\"partsProcessed\":\"250\",\"timeLeftMs\":\"9\"}}}]}";

	tt_error_clear(&err);
	CHECK_INT(yt_parse_processing(S(b), 200, "vid", &p, &err), 0);
	CHECK_INT(p.state, YTP_PROCESSING);
	CHECK_INT(p.percent, 25);
	CHECK_STR(p.privacy, "private");
	CHECK_STR(yt_proc_name(p.state), "processing");
}

TEST(test_processed_rejected_failed_and_unseen)
{
	struct yt_processing p;
	struct tt_error err;
	const char *ok = "{\"items\":[{\"id\":\"v\",\"status\":{\"uploadStatus\":\"processed\"}}]}";
	const char *rej = "{\"items\":[{\"id\":\"v\",\"status\":{\"uploadStatus\":\"rejected\","
			  "\"rejectionReason\":\"duplicate\"},\"processingDetails\":{"
			  "\"processingStatus\":\"succeeded\"}}]}";
	const char *fail = "{\"items\":[{\"id\":\"v\",\"status\":{\"uploadStatus\":\"failed\","
			   "\"failureReason\":\"codec\"}}]}";
	const char *pfail = "{\"items\":[{\"id\":\"v\",\"status\":{\"uploadStatus\":\"uploaded\"},"
			    "\"processingDetails\":{\"processingStatus\":\"failed\","
			    "\"processingFailureReason\":\"transcodeFailed\"}}]}";

	tt_error_clear(&err);
	CHECK_INT(yt_parse_processing(S(ok), 200, "v", &p, &err), 0);
	CHECK_INT(p.state, YTP_PROCESSED);
	CHECK_INT(yt_parse_processing(S(rej), 200, "v", &p, &err), 0);
	CHECK_INT(p.state, YTP_REJECTED);
	CHECK_STR(p.reason, "duplicate");
	CHECK_INT(yt_parse_processing(S(fail), 200, "v", &p, &err), 0);
	CHECK_INT(p.state, YTP_FAILED);
	CHECK_STR(p.reason, "codec");
	CHECK_INT(yt_parse_processing(S(pfail), 200, "v", &p, &err), 0);
	CHECK_INT(p.state, YTP_FAILED);
	CHECK_STR(p.reason, "transcodeFailed");
	/* another id, or none: not visible yet (§5), not an error */
	CHECK_INT(yt_parse_processing(S(ok), 200, "w", &p, &err), 0);
	CHECK_INT(p.state, YTP_UNSEEN);
	CHECK_INT(yt_parse_processing(S("{\"items\":[]}"), 200, "v", &p, &err), 0);
	CHECK_INT(p.state, YTP_UNSEEN);
}

TEST(test_quota_refusal_of_a_poll_keeps_its_reason)
{
	struct yt_processing p;
	struct tt_error err;
	char reason[64];
	const char *b = "{\"error\":{\"code\":403,\"message\":\"\\u003ca\\u003e\",\"errors\":"
			"[{\"domain\":\"youtube.quota\",\"reason\":\"quotaExceeded\"}]}}";

	tt_error_clear(&err);
	CHECK_INT(yt_parse_processing(S(b), 403, "v", &p, &err), -1);
	CHECK_STR(err.code, "quotaExceeded");
	CHECK_INT(err.http_status, 403);
	CHECK_CONTAINS(err.what, "HTTP 403, quotaExceeded");
	yt_error_reason(S(b), reason, sizeof(reason));
	CHECK_STR(reason, "quotaExceeded");
	yt_error_reason(S("<html>"), reason, sizeof(reason));
	CHECK_STR(reason, "");
	CHECK_INT(yt_parse_processing(S("oops"), 503, "v", &p, &err), -1);
	CHECK_INT(err.cls, ERR_RETRY);
}

UNIT_MAIN()

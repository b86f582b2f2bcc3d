/*
 * The one error convention below the file operations (util/error.h): a
 * failure returns a negative errno that agrees with the class in the
 * caller's struct tt_error, and the tt_error says what failed.  Checked on
 * the calls that used to answer otherwise: api_* and oauth_* (-1),
 * tokens_load (-ENOENT and no words), watcher_new (NULL and errno).
 */
#include "fs/watcher.h"
#include "net/api.h"
#include "net/oauth.h"
#include "net/tokens.h"
#include "meta/config.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TEST(test_api_parse_failure_returns_the_errno_of_its_class)
{
	static const char denied[] = "{\"data\":{},\"error\":{\"code\":\"access_token_invalid\","
				     "\"message\":\"m\",\"log_id\":\"L1\"}}";
	struct publish_status st;
	struct tt_error e;
	int rc;

	tt_error_clear(&e);
	rc = api_parse_status("<html>", 6, 502, &st, &e);
	CHECK(rc < 0);
	CHECK_INT(rc, tt_error_errno(e.cls));
	CHECK(e.what[0] != '\0');
	tt_error_clear(&e);
	rc = api_parse_status(denied, strlen(denied), 401, &st, &e);
	CHECK(rc < 0);
	CHECK_INT(rc, tt_error_errno(e.cls));
	CHECK_STR(e.code, "access_token_invalid");
}

TEST(test_token_reply_failure_returns_the_errno_of_its_class)
{
	struct config cfg = {0};
	struct token_set ts;
	struct tt_error e;
	int rc;

	tt_error_clear(&e);
	rc = oauth_parse_token_reply("<html>", 6, 502, 1000, &cfg, &ts, &e);
	CHECK_INT(rc, -EIO); /* a 5xx: ERR_RETRY */
	CHECK_INT(rc, tt_error_errno(e.cls));
}

TEST(test_tokens_load_says_not_logged_in)
{
	char dir[] = "/tmp/test_errconv-XXXXXX";
	struct token_set ts;
	struct tt_error e;

	if (!mkdtemp(dir)) {
		FAILF("mkdtemp: %s", strerror(errno));
		return;
	}
	tt_error_clear(&e);
	CHECK_INT(tokens_load(dir, &ts, &e), -ENOENT);
	CHECK(strstr(e.what, "not logged in") != NULL);
	CHECK(strstr(e.advice, "tiktokfs login") != NULL);
	CHECK_INT(tokens_load(dir, &ts, NULL), -ENOENT); /* no words wanted */
	rmdir(dir);
}

TEST(test_watcher_new_names_the_folder_it_cannot_watch)
{
	const char *root = "/nonexistent-tiktokfs-test/drop";
	struct tt_error e;

	tt_error_clear(&e);
	CHECK(watcher_new(root, 2, 0, &e) == NULL);
	CHECK(strstr(e.what, root) != NULL);
	CHECK(strstr(e.what, "cannot watch it") != NULL);
}

UNIT_MAIN()

/*
 * JSON numbers stay exact (net/tjson.c): post IDs above 2^53 and above 2^63
 * come out digit for digit, wherever they sit; reals and strings are left
 * alone; bad JSON is refused, not half-read.
 */
#include "net/api.h"
#include "net/tjson.h"
#include "unit.h"

#include <errno.h>

static json_t *parse(const char *s)
{
	json_error_t jerr;

	return tjson_parse(s, strlen(s), &jerr);
}

TEST(test_post_id_above_2_63_is_exact)
{
	json_t *r = parse("{\"ids\":[18446744073709551617, 7300000000000000001]}");
	json_t *ids = json_object_get(r, "ids");
	char buf[32];

	CHECK(r != NULL);
	CHECK_INT(tjson_id(json_array_get(ids, 0), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "18446744073709551617");
	CHECK_INT(tjson_id(json_array_get(ids, 1), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "7300000000000000001");
	CHECK(json_is_integer(json_array_get(ids, 1)));
	json_decref(r);
}

TEST(test_int64_limits_stay_integers)
{
	json_t *r = parse("[9223372036854775807, -9223372036854775808, 9223372036854775808, "
			  "-9223372036854775809, 00]");
	char buf[32];

	/* "00" is invalid JSON: the whole text is refused. */
	CHECK(r == NULL);
	r = parse("[9223372036854775807, -9223372036854775808, 9223372036854775808, "
		  "-9223372036854775809]");
	CHECK(r != NULL);
	CHECK(json_is_integer(json_array_get(r, 0)));
	CHECK(json_is_integer(json_array_get(r, 1)));
	CHECK(json_is_string(json_array_get(r, 2)));
	CHECK_INT(tjson_id(json_array_get(r, 2), buf, sizeof(buf)), 0);
	CHECK_STR(buf, "9223372036854775808");
	CHECK(json_is_string(json_array_get(r, 3)));
	json_decref(r);
}

TEST(test_nested_and_strings_untouched)
{
	json_t *r = parse("{\"a\":{\"b\":[{\"c\":123456789012345678901234567890}]},"
			  "\"s\":\"99999999999999999999 \\\" 1e400\",\"f\":1.5e3,\"n\":-2}");
	json_t *c =
	    json_object_get(json_array_get(json_object_get(json_object_get(r, "a"), "b"), 0), "c");
	char buf[40];

	CHECK(r != NULL);
	CHECK_INT(tjson_id(c, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "123456789012345678901234567890");
	CHECK_STR(tjson_str(r, "s"), "99999999999999999999 \" 1e400");
	CHECK(json_is_real(json_object_get(r, "f")));
	CHECK_INT(json_integer_value(json_object_get(r, "n")), -2);
	json_decref(r);
}

TEST(test_bad_json_refused)
{
	CHECK(parse("{\"a\":") == NULL);
	CHECK(parse("{\"a\":1,\"a\":2}") == NULL); /* duplicate keys are ambiguous */
	CHECK(parse("") == NULL);
	CHECK(parse("\"unterminated") == NULL);
	CHECK(parse("[1,]") == NULL);
}

TEST(test_id_too_long_for_buffer)
{
	json_t *r = parse("[18446744073709551617]");
	char small[8];

	CHECK_INT(tjson_id(json_array_get(r, 0), small, sizeof(small)), -E2BIG);
	json_decref(r);
	r = parse("[\"12ab\"]");
	CHECK(tjson_id(json_array_get(r, 0), small, sizeof(small)) < 0);
	json_decref(r);
}

TEST(test_status_reply_keeps_post_id_exact)
{
	static const char body[] =
	    "{\"data\":{\"status\":\"PUBLISH_COMPLETE\",\"publicaly_available_post_id\":"
	    "[18446744073709551617],\"uploaded_bytes\":50000123},"
	    "\"error\":{\"code\":\"ok\",\"message\":\"\",\"log_id\":\"L\"}}";
	struct publish_status st;
	struct tt_error e;

	CHECK_INT(api_parse_status(body, strlen(body), 200, &st, &e), 0);
	CHECK_STR(st.status, "PUBLISH_COMPLETE");
	CHECK_STR(st.post_id, "18446744073709551617");
	CHECK_U64(st.uploaded_bytes, 50000123);
}

UNIT_MAIN()

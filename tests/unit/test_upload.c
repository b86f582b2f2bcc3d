/*
 * The pure part of net/upload.c: reading TikTok's "Content-Range: bytes
 * F-L/T" answers (§5.5), which tell where to resume after a 416.
 */
#include "net/upload.h"
#include "unit.h"

#include <errno.h>

TEST(test_parses_a_content_range)
{
	uint64_t f = 1, l = 1, t = 1;

	CHECK_INT(upload_parse_range("bytes 0-9999999/50000123", &f, &l, &t), 0);
	CHECK_U64(f, 0);
	CHECK_U64(l, 9999999);
	CHECK_U64(t, 50000123);
	CHECK_INT(upload_parse_range("bytes 4280000000-4294967295/4294967296", &f, &l, &t), 0);
	CHECK_U64(f, 4280000000ULL);
	CHECK_U64(l, 4294967295ULL);
	CHECK_U64(t, 4294967296ULL);
}

TEST(test_refuses_malformed_ranges)
{
	uint64_t f, l, t;
	static const char *const bad[] = {
	    "",
	    "bytes",
	    "bytes */1000",
	    "bytes 0-999",
	    "bytes 0-1000/1000",
	    "bytes 10-5/1000",
	    "0-999/1000",
	    "bytes 0-999/1000x",
	    "bytes -1-5/10",
	    "bytes 0--1/10",
	    "bytes 0-+5/10",
	};

	CHECK_INT(upload_parse_range(NULL, &f, &l, &t), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (upload_parse_range(bad[i], &f, &l, &t) != -EINVAL)
			FAILF("accepted \"%s\"", bad[i]);
}

TEST(test_result_names)
{
	CHECK_STR(upload_result_name(UPLOAD_MORE), "more");
	CHECK_STR(upload_result_name(UPLOAD_DONE), "done");
	CHECK_STR(upload_result_name(UPLOAD_EXPIRED), "expired");
	CHECK_STR(upload_result_name(UPLOAD_ABORTED), "aborted");
	CHECK_STR(upload_result_name((enum upload_result)99), "?");
}

UNIT_MAIN()

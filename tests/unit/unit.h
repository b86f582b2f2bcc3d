/*
 * A very small unit-test harness.  Each test file defines tests with TEST()
 * and lists them in main() with RUN(); the binary prints one line per
 * failure and ends with "N passed, N failed".
 */
#ifndef TIKTOKFS_UNIT_H
#define TIKTOKFS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_cur_failed;
static const char *unit_cur;

#define TEST(name) static void name(void)

#define RUN(name)                                                                        \
	do {                                                                             \
		unit_cur = #name;                                                        \
		unit_cur_failed = 0;                                                     \
		name();                                                                  \
		if (unit_cur_failed)                                                     \
			unit_failed++;                                                   \
		else                                                                     \
			unit_passed++;                                                   \
	} while (0)

#define FAILF(...)                                                                       \
	do {                                                                             \
		fprintf(stderr, "FAIL %s (%s:%d): ", unit_cur, __FILE__, __LINE__);      \
		fprintf(stderr, __VA_ARGS__);                                            \
		fputc('\n', stderr);                                                     \
		unit_cur_failed = 1;                                                     \
	} while (0)

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			FAILF("%s", #cond);                                              \
	} while (0)

#define CHECK_INT(a, b)                                                                  \
	do {                                                                             \
		long long a_ = (long long)(a), b_ = (long long)(b);                      \
		if (a_ != b_)                                                            \
			FAILF("%s == %lld, expected %lld", #a, a_, b_);                  \
	} while (0)

#define CHECK_U64(a, b)                                                                  \
	do {                                                                             \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (a_ != b_)                                                            \
			FAILF("%s == %llu, expected %llu", #a, a_, b_);                  \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *a_ = (a), *b_ = (b);                                         \
		if (!a_ || !b_ || strcmp(a_, b_))                                        \
			FAILF("%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)",   \
			      b_ ? b_ : "(null)");                                       \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
	do {                                                                             \
		const char *h_ = (hay), *n_ = (needle);                                  \
		if (!h_ || !strstr(h_, n_))                                              \
			FAILF("%s == \"%s\" lacks \"%s\"", #hay, h_ ? h_ : "(null)", n_); \
	} while (0)

#define UNIT_DONE()                                                                      \
	(printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed),       \
	 unit_failed ? 1 : 0)

#endif

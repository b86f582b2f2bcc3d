/*
 * A very small unit-test harness.  TEST(name) { ... } defines a test and
 * registers it before main() runs (a constructor function per test), so a test
 * that is written is a test that runs: there is no list to forget it in.  The
 * tests run in the order they are written in the file (sorted by line, so the
 * order does not depend on the order the linker runs constructors in).
 *
 * A file without set-up ends with UNIT_MAIN().  A file that needs set-up or
 * tear-down around its tests writes its own main() and calls unit_run_all()
 * between them, then returns UNIT_DONE().  `./test_x NAME...` runs only the
 * named tests.
 *
 * The binary prints one line per failure on stderr and ends with
 * "FILE: N passed, N failed" on stdout (tests/tools/run_unit.py reads it).  If a
 * main() returns UNIT_DONE() without having run the registered tests (a set-up
 * that failed), they count as failed, so they cannot pass silently.
 */
#ifndef TIKTOKFS_UNIT_H
#define TIKTOKFS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
	int line;
	struct unit_test *next;
};

static int unit_passed, unit_failed, unit_cur_failed, unit_ran;
static int unit_ntests;
static const char *unit_cur;
static struct unit_test *unit_list;
static int unit_argc;
static char **unit_argv;

/* Called by each TEST's constructor: insert sorted by line. */
static inline void unit_register(struct unit_test *t)
{
	struct unit_test **p = &unit_list;

	while (*p && (*p)->line < t->line)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	unit_ntests++;
}

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	static struct unit_test unit_t_##name = {#name, name, __LINE__, NULL};                     \
	__attribute__((constructor)) static void unit_reg_##name(void)                             \
	{                                                                                          \
		unit_register(&unit_t_##name);                                                     \
	}                                                                                          \
	static void name(void)

/* With names on the command line, only those tests run. */
static inline int unit_selected(const char *name)
{
	if (unit_argc < 2)
		return 1;
	for (int i = 1; i < unit_argc; i++)
		if (!strcmp(unit_argv[i], name))
			return 1;
	return 0;
}

static inline void unit_run_one(struct unit_test *t)
{
	unit_cur = t->name;
	unit_cur_failed = 0;
	t->fn();
	if (unit_cur_failed)
		unit_failed++;
	else
		unit_passed++;
}

/* Runs every registered test (or the ones named on the command line). */
static inline void unit_run_all(void)
{
	unit_ran = 1;
	for (struct unit_test *t = unit_list; t; t = t->next)
		if (unit_selected(t->name))
			unit_run_one(t);
}

/* Keeps main's arguments for unit_selected(); call it first in a main(). */
static inline void unit_args(int argc, char **argv)
{
	unit_argc = argc;
	unit_argv = argv;
}

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "FAIL %s (%s:%d): ", unit_cur, __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		unit_cur_failed = 1;                                                               \
	} while (0)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			FAILF("%s", #cond);                                                        \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			FAILF("%s == %lld, expected %lld", #a, a_, b_);                            \
	} while (0)

#define CHECK_U64(a, b)                                                                            \
	do {                                                                                       \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
		if (a_ != b_)                                                                      \
			FAILF("%s == %llu, expected %llu", #a, a_, b_);                            \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (!a_ || !b_ || strcmp(a_, b_))                                                  \
			FAILF("%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)",             \
			      b_ ? b_ : "(null)");                                                 \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (!h_ || !strstr(h_, n_))                                                        \
			FAILF("%s == \"%s\" lacks \"%s\"", #hay, h_ ? h_ : "(null)", n_);          \
	} while (0)

/* Prints the summary; returns main's exit status. */
static inline int unit_done(const char *file)
{
	if (!unit_ran && unit_ntests) {
		fprintf(stderr, "FAIL %s: set-up failed, %d tests did not run\n", file,
			unit_ntests);
		unit_failed += unit_ntests;
	}
	printf("%s: %d passed, %d failed\n", file, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#define UNIT_DONE() unit_done(__FILE__)

#define UNIT_MAIN()                                                                                \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		unit_args(argc, argv);                                                             \
		unit_run_all();                                                                    \
		return UNIT_DONE();                                                                \
	}

#endif

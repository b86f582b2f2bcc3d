/*
 * The chunk planner against every vector of docs/tiktok.md §5.6, plus the
 * edges: the chunk_size bounds, sizes 0 and above 4 GB (4,000,000,000), a
 * file just above the single-chunk limit with a large chunk_size, the
 * longest last chunk, and chunk_index_at().
 */
#include "net/chunk.h"
#include "unit.h"

#include <errno.h>

#define CHUNK 10000000ULL

/* Check the plan and that its chunks tile [0, size) exactly. */
static void check_plan(uint64_t size, uint64_t chunk, uint64_t want_chunk, uint64_t want_count,
		       uint64_t want_last_first, uint64_t want_last_last)
{
	struct chunk_plan p;
	uint64_t first, last, next = 0;

	if (chunk_plan(size, chunk, &p) != 0) {
		FAILF("chunk_plan(%llu, %llu) refused", (unsigned long long)size,
		      (unsigned long long)chunk);
		return;
	}
	CHECK_U64(p.video_size, size);
	CHECK_U64(p.chunk_size, want_chunk);
	CHECK_U64(p.chunk_count, want_count);
	for (uint64_t i = 0; i < p.chunk_count; i++) {
		chunk_range(&p, i, &first, &last);
		if (first != next) {
			FAILF("chunk %llu starts at %llu, expected %llu", (unsigned long long)i,
			      (unsigned long long)first, (unsigned long long)next);
			return;
		}
		CHECK_INT(chunk_index_at(&p, first), (int64_t)i);
		/* Every chunk but the last is exactly chunk_size; the last
		 * is at least chunk_size and below twice that. */
		if (i + 1 < p.chunk_count)
			CHECK_U64(last - first + 1, p.chunk_size);
		else
			CHECK(last - first + 1 >= p.chunk_size &&
			      last - first + 1 < 2 * p.chunk_size);
		next = last + 1;
	}
	CHECK_U64(next, size);
	chunk_range(&p, p.chunk_count - 1, &first, &last);
	CHECK_U64(first, want_last_first);
	CHECK_U64(last, want_last_last);
	/* Invariants of §5.6 under both readings of "MB". */
	CHECK(p.chunk_count >= 1 && p.chunk_count <= 1000);
	CHECK(last - first + 1 <= 128000000ULL);
	if (p.chunk_count == 1)
		CHECK(p.chunk_size <= 64000000ULL);
	else
		CHECK(p.chunk_size >= 5242880ULL && p.chunk_size <= 64000000ULL);
}

TEST(test_tiny_file_is_one_chunk)
{
	check_plan(1000, CHUNK, 1000, 1, 0, 999);
}

TEST(test_official_4mb_example_is_one_put)
{
	check_plan(4194304, CHUNK, 4194304, 1, 0, 4194303);
}

TEST(test_64_000_000_is_still_one_chunk)
{
	check_plan(64000000, CHUNK, 64000000, 1, 0, 63999999);
}

TEST(test_one_byte_more_gives_six_chunks_last_absorbs)
{
	struct chunk_plan p;
	uint64_t f, l;

	check_plan(64000001, CHUNK, CHUNK, 6, 50000000, 64000000);
	CHECK_INT(chunk_plan(64000001, CHUNK, &p), 0);
	for (uint64_t i = 0; i < 5; i++) {
		chunk_range(&p, i, &f, &l);
		CHECK_U64(f, i * CHUNK);
		CHECK_U64(l, i * CHUNK + CHUNK - 1);
	}
	chunk_range(&p, 5, &f, &l);
	CHECK_U64(l - f + 1, 14000001);
}

TEST(test_150_mb_is_fifteen_chunks)
{
	check_plan(150000000, CHUNK, CHUNK, 15, 140000000, 149999999);
}

TEST(test_4_gb_is_400_chunks)
{
	struct chunk_plan p;
	uint64_t f, l;

	check_plan(4000000000ULL, CHUNK, CHUNK, 400, 3990000000ULL, 3999999999ULL);
	CHECK_INT(chunk_plan(4000000000ULL, CHUNK, &p), 0);
	chunk_range(&p, 399, &f, &l);
	CHECK_U64(l - f + 1, CHUNK);
	check_plan(3999999999ULL, CHUNK, CHUNK, 399, 3980000000ULL, 3999999998ULL);
}

TEST(test_official_five_chunk_example)
{
	struct chunk_plan p;
	uint64_t f, l;
	static const uint64_t want[5][2] = {{0, 9999999},
					    {10000000, 19999999},
					    {20000000, 29999999},
					    {30000000, 39999999},
					    {40000000, 50000122}};

	/* 50,000,123 fits one chunk for our planner (<= 64,000,000); the
	 * official example's plan is what the same rules give for a chunk
	 * count forced above one, so check the ranges with a hand-made plan. */
	check_plan(50000123, CHUNK, 50000123, 1, 0, 50000122);
	p.video_size = 50000123;
	p.chunk_size = CHUNK;
	p.chunk_count = 50000123 / CHUNK;
	CHECK_U64(p.chunk_count, 5);
	for (uint64_t i = 0; i < 5; i++) {
		chunk_range(&p, i, &f, &l);
		CHECK_U64(f, want[i][0]);
		CHECK_U64(l, want[i][1]);
	}
}

TEST(test_refuses_empty_and_over_4_gb)
{
	struct chunk_plan p;

	CHECK_INT(chunk_plan(0, CHUNK, &p), -EINVAL);
	/* "4 GB" is 4,000,000,000 bytes: 4 GiB is 294,967,296 bytes over. */
	CHECK_INT(chunk_plan(4000000001ULL, CHUNK, &p), -EINVAL);
	CHECK_INT(chunk_plan(4294967296ULL, CHUNK, &p), -EINVAL);
	CHECK_INT(chunk_plan(10000000000ULL, CHUNK, &p), -EINVAL);
}

TEST(test_chunk_size_bounds)
{
	struct chunk_plan p;

	CHECK_INT(chunk_plan(100000000, 5242879, &p), -EINVAL);
	CHECK_INT(chunk_plan(100000000, 64000001, &p), -EINVAL);
	CHECK_INT(chunk_plan(100000000, 0, &p), -EINVAL);
	CHECK_INT(chunk_plan(100000000, 5242880, &p), 0);
	CHECK_INT(chunk_plan(100000000, 64000000, &p), 0);
	/* The smallest allowed chunk on a 4 GB file: 762 chunks. */
	check_plan(4000000000ULL, 5242880, 5242880, 762, 761ULL * 5242880, 3999999999ULL);
	/* The largest: a 4 GB file in 62 chunks, last below 128,000,000. */
	check_plan(4000000000ULL, 64000000, 64000000, 62, 61ULL * 64000000, 3999999999ULL);
}

/* Below 5 MiB and up to 64,000,000 one chunk holds the whole file; from
 * 64,000,001 on there are always two or more, none above 64,000,000 but
 * the last. */
TEST(test_single_chunk_bounds)
{
	struct chunk_plan p;

	check_plan(5242879, CHUNK, 5242879, 1, 0, 5242878);
	check_plan(5242880, CHUNK, 5242880, 1, 0, 5242879);
	check_plan(64000000, 64000000, 64000000, 1, 0, 63999999);
	check_plan(64000000, 5242880, 64000000, 1, 0, 63999999);
	for (uint64_t chunk = 5242880; chunk <= 64000000; chunk += 1179648) {
		CHECK_INT(chunk_plan(64000001, chunk, &p), 0);
		CHECK(p.chunk_count >= 2);
		CHECK(p.chunk_size <= 64000000);
	}
	CHECK_INT(chunk_plan(64000001, 64000000, &p), 0);
	CHECK(p.chunk_count >= 2);
}

/* The last chunk absorbs the remainder: with 64,000,000-byte chunks it
 * reaches 127,999,999 bytes (below 2 * chunk_size, so below 128,000,000),
 * and one byte more starts a new chunk. */
TEST(test_longest_last_chunk)
{
	struct chunk_plan p;
	uint64_t f, l;

	check_plan(191999999, 64000000, 64000000, 2, 64000000, 191999998);
	CHECK_INT(chunk_plan(191999999, 64000000, &p), 0);
	chunk_range(&p, 1, &f, &l);
	CHECK_U64(l - f + 1, 127999999);
	check_plan(192000000, 64000000, 64000000, 3, 128000000, 191999999);
	/* 5 MiB chunks: the last is at most 10,485,759 bytes. */
	check_plan(65536000ULL + 5242880 - 1, 5242880, 5242880, 13, 12ULL * 5242880,
		   65536000ULL + 5242880 - 2);
}

TEST(test_just_above_single_max_with_big_chunk_is_halved)
{
	/* 100,000,000 with chunk 64,000,000 would be one 100 MB chunk:
	 * too big for a single chunk under the decimal reading. */
	check_plan(100000000, 64000000, 50000000, 2, 50000000, 99999999);
	check_plan(64000001, 64000000, 32000000, 2, 32000000, 64000000);
}

TEST(test_chunk_index_at)
{
	struct chunk_plan p;

	CHECK_INT(chunk_plan(64000001, CHUNK, &p), 0);
	CHECK_INT(chunk_index_at(&p, 0), 0);
	CHECK_INT(chunk_index_at(&p, 10000000), 1);
	CHECK_INT(chunk_index_at(&p, 50000000), 5);
	CHECK_INT(chunk_index_at(&p, 60000000), -1); /* inside the long last chunk */
	CHECK_INT(chunk_index_at(&p, 1), -1);
	CHECK_INT(chunk_index_at(&p, 9999999), -1);
	CHECK_INT(chunk_index_at(&p, 64000001), -1); /* the end: no chunk starts there */
	CHECK_INT(chunk_plan(1000, CHUNK, &p), 0);
	CHECK_INT(chunk_index_at(&p, 0), 0);
	CHECK_INT(chunk_index_at(&p, 1000), -1);
}

UNIT_MAIN()

/*
 * The chunk planner of docs/tiktok.md §5.6 ("recommended client planner").
 *
 * TikTok never says whether its "MB" is 10^6 or 2^20 bytes, so every plan
 * made here is valid under both readings:
 *   - a file of at most 64,000,000 bytes goes in one chunk (chunk_size =
 *     video_size), which is <= 64 MB either way;
 *   - a larger file is cut in chunks of @chunk_size bytes, which must lie in
 *     [5,242,880 .. 64,000,000], count = floor(size / chunk_size), and the
 *     last chunk absorbs the remainder (< 2 * chunk_size <= 128,000,000);
 *   - a file above 64,000,000 bytes but below 2 * chunk_size would give one
 *     chunk larger than 64,000,000 bytes (too big under the decimal reading),
 *     so such a file is cut in two halves instead (each > 32,000,000 bytes).
 * Sizes of 0 or above 4,000,000,000 bytes are refused: TikTok's "4 GB" read
 * as decimal, the reading that is safe under both (§6); count stays in
 * [1, 1000].
 *
 * Pure arithmetic on uint64_t; nothing here can overflow because sizes are
 * bounded by 4 GB before any multiplication.
 */
#include "net/chunk.h"

#include <errno.h>

#include "meta/tiktok.h"

/* TikTok's bounds (meta/tiktok.h, each with its source) as uint64_t. */
#define CHUNK_SINGLE_MAX ((uint64_t)TIKTOK_SINGLE_CHUNK_MAX)
#define CHUNK_MIN ((uint64_t)TIKTOK_CHUNK_MIN)
#define CHUNK_MAX ((uint64_t)TIKTOK_CHUNK_MAX)
#define CHUNK_FILE_MAX ((uint64_t)TIKTOK_FILE_MAX)
#define CHUNK_COUNT_MAX ((uint64_t)TIKTOK_CHUNK_COUNT_MAX)

int chunk_plan(uint64_t video_size, uint64_t chunk_size, struct chunk_plan *p)
{
	uint64_t count;

	if (video_size == 0 || video_size > CHUNK_FILE_MAX)
		return -EINVAL;
	if (chunk_size < CHUNK_MIN || chunk_size > CHUNK_MAX)
		return -EINVAL;
	if (video_size <= CHUNK_SINGLE_MAX) {
		p->video_size = video_size;
		p->chunk_size = video_size;
		p->chunk_count = 1;
		return 0;
	}
	/* One chunk would exceed 64,000,000 bytes: split in halves. */
	if (video_size / chunk_size < 2)
		chunk_size = video_size / 2;
	count = video_size / chunk_size;
	if (count < 1 || count > CHUNK_COUNT_MAX)
		return -EINVAL;
	p->video_size = video_size;
	p->chunk_size = chunk_size;
	p->chunk_count = count;
	return 0;
}

void chunk_range(const struct chunk_plan *p, uint64_t i, uint64_t *first, uint64_t *last)
{
	*first = i * p->chunk_size;
	if (i + 1 >= p->chunk_count)
		*last = p->video_size - 1;
	else
		*last = *first + p->chunk_size - 1;
}

int64_t chunk_index_at(const struct chunk_plan *p, uint64_t off)
{
	uint64_t i;

	if (!p->chunk_size || off >= p->video_size || off % p->chunk_size)
		return -1;
	i = off / p->chunk_size;
	if (i >= p->chunk_count)
		return -1;
	return (int64_t)i;
}

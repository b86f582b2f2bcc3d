/*
 * The chunk plan of docs/tiktok.md §5.6: one chunk up to 64,000,000 bytes,
 * else chunks of @chunk_size, count = floor(size / chunk_size), the last
 * chunk takes the remainder (so it may be up to 2*chunk_size-1 bytes).
 * Pure arithmetic, unit-tested with the reference's vectors.
 */
#ifndef TIKTOKFS_CHUNK_H
#define TIKTOKFS_CHUNK_H

#include <stdint.h>

struct chunk_plan {
	uint64_t video_size;
	uint64_t chunk_size; /* what init declares */
	uint64_t chunk_count;
};

/* 0, or -EINVAL when no plan can satisfy the rules (size 0 or above 4 GB =
 * 4,000,000,000 bytes,
 * chunk_size outside [5,242,880 .. 64,000,000], more than 1000 chunks).
 * A file above 64,000,000 bytes but below 2 * chunk_size is cut in two
 * halves, so that no single chunk exceeds 64,000,000 bytes. */
int chunk_plan(uint64_t video_size, uint64_t chunk_size, struct chunk_plan *p);
/* Byte range [first, last] of chunk @i (0-based). */
void chunk_range(const struct chunk_plan *p, uint64_t i, uint64_t *first, uint64_t *last);
/* Index of the chunk that starts at byte @off, or -1 if none does. */
int64_t chunk_index_at(const struct chunk_plan *p, uint64_t off);

#endif

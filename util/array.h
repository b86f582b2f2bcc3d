/*
 * Growing an array by doubling, written once (git's ALLOC_GROW).  After
 * ALLOC_GROW(v, n, alloc), v has room for at least n elements; @alloc is
 * the count allocated so far and is updated.  Allocation failure aborts,
 * as xrealloc does everywhere in the tree.
 */
#ifndef TIKTOKFS_ARRAY_H
#define TIKTOKFS_ARRAY_H

#include "util/strbuf.h"

#include <stddef.h>

#define ALLOC_GROW(v, n, alloc)                                                   \
	do {                                                                      \
		if ((size_t)(n) > (size_t)(alloc)) {                              \
			size_t grow_ = (alloc) ? 2 * (size_t)(alloc) : 16;        \
			if (grow_ < (size_t)(n))                                  \
				grow_ = (size_t)(n);                              \
			(v) = xrealloc((v), grow_ * sizeof(*(v)));                \
			(alloc) = grow_;                                          \
		}                                                                 \
	} while (0)

#endif

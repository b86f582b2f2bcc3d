/*
 * The body of one chunk PUT, read from the item's file as libcurl asks for
 * it: TikTok's chunk uploads (net/upload.c) and YouTube's resumable ones
 * (net/yt_upload.c) send it the same way.  Bytes are read with pread at
 * the chunk's offset, so a rewind (libcurl's seek on a redirect or an auth
 * retry) re-reads rather than trusting a buffer; a file that ends early or
 * fails to read aborts the transfer and says which; the chunk's progress
 * callback may stop it.
 */
#ifndef TIKTOKFS_CHUNK_BODY_H
#define TIKTOKFS_CHUNK_BODY_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/upload.h"

struct chunk_body {
	const struct upload_chunk *c; /* NULL: no body from a file */
	uint64_t len;		      /* chunk length */
	uint64_t pos;		      /* next byte to hand over, 0-based in the chunk */
	int read_errno;		      /* pread failed */
	bool short_file;	      /* the file ended before the chunk did */
	bool aborted;		      /* the chunk's progress callback said stop */
};

/* A body for chunk @c (NULL: none). */
void chunk_body_init(struct chunk_body *b, const struct upload_chunk *c);
/* Send @b as @h's upload body (INFILESIZE, read and seek callbacks). */
void chunk_body_send(CURL *h, struct chunk_body *b);
/* Report @h's upload progress to @b's chunk, which may stop it. */
void chunk_body_watch(CURL *h, struct chunk_body *b);

#endif

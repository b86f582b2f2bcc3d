/*
 * What a media probe finds in a file's own headers, without decoding.
 * Filled by probe_file() (meta/media/probe.h).
 */
#ifndef TIKTOKFS_MEDIA_H
#define TIKTOKFS_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

enum container {
	CONTAINER_UNKNOWN = 0,
	CONTAINER_MP4,
	CONTAINER_MOV,
	CONTAINER_3GP,
	CONTAINER_WEBM,
	CONTAINER_MKV,
	CONTAINER_AVI,
	CONTAINER_MPEG_PS,
	CONTAINER_MPEG_TS,
	CONTAINER_ASF
};

struct media_info {
	enum container container;
	uint64_t size;	 /* bytes on disk */
	double duration; /* seconds, < 0 if unknown */
	unsigned width;	 /* as displayed: rotation applied */
	unsigned height;
	int rotation;	 /* degrees: 0, 90, 180, 270 */
	char codec[16];	 /* "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", ... or "" */
	double fps;	 /* 0 if the container does not state it */
	bool fragmented; /* fragmented MP4 */
	bool moov_at_end;
};

const char *media_container_name(enum container c); /* "MP4", "WebM", ... */
/* The Content-Type TikTok accepts for the PUT: video/mp4, video/quicktime or
 * video/webm; NULL when TikTok takes no such container. */
const char *media_container_mime(enum container c);

#endif

/*
 * Names and upload Content-Types of the containers the probes recognise.
 *
 * TikTok takes MP4 (recommended), WebM and MOV (docs/tiktok.md §6) and wants
 * the PUT's Content-Type to be one of video/mp4, video/quicktime or
 * video/webm (§5.5; the sandbox answers 400 to anything else).  3GP is an
 * ISO BMFF profile, the same box structure as MP4 with a different brand, so
 * it is sent as video/mp4.  Plain Matroska is not WebM even though WebM is a
 * Matroska subset (an .mkv may hold H.264 or AAC, which WebM forbids), so it
 * gets no type: the caller refuses it before uploading instead of letting
 * TikTok fail it minutes later.
 */
#include "meta/media/media.h"

#include <stddef.h>

const char *media_container_name(enum container c)
{
	switch (c) {
	case CONTAINER_MP4:
		return "MP4";
	case CONTAINER_MOV:
		return "MOV";
	case CONTAINER_3GP:
		return "3GP";
	case CONTAINER_WEBM:
		return "WebM";
	case CONTAINER_MKV:
		return "Matroska";
	case CONTAINER_AVI:
		return "AVI";
	case CONTAINER_MPEG_PS:
		return "MPEG-PS";
	case CONTAINER_MPEG_TS:
		return "MPEG-TS";
	case CONTAINER_ASF:
		return "ASF";
	case CONTAINER_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *media_container_mime(enum container c)
{
	switch (c) {
	case CONTAINER_MP4:
	case CONTAINER_3GP:
		return "video/mp4";
	case CONTAINER_MOV:
		return "video/quicktime";
	case CONTAINER_WEBM:
		return "video/webm";
	default:
		return NULL;
	}
}

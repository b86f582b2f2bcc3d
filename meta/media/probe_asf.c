/*
 * ASF / WMV probe.  The Header Object (a GUID, a 64-bit size and an object
 * count) holds the File Properties Object (file size, play duration in
 * 100 ns units, preroll in ms) and one Stream Properties Object per stream;
 * for a video stream its type-specific data is a BITMAPINFOHEADER whose
 * biCompression is the codec's fourcc (WMV1/2/3, WVC1, ...).  ASF states no
 * frame rate in these objects, so fps stays 0.
 *
 * Objects are walked by their 64-bit sizes inside the header only; the
 * header must fit the read budget, which every real file's does.
 */
#include "meta/media/probe_int.h"

#include <errno.h>
#include <string.h>

#define MAX_OBJECTS 1024

static const uint8_t guid_header[16] = {0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11,
					0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C};
static const uint8_t guid_file_props[16] = {0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11,
					    0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65};
static const uint8_t guid_stream_props[16] = {0x91, 0x07, 0xDC, 0xB7, 0xB7, 0xA9, 0xCF, 0x11,
					      0x8E, 0xE6, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65};
static const uint8_t guid_video_media[16] = {0xC0, 0xEF, 0x19, 0xBC, 0x4D, 0x5B, 0xCF, 0x11,
					     0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B};

static const struct {
	char fcc[5];
	const char *codec;
} codecs[] = {
    {"WMV1", "wmv1"}, {"WMV2", "wmv2"}, {"WMV3", "wmv3"},  {"WVC1", "vc1"},
    {"WMVA", "vc1"},  {"H264", "h264"}, {"MP4S", "mpeg4"}, {"M4S2", "mpeg4"},
};

static void set_codec(struct media_info *mi, const uint8_t *fcc)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!memcmp(fcc, codecs[i].fcc, 4)) {
			probe_set_codec(mi, codecs[i].codec);
			return;
		}
	probe_set_fourcc(mi, fcc);
}

/* File Properties: 0 or -1; sets the duration; incomplete if the file is
 * shorter than the size it states (a non-broadcast file states it). */
static int file_props(struct probe_src *s, struct media_info *mi, const uint8_t *p, uint64_t len)
{
	uint64_t file_size, play, preroll;
	uint32_t flags;

	if (len < 80)
		return 0;
	file_size = le64(p + 16);
	play = le64(p + 40);
	preroll = le64(p + 56);
	flags = le32(p + 64);
	if (!(flags & 1) && file_size > s->size)
		return probe_incomplete(s, file_size);
	if (!(flags & 1) && play) {
		double d = (double)play / 1e7 - (double)preroll / 1e3;

		mi->duration = d > 0 ? d : 0;
	}
	return 0;
}

/* Stream Properties of a video stream: 1 if it was video, 0 if not. */
static int stream_props(struct media_info *mi, const uint8_t *p, uint64_t len)
{
	uint64_t ts_len, need;

	if (len < 54 || memcmp(p, guid_video_media, 16))
		return 0;
	ts_len = le32(p + 40);
	/* type-specific data at 54: encoded w 4, h 4, flags 1, format size 2,
	 * then BITMAPINFOHEADER: size 4, width 4, height 4, planes 2, bits 2,
	 * compression 4 */
	need = 11 + 20;
	if (ts_len < need || len - 54 < need)
		return 0;
	mi->width = le32(p + 54);
	mi->height = le32(p + 58);
	set_codec(mi, p + 54 + 11 + 16);
	return 1;
}

int probe_asf(struct probe_src *s, struct media_info *mi)
{
	uint8_t h[30], o[24], body[128];
	uint64_t hsize, off = 30, end;
	uint32_t count;
	bool video = false;

	mi->container = CONTAINER_ASF;
	if (probe_exact(s, 0, h, 30))
		return probe_read_failed(s, "ASF header object");
	if (memcmp(h, guid_header, 16))
		return probe_fail(s, ERR_PERMANENT, "no ASF header object");
	hsize = le64(h + 16);
	count = le32(h + 24);
	if (hsize < 30)
		return probe_fail(s, ERR_PERMANENT, "ASF header of impossible size %llu",
				  (unsigned long long)hsize);
	if (hsize > s->size)
		return probe_incomplete(s, hsize);
	for (uint32_t i = 0; i < count && i < MAX_OBJECTS && off + 24 <= hsize; i++) {
		uint64_t size, len;
		long n;

		if (probe_exact(s, off, o, 24))
			return probe_read_failed(s, "ASF header object");
		size = le64(o + 16);
		if (size < 24 || !add_u64(off, size, &end) || end > hsize)
			return probe_fail(s, ERR_PERMANENT,
					  "ASF object at %llu claims %llu bytes but the header "
					  "has %llu left",
					  (unsigned long long)off, (unsigned long long)size,
					  (unsigned long long)(hsize - off));
		len = size - 24;
		if (!memcmp(o, guid_file_props, 16) || !memcmp(o, guid_stream_props, 16)) {
			n = probe_at(s, off + 24, body,
				     len < sizeof(body) ? (size_t)len : sizeof(body));
			if (n < 0)
				return probe_read_failed(s, "ASF header object");
			if (!memcmp(o, guid_file_props, 16) && file_props(s, mi, body, (uint64_t)n))
				return -EINVAL;
			if (!memcmp(o, guid_stream_props, 16) && !video)
				video = stream_props(mi, body, (uint64_t)n);
		}
		off = end;
	}
	if (!video)
		return probe_fail(s, ERR_PERMANENT, "no video stream in the ASF header");
	tt_error_clear(s->err);
	return 0;
}

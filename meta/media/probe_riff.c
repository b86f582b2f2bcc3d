/*
 * AVI probe (RIFF).  The hdrl list holds avih (frame period, frame count,
 * picture size) and one strl per stream: strh (stream type, rate/scale,
 * length in frames) and strf (for video a BITMAPINFOHEADER whose
 * biCompression is the codec's fourcc).  OpenDML files (> 1 GB) count the
 * frames of the first RIFF only in avih; odml/dmlh has the total.
 *
 * Chunks are walked by their sizes (padded to even), only the hdrl list is
 * descended into, and only its first few kilobytes matter.
 */
#include "meta/media/probe_int.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#define MAX_CHUNKS 4096

struct chunk {
	uint8_t id[4], type[4]; /* type: the list type for LIST chunks */
	uint64_t start, end;	/* payload (after the list type for LIST) */
};

struct avi {
	struct probe_src *s;
	struct media_info *mi;
	uint32_t us_per_frame, total_frames, odml_frames, w, h;
	bool video;
	uint32_t rate, scale, length;
};

static int chunk_at(struct avi *a, uint64_t off, uint64_t limit, struct chunk *c)
{
	uint8_t h[12];
	uint64_t size;

	if (off >= limit || limit - off < 8)
		return 0;
	if (probe_exact(a->s, off, h, limit - off >= 12 ? 12 : 8))
		return probe_read_failed(a->s, "RIFF chunk header");
	memcpy(c->id, h, 4);
	size = le32(h + 4);
	c->start = off + 8;
	if (!add_u64(c->start, size, &c->end) || c->end > limit)
		return probe_fail(a->s, ERR_PERMANENT,
				  "AVI chunk at %llu claims %llu bytes but only %llu are left",
				  (unsigned long long)off, (unsigned long long)size,
				  (unsigned long long)(limit - c->start));
	memset(c->type, 0, 4);
	if (!memcmp(c->id, "LIST", 4) && size >= 4 && limit - off >= 12) {
		memcpy(c->type, h + 8, 4);
		c->start += 4;
	}
	return 1;
}

static uint64_t chunk_next(const struct chunk *c)
{
	return c->end + (c->end & 1);
}

static const struct {
	char fcc[5];
	const char *codec;
} codecs[] = {
    {"FMP4", "mpeg4"}, {"XVID", "mpeg4"}, {"DIVX", "mpeg4"},	 {"DX50", "mpeg4"},
    {"MP4V", "mpeg4"}, {"H264", "h264"},  {"X264", "h264"},	 {"AVC1", "h264"},
    {"HEVC", "hevc"},  {"H265", "hevc"},  {"MJPG", "mjpeg"},	 {"VP80", "vp8"},
    {"VP90", "vp9"},   {"AV01", "av1"},	  {"DIV3", "msmpeg4v3"}, {"MPG2", "mpeg2"},
};

static void set_codec(struct media_info *mi, const uint8_t *fcc)
{
	uint8_t up[4];

	for (int i = 0; i < 4; i++)
		up[i] = (uint8_t)(fcc[i] >= 'a' && fcc[i] <= 'z' ? fcc[i] - 32 : fcc[i]);
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!memcmp(up, codecs[i].fcc, 4)) {
			probe_set_codec(mi, codecs[i].codec);
			return;
		}
	probe_set_fourcc(mi, fcc);
}

static int parse_strl(struct avi *a, const struct chunk *strl)
{
	uint8_t b[40];
	uint64_t off = strl->start;
	struct chunk c;
	bool vids = false;
	int r, n = 0;

	while ((r = chunk_at(a, off, strl->end, &c)) == 1 && ++n < 64) {
		uint64_t len = c.end - c.start;

		if (!memcmp(c.id, "strh", 4) && len >= 36) {
			if (probe_exact(a->s, c.start, b, 36))
				return probe_read_failed(a->s, "AVI stream header");
			vids = !memcmp(b, "vids", 4);
			if (vids && !a->video) {
				a->scale = le32(b + 20);
				a->rate = le32(b + 24);
				a->length = le32(b + 32);
			}
		} else if (!memcmp(c.id, "strf", 4) && vids && !a->video && len >= 20) {
			if (probe_exact(a->s, c.start, b, 20))
				return probe_read_failed(a->s, "AVI stream format");
			a->w = le32(b + 4);
			a->h = (uint32_t)((int32_t)le32(b + 8) < 0 ? -(int64_t)(int32_t)le32(b + 8)
								   : le32(b + 8));
			set_codec(a->mi, b + 16);
			a->video = true;
		}
		off = chunk_next(&c);
	}
	return r < 0 ? r : 0;
}

static int parse_hdrl(struct avi *a, const struct chunk *hdrl)
{
	uint8_t b[48];
	uint64_t off = hdrl->start;
	struct chunk c;
	int r, n = 0;

	while ((r = chunk_at(a, off, hdrl->end, &c)) == 1 && ++n < MAX_CHUNKS) {
		if (!memcmp(c.id, "avih", 4) && c.end - c.start >= 40) {
			if (probe_exact(a->s, c.start, b, 40))
				return probe_read_failed(a->s, "AVI main header");
			a->us_per_frame = le32(b);
			a->total_frames = le32(b + 16);
			if (!a->w) {
				a->w = le32(b + 32);
				a->h = le32(b + 36);
			}
		} else if (!memcmp(c.type, "strl", 4)) {
			if (parse_strl(a, &c))
				return -EINVAL;
		} else if (!memcmp(c.type, "odml", 4)) {
			struct chunk d;

			if (chunk_at(a, c.start, c.end, &d) == 1 && !memcmp(d.id, "dmlh", 4) &&
			    d.end - d.start >= 4) {
				if (probe_exact(a->s, d.start, b, 4))
					return probe_read_failed(a->s, "AVI OpenDML header");
				a->odml_frames = le32(b);
			}
		}
		off = chunk_next(&c);
	}
	return r < 0 ? r : 0;
}

int probe_riff(struct probe_src *s, struct media_info *mi)
{
	struct avi a = {.s = s, .mi = mi};
	uint8_t h[12];
	uint64_t riff_end, off = 12;
	struct chunk c;
	int r, n = 0;

	mi->container = CONTAINER_AVI;
	if (probe_exact(s, 0, h, 12))
		return probe_read_failed(s, "RIFF header");
	if (memcmp(h, "RIFF", 4) || memcmp(h + 8, "AVI ", 4))
		return probe_fail(s, ERR_PERMANENT, "RIFF file that is not an AVI");
	riff_end = 8 + (uint64_t)le32(h + 4);
	if (riff_end > s->size)
		return probe_incomplete(s, riff_end);
	while ((r = chunk_at(&a, off, riff_end, &c)) == 1 && ++n < MAX_CHUNKS) {
		if (!memcmp(c.type, "hdrl", 4)) {
			if (parse_hdrl(&a, &c))
				return -EINVAL;
			break;
		}
		off = chunk_next(&c);
	}
	if (r < 0)
		return -EINVAL;
	if (!a.video)
		return probe_fail(s, ERR_PERMANENT, "no video stream in the AVI header");
	mi->width = a.w;
	mi->height = a.h;
	if (a.rate && a.scale)
		mi->fps = (double)a.rate / a.scale;
	else if (a.us_per_frame)
		mi->fps = 1e6 / a.us_per_frame;
	if (a.rate && a.scale && a.length)
		mi->duration = (double)a.length * a.scale / a.rate;
	else if (a.us_per_frame)
		mi->duration =
		    (double)(a.odml_frames ? a.odml_frames : a.total_frames) * a.us_per_frame / 1e6;
	tt_error_clear(s->err);
	return 0;
}

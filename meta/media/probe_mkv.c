/*
 * Matroska / WebM probe (EBML).  The EBML header gives the DocType ("webm"
 * or "matroska"); inside the Segment, Info gives TimecodeScale and the
 * Duration (a 4- or 8-byte float), and Tracks gives the first video track's
 * CodecID, pixel and display size and DefaultDuration (frame period).
 *
 * Elements are walked by their sizes, reading only headers, and descent is
 * explicit and fixed (Segment > Info | Tracks > TrackEntry > Video), so a
 * nesting bomb costs nothing.  An element of unknown size (all ones, what a
 * live recorder writes) extends to the end of its parent; a Cluster of
 * unknown size cannot be skipped, so the walk stops there: Info and Tracks
 * come before the first Cluster in every muxer we know.
 */
#include "meta/media/probe_int.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#define ID_EBML 0x1A45DFA3
#define ID_DOCTYPE 0x4282
#define ID_SEGMENT 0x18538067
#define ID_INFO 0x1549A966
#define ID_TIMECODESCALE 0x2AD7B1
#define ID_DURATION 0x4489
#define ID_TRACKS 0x1654AE6B
#define ID_TRACKENTRY 0xAE
#define ID_TRACKTYPE 0x83
#define ID_CODECID 0x86
#define ID_DEFAULTDURATION 0x23E383
#define ID_VIDEO 0xE0
#define ID_PIXELWIDTH 0xB0
#define ID_PIXELHEIGHT 0xBA
#define ID_DISPLAYWIDTH 0x54B0
#define ID_DISPLAYHEIGHT 0x54BA
#define ID_DISPLAYUNIT 0x54B2
#define ID_CLUSTER 0x1F43B675

#define MAX_ELEMENTS 20000 /* per walk */

struct el {
	uint32_t id;
	uint64_t start, end;
	bool unknown; /* size was "unknown": end is the parent's end */
};

struct mkv {
	struct probe_src *s;
	struct media_info *mi;
	uint64_t scale; /* ns per timecode tick */
	double dur;	/* in ticks, < 0 unknown */
	bool info, tracks, video;
};

/* A variable-length integer at p[0..n): its length, or 0 if malformed.
 * @keep_marker: element IDs keep the length marker bit, sizes do not. */
static unsigned vint(const uint8_t *p, size_t n, bool keep_marker, uint64_t *v, bool *all_ones)
{
	unsigned len = 1;
	uint64_t x, ones;

	if (!n || !p[0])
		return 0;
	while (!(p[0] & (0x80 >> (len - 1))))
		len++;
	if (len > 8 || len > n || (keep_marker && len > 4))
		return 0;
	x = keep_marker ? p[0] : p[0] & (0xFF >> len);
	for (unsigned i = 1; i < len; i++)
		x = x << 8 | p[i];
	ones = (1ull << (7 * len)) - 1;
	*all_ones = !keep_marker && x == ones;
	*v = x;
	return len;
}

/* Element header at @off inside [.., @limit): 1 ok, 0 none left, -1 error. */
static int el_at(struct mkv *k, uint64_t off, uint64_t limit, bool top, struct el *e)
{
	uint8_t h[12];
	uint64_t id, size;
	unsigned a, b;
	bool ones;
	long n;

	if (off >= limit)
		return 0;
	n = probe_at(k->s, off, h, limit - off < sizeof(h) ? (size_t)(limit - off) : sizeof(h));
	if (n < 0)
		return probe_read_failed(k->s, "EBML element header");
	a = vint(h, (size_t)n, true, &id, &ones);
	b = a ? vint(h + a, (size_t)n - a, false, &size, &ones) : 0;
	if (!a || !b) {
		if (top && off + (uint64_t)n >= k->s->size && n < (long)sizeof(h))
			return probe_incomplete(k->s, off + sizeof(h));
		return probe_fail(k->s, ERR_PERMANENT, "malformed EBML element at %llu",
				  (unsigned long long)off);
	}
	e->id = (uint32_t)id;
	e->start = off + a + b;
	e->unknown = ones;
	if (ones) {
		e->end = limit;
	} else if (!add_u64(e->start, size, &e->end) || e->end > limit) {
		if (top)
			return probe_incomplete(
			    k->s, add_u64(e->start, size, &e->end) ? e->end : UINT64_MAX);
		return probe_fail(k->s, ERR_PERMANENT,
				  "EBML element at %llu claims %llu bytes but only %llu are left",
				  (unsigned long long)off, (unsigned long long)size,
				  (unsigned long long)(limit - e->start));
	}
	return 1;
}

/* The element's payload, at most @len bytes (short for a bigger element). */
static long el_read(struct mkv *k, const struct el *e, void *buf, size_t len)
{
	long n;

	if (e->end - e->start < len)
		len = (size_t)(e->end - e->start);
	n = probe_at(k->s, e->start, buf, len);
	return n < 0 ? probe_read_failed(k->s, "EBML element") : n;
}

static int el_uint(struct mkv *k, const struct el *e, uint64_t *v)
{
	uint8_t b[8];
	long n;

	if (e->end - e->start > 8)
		return 0; /* not a valid uint: ignore it */
	if ((n = el_read(k, e, b, 8)) < 0)
		return -EINVAL;
	*v = 0;
	for (long i = 0; i < n; i++)
		*v = *v << 8 | b[i];
	return 0;
}

static int el_string(struct mkv *k, const struct el *e, char *out, size_t size)
{
	long n = el_read(k, e, out, size - 1);

	if (n < 0)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

static int parse_ebml_header(struct mkv *k, const struct el *hdr)
{
	char doctype[16] = "";
	uint64_t off = hdr->start;
	struct el e;
	int r, n = 0;

	while ((r = el_at(k, off, hdr->end, false, &e)) == 1 && ++n < 64) {
		if (e.id == ID_DOCTYPE && el_string(k, &e, doctype, sizeof(doctype)))
			return -EINVAL;
		off = e.end;
	}
	if (r < 0)
		return -EINVAL;
	if (!strcmp(doctype, "webm"))
		k->mi->container = CONTAINER_WEBM;
	else if (!strcmp(doctype, "matroska"))
		k->mi->container = CONTAINER_MKV;
	else
		return probe_fail(k->s, ERR_PERMANENT,
				  "EBML file whose DocType is neither webm nor matroska");
	return 0;
}

static int parse_info(struct mkv *k, const struct el *info)
{
	uint8_t b[8];
	uint64_t off = info->start, v;
	struct el e;
	int r, n = 0;

	k->info = true;
	while ((r = el_at(k, off, info->end, false, &e)) == 1 && ++n < MAX_ELEMENTS) {
		off = e.end;
		if (e.id == ID_TIMECODESCALE) {
			if (el_uint(k, &e, &v))
				return -EINVAL;
			if (v)
				k->scale = v;
		} else if (e.id == ID_DURATION) {
			long len = el_read(k, &e, b, 8);

			if (len < 0)
				return -EINVAL;
			if (len == 4 && e.end - e.start == 4) {
				float f;
				uint32_t u = be32(b);

				memcpy(&f, &u, 4);
				k->dur = f;
			} else if (len == 8 && e.end - e.start == 8) {
				double d;
				uint64_t u = be64(b);

				memcpy(&d, &u, 8);
				k->dur = d;
			}
		}
	}
	return r < 0 ? r : 0;
}

static const struct {
	const char *id;
	const char *codec;
	bool prefix;
} codecs[] = {
    {"V_VP8", "vp8", false},
    {"V_VP9", "vp9", false},
    {"V_AV1", "av1", false},
    {"V_MPEG4/ISO/AVC", "h264", false},
    {"V_MPEGH/ISO/HEVC", "hevc", false},
    {"V_MPEG4/ISO/", "mpeg4", true},
    {"V_MPEG4/MS/V3", "msmpeg4v3", false},
    {"V_MPEG2", "mpeg2", false},
    {"V_MPEG1", "mpeg1", false},
    {"V_THEORA", "theora", false},
    {"V_MJPEG", "mjpeg", false},
    {"V_PRORES", "prores", false},
};

static void set_codec(struct media_info *mi, const char *id)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (codecs[i].prefix ? !strncmp(id, codecs[i].id, strlen(codecs[i].id))
				     : !strcmp(id, codecs[i].id)) {
			probe_set_codec(mi, codecs[i].codec);
			return;
		}
	mi->codec[0] = '\0';
}

struct track {
	uint64_t type, default_dur;
	uint64_t pw, ph, dw, dh, unit;
	char codec[32];
};

static int parse_video(struct mkv *k, const struct el *video, struct track *t)
{
	uint64_t off = video->start;
	struct el e;
	int r, n = 0;

	while ((r = el_at(k, off, video->end, false, &e)) == 1 && ++n < MAX_ELEMENTS) {
		uint64_t *dst = e.id == ID_PIXELWIDTH	   ? &t->pw
				: e.id == ID_PIXELHEIGHT   ? &t->ph
				: e.id == ID_DISPLAYWIDTH  ? &t->dw
				: e.id == ID_DISPLAYHEIGHT ? &t->dh
				: e.id == ID_DISPLAYUNIT   ? &t->unit
							   : NULL;

		if (dst && el_uint(k, &e, dst))
			return -EINVAL;
		off = e.end;
	}
	return r < 0 ? r : 0;
}

static int parse_track(struct mkv *k, const struct el *entry)
{
	struct track t = {0};
	uint64_t off = entry->start;
	struct media_info *mi = k->mi;
	struct el e;
	int r, n = 0;

	while ((r = el_at(k, off, entry->end, false, &e)) == 1 && ++n < MAX_ELEMENTS) {
		off = e.end;
		if (e.id == ID_TRACKTYPE && el_uint(k, &e, &t.type))
			return -EINVAL;
		if (e.id == ID_DEFAULTDURATION && el_uint(k, &e, &t.default_dur))
			return -EINVAL;
		if (e.id == ID_CODECID && el_string(k, &e, t.codec, sizeof(t.codec)))
			return -EINVAL;
		if (e.id == ID_VIDEO && parse_video(k, &e, &t))
			return -EINVAL;
	}
	if (r < 0)
		return -EINVAL;
	if (t.type != 1 || k->video)
		return 0;
	k->video = true;
	set_codec(mi, t.codec);
	/* DisplayWidth/Height are in pixels only when DisplayUnit is 0. */
	mi->width = (unsigned)(t.unit == 0 && t.dw && t.dw <= UINT32_MAX ? t.dw
			       : t.pw <= UINT32_MAX			 ? t.pw
									 : 0);
	mi->height = (unsigned)(t.unit == 0 && t.dh && t.dh <= UINT32_MAX ? t.dh
				: t.ph <= UINT32_MAX			  ? t.ph
									  : 0);
	if (t.default_dur)
		mi->fps = 1e9 / (double)t.default_dur;
	return 0;
}

static int parse_tracks(struct mkv *k, const struct el *tracks)
{
	uint64_t off = tracks->start;
	struct el e;
	int r, n = 0;

	k->tracks = true;
	while ((r = el_at(k, off, tracks->end, false, &e)) == 1 && ++n < 256) {
		if (e.id == ID_TRACKENTRY && parse_track(k, &e))
			return -EINVAL;
		off = e.end;
	}
	return r < 0 ? r : 0;
}

static int parse_segment(struct mkv *k, const struct el *seg)
{
	uint64_t off = seg->start;
	struct el e;
	int r, n = 0;

	while ((r = el_at(k, off, seg->end, true, &e)) == 1) {
		if (++n > MAX_ELEMENTS)
			break;
		if (e.id == ID_INFO && !k->info && parse_info(k, &e))
			return -EINVAL;
		if (e.id == ID_TRACKS && !k->tracks && parse_tracks(k, &e))
			return -EINVAL;
		if (k->info && k->tracks)
			return 0;
		if (e.unknown)
			break; /* cannot skip it: nothing after it is reachable */
		off = e.end;
	}
	return r < 0 ? r : 0;
}

int probe_mkv(struct probe_src *s, struct media_info *mi)
{
	struct mkv k = {.s = s, .mi = mi, .scale = 1000000, .dur = -1};
	struct el e;
	uint64_t off = 0;
	int r, n = 0;

	mi->container = CONTAINER_MKV;
	if ((r = el_at(&k, 0, s->size, true, &e)) <= 0 || e.id != ID_EBML)
		return r < 0 ? r : probe_fail(s, ERR_PERMANENT, "no EBML header");
	if (parse_ebml_header(&k, &e))
		return -EINVAL;
	off = e.end;
	while ((r = el_at(&k, off, s->size, true, &e)) == 1 && ++n < 64) {
		if (e.id == ID_SEGMENT) {
			if (parse_segment(&k, &e))
				return -EINVAL;
			break;
		}
		off = e.end;
	}
	if (r < 0)
		return -EINVAL;
	if (!k.video)
		return probe_fail(s, ERR_PERMANENT, "no video track in the %s file",
				  media_container_name(mi->container));
	if (k.dur >= 0 && k.dur < 1e15)
		mi->duration = k.dur * (double)k.scale / 1e9;
	tt_error_clear(s->err);
	return 0;
}

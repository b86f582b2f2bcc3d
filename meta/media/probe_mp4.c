/*
 * ISO BMFF probe: MP4, MOV (QuickTime) and 3GP, told apart by the ftyp
 * brands.  The file is walked box by box reading only box headers, so that
 * a moov after a multi-gigabyte mdat costs a few dozen bytes; inside moov
 * only the small boxes that carry what we report are read: mvhd, tkhd,
 * mdhd, hdlr, stsd's first entry, stts (bounded), mvex/mehd/trex.  For a
 * fragmented file without mehd the duration is the end of the last video
 * fragment (tfdt + the trun durations), found by walking the moofs within
 * the read budget.
 *
 * Descent is explicit (moov > trak > mdia > minf > stbl), never recursive,
 * so a box nesting bomb costs nothing.  A top-level box that runs past the
 * end of the file is the mark of an unfinished copy: ERR_INCOMPLETE.
 * Payload buffers start zeroed and every field read is checked against the
 * count actually read, so a box shorter than its fields reads as absent.
 */
#include "meta/media/probe_int.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

#define MAX_BOXES 100000      /* per walk: a bound on header reads */
#define STTS_MAX_ENTRIES 8192 /* beyond this the fps is not worth the reads */
#define MAX_TRACKS 64

struct box {
	uint32_t type;
	uint64_t start; /* first payload byte */
	uint64_t end;	/* one past the last byte */
};

#define FCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct mp4 {
	struct probe_src *s;
	struct media_info *mi;
	uint64_t movie_scale, movie_dur;
	bool have_video;
	uint32_t video_id;		   /* track_ID of the video track */
	uint64_t video_scale;		   /* its mdhd timescale */
	uint32_t trex_default_dur;	   /* for the video track */
	uint64_t mehd_dur;		   /* movie timescale */
	uint64_t frag_end;		   /* video timescale: end of the last fragment seen */
	uint64_t frag_samples, frag_total; /* video samples and their summed durations */
	bool saw_mdat, moov_seen;
};

/*
 * Read the box header at @off, which must end by @limit.  Returns 1 with
 * @b set, 0 when there is no room for another header (the walk is over),
 * -1 on error.  @top: a box past @limit means the file is unfinished
 * (ERR_INCOMPLETE) rather than damaged.
 */
static int box_at(struct mp4 *m, uint64_t off, uint64_t limit, bool top, struct box *b)
{
	uint8_t h[16];
	uint64_t size, hdr = 8;

	if (off >= limit || limit - off < 8)
		return 0;
	if (probe_exact(m->s, off, h, 8))
		return probe_read_failed(m->s, "box header");
	size = be32(h);
	b->type = be32(h + 4);
	if (size == 1) {
		if (limit - off < 16)
			return top ? probe_incomplete(m->s, off + 16)
				   : probe_fail(m->s, ERR_PERMANENT, "box at %llu is cut short",
						(unsigned long long)off);
		if (probe_exact(m->s, off + 8, h + 8, 8))
			return probe_read_failed(m->s, "box header");
		size = be64(h + 8);
		hdr = 16;
	} else if (size == 0) {
		size = limit - off; /* "extends to the end of the file" */
	}
	/* Nothing real comes near 2^62 bytes; beyond it the size is damage, not
	 * a promise of more data, and would overflow offsets. */
	if (size < hdr || size > (1ull << 62) || !add_u64(off, size, &b->end))
		return probe_fail(m->s, ERR_PERMANENT, "box at %llu has an impossible size %llu",
				  (unsigned long long)off, (unsigned long long)size);
	if (b->end > limit) {
		if (top)
			return probe_incomplete(m->s, b->end);
		return probe_fail(
		    m->s, ERR_PERMANENT,
		    "box at %llu claims %llu bytes but only %llu are left in its parent",
		    (unsigned long long)off, (unsigned long long)size,
		    (unsigned long long)(limit - off));
	}
	b->start = off + hdr;
	return 1;
}

/* Find the first child of @parent with @type; 1 found, 0 not, -1 error. */
static int find_child(struct mp4 *m, const struct box *parent, uint32_t type, struct box *out)
{
	uint64_t off = parent->start;
	int r, n = 0;

	while ((r = box_at(m, off, parent->end, false, out)) == 1) {
		if (out->type == type)
			return 1;
		if (++n > MAX_BOXES)
			return 0;
		off = out->end;
	}
	return r;
}

/* Read up to @len payload bytes of @b into @buf; returns the count or -1. */
static long payload(struct mp4 *m, const struct box *b, void *buf, size_t len)
{
	uint64_t have = b->end - b->start;
	long n;

	if (len > have)
		len = (size_t)have;
	n = probe_at(m->s, b->start, buf, len);
	if (n < 0)
		return probe_read_failed(m->s, "box");
	return n;
}

static bool brand_3gp(const uint8_t *b)
{
	return !memcmp(b, "3gp", 3) || !memcmp(b, "3g2", 3);
}

static int parse_ftyp(struct mp4 *m, const struct box *b)
{
	uint8_t buf[64] = {0};
	long n = payload(m, b, buf, sizeof(buf));

	if (n < 0)
		return -EINVAL;
	if (n < 4) {
		m->mi->container = CONTAINER_MP4;
		return 0;
	}
	if (!memcmp(buf, "qt  ", 4))
		m->mi->container = CONTAINER_MOV;
	else if (brand_3gp(buf))
		m->mi->container = CONTAINER_3GP;
	else
		m->mi->container = CONTAINER_MP4;
	return 0;
}

static int parse_mvhd(struct mp4 *m, const struct box *b)
{
	uint8_t buf[32] = {0};
	long n = payload(m, b, buf, sizeof(buf));

	if (n < 0)
		return -EINVAL;
	if (buf[0] == 1 && n >= 32) {
		m->movie_scale = be32(buf + 20);
		m->movie_dur = be64(buf + 24);
	} else if (buf[0] == 0 && n >= 20) {
		m->movie_scale = be32(buf + 12);
		m->movie_dur = be32(buf + 16);
		if (m->movie_dur == UINT32_MAX)
			m->movie_dur = 0; /* "unknown" */
	}
	return 0;
}

/* 16.16 fixed point matrix entries a, b, c, d -> degrees clockwise. */
static int matrix_rotation(int32_t a, int32_t b, int32_t c, int32_t d)
{
	const int32_t one = 0x10000;

	if (a == 0 && d == 0 && b == one && c == -one)
		return 90;
	if (a == -one && d == -one && b == 0 && c == 0)
		return 180;
	if (a == 0 && d == 0 && b == -one && c == one)
		return 270;
	return 0;
}

struct trak {
	uint32_t id;
	unsigned w, h; /* tkhd, integer part */
	int rotation;
	uint64_t scale, dur;
	bool video;
	unsigned entry_w, entry_h;
	char codec[16];
	double fps;
};

static int parse_tkhd(struct mp4 *m, const struct box *b, struct trak *t)
{
	uint8_t buf[96] = {0};
	long n = payload(m, b, buf, sizeof(buf));
	size_t o;

	if (n < 0)
		return -EINVAL;
	/* after version/flags, the two times, track_ID, reserved, duration */
	o = buf[0] == 1 ? 36 : 24;
	if (n < 12)
		return 0;
	t->id = be32(buf + (buf[0] == 1 ? 20 : 12));
	o += 16; /* reserved 8, layer 2, alternate_group 2, volume 2, reserved 2 */
	if ((size_t)n < o + 36 + 8)
		return 0;
	t->rotation = matrix_rotation((int32_t)be32(buf + o), (int32_t)be32(buf + o + 4),
				      (int32_t)be32(buf + o + 12), (int32_t)be32(buf + o + 16));
	t->w = be32(buf + o + 36) >> 16;
	t->h = be32(buf + o + 40) >> 16;
	return 0;
}

static int parse_mdhd(struct mp4 *m, const struct box *b, struct trak *t)
{
	uint8_t buf[32] = {0};
	long n = payload(m, b, buf, sizeof(buf));

	if (n < 0)
		return -EINVAL;
	if (buf[0] == 1 && n >= 32) {
		t->scale = be32(buf + 20);
		t->dur = be64(buf + 24);
	} else if (n >= 20) {
		t->scale = be32(buf + 12);
		t->dur = be32(buf + 16);
	}
	return 0;
}

static const struct {
	char fcc[5];
	const char *codec;
} codecs[] = {
    {"avc1", "h264"},	{"avc3", "h264"},   {"hvc1", "hevc"},	{"hev1", "hevc"},
    {"av01", "av1"},	{"vp09", "vp9"},    {"vp08", "vp8"},	{"mp4v", "mpeg4"},
    {"s263", "h263"},	{"h263", "h263"},   {"jpeg", "mjpeg"},	{"mjpa", "mjpeg"},
    {"apch", "prores"}, {"apcn", "prores"}, {"apcs", "prores"}, {"apco", "prores"},
    {"ap4h", "prores"},
};

static void set_codec(struct trak *t, const uint8_t *fcc)
{
	struct media_info tmp;

	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!memcmp(fcc, codecs[i].fcc, 4)) {
			snprintf(t->codec, sizeof(t->codec), "%s", codecs[i].codec);
			return;
		}
	probe_set_fourcc(&tmp, fcc);
	memcpy(t->codec, tmp.codec, sizeof(t->codec));
}

/* stsd: full box, entry_count, then the first VisualSampleEntry. */
static int parse_stsd(struct mp4 *m, const struct box *b, struct trak *t)
{
	uint8_t buf[8 + 8 + 36] = {0};
	long n = payload(m, b, buf, sizeof(buf));

	if (n < 0)
		return -EINVAL;
	if (n < 16)
		return 0;
	set_codec(t, buf + 12);
	/* entry: size 4, type 4, reserved 6, data_ref 2, pre_defined/reserved 16,
	 * width 2, height 2 */
	if (n >= 8 + 8 + 8 + 16 + 4) {
		t->entry_w = be16(buf + 8 + 32);
		t->entry_h = be16(buf + 8 + 34);
	}
	return 0;
}

/* stts: frames per second = samples * timescale / total delta. */
static int parse_stts(struct mp4 *m, const struct box *b, struct trak *t)
{
	uint8_t buf[8 + 8 * 64];
	uint64_t count, samples = 0, total = 0, off;
	uint32_t done = 0;

	if (b->end - b->start < 8 || !t->scale)
		return 0;
	if (probe_exact(m->s, b->start, buf, 8))
		return probe_read_failed(m->s, "stts box");
	count = be32(buf + 4);
	if (count > STTS_MAX_ENTRIES || count > (b->end - b->start - 8) / 8)
		return 0;
	off = b->start + 8;
	while (done < count) {
		uint32_t k = count - done > 64 ? 64 : (uint32_t)(count - done);

		if (probe_exact(m->s, off, buf, (size_t)k * 8))
			return probe_read_failed(m->s, "stts box");
		for (uint32_t i = 0; i < k; i++) {
			samples += be32(buf + 8 * i);
			total += (uint64_t)be32(buf + 8 * i) * be32(buf + 8 * i + 4);
		}
		done += k;
		off += (uint64_t)k * 8;
	}
	if (samples && total)
		t->fps = (double)samples * (double)t->scale / (double)total;
	return 0;
}

static int parse_stbl(struct mp4 *m, const struct box *stbl, struct trak *t)
{
	struct box b;
	int r;

	if ((r = find_child(m, stbl, FCC('s', 't', 's', 'd'), &b)) < 0)
		return -EINVAL;
	if (r && parse_stsd(m, &b, t))
		return -EINVAL;
	if ((r = find_child(m, stbl, FCC('s', 't', 't', 's'), &b)) < 0)
		return -EINVAL;
	if (r && parse_stts(m, &b, t))
		return -EINVAL;
	return 0;
}

static int parse_mdia(struct mp4 *m, const struct box *mdia, struct trak *t)
{
	uint8_t h[12] = {0};
	struct box b, minf, stbl;
	int r;

	if ((r = find_child(m, mdia, FCC('m', 'd', 'h', 'd'), &b)) < 0)
		return -EINVAL;
	if (r && parse_mdhd(m, &b, t))
		return -EINVAL;
	if ((r = find_child(m, mdia, FCC('h', 'd', 'l', 'r'), &b)) < 0)
		return -EINVAL;
	if (r) {
		long n = payload(m, &b, h, sizeof(h));

		if (n < 0)
			return -EINVAL;
		t->video = n == 12 && !memcmp(h + 8, "vide", 4);
	}
	if (!t->video)
		return 0;
	if ((r = find_child(m, mdia, FCC('m', 'i', 'n', 'f'), &minf)) <= 0)
		return r;
	if ((r = find_child(m, &minf, FCC('s', 't', 'b', 'l'), &stbl)) <= 0)
		return r;
	return parse_stbl(m, &stbl, t);
}

static void use_video(struct mp4 *m, const struct trak *t)
{
	struct media_info *mi = m->mi;
	unsigned w = t->w ? t->w : t->entry_w, h = t->h ? t->h : t->entry_h;

	m->have_video = true;
	m->video_id = t->id;
	m->video_scale = t->scale;
	mi->rotation = t->rotation;
	if (t->rotation == 90 || t->rotation == 270) {
		mi->width = h;
		mi->height = w;
	} else {
		mi->width = w;
		mi->height = h;
	}
	memcpy(mi->codec, t->codec, sizeof(mi->codec));
	mi->fps = t->fps;
}

static int parse_trak(struct mp4 *m, const struct box *trak)
{
	struct trak t = {0};
	struct box b;
	int r;

	if ((r = find_child(m, trak, FCC('t', 'k', 'h', 'd'), &b)) < 0)
		return -EINVAL;
	if (r && parse_tkhd(m, &b, &t))
		return -EINVAL;
	if ((r = find_child(m, trak, FCC('m', 'd', 'i', 'a'), &b)) < 0)
		return -EINVAL;
	if (r && parse_mdia(m, &b, &t))
		return -EINVAL;
	if (t.video && !m->have_video)
		use_video(m, &t);
	return 0;
}

static int parse_mvex(struct mp4 *m, const struct box *mvex)
{
	uint8_t buf[24] = {0};
	uint64_t off = mvex->start;
	struct box b;
	int r, n = 0;

	m->mi->fragmented = true;
	while ((r = box_at(m, off, mvex->end, false, &b)) == 1 && ++n < MAX_TRACKS * 4) {
		long k = payload(m, &b, buf, sizeof(buf));

		if (k < 0)
			return -EINVAL;
		if (b.type == FCC('m', 'e', 'h', 'd'))
			m->mehd_dur = buf[0] == 1 && k >= 12 ? be64(buf + 4)
				      : k >= 8		     ? be32(buf + 4)
							     : 0;
		else if (b.type == FCC('t', 'r', 'e', 'x') && k >= 20 && m->have_video &&
			 be32(buf + 4) == m->video_id)
			m->trex_default_dur = be32(buf + 16);
		off = b.end;
	}
	return r < 0 ? r : 0;
}

static int parse_moov(struct mp4 *m, const struct box *moov)
{
	uint64_t off = moov->start;
	struct box b, mvex = {0};
	int r, n = 0;

	m->moov_seen = true;
	m->mi->moov_at_end = m->saw_mdat;
	while ((r = box_at(m, off, moov->end, false, &b)) == 1) {
		if (++n > MAX_BOXES)
			break;
		if (b.type == FCC('m', 'v', 'h', 'd') && parse_mvhd(m, &b))
			return -EINVAL;
		if (b.type == FCC('t', 'r', 'a', 'k') && parse_trak(m, &b))
			return -EINVAL;
		if (b.type == FCC('m', 'v', 'e', 'x'))
			mvex = b;
		off = b.end;
	}
	if (r < 0)
		return -EINVAL;
	if (mvex.end && parse_mvex(m, &mvex)) /* after the traks: trex names a track */
		return -EINVAL;
	return 0;
}

/* The summed sample durations of one trun: per sample if it lists them,
 * else count * the default duration. */
static int trun_duration(struct mp4 *m, const struct box *b, uint32_t def_dur, uint64_t *out,
			 uint64_t *samples)
{
	uint8_t buf[512];
	uint32_t flags, count;
	uint64_t off, room;
	size_t entry;

	*out = 0;
	*samples = 0;
	if (b->end - b->start < 8)
		return 0;
	if (probe_exact(m->s, b->start, buf, 8))
		return probe_read_failed(m->s, "trun box");
	flags = be32(buf) & 0xffffff;
	count = be32(buf + 4);
	*samples = count;
	off = b->start + 8 + (flags & 1 ? 4 : 0) + (flags & 4 ? 4 : 0);
	if (!(flags & 0x100)) {
		*out = (uint64_t)count * def_dur;
		return 0;
	}
	entry = 4 * (size_t)__builtin_popcount(flags & 0xf00);
	room = off < b->end ? (b->end - off) / entry : 0;
	if (count > room)
		count = (uint32_t)room; /* a lying count: only what the box holds */
	*samples = count;
	while (count) {
		uint32_t k = count > sizeof(buf) / entry ? (uint32_t)(sizeof(buf) / entry) : count;

		if (probe_exact(m->s, off, buf, k * entry))
			return probe_read_failed(m->s, "trun box");
		for (uint32_t i = 0; i < k; i++)
			*out += be32(buf + i * entry);
		count -= k;
		off += k * entry;
	}
	return 0;
}

/* traf of the video track: tfdt base time + the sum of the trun durations. */
static int parse_traf(struct mp4 *m, const struct box *traf)
{
	uint8_t buf[24] = {0};
	uint64_t off = traf->start, base = 0, sum = 0, end;
	uint32_t def_dur = m->trex_default_dur;
	struct box b;
	int r, n = 0;

	while ((r = box_at(m, off, traf->end, false, &b)) == 1 && ++n < 1024) {
		long k;

		off = b.end;
		if (b.type == FCC('t', 'f', 'h', 'd')) {
			uint32_t flags;
			size_t o = 8;

			if ((k = payload(m, &b, buf, sizeof(buf))) < 0)
				return -EINVAL;
			if (k < 8 || be32(buf + 4) != m->video_id)
				return 0; /* another track's fragment */
			flags = be32(buf) & 0xffffff;
			o += flags & 1 ? 8 : 0; /* base_data_offset */
			o += flags & 2 ? 4 : 0; /* sample_description_index */
			if (flags & 8 && (size_t)k >= o + 4)
				def_dur = be32(buf + o);
		} else if (b.type == FCC('t', 'f', 'd', 't')) {
			if ((k = payload(m, &b, buf, 12)) < 0)
				return -EINVAL;
			base = buf[0] == 1 && k >= 12 ? be64(buf + 4) : k >= 8 ? be32(buf + 4) : 0;
		} else if (b.type == FCC('t', 'r', 'u', 'n')) {
			uint64_t d = 0, k2 = 0;

			if (trun_duration(m, &b, def_dur, &d, &k2))
				return -EINVAL;
			sum += d;
			m->frag_samples += k2;
			m->frag_total += d;
		}
	}
	if (r < 0)
		return -EINVAL;
	if (add_u64(base, sum, &end) && end > m->frag_end)
		m->frag_end = end;
	return 0;
}

static int parse_moof(struct mp4 *m, const struct box *moof)
{
	uint64_t off = moof->start;
	struct box b;
	int r, n = 0;

	m->mi->fragmented = true;
	if (!m->have_video)
		return 0;
	while ((r = box_at(m, off, moof->end, false, &b)) == 1 && ++n < 1024) {
		if (b.type == FCC('t', 'r', 'a', 'f') && parse_traf(m, &b))
			return -EINVAL;
		off = b.end;
	}
	return r < 0 ? r : 0;
}

/* Duration: mvhd; for a fragmented file mehd, else the last fragment's end. */
static void finish(struct mp4 *m)
{
	struct media_info *mi = m->mi;

	if (m->movie_scale && m->movie_dur)
		mi->duration = (double)m->movie_dur / (double)m->movie_scale;
	else if (m->movie_scale && m->mehd_dur)
		mi->duration = (double)m->mehd_dur / (double)m->movie_scale;
	else if (m->video_scale && m->frag_end)
		mi->duration = (double)m->frag_end / (double)m->video_scale;
	if (!mi->fps && m->frag_samples && m->frag_total && m->video_scale)
		mi->fps = (double)m->frag_samples * (double)m->video_scale / (double)m->frag_total;
}

/*
 * The top-level walk.  Over budget while walking moofs (a long fragmented
 * file): keep what was found; the duration is then a lower bound, which
 * errs towards accepting, and TikTok re-checks anyway.
 */
int probe_mp4(struct probe_src *s, struct media_info *mi)
{
	struct mp4 m = {.s = s, .mi = mi};
	uint64_t off = 0;
	struct box b;
	int r, n = 0;

	mi->container = CONTAINER_MOV; /* no ftyp: a QuickTime file from before ftyp */
	while ((r = box_at(&m, off, s->size, true, &b)) == 1) {
		if (++n > MAX_BOXES)
			break;
		if (b.type == FCC('f', 't', 'y', 'p') && n == 1 && parse_ftyp(&m, &b))
			return -EINVAL;
		if (b.type == FCC('m', 'd', 'a', 't'))
			m.saw_mdat = true;
		if (b.type == FCC('m', 'o', 'o', 'v') && !m.moov_seen && parse_moov(&m, &b))
			return -EINVAL;
		if (b.type == FCC('m', 'o', 'o', 'f') && parse_moof(&m, &b)) {
			if (!s->over_budget)
				return -EINVAL;
			r = 0;
			break;
		}
		off = b.end;
	}
	if (r < 0 && !(s->over_budget && m.moov_seen && s->err->cls != ERR_INCOMPLETE))
		return -EINVAL;
	if (!m.moov_seen)
		return probe_fail(s, ERR_PERMANENT,
				  "no movie header (moov box) in %llu bytes: not a playable video",
				  (unsigned long long)s->size);
	if (!m.have_video)
		return probe_fail(s, ERR_PERMANENT, "no video track (sound only?)");
	finish(&m);
	tt_error_clear(s->err);
	return 0;
}

/*
 * MPEG transport stream (.ts, .m2ts) and program stream (.mpg, .vob)
 * probes.  Neither container states a duration: it is the span between the
 * first video PTS near the head and the last one near the tail, plus one
 * frame.  So both read a window at each end of the file (HEAD_WIN and
 * TAIL_WIN bytes, well within the read budget) and nothing in between.
 *
 * TS: the PAT names the PMT's PID, the PMT names the video stream's PID and
 * type (0x1b H.264, 0x24 HEVC, 0x02 MPEG-2, ...).  Sections that span
 * packets are not reassembled (every muxer we know keeps PAT and PMT in one
 * packet).  Picture size: MPEG-1/2 video carries it in a plain sequence
 * header, read here; for H.264/HEVC it sits in an entropy-coded SPS, which
 * this probe does not parse, so width, height and fps stay 0 and the
 * caller treats them as unknown.  TikTok takes no TS or PS anyway.
 *
 * PS: pack headers (00 00 01 BA) with PES packets; the MPEG-1/2 sequence
 * header (00 00 01 B3) gives the size and frame rate.
 */
#include "meta/media/probe_int.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>

#define HEAD_WIN (512u * 1024)
#define TAIL_WIN (512u * 1024)
#define PTS_WRAP (1ull << 33)

struct window {
	uint8_t *p;
	size_t n;
	uint64_t off;
};

/* Read [off, off+len) clipped to the file into a new buffer. */
static int window_read(struct probe_src *s, uint64_t off, size_t len, struct window *w)
{
	long n;

	if (off >= s->size)
		len = 0;
	else if (len > s->size - off)
		len = (size_t)(s->size - off);
	w->p = malloc(len ? len : 1);
	w->n = 0;
	w->off = off;
	if (!w->p)
		return probe_fail(s, ERR_RETRY, "out of memory");
	n = probe_at(s, off, w->p, len);
	if (n < 0)
		return probe_read_failed(s, "stream");
	w->n = (size_t)n;
	return 0;
}

struct pts_span {
	bool have_first, have_last;
	uint64_t first, last, min_delta, prev;
};

static void pts_seen(struct pts_span *sp, uint64_t pts, bool head)
{
	if (head) {
		if (!sp->have_first) {
			sp->first = pts;
			sp->have_first = true;
		} else {
			uint64_t d = (pts - sp->prev) & (PTS_WRAP - 1);

			if (d && d < 90000 && (!sp->min_delta || d < sp->min_delta))
				sp->min_delta = d;
		}
		sp->prev = pts;
		return;
	}
	/* tail: the latest, in the first PTS's wrap-around frame */
	if (!sp->have_last ||
	    ((pts - sp->first) & (PTS_WRAP - 1)) > ((sp->last - sp->first) & (PTS_WRAP - 1)))
		sp->last = pts;
	sp->have_last = true;
}

static double span_seconds(const struct pts_span *sp, double fps)
{
	double d = (double)((sp->last - sp->first) & (PTS_WRAP - 1)) / 90000.0;

	if (fps > 0)
		return d + 1.0 / fps;
	if (sp->min_delta)
		return d + (double)sp->min_delta / 90000.0;
	return d;
}

/* A 33-bit timestamp from the 5-byte PES encoding; false if its marker
 * bits are wrong (then it was not a timestamp). */
static bool read_ts(const uint8_t *p, uint64_t *v)
{
	if (!(p[0] & 1) || !(p[2] & 1) || !(p[4] & 1))
		return false;
	*v = (uint64_t)(p[0] >> 1 & 7) << 30 | (uint64_t)p[1] << 22 | (uint64_t)(p[2] >> 1) << 15 |
	     (uint64_t)p[3] << 7 | p[4] >> 1;
	return true;
}

/* The PTS of a PES header at p[0..n) (starting at 00 00 01 sid). */
static bool pes_pts(const uint8_t *p, size_t n, uint64_t *pts)
{
	size_t i = 6;

	if (n < 9)
		return false;
	if ((p[6] & 0xC0) == 0x80) /* MPEG-2 */
		return (p[7] & 0x80) && n >= 14 && read_ts(p + 9, pts);
	while (i < n && i < 6 + 16 && p[i] == 0xFF) /* MPEG-1 stuffing */
		i++;
	if (i + 2 <= n && (p[i] & 0xC0) == 0x40)
		i += 2; /* STD buffer */
	return i + 5 <= n && (p[i] & 0xE0) == 0x20 && read_ts(p + i, pts);
}

static const double frame_rates[16] = {0,  24000.0 / 1001, 24, 25, 30000.0 / 1001, 30,
				       50, 60000.0 / 1001, 60};

/* MPEG-1/2 sequence header at p (00 00 01 B3), n bytes available. */
static void seq_header(struct media_info *mi, const uint8_t *p, size_t n)
{
	if (n < 8 || mi->width)
		return;
	mi->width = (unsigned)(p[4] << 4 | p[5] >> 4);
	mi->height = (unsigned)((p[5] & 0x0F) << 8 | p[6]);
	mi->fps = frame_rates[p[7] & 0x0F];
}

/* --- transport stream --- */

struct ts {
	struct probe_src *s;
	struct media_info *mi;
	unsigned pkt, lead;
	int pmt_pid, video_pid, pcr_pid;
	uint8_t stream_type;
	struct pts_span pts, pcr;
};

static const char *ts_codec(uint8_t type)
{
	switch (type) {
	case 0x01:
		return "mpeg1";
	case 0x02:
		return "mpeg2";
	case 0x10:
		return "mpeg4";
	case 0x1b:
		return "h264";
	case 0x24:
		return "hevc";
	case 0xea:
		return "vc1";
	default:
		return NULL;
	}
}

/* A PSI section starting in payload p[0..n): the table's bytes, or NULL. */
static const uint8_t *psi(const uint8_t *p, size_t n, size_t *len)
{
	size_t ptr, sl;

	if (n < 1 || (ptr = p[0]) + 1 + 3 > n)
		return NULL;
	p += 1 + ptr;
	n -= 1 + ptr;
	sl = (size_t)(p[1] & 0x0F) << 8 | p[2];
	if (sl + 3 > n || sl < 9)
		return NULL;
	*len = sl + 3 - 4; /* without the CRC */
	return p;
}

static void ts_pat(struct ts *t, const uint8_t *p, size_t n)
{
	size_t len;
	const uint8_t *sec = psi(p, n, &len);

	if (!sec || sec[0] != 0x00)
		return;
	for (size_t i = 8; i + 4 <= len; i += 4)
		if (be16(sec + i)) {
			t->pmt_pid = be16(sec + i + 2) & 0x1FFF;
			return;
		}
}

static void ts_pmt(struct ts *t, const uint8_t *p, size_t n)
{
	size_t len, i;
	const uint8_t *sec = psi(p, n, &len);

	if (!sec || sec[0] != 0x02 || len < 12)
		return;
	t->pcr_pid = be16(sec + 8) & 0x1FFF;
	i = 12 + (be16(sec + 10) & 0x0FFF);
	while (i + 5 <= len) {
		uint8_t type = sec[i];
		int pid = be16(sec + i + 1) & 0x1FFF;

		if (ts_codec(type) && t->video_pid < 0) {
			t->video_pid = pid;
			t->stream_type = type;
		}
		i += 5 + (be16(sec + i + 3) & 0x0FFF);
	}
}

static void ts_packet(struct ts *t, const uint8_t *b, bool head)
{
	int pid = (b[1] & 0x1F) << 8 | b[2];
	bool pusi = b[1] & 0x40;
	unsigned afc = b[3] >> 4 & 3, o = 4;
	uint64_t v;

	if (afc & 2) {
		unsigned alen = b[4];

		if (alen > 183)
			return;
		if (pid == t->pcr_pid && alen >= 7 && (b[5] & 0x10)) {
			v = (uint64_t)b[6] << 25 | (uint64_t)b[7] << 17 | (uint64_t)b[8] << 9 |
			    (uint64_t)b[9] << 1 | b[10] >> 7;
			pts_seen(&t->pcr, v, head);
		}
		o = 5 + alen;
	}
	if (!(afc & 1) || o >= 188 || !pusi)
		return;
	if (pid == 0 && head)
		ts_pat(t, b + o, 188 - o);
	else if (pid == t->pmt_pid && head)
		ts_pmt(t, b + o, 188 - o);
	else if (pid == t->video_pid && 188 - o >= 9 && !memcmp(b + o, "\0\0\1", 3)) {
		if (pes_pts(b + o, 188 - o, &v))
			pts_seen(&t->pts, v, head);
		if (head && (t->stream_type == 0x01 || t->stream_type == 0x02) && !t->mi->width) {
			for (unsigned i = o + 9; i + 8 <= 188; i++)
				if (!memcmp(b + i, "\0\0\1\xB3", 4)) {
					seq_header(t->mi, b + i, 188 - i);
					break;
				}
		}
	}
}

static void ts_window(struct ts *t, const struct window *w, bool head)
{
	/* packets start at lead + k * pkt from the file's start */
	uint64_t rel = w->off >= t->lead ? (w->off - t->lead) % t->pkt : 0;
	size_t i = rel ? t->pkt - (size_t)rel : 0;

	if (w->off < t->lead)
		i = t->lead - (size_t)w->off;
	for (; i + 188 <= w->n; i += t->pkt)
		if (w->p[i] == 0x47)
			ts_packet(t, w->p + i, head);
}

int probe_mpeg_ts(struct probe_src *s, struct media_info *mi, unsigned pkt, unsigned lead)
{
	struct ts t = {.s = s,
		       .mi = mi,
		       .pkt = pkt,
		       .lead = lead,
		       .pmt_pid = -1,
		       .video_pid = -1,
		       .pcr_pid = -1};
	struct window w = {0};
	int ret = -EINVAL;

	mi->container = CONTAINER_MPEG_TS;
	if (window_read(s, 0, HEAD_WIN, &w))
		goto out;
	/* two passes over the head: PAT/PMT may come after the first PES */
	ts_window(&t, &w, true);
	memset(&t.pts, 0, sizeof(t.pts));
	memset(&t.pcr, 0, sizeof(t.pcr));
	ts_window(&t, &w, true);
	if (t.video_pid < 0) {
		probe_fail(s, ERR_PERMANENT, "no video stream in the transport stream's tables");
		goto out;
	}
	probe_set_codec(mi, ts_codec(t.stream_type));
	free(w.p);
	w.p = NULL;
	if (window_read(s, s->size > TAIL_WIN ? s->size - TAIL_WIN : 0, TAIL_WIN, &w))
		goto out;
	ts_window(&t, &w, false);
	if (t.pts.have_first && t.pts.have_last)
		mi->duration = span_seconds(&t.pts, mi->fps);
	else if (t.pcr.have_first && t.pcr.have_last)
		mi->duration = span_seconds(&t.pcr, 0);
	tt_error_clear(s->err);
	ret = 0;
out:
	free(w.p);
	return ret;
}

/* --- program stream --- */

static void ps_window(struct media_info *mi, const struct window *w, struct pts_span *sp, bool head,
		      bool *mpeg2)
{
	const uint8_t *p = w->p;

	for (size_t i = 0; i + 4 <= w->n; i++) {
		/* start codes are 00 00 01 xx: jump from one 01 byte to the next */
		const uint8_t *one = memchr(p + i + 2, 1, w->n - i - 3);

		if (!one)
			break;
		i = (size_t)(one - p) - 2;
		if (p[i] || p[i + 1])
			continue;
		if (p[i + 3] == 0xB3 && head)
			seq_header(mi, p + i, w->n - i);
		else if (p[i + 3] == 0xB5 && head && i + 5 <= w->n && p[i + 4] >> 4 == 1)
			*mpeg2 = true;
		else if (p[i + 3] >= 0xE0 && p[i + 3] <= 0xEF) {
			uint64_t pts;

			if (pes_pts(p + i, w->n - i, &pts))
				pts_seen(sp, pts, head);
		}
	}
}

int probe_mpeg_ps(struct probe_src *s, struct media_info *mi)
{
	struct pts_span sp = {0};
	struct window w = {0};
	bool mpeg2 = false;
	int ret = -EINVAL;

	mi->container = CONTAINER_MPEG_PS;
	if (window_read(s, 0, HEAD_WIN, &w))
		goto out;
	ps_window(mi, &w, &sp, true, &mpeg2);
	if (!mi->width) {
		probe_fail(s, ERR_PERMANENT, "no MPEG video sequence header in the first %zu bytes",
			   w.n);
		goto out;
	}
	probe_set_codec(mi, mpeg2 ? "mpeg2" : "mpeg1");
	free(w.p);
	w.p = NULL;
	if (window_read(s, s->size > TAIL_WIN ? s->size - TAIL_WIN : 0, TAIL_WIN, &w))
		goto out;
	ps_window(mi, &w, &sp, false, &mpeg2);
	if (sp.have_first && sp.have_last)
		mi->duration = span_seconds(&sp, mi->fps);
	tt_error_clear(s->err);
	ret = 0;
out:
	free(w.p);
	return ret;
}

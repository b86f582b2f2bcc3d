/*
 * Media probes: real files made by Debian's ffmpeg (tests/tools/mediafiles.py
 * writes the standard set; the directory comes from TIKTOKFS_MEDIA or
 * argv[1]; tests/tools/run_unit.py generates it and sets the variable), hostile
 * buffers built here, and the read budget on a sparse 3 GiB file.
 */
#include "meta/media/probe.h"
#include "meta/media/probe_int.h"
#include "unit.h"

#include <errno.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *media_dir;

static double absd(double x)
{
	return x < 0 ? -x : x;
}

struct expect {
	const char *name;
	enum container container;
	double duration;
	unsigned width, height;
	int rotation;
	const char *codec;
	double fps;
	bool fragmented, moov_at_end;
};

/* What ffmpeg was asked for (tests/tools/mediafiles.py STANDARD), as displayed. */
static const struct expect standard[] = {
    {"portrait.mp4", CONTAINER_MP4, 3.0, 360, 640, 0, "h264", 30, false, true},
    {"landscape.mp4", CONTAINER_MP4, 3.0, 640, 360, 0, "h264", 30, false, true},
    {"short.mp4", CONTAINER_MP4, 2.9, 360, 640, 0, "h264", 30, false, true},
    {"faststart.mp4", CONTAINER_MP4, 3.0, 360, 640, 0, "h264", 30, false, false},
    {"frag.mp4", CONTAINER_MP4, 3.0, 360, 640, 0, "h264", 30, true, false},
    {"rotated.mp4", CONTAINER_MP4, 3.0, 360, 640, 90, "h264", 30, false, true},
    {"rotated180.mp4", CONTAINER_MP4, 3.0, 720, 1280, 180, "h264", 30, false, true},
    {"rotated270.mov", CONTAINER_MOV, 2.9, 360, 640, 270, "h264", 30, false, true},
    {"clip.mov", CONTAINER_MOV, 3.0, 360, 640, 0, "h264", 30, false, true},
    {"clip.3gp", CONTAINER_3GP, 3.0, 360, 640, 0, "h264", 30, false, true},
    {"clip.webm", CONTAINER_WEBM, 3.0, 360, 640, 0, "vp8", 30, false, false},
    {"clip.mkv", CONTAINER_MKV, 3.0, 640, 360, 0, "h264", 30, false, false},
    {"clip.avi", CONTAINER_AVI, 3.0, 360, 640, 0, "mpeg4", 30, false, false},
    /* H.264 in TS: the size sits in the SPS, which the probe does not parse */
    {"clip.ts", CONTAINER_MPEG_TS, 3.0, 0, 0, 0, "h264", 0, false, false},
    {"clip.mpg", CONTAINER_MPEG_PS, 3.0, 352, 640, 0, "mpeg2", 30, false, false},
    {"clip.wmv", CONTAINER_ASF, 3.0, 360, 640, 0, "wmv2", 0, false, false},
};

static char *media_path(const char *name)
{
	size_t n = strlen(media_dir) + strlen(name) + 2;
	char *p = malloc(n);

	snprintf(p, n, "%s/%s", media_dir, name);
	return p;
}

static void *slurp(const char *name, size_t *len)
{
	char *path = media_path(name);
	struct stat st;
	void *buf = NULL;
	int fd = open(path, O_RDONLY);

	*len = 0;
	if (fd < 0 || fstat(fd, &st)) {
		FAILF("cannot open %s", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		FAILF("short read of %s", path);
	*len = (size_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return buf;
}

TEST(test_every_container_reports_what_ffmpeg_wrote)
{
	for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
		const struct expect *x = &standard[i];
		char *path = media_path(x->name);
		struct media_info mi;
		struct tt_error err;

		if (probe_file(path, x->name, &mi, &err)) {
			FAILF("%s: %s", x->name, err.what);
			free(path);
			continue;
		}
		free(path);
		if (mi.container != x->container)
			FAILF("%s: container %s, expected %s", x->name,
			      media_container_name(mi.container),
			      media_container_name(x->container));
		if (absd(mi.duration - x->duration) > 0.05)
			FAILF("%s: duration %.3f, expected %.3f", x->name, mi.duration,
			      x->duration);
		if (mi.width != x->width || mi.height != x->height)
			FAILF("%s: %ux%u, expected %ux%u", x->name, mi.width, mi.height, x->width,
			      x->height);
		if (mi.rotation != x->rotation)
			FAILF("%s: rotation %d, expected %d", x->name, mi.rotation, x->rotation);
		if (strcmp(mi.codec, x->codec))
			FAILF("%s: codec \"%s\", expected \"%s\"", x->name, mi.codec, x->codec);
		if (absd(mi.fps - x->fps) > 0.5)
			FAILF("%s: fps %.3f, expected %.3f", x->name, mi.fps, x->fps);
		if (mi.fragmented != x->fragmented || mi.moov_at_end != x->moov_at_end)
			FAILF("%s: fragmented %d moov_at_end %d, expected %d %d", x->name,
			      mi.fragmented, mi.moov_at_end, x->fragmented, x->moov_at_end);
		if (!mi.size)
			FAILF("%s: size 0", x->name);
	}
}

static void expect_error(const char *name, enum err_class cls, const char *what)
{
	char *path = media_path(name);
	struct media_info mi;
	struct tt_error err;

	int rc = probe_file(path, name, &mi, &err);

	if (!rc)
		FAILF("%s: probed as %s", name, media_container_name(mi.container));
	else if (rc != tt_error_errno(cls))
		FAILF("%s: returned %d, not the errno of class %s", name, rc, err_class_name(cls));
	else if (err.cls != cls)
		FAILF("%s: class %s (%s)", name, err_class_name(err.cls), err.what);
	else
		CHECK_CONTAINS(err.what, what);
	free(path);
}

TEST(test_half_copied_file_is_incomplete_not_broken)
{
	expect_error("truncated.mp4", ERR_INCOMPLETE, "truncated.mp4: ends at ");
	expect_error("truncated.mp4", ERR_INCOMPLETE, "(an unfinished copy?)");
	expect_error("truncated_moov_at_end.mp4", ERR_INCOMPLETE, "but its header promises");
	expect_error("truncated.webm", ERR_INCOMPLETE, "truncated.webm: ends at ");
	expect_error("truncated.mkv", ERR_INCOMPLETE, "truncated.mkv: ends at ");
	expect_error("truncated.avi", ERR_INCOMPLETE, "truncated.avi: ends at ");
	expect_error("truncated.wmv", ERR_INCOMPLETE, "truncated.wmv: ends at ");
}

TEST(test_text_and_garbage_named_mp4_are_refused)
{
	expect_error("text.mp4", ERR_PERMANENT,
		     "text.mp4: not a video file (no known container header)");
	expect_error("corrupted.mp4", ERR_PERMANENT, "corrupted.mp4: ");
}

TEST(test_empty_file_says_so)
{
	expect_error("empty.mp4", ERR_PERMANENT, "empty.mp4: empty file (0 bytes)");
}

TEST(test_missing_file_and_fifo_are_errors)
{
	struct media_info mi;
	struct tt_error err;

	char dir[] = "/tmp/tiktokfs-probe-XXXXXX", fifo[64];

	CHECK_INT(probe_file("/nonexistent/x.mp4", "x.mp4", &mi, &err), -ENOENT);
	CHECK_CONTAINS(err.what, "x.mp4: cannot open");
	CHECK_INT(err.cls, ERR_PERMANENT);
	/* a FIFO named like a video: refused at once, not waited on */
	if (!mkdtemp(dir)) {
		FAILF("mkdtemp");
		return;
	}
	snprintf(fifo, sizeof(fifo), "%s/p.mp4", dir);
	CHECK(mkfifo(fifo, 0600) == 0);
	CHECK_INT(probe_file(fifo, "p.mp4", &mi, &err), -EINVAL);
	CHECK_STR(err.what, "p.mp4: not a regular file");
	unlink(fifo);
	rmdir(dir);
}

TEST(test_upload_content_types)
{
	CHECK_STR(media_container_mime(CONTAINER_MP4), "video/mp4");
	CHECK_STR(media_container_mime(CONTAINER_3GP), "video/mp4");
	CHECK_STR(media_container_mime(CONTAINER_MOV), "video/quicktime");
	CHECK_STR(media_container_mime(CONTAINER_WEBM), "video/webm");
	CHECK(media_container_mime(CONTAINER_MKV) == NULL);
	CHECK(media_container_mime(CONTAINER_AVI) == NULL);
	CHECK(media_container_mime(CONTAINER_MPEG_TS) == NULL);
	CHECK(media_container_mime(CONTAINER_UNKNOWN) == NULL);
	CHECK_STR(media_container_name(CONTAINER_MKV), "Matroska");
	CHECK_STR(media_container_name(CONTAINER_MPEG_PS), "MPEG-PS");
	CHECK_STR(media_container_name((enum container)99), "unknown");
}

/* Probe a buffer: either a result or a classified error with a message. */
static int probe_sane(const void *buf, size_t len, const char *label, struct tt_error *err)
{
	struct media_info mi;
	int r = probe_buffer(buf, len, "x.mp4", &mi, err);

	if (r == 0) {
		if (mi.size != len)
			FAILF("%s: size %llu for %zu bytes", label, (unsigned long long)mi.size,
			      len);
		return 0;
	}
	if (r != tt_error_errno(err->cls) || !err->what[0] || strncmp(err->what, "x.mp4: ", 7) ||
	    (err->cls != ERR_PERMANENT && err->cls != ERR_INCOMPLETE))
		FAILF("%s: r=%d class %s \"%s\"", label, r, err_class_name(err->cls), err->what);
	return r;
}

static size_t put_box(uint8_t *p, uint32_t size, const char *type)
{
	p[0] = (uint8_t)(size >> 24);
	p[1] = (uint8_t)(size >> 16);
	p[2] = (uint8_t)(size >> 8);
	p[3] = (uint8_t)size;
	memcpy(p + 4, type, 4);
	return 8;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static size_t ftyp(uint8_t *p)
{
	put_box(p, 16, "ftyp");
	memcpy(p + 8, "isom\0\0\2\0", 8);
	return 16;
}

TEST(test_huge_box_size_is_an_unfinished_copy)
{
	uint8_t b[64] = {0};
	struct tt_error err;
	size_t n = ftyp(b);

	n += put_box(b + n, 0xFFFFFFF0u, "mdat");
	CHECK_INT(probe_sane(b, n + 16, "huge mdat", &err), -EAGAIN);
	CHECK_INT(err.cls, ERR_INCOMPLETE);
	CHECK_CONTAINS(err.what, "promises 4294967296");
}

TEST(test_largesize_overflow_is_refused)
{
	uint64_t sizes[] = {UINT64_MAX, UINT64_MAX - 15, 1ull << 63, 15, 0, 8};
	uint8_t b[64] = {0};
	struct tt_error err;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = ftyp(b);

		n += put_box(b + n, 1, "moov");
		put64(b + n, sizes[i]);
		CHECK(probe_sane(b, n + 8 + 16, "largesize", &err) < 0);
		if (sizes[i] != 0 && sizes[i] < 16)
			CHECK_CONTAINS(err.what, "impossible size");
	}
	/* a moov child whose largesize overflows offset + size */
	size_t n = ftyp(b);
	n += put_box(b + n, 40, "moov");
	n += put_box(b + n, 1, "trak");
	put64(b + n, UINT64_MAX - 8);
	CHECK(probe_sane(b, n + 8 + 16, "nested largesize", &err) < 0);
	CHECK_INT(err.cls, ERR_PERMANENT);
}

TEST(test_nesting_bomb_costs_nothing)
{
	size_t depth = 100000, len = 16 + depth * 8;
	uint8_t *b = calloc(1, len);
	struct tt_error err;
	size_t n = ftyp(b);
	const char *t[] = {"moov", "trak", "mdia", "minf", "stbl"};

	for (size_t i = 0; i < depth; i++)
		n += put_box(b + n, (uint32_t)(len - n), t[i < 5 ? i : 1 + i % 4]);
	CHECK(probe_sane(b, len, "nesting bomb", &err) < 0);
	CHECK_INT(err.cls, ERR_PERMANENT);
	free(b);
}

TEST(test_ebml_unknown_sizes_and_bad_lengths)
{
	/* EBML header (DocType webm), Segment of unknown size, Info of unknown
	 * size, then an element whose size field has no length marker. */
	static const uint8_t unknown[] = {
	    0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, 'w',  'e',	'b',  'm',  0x18, 0x53,
	    0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x15, 0x49, 0xA9, 0x66,
	    0xFF, 0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40, 0x44, 0x89, 0x00, 0x00,
	};
	static const uint8_t huge[] = {
	    0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, 'w',  'e',	'b',  'm',
	    0x18, 0x53, 0x80, 0x67, 0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
	};
	static const uint8_t bad_header[] = {0x1A, 0x45, 0xDF, 0xA3, 0x08, 0x42, 0x82};
	struct tt_error err;

	CHECK(probe_sane(unknown, sizeof(unknown), "unknown sizes", &err) < 0);
	CHECK(probe_sane(huge, sizeof(huge), "huge segment", &err) < 0);
	CHECK_INT(err.cls, ERR_INCOMPLETE);
	CHECK(probe_sane(bad_header, sizeof(bad_header), "bad header", &err) < 0);
}

TEST(test_every_truncation_of_every_header_is_handled)
{
	for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
		size_t len, max;
		uint8_t *data = slurp(standard[i].name, &len);
		struct tt_error err;
		char label[64];

		max = len < 2048 ? len : 2048;
		for (size_t cut = 0; cut <= max; cut++) {
			snprintf(label, sizeof(label), "%s cut at %zu", standard[i].name, cut);
			probe_sane(data, cut, label, &err);
		}
		free(data);
	}
}

TEST(test_flipped_bytes_never_crash)
{
	unsigned seed = 7;

	for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++) {
		size_t len;
		uint8_t *data = slurp(standard[i].name, &len);
		struct tt_error err;

		for (int round = 0; round < 300 && len; round++) {
			size_t at = (size_t)rand_r(&seed) % (len < 4096 ? len : 4096);
			uint8_t old = data[at];

			data[at] = (uint8_t)rand_r(&seed);
			probe_sane(data, len, standard[i].name, &err);
			data[at] = old;
		}
		free(data);
	}
}

/* --- the read budget --- */

struct counted {
	int fd;
	uint64_t bytes;
};

static long counted_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct counted *c = ctx;
	ssize_t n = pread(c->fd, buf, len, (off_t)off);

	if (n > 0)
		c->bytes += (uint64_t)n;
	return n;
}

/*
 * A 3 GiB sparse file: ftyp, an mdat (64-bit size) over almost all of it,
 * and a real moov at the very end.  The probe must find it by box sizes
 * alone.
 */
TEST(test_three_gib_file_costs_less_than_the_budget)
{
	const uint64_t total = 3ull << 30;
	char path[] = "/tmp/tiktokfs-probe-XXXXXX";
	size_t len, moov_len = 0;
	uint8_t *src = slurp("faststart.mp4", &len), head[32];
	struct counted c = {.fd = mkstemp(path)};
	struct media_info mi;
	struct tt_error err;
	uint64_t moov_off = 0;

	/* faststart.mp4: ftyp, moov, ... : find its moov */
	for (uint64_t off = 0; off + 8 <= len;) {
		uint32_t size = be32(src + off);

		if (!memcmp(src + off + 4, "moov", 4)) {
			moov_off = off;
			moov_len = size;
			break;
		}
		if (size < 8)
			break;
		off += size;
	}
	CHECK(moov_len > 0 && c.fd >= 0);
	if (!moov_len || c.fd < 0)
		goto out;
	ftyp(head);
	put_box(head + 16, 1, "mdat");
	put64(head + 24, total - moov_len - 16);
	CHECK(pwrite(c.fd, head, 32, 0) == 32);
	CHECK(pwrite(c.fd, src + moov_off, moov_len, (off_t)(total - moov_len)) ==
	      (ssize_t)moov_len);
	CHECK(probe_reader(counted_read, &c, total, "big.mp4", &mi, &err) == 0);
	CHECK_INT(mi.container, CONTAINER_MP4);
	CHECK(mi.moov_at_end);
	CHECK_INT(mi.width, 360);
	CHECK(absd(mi.duration - 3.0) < 0.05);
	CHECK(c.bytes <= PROBE_READ_MAX);
	CHECK(c.bytes < 64 * 1024); /* headers only: a few KB */

	/* the same file with its moov gone: an error, still within budget */
	c.bytes = 0;
	CHECK(ftruncate(c.fd, 0) == 0 && ftruncate(c.fd, (off_t)total) == 0);
	put_box(head + 16, 0, "mdat"); /* size 0: to the end of the file */
	CHECK(pwrite(c.fd, head, 24, 0) == 24);
	CHECK(probe_reader(counted_read, &c, total, "big.mp4", &mi, &err) < 0);
	CHECK_CONTAINS(err.what, "no movie header");
	CHECK(c.bytes <= PROBE_READ_MAX);
out:
	if (c.fd >= 0)
		close(c.fd);
	unlink(path);
	free(src);
}

/* A virtual endless file: the pattern repeats every @plen bytes. */
struct pattern {
	const uint8_t *head, *p;
	size_t hlen, plen;
	uint64_t bytes;
};

static long pattern_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct pattern *pt = ctx;
	uint8_t *out = buf;

	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		out[i] = o < pt->hlen ? pt->head[o] : pt->p[(o - pt->hlen) % pt->plen];
	}
	pt->bytes += len;
	return (long)len;
}

TEST(test_endless_tiny_records_stop_at_the_budget)
{
	static const uint8_t mp4_head[16] = {0, 0, 0, 16, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
	static const uint8_t free_box[8] = {0, 0, 0, 8, 'f', 'r', 'e', 'e'};
	static const uint8_t mkv_head[] = {0x1A, 0x45, 0xDF, 0xA3, 0x84, 0x42, 0x82,
					   0x81, 'w',  0x18, 0x53, 0x80, 0x67, 0x01,
					   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	static const uint8_t void_el[2] = {0xEC, 0x80};
	static const uint8_t ts_pkt[188] = {0x47, 0x1F, 0xFF, 0x10};
	struct pattern cases[] = {
	    {mp4_head, free_box, sizeof(mp4_head), sizeof(free_box), 0},
	    {mkv_head, void_el, sizeof(mkv_head), sizeof(void_el), 0},
	    {ts_pkt, ts_pkt, sizeof(ts_pkt), sizeof(ts_pkt), 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct media_info mi;
		struct tt_error err;

		CHECK(probe_reader(pattern_read, &cases[i], 1ull << 40, "endless.mp4", &mi, &err) ==
		      -EINVAL);
		CHECK(err.what[0]);
		if (cases[i].bytes > PROBE_READ_MAX)
			FAILF("case %zu read %llu bytes", i, (unsigned long long)cases[i].bytes);
	}
}

int main(int argc, char **argv)
{
	media_dir = argc > 1 ? argv[1] : getenv("TIKTOKFS_MEDIA");
	if (!media_dir || !*media_dir) {
		fprintf(stderr, "test_probe: set TIKTOKFS_MEDIA or pass the directory written "
				"by tests/tools/mediafiles.py\n");
		return UNIT_DONE();
	}
	unit_run_all();
	return UNIT_DONE();
}

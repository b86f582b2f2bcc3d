/*
 * Media probe front end: the bounded reader, dispatch by magic bytes, and
 * the ways in (a path, a path below a drop folder's root, a descriptor, a
 * reader callback, a buffer).
 *
 * The reader is the only door to the file.  It clips every read at the end
 * of the file, counts every byte it hands out and refuses to go beyond
 * PROBE_READ_MAX in total, so that a hostile or merely huge file costs at
 * most that much I/O however its headers lie.  The families
 * (probe_mp4.c, ...) check every length they take from the file against
 * what is left before using it.
 */
#include "meta/media/probe_int.h"
#include "meta/job/itemfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_LEN 1024

long probe_at(struct probe_src *s, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	if (off >= s->size || !len)
		return 0;
	if (len > s->size - off)
		len = (size_t)(s->size - off);
	if (len > PROBE_READ_MAX || s->used + len > PROBE_READ_MAX) {
		s->over_budget = true;
		return -EFBIG;
	}
	s->used += len;
	while (done < len) {
		long n = s->read(s->ctx, off + done, (char *)buf + done, len - done);

		if (n < 0) {
			s->io_error = true;
			return -EIO;
		}
		if (n == 0)
			break; /* the file shrank under us: a short answer */
		done += (size_t)n;
	}
	return (long)done;
}

int probe_exact(struct probe_src *s, uint64_t off, void *buf, size_t len)
{
	long n = probe_at(s, off, buf, len);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -ENODATA;
}

int probe_fail(struct probe_src *s, enum err_class cls, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	tt_error_set(s->err, cls, "%s: %s", s->name, line);
	return tt_error_errno(cls);
}

int probe_incomplete(struct probe_src *s, uint64_t promised)
{
	probe_fail(s, ERR_INCOMPLETE,
		   "ends at %llu bytes but its header promises %llu (an unfinished copy?)",
		   (unsigned long long)s->size, (unsigned long long)promised);
	tt_error_advise(s->err, "Wait for the copy to finish; tiktokfs looks again when the "
				"file is closed.");
	return -EAGAIN;
}

int probe_read_failed(struct probe_src *s, const char *what)
{
	if (s->io_error)
		return probe_fail(s, ERR_RETRY, "cannot read the %s", what);
	if (s->over_budget)
		return probe_fail(s, ERR_PERMANENT,
				  "the %s is not within the first %u bytes a probe may read", what,
				  PROBE_READ_MAX);
	return probe_fail(s, ERR_PERMANENT, "the %s is cut short (damaged file?)", what);
}

void probe_set_codec(struct media_info *mi, const char *codec)
{
	snprintf(mi->codec, sizeof(mi->codec), "%s", codec);
}

void probe_set_fourcc(struct media_info *mi, const uint8_t *fcc)
{
	char s[5];
	size_t n = 4;

	for (size_t i = 0; i < 4; i++) {
		if (fcc[i] < 0x20 || fcc[i] > 0x7e || fcc[i] == '"' || fcc[i] == '\\') {
			mi->codec[0] = '\0';
			return;
		}
		s[i] = (char)(fcc[i] >= 'A' && fcc[i] <= 'Z' ? fcc[i] + 32 : fcc[i]);
	}
	while (n && s[n - 1] == ' ')
		n--;
	s[n] = '\0';
	probe_set_codec(mi, s);
}

/* ISO BMFF: a known top-level box type at offset 4 (QuickTime files from
 * old cameras start with moov, mdat, wide or free instead of ftyp). */
bool probe_is_mp4(const uint8_t *h, size_t n)
{
	static const char *const types[] = {"ftyp", "moov", "mdat", "wide",
					    "free", "skip", "pnot", "styp"};

	if (n < 8)
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!memcmp(h + 4, types[i], 4))
			return true;
	return false;
}

/* MPEG-TS: sync bytes 0x47 every 188 bytes (or 192 for M2TS, which puts
 * a 4-byte timestamp before each packet), three times where the file is
 * long enough, once for a one-packet file. */
bool probe_is_ts(const uint8_t *h, size_t n, uint64_t size, unsigned *pkt, unsigned *lead)
{
	static const unsigned sizes[2][2] = {{188, 0}, {192, 4}};

	for (int k = 0; k < 2; k++) {
		unsigned p = sizes[k][0], l = sizes[k][1];
		int hits = 0, need = size >= 3ull * p ? 3 : 1;

		for (int i = 0; i < need && (size_t)(l + i * p) < n; i++)
			hits += h[l + i * p] == 0x47;
		if (hits == need && size >= p) {
			*pkt = p;
			*lead = l;
			return true;
		}
	}
	return false;
}

static const uint8_t asf_header_guid[16] = {0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11,
					    0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C};

static int dispatch(struct probe_src *s, struct media_info *mi)
{
	uint8_t h[HEAD_LEN];
	unsigned pkt, lead;
	long n;

	if (s->size == 0)
		return probe_fail(s, ERR_PERMANENT, "empty file (0 bytes)");
	n = probe_at(s, 0, h, sizeof(h));
	if (n < 0)
		return probe_read_failed(s, "first bytes");
	if (probe_is_mp4(h, (size_t)n))
		return probe_mp4(s, mi);
	if (n >= 4 && be32(h) == 0x1A45DFA3)
		return probe_mkv(s, mi);
	if (n >= 12 && !memcmp(h, "RIFF", 4) && !memcmp(h + 8, "AVI", 3))
		return probe_riff(s, mi);
	if (n >= 16 && !memcmp(h, asf_header_guid, 16))
		return probe_asf(s, mi);
	if (n >= 4 && be32(h) == 0x000001BA)
		return probe_mpeg_ps(s, mi);
	if (probe_is_ts(h, (size_t)n, s->size, &pkt, &lead))
		return probe_mpeg_ts(s, mi, pkt, lead);
	probe_fail(s, ERR_PERMANENT, "not a video file (no known container header)");
	tt_error_advise(s->err, "TikTok takes MP4, MOV or WebM videos.");
	return -EINVAL;
}

static void info_init(struct media_info *mi, uint64_t size)
{
	memset(mi, 0, sizeof(*mi));
	mi->size = size;
	mi->duration = -1;
}

static int run_family(struct probe_src *s, enum container family, struct media_info *mi)
{
	uint8_t h[HEAD_LEN];
	unsigned pkt = 188, lead = 0;
	struct tt_error scratch;
	long n;

	if (!s->err)
		s->err = &scratch; /* the families read s->err->cls */
	tt_error_clear(s->err);
	info_init(mi, s->size);
	switch (family) {
	case CONTAINER_UNKNOWN:
		return dispatch(s, mi);
	case CONTAINER_MKV:
		return probe_mkv(s, mi);
	case CONTAINER_AVI:
		return probe_riff(s, mi);
	case CONTAINER_ASF:
		return probe_asf(s, mi);
	case CONTAINER_MPEG_PS:
		return probe_mpeg_ps(s, mi);
	case CONTAINER_MPEG_TS:
		n = probe_at(s, 0, h, sizeof(h));
		if (n > 0)
			probe_is_ts(h, (size_t)n, s->size, &pkt, &lead);
		return probe_mpeg_ts(s, mi, pkt, lead);
	default:
		return probe_mp4(s, mi);
	}
}

/* A family's failure as the -errno of its class (tt_error_errno): the
 * families pass on whatever their helpers returned. */
static int run(struct probe_src *s, enum container family, struct media_info *mi)
{
	int rc = run_family(s, family, mi);

	return rc ? tt_error_errno(s->err->cls) : 0;
}

int probe_reader(probe_read_fn read, void *ctx, uint64_t size, const char *name,
		 struct media_info *mi, struct tt_error *err)
{
	struct probe_src s = {.read = read, .ctx = ctx, .size = size, .name = name, .err = err};

	return run(&s, CONTAINER_UNKNOWN, mi);
}

struct mem {
	const uint8_t *p;
	size_t len;
};

static long mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - (size_t)off;
	memcpy(buf, m->p + off, len);
	return (long)len;
}

int probe_buffer_as(enum container family, const void *data, size_t len, const char *name,
		    struct media_info *mi, struct tt_error *err)
{
	struct mem m = {data, len};
	struct probe_src s = {.read = mem_read, .ctx = &m, .size = len, .name = name, .err = err};

	return run(&s, family, mi);
}

int probe_buffer(const void *data, size_t len, const char *name, struct media_info *mi,
		 struct tt_error *err)
{
	return probe_buffer_as(CONTAINER_UNKNOWN, data, len, name, mi, err);
}

static long fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	ssize_t n;

	if (off > INT64_MAX)
		return 0;
	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Probe what @fd (a regular file, open for reading) holds. */
int probe_fd(int fd, const char *name, struct media_info *mi, struct tt_error *err)
{
	struct stat st;

	tt_error_clear(err);
	info_init(mi, 0);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		tt_error_set(err, ERR_PERMANENT, "%s: not a regular file", name);
		return -EINVAL;
	}
	return probe_reader(fd_read, &fd, (uint64_t)st.st_size, name, mi, err);
}

int probe_file(const char *path, const char *name, struct media_info *mi, struct tt_error *err)
{
	int fd, ret;

	tt_error_clear(err);
	info_init(mi, 0);
	/* O_NONBLOCK: a FIFO dropped in the folder must not hang the probe */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		tt_error_set(err, ret == -ENOENT || ret == -ELOOP ? ERR_PERMANENT : ERR_RETRY,
			     "%s: cannot open: %s", name, strerror(-ret));
		return ret;
	}
	ret = probe_fd(fd, name, mi, err);
	close(fd);
	return ret;
}

int probe_file_at(int root_fd, const char *rel, const char *name, struct media_info *mi,
		  struct tt_error *err)
{
	int fd, ret;

	tt_error_clear(err);
	info_init(mi, 0);
	fd = itemfile_open(root_fd, rel, name, err);
	if (fd < 0)
		return fd;
	ret = probe_fd(fd, name, mi, err);
	close(fd);
	return ret;
}

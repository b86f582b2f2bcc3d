/*
 * The unit tests' shared set-up (see fixture.h): temporary state folder,
 * drop folder, store, config, tracker, and their removal.  The drop folder
 * is made by drop_create(), the daemon's own maker, so that the tests see
 * the folders and modes the daemon makes, not a copy of the rule.
 */
#include "tests/unit/fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meta/job/drop.h"
#include "meta/job/store.h"
#include "meta/job/tracker.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "tests/unit/mp4w.h"

static int fail(struct fixture *fx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct fixture *fx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fx->why, sizeof(fx->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

int fixture_rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int fixture_up(struct fixture *fx, const char *name)
{
	struct tt_error err;

	memset(fx, 0, sizeof(*fx));
	config_defaults(&fx->cfg);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ttfs-%.40s-XXXXXX", name);
	if (!mkdtemp(fx->dir)) {
		fail(fx, "mkdtemp %s: %s", fx->dir, strerror(errno));
		fx->dir[0] = '\0';
		goto out;
	}
	free(fx->cfg.state_dir);
	fx->cfg.state_dir = xstrdup(fx->dir);
	fx->root = xasprintf("%s/staging", fx->dir);
	fx->db = xasprintf("%s/jobs.db", fx->dir);
	tt_error_clear(&err);
	if (drop_create(fx->root, &err) < 0) {
		fail(fx, "drop_create: %s", err.what);
		goto out;
	}
	fx->st = store_open(fx->db, &err);
	if (!fx->st) {
		fail(fx, "store_open: %s", err.what);
		goto out;
	}
	return 0;
out:
	fixture_down(fx);
	return -1;
}

int fixture_tracker(struct fixture *fx, double now)
{
	fx->t = tracker_new(fx->st, &fx->cfg, fx->root, NULL);
	if (tracker_reconcile(fx->t, now) < 0)
		return fail(fx, "tracker_reconcile of %s failed", fx->root);
	return 0;
}

void fixture_down(struct fixture *fx)
{
	char why[sizeof(fx->why)];

	tracker_free(fx->t);
	fx->t = NULL;
	if (fx->st)
		store_close(fx->st);
	fx->st = NULL;
	config_free(&fx->cfg);
	if (fx->dir[0])
		fixture_rm_tree(fx->dir);
	free(fx->root);
	free(fx->db);
	memcpy(why, fx->why, sizeof(why)); /* FIXTURE_UP prints it after */
	memset(fx, 0, sizeof(*fx));
	memcpy(fx->why, why, sizeof(why));
}

char *fixture_path(const struct fixture *fx, const char *rel)
{
	return xasprintf("%s/%s", fx->root, rel);
}

bool fixture_exists(const struct fixture *fx, const char *rel)
{
	char *p = fixture_path(fx, rel);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* mkdir -p of the folders above root/@rel. */
static void make_parents(const struct fixture *fx, const char *rel)
{
	char *p = fixture_path(fx, rel);

	for (char *s = p + strlen(fx->root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

int fixture_put(struct fixture *fx, const char *rel, const void *data, size_t len)
{
	char *p = fixture_path(fx, rel);
	int fd, rc = 0;

	make_parents(fx, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		rc = fail(fx, "cannot write %s: %s", p, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

char *fixture_slurp(const struct fixture *fx, const char *rel, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	char *p = fixture_path(fx, rel);
	int fd = open(p, O_RDONLY);
	ssize_t n;

	free(p);
	if (fd < 0)
		return NULL;
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&sb, len);
}

/* The video track of fixture_put_mp4(): tkhd, mdhd (30 units a second),
 * an avc1 sample entry 1080x1920 and one stts run of @frames frames. */
static void video_track(struct mp4w *m, uint32_t frames)
{
	open_box(m, "trak");
	open_box(m, "tkhd");
	put32(m, 3), zeros(m, 8), put32(m, 1), zeros(m, 4), put32(m, frames), zeros(m, 16);
	matrix(m), put32(m, 1080u << 16), put32(m, 1920u << 16);
	close_box(m);
	open_box(m, "mdia");
	open_box(m, "mdhd");
	zeros(m, 12), put32(m, 30), put32(m, frames), put16(m, 0x55c4), put16(m, 0);
	close_box(m);
	open_box(m, "hdlr");
	zeros(m, 8), put(m, "vide", 4), zeros(m, 13);
	close_box(m);
	open_box(m, "minf");
	open_box(m, "stbl");
	open_box(m, "stsd");
	zeros(m, 4), put32(m, 1);
	open_box(m, "avc1");
	zeros(m, 6), put16(m, 1), zeros(m, 16), put16(m, 1080), put16(m, 1920);
	put32(m, 0x480000), put32(m, 0x480000), zeros(m, 4), put16(m, 1), zeros(m, 32);
	put16(m, 0x18), put16(m, 0xffff);
	close_box(m);
	close_box(m); /* stsd */
	open_box(m, "stts");
	zeros(m, 4), put32(m, 1), put32(m, frames), put32(m, 1);
	close_box(m);
	close_box(m); /* stbl */
	close_box(m); /* minf */
	close_box(m); /* mdia */
	close_box(m); /* trak */
}

int fixture_put_mp4(struct fixture *fx, const char *rel, uint64_t size)
{
	struct mp4w m = {.len = 0};
	char *p = fixture_path(fx, rel);
	int fd, rc = 0;

	open_box(&m, "ftyp");
	put(&m, "isom", 4), put32(&m, 0x200), put(&m, "isomavc1", 8);
	close_box(&m);
	open_box(&m, "moov");
	open_box(&m, "mvhd");
	zeros(&m, 12), put32(&m, 30), put32(&m, 300), put32(&m, 0x10000), put16(&m, 0x100);
	zeros(&m, 10), matrix(&m), zeros(&m, 24), put32(&m, 2);
	close_box(&m);
	video_track(&m, 300);
	close_box(&m); /* moov */
	put32(&m, (uint32_t)(size - m.len)), put(&m, "mdat", 4);
	make_parents(fx, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, m.b, m.len) != (ssize_t)m.len || ftruncate(fd, (off_t)size))
		rc = fail(fx, "cannot write %s: %s", p, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

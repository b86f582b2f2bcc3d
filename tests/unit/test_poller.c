/*
 * The poller: snapshots of a folder that inotify cannot watch, diffed into
 * tracker events (fs/poller.h).  The diff is driven with snapshots made by
 * hand and a fake sink that writes each event as a line ("open
 * outbox/a.mp4 @10"), so a test reads as the story of two or three polls.
 * The walk is tested on a real folder: what it records, what it skips,
 * and that it never reads a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fs/fstype.h"
#include "fs/poller_int.h"
#include "unit.h"
#include "util/strbuf.h"

/* ---- the fake sink ---- */

static struct strbuf events = STRBUF_INIT;

static void ev(const char *what, const char *a, const char *b, double now)
{
	strbuf_addf(&events, "%s %s%s%s @%g\n", what, a, b ? " " : "", b ? b : "", now);
}

static void f_open(void *arg, const char *path, double now)
{
	(void)arg;
	ev("open", path, NULL, now);
}

static void f_close(void *arg, const char *path, double now)
{
	(void)arg;
	ev("close", path, NULL, now);
}

static void f_changed(void *arg, const char *path, double now)
{
	(void)arg;
	ev("changed", path, NULL, now);
}

static void f_renamed(void *arg, const char *from, const char *to, double now)
{
	(void)arg;
	ev("renamed", from, to, now);
}

static void f_removed(void *arg, const char *path, double now)
{
	(void)arg;
	ev("removed", path, NULL, now);
}

static const struct poll_sink sink = { f_open, f_close, f_changed, f_renamed, f_removed, NULL };

/* The events so far, and forget them. */
static const char *taken(void)
{
	static char *last;

	free(last);
	last = strbuf_detach(&events, NULL);
	return last ? last : "";
}

/* ---- the diff, on snapshots made by hand ---- */

static struct psnap cur;

/* One poll at @now that finds @n files: path, inode, size (mtime = size). */
struct f {
	const char *path;
	uint64_t ino;
	int64_t size;
};

static void poll_at(double now, double settle, const struct f *fs, size_t n)
{
	struct psnap next = { 0 };

	for (size_t i = 0; i < n; i++)
		psnap_add(&next, fs[i].path, fs[i].ino, fs[i].size, fs[i].size, false);
	psnap_sort(&next);
	poll_diff(&sink, &cur, &next, now, settle);
	psnap_clear(&cur);
	cur = next;
}

#define POLL(now, settle, ...)                                                           \
	do {                                                                             \
		const struct f fs_[] = { __VA_ARGS__ };                                  \
		poll_at(now, settle, fs_, sizeof(fs_) / sizeof(fs_[0]));                 \
	} while (0)
#define POLL_EMPTY(now, settle) poll_at(now, settle, NULL, 0)

static void reset(void)
{
	psnap_clear(&cur);
	taken();
}

TEST(test_new_file_is_held_until_two_polls_agree)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 });
	CHECK_STR(taken(), "open outbox/a.mp4 @10\n");
	POLL(11, 0, { "outbox/a.mp4", 1, 100 });
	/* the close carries the time of the poll that saw the change */
	CHECK_STR(taken(), "close outbox/a.mp4 @10\n");
	POLL(12, 0, { "outbox/a.mp4", 1, 100 });
	CHECK_STR(taken(), "");
}

TEST(test_growing_file_is_never_released)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 });
	for (int i = 1; i <= 5; i++) {
		POLL(10 + i, 0, { "outbox/a.mp4", 1, 100 + i });
		CHECK_STR(taken(), i == 1 ? "open outbox/a.mp4 @10\n" : "");
	}
	POLL(16, 0, { "outbox/a.mp4", 1, 105 });
	CHECK_STR(taken(), "close outbox/a.mp4 @15\n");
}

TEST(test_settle_longer_than_the_interval_waits_for_it)
{
	reset();
	POLL(10, 3, { "outbox/a.mp4", 1, 100 });
	CHECK_STR(taken(), "open outbox/a.mp4 @10\n");
	POLL(11, 3, { "outbox/a.mp4", 1, 100 });
	POLL(12, 3, { "outbox/a.mp4", 1, 100 });
	CHECK_STR(taken(), "");
	POLL(13, 3, { "outbox/a.mp4", 1, 100 });
	CHECK_STR(taken(), "close outbox/a.mp4 @10\n");
}

TEST(test_settled_file_that_changes_is_held_again)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 });
	POLL(11, 0, { "outbox/a.mp4", 1, 100 });
	taken();
	POLL(12, 0, { "outbox/a.mp4", 1, 200 });
	CHECK_STR(taken(), "open outbox/a.mp4 @12\n");
	POLL(13, 0, { "outbox/a.mp4", 1, 200 });
	CHECK_STR(taken(), "close outbox/a.mp4 @12\n");
}

TEST(test_vanished_file_is_removed)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 }, { "outbox/a.caption", 2, 10 });
	taken();
	POLL(11, 0, { "outbox/a.caption", 2, 10 });
	/* no close for a file that is gone: the tracker forgets its writers */
	CHECK_STR(taken(), "removed outbox/a.mp4 @11\nclose outbox/a.caption @10\n");
}

TEST(test_same_inode_elsewhere_is_a_rename)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 });
	POLL(11, 0, { "outbox/a.mp4", 1, 100 });
	taken();
	POLL(12, 0, { "scheduled/a.mp4", 1, 100 });
	CHECK_STR(taken(), "renamed outbox/a.mp4 scheduled/a.mp4 @12\n");
}

TEST(test_held_file_renamed_is_held_under_its_new_name)
{
	reset();
	POLL(10, 0, { "outbox/.a.mp4.XYZ", 1, 100 });
	taken();
	POLL(11, 0, { "outbox/a.mp4", 1, 200 });
	CHECK_STR(taken(), "close outbox/.a.mp4.XYZ @11\n"
			   "renamed outbox/.a.mp4.XYZ outbox/a.mp4 @11\n"
			   "open outbox/a.mp4 @11\n");
	POLL(12, 0, { "outbox/a.mp4", 1, 200 });
	CHECK_STR(taken(), "close outbox/a.mp4 @11\n");
}

TEST(test_chain_of_renames_is_told_in_order)
{
	reset();
	/* between two polls: mv b c; mv a b */
	POLL(10, 0, { "outbox/a.mp4", 1, 1 }, { "outbox/b.mp4", 2, 2 });
	POLL(11, 0, { "outbox/a.mp4", 1, 1 }, { "outbox/b.mp4", 2, 2 });
	taken();
	POLL(12, 0, { "outbox/b.mp4", 1, 1 }, { "outbox/c.mp4", 2, 2 });
	CHECK_STR(taken(), "renamed outbox/b.mp4 outbox/c.mp4 @12\n"
			   "renamed outbox/a.mp4 outbox/b.mp4 @12\n");
}

TEST(test_rename_over_a_file_removes_nothing_else)
{
	reset();
	/* rsync: the temporary replaces the old video */
	POLL(10, 0, { "outbox/.a.mp4.t", 2, 5 }, { "outbox/a.mp4", 1, 1 });
	POLL(11, 0, { "outbox/.a.mp4.t", 2, 5 }, { "outbox/a.mp4", 1, 1 });
	taken();
	POLL(12, 0, { "outbox/a.mp4", 2, 5 });
	CHECK_STR(taken(), "renamed outbox/.a.mp4.t outbox/a.mp4 @12\n");
}

TEST(test_file_made_again_is_removed_then_new)
{
	reset();
	POLL(10, 0, { "outbox/a.mp4", 1, 100 });
	POLL(11, 0, { "outbox/a.mp4", 1, 100 });
	taken();
	POLL(12, 0, { "outbox/a.mp4", 7, 100 });
	CHECK_STR(taken(), "removed outbox/a.mp4 @12\nopen outbox/a.mp4 @12\n");
}

TEST(test_folder_named_like_a_caption_is_reported_never_held)
{
	struct psnap next = { 0 };

	reset();
	psnap_add(&next, "outbox/x.caption", 9, 0, 0, true);
	poll_diff(&sink, &cur, &next, 10, 0);
	psnap_clear(&cur);
	cur = next;
	CHECK_STR(taken(), "changed outbox/x.caption @10\n");
	POLL_EMPTY(11, 0);
	CHECK_STR(taken(), "removed outbox/x.caption @11\n");
}

TEST(test_ten_thousand_settled_files_report_nothing)
{
	struct f *fs = calloc(10000, sizeof(*fs));
	char (*names)[32] = calloc(10000, 32);

	reset();
	for (int i = 0; i < 10000; i++) {
		snprintf(names[i], 32, "outbox/%05d.mp4", i);
		fs[i] = (struct f){ names[i], (uint64_t)(20000 - i), 1000 };
	}
	poll_at(10, 0, fs, 10000);
	poll_at(11, 0, fs, 10000);
	taken();
	poll_at(12, 0, fs, 10000);
	CHECK_STR(taken(), "");
	free(fs);
	free(names);
}

/* ---- the walk, on a real folder ---- */

static char dir[64];

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static void sub(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	mkdir(p, 0755);
}

/* Set @rel's times: atime @atime, mtime @mtime seconds ago. */
static void age(const char *rel, int atime, int mtime)
{
	char p[256];
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[1] = tv[0];
	tv[0].tv_sec -= atime;
	tv[1].tv_sec -= mtime;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	utimes(p, tv);
}

static time_t atime_of(const char *rel)
{
	char p[256];
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return stat(p, &sb) == 0 ? sb.st_atime : 0;
}

static void setup_dir(void)
{
	char p[256], q[256];

	snprintf(dir, sizeof(dir), "/tmp/tt-poller-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	sub("outbox");
	sub("scheduled");
	sub("outbox/sub");
	sub("outbox/.recycle");
	put("outbox/old.mp4", "old");
	age("outbox/old.mp4", 7200, 3600);
	put("outbox/new.mp4", "new");
	put("outbox/sub/in.caption", "hi");
	put("outbox/.recycle/gone.mp4", "x");
	put("outbox/new.mp4.tiktok.json", "{}");
	put("outbox/new.mp4.error", "bad");
	snprintf(p, sizeof(p), "%s/outbox/pipe.mp4", dir);
	mkfifo(p, 0644);
	snprintf(p, sizeof(p), "%s/elsewhere", dir);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/outbox/link", dir);
	if (symlink(p, q) < 0)
		abort();
	put("elsewhere/hidden.mp4", "x");
}

TEST(test_walk_records_files_and_skips_own_dot_and_linked)
{
	struct poller *p;

	setup_dir();
	reset();
	p = poller_new(dir, 1, 0);
	CHECK(p != NULL);
	if (!p)
		return;
	/* new.mp4, in.caption, pipe.mp4, old.mp4, the link itself */
	CHECK_INT(poller_count(p), 5);
	poller_attach(p, &sink, 100);
	/* the fresh ones may still grow: held; old.mp4 is settled */
	CHECK_STR(taken(), "open outbox/link @100\nopen outbox/new.mp4 @100\n"
			   "open outbox/pipe.mp4 @100\nopen outbox/sub/in.caption @100\n");
	CHECK_INT(poller_poll(p, 101), 0);
	CHECK_CONTAINS(taken(), "close outbox/new.mp4 @");
	put("outbox/sub/in.caption", "hello");
	put("scheduled/s.mp4", "s");
	CHECK_INT(poller_poll(p, 102), 0);
	CHECK_STR(taken(), "open outbox/sub/in.caption @102\nopen scheduled/s.mp4 @102\n");
	poller_free(p);
}

TEST(test_poll_reads_no_file)
{
	struct poller *p;
	time_t before;

	/* Linux's relatime updates an atime older than the mtime on the
	 * first read: calibrate on a file read on purpose. */
	put("outbox/probe.mp4", "x");
	age("outbox/probe.mp4", 7200, 3600);
	before = atime_of("outbox/probe.mp4");
	{
		char p2[256], c;
		int fd;

		snprintf(p2, sizeof(p2), "%s/outbox/probe.mp4", dir);
		fd = open(p2, O_RDONLY);
		if (fd >= 0 && read(fd, &c, 1) < 0)
			c = 0;
		if (fd >= 0)
			close(fd);
	}
	if (atime_of("outbox/probe.mp4") == before) {
		printf("test_poll_reads_no_file: atime is not updated here; skipped\n");
		return;
	}
	age("outbox/old.mp4", 7200, 3600);
	before = atime_of("outbox/old.mp4");
	p = poller_new(dir, 1, 0);
	poller_attach(p, &sink, 100);
	/* the FIFO would block an open for reading: the poll returns */
	for (int i = 1; i <= 3; i++)
		CHECK_INT(poller_poll(p, 100 + i), 0);
	CHECK_INT(atime_of("outbox/old.mp4"), before);
	taken();
	poller_free(p);
}

TEST(test_folder_that_cannot_be_listed_reports_nothing)
{
	struct poller *p;
	char a[256], b[256];

	reset();
	p = poller_new(dir, 1, 0);
	poller_attach(p, &sink, 100);
	CHECK_INT(poller_poll(p, 101), 0);
	taken();
	/* the server went away: outbox/ is not there to list */
	snprintf(a, sizeof(a), "%s/outbox", dir);
	snprintf(b, sizeof(b), "%s/outbox.away", dir);
	CHECK_INT(rename(a, b), 0);
	CHECK_INT(poller_poll(p, 102), -ENOENT);
	CHECK_STR(taken(), "");
	CHECK_INT(rename(b, a), 0);
	CHECK_INT(poller_poll(p, 103), 0);
	CHECK_STR(taken(), "");
	poller_free(p);
}

TEST(test_network_file_systems_are_known)
{
	CHECK_STR(fstype_unwatchable(0x6969), "nfs");
	CHECK_STR(fstype_unwatchable((long)0xFF534D42), "cifs");
	CHECK_STR(fstype_unwatchable((long)(int)0xFF534D42), "cifs"); /* sign-extended */
	CHECK_STR(fstype_unwatchable((long)0xFE534D42), "smb2");
	CHECK_STR(fstype_unwatchable(0x65735546), "fuse");
	CHECK_STR(fstype_unwatchable(0x01021997), "9p");
	CHECK(fstype_unwatchable(0xEF53) == NULL); /* ext4 */
	CHECK(fstype_unwatchable(0x01021994) == NULL); /* tmpfs */
}

int main(int argc, char **argv)
{
	unit_args(argc, argv);
	unit_run_all();
	reset();
	if (*dir) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return UNIT_DONE();
}

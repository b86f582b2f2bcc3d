/*
 * Unit tests for cmd/hooks.c: values reach the hook through its environment
 * exactly, file names cannot inject shell commands, the secret stays out,
 * hooks_run() never waits for the hook, slow hooks are killed, failures are
 * logged.  Real /bin/sh hooks in a temporary directory; an alarm() turns a
 * hooks_run() that blocks into a crash instead of a hang.
 */
#include "cmd/hooks.h"
#include "meta/job/store.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One temporary folder for the run (tests/unit/fixture.h): the hooks
 * write their dumps and markers in fx.dir. */
static struct fixture fx;
static int saved_stderr = -1;
static char *cap_path;

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&sb, NULL);
}

static bool exists(const char *name)
{
	char *p = xasprintf("%s/%s", fx.dir, name);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

/* Send fd 2 (our log and the hooks' output) to a fresh file. */
static void capture_begin(void)
{
	int fd;

	free(cap_path);
	cap_path = xasprintf("%s/log.%s", fx.dir, unit_cur);
	fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Restore fd 2 and return what was logged (caller frees). */
static char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	return slurp(cap_path);
}

static bool wait_idle(struct hooks *h, double seconds)
{
	struct timespec ts = {0, 10 * 1000000L};

	for (int i = 0; i < (int)(seconds * 100); i++) {
		if (hooks_running(h) == 0)
			return true;
		nanosleep(&ts, NULL);
	}
	return hooks_running(h) == 0;
}

static void config_with(struct config *cfg, const char *posted, const char *failed)
{
	config_defaults(cfg);
	if (posted)
		cfg->on_posted = xstrdup(posted);
	if (failed)
		cfg->on_failed = xstrdup(failed);
}

/* The value of NAME in an `env` dump, or NULL. */
static const char *env_value(const char *dump, const char *name, char *out, size_t size)
{
	char *key = xasprintf("\n%s=", name);
	const char *p = strstr(dump, key);
	size_t n;

	if (!p && !strncmp(dump, key + 1, strlen(key + 1)))
		p = dump - 1;
	if (!p) {
		free(key);
		return NULL;
	}
	p += strlen(key);
	free(key);
	n = strcspn(p, "\n");
	snprintf(out, size, "%.*s", (int)n, p);
	return out;
}

/* An item of account b runs b's on_posted, one of the default account the
 * default's: each [account NAME] section may name its own hooks. */
TEST(test_each_account_runs_its_own_hook)
{
	struct config cfg;
	struct hooks *h;
	char *mark_d = xasprintf("%s/default.ran", fx.dir), *mark_b = xasprintf("%s/b.ran", fx.dir);
	char *cmd_d = xasprintf("touch %s", mark_d), *cmd_b = xasprintf("touch %s", mark_b);
	struct hook_event ev = {.kind = HOOK_POSTED, .path = "/x/posted/clip.mp4"};

	config_with(&cfg, cmd_d, NULL);
	cfg.accounts = xcalloc(2, sizeof(*cfg.accounts));
	cfg.accounts[0].name = xstrdup("default");
	cfg.accounts[0].on_posted = xstrdup(cmd_d);
	cfg.accounts[1].name = xstrdup("b");
	cfg.accounts[1].on_posted = xstrdup(cmd_b);
	cfg.n_accounts = 2;
	h = hooks_new(&cfg);
	ev.account = "b";
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	CHECK(access(mark_b, F_OK) == 0 && access(mark_d, F_OK) != 0);
	ev.account = NULL;
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	CHECK(access(mark_d, F_OK) == 0);
	hooks_free(h);
	config_free(&cfg);
	free(mark_d), free(mark_b), free(cmd_d), free(cmd_b);
}

TEST(test_values_arrive_in_the_environment_exactly)
{
	struct config cfg;
	struct hooks *h;
	char *cmd = xasprintf("env > %s/env.txt", fx.dir);
	char *path = xasprintf("%s/posted/sub/clip one.mp4", fx.dir);
	struct hook_event ev = {
	    .kind = HOOK_POSTED,
	    .path = path,
	    .publish_id = "v_pub_url~v2-1.7012345678901234567",
	    .post_id = "7312345678901234567",
	    .url = "https://www.tiktok.com/@someone/video/7312345678901234567",
	    .privacy = "SELF_ONLY",
	};
	char v[1024], *dump, *log;

	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	dump = slurp(strchr(cmd, '>') + 2);
	CHECK(dump != NULL);
	if (dump) {
		CHECK_STR(env_value(dump, "TIKTOKFS_EVENT", v, sizeof(v)), "posted");
		CHECK_STR(env_value(dump, "TIKTOKFS_PATH", v, sizeof(v)), path);
		CHECK_STR(env_value(dump, "TIKTOKFS_PUBLISH_ID", v, sizeof(v)), ev.publish_id);
		CHECK_STR(env_value(dump, "TIKTOKFS_POST_ID", v, sizeof(v)), ev.post_id);
		CHECK_STR(env_value(dump, "TIKTOKFS_URL", v, sizeof(v)), ev.url);
		CHECK_STR(env_value(dump, "TIKTOKFS_PRIVACY", v, sizeof(v)), "SELF_ONLY");
		CHECK_STR(env_value(dump, "TIKTOKFS_ERROR", v, sizeof(v)), "");
		/* the daemon's own environment is still there */
		CHECK_STR(env_value(dump, "TEST_HOOKS_MARKER", v, sizeof(v)), "kept");
	}
	CHECK_CONTAINS(log, "finished");
	free(dump);
	free(log);
	free(path);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

/* Run the hook for @staged and read TIKTOKFS_PATH / _STAGING_PATH back. */
static void paths_seen(const char *staging_root, const char *view_root, const char *staged,
		       char *path, char *staging, size_t size)
{
	struct config cfg;
	struct hooks *h;
	char *cmd = xasprintf("env > %s/env-view.txt", fx.dir), *dump, *log;
	struct hook_event ev = {.kind = HOOK_POSTED, .path = staged};

	path[0] = staging[0] = '\0';
	unlink(strchr(cmd, '>') + 2);
	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	hooks_set_view(h, staging_root, view_root);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	dump = slurp(strchr(cmd, '>') + 2);
	CHECK(dump != NULL);
	if (dump) {
		if (!env_value(dump, "TIKTOKFS_PATH", path, size))
			path[0] = '\0';
		if (!env_value(dump, "TIKTOKFS_STAGING_PATH", staging, size))
			staging[0] = '\0';
	}
	free(dump);
	free(log);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_hook_path_is_the_path_users_see)
{
	char path[512], staging[512];

	paths_seen("/var/lib/tiktokfs/staging", "/srv/tiktok",
		   "/var/lib/tiktokfs/staging/posted/sub/clip one.mp4", path, staging,
		   sizeof(path));
	CHECK_STR(path, "/srv/tiktok/posted/sub/clip one.mp4");
	CHECK_STR(staging, "/var/lib/tiktokfs/staging/posted/sub/clip one.mp4");
	/* a sibling that merely starts with the same letters is not under it */
	paths_seen("/var/lib/tiktokfs/staging", "/srv/tiktok",
		   "/var/lib/tiktokfs/staging2/posted/a.mp4", path, staging, sizeof(path));
	CHECK_STR(path, "/var/lib/tiktokfs/staging2/posted/a.mp4");
	CHECK_STR(staging, "/var/lib/tiktokfs/staging2/posted/a.mp4");
}

TEST(test_failed_event_carries_the_first_line_of_the_error)
{
	struct config cfg;
	struct hooks *h;
	char *cmd = xasprintf("env > %s/env-failed.txt", fx.dir);
	struct hook_event ev = {
	    .kind = HOOK_FAILED,
	    /* "act." in a name is no token: it reaches the hook unmasked */
	    .path = "/srv/tiktok/staging/failed/contact.mp4",
	    .publish_id = "v_inbox_file~v2.1",
	    .error = "contact.mp4: 2.4 s long; TikTok needs at least 3 s\nRetrying will not help.",
	    .privacy = "PUBLIC_TO_EVERYONE",
	};
	char v[1024], *dump, *log;

	config_with(&cfg, "exit 0", cmd);
	h = hooks_new(&cfg);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	dump = slurp(strchr(cmd, '>') + 2);
	CHECK(dump != NULL);
	if (dump) {
		CHECK_STR(env_value(dump, "TIKTOKFS_EVENT", v, sizeof(v)), "failed");
		CHECK_STR(env_value(dump, "TIKTOKFS_ERROR", v, sizeof(v)),
			  "contact.mp4: 2.4 s long; TikTok needs at least 3 s");
		CHECK_STR(env_value(dump, "TIKTOKFS_PATH", v, sizeof(v)),
			  "/srv/tiktok/staging/failed/contact.mp4");
		CHECK_STR(env_value(dump, "TIKTOKFS_POST_ID", v, sizeof(v)), "");
		CHECK_STR(env_value(dump, "TIKTOKFS_URL", v, sizeof(v)), "");
		CHECK(!strstr(dump, "Retrying will not help"));
	}
	CHECK_CONTAINS(log, "on_failed hook for /srv/tiktok/staging/failed/contact.mp4");
	free(dump);
	free(log);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_client_secret_is_not_visible_to_the_hook)
{
	struct config cfg;
	struct hooks *h;
	char *cmd = xasprintf("env > %s/env-secret.txt; cat /proc/$$/environ >> %s/env-secret.txt",
			      fx.dir, fx.dir);
	struct hook_event ev = {.kind = HOOK_POSTED, .path = "/x/posted/a.mp4"};
	char *dump, *log;

	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	cfg.client_secret = xstrdup("cfg-secret-5f2b9c");
	setenv("TIKTOK_CLIENT_SECRET", "env-secret-8d1e4a", 1);
	setenv("SOME_COPY_OF_IT", "cfg-secret-5f2b9c", 1);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	unsetenv("TIKTOK_CLIENT_SECRET");
	unsetenv("SOME_COPY_OF_IT");
	{
		char *dp = xasprintf("%s/env-secret.txt", fx.dir);
		dump = slurp(dp);
		free(dp);
	}
	CHECK(dump != NULL);
	CHECK(dump && strstr(dump, "TIKTOKFS_PATH=/x/posted/a.mp4"));
	CHECK(dump && !strstr(dump, "TIKTOK_CLIENT_SECRET"));
	CHECK(dump && !strstr(dump, "env-secret-8d1e4a"));
	CHECK(dump && !strstr(dump, "cfg-secret-5f2b9c"));
	CHECK(dump && !strstr(dump, "SOME_COPY_OF_IT"));
	free(dump);
	free(log);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_file_name_cannot_inject_shell_commands)
{
	struct config cfg;
	struct hooks *h;
	/* a hook that uses the value the ordinary way, and one that is careless */
	char *cmd = xasprintf("printf '%%s' \"$TIKTOKFS_PATH\" > %s/path.txt; "
			      "echo $TIKTOKFS_PATH $TIKTOKFS_ERROR > /dev/null",
			      fx.dir);
	char *path = xasprintf("%s/posted/it's \"$(touch pwned1)\" `touch pwned2`; "
			       "touch pwned3 '; touch pwned4; '.mp4",
			       fx.dir);
	struct hook_event ev = {
	    .kind = HOOK_POSTED,
	    .path = path,
	    .url = "https://x/$(touch pwned5)",
	    .error = "'; touch pwned6 #",
	};
	char *got, *log, *old = getcwd(NULL, 0);

	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	CHECK_INT(chdir(fx.dir), 0); /* a `touch` that ran would land here */
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	CHECK_INT(chdir(old), 0);
	{
		char *pt = xasprintf("%s/path.txt", fx.dir);
		got = slurp(pt);
		free(pt);
	}
	CHECK_STR(got, path);
	for (int i = 1; i <= 6; i++) {
		char name[32];
		snprintf(name, sizeof(name), "pwned%d", i);
		if (exists(name))
			FAILF("%s was created: the hook's values reached a shell", name);
	}
	free(got);
	free(log);
	free(path);
	free(old);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_hooks_run_returns_while_the_hook_still_runs)
{
	struct config cfg;
	struct hooks *h;
	char *fifo = xasprintf("%s/handshake", fx.dir);
	char *cmd = xasprintf("read x < %s; echo \"$x\" > %s/got", fifo, fx.dir);
	struct hook_event ev = {.kind = HOOK_POSTED, .path = "/x/posted/a.mp4"};
	char *got = NULL, *gotp = xasprintf("%s/got", fx.dir), *log;
	int fd;

	CHECK_INT(mkfifo(fifo, 0600), 0);
	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	capture_begin();
	alarm(30); /* a hooks_run() that waits for the hook dies here */
	CHECK_INT(hooks_run(h, &ev), 0);
	alarm(0);
	/* The hook cannot finish before we write to the FIFO, yet we are here. */
	CHECK(!exists("got"));
	CHECK_INT(hooks_running(h), 1);
	alarm(30);
	fd = open(fifo, O_WRONLY); /* meets the hook's open for reading */
	alarm(0);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(write(fd, "go\n", 3), 3);
		close(fd);
	}
	CHECK(wait_idle(h, 20));
	log = capture_end();
	got = slurp(gotp);
	CHECK_STR(got, "go\n");
	free(log);
	free(got);
	free(gotp);
	free(cmd);
	free(fifo);
	hooks_free(h);
	config_free(&cfg);
}

/* "S" in /proc/PID/stat's third field is a live process; gone or a zombie
 * (reparented to an init that has not reaped it yet) counts as dead. */
static bool pid_alive(long pid)
{
	char path[64], *stat;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	stat = slurp(path);
	if (stat) {
		const char *rp = strrchr(stat, ')');
		alive = rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
	}
	free(stat);
	return alive;
}

TEST(test_slow_hook_is_killed_with_its_children_after_the_timeout)
{
	struct config cfg;
	struct hooks *h;
	/* ignores SIGTERM (so SIGKILL is needed) and leaves a grandchild */
	char *cmd = xasprintf("trap '' TERM; sleep 1000 & echo $! > %s/child; wait", fx.dir);
	struct hook_event ev = {.kind = HOOK_FAILED, .path = "/x/failed/slow.mp4"};
	char *childp = xasprintf("%s/child", fx.dir), *child = NULL, *log;

	config_with(&cfg, NULL, cmd);
	h = hooks_new(&cfg);
	hooks_set_timeouts(h, 0.3, 0.3);
	capture_begin();
	alarm(30);
	CHECK_INT(hooks_run(h, &ev), 0);
	alarm(0);
	CHECK_INT(hooks_running(h), 1);
	CHECK(wait_idle(h, 30));
	log = capture_end();
	child = slurp(childp);
	CHECK(child != NULL);
	if (child) {
		long pid = strtol(child, NULL, 10);
		bool alive = true;
		/* the group got SIGKILL before the leader was reaped; allow the
		 * kernel a moment to finish the grandchild */
		for (int i = 0; i < 500 && (alive = pid_alive(pid)); i++)
			usleep(10000);
		CHECK(pid > 1);
		if (alive) {
			FAILF("grandchild %ld still alive", pid);
			kill((pid_t)pid, SIGKILL);
		}
	}
	CHECK_CONTAINS(log, "on_failed hook for /x/failed/slow.mp4");
	CHECK_CONTAINS(log, "timed out after 0.3 s");
	free(log);
	free(child);
	free(childp);
	free(cmd);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_failing_hook_is_logged_and_the_next_one_still_runs)
{
	struct config cfg;
	struct hooks *h;
	char *cmd2 = xasprintf("touch %s/second-ran", fx.dir);
	struct hook_event ev = {.kind = HOOK_POSTED, .path = "/x/posted/a.mp4"};
	char *log;

	config_with(&cfg, "echo hook-says-hello; exit 3", NULL);
	h = hooks_new(&cfg);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	free(cfg.on_posted);
	cfg.on_posted = xstrdup(cmd2);
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	CHECK_CONTAINS(log, "on_posted hook for /x/posted/a.mp4");
	CHECK_CONTAINS(log, "exited with status 3");
	CHECK_CONTAINS(log, "hook-says-hello"); /* hook output goes to our stderr */
	CHECK(exists("second-ran"));
	free(log);
	free(cmd2);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_no_command_configured_runs_nothing)
{
	struct config cfg;
	struct hooks *h;
	struct hook_event ev = {.kind = HOOK_FAILED, .path = "/x/failed/a.mp4"};

	config_with(&cfg, "touch /nonexistent-should-not-matter", NULL);
	h = hooks_new(&cfg);
	CHECK_INT(hooks_run(h, &ev), 0); /* on_failed is not set */
	CHECK_INT(hooks_running(h), 0);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_shutdown_kills_hooks_still_running)
{
	struct config cfg;
	struct hooks *h;
	struct hook_event ev = {.kind = HOOK_POSTED, .path = "/x/posted/a.mp4"};
	char *log;

	config_with(&cfg, "sleep 1000", NULL);
	h = hooks_new(&cfg);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK_INT(hooks_running(h), 2);
	alarm(30);
	CHECK_INT(hooks_shutdown(h, 0.1), 2);
	alarm(0);
	CHECK_INT(hooks_running(h), 0);
	log = capture_end();
	CHECK_CONTAINS(log, "still running at shutdown");
	/* and hooks work again after a shutdown */
	free(cfg.on_posted);
	cfg.on_posted = xasprintf("touch %s/after-shutdown", fx.dir);
	free(log);
	capture_begin();
	CHECK_INT(hooks_run(h, &ev), 0);
	CHECK_INT(hooks_shutdown(h, 20), 0);
	log = capture_end();
	CHECK(exists("after-shutdown"));
	free(log);
	hooks_free(h);
	config_free(&cfg);
}

TEST(test_item_ended_runs_the_hook_for_the_job_where_users_see_it)
{
	struct config cfg;
	struct hooks *h, *other;
	char *cmd = xasprintf("env > %s/env-ended.txt", fx.dir), *dump, *log;
	struct job j = {0};
	char v[1024];

	config_with(&cfg, cmd, NULL);
	h = hooks_new(&cfg);
	other = hooks_new(&cfg); /* a second set knows nothing of the first */
	hooks_set_view(h, "/var/lib/tiktokfs/staging", "/mnt/tiktok");
	hooks_set_timeouts(other, 0.1, 0.1);
	j.state = JOB_POSTED;
	j.path = xstrdup("posted/sub/clip.mp4");
	j.publish_id = xstrdup("v_pub_file~v2.7");
	j.privacy = xstrdup("SELF_ONLY");
	capture_begin();
	hooks_item_ended(&j, h);
	CHECK_INT(hooks_running(other), 0);
	CHECK(wait_idle(h, 20));
	log = capture_end();
	dump = slurp(strchr(cmd, '>') + 2);
	CHECK(dump != NULL);
	if (dump) {
		CHECK_STR(env_value(dump, "TIKTOKFS_EVENT", v, sizeof(v)), "posted");
		CHECK_STR(env_value(dump, "TIKTOKFS_PATH", v, sizeof(v)),
			  "/mnt/tiktok/posted/sub/clip.mp4");
		CHECK_STR(env_value(dump, "TIKTOKFS_STAGING_PATH", v, sizeof(v)),
			  "/var/lib/tiktokfs/staging/posted/sub/clip.mp4");
		CHECK_STR(env_value(dump, "TIKTOKFS_PUBLISH_ID", v, sizeof(v)), "v_pub_file~v2.7");
		CHECK_STR(env_value(dump, "TIKTOKFS_PRIVACY", v, sizeof(v)), "SELF_ONLY");
	}
	CHECK_CONTAINS(log, "finished"); /* the default timeout, not other's 0.1 s */
	free(dump);
	free(log);
	free(cmd);
	job_free(&j);
	hooks_free(other);
	hooks_free(h);
	config_free(&cfg);
}

int main(void)
{
	if (fixture_up(&fx, "hooks") < 0) {
		fprintf(stderr, "test_hooks: set-up: %s\n", fx.why);
		return UNIT_DONE();
	}
	log_init(LOG_LVL_INFO, false);
	setenv("TEST_HOOKS_MARKER", "kept", 1);
	unit_run_all();
	free(cap_path);
	fixture_down(&fx);
	return UNIT_DONE();
}

/*
 * net/api.c, net/tokens.c and net/oauth.c against the real sandbox over
 * HTTPS (the way curl's tests run their own servers): this binary starts
 * tests/sandbox/sandbox.py in a temporary directory (it exits with us:
 * --owner-pid), logs in through the OAuth code flow, and checks what the
 * posting side relies on: HTTP 200 errors are errors, access_token_invalid
 * refreshes once and replays, concurrent refreshes make one request, a
 * rotated refresh token is saved, an init whose answer was lost is never
 * called retryable, post IDs above 2^53 arrive exact.
 * Run from the source root (or set TIKTOKFS_SRC).
 */
#include "meta/config.h"
#include "net/api.h"
#include "net/http.h"
#include "net/oauth.h"
#include "net/tokens.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char dir[] = "/tmp/tiktokfs-test-api-XXXXXX";
static struct config cfg;
static CURL *ctl;
static char base[64];

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static pid_t sandbox_pid = -1;

static int start_sandbox(void)
{
	const char *src = getenv("TIKTOKFS_SRC") ? getenv("TIKTOKFS_SRC") : ".";
	char *py = xasprintf("%s/tests/sandbox/sandbox.py", src);
	char *conf = xasprintf("%s/tests/sandbox/default.json", src);
	char *sbdir = xasprintf("%s/sb", dir), *portf = xasprintf("%s/sb/port", dir);
	char pid[32], port[16] = "";
	char *argv[] = {"/usr/bin/python3", py,	   "--config",	  conf, "--dir", sbdir,
			"--port-file",	    portf, "--owner-pid", pid,	NULL};
	posix_spawn_file_actions_t fa;
	pid_t child;
	int rc = -1;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	mkdir(sbdir, 0700);
	posix_spawn_file_actions_init(&fa);
	/* Neither of our output streams: a test runner reading them would wait
	 * for the sandbox to close them too. */
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 01 /* O_WRONLY */, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 01 /* O_WRONLY */, 0);
	if (posix_spawn(&child, argv[0], &fa, NULL, argv, environ) == 0) {
		sandbox_pid = child;
		for (int i = 0; i < 300 && !port[0]; i++) {
			FILE *f = fopen(portf, "r");
			if (f) {
				if (!fgets(port, sizeof(port), f))
					port[0] = '\0';
				fclose(f);
			}
			if (!port[0])
				msleep(100);
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	if (port[0]) {
		port[strcspn(port, "\n")] = '\0';
		snprintf(base, sizeof(base), "https://127.0.0.1:%s", port);
		rc = 0;
	}
	free(py);
	free(conf);
	free(sbdir);
	free(portf);
	return rc;
}

/* A control call; returns the HTTP status, body in @out if given. */
static long sb(const char *method, const char *path, const char *json, struct strbuf *out)
{
	struct http_reply r;
	char *url = xasprintf("%s%s", base, path);
	long st;

	http_reply_init(&r);
	if (!strcmp(method, "GET"))
		http_get(ctl, url, NULL, &r);
	else
		http_post(ctl, url, NULL, "application/json", json ? json : "{}", &r);
	st = r.status;
	if (out) {
		strbuf_reset(out);
		strbuf_add(out, r.body.buf, r.body.len);
	}
	http_reply_release(&r);
	free(url);
	return st;
}

/* How many requests the sandbox logged for @method @path (exact path). */
static int count_requests(const char *method, const char *path)
{
	struct strbuf sb_out = STRBUF_INIT;
	json_error_t jerr;
	json_t *root, *v;
	size_t i;
	int n = 0;

	strbuf_init(&sb_out);
	sb("GET", "/_sandbox/requests", NULL, &sb_out);
	root = json_loadb(sb_out.buf, sb_out.len, 0, &jerr);
	json_array_foreach(json_object_get(root, "requests"), i, v)
	{
		const char *p = json_string_value(json_object_get(v, "path"));
		const char *m = json_string_value(json_object_get(v, "method"));
		if (p && m && !strcmp(m, method) && !strncmp(p, path, strlen(path)))
			n++;
	}
	json_decref(root);
	strbuf_release(&sb_out);
	return n;
}

static int login(void)
{
	struct oauth_pkce pk;
	struct oauth_callback cb;
	struct token_set ts;
	struct tt_error err;
	struct http_reply r;
	char *url, *loc = NULL;
	int rc = -1;

	http_reply_init(&r);
	oauth_pkce_new(&pk);
	url = oauth_authorize_url(&cfg, &pk);
	if (http_get(ctl, url, NULL, &r) || r.status != 302)
		goto out;
	curl_easy_getinfo(ctl, CURLINFO_REDIRECT_URL, &loc);
	if (!loc || oauth_parse_callback(loc, &cb) ||
	    oauth_check_callback(&cb, pk.state, &cfg, &err))
		goto out;
	if (oauth_exchange(ctl, &cfg, cb.code, pk.verifier, &ts, &err))
		goto out;
	rc = tokens_save(cfg.state_dir, &ts, &err);
out:
	http_reply_release(&r);
	free(url);
	return rc;
}

static int put_bytes(const char *upload_url, size_t n)
{
	CURL *h = http_easy_new(&cfg);
	struct curl_slist *hdrs = NULL;
	char range[96], *body = xcalloc(1, n);
	long status = 0;

	snprintf(range, sizeof(range), "Content-Range: bytes 0-%zu/%zu", n - 1, n);
	hdrs = curl_slist_append(hdrs, "Content-Type: video/mp4");
	hdrs = curl_slist_append(hdrs, range);
	curl_easy_setopt(h, CURLOPT_URL, upload_url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(body);
	return (int)status;
}

static struct post_info self_only = {.title = "caf\xc3\xa9 \xf0\x9f\x8e\xac\nline two",
				     .privacy_level = "SELF_ONLY"};
static struct post_info public_post = {.title = "public", .privacy_level = "PUBLIC_TO_EVERYONE"};

/* First, right after the login wrote the tokens. */
TEST(test_tokens_file_is_private)
{
	struct stat st;
	char *p = xasprintf("%s/tokens.json", cfg.state_dir);

	CHECK_INT(stat(p, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(stat(cfg.state_dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	free(p);
}

TEST(test_creator_info_is_read_and_saved)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct creator_info ci, saved;

	CHECK_INT(api_creator_info(a, &ci, &err), 0);
	CHECK_STR(ci.username, "sbpublic");
	CHECK_STR(ci.nickname, "Sandbox Public");
	CHECK_INT(ci.max_duration_sec, 300);
	CHECK(ci.stitch_disabled);
	CHECK_INT(creator_load(cfg.state_dir, &saved), 0);
	CHECK_STR(saved.username, "sbpublic");
	api_free(a);
	tokens_free(t);
}

TEST(test_http_200_with_an_error_code_is_an_error)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct creator_info ci;

	sb("POST", "/_sandbox/knobs", "{\"daily_post_cap\": 0}", NULL);
	CHECK(api_creator_info(a, &ci, &err) < 0);
	CHECK_INT(err.http_status, 200);
	CHECK_STR(err.code, "spam_risk_too_many_posts");
	CHECK_INT(err.cls, ERR_DEFER);
	CHECK(err.retry_at > (int64_t)time(NULL));
	CHECK_INT(strlen(err.log_id), 34);
	sb("POST", "/_sandbox/knobs", "{\"daily_post_cap\": null}", NULL);
	api_free(a);
	tokens_free(t);
}

TEST(test_init_then_status_with_exact_post_id)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;
	struct publish_status st;
	int i;

	sb("POST", "/_sandbox/clock", "{\"scale\": 60}", NULL);
	/* seconds of moderation, not the sandbox's default 30 minutes */
	sb("POST", "/_sandbox/knobs", "{\"moderation_delay\": 5}", NULL);
	CHECK_INT(api_init(a, false, &public_post, 1000, 1000, 1, &tk, &err), 0);
	CHECK(!strncmp(tk.publish_id, "v_pub_file~", 11));
	CHECK(tk.upload_url != NULL);
	CHECK_INT(api_status(a, tk.publish_id, &st, &err), 0);
	CHECK_STR(st.status, "PROCESSING_UPLOAD");
	CHECK_INT(put_bytes(tk.upload_url, 1000), 201);
	for (i = 0; i < 100; i++) {
		if (api_status(a, tk.publish_id, &st, &err) == 0 && st.post_id[0])
			break;
		msleep(200);
	}
	CHECK_STR(st.status, "PUBLISH_COMPLETE");
	/* 7412345678901234567 + n: above 2^53, exact to the last digit. */
	CHECK_INT(strlen(st.post_id), 19);
	CHECK(!strncmp(st.post_id, "741234567890123", 15));
	CHECK_U64(st.uploaded_bytes, 1000);
	sb("POST", "/_sandbox/knobs", "{\"moderation_delay\": 1800}", NULL);
	sb("POST", "/_sandbox/clock", "{\"scale\": 1}", NULL);
	publish_ticket_clear(&tk);
	api_free(a);
	tokens_free(t);
}

TEST(test_draft_init_sends_source_info_only)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;

	CHECK_INT(api_init(a, true, &self_only, 2000, 2000, 1, &tk, &err), 0);
	CHECK(!strncmp(tk.publish_id, "v_inbox_file~", 13));
	publish_ticket_clear(&tk);
	api_free(a);
	tokens_free(t);
}

TEST(test_caption_and_privacy_arrive_exactly)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;
	struct strbuf out = STRBUF_INIT;
	json_error_t jerr;
	json_t *root, *items, *it;
	char *path;

	strbuf_init(&out);
	CHECK_INT(api_init(a, false, &self_only, 3000, 3000, 1, &tk, &err), 0);
	path = xasprintf("/_sandbox/received?publish_id=%s", tk.publish_id);
	sb("GET", path, NULL, &out);
	root = json_loadb(out.buf, out.len, 0, &jerr);
	items = json_object_get(root, "items");
	it = json_array_get(items, 0);
	CHECK_STR(json_string_value(json_object_get(it, "title")), self_only.title);
	CHECK_STR(json_string_value(json_object_get(it, "privacy_level")), "SELF_ONLY");
	json_decref(root);
	free(path);
	strbuf_release(&out);
	publish_ticket_clear(&tk);
	api_free(a);
	tokens_free(t);
}

TEST(test_rejected_token_refreshes_once_and_replays)
{
	struct tt_error err;
	struct token_set before, after;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct creator_info ci;
	int refreshes = count_requests("POST", "/v2/oauth/token/");

	tokens_load(cfg.state_dir, &before, NULL);
	sb("POST", "/_sandbox/expire_tokens", "{\"refresh\": false}", NULL);
	CHECK_INT(api_creator_info(a, &ci, &err), 0);
	CHECK_INT(count_requests("POST", "/v2/oauth/token/"), refreshes + 1);
	/* The rotated pair was saved before it was used. */
	tokens_load(cfg.state_dir, &after, NULL);
	CHECK(strcmp(before.access_token, after.access_token) != 0);
	CHECK(strcmp(before.refresh_token, after.refresh_token) != 0);
	api_free(a);
	tokens_free(t);
}

struct racer {
	struct tokens *t;
	int rc;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct tt_error err;
	struct api *a = api_new(&cfg, r->t);
	char dn[64], un[64];

	r->rc = api_user_info(a, dn, sizeof(dn), un, sizeof(un), &err);
	api_free(a);
	return NULL;
}

TEST(test_concurrent_refreshes_send_one_request)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct tokens *other = tokens_open(&cfg, &err); /* as if another process */
	struct racer r[4] = {{t, -1}, {t, -1}, {other, -1}, {other, -1}};
	pthread_t th[4];
	int refreshes = count_requests("POST", "/v2/oauth/token/");

	sb("POST", "/_sandbox/expire_tokens", "{\"refresh\": false}", NULL);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, race, &r[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(r[i].rc, 0);
	}
	/* Both "processes" saw the same rejected token; the second re-read the
	 * file under the lock and used the first one's refresh. */
	CHECK_INT(count_requests("POST", "/v2/oauth/token/"), refreshes + 1);
	tokens_free(t);
	tokens_free(other);
}

TEST(test_token_near_expiry_is_refreshed_before_use)
{
	struct tt_error err;
	struct token_set ts;
	struct tokens *t;
	struct api *a;
	char dn[64], un[64];
	int refreshes = count_requests("POST", "/v2/oauth/token/");
	int rejected = count_requests("GET", "/v2/user/info/");

	tokens_load(cfg.state_dir, &ts, NULL);
	ts.access_expires = (int64_t)time(NULL) + 30; /* inside the 60 s margin */
	tokens_save(cfg.state_dir, &ts, &err);
	t = tokens_open(&cfg, &err);
	a = api_new(&cfg, t);
	CHECK_INT(api_user_info(a, dn, sizeof(dn), un, sizeof(un), &err), 0);
	CHECK_INT(count_requests("POST", "/v2/oauth/token/"), refreshes + 1);
	CHECK_INT(count_requests("GET", "/v2/user/info/"), rejected + 1); /* no 401 round */
	api_free(a);
	tokens_free(t);
}

TEST(test_lost_init_answer_is_never_retryable)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;

	/* TikTok handles the init, then the connection drops before the answer. */
	sb("POST", "/_sandbox/inject",
	   "{\"endpoint\": \"video_init\", \"drop\": true, \"when\": \"after\"}", NULL);
	CHECK(api_init(a, false, &self_only, 1000, 1000, 1, &tk, &err) < 0);
	CHECK_INT(err.cls, ERR_PERMANENT);
	CHECK_STR(err.code, "init_outcome_unknown");
	CHECK(tk.upload_url == NULL);
	api_free(a);
	tokens_free(t);
}

TEST(test_init_that_never_left_is_retryable)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct config dead = cfg;
	struct api *a;
	struct publish_ticket tk;

	dead.api_base = "https://127.0.0.1:1"; /* nothing listens: connect refused */
	a = api_new(&dead, t);
	CHECK(api_init(a, false, &self_only, 1000, 1000, 1, &tk, &err) < 0);
	CHECK_INT(err.cls, ERR_RETRY);
	CHECK_STR(err.code, "");
	api_free(a);
	tokens_free(t);
}

TEST(test_tls_is_verified_without_the_ca)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct config untrusted = cfg;
	struct api *a;
	struct publish_ticket tk;

	untrusted.ca_file = NULL; /* system CAs only: the sandbox's CA is not one */
	a = api_new(&untrusted, t);
	CHECK(api_init(a, false, &self_only, 1000, 1000, 1, &tk, &err) < 0);
	CHECK_INT(err.cls, ERR_RETRY); /* refused before anything was sent */
	CHECK_CONTAINS(err.advice, "ca_file");
	api_free(a);
	tokens_free(t);
}

TEST(test_rate_limited_init_defers)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;

	sb("POST", "/_sandbox/inject",
	   "{\"endpoint\": \"video_init\", \"status\": 429, \"code\": \"rate_limit_exceeded\"}",
	   NULL);
	CHECK(api_init(a, false, &self_only, 1000, 1000, 1, &tk, &err) < 0);
	CHECK_INT(err.cls, ERR_DEFER);
	CHECK_STR(err.code, "rate_limit_exceeded");
	CHECK_INT(err.http_status, 429);
	api_free(a);
	tokens_free(t);
}

TEST(test_privacy_not_offered_is_for_the_user)
{
	struct tt_error err;
	struct tokens *t = tokens_open(&cfg, &err);
	struct api *a = api_new(&cfg, t);
	struct publish_ticket tk;
	struct post_info pi = {.title = "", .privacy_level = "FOLLOWER_OF_CREATOR"};

	CHECK(api_init(a, false, &pi, 1000, 1000, 1, &tk, &err) < 0);
	CHECK_INT(err.cls, ERR_USER);
	CHECK_STR(err.code, "privacy_level_option_mismatch");
	CHECK_INT(err.http_status, 403);
	api_free(a);
	tokens_free(t);
}

int main(void)
{
	char *ca, *state, *auth;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	http_global_init();
	log_init(LOG_LVL_ERROR, false);
	if (start_sandbox()) {
		fprintf(stderr, "FAIL: the sandbox did not start (run from the source root)\n");
		return 1;
	}
	ca = xasprintf("%s/sb/ca.pem", dir);
	state = xasprintf("%s/state", dir);
	auth = xasprintf("%s/v2/auth/authorize/", base);
	cfg.client_key = "sbawtestclientkey";
	cfg.client_secret = "sandbox-secret-123456";
	cfg.redirect_uri = "http://localhost:3000/dashboard/platforms/callback";
	cfg.api_base = base;
	cfg.auth_url = auth;
	cfg.ca_file = ca;
	cfg.state_dir = state;
	ctl = http_easy_new(&cfg);
	if (login()) {
		fprintf(stderr, "FAIL: login against the sandbox\n");
		return 1;
	}
	unit_run_all();
	curl_easy_cleanup(ctl);
	if (sandbox_pid > 0) {
		kill(sandbox_pid, SIGTERM);
		waitpid(sandbox_pid, NULL, 0);
	}
	{
		/* Stop the sandbox now (--owner-pid is only the safety net for a
		 * crash of this test) and remove our files. */
		char *cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd)) {
		}
		free(cmd);
	}
	free(ca);
	free(state);
	free(auth);
	return UNIT_DONE();
}

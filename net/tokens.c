/*
 * The saved tokens: state_dir/tokens.json (0600; state_dir 0700), written
 * atomically (temp file, fsync, rename, fsync of the directory).
 *
 * Refresh protocol.  TikTok may rotate the refresh token on every refresh
 * and the old one then dies (§2.4), so two refreshers racing with the same
 * refresh token would leave one of them — maybe the one that saves last —
 * holding a dead token.  Refreshes are therefore serialized twice: a mutex
 * between the threads of this process, and flock(state_dir/tokens.lock)
 * between processes (a mounted daemon and `tiktokfs status`/`login`).
 * Under both locks the file is read again first: if someone else already
 * refreshed, their token is used and no request is sent.  A new pair is
 * saved before the new access token is handed to anyone; if the save
 * fails the pair is kept in memory, marked dirty, and nobody gets an access
 * token until a save succeeds.
 */
#include "net/tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "meta/config.h"
#include "net/http.h"
#include "net/tjson.h"
#include "net/oauth.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/fileio.h"
#include "util/strbuf.h"

#define TOKENS_FILE "tokens.json"
#define TOKENS_LOCK "tokens.lock"
#define REFRESH_MARGIN 60 /* seconds before expiry */

struct tokens {
	pthread_mutex_t mu;
	/* Private copies: a config reload frees the old struct config. */
	struct config cfg;
	struct token_set cur;
	int dirty; /* cur not yet saved */
	CURL *h;   /* for refreshes, used under mu */
};

int tokens_save(const char *state_dir, const struct token_set *ts, struct tt_error *err)
{
	json_t *root;
	char *text, *path;
	int rc;

	rc = file_mkdir_private(state_dir, NULL);
	if (rc) {
		tt_error_set(err, ERR_USER, "state_dir %s: %s", state_dir, strerror(-rc));
		return rc;
	}
	root = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "access_token", ts->access_token,
			 "refresh_token", ts->refresh_token, "open_id", ts->open_id, "scope",
			 ts->scope, "access_expires", (json_int_t)ts->access_expires,
			 "refresh_expires", (json_int_t)ts->refresh_expires);
	if (!root) {
		tt_error_set(err, ERR_PERMANENT, "tokens: a token is not valid UTF-8");
		return -EINVAL;
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return -ENOMEM;
	path = xasprintf("%s/%s", state_dir, TOKENS_FILE);
	rc = file_write_atomic(path, text, strlen(text), 0600, true);
	if (rc)
		tt_error_set(err, ERR_RETRY, "cannot save %s: %s", path, strerror(-rc));
	explicit_bzero(text, strlen(text));
	free(text);
	free(path);
	return rc;
}

/* What tokens_load() says when it fails with @rc. */
static void load_error(const char *state_dir, int rc, struct tt_error *err)
{
	if (rc == -ENOENT) {
		tt_error_set(err, ERR_USER, "not logged in: run tiktokfs login");
		tt_error_advise(err, "Run `tiktokfs login`.");
		return;
	}
	tt_error_set(err, ERR_USER, "%s/%s is unreadable or damaged: %s", state_dir, TOKENS_FILE,
		     strerror(-rc));
	tt_error_advise(err, "Run `tiktokfs login` again.");
}

int tokens_load(const char *state_dir, struct token_set *ts, struct tt_error *err)
{
	char *path = xasprintf("%s/%s", state_dir, TOKENS_FILE);
	json_error_t jerr;
	json_t *root, *v;
	int rc = 0;

	memset(ts, 0, sizeof(*ts));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = access(path, F_OK) ? -errno : -EINVAL;
		goto out;
	}
	if (tjson_copy(ts->access_token, sizeof(ts->access_token), root, "access_token") ||
	    tjson_copy(ts->refresh_token, sizeof(ts->refresh_token), root, "refresh_token")) {
		rc = -EINVAL;
		goto out;
	}
	tjson_copy(ts->open_id, sizeof(ts->open_id), root, "open_id");
	tjson_copy(ts->scope, sizeof(ts->scope), root, "scope");
	v = json_object_get(root, "access_expires");
	ts->access_expires = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(root, "refresh_expires");
	ts->refresh_expires = json_is_integer(v) ? json_integer_value(v) : 0;
	log_add_token(ts->access_token);
	log_add_token(ts->refresh_token);
out:
	if (rc)
		load_error(state_dir, rc, err);
	json_decref(root);
	free(path);
	return rc;
}

int tokens_remove(const char *state_dir)
{
	char *path = xasprintf("%s/%s", state_dir, TOKENS_FILE);
	int rc = unlink(path) && errno != ENOENT ? -errno : 0;

	free(path);
	return rc;
}

struct tokens *tokens_open(const struct config *cfg, struct tt_error *err)
{
	struct tokens *t = xcalloc(1, sizeof(*t));
	int rc;

	rc = tokens_load(cfg->state_dir, &t->cur, err);
	if (rc) {
		if (rc == -ENOENT) /* name the config that needs the login */
			tt_error_advise(err, "Run `tiktokfs login -c %s`.",
					cfg->path ? cfg->path : "CONFIG");
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	t->cfg.state_dir = xstrdup(cfg->state_dir);
	t->cfg.api_base = xstrdup(cfg->api_base);
	t->cfg.client_key = xstrdup(cfg->client_key ? cfg->client_key : "");
	t->cfg.client_secret = xstrdup(cfg->client_secret ? cfg->client_secret : "");
	t->cfg.redirect_uri = xstrdup(cfg->redirect_uri ? cfg->redirect_uri : "");
	t->cfg.ca_file = cfg->ca_file ? xstrdup(cfg->ca_file) : NULL;
	return t;
}

void tokens_free(struct tokens *t)
{
	if (!t)
		return;
	if (t->h)
		curl_easy_cleanup(t->h);
	free(t->cfg.state_dir);
	free(t->cfg.api_base);
	free(t->cfg.client_key);
	if (t->cfg.client_secret) {
		explicit_bzero(t->cfg.client_secret, strlen(t->cfg.client_secret));
		free(t->cfg.client_secret);
	}
	free(t->cfg.redirect_uri);
	free(t->cfg.ca_file);
	explicit_bzero(&t->cur, sizeof(t->cur));
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static int usable(const struct token_set *ts, const char *stale, int64_t now)
{
	return ts->access_token[0] && ts->access_expires - REFRESH_MARGIN > now &&
	       !(stale && !strcmp(stale, ts->access_token));
}

static int copy_out(const struct token_set *ts, char *out, size_t size, struct tt_error *err)
{
	int n = snprintf(out, size, "%s", ts->access_token);

	if (n < 0 || (size_t)n >= size) {
		tt_error_set(err, ERR_PERMANENT, "access token longer than %zu bytes", size - 1);
		return -E2BIG;
	}
	return 0;
}

/* Under both locks: refresh unless the file holds a newer usable token. */
static int refresh_locked(struct tokens *t, const char *stale, int64_t now, struct tt_error *err)
{
	struct token_set disk, fresh;
	int rc;

	if (tokens_load(t->cfg.state_dir, &disk, NULL) == 0 && !t->dirty) {
		t->cur = disk;
		if (usable(&t->cur, stale, now))
			return 0; /* another thread or process refreshed already */
	}
	explicit_bzero(&disk, sizeof(disk));
	if (t->cur.refresh_expires && t->cur.refresh_expires <= now) {
		tt_error_set(err, ERR_USER,
			     "the TikTok login expired: TikTok's refresh token lasts 180 days and "
			     "this one has run out");
		tt_error_advise(err, "Run `tiktokfs login` again.");
		return -EKEYEXPIRED;
	}
	if (!t->h)
		t->h = http_easy_new(&t->cfg);
	if (!t->h) {
		tt_error_set(err, ERR_RETRY, "cannot create an HTTP handle");
		return -ENOMEM;
	}
	log_info("refreshing the TikTok access token");
	rc = oauth_refresh(t->h, &t->cfg, t->cur.refresh_token, &fresh, err);
	if (rc) {
		if (err->cls == ERR_USER || err->cls == ERR_PERMANENT) {
			/* The OAuth table words invalid_grant for a code
			 * exchange; here it is the saved login TikTok refused. */
			tt_error_set(err, ERR_USER,
				     "TikTok no longer accepts the saved login (its refresh "
				     "answered %s)",
				     err->code[0] ? err->code : "an error");
			tt_error_advise(err,
					"The saved login no longer works (a TikTok login lasts 180 "
					"days, and ends when access is removed in the TikTok app): "
					"run `tiktokfs login` again.");
			err->cls = ERR_USER;
		}
		return -EACCES;
	}
	/* TikTok may not repeat fields it did not change (no rotation: the
	 * old refresh token stays). */
	if (!fresh.refresh_token[0])
		snprintf(fresh.refresh_token, sizeof(fresh.refresh_token), "%s",
			 t->cur.refresh_token);
	if (!fresh.open_id[0])
		snprintf(fresh.open_id, sizeof(fresh.open_id), "%s", t->cur.open_id);
	if (!fresh.scope[0])
		snprintf(fresh.scope, sizeof(fresh.scope), "%s", t->cur.scope);
	if (!fresh.refresh_expires || fresh.refresh_expires == now)
		fresh.refresh_expires = t->cur.refresh_expires;
	t->cur = fresh;
	t->dirty = 1;
	explicit_bzero(&fresh, sizeof(fresh));
	return 0;
}

int tokens_access(struct tokens *t, const char *stale, char *out, size_t size, struct tt_error *err)
{
	int64_t now = wall_now();
	char *lock = NULL;
	int lfd = -1, rc = 0;

	pthread_mutex_lock(&t->mu);
	if (!t->dirty && usable(&t->cur, stale, now))
		goto copy;
	lock = xasprintf("%s/%s", t->cfg.state_dir, TOKENS_LOCK);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX)) {
		rc = -errno;
		tt_error_set(err, ERR_RETRY, "cannot lock %s: %s", lock, strerror(-rc));
		goto out;
	}
	if (!t->dirty)
		rc = refresh_locked(t, stale, now, err);
	if (!rc && t->dirty) {
		rc = tokens_save(t->cfg.state_dir, &t->cur, err);
		if (!rc)
			t->dirty = 0;
	}
	if (rc)
		goto out;
copy:
	rc = copy_out(&t->cur, out, size, err);
out:
	if (lfd >= 0)
		close(lfd); /* releases the flock */
	free(lock);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

bool tokens_has_scope(struct tokens *t, const char *scope)
{
	size_t n = strlen(scope);
	bool found = false;

	pthread_mutex_lock(&t->mu);
	for (const char *p = t->cur.scope; *p && !found;) {
		size_t len = strcspn(p, ", ");
		found = len == n && !memcmp(p, scope, n);
		p += len;
		p += strspn(p, ", ");
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}

bool tokens_lacks_scope(struct tokens *t, const char *scope)
{
	bool known;

	pthread_mutex_lock(&t->mu);
	known = t->cur.scope[0] != '\0';
	pthread_mutex_unlock(&t->mu);
	return known && !tokens_has_scope(t, scope);
}

/*
 * Login Kit, TikTok's flavour of OAuth 2 (docs/tiktok.md §2).  Three quirks
 * shape this file:
 *   - the PKCE challenge is the lower-case *hex* SHA-256 of the verifier,
 *     not RFC 7636's base64url (§2.3): base64url passes the consent page
 *     and fails at the token exchange;
 *   - the token and revoke endpoints take form-encoded bodies, never JSON,
 *     and answer flat JSON without the §4 envelope, errors possibly with
 *     HTTP 200 (§2.6): success is "access_token present, error absent";
 *   - authorization codes carry '*' and '!', percent-encoded in the
 *     redirect: the callback is URL-decoded before the exchange.
 * Whoever sends the redirect chooses its text, and that text reaches a
 * terminal: error, error_description and error_type keep only printable
 * characters (oauth_clean_text), a parameter given twice is refused, and
 * the loopback listener's judge (oauth_judge_request) takes only a GET of
 * our path with our state.  Every token obtained is registered with
 * log_add_secret at once.
 */
#include "net/oauth.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta/config.h"
#include "meta/caption/utf8.h"
#include "net/errors.h"
#include "net/http.h"
#include "net/tjson.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

static const char unreserved[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

void oauth_challenge(const char *verifier, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(verifier, strlen(verifier), md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

int oauth_pkce_new(struct oauth_pkce *p)
{
	unsigned char rnd[OAUTH_VERIFIER_LEN], st[16];

	memset(p, 0, sizeof(*p));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || RAND_bytes(st, sizeof(st)) != 1)
		return -EIO;
	/* 66 symbols: the modulo bias costs a fraction of a bit of the 380+
	 * bits of entropy; harmless here. */
	for (size_t i = 0; i < OAUTH_VERIFIER_LEN; i++)
		p->verifier[i] = unreserved[rnd[i] % (sizeof(unreserved) - 1)];
	p->verifier[OAUTH_VERIFIER_LEN] = '\0';
	oauth_challenge(p->verifier, p->challenge);
	for (size_t i = 0; i < sizeof(st); i++)
		snprintf(p->state + 2 * i, 3, "%02x", st[i]);
	return 0;
}

const char *oauth_scopes(const struct config *cfg)
{
	return cfg->mode == POST_DRAFT ? OAUTH_SCOPES_DRAFT : OAUTH_SCOPES_DIRECT;
}

char *oauth_build_url(const char *base, const char *const *kv)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	strbuf_init(&sb);
	strbuf_addstr(&sb, base);
	/* http_add_param() puts the '&' before each pair but after a '?' */
	if (!strchr(base, '?'))
		strbuf_addch(&sb, '?');
	for (size_t i = 0; kv[i]; i += 2)
		rc |= http_add_param(&sb, kv[i], kv[i + 1]);
	if (rc) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

char *oauth_authorize_url(const struct config *cfg, const struct oauth_pkce *p)
{
	/* disable_auto_auth: always ask who logs in; a browser still signed
	 * in to another TikTok user would otherwise authorise that one
	 * silently, and its tokens would post to the wrong account
	 * (docs/tiktok.md §2.2). */
	const char *const kv[] = {"client_key", cfg->client_key, "scope", oauth_scopes(cfg),
				  "response_type", "code", "redirect_uri", cfg->redirect_uri,
				  "state", p->state, "code_challenge", p->challenge,
				  "code_challenge_method", "S256", "disable_auto_auth", "1",
				  NULL};

	return oauth_build_url(cfg->auth_url, kv);
}

/* URL-decode @s[0..n) into @dst; -E2BIG / -EINVAL. */
static int decode(const char *s, size_t n, char *dst, size_t size)
{
	char *tmp = xstrndup(s, n), *dec;
	int len = 0, rc = 0;

	for (char *c = tmp; *c; c++)
		if (*c == '+')
			*c = ' ';
	dec = curl_easy_unescape(NULL, tmp, 0, &len);
	free(tmp);
	if (!dec)
		return -EINVAL;
	if ((size_t)len != strlen(dec))
		rc = -EINVAL; /* an encoded NUL */
	else if ((size_t)len >= size)
		rc = -E2BIG;
	else
		memcpy(dst, dec, (size_t)len + 1);
	curl_free(dec);
	return rc;
}

/*
 * URL-decode TikTok's words (error, error_description, error_type) and keep
 * what is safe to print: they end up on a terminal, and whoever wrote the
 * redirect chose them.  Too long is cut, never refused: the error must
 * still be told.
 */
static int decode_text(const char *s, size_t n, char *dst, size_t size)
{
	char *tmp = malloc(n + 1);
	int rc;

	if (!tmp)
		return -ENOMEM;
	rc = decode(s, n, tmp, n + 1); /* decoding never lengthens */
	if (!rc)
		oauth_clean_text(dst, size, tmp, strlen(tmp));
	free(tmp);
	return rc;
}

/* Unicode characters that are invisible but act on the display: C1
 * controls (U+009B is CSI, an escape sequence without ESC), bidi overrides
 * and isolates (they reorder what the reader sees), line separators. */
static int is_hostile(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Length of the valid UTF-8 sequence at @s (of @len bytes), its code point
 * in *@cp; 0 when the bytes there are not one. */
static size_t utf8_char(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n = s[0] < 0xc2 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;

	if (!n || n > len || !utf8_valid((const char *)s, n, NULL))
		return 0;
	*cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++)
		*cp = (*cp << 6) | (s[i] & 0x3f);
	return n;
}

static int is_blank(uint32_t cp)
{
	return cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f';
}

size_t oauth_clean_text(char *dst, size_t size, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, n;

	if (!size)
		return 0;
	for (size_t i = 0; i < len; i += n) {
		const char *put = src + i;
		uint32_t cp = s[i];

		n = 1;
		if (cp >= 0x80 && !(n = utf8_char(s + i, len - i, &cp))) {
			n = 1; /* a stray byte: dropped */
			continue;
		}
		if (is_blank(cp))
			put = " "; /* a newline would let the text forge a line */
		else if (cp < 0x20 || cp == 0x7f || is_hostile(cp))
			continue;
		if (o + n >= size)
			break; /* cut on a character boundary */
		memcpy(dst + o, put, n);
		o += n;
	}
	dst[o] = '\0';
	return o;
}

int oauth_parse_callback(const char *text, struct oauth_callback *cb)
{
	const char *q, *end;
	unsigned seen = 0;
	int rc = 0;

	memset(cb, 0, sizeof(*cb));
	/* Pasted text may carry the newline and blanks around it. */
	while (*text == ' ' || *text == '\t')
		text++;
	q = strchr(text, '?');
	q = q ? q + 1 : text;
	end = q + strcspn(q, "#\r\n ");
	while (q < end && !rc) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(pe - q));
		struct {
			const char *name;
			char *dst;
			size_t size;
			int text;
		} fields[] = {
		    {"code", cb->code, sizeof(cb->code), 0},
		    {"state", cb->state, sizeof(cb->state), 0},
		    {"scopes", cb->scopes, sizeof(cb->scopes), 0},
		    {"error", cb->error, sizeof(cb->error), 1},
		    {"error_description", cb->error_description, sizeof(cb->error_description), 1},
		    {"error_type", cb->error_type, sizeof(cb->error_type), 1},
		};
		for (size_t i = 0; eq && i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t nlen = (size_t)(eq - q);
			if (strlen(fields[i].name) != nlen || memcmp(q, fields[i].name, nlen))
				continue;
			/* Twice is forged: which one would a checker see, which
			 * one the exchange?  (state=theirs&state=ours) */
			if (seen & (1u << i))
				rc = -EINVAL;
			else if (fields[i].text)
				rc = decode_text(eq + 1, (size_t)(pe - eq - 1), fields[i].dst,
						 fields[i].size);
			else
				rc = decode(eq + 1, (size_t)(pe - eq - 1), fields[i].dst,
					    fields[i].size);
			seen |= 1u << i;
		}
		q = amp ? amp + 1 : end;
	}
	if (rc) {
		memset(cb, 0, sizeof(*cb));
		return rc;
	}
	return (cb->code[0] || cb->error[0]) ? 0 : -EINVAL;
}

/* Is @got our @state?  In constant time: a local process may guess. */
static int state_is(const char *got, const char *state)
{
	size_t n = strlen(state);

	return n && strlen(got) == n && !CRYPTO_memcmp(got, state, n);
}

/* The target of a request line "GET /path?query HTTP/1.x", copied (caller
 * frees); NULL for anything else, or a target with bytes a browser would
 * have percent-encoded. */
static char *request_target(const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len), *t, *sp;
	size_t n;

	if (!nl)
		return NULL;
	n = (size_t)(nl - head);
	if (n && head[n - 1] == '\r')
		n--;
	if (n < sizeof("GET / HTTP/1.1") - 1 || memcmp(head, "GET /", 5))
		return NULL;
	t = head + 4;
	sp = memchr(t, ' ', n - 4);
	if (!sp || head + n - (sp + 1) != 8 ||
	    (memcmp(sp + 1, "HTTP/1.1", 8) && memcmp(sp + 1, "HTTP/1.0", 8)))
		return NULL;
	for (const char *c = t; c < sp; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
			return NULL;
	return xstrndup(t, (size_t)(sp - t));
}

int oauth_judge_request(const char *head, size_t len, const char *path, const char *state,
			struct oauth_callback *cb)
{
	char *target = request_target(head, len);
	size_t plen = strcspn(path, "?");
	int rc = -EINVAL;

	memset(cb, 0, sizeof(*cb));
	if (!target)
		goto out;
	if (strcspn(target, "?") != plen || memcmp(target, path, plen)) {
		rc = -ENOENT;
		goto out;
	}
	if (oauth_parse_callback(target, cb) || !state_is(cb->state, state))
		goto out;
	rc = 0;
out:
	if (rc)
		memset(cb, 0, sizeof(*cb));
	if (target)
		explicit_bzero(target, strlen(target)); /* our state, maybe a code */
	free(target);
	return rc;
}

/* Is @scope in the comma list @list? */
int oauth_has_scope(const char *list, const char *scope)
{
	size_t n = strlen(scope);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ", ");
		if (len == n && !memcmp(p, scope, n))
			return 1;
		p += len;
		p += strspn(p, ", ");
	}
	return 0;
}

/* "-c PATH" for advice, or "the config". */
static const char *config_name(const struct config *cfg)
{
	return cfg->path && *cfg->path ? cfg->path : "the config";
}

/*
 * The errors TikTok shows on its authorize page instead of redirecting
 * (docs/tiktok.md §2.2), each told with what to change.  0 when @cb's
 * error_type is not one of them.
 */
static int page_error(const struct oauth_callback *cb, const struct config *cfg,
		      struct tt_error *err)
{
	const char *t = cb->error_type;
	const char *ru = cfg->redirect_uri ? cfg->redirect_uri : "";
	const char *key = cfg->client_key ? cfg->client_key : "";

	if (!strcmp(t, "redirect_uri")) {
		tt_error_set(err, ERR_USER,
			     "Redirect URI mismatch: the app has no redirect URI %s registered "
			     "(TikTok: %s, error_type %s)",
			     ru, cb->error, t);
		tt_error_advise(err,
				"In the developer portal (your app, Login Kit, Redirect URI) "
				"register exactly %s, byte for byte: localhost and 127.0.0.1 "
				"differ, and the port and the final / count. Or set redirect_uri "
				"in %s to a URI that is registered.",
				ru, config_name(cfg));
	} else if (!strcmp(t, "client_key")) {
		tt_error_set(err, ERR_USER,
			     "Invalid client key or insufficient permissions: TikTok refused "
			     "client_key %s for this login (TikTok: %s, error_type %s)",
			     key, cb->error, t);
		tt_error_advise(err,
				"In the developer portal check that client_key in %s is the app's "
				"Client key; that the app has the products Login Kit and Content "
				"Posting API; that the scopes %s are approved for it (mode = draft "
				"needs no video.publish); and, for a sandbox app, that this TikTok "
				"account is one of its Target users.",
				config_name(cfg), oauth_scopes(cfg));
	} else if (!strcmp(t, "code_challenge") || !strcmp(t, "code_challenge_method")) {
		tt_error_set(err, ERR_USER,
			     "TikTok refused the login's PKCE challenge (TikTok: %s, error_type "
			     "%s)",
			     cb->error, t);
		tt_error_advise(
		    err,
		    "tiktokfs sends an S256 challenge as TikTok's desktop apps need: "
		    "register the app's platform as Desktop (Login Kit) in the developer "
		    "portal, and check that auth_url in %s is TikTok's authorize page "
		    "(now %s).",
		    config_name(cfg), cfg->auth_url ? cfg->auth_url : "");
	} else {
		return 0;
	}
	tt_error_code(err, cb->error, "");
	return 1;
}

int oauth_check_callback(const struct oauth_callback *cb, const char *state,
			 const struct config *cfg, struct tt_error *err)
{
	static const char *const needed[] = {"user.info.basic", "video.upload", "video.publish"};
	size_t n_needed = cfg->mode == POST_DRAFT ? 2 : 3;
	struct strbuf missing = STRBUF_INIT;
	int rc = 0;

	tt_error_clear(err);
	/* TikTok's own error page carries no state of ours (§2.2), and the
	 * user pastes its address: it is told as it is.  Over the loopback
	 * listener, where anyone may send one, oauth_judge_request has
	 * already required our state. */
	if (cb->error[0]) {
		if (!page_error(cb, cfg, err))
			errors_oauth(err, cb->error, cb->error_description, cb->error_type, "",
				     cfg->client_key, cfg->redirect_uri);
		http_redact_error(err);
		return tt_error_errno(err->cls);
	}
	if (!state_is(cb->state, state)) {
		tt_error_set(err, ERR_USER,
			     "The login answer does not belong to this login "
			     "(state mismatch): refused");
		tt_error_advise(err, "Run `tiktokfs login` again and paste the address of *this* "
				     "login's redirect.");
		return tt_error_errno(err->cls);
	}
	if (!cb->code[0]) {
		tt_error_set(err, ERR_USER, "The login answer holds no authorization code");
		tt_error_advise(err, "Paste the whole address the browser was redirected to.");
		return tt_error_errno(err->cls);
	}
	strbuf_init(&missing);
	if (cb->scopes[0])
		for (size_t i = 0; i < n_needed; i++)
			if (!oauth_has_scope(cb->scopes, needed[i]))
				strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", needed[i]);
	if (missing.len) {
		tt_error_set(err, ERR_USER, "Insufficient permissions: the login did not grant %s",
			     missing.buf);
		tt_error_advise(err,
				"Run `tiktokfs login` again and leave every permission ticked; "
				"check that the app has Login Kit and the Content Posting API "
				"with these scopes.");
		rc = tt_error_errno(err->cls);
	}
	strbuf_release(&missing);
	return rc;
}

static int64_t get_i64(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* The text of @key in @root made printable, into @buf. */
static const char *reply_text(char *buf, size_t size, const json_t *root, const char *key)
{
	const char *v = tjson_str(root, key);

	oauth_clean_text(buf, size, v, strlen(v));
	return buf;
}

/* A token or revoke endpoint's error in TikTok's words, printable only:
 * they reach the terminal as they are. */
static void reply_error(struct tt_error *err, const json_t *root, long status,
			const struct config *cfg)
{
	char code[64], desc[256], log_id[64];

	reply_text(code, sizeof(code), root, "error");
	errors_oauth(err, *code ? code : "server_error",
		     reply_text(desc, sizeof(desc), root, "error_description"), "",
		     reply_text(log_id, sizeof(log_id), root, "log_id"), cfg ? cfg->client_key : "",
		     cfg ? cfg->redirect_uri : "");
	http_redact_error(err);
	err->http_status = (int)status;
}

int oauth_parse_token_reply(const char *body, size_t len, long status, int64_t now,
			    const struct config *cfg, struct token_set *ts, struct tt_error *err)
{
	json_error_t jerr;
	json_t *root = tjson_parse(body, len, &jerr);
	int64_t exp, rexp;
	int rc = -1;

	tt_error_clear(err);
	memset(ts, 0, sizeof(*ts));
	if (!json_is_object(root)) {
		tt_error_set(err, status >= 500 || status == 0 ? ERR_RETRY : ERR_PERMANENT,
			     "TikTok's token endpoint answered HTTP %ld with no JSON", status);
		tt_error_advise(err, "Try again later.");
		err->http_status = (int)status;
		goto out;
	}
	if (json_object_get(root, "error") ||
	    !json_is_string(json_object_get(root, "access_token"))) {
		reply_error(err, root, status, cfg);
		goto out;
	}
	/* refresh_token may be absent from a refresh answer that does not
	 * rotate (the caller keeps the old one); oauth_exchange requires it. */
	if (tjson_copy(ts->access_token, sizeof(ts->access_token), root, "access_token") ||
	    tjson_copy(ts->refresh_token, sizeof(ts->refresh_token), root, "refresh_token") ==
		-E2BIG ||
	    !ts->access_token[0]) {
		tt_error_set(err, ERR_PERMANENT,
			     "TikTok's token answer lacks a token or one "
			     "is longer than %zu bytes",
			     sizeof(ts->access_token) - 1);
		goto out;
	}
	tjson_copy(ts->open_id, sizeof(ts->open_id), root, "open_id");
	tjson_copy(ts->scope, sizeof(ts->scope), root, "scope");
	exp = get_i64(root, "expires_in");
	rexp = get_i64(root, "refresh_expires_in");
	/* Bounded so that the sums below cannot overflow; 0 if absent. */
	if (exp < 0 || exp > 10LL * 365 * 86400)
		exp = 0;
	if (rexp < 0 || rexp > 10LL * 365 * 86400)
		rexp = 0;
	ts->access_expires = now + exp;
	ts->refresh_expires = now + rexp;
	log_add_token(ts->access_token);
	log_add_token(ts->refresh_token);
	rc = 0;
out:
	json_decref(root);
	if (rc)
		explicit_bzero(ts, sizeof(*ts));
	return rc ? tt_error_errno(err->cls) : 0;
}

static char *url_of(const struct config *cfg, const char *path)
{
	return xasprintf("%s%s", cfg->api_base, path);
}

/* POST @form to the token endpoint and parse the answer. */
static int token_call(CURL *h, const struct config *cfg, struct strbuf *form, struct token_set *ts,
		      struct tt_error *err)
{
	struct http_reply r;
	char *url = url_of(cfg, "/v2/oauth/token/");
	int rc;

	http_reply_init(&r);
	rc = http_post(h, url, NULL, "application/x-www-form-urlencoded", form->buf, &r);
	explicit_bzero(form->buf, form->len);
	if (rc) {
		http_transport_error(&r, "token request", err);
		rc = tt_error_errno(err->cls);
		goto out;
	}
	rc = oauth_parse_token_reply(r.body.buf, r.body.len, r.status, wall_now(), cfg, ts,
				     err);
out:
	explicit_bzero(r.body.buf, r.body.len);
	http_reply_release(&r);
	free(url);
	return rc;
}

int oauth_exchange(CURL *h, const struct config *cfg, const char *code, const char *verifier,
		   struct token_set *ts, struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	int rc = 0;

	strbuf_init(&form);
	rc |= http_add_param(&form, "client_key", cfg->client_key);
	rc |= http_add_param(&form, "client_secret", cfg->client_secret);
	rc |= http_add_param(&form, "code", code);
	rc |= http_add_param(&form, "grant_type", "authorization_code");
	rc |= http_add_param(&form, "redirect_uri", cfg->redirect_uri);
	rc |= http_add_param(&form, "code_verifier", verifier);
	if (rc) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the token request");
		rc = tt_error_errno(err->cls);
	} else {
		rc = token_call(h, cfg, &form, ts, err);
	}
	if (!rc && !ts->refresh_token[0]) {
		tt_error_set(err, ERR_PERMANENT, "TikTok's token answer holds no refresh_token");
		tt_error_advise(err, "Run `tiktokfs login` again; report it if it persists.");
		explicit_bzero(ts, sizeof(*ts));
		rc = tt_error_errno(err->cls);
	}
	strbuf_release(&form);
	return rc;
}

int oauth_refresh(CURL *h, const struct config *cfg, const char *refresh_token,
		  struct token_set *ts, struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	int rc = 0;

	strbuf_init(&form);
	rc |= http_add_param(&form, "client_key", cfg->client_key);
	rc |= http_add_param(&form, "client_secret", cfg->client_secret);
	rc |= http_add_param(&form, "grant_type", "refresh_token");
	rc |= http_add_param(&form, "refresh_token", refresh_token);
	if (rc) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the refresh request");
		rc = tt_error_errno(err->cls);
	} else {
		rc = token_call(h, cfg, &form, ts, err);
	}
	strbuf_release(&form);
	return rc;
}

int oauth_revoke(CURL *h, const struct config *cfg, const char *access_token, struct tt_error *err)
{
	struct strbuf form = STRBUF_INIT;
	struct http_reply r;
	char *url = url_of(cfg, "/v2/oauth/revoke/");
	json_error_t jerr;
	json_t *root = NULL;
	int rc = 0;

	http_reply_init(&r);
	strbuf_init(&form);
	rc |= http_add_param(&form, "client_key", cfg->client_key);
	rc |= http_add_param(&form, "client_secret", cfg->client_secret);
	rc |= http_add_param(&form, "token", access_token);
	if (rc) {
		tt_error_set(err, ERR_PERMANENT, "cannot encode the revoke request");
		rc = tt_error_errno(err->cls);
		goto out;
	}
	rc = http_post(h, url, NULL, "application/x-www-form-urlencoded", form.buf, &r);
	if (rc) {
		http_transport_error(&r, "revoke", err);
		rc = tt_error_errno(err->cls);
		goto out;
	}
	/* Success is an empty 200; an error may come as JSON, with 200 too. */
	root = r.body.len ? tjson_parse(r.body.buf, r.body.len, &jerr) : NULL;
	if (r.status != 200 || json_object_get(root, "error")) {
		reply_error(err, root, r.status, cfg);
		rc = tt_error_errno(err->cls);
	}
out:
	json_decref(root);
	explicit_bzero(form.buf, form.len);
	strbuf_release(&form);
	http_reply_release(&r);
	free(url);
	return rc;
}

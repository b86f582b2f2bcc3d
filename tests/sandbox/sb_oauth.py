"""OAuth v2 as TikTok does it (docs/tiktok.md §2, §8 "OAuth").

authorize: auto-consent, 302 back to the redirect URI with code, scopes (plural)
and state.  A bad client_key or an unregistered redirect URI is shown on the
page itself (error=unauthorized_client&error_type=client_key), never redirected.
token: form-encoded only; authorization_code with TikTok's PKCE variant (the
challenge is lower-case HEX of SHA-256(verifier), not base64url: §2.3), codes
single-use and short-lived, redirect_uri byte-equal; refresh_token with rotation.
Answers are flat objects; errors {error, error_description, log_id} with an HTTP
status that is a knob (default 200, §2.6).
revoke: kills the grant (access and refresh tokens) and fails unfinished posts
with auth_removed (§2.5).
"""
import hashlib
import hmac
import re
import secrets
import urllib.parse

from sb_reply import Reply, oauth_error, oauth_ok, empty
from sb_state import log_id

MISSING = "The request is missing a required parameter."
MALFORMED = "The request parameters are malformed."
PKCE_BAD = "Code verifier or code challenge is invalid."
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def _first(q, key):
    v = q.get(key)
    return v[0] if v else None


def _page_error(st, error, error_type):
    """TikTok shows these on its own page instead of redirecting (§2.2)."""
    lid = log_id(st.now())
    text = (f"<!doctype html><html><head><title>TikTok</title></head><body>"
            f"<p>Something went wrong</p><p>error={error}&error_type={error_type}</p>"
            f"<p>log_id={lid}</p></body></html>")
    return Reply(200, text, ctype="text/html; charset=utf-8", code=error, logid=lid,
                 headers={"X-Sandbox-Error": f"error={error}&error_type={error_type}"})


def _redirect(st, uri, params):
    sep = "&" if "?" in uri else "?"
    lid = log_id(st.now())
    loc = uri + sep + urllib.parse.urlencode(params)
    return Reply(302, b"", ctype=None, headers={"Location": loc},
                 code=params.get("error"), logid=lid)


def _new_code():
    # Real codes carry '*' and '!', which the redirect percent-encodes: a client
    # that forgets to URL-decode the callback fails here as it would at TikTok.
    return secrets.token_urlsafe(36) + "*" + secrets.token_urlsafe(6) + "!" + secrets.token_hex(4)


def authorize(h, st):
    q = urllib.parse.parse_qs(h.query, keep_blank_values=True)
    ck = _first(q, "client_key")
    ru = _first(q, "redirect_uri")
    with st.lock:
        if ck != st.cfg["client_key"]:
            return _page_error(st, "unauthorized_client", "client_key")
        if not ru or not st.redirect_registered(ru):
            return _page_error(st, "unauthorized_client", "client_key")
        state = _first(q, "state")
        base = {} if state is None else {"state": state}

        def fail(err, desc):
            return _redirect(st, ru, {"error": err, "error_description": desc, **base})

        if _first(q, "response_type") != "code":
            return fail("unsupported_response_type", "The response_type must be code.")
        if state is None:
            return fail("invalid_request", MISSING)
        scope = _first(q, "scope")
        if not scope:
            return fail("invalid_request", MISSING)
        scopes = scope.split(",")  # comma list; a space-separated one is one bad scope
        for s in scopes:
            if s not in st.cfg["scopes"]:
                return fail("invalid_scope", f"The scope {s} is invalid or not approved.")
        challenge = _first(q, "code_challenge")
        method = _first(q, "code_challenge_method")
        if st.knob("require_pkce") and not challenge:
            return fail("invalid_request", MISSING)
        if challenge and method != "S256":
            return fail("invalid_request", "The code_challenge_method must be S256.")
        if st.knob("consent_deny"):
            return fail("access_denied", "The user denied the request.")
        who = _first(q, "sandbox_user") or st.knob("consent_user") or st.cfg["default_user"]
        user = st.user_by_name(who)
        if user is None:
            return _page_error(st, "unauthorized_client", "user")
        ticked = st.knob("consent_scopes")
        granted = [s for s in scopes if ticked is None or s in ticked]
        code = _new_code()
        st.codes[code] = {"client_key": ck, "redirect_uri": ru, "challenge": challenge,
                          "scopes": granted, "open_id": user["open_id"],
                          "expires": st.now() + float(st.knob("code_lifetime")), "used": False}
        return _redirect(st, ru, {"code": code, "scopes": ",".join(granted), **base})


def _form(h, st):
    """Parse the form body; None with a reply when it is not a form."""
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    body = h.read_body()
    if ctype != "application/x-www-form-urlencoded":
        return None, oauth_error(st, "invalid_request", MALFORMED)
    try:
        text = body.decode("utf-8")
        form = urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        return None, oauth_error(st, "invalid_request", MALFORMED)
    return form, None


def _client_ok(st, form):
    ck, cs = _first(form, "client_key"), _first(form, "client_secret")
    if not ck or not cs:
        return oauth_error(st, "invalid_request", MISSING)
    if ck != st.cfg["client_key"] or not hmac.compare_digest(cs, st.cfg["client_secret"]):
        return oauth_error(st, "invalid_client", "Client key or secret is incorrect.")
    return None


def _pkce_ok(st, challenge, verifier):
    if not verifier or not VERIFIER_RE.match(verifier):
        return False
    want = hashlib.sha256(verifier.encode("ascii")).hexdigest()  # lower-case hex
    if st.knob("pkce_hex_case") == "any":
        return hmac.compare_digest(want, challenge.lower())
    return hmac.compare_digest(want, challenge)


def _issue(st, grant, refresh_token=None, refresh_expires=None):
    now = st.now()
    at = "act." + secrets.token_urlsafe(45)
    st.access[at] = {"grant": grant, "expires": now + float(st.access_lifetime())}
    if refresh_token is None:
        refresh_token = "rft." + secrets.token_urlsafe(45)
        if refresh_expires is None:
            refresh_expires = now + float(st.refresh_lifetime())
        st.refresh[refresh_token] = {"grant": grant, "expires": refresh_expires, "dead_at": None}
    rec = st.refresh[refresh_token]
    return {
        "access_token": at,
        "expires_in": int(st.access_lifetime()),
        "open_id": grant["open_id"],
        "refresh_expires_in": max(0, int(rec["expires"] - now)),
        "refresh_token": refresh_token,
        "scope": ",".join(grant["scopes"]),
        "token_type": "Bearer",
    }


def token(h, st):
    form, err = _form(h, st)
    if err:
        return err
    with st.lock:
        err = _client_ok(st, form)
        if err:
            return err
        gt = _first(form, "grant_type")
        if not gt:
            return oauth_error(st, "invalid_request", MISSING)
        if gt == "authorization_code":
            return _grant_code(st, form)
        if gt == "refresh_token":
            return _grant_refresh(st, form)
        return oauth_error(st, "unsupported_grant_type", "The grant type is not supported.")


def _grant_code(st, form):
    code, ru = _first(form, "code"), _first(form, "redirect_uri")
    if not code or ru is None:
        return oauth_error(st, "invalid_request", MISSING)
    rec = st.codes.get(code)
    now = st.now()
    if rec is None:
        return oauth_error(st, "invalid_grant", "Authorization code is invalid.")
    if rec["used"] or now >= rec["expires"]:
        return oauth_error(st, "invalid_grant", "Authorization code is expired.")
    if ru != rec["redirect_uri"]:
        return oauth_error(st, "invalid_request",
                           "Redirect_uri is not matched with the uri when requesting code.")
    if rec["challenge"] and not _pkce_ok(st, rec["challenge"], _first(form, "code_verifier")):
        return oauth_error(st, "invalid_request", PKCE_BAD)
    rec["used"] = True
    gid = len(st.grants) + 1
    grant = {"id": gid, "open_id": rec["open_id"], "scopes": list(rec["scopes"]),
             "revoked": False}
    st.grants[gid] = grant
    return oauth_ok(st, _issue(st, grant))


def _grant_refresh(st, form):
    rt = _first(form, "refresh_token")
    if not rt:
        return oauth_error(st, "invalid_request", MISSING)
    rec = st.refresh.get(rt)
    now = st.now()
    bad = "Refresh token is invalid or expired."
    if rec is None or now >= rec["expires"] or rec["grant"]["revoked"]:
        return oauth_error(st, "invalid_grant", bad)
    if rec["dead_at"] is not None and now >= rec["dead_at"]:
        return oauth_error(st, "invalid_grant", bad)
    if not st.knob("rotate_refresh"):
        return oauth_ok(st, _issue(st, rec["grant"], refresh_token=rt))
    if st.knob("refresh_resets_lifetime"):
        expires = now + float(st.refresh_lifetime())
    else:  # "365 days after the initial issuance" (§2.4)
        expires = rec["expires"]
    out = _issue(st, rec["grant"], refresh_expires=expires)
    if st.knob("invalidate_old_refresh") and rec["dead_at"] is None:
        rec["dead_at"] = now + float(st.knob("refresh_grace_seconds"))
    return oauth_ok(st, out)


def revoke(h, st):
    form, err = _form(h, st)
    if err:
        return err
    with st.lock:
        err = _client_ok(st, form)
        if err:
            return err
        tok = _first(form, "token")
        if not tok:
            return oauth_error(st, "invalid_request", MISSING)
        rec = st.access.get(tok)
        if rec is not None and not rec["grant"]["revoked"]:
            grant = rec["grant"]
            grant["revoked"] = True
            now = st.now()
            for t in st.tasks.values():
                busy = st.task_status(t, now)["status"].startswith("PROCESSING")
                if t.open_id == grant["open_id"] and busy:
                    t.fail_reason, t.failed_at = "auth_removed", now
        # Success is an empty body (§2.5); an unknown token is not an error (RFC 7009).
        return empty(st, 200)

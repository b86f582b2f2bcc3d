"""OAuth v2 as TikTok does it (docs/tiktok.md §2, §8 "OAuth").

authorize: auto-consent, 302 back to the redirect URI with code, scopes (plural)
and state.  The browser is "signed in" as one user (sandbox_user, knob
consent_user, else default_user) who is authorised silently, unless the request
says disable_auto_auth=1: then the login page asks again and whoever signs in
there (knob login_user, else the same user) is authorised.  Each authorisation is
recorded for /_sandbox/authorizations.  Errors before consent are shown on TikTok's own page, never
redirected: an unregistered redirect URI (invalid_request/redirect_uri), an
unknown client_key, a scope the app is not approved for or a user who is not a
target user (unauthorized_client/client_key), a missing or non-S256 PKCE
challenge (invalid_request/code_challenge).  The user's refusal (access_denied)
and malformed requests from a known app are redirected with the state.
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
import html
import json
import re
import secrets
import urllib.parse

from .sb_reply import Reply, oauth_error, oauth_ok, empty
from .sb_state import log_id

MISSING = "The request is missing a required parameter."
MALFORMED = "The request parameters are malformed."
PKCE_BAD = "Code verifier or code challenge is invalid."
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def _first(q, key):
    v = q.get(key)
    return v[0] if v else None


def _page_error(h, st, error, error_type):
    """TikTok shows authorize errors on its own page and sends the browser nowhere
    (docs/tiktok.md §2.2): an HTML page (HTTP 200, no Location) whose address
    carries error and error_type.  The address is the request's own with those
    two added, set in the browser's address bar by history.replaceState (as
    TikTok's single-page app does) and given as Content-Location for clients
    that run no script; a person pastes it back to tiktokfs."""
    lid = log_id(st.now())
    params = urllib.parse.urlencode({"error": error, "error_type": error_type})
    if "error" in urllib.parse.parse_qs(h.query):
        path = h.url_path + "?" + h.query  # the page reloaded: its address as it is
    else:
        path = h.url_path + "?" + (h.query + "&" if h.query else "") + params
    address = f"https://127.0.0.1:{st.port}{path}"
    text = (f"<!doctype html><html><head><title>TikTok</title></head><body>"
            f"<script>history.replaceState(null, '', {html.escape(json.dumps(path))});"
            f"</script>"
            f"<p>Something went wrong</p>"
            f"<p>error={html.escape(error)}&error_type={html.escape(error_type)}</p>"
            f"<p>log_id={lid}</p></body></html>")
    return Reply(200, text, ctype="text/html; charset=utf-8", code=error, logid=lid,
                 headers={"X-Sandbox-Error": f"error={error}&error_type={error_type}",
                          "Content-Location": address})


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


def _page_check(h, st, q):
    """The errors TikTok shows on its page (§2.2), in the order it meets them;
    None when the request may go on to consent."""
    if _first(q, "error"):  # the error page's own address, reloaded
        return _page_error(h, st, _first(q, "error"), _first(q, "error_type") or "")
    if _first(q, "client_key") != st.cfg["client_key"]:
        return _page_error(h, st, "unauthorized_client", "client_key")
    ru = _first(q, "redirect_uri")
    if not ru or not st.redirect_registered(ru):
        return _page_error(h, st, "invalid_request", "redirect_uri")
    scope = _first(q, "scope")
    # A comma list; a space-separated one is one bad scope.  A scope the app
    # is not approved for is told as a client_key problem, as TikTok does.
    if scope and any(s not in st.app_scopes() for s in scope.split(",")):
        return _page_error(h, st, "unauthorized_client", "client_key")
    challenge = _first(q, "code_challenge")
    if (st.knob("require_pkce") and not challenge) or \
            (challenge and _first(q, "code_challenge_method") != "S256"):
        return _page_error(h, st, "invalid_request", "code_challenge")
    return None


def _session_user(st, q):
    """Who the browser is signed in as."""
    return _first(q, "sandbox_user") or st.knob("consent_user") or st.cfg["default_user"]


def _who_signs_in(st, q):
    """(username, asked): the browser's session user is authorised silently
    (TikTok's auto-auth); with disable_auto_auth=1 the page asks, and the user
    who signs in there is knob login_user (a person choosing another account)
    or, unset, the session's user again (docs/tiktok.md §2.2)."""
    session = _session_user(st, q)
    if _first(q, "disable_auto_auth") == "1":
        return st.knob("login_user") or session, True
    return session, False


def authorize(h, st):
    q = urllib.parse.parse_qs(h.query, keep_blank_values=True)
    with st.lock:
        page = _page_check(h, st, q)
        if page:
            return page
        ck, ru, state = _first(q, "client_key"), _first(q, "redirect_uri"), _first(q, "state")
        base = {} if state is None else {"state": state}

        def fail(err, desc):
            return _redirect(st, ru, {"error": err, "error_description": desc, **base})

        if _first(q, "response_type") != "code":
            return fail("unsupported_response_type", "The response_type must be code.")
        scope = _first(q, "scope")
        if state is None or not scope:
            return fail("invalid_request", MISSING)
        who, asked = _who_signs_in(st, q)
        user = st.user_by_name(who)
        if user is None or not st.is_target_user(user):
            # A sandbox app lets only its target users in (§2.2).
            return _page_error(h, st, "unauthorized_client", "client_key")
        if st.knob("consent_deny"):
            return fail("access_denied", "The user denied the request.")
        ticked = st.knob("consent_scopes")
        granted = [s for s in scope.split(",") if ticked is None or s in ticked]
        code = _new_code()
        st.authorizations.append({"t": st.now(), "user": user["username"],
                                  "open_id": user["open_id"], "asked": asked,
                                  "session_user": _session_user(st, q)})
        st.codes[code] = {"client_key": ck, "redirect_uri": ru,
                          "challenge": _first(q, "code_challenge"),
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
    else:  # counted from the first issue (whether TikTok restarts it is unsure, §2.4)
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

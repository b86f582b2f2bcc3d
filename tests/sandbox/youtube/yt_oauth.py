"""Google OAuth 2.0 for an installed ("Desktop app") client, as YouTube uses it.

authorize (GET /o/oauth2/v2/auth): auto-consent, 302 back to a loopback
redirect URI (http://127.0.0.1:PORT, http://[::1]:PORT or http://localhost:PORT,
any path; Desktop clients register none) with state, code and the granted
scopes, space-separated.  An unknown client, a redirect URI that is not
loopback with a port, a bad response_type, PKCE method or scope is shown on
Google's own page (HTTP 400), never redirected; the user's "Cancel" is
redirected as error=access_denied.
token (POST /token): form-encoded only; authorization_code with standard RFC
7636 S256 PKCE (BASE64URL(SHA-256(verifier)), no padding: a hex challenge,
TikTok's variant, can never match and fails the exchange), codes single-use
for ten minutes, redirect_uri byte-equal; refresh_token without rotation.
Refresh tokens die with revoke, with the 101st token of the same user and
client, and after seven days when the knob testing_mode is on.
revoke (POST /revoke): an access or refresh token; the whole grant dies.
The device flow's grant is yt_device's.
Errors are flat {error, error_description} with a 4xx status.
"""
import base64
import hashlib
import hmac
import re
import secrets
import urllib.parse

import yt_device
from yt_reply import oauth_error, oauth_ok, page, empty, Reply
from yt_state import KNOWN_SCOPES

VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
LOOPBACK_RE = re.compile(r"^http://(127\.0\.0\.1|\[::1\]|localhost):([0-9]{1,5})(/[^?#]*)?$")
EXPIRED = "Token has been expired or revoked."


def _first(q, key):
    v = q.get(key)
    return v[0] if v else None


def _check_authorize(st, q):
    """The reason Google would show its error page for this request, or None."""
    if _first(q, "client_id") != st.cfg["client_id"]:
        return "invalid_client"
    m = LOOPBACK_RE.match(_first(q, "redirect_uri") or "")
    if not m or not 0 < int(m.group(2)) < 65536:
        return "redirect_uri_mismatch"
    if _first(q, "response_type") != "code":
        return "unsupported_response_type"
    scopes = (_first(q, "scope") or "").split()
    if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
        return "invalid_scope"
    method = _first(q, "code_challenge_method")
    challenge = _first(q, "code_challenge")
    if challenge is None:
        return "invalid_request" if st.knob("require_pkce") or method else None
    if method not in ("S256", "plain") or (method == "plain"
                                           and not st.knob("allow_plain_pkce")):
        return "invalid_request"
    if not VERIFIER_RE.match(challenge):
        return "invalid_request"
    return None


def authorize(h, st):
    q = urllib.parse.parse_qs(h.query)
    bad = _check_authorize(st, q)
    if bad:
        return page(400, f"Error 400: {bad}", bad)
    redirect = _first(q, "redirect_uri")
    params = {}
    if _first(q, "state") is not None:
        params["state"] = _first(q, "state")
    if st.knob("consent_deny"):
        params["error"] = "access_denied"
        return _redirect(redirect, params)
    user = st.user(st.knob("consent_user") or _first(q, "login_hint") or st.cfg["default_user"])
    if user is None:
        return page(400, "Error 400: unknown sandbox user", "invalid_request")
    asked = _first(q, "scope").split()
    ticked = st.knob("consent_scopes")
    granted = [s for s in asked if ticked is None or s in ticked]
    code = "4/0A" + secrets.token_urlsafe(40)
    st.codes[code] = {"user": user["email"], "scopes": granted, "redirect_uri": redirect,
                      "offline": _first(q, "access_type") == "offline",
                      "challenge": _first(q, "code_challenge"),
                      "method": _first(q, "code_challenge_method") or "plain",
                      "expires": st.now() + float(st.knob("code_lifetime")), "used": False}
    params.update({"code": code, "scope": " ".join(granted)})
    return _redirect(redirect, params)


def _redirect(uri, params):
    loc = uri + ("&" if "?" in uri else "?") + urllib.parse.urlencode(params)
    return Reply(302, b"", ctype=None, headers={"Location": loc}, code=params.get("error"))


def _form(h):
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return None
    try:
        body = h.read_body().decode("utf-8")
    except UnicodeDecodeError:
        return None
    return {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


def pkce_ok(method, challenge, verifier):
    if not verifier or not VERIFIER_RE.match(verifier):
        return False
    if method == "plain":
        expect = verifier
    else:
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        expect = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(expect, challenge)


def token(h, st):
    f = _form(h)
    if f is None:
        return oauth_error("invalid_request", "Invalid Content-Type: expected form data.")
    if f.get("client_id") != st.cfg["client_id"]:
        return oauth_error("invalid_client", "The OAuth client was not found.", 401)
    if not hmac.compare_digest(f.get("client_secret", ""), st.cfg["client_secret"]):
        return oauth_error("invalid_client", "Unauthorized", 401)
    grant = f.get("grant_type")
    with st.lock:
        if grant == "authorization_code":
            return _exchange(st, f)
        if grant == "refresh_token":
            return _refresh(st, f)
        if grant == yt_device.GRANT:
            return yt_device.poll(st, f)
    if not grant:
        return oauth_error("invalid_request", "Missing required parameter: grant_type")
    return oauth_error("unsupported_grant_type", "Invalid grant_type: " + grant[:40])


def _exchange(st, f):
    code = st.codes.get(f.get("code", ""))
    if code is None:
        return oauth_error("invalid_grant", "Malformed auth code.")
    if code["used"] or st.now() >= code["expires"]:
        return oauth_error("invalid_grant", "Bad Request")
    code["used"] = True  # single use: a second try fails even if this one does
    if f.get("redirect_uri") != code["redirect_uri"]:
        return oauth_error("redirect_uri_mismatch", "Bad Request")
    if code["challenge"] is not None:
        if not f.get("code_verifier"):
            return oauth_error("invalid_request", "Missing code verifier.")
        if not pkce_ok(code["method"], code["challenge"], f["code_verifier"]):
            return oauth_error("invalid_grant", "Invalid code verifier.")
    out = issue(st, code["user"], code["scopes"])
    if st.knob("refresh_needs_offline") and not code["offline"]:
        st.refresh.pop(out.pop("refresh_token"), None)  # 1 h of access, then log in again
    return oauth_ok(out)


def issue(st, user, scopes):
    """A new grant: the token answer with an access and a refresh token."""
    grant_id = st.next_seq()
    refresh = "1//0" + secrets.token_urlsafe(60)
    st.refresh[refresh] = {"user": user, "scopes": scopes, "issued": st.now(),
                           "grant": grant_id, "seq": st.next_seq()}
    _limit_refresh_tokens(st, user)
    out = _access(st, user, scopes, grant_id)
    out["refresh_token"] = refresh
    return out


def _limit_refresh_tokens(st, user):
    """Google keeps 100 refresh tokens per (account, client): the oldest dies."""
    mine = sorted((r["seq"], t) for t, r in st.refresh.items() if r["user"] == user)
    for _, tok in mine[:max(0, len(mine) - int(st.knob("max_refresh_tokens")))]:
        _kill_grant(st, st.refresh[tok]["grant"])


def _access(st, user, scopes, grant_id):
    tok = "ya29.a0" + secrets.token_urlsafe(80)
    life = int(st.knob("access_token_lifetime"))
    st.access[tok] = {"user": user, "scopes": scopes, "expires": st.now() + life,
                      "grant": grant_id}
    return {"access_token": tok, "expires_in": life, "scope": " ".join(scopes),
            "token_type": "Bearer"}


def refresh_alive(st, rec):
    if rec is None:
        return False
    if st.knob("testing_mode"):
        return st.now() < rec["issued"] + float(st.knob("testing_refresh_lifetime"))
    return True


def _refresh(st, f):
    rec = st.refresh.get(f.get("refresh_token", ""))
    if not refresh_alive(st, rec):
        return oauth_error("invalid_grant", EXPIRED)
    out = _access(st, rec["user"], rec["scopes"], rec["grant"])
    if st.knob("rotate_refresh"):
        # the old token stays valid: Google never said it stops
        new = "1//0" + secrets.token_urlsafe(60)
        st.refresh[new] = dict(rec, seq=st.next_seq())
        out["refresh_token"] = new
    return oauth_ok(out)


def _kill_grant(st, grant_id):
    for table in (st.access, st.refresh):
        for tok in [t for t, r in table.items() if r["grant"] == grant_id]:
            del table[tok]


def revoke(h, st):
    f = _form(h) or {}
    q = urllib.parse.parse_qs(h.query)
    tok = f.get("token") or _first(q, "token") or ""
    with st.lock:
        rec = st.access.get(tok) or st.refresh.get(tok)
        if rec is None or (tok in st.access and st.now() >= rec["expires"]):
            return oauth_error("invalid_token", "Token expired or revoked")
        _kill_grant(st, rec["grant"])
    return empty(200)


def bearer(h, st):
    """The live access-token record of the request, or None."""
    auth = h.headers.get("Authorization") or ""
    if not auth.startswith("Bearer "):
        return None
    rec = st.access.get(auth[7:].strip())
    if rec is None or st.now() >= rec["expires"]:
        return None
    return rec

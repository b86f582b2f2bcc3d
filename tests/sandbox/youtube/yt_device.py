"""Google's device flow ("TVs and Limited Input devices"), the fallback for a
first login on a host with no browser (docs/youtube.md §2.7).

POST /device/code (form client_id, scope) answers device_code, user_code,
verification_url (Google's name, not RFC 8628's verification_uri),
expires_in 1800 and interval 5.  Whether the flow may ask for youtube.upload
is uncertain: the list of scopes it allows names youtube and youtube.readonly
only, so by default youtube.upload is invalid_scope (knob
device_upload_scope).  The person's answer comes through
/_sandbox/device_answer.  Polling POST /token with grant_type
urn:ietf:params:oauth:grant-type:device_code: 428 authorization_pending while
nobody answered, 403 slow_down when polled faster than the interval, 403
access_denied, 400 expired_token after expires_in; then the same token
answer as the code exchange.
"""
import secrets
import string
import urllib.parse

from yt_reply import oauth_error, oauth_ok
from yt_state import KNOWN_SCOPES, SCOPE

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_SCOPES = {SCOPE + "youtube", SCOPE + "youtube.readonly", "openid", "email", "profile"}


def _user_code():
    pick = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
    return pick[:4] + "-" + pick[4:]


def code(h, st):
    body = h.read_body().decode("utf-8", "replace")
    f = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
    if f.get("client_id") != st.cfg["client_id"]:
        return oauth_error("invalid_client", "The OAuth client was not found.", 401)
    scopes = (f.get("scope") or "").split()
    allowed = DEVICE_SCOPES | ({SCOPE + "youtube.upload"}
                               if st.knob("device_upload_scope") else set())
    if not scopes or any(s not in KNOWN_SCOPES or s not in allowed for s in scopes):
        return oauth_error("invalid_scope", "Invalid device flow scope: " + " ".join(scopes)[:200])
    dev = "AH-1Ng" + secrets.token_urlsafe(40)
    rec = {"user_code": _user_code(), "scopes": scopes, "expires": st.now() + 1800,
           "interval": 5, "last_poll": None, "answer": None, "user": None}
    with st.lock:
        st.devices[dev] = rec
    return oauth_ok({"device_code": dev, "user_code": rec["user_code"],
                     "verification_url": "https://www.google.com/device",
                     "expires_in": 1800, "interval": 5})


def answer(st, user_code, user, approve):
    """The person at the verification page enters @user_code (control call)."""
    for rec in st.devices.values():
        if rec["user_code"] == user_code:
            rec["answer"] = "approved" if approve else "denied"
            rec["user"] = user or st.cfg["default_user"]
            return True
    return False


def poll(st, f):
    import yt_oauth
    rec = st.devices.get(f.get("device_code", ""))
    if rec is None:
        return oauth_error("invalid_grant", "Malformed device code.")
    now = st.now()
    if now >= rec["expires"]:
        return oauth_error("expired_token", "Expired device code.")
    last, rec["last_poll"] = rec["last_poll"], now
    if last is not None and now - last < rec["interval"]:
        return oauth_error("slow_down", "Polling too frequently.", 403)
    if rec["answer"] is None:
        return oauth_error("authorization_pending", "Precondition Required", 428)
    if rec["answer"] == "denied":
        return oauth_error("access_denied", "Forbidden", 403)
    del st.devices[f["device_code"]]
    return oauth_ok(yt_oauth.issue(st, rec["user"], rec["scopes"]))

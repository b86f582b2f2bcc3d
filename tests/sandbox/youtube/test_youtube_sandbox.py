"""The YouTube sandbox's own tests, with curl and http.client as the clients.

Most requests go through an in-process HTTPS client (http.client, verifying the
sandbox's CA) that answers in the shape of the TikTok sandbox tests' curl
helper: a curl process per request would make this file take minutes.  The
tests that matter most to a libcurl client (the login, the worked chunk
example, the dropped connection) use the real curl binary with
`--cacert DIR/ca.pem` (never -k).  Each rule of README.md has a test, each refusal too;
time-dependent rules (code and session lifetimes, the 7-day Testing refresh
token, Pacific midnight, processing) move the sandbox clock instead of
waiting.  One sandbox process serves the module, reset before each test.
"""
import base64
import hashlib
import http.client
import json
import os
import struct
import tempfile
import urllib.parse

import pytest

from sandbox.test_sandbox import Curl, curl as real_curl
from sandbox.youtube.client import REDIRECT, SCOPE, UPLOAD_SCOPES, pkce_pair

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
B64_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
HEX_CHALLENGE = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
INSERT = "/upload/youtube/v3/videos?uploadType=resumable&part=snippet%2Cstatus"
LIST = "/youtube/v3/videos?part=status%2CprocessingDetails&id="
KIB256 = 256 * 1024
SECOND = "second@sandbox.invalid"
META = {"snippet": {"title": "Harbour at dusk", "description": "Boats.", "tags": ["sea"],
                    "categoryId": "22"},
        "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False}}


@pytest.fixture
def yt(yt_sandbox):
    """The shared YouTube sandbox (tests/conftest.py), reset."""
    return yt_sandbox


# ---- helpers -----------------------------------------------------------------
def curl(sb, method, path, *, token=None, json_body=None, form=None, data=None, headers=()):
    """One request over http.client, answered as the curl helper answers
    (a dropped connection is rc 1, status 0).  A header "Name:" with no value
    is left out, as curl leaves it out."""
    hdrs = {}
    for h in headers:
        k, _, v = h.partition(":")
        if v.strip():
            hdrs[k.strip()] = v.strip()
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    body = data.encode() if isinstance(data, str) else data
    if json_body is not None:
        body = json.dumps(json_body).encode()
        hdrs.setdefault("Content-Type", "application/json; charset=UTF-8")
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPSConnection("127.0.0.1", sb.port, context=sb._ssl, timeout=60)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return Curl(0, r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), "")
    except (OSError, http.client.HTTPException) as e:
        return Curl(1, 0, {}, b"", str(e))
    finally:
        conn.close()


def box(kind, body):
    return struct.pack(">I4s", 8 + len(body), kind) + body


def mp4(width, height, seconds, size=4096):
    """A minimal MP4 (ftyp, moov/mvhd, one video trak) padded to @size bytes."""
    mvhd = struct.pack(">I I I I I", 0, 0, 0, 1000, int(seconds * 1000)) + b"\0" * 80
    tkhd = b"\0" * 76 + struct.pack(">II", width << 16, height << 16)
    hdlr = struct.pack(">II4s", 0, 0, b"vide") + b"\0" * 13
    moov = box(b"moov", box(b"mvhd", mvhd) + box(b"trak", box(b"tkhd", tkhd)
                                                 + box(b"mdia", box(b"hdlr", hdlr))))
    head = box(b"ftyp", b"isom\0\0\0\0isom") + moov
    return head + box(b"mdat", os.urandom(max(0, size - len(head) - 8)))


def form(sb, path, fields):
    return curl(sb, "POST", path, form=fields)


def login(sb, user=None, scopes=UPLOAD_SCOPES):
    verifier, challenge = pkce_pair()
    r = curl(sb, "GET", sb.authorize_query(challenge, scopes, login_hint=user))
    cb = callback(r)
    r = form(sb, "/token", sb.token_form(code=cb["code"], code_verifier=verifier))
    assert r.status == 200, r
    return r.json()


def callback(r):
    assert r.status == 302, r
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["location"]).query)
    return {k: v[0] for k, v in q.items()}


def reason(r):
    return r.json()["error"]["errors"][0]["reason"]


def start(sb, tok, meta=META, total=4096, mime="video/mp4", path=INSERT, headers=()):
    hdrs = [f"X-Upload-Content-Type: {mime}"] if mime else []
    if total is not None:
        hdrs.append(f"X-Upload-Content-Length: {total}")
    return curl(sb, "POST", path, token=tok, json_body=meta, headers=hdrs + list(headers))


def session(sb, tok, **kw):
    r = start(sb, tok, **kw)
    assert r.status == 200 and r.body == b"", r
    loc = r.headers["location"]
    assert loc.startswith(sb.base_url + "/upload/youtube/v3/videos?") and "upload_id=" in loc
    return loc[len(sb.base_url):]


def put(sb, uri, tok, data, rng=None, method="PUT", headers=(), client=curl):
    hdrs = list(headers) + ([f"Content-Range: {rng}"] if rng else []) + [
        "Content-Type: video/mp4", "Expect:"]
    if client is curl:
        return curl(sb, method, uri, token=tok, headers=hdrs, data=data)
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return real_curl(sb, method, uri, token=tok, headers=hdrs,
                         extra=["--data-binary", "@" + f.name])


def query(sb, uri, tok, total, headers=(), client=curl):
    return client(sb, "PUT", uri, token=tok,
                  headers=[f"Content-Range: bytes */{total}", "Content-Length: 0"] + list(headers))


def upload(sb, tok, data, meta=META):
    uri = session(sb, tok, meta=meta, total=len(data))
    r = put(sb, uri, tok, data)
    assert r.status == 201, r
    return r.json()


def listed(sb, tok, vid):
    r = curl(sb, "GET", LIST + vid, token=tok)
    assert r.status == 200, r
    return r.json()["items"]


# ---- OAuth -------------------------------------------------------------------
def test_rfc7636_vector_logs_in_with_base64url_challenge(yt):
    r = real_curl(yt, "GET", yt.authorize_query(B64_CHALLENGE))
    cb = callback(r)
    assert cb["state"] == "st4te" and cb["code"].startswith("4/0A")
    assert cb["scope"].split() == UPLOAD_SCOPES.split()
    assert r.headers["location"].startswith(REDIRECT + "?")
    t = real_curl(yt, "POST", "/token",
                  form=yt.token_form(code=cb["code"], code_verifier=RFC_VERIFIER)).json()
    assert t["access_token"].startswith("ya29.") and t["refresh_token"].startswith("1//")
    assert t["expires_in"] == 3599 and t["token_type"] == "Bearer"
    assert t["scope"] == UPLOAD_SCOPES


def test_hex_challenge_fails_the_exchange_as_at_google(yt):
    cb = callback(curl(yt, "GET", yt.authorize_query(HEX_CHALLENGE)))
    r = form(yt, "/token", yt.token_form(code=cb["code"], code_verifier=RFC_VERIFIER))
    assert r.status == 400 and r.json()["error"] == "invalid_grant", r


@pytest.mark.parametrize("change,error", [
    ({"client_id": "nobody.apps.googleusercontent.com"}, "invalid_client"),
    ({"redirect_uri": "https://example.com/cb"}, "redirect_uri_mismatch"),
    ({"redirect_uri": "http://127.0.0.1/cb"}, "redirect_uri_mismatch"),
    ({"redirect_uri": "urn:ietf:wg:oauth:2.0:oob"}, "redirect_uri_mismatch"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": SCOPE + "drive"}, "invalid_scope"),
    ({"scope": ""}, "invalid_scope"),
    ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
    ({"code_challenge_method": "S512"}, "invalid_request"),
])
def test_authorize_refusals_stay_on_googles_page(yt, change, error):
    r = curl(yt, "GET", yt.authorize_query(B64_CHALLENGE, **change))
    assert r.status == 400 and "location" not in r.headers, r
    assert r.headers["x-sandbox-error"] == error


def test_any_loopback_form_and_port_is_accepted(yt):
    for uri in ("http://[::1]:50123", "http://localhost:9/cb", "http://127.0.0.1:65535/x"):
        cb = callback(curl(yt, "GET", yt.authorize_query(B64_CHALLENGE, redirect_uri=uri)))
        assert cb["code"]


def test_cancel_on_consent_redirects_access_denied(yt):
    yt.knobs(consent_deny=True)
    cb = callback(curl(yt, "GET", yt.authorize_query(B64_CHALLENGE)))
    assert cb == {"state": "st4te", "error": "access_denied"}


def test_granular_consent_grants_fewer_scopes(yt):
    yt.knobs(consent_scopes=[SCOPE + "youtube.upload"])
    t = login(yt)
    assert t["scope"] == SCOPE + "youtube.upload"
    r = curl(yt, "GET", LIST + "x", token=t["access_token"])
    assert r.status == 403 and reason(r) == "insufficientPermissions"


def fresh_code(yt):
    return callback(curl(yt, "GET", yt.authorize_query(B64_CHALLENGE)))["code"]


def test_token_refusals(yt):
    code = fresh_code(yt)
    r = curl(yt, "POST", "/token", json_body=yt.token_form(code=code, code_verifier=RFC_VERIFIER))
    assert (r.status, r.json()["error"]) == (400, "invalid_request")
    r = form(yt, "/token", yt.token_form(code=code, client_secret="wrong"))
    assert (r.status, r.json()["error"]) == (401, "invalid_client")
    r = form(yt, "/token", yt.token_form(code="4/0Anothing", code_verifier=RFC_VERIFIER))
    assert r.json() == {"error": "invalid_grant", "error_description": "Malformed auth code."}
    r = form(yt, "/token", yt.token_form(code=code, redirect_uri=REDIRECT + "x",
                                         code_verifier=RFC_VERIFIER))
    assert (r.status, r.json()["error"]) == (400, "redirect_uri_mismatch")
    r = form(yt, "/token", yt.token_form(code=code, code_verifier=RFC_VERIFIER))
    assert (r.status, r.json()["error"]) == (400, "invalid_grant"), "codes are single-use"
    r = form(yt, "/token", yt.token_form(code=fresh_code(yt)))
    assert (r.status, r.json()["error"]) == (400, "invalid_request"), "verifier required"
    r = form(yt, "/token", yt.token_form(code=fresh_code(yt), grant_type="password"))
    assert (r.status, r.json()["error"]) == (400, "unsupported_grant_type")


def test_code_dies_after_ten_minutes(yt):
    code = fresh_code(yt)
    yt.advance(601)
    r = form(yt, "/token", yt.token_form(code=code, code_verifier=RFC_VERIFIER))
    assert (r.status, r.json()["error"]) == (400, "invalid_grant")


def refresh(yt, rt):
    return form(yt, "/token", {"client_id": yt.client_id, "client_secret": yt.client_secret,
                               "grant_type": "refresh_token", "refresh_token": rt})


def test_refresh_gives_an_access_token_and_keeps_the_refresh_token(yt):
    t = login(yt)
    r = refresh(yt, t["refresh_token"])
    assert r.status == 200 and "refresh_token" not in r.json()
    assert r.json()["access_token"] != t["access_token"]
    assert refresh(yt, t["refresh_token"]).status == 200, "Google does not rotate"


def test_switches_for_refresh_rotation_and_offline_access(yt):
    yt.knobs(rotate_refresh=True)
    t = login(yt)
    r = refresh(yt, t["refresh_token"]).json()
    assert r["refresh_token"] != t["refresh_token"]
    assert refresh(yt, r["refresh_token"]).status == 200
    assert refresh(yt, t["refresh_token"]).status == 200, "the old one still works"
    yt.knobs(refresh_needs_offline=True)
    assert "refresh_token" not in login(yt)
    verifier, challenge = pkce_pair()
    cb = callback(curl(yt, "GET", yt.authorize_query(challenge, access_type="offline")))
    t = form(yt, "/token", yt.token_form(code=cb["code"], code_verifier=verifier)).json()
    assert refresh(yt, t["refresh_token"]).status == 200


def test_testing_mode_refresh_token_dies_after_seven_days(yt):
    yt.knobs(testing_mode=True)
    t = login(yt)
    yt.advance(7 * 86400 - 60)
    assert refresh(yt, t["refresh_token"]).status == 200
    yt.advance(120)
    r = refresh(yt, t["refresh_token"])
    assert r.status == 400 and r.json() == {
        "error": "invalid_grant", "error_description": "Token has been expired or revoked."}


def test_production_refresh_token_outlives_seven_days(yt):
    t = login(yt)
    yt.advance(30 * 86400)
    assert refresh(yt, t["refresh_token"]).status == 200


def test_newest_refresh_tokens_push_out_the_oldest(yt):
    yt.knobs(max_refresh_tokens=2)
    first, second, third = login(yt), login(yt), login(yt)
    assert refresh(yt, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(yt, second["refresh_token"]).status == 200
    assert refresh(yt, third["refresh_token"]).status == 200


def test_revoke_kills_the_grant(yt):
    t = login(yt)
    r = form(yt, "/revoke", {"token": t["refresh_token"]})
    assert r.status == 200
    assert refresh(yt, t["refresh_token"]).status == 400
    r = start(yt, t["access_token"])
    assert r.status == 401 and reason(r) == "authError"
    r = form(yt, "/revoke", {"token": t["refresh_token"]})
    assert r.status == 400 and r.json()["error"] == "invalid_token"


# ---- device flow ----------------------------------------------------------
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def device_code(yt, scope=SCOPE + "youtube"):
    return form(yt, "/device/code", {"client_id": yt.client_id, "scope": scope})


def device_poll(yt, dev):
    return form(yt, "/token", {"client_id": yt.client_id, "client_secret": yt.client_secret,
                               "grant_type": DEVICE_GRANT, "device_code": dev})


def test_device_flow_pending_slow_down_then_tokens(yt):
    r = device_code(yt)
    d = r.json()
    assert r.status == 200 and set(d) == {"device_code", "user_code", "verification_url",
                                          "expires_in", "interval"}
    assert d["verification_url"] == "https://www.google.com/device" and d["interval"] == 5
    r = device_poll(yt, d["device_code"])
    assert (r.status, r.json()["error"]) == (428, "authorization_pending")
    r = device_poll(yt, d["device_code"])
    assert (r.status, r.json()["error"]) == (403, "slow_down")
    yt._control("POST", "device_answer", {"user_code": d["user_code"], "user": SECOND})
    yt.advance(5)
    t = device_poll(yt, d["device_code"]).json()
    assert t["access_token"].startswith("ya29.") and t["refresh_token"].startswith("1//")
    assert t["scope"] == SCOPE + "youtube"


def test_device_flow_refusals(yt):
    r = device_code(yt, scope=UPLOAD_SCOPES)
    assert (r.status, r.json()["error"]) == (400, "invalid_scope"), "youtube.upload [?]"
    r = form(yt, "/device/code", {"client_id": "x", "scope": SCOPE + "youtube"})
    assert (r.status, r.json()["error"]) == (401, "invalid_client")
    d = device_code(yt).json()
    yt._control("POST", "device_answer", {"user_code": d["user_code"], "approve": False})
    r = device_poll(yt, d["device_code"])
    assert (r.status, r.json()["error"]) == (403, "access_denied")
    d = device_code(yt).json()
    yt.advance(1801)
    assert device_poll(yt, d["device_code"]).json()["error"] == "expired_token"
    yt.knobs(device_upload_scope=True)
    assert device_code(yt, scope=UPLOAD_SCOPES).status == 200


# ---- Data API authentication ---------------------------------------------
def test_expired_or_garbled_bearer_is_autherror_in_the_envelope(yt):
    t = login(yt)
    yt.expire_tokens()
    for tok in (t["access_token"], "ya29.garbage", None):
        r = start(yt, tok)
        assert r.status == 401, r
        item = r.json()["error"]["errors"][0]
        assert item == {"message": "Invalid Credentials", "domain": "global",
                        "reason": "authError", "locationType": "header",
                        "location": "Authorization"}
    assert yt.quota()["units"] == 0, "unauthenticated calls are not charged"


def test_upload_scope_alone_cannot_list(yt):
    t = login(yt, scopes=SCOPE + "youtube.upload")
    r = curl(yt, "GET", LIST + "abc", token=t["access_token"])
    assert r.status == 403 and reason(r) == "insufficientPermissions"


def test_account_without_channel_needs_signup(yt):
    t = login(yt, user="nochannel@sandbox.invalid")
    r = start(yt, t["access_token"])
    assert r.status == 401 and reason(r) == "youtubeSignupRequired"


# ---- resumable sessions ----------------------------------------------------
def test_worked_example_chunks_308_range_and_status_query(yt):
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 30, size=2000000)
    uri = session(yt, tok, total=len(data))
    ranges = []
    for first in (0, 524288):
        r = put(yt, uri, tok, data[first:first + 524288],
                f"bytes {first}-{first + 524287}/2000000", client=real_curl)
        assert r.status == 308, r
        ranges.append(r.headers["range"])
    assert ranges == ["bytes=0-524287", "bytes=0-1048575"]
    r = query(yt, uri, tok, 2000000, client=real_curl)
    assert (r.status, r.headers["range"]) == (308, "bytes=0-1048575")
    r = put(yt, uri, tok, data[1048576:1572864], "bytes 1048576-1572863/*", client=real_curl)
    assert (r.status, r.headers["range"]) == (308, "bytes=0-1572863"), "* before the last"
    r = put(yt, uri, tok, data[1572864:], "bytes 1572864-1999999/2000000", client=real_curl)
    assert r.status == 201 and r.json()["status"]["uploadStatus"] == "uploaded", r
    v = yt.videos(r.json()["id"])[0]
    assert v["sha256"] == hashlib.sha256(data).hexdigest() and v["size"] == 2000000
    r = query(yt, uri, tok, 2000000, client=real_curl)
    assert r.status == 201 and r.json()["id"] == v["video_id"], "done: the video, no new one"


def test_status_query_before_any_byte_has_no_range(yt):
    tok = login(yt)["access_token"]
    r = query(yt, session(yt, tok), tok, 4096)
    assert r.status == 308 and "range" not in r.headers, r


def test_go_client_posts_chunks_and_asks_for_no_308(yt):
    tok = login(yt)["access_token"]
    data = mp4(720, 1280, 10, size=KIB256 + 1000)
    uri = session(yt, tok, total=len(data))
    r = put(yt, uri, tok, data[:KIB256], f"bytes 0-{KIB256 - 1}/*", method="POST",
            headers=["X-GUploader-No-308: yes"])
    assert r.status == 200 and r.headers["x-http-status-code-override"] == "308", r
    assert r.headers["range"] == f"bytes=0-{KIB256 - 1}"
    yt.knobs(no308_header_honoured=False)
    r = query(yt, uri, tok, len(data), headers=["X-GUploader-No-308: yes"])
    assert r.status == 308
    r = put(yt, uri, tok, data[KIB256:], f"bytes {KIB256}-{len(data) - 1}/{len(data)}",
            method="POST")
    assert r.status == 201


@pytest.mark.parametrize("first,last,total,size,why", [
    (0, 99999, 3 * KIB256, 100000, "multiple"),
    (KIB256, 2 * KIB256 - 1, 3 * KIB256, KIB256, "starts at"),
    (0, KIB256 - 1, 999, KIB256, "total"),
    (0, KIB256 - 1, 3 * KIB256, KIB256 - 10, "Content-Length"),
])
def test_chunk_refusals(yt, first, last, total, size, why):
    tok = login(yt)["access_token"]
    uri = session(yt, tok, total=3 * KIB256)
    r = put(yt, uri, tok, b"v" * size, f"bytes {first}-{last}/{total}")
    assert r.status == 400 and why in r.json()["error"]["message"], r
    r = query(yt, uri, tok, 3 * KIB256)
    assert r.status == 308 and "range" not in r.headers, "a refused chunk stores nothing"


def test_malformed_range_and_partial_body_without_range_are_refused(yt):
    tok = login(yt)["access_token"]
    uri = session(yt, tok, total=3 * KIB256)
    assert put(yt, uri, tok, b"v" * 10, "bytes=0-9/786432").status == 400
    assert put(yt, uri, tok, b"v" * 10).status == 400, "no Content-Range: whole file only"
    r = curl(yt, "PUT", uri, token=tok, headers=["Content-Length: ten"])
    assert r.status == 400 and reason(r) == "invalidParameter", "a garbled Content-Length"


def test_chunk_size_rule_has_a_lenient_switch(yt):
    yt.knobs(chunk_multiple=False)
    tok = login(yt)["access_token"]
    uri = session(yt, tok, total=300000)
    assert put(yt, uri, tok, b"v" * 100000, "bytes 0-99999/300000").status == 308


def test_overlap_is_accepted_and_its_bytes_dropped(yt):
    tok = login(yt)["access_token"]
    data = mp4(1080, 1080, 20, size=2 * KIB256 + 5)
    uri = session(yt, tok, total=len(data))
    assert put(yt, uri, tok, data[:KIB256], f"bytes 0-{KIB256 - 1}/{len(data)}").status == 308
    r = put(yt, uri, tok, data, f"bytes 0-{len(data) - 1}/{len(data)}")
    assert r.status == 201, r
    assert yt.videos()[0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_overlap_refused_by_switch(yt):
    yt.knobs(overlap="reject")
    tok = login(yt)["access_token"]
    uri = session(yt, tok, total=2 * KIB256 + 5)
    assert put(yt, uri, tok, b"a" * KIB256, f"bytes 0-{KIB256 - 1}/{2 * KIB256 + 5}").status == 308
    assert put(yt, uri, tok, b"a" * KIB256, f"bytes 0-{KIB256 - 1}/{2 * KIB256 + 5}").status == 400


def test_partial_store_makes_the_client_follow_range(yt):
    yt.knobs(partial_store=KIB256)
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 20, size=3 * KIB256)
    uri = session(yt, tok, total=len(data))
    r = put(yt, uri, tok, data[:2 * KIB256], f"bytes 0-{2 * KIB256 - 1}/{len(data)}")
    assert (r.status, r.headers["range"]) == (308, f"bytes=0-{KIB256 - 1}")
    r = put(yt, uri, tok, data[2 * KIB256:], f"bytes {2 * KIB256}-{len(data) - 1}/{len(data)}")
    assert r.status == 400, "resuming from the client's own offset is refused"


def test_session_expires(yt):
    tok = login(yt)["access_token"]
    uri = session(yt, tok)
    yt.advance(7 * 86400 + 1)
    yt.expire_tokens()
    tok = login(yt)["access_token"]
    r = query(yt, uri, tok, 4096)
    assert r.status == 404, r
    uri = session(yt, tok)
    yt.expire_sessions()
    assert query(yt, uri, tok, 4096).status == 404


def test_session_uri_needs_the_channels_bearer(yt):
    tok = login(yt)["access_token"]
    other = login(yt, user=SECOND)["access_token"]
    uri = session(yt, tok)
    assert query(yt, uri, None, 4096).status == 401
    assert query(yt, uri, other, 4096).status == 401
    r = curl(yt, "PUT", uri.replace("upload_id=", "upload_id=x"), token=tok,
             headers=["Content-Range: bytes */4096", "Content-Length: 0"])
    assert r.status == 404


def test_a_second_session_for_the_same_file_is_allowed_and_recorded(yt):
    tok = login(yt)["access_token"]
    session(yt, tok)
    session(yt, tok)
    s = yt.sessions()
    assert [x["sessions_same_file"] for x in s] == [2, 2]
    assert yt.quota()["units"] == 3200, "each session start costs a whole insert"


# ---- session start: the request and the metadata --------------------------
def with_snippet(**kw):
    m = json.loads(json.dumps(META))
    m["snippet"].update(kw)
    return m


def with_status(**kw):
    m = json.loads(json.dumps(META))
    m["status"].update(kw)
    return m


@pytest.mark.parametrize("kw,status,why", [
    ({"path": "/upload/youtube/v3/videos?part=snippet"}, 400, "invalidParameter"),
    ({"path": INSERT.replace("resumable", "multipart")}, 400, "invalidParameter"),
    ({"path": "/upload/youtube/v3/videos?uploadType=resumable"}, 400, "missingRequiredParameter"),
    ({"path": INSERT + "%2Cbogus"}, 400, "invalidParameter"),
    ({"total": None}, 400, "missingRequiredParameter"),
    ({"total": 0}, 400, "invalidParameter"),
    ({"total": (256 << 30) + 1}, 400, "invalidParameter"),
    ({"mime": "text/plain"}, 400, "invalidParameter"),
    ({"meta": with_snippet(title="x" * 101)}, 400, "invalidTitle"),
    ({"meta": with_snippet(title="a <b> c")}, 400, "invalidTitle"),
    ({"meta": with_snippet(title="")}, 400, "invalidTitle"),
    ({"meta": with_snippet(description="\u00e9" * 2501)}, 400, "invalidDescription"),
    ({"meta": with_snippet(description="1 > 0")}, 400, "invalidDescription"),
    ({"meta": with_snippet(tags=["x" * 250, "y" * 250])}, 400, "invalidTags"),
    ({"meta": with_snippet(tags=["a b" * 1 + "c" * 496])}, 400, "invalidTags"),
    ({"meta": with_snippet(categoryId="99")}, 400, "invalidCategoryId"),
    ({"meta": with_status(privacyStatus="friends")}, 400, "invalidParameter"),
    ({"meta": with_status(privacyStatus="public", publishAt="2099-01-01T00:00:00Z")}, 400,
     "invalidPublishAt"),
    ({"meta": with_status(publishAt="2001-01-01T00:00:00Z")}, 400, "invalidPublishAt"),
    ({"meta": with_status(selfDeclaredMadeForKids="no")}, 400, "invalidVideoMetadata"),
    ({"meta": dict(META, localizations={"de": {"title": "Hafen"}})}, 400,
     "defaultLanguageNotSet"),
])
def test_session_start_refusals(yt, kw, status, why):
    tok = login(yt)["access_token"]
    r = start(yt, tok, **kw)
    assert r.status == status and reason(r) == why, r
    assert "location" not in r.headers


def test_limits_are_inclusive_and_counted_as_youtube_counts(yt):
    tok = login(yt)["access_token"]
    ok = [with_snippet(title="\U0001F30A" * 100), with_snippet(description="\u00e9" * 2500),
          with_snippet(tags=["x" * 249, "y" * 250]), with_snippet(tags=["a b", "c" * 494]),
          with_status(publishAt="2099-01-01T00:00:00Z"), with_snippet(categoryId=22)]
    for meta in ok:
        assert start(yt, tok, meta=meta).status == 200, meta


def test_metadata_limits_are_switches(yt):
    tok = login(yt)["access_token"]
    yt.knobs(title_max=10, description_max=4, description_unit="characters", tags_max=3)
    assert reason(start(yt, tok, meta=with_snippet(title="x" * 11))) == "invalidTitle"
    assert start(yt, tok, meta=with_snippet(title="x" * 10, description="\u00e9" * 4,
                                            tags=["abc"])).status == 200
    assert reason(start(yt, tok, meta=with_snippet(title="x", description="abcde"))) == \
        "invalidDescription"
    meta = with_snippet(title="x", description="", tags=["ab", "c"])
    assert reason(start(yt, tok, meta=meta)) == "invalidTags"


def test_body_that_is_not_json_is_a_parse_error(yt):
    tok = login(yt)["access_token"]
    r = curl(yt, "POST", INSERT, token=tok, data="{title:",
             headers=["Content-Type: application/json", "X-Upload-Content-Length: 10",
                      "X-Upload-Content-Type: video/mp4"])
    assert r.status == 400 and reason(r) == "parseError"


def test_switches_of_the_session_start(yt):
    tok = login(yt)["access_token"]
    meta = {"snippet": {}, "status": {"privacyStatus": "private"}}
    assert start(yt, tok, meta=meta).status == 200, "a missing title is derived"
    yt.knobs(missing_title="reject", upload_length_header="optional",
             privacy_error_reason="invalidVideoMetadata")
    assert reason(start(yt, tok, meta=meta)) == "invalidTitle"
    assert start(yt, tok, total=None).status == 200
    assert reason(start(yt, tok, meta=with_status(privacyStatus="x"))) == "invalidVideoMetadata"
    yt.knobs(require_made_for_kids=True)
    m = with_status()
    del m["status"]["selfDeclaredMadeForKids"]
    assert reason(start(yt, tok, meta=m)) == "invalidVideoMetadata"


def test_length_learned_from_the_last_chunk_when_the_header_is_optional(yt):
    yt.knobs(upload_length_header="optional")
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 5, size=KIB256 + 7)
    uri = session(yt, tok, total=None)
    assert put(yt, uri, tok, data[:KIB256], f"bytes 0-{KIB256 - 1}/*").status == 308
    r = put(yt, uri, tok, data[KIB256:], f"bytes {KIB256}-{len(data) - 1}/{len(data)}")
    assert r.status == 201


def test_a_refused_chunk_does_not_fix_the_size_of_the_session(yt):
    yt.knobs(upload_length_header="optional")
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 5, size=400000)
    uri = session(yt, tok, total=None)
    r = put(yt, uri, tok, data[:100000], "bytes 0-99999/300000")
    assert r.status == 400 and "multiple" in r.json()["error"]["message"]
    assert put(yt, uri, tok, data, "bytes 0-399999/400000").status == 201


# ---- quota -------------------------------------------------------------------
def test_six_inserts_fit_the_day_the_seventh_is_quota_exceeded(yt):
    tok = login(yt)["access_token"]
    assert reason(start(yt, tok, meta=with_snippet(title="<"))) == "invalidTitle"
    for _ in range(5):
        assert start(yt, tok).status == 200
    assert yt.quota()["units"] == 9600, "refused metadata is charged too"
    r = start(yt, tok)
    assert r.status == 403 and reason(r) == "quotaExceeded"
    assert r.json()["error"]["errors"][0]["domain"] == "youtube.quota"
    assert "\\u003ca href=\\\"/youtube/v3/getting-started#quota\\\"\\u003equota\\u003c/a\\u003e" \
        in r.text, "Google escapes the HTML in message"


def test_list_costs_one_unit(yt):
    tok = login(yt)["access_token"]
    yt.quota(units=9999)
    assert curl(yt, "GET", LIST + "x", token=tok).status == 200
    r = curl(yt, "GET", LIST + "x", token=tok)
    assert r.status == 403 and reason(r) == "quotaExceeded"


def test_quota_resets_at_pacific_midnight_not_utc(yt):
    yt.set_clock(at=1796169540)  # 2026-12-01 23:59 UTC = 15:59 PST
    tok = login(yt)["access_token"]
    yt.quota(units=10000)
    yt.advance(120)              # 00:01 UTC: still the same Pacific day
    assert reason(start(yt, tok)) == "quotaExceeded"
    yt.set_clock(at=1796198340)  # 2026-12-02 07:59 UTC = 23:59 PST
    tok = login(yt)["access_token"]
    yt.quota(units=10000)
    assert reason(start(yt, tok)) == "quotaExceeded"
    yt.advance(120)
    assert start(yt, tok).status == 200
    assert yt.quota()["units"] == 1600


def test_bucket_quota_model(yt):
    yt.knobs(quota_model="bucket", insert_bucket=2)
    tok = login(yt)["access_token"]
    assert start(yt, tok).status == 200 and start(yt, tok).status == 200
    assert reason(start(yt, tok)) == "quotaExceeded"
    q = yt.quota()
    assert (q["inserts"], q["units"], q["model"]) == (2, 0, "bucket")


def test_channel_upload_cap_is_upload_limit_exceeded(yt):
    yt.knobs(channel_daily_uploads=1)
    tok = login(yt)["access_token"]
    assert start(yt, tok).status == 200
    r = start(yt, tok)
    assert r.status == 400 and reason(r) == "uploadLimitExceeded"
    assert r.json()["error"]["errors"][0]["domain"] == "youtube.video"
    assert start(yt, login(yt, user=SECOND)["access_token"]).status == 200, "per channel"


# ---- privacy, processing, Shorts ------------------------------------------
def test_unaudited_project_locks_every_upload_private(yt):
    tok = login(yt)["access_token"]
    v = upload(yt, tok, mp4(1080, 1920, 20), meta=with_status(privacyStatus="public"))
    assert v["status"]["privacyStatus"] == "private"
    rec = yt.videos(v["id"])[0]
    assert (rec["privacy_requested"], rec["privacy"]) == ("public", "private")
    yt.knobs(project_verified=True)
    v = upload(yt, tok, mp4(1080, 1920, 21), meta=with_status(privacyStatus="unlisted"))
    assert v["status"]["privacyStatus"] == "unlisted"


def test_processing_over_sandbox_time_then_processed(yt):
    tok = login(yt)["access_token"]
    vid = upload(yt, tok, mp4(1080, 1920, 20))["id"]
    item = listed(yt, tok, vid)[0]
    assert item["status"]["uploadStatus"] == "uploaded"
    pd = item["processingDetails"]
    assert pd["processingStatus"] == "processing"
    assert all(isinstance(v, str) for v in pd["processingProgress"].values()), "uint64 as strings"
    yt.advance(6)
    item = listed(yt, tok, vid)[0]
    assert item["status"]["uploadStatus"] == "processed"
    assert item["processingDetails"]["processingStatus"] == "succeeded"


@pytest.mark.parametrize("data,up,why", [
    (b"\0" * 1000, "failed", "tooSmall"),
    (b"not a video" * 200, "failed", "invalidFile"),
    (mp4(1920, 1080, 16 * 60), "rejected", "length"),
], ids=["zeros", "text", "16-minutes"])  # random bytes in an id differ per xdist worker
def test_outcomes_decided_by_the_bytes(yt, data, up, why):
    tok = login(yt)["access_token"]
    vid = upload(yt, tok, data)["id"]
    yt.advance(6)
    st = listed(yt, tok, vid)[0]["status"]
    assert st["uploadStatus"] == up
    assert st["failureReason" if up == "failed" else "rejectionReason"] == why


def test_verified_channel_may_post_long_videos_and_junk_can_pass_by_switch(yt):
    yt.knobs(invalid_media="processed")
    tok = login(yt, user=SECOND)["access_token"]
    ids = [upload(yt, tok, mp4(1920, 1080, 16 * 60))["id"],
           upload(yt, tok, b"not a video" * 200)["id"]]
    yt.advance(6)
    assert [listed(yt, tok, i)[0]["status"]["uploadStatus"] for i in ids] == ["processed"] * 2


def test_same_bytes_again_on_the_channel_are_rejected_duplicate(yt):
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 20)
    first, again = upload(yt, tok, data)["id"], upload(yt, tok, data)["id"]
    other = upload(yt, login(yt, user=SECOND)["access_token"], data)["id"]
    yt.advance(6)
    st = listed(yt, tok, again)[0]["status"]
    assert (st["uploadStatus"], st["rejectionReason"]) == ("rejected", "duplicate")
    assert listed(yt, tok, first)[0]["status"]["uploadStatus"] == "processed"
    assert yt.videos(other)[0]["upload_status"] == "processed", "another channel's copy"
    assert yt.videos(again)[0]["uploads_same_sha256"] == 3


def test_forced_outcome_failed_codec(yt):
    yt.outcome("failed", "codec")
    tok = login(yt)["access_token"]
    vid = upload(yt, tok, mp4(1080, 1920, 20))["id"]
    yt.advance(6)
    item = listed(yt, tok, vid)[0]
    assert item["status"]["failureReason"] == "codec"
    assert item["processingDetails"] == {"processingStatus": "failed",
                                         "processingFailureReason": "transcodeFailed"}


def test_videos_list_refusals_and_unknown_ids(yt):
    tok = login(yt)["access_token"]
    r = curl(yt, "GET", "/youtube/v3/videos?part=status&id=AAAAAAAAAAA", token=tok)
    assert r.status == 200 and r.json()["items"] == []
    r = curl(yt, "GET", "/youtube/v3/videos?id=AAAAAAAAAAA", token=tok)
    assert r.status == 400 and reason(r) == "missingRequiredParameter"
    r = curl(yt, "GET", "/youtube/v3/videos?part=status", token=tok)
    assert r.status == 400 and reason(r) == "missingRequiredParameter"


def test_processing_details_only_for_the_owner(yt):
    vid = upload(yt, login(yt)["access_token"], mp4(1080, 1920, 20))["id"]
    item = listed(yt, login(yt, user=SECOND)["access_token"], vid)[0]
    assert "status" in item and "processingDetails" not in item


@pytest.mark.parametrize("w,h,secs,short", [
    (1080, 1920, 60, True), (1080, 1080, 180, True), (1080, 1920, 181, False),
    (1920, 1080, 30, False), (1440, 1080, 30, False),
])
def test_youtube_decides_shorts_from_the_shape(yt, w, h, secs, short):
    vid = upload(yt, login(yt)["access_token"], mp4(w, h, secs))["id"]
    v = yt.videos(vid)[0]
    assert (v["width"], v["height"], v["is_short"]) == (w, h, short)


def test_before_three_minute_shorts_a_short_was_a_minute(yt):
    yt.set_clock(at=1717200000)  # 2024-06-01
    tok = login(yt)["access_token"]
    assert yt.videos(upload(yt, tok, mp4(1080, 1920, 90))["id"])[0]["is_short"] is False
    assert yt.videos(upload(yt, tok, mp4(1080, 1920, 59))["id"])[0]["is_short"] is True


# ---- thumbnails.set ----------------------------------------------------------
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000


def thumb(yt, tok, vid, data, ctype="image/jpeg"):
    return curl(yt, "POST", f"/upload/youtube/v3/thumbnails/set?videoId={vid}", token=tok,
                data=data, headers=[f"Content-Type: {ctype}"])


def test_thumbnail_set_on_a_verified_channel(yt):
    tok = login(yt, user=SECOND)["access_token"]
    vid = upload(yt, tok, mp4(1920, 1080, 30))["id"]
    units = yt.quota()["units"]
    r = thumb(yt, tok, vid, JPEG)
    assert r.status == 200 and r.json()["kind"] == "youtube#thumbnailSetResponse", r
    assert set(r.json()["items"][0]) == {"default", "medium", "high"}
    assert yt.quota()["units"] == units + 50
    assert thumb(yt, tok, vid, PNG, "image/png").status == 200
    assert yt.videos(vid)[0]["thumbnail_sha256"] == hashlib.sha256(PNG).hexdigest()


def test_thumbnail_refusals(yt):
    tok = login(yt, user=SECOND)["access_token"]
    vid = upload(yt, tok, mp4(1920, 1080, 30))["id"]
    mine = login(yt)["access_token"]
    own = upload(yt, mine, mp4(1920, 1080, 31))["id"]
    cases = [(thumb(yt, tok, "AAAAAAAAAAA", JPEG), 404, "videoNotFound"),
             (thumb(yt, tok, own, JPEG), 403, "forbidden"),
             (thumb(yt, mine, own, JPEG), 403, "forbidden"),
             (thumb(yt, tok, vid, b""), 400, "mediaBodyRequired"),
             (thumb(yt, tok, vid, b"GIF89a" + b"\0" * 100, "image/gif"), 400, "invalidImage"),
             (thumb(yt, tok, vid, b"GIF89a" + b"\0" * 100), 400, "invalidImage"),
             (thumb(yt, tok, vid, JPEG + b"\0" * (2 << 20)), 400, "invalidImage")]
    for r, status, why in cases:
        assert (r.status, reason(r)) == (status, why), r
    yt.knobs(thumbnails_need_verified=False, thumbnail_max_bytes=1000)
    assert thumb(yt, mine, own, PNG[:900], "image/png").status == 200
    assert reason(thumb(yt, mine, own, PNG)) == "invalidImage"


# ---- faults ------------------------------------------------------------------
def test_injected_5xx_on_a_chunk_then_resume_by_status_query(yt):
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 20, size=2 * KIB256 + 9)
    uri = session(yt, tok, total=len(data))
    yt.inject("upload", nth=2, status=503)
    assert put(yt, uri, tok, data[:KIB256], f"bytes 0-{KIB256 - 1}/{len(data)}").status == 308
    r = put(yt, uri, tok, data[KIB256:], f"bytes {KIB256}-{len(data) - 1}/{len(data)}")
    assert r.status == 503 and reason(r) == "backendError", r
    r = query(yt, uri, tok, len(data))
    assert r.headers["range"] == f"bytes=0-{KIB256 - 1}"
    assert put(yt, uri, tok, data[KIB256:],
               f"bytes {KIB256}-{len(data) - 1}/{len(data)}").status == 201


def test_connection_dropped_mid_chunk_keeps_nothing_of_it(yt):
    tok = login(yt)["access_token"]
    data = mp4(1080, 1920, 20, size=2 * KIB256)
    uri = session(yt, tok, total=len(data))
    yt.inject("upload", drop_after=100000)
    r = put(yt, uri, tok, data[:KIB256], f"bytes 0-{KIB256 - 1}/{len(data)}", client=real_curl)
    assert r.rc != 0 and r.status == 0, r
    r = query(yt, uri, tok, len(data))
    assert r.status == 308 and "range" not in r.headers


def test_injected_401_and_oauth_fault(yt):
    tok = login(yt)["access_token"]
    yt.inject("insert", status=401)
    r = start(yt, tok)
    assert r.status == 401 and reason(r) == "authError"
    assert start(yt, tok).status == 200, "count 1: the next call passes"
    yt.inject("token", status=503)
    r = form(yt, "/token", yt.token_form(code="x"))
    assert r.status == 503 and r.json()["error"] == "server_error"


# ---- inspection and secrets -------------------------------------------------
def test_inspection_lists_what_each_channel_sent(yt):
    a, b = login(yt)["access_token"], login(yt, user=SECOND)["access_token"]
    data = mp4(1080, 1920, 20)
    meta = {"snippet": {"title": "Ferry", "description": "Crossing.", "tags": ["boat", "sea"]},
            "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": True}}
    va = upload(yt, a, data, meta=meta)["id"]
    vb = upload(yt, b, mp4(1080, 1920, 21), meta={"snippet": {"title": "B"},
                                                   "status": {"privacyStatus": "private"}})["id"]
    ra, rb = yt.videos(va)[0], yt.videos(vb)[0]
    assert (ra["title"], ra["description"], ra["tags"]) == ("Ferry", "Crossing.", ["boat", "sea"])
    assert (ra["privacy_requested"], ra["made_for_kids"]) == ("unlisted", True)
    assert rb["made_for_kids"] is None, "the sandbox records that it was not sent"
    assert ra["sha256"] == hashlib.sha256(data).hexdigest()
    assert ra["channel_id"] != rb["channel_id"] and rb["user"] == SECOND
    assert [v["video_id"] for v in yt.videos()] == [va, vb]


def test_no_secret_reaches_the_request_log_or_stderr(yt):
    t = login(yt)
    uri = session(yt, t["access_token"])
    query(yt, uri, t["access_token"], 4096)
    form(yt, "/revoke", {"token": t["access_token"]})
    text = json.dumps(yt.request_log()) + yt.stderr_tail(1000)
    upload_id = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["upload_id"][0]
    for secret in (t["access_token"], t["refresh_token"], upload_id, yt.client_secret):
        assert secret not in text
    assert "code_challenge" in text and "upload_id=REDACTED" in text


def test_pkce_pair_helper_matches_rfc_encoding():
    digest = hashlib.sha256(RFC_VERIFIER.encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == B64_CHALLENGE

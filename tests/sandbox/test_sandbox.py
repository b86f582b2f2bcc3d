"""The sandbox's own tests, with the real curl binary as the client.

Every request goes through `curl --cacert DIR/ca.pem` (never -k), so these tests
also prove the throwaway CA, the certificate's SAN, keep-alive and 100-continue
work for libcurl-based clients such as tiktokfs.  Time-dependent rules are
exercised by moving the sandbox clock, never by waiting for real minutes.
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from sandbox.client import Sandbox, pkce_pair

RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
HEX_CHALLENGE = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
B64_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
LOG_ID_RE = re.compile(r"^\d{14}[0-9A-F]{20}$")
INIT = "/v2/post/publish/video/init/"
INBOX_INIT = "/v2/post/publish/inbox/video/init/"
STATUS = "/v2/post/publish/status/fetch/"
CREATOR = "/v2/post/publish/creator_info/query/"


class Curl:
    def __init__(self, rc, status, headers, body, stderr):
        self.rc, self.status, self.headers, self.body, self.stderr = rc, status, headers, body, stderr
        self.text = body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)

    @property
    def code(self):
        return self.json()["error"]["code"]

    def __repr__(self):
        return f"<curl rc={self.rc} {self.status} {self.text[:300]!r}>"


def curl(sb, method, path, *, token=None, json_body=None, form=None, data=None,
         upload=None, headers=(), extra=()):
    with tempfile.TemporaryDirectory() as d:
        hf, bf = os.path.join(d, "h"), os.path.join(d, "b")
        cmd = ["curl", "-sS", "--cacert", sb.ca_file, "-X", method, "-D", hf, "-o", bf,
               "-w", "%{http_code}"]
        for h in headers:
            cmd += ["-H", h]
        if token:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        if json_body is not None:
            cmd += ["-H", "Content-Type: application/json; charset=UTF-8",
                    "--data-binary", json.dumps(json_body)]
        for k, v in (form or {}).items():
            cmd += ["--data-urlencode", f"{k}={v}"]
        if data is not None:
            cmd += ["--data-binary", data]
        if upload is not None:
            cmd += ["-T", upload]
        cmd += list(extra) + [sb.base_url + path]
        r = subprocess.run(cmd, capture_output=True, timeout=60)
        headers_out = {}
        if os.path.exists(hf):
            blocks = open(hf, "rb").read().decode("latin-1").split("\r\n\r\n")
            final = [b for b in blocks if b.strip()]
            for line in (final[-1].split("\r\n")[1:] if final else []):
                k, _, v = line.partition(":")
                headers_out[k.strip().lower()] = v.strip()
        body = open(bf, "rb").read() if os.path.exists(bf) else b""
        status = int(r.stdout.decode() or 0)
        return Curl(r.returncode, status, headers_out, body, r.stderr.decode("utf-8", "replace"))


def token_form(sb, **kw):
    form = {"client_key": sb.client_key, "client_secret": sb.client_secret,
            "grant_type": "authorization_code", "redirect_uri": sb.redirect_uri}
    form.update(kw)
    return form


def authorize_url(sb, challenge, scopes="user.info.basic,video.upload,video.publish",
                  redirect_uri=None, client_key=None, user=None, **extra):
    q = {"client_key": client_key or sb.client_key, "scope": scopes, "response_type": "code",
         "redirect_uri": redirect_uri or sb.redirect_uri, "state": "st4te",
         "code_challenge": challenge, "code_challenge_method": "S256"}
    if user:
        q["sandbox_user"] = user
    q.update(extra)
    return "/v2/auth/authorize/?" + urllib.parse.urlencode(q)


def callback(r):
    assert r.status == 302, r
    loc = r.headers["location"]
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    return loc, {k: v[0] for k, v in q.items()}


def login(sb, user=None, scopes="user.info.basic,video.upload,video.publish"):
    verifier, challenge = pkce_pair()
    _, cb = callback(curl(sb, "GET", authorize_url(sb, challenge, scopes=scopes, user=user)))
    r = curl(sb, "POST", "/v2/oauth/token/", form=token_form(sb, code=cb["code"],
                                                             code_verifier=verifier))
    assert r.status == 200 and "access_token" in r.json(), r
    return r.json()


def plan(size, chunk=None, count=None):
    chunk = size if chunk is None else chunk
    count = size // chunk if count is None else count
    return {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk,
            "total_chunk_count": count}


def init(sb, tok, size=1000, chunk=None, count=None, privacy="PUBLIC_TO_EVERYONE", title=None,
         **post_info):
    pi = dict(post_info)
    if privacy is not None:
        pi["privacy_level"] = privacy
    if title is not None:
        pi["title"] = title
    return curl(sb, "POST", INIT, token=tok,
                json_body={"post_info": pi, "source_info": plan(size, chunk, count)})


def inbox_init(sb, tok, size=1000):
    return curl(sb, "POST", INBOX_INIT, token=tok, json_body={"source_info": plan(size)})


def status(sb, tok, publish_id):
    return curl(sb, "POST", STATUS, token=tok, json_body={"publish_id": publish_id})


def upload_path(sb, r):
    url = r.json()["data"]["upload_url"]
    assert url.startswith(sb.base_url + "/video/?upload_id=")
    return url[len(sb.base_url):]


def put(sb, path, chunk_file, first, total, ctype="video/mp4", extra_headers=(), extra=()):
    # --data-binary, not -T: the curl tool appends the file name to a URL whose
    # path ends in "/" (libcurl, as tiktokfs uses it, sends the URL verbatim).
    last = first + os.path.getsize(chunk_file) - 1
    return curl(sb, "PUT", path, data="@" + chunk_file,
                headers=[f"Content-Type: {ctype}", f"Content-Range: bytes {first}-{last}/{total}",
                         *extra_headers], extra=extra)


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def upload_small(sb, tok, tmp_path, size=1000, **kw):
    """Init + one PUT; returns the publish_id."""
    r = init(sb, tok, size=size, **kw)
    assert r.status == 200, r
    f = write(tmp_path, "small.bin", os.urandom(size))
    assert put(sb, upload_path(sb, r), f, 0, size).status == 201
    return r.json()["data"]["publish_id"]


@pytest.fixture
def tok(sandbox):
    return login(sandbox)["access_token"]


# ---- transport -------------------------------------------------------------
def test_tls_is_verified_with_the_sandbox_ca_and_connections_are_reused(sandbox):
    url = sandbox.base_url + "/_sandbox/health"
    r = subprocess.run(["curl", "-sS", "-v", "--cacert", sandbox.ca_file, url, url,
                        "https://localhost:%d/_sandbox/health" % sandbox.port],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('"ok":true') == 3
    assert "Re-using existing connection" in r.stderr
    r = subprocess.run(["curl", "-sS", url], capture_output=True, text=True, timeout=30)
    assert r.returncode == 60  # no --cacert: the throwaway CA is not trusted


def test_every_answer_carries_a_34_char_log_id(sandbox, tok):
    answers = [curl(sandbox, "GET", "/v2/user/info/?fields=open_id", token=tok),
               curl(sandbox, "POST", CREATOR, token=tok, json_body={}),
               curl(sandbox, "POST", "/v2/oauth/token/", form={"grant_type": "x"}),
               curl(sandbox, "POST", STATUS, token="act.nope", json_body={"publish_id": "x"})]
    for r in answers:
        body = r.json()
        lid = body["error"]["log_id"] if isinstance(body.get("error"), dict) else body["log_id"]
        assert LOG_ID_RE.match(lid), r
        assert LOG_ID_RE.match(r.headers["x-tt-logid"])


# ---- OAuth -----------------------------------------------------------------
def test_oauth_with_hex_challenge_succeeds_using_the_spec_test_vector(sandbox):
    assert hashlib.sha256(RFC_VERIFIER.encode()).hexdigest() == HEX_CHALLENGE
    loc, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE)))
    assert loc.startswith(sandbox.redirect_uri + "?")
    assert cb["state"] == "st4te"
    assert cb["scopes"] == "user.info.basic,video.upload,video.publish"
    assert "%2A" in loc or "%21" in loc  # the code must be URL-decoded by clients
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             form=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER))
    t = r.json()
    assert r.status == 200 and "error" not in t and "data" not in t
    assert t["access_token"].startswith("act.") and t["refresh_token"].startswith("rft.")
    assert t["expires_in"] == 7200 and t["refresh_expires_in"] == 15552000  # 2 h, 180 days
    assert t["token_type"] == "Bearer" and t["scope"] == "user.info.basic,video.upload,video.publish"
    assert t["open_id"] == sandbox.config["users"][0]["open_id"]
    # the code is single-use
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             form=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER))
    assert r.status == 200 and r.json()["error"] == "invalid_grant"


def test_base64url_challenge_fails_only_at_the_token_exchange(sandbox):
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, B64_CHALLENGE)))
    assert "code" in cb  # the consent page looks successful
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             form=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER))
    assert r.status == 200  # §2.6: default HTTP status of OAuth errors
    body = r.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"] == "Code verifier or code challenge is invalid."
    assert LOG_ID_RE.match(body["log_id"]) and "access_token" not in body


def test_oauth_error_status_is_a_knob(sandbox):
    sandbox.knobs(oauth_error_status=400)
    r = curl(sandbox, "POST", "/v2/oauth/token/", form=token_form(sandbox, code="nope"))
    assert r.status == 400 and r.json()["error"] == "invalid_grant"


def test_token_endpoint_refuses_a_json_body(sandbox):
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE)))
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             json_body=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER))
    assert r.json()["error"] == "invalid_request" and "access_token" not in r.json()


def test_redirect_uri_must_be_byte_equal_and_codes_expire(sandbox):
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE)))
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             form=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER,
                             redirect_uri=sandbox.redirect_uri + "/"))
    assert r.json()["error"] == "invalid_request"
    assert r.json()["error_description"].startswith("Redirect_uri is not matched")
    sandbox.advance(301)
    r = curl(sandbox, "POST", "/v2/oauth/token/",
             form=token_form(sandbox, code=cb["code"], code_verifier=RFC_VERIFIER))
    assert r.json() | {"log_id": ""} == {"error": "invalid_grant", "log_id": "",
                                          "error_description": "Authorization code is expired."}


def test_refresh_rotates_and_the_old_refresh_token_stops_working(sandbox):
    t1 = login(sandbox)
    form = {"client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
            "grant_type": "refresh_token", "refresh_token": t1["refresh_token"]}
    r = curl(sandbox, "POST", "/v2/oauth/token/", form=form)
    t2 = r.json()
    assert r.status == 200 and t2["refresh_token"] != t1["refresh_token"]
    assert t2["access_token"] != t1["access_token"] and t2["expires_in"] == 7200
    r = curl(sandbox, "POST", "/v2/oauth/token/", form=form)
    assert r.json()["error"] == "invalid_grant"
    r = curl(sandbox, "GET", "/v2/user/info/?fields=open_id,display_name",
             token=t2["access_token"])
    assert r.status == 200 and r.json()["data"]["user"]["display_name"] == "Sandbox Public"
    form["refresh_token"] = t2["refresh_token"]
    assert "access_token" in curl(sandbox, "POST", "/v2/oauth/token/", form=form).json()


def page_error(r):
    """The error TikTok's page shows: it answers 200 and redirects nowhere; its
    address (Content-Location) carries error and error_type."""
    assert r.status == 200 and "location" not in r.headers, r
    addr = r.headers["content-location"]
    assert addr.startswith("https://127.0.0.1:")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(addr).query)
    assert f"error={q['error'][0]}&error_type={q['error_type'][0]}" in r.text
    return q["error"][0], q["error_type"][0]


def test_authorize_refuses_unknown_client_key_on_the_page_itself(sandbox):
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, client_key="notmyapp"))
    assert page_error(r) == ("unauthorized_client", "client_key")


def test_authorize_refuses_an_unregistered_redirect_uri_on_the_page(sandbox):
    for uri in ("http://localhost:3000/dashboard/platforms/callback/",
                "http://localhost:3001/dashboard/platforms/callback",
                "http://127.0.0.1:3000/dashboard/platforms/callback",  # localhost != 127.0.0.1
                "https://evil.example/cb"):
        r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, redirect_uri=uri))
        assert page_error(r) == ("invalid_request", "redirect_uri"), uri
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                           redirect_uri="http://127.0.0.1:3000/callback/"))
    assert r.status == 302


def test_authorize_refuses_unapproved_scopes_and_non_target_users_as_client_key(sandbox):
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                           scopes="user.info.basic video.upload"))
    assert page_error(r) == ("unauthorized_client", "client_key")
    sandbox.knobs(app_scopes=["user.info.basic", "video.upload"])  # drafts only
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE))
    assert page_error(r) == ("unauthorized_client", "client_key")
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                                        scopes="user.info.basic,video.upload")))
    assert cb["scopes"] == "user.info.basic,video.upload"
    sandbox.knobs(target_users=["sbprivate"])
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                           scopes="user.info.basic,video.upload"))
    assert page_error(r) == ("unauthorized_client", "client_key")
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, user="nobody",
                                           scopes="user.info.basic,video.upload"))
    assert page_error(r) == ("unauthorized_client", "client_key")
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, user="sbprivate",
                                           scopes="user.info.basic,video.upload"))
    assert r.status == 302


def _exchange(sb, verifier, cb):
    r = curl(sb, "POST", "/v2/oauth/token/", form=token_form(sb, code=cb["code"],
                                                             code_verifier=verifier))
    assert r.status == 200 and "access_token" in r.json(), r
    return r.json()


def test_a_signed_in_browser_authorises_its_user_silently(sandbox):
    # The browser is signed in as sbpublic; a person would pick sbprivate if asked.
    sandbox.knobs(consent_user="sbpublic", login_user="sbprivate")
    verifier, challenge = pkce_pair()
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, challenge)))
    tok = _exchange(sandbox, verifier, cb)
    assert tok["open_id"] == "723f24d7-e717-40f8-a2b6-cb8464cd23b4"  # sbpublic
    auth = sandbox.authorizations()[-1]
    assert (auth["user"], auth["asked"], auth["session_user"]) == ("sbpublic", False,
                                                                   "sbpublic")


def test_disable_auto_auth_asks_who_signs_in(sandbox):
    sandbox.knobs(consent_user="sbpublic", login_user="sbprivate")
    verifier, challenge = pkce_pair()
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, challenge,
                                                        disable_auto_auth="1")))
    tok = _exchange(sandbox, verifier, cb)
    assert tok["open_id"] == "afd97af1-b87b-48b9-ac98-410a9cda5344"  # sbprivate
    auth = sandbox.authorizations()[-1]
    assert (auth["user"], auth["asked"], auth["session_user"]) == ("sbprivate", True,
                                                                   "sbpublic")
    # With nobody choosing otherwise, the page's answer is the session's user again.
    sandbox.knobs(login_user=None)
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, challenge,
                                                        disable_auto_auth="1")))
    assert sandbox.authorizations()[-1]["user"] == "sbpublic"
    # disable_auto_auth=0 is TikTok's default: silent.
    sandbox.knobs(login_user="sbprivate")
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, challenge,
                                                        disable_auto_auth="0")))
    assert sandbox.authorizations()[-1]["user"] == "sbpublic"
    assert sandbox.authorizations()[-1]["asked"] is False


def test_the_user_who_signs_in_must_still_be_a_target_user(sandbox):
    sandbox.knobs(target_users=["sbpublic"], login_user="sbprivate")
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, disable_auto_auth="1"))
    assert page_error(r) == ("unauthorized_client", "client_key")


def test_reset_forgets_the_authorizations(sandbox):
    login(sandbox)
    assert len(sandbox.authorizations()) == 1
    sandbox.reset()
    assert sandbox.authorizations() == []


def test_received_names_the_user_and_open_id_of_each_post(sandbox):
    a = login(sandbox, user="sbpublic")["access_token"]
    b = login(sandbox, user="sbprivate")["access_token"]
    pa = init(sandbox, a).json()["data"]["publish_id"]
    pb = init(sandbox, b, privacy="SELF_ONLY").json()["data"]["publish_id"]
    ra, rb = sandbox.received(pa), sandbox.received(pb)
    assert (ra["user"], ra["open_id"]) == ("sbpublic", "723f24d7-e717-40f8-a2b6-cb8464cd23b4")
    assert (rb["user"], rb["open_id"]) == ("sbprivate", "afd97af1-b87b-48b9-ac98-410a9cda5344")


def test_a_draft_only_token_carries_only_its_scopes(sandbox):
    sandbox.knobs(app_scopes=["user.info.basic", "video.upload"])
    t = login(sandbox, scopes="user.info.basic,video.upload")
    assert t["scope"] == "user.info.basic,video.upload"
    r = curl(sandbox, "POST", CREATOR, token=t["access_token"], json_body={})
    assert r.status == 401 and r.code == "scope_not_authorized"


def test_authorize_requires_code_response_type_and_an_s256_challenge(sandbox):
    _, cb = callback(curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                                        response_type="token")))
    assert cb["error"] == "unsupported_response_type" and cb["state"] == "st4te"
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE,
                                           code_challenge_method="plain"))
    assert page_error(r) == ("invalid_request", "code_challenge")
    q = authorize_url(sandbox, HEX_CHALLENGE).replace("&code_challenge=" + HEX_CHALLENGE, "")
    assert page_error(curl(sandbox, "GET", q)) == ("invalid_request", "code_challenge")


def test_the_error_page_reloaded_shows_the_same_error(sandbox):
    r = curl(sandbox, "GET", authorize_url(sandbox, HEX_CHALLENGE, client_key="notmyapp"))
    addr = r.headers["content-location"]
    r2 = curl(sandbox, "GET", addr[addr.index("/v2/"):])
    assert page_error(r2) == ("unauthorized_client", "client_key")
    assert r2.headers["content-location"] == addr


def test_revoked_and_expired_tokens_get_401_access_token_invalid(sandbox):
    t = login(sandbox)
    ok = curl(sandbox, "GET", "/v2/user/info/?fields=open_id", token=t["access_token"])
    assert ok.status == 200
    sandbox.expire_tokens()
    r = curl(sandbox, "GET", "/v2/user/info/?fields=open_id", token=t["access_token"])
    assert r.status == 401 and r.code == "access_token_invalid"
    t = login(sandbox)
    sandbox.advance(86400)
    r = curl(sandbox, "POST", CREATOR, token=t["access_token"], json_body={})
    assert r.status == 401 and r.code == "access_token_invalid"
    t = login(sandbox)
    r = curl(sandbox, "POST", "/v2/oauth/revoke/",
             form={"client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
                   "token": t["access_token"]})
    assert r.status == 200 and r.body == b""
    r = curl(sandbox, "POST", CREATOR, token=t["access_token"], json_body={})
    assert r.status == 401 and r.code == "access_token_invalid"
    r = curl(sandbox, "POST", CREATOR, json_body={})
    assert r.status == 401 and r.code == "access_token_invalid"


def test_revoking_fails_unfinished_posts_with_auth_removed(sandbox):
    t = login(sandbox)
    pid = init(sandbox, t["access_token"]).json()["data"]["publish_id"]
    r = curl(sandbox, "POST", "/v2/oauth/revoke/",
             form={"client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
                   "token": t["access_token"]})
    assert r.status == 200
    got = sandbox.received(pid)
    assert (got["status"], got["fail_reason"]) == ("FAILED", "auth_removed")
    r = curl(sandbox, "POST", "/v2/oauth/token/", form={
        "client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
        "grant_type": "refresh_token", "refresh_token": t["refresh_token"]})
    assert r.json()["error"] == "invalid_grant"  # the whole grant is gone


def test_missing_scope_gets_401_scope_not_authorized(sandbox):
    t = login(sandbox, scopes="user.info.basic,video.upload")
    r = curl(sandbox, "POST", CREATOR, token=t["access_token"], json_body={})
    assert r.status == 401 and r.code == "scope_not_authorized"
    r = curl(sandbox, "GET", "/v2/user/info/?fields=open_id,username", token=t["access_token"])
    assert r.status == 400 and r.code == "scope_permission_missed"
    r = curl(sandbox, "GET", "/v2/user/info/", token=t["access_token"])
    assert r.status == 400


# ---- creator info ------------------------------------------------------------
def test_creator_info_accepts_empty_body_and_empty_object(sandbox, tok):
    for kw in ({"data": ""}, {"json_body": {}}):
        r = curl(sandbox, "POST", CREATOR, token=tok,
                 headers=["Content-Type: application/json; charset=UTF-8"], **kw)
        assert r.status == 200 and r.code == "ok", r
        d = r.json()["data"]
        assert d["privacy_level_options"] == ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS",
                                              "SELF_ONLY"]
        assert d["creator_nickname"] == "Sandbox Public" and d["stitch_disabled"] is True
    priv = login(sandbox, user="sbprivate")["access_token"]
    d = curl(sandbox, "POST", CREATOR, token=priv, json_body={}).json()["data"]
    assert d["privacy_level_options"] == ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS",
                                          "SELF_ONLY"]
    assert d["duet_disabled"] is True and d["max_video_post_duration_sec"] == 600
    r = curl(sandbox, "POST", CREATOR, token=tok, data="{}",
             headers=["Content-Type: application/x-www-form-urlencoded"])
    assert r.status == 400


def test_creator_info_body_knob_refuses_any_body(sandbox, tok):
    # TikTok's reference request has no body; knob "none" proves a client sends none.
    sandbox.knobs(creator_info_body="none")
    r = curl(sandbox, "POST", CREATOR, token=tok, json_body={})
    assert r.status == 400 and r.code == "invalid_param", r
    r = curl(sandbox, "POST", CREATOR, token=tok,
             headers=["Content-Type: application/json; charset=UTF-8"], data="")
    assert r.status == 200 and r.code == "ok", r


# ---- chunk plans -------------------------------------------------------------
def test_two_chunk_upload_answers_206_then_201_and_records_the_sha256(sandbox, tok, tmp_path):
    data = os.urandom(12_000_000)
    r = init(sandbox, tok, 12_000_000, 6_000_000, 2, title="two #chunks", disable_duet=False,
             disable_comment=True, disable_stitch=False, brand_content_toggle=False,
             brand_organic_toggle=False, is_aigc=True, video_cover_timestamp_ms=1000)
    assert r.status == 200 and r.code == "ok", r
    pid = r.json()["data"]["publish_id"]
    assert pid.startswith("v_pub_file~v2-1.") and len(pid) <= 64
    path = upload_path(sandbox, r)
    c1 = write(tmp_path, "c1", data[:6_000_000])
    c2 = write(tmp_path, "c2", data[6_000_000:])
    r1 = put(sandbox, path, c1, 0, 12_000_000, extra=["-v"])
    assert r1.status == 206 and r1.headers["content-range"] == "bytes 0-5999999/12000000"
    assert "100 Continue" in r1.stderr  # curl asked for 100-continue and got it
    r2 = put(sandbox, path, c2, 6_000_000, 12_000_000)
    assert r2.status == 201 and r2.headers["content-range"] == "bytes 0-11999999/12000000"
    assert LOG_ID_RE.match(r2.headers["x-tt-logid"]) and r2.body == b""
    got = sandbox.received(pid)
    assert got["sha256"] == hashlib.sha256(data).hexdigest()
    assert got["bytes_received"] == 12_000_000 and got["chunks_received"] == 2
    assert (got["mode"], got["user"], got["title"]) == ("direct", "sbpublic", "two #chunks")
    assert got["privacy_level"] == "PUBLIC_TO_EVERYONE" and got["is_aigc"] is True
    assert got["disable_comment"] is True and got["video_cover_timestamp_ms"] == 1000
    assert got["inits_same_sha256"] == 1 and got["inits_same_item"] == 1
    with open(got["file"], "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == got["sha256"]


@pytest.mark.parametrize("size,chunk,count", [
    (50_000_123, 10_000_000, 5),        # the official example
    (1_000, 1_000, 1),
    (4_194_304, 4_194_304, 1),          # the official "4 MB" whole upload
    (64_000_000, 64_000_000, 1),        # client planner's single-chunk maximum
    (64_000_001, 10_000_000, 6),
    (150_000_000, 10_000_000, 15),
    (4_294_967_296, 10_000_000, 429),   # 4 GiB
    (15_000_000, 10_000_000, 1),        # count 1 with chunk_size < video_size is legal
    (5_242_879, 5_242_879, 1),          # just below 5 MiB: one chunk
    (10_485_760, 5_242_880, 2),         # the smallest chunk of a multi-chunk plan
    (128_000_000, 64_000_000, 2),       # the largest chunk, twice
    (191_999_999, 64_000_000, 2),       # the last chunk absorbs: 127,999,999 bytes
])
def test_valid_chunk_plans_are_accepted(sandbox, size, chunk, count):
    sandbox.knobs(unlimited=True)
    tok = login(sandbox)["access_token"]
    r = init(sandbox, tok, size, chunk, count)
    assert r.status == 200 and r.code == "ok", r


@pytest.mark.parametrize("size,chunk,count,message", [
    (50_000_123, 10_000_000, 4, "The total chunk count is invalid"),
    (50_000_123, 10_000_000, 6, "The total chunk count is invalid"),
    (20_000_000, 4_000_000, 5, "The chunk size is invalid"),      # chunk < 5 MiB
    (12_000_000, 5_000_000, 2, "The chunk size is invalid"),      # 5 MB < 5 MiB
    (200_000_000, 70_000_000, 2, "The chunk size is invalid"),    # chunk > 64,000,000
    (70_000_000, 70_000_000, 1, "The chunk size is invalid"),     # single > 64,000,000
    (64_000_001, 64_000_001, 1, "The chunk size is invalid"),     # one byte over, single
    (66_259_900, 66_259_900, 1, "The chunk size is invalid"),     # post-for-me #327
    (67_108_864, 67_108_864, 1, "The chunk size is invalid"),     # 64 MiB is over too
    (200_000_000, 64_000_001, 3, "The chunk size is invalid"),    # multi, one byte over
    (10_485_758, 5_242_879, 2, "The chunk size is invalid"),      # one byte under 5 MiB
    (4_000_000, 1_000_000, 4, "The chunk size is invalid"),       # < 5 MiB: one chunk
    (5_000_000, 0, 0, "The chunk size is invalid"),
    (0, 1, 0, "The video size is invalid"),
    (4_294_967_297, 10_000_000, 429, "The video size is invalid"),
])
def test_plans_that_break_a_rule_get_400_invalid_params(sandbox, size, chunk, count, message):
    sandbox.knobs(unlimited=True)
    tok = login(sandbox)["access_token"]
    r = init(sandbox, tok, size, chunk, count)
    assert r.status == 400 and r.code == "invalid_params" and r.json()["error"]["message"] == message


def test_decimal_mb_knob_and_multi_chunk_rejection_knob(sandbox, tok):
    # "MB" decides the 5 MB floor and the 4 GB ceiling; 64,000,000 is the
    # chunk ceiling under both readings.
    assert init(sandbox, tok, 12_000_000, 5_000_000, 2).code == "invalid_params"
    sandbox.knobs(unlimited=True)
    assert init(sandbox, tok, 4_000_000_001, 10_000_000, 400).status == 200
    sandbox.knobs(mb="decimal")
    assert init(sandbox, tok, 12_000_000, 5_000_000, 2).status == 200
    assert init(sandbox, tok, 4_000_000_001, 10_000_000, 400).code == "invalid_params"
    assert init(sandbox, tok, 64_000_001).code == "invalid_params"
    assert init(sandbox, tok, 64_000_000).status == 200
    sandbox.knobs(chunk_max=67_108_864)  # the old binary reading, for comparison
    assert init(sandbox, tok, 66_259_900).status == 200
    sandbox.knobs(mb="binary", multi_chunk_rejected=True)
    r = init(sandbox, tok, 64_000_001, 10_000_000, 6)
    assert r.status == 400 and r.json()["error"]["message"] == "The chunk size is invalid"


# ---- the PUT rules -----------------------------------------------------------
def test_wrong_offset_gets_416(sandbox, tok, tmp_path):
    data = os.urandom(12_000_000)
    path = upload_path(sandbox, init(sandbox, tok, 12_000_000, 6_000_000, 2))
    c1, c2 = write(tmp_path, "c1", data[:6_000_000]), write(tmp_path, "c2", data[6_000_000:])
    assert put(sandbox, path, c2, 6_000_000, 12_000_000).status == 416
    assert put(sandbox, path, c1, 0, 12_000_000).status == 206
    r = put(sandbox, path, c1, 0, 12_000_000)
    assert r.status == 416 and r.headers["content-range"] == "bytes 0-5999999/12000000"
    assert put(sandbox, path, c2, 6_000_000, 12_000_001).status == 416  # wrong total
    assert put(sandbox, path, c2, 6_000_000, 12_000_000).status == 201


def test_length_and_header_mismatches_get_400(sandbox, tok, tmp_path):
    sandbox.knobs(body_timeout=0.5)
    data = os.urandom(12_000_000)
    path = upload_path(sandbox, init(sandbox, tok, 12_000_000, 6_000_000, 2))
    c1 = write(tmp_path, "c1", data[:6_000_000])
    short = write(tmp_path, "short", data[:5_999_000])
    # range shorter than the planned chunk
    assert put(sandbox, path, short, 0, 12_000_000).status == 400
    # Content-Length promises more bytes than the body holds
    r = curl(sandbox, "PUT", path, data="@" + c1,
             headers=["Content-Type: video/mp4", "Content-Range: bytes 0-5999999/12000000",
                      "Content-Length: 6000010"])
    assert r.status == 400
    # Content-Length disagrees with Content-Range
    r = curl(sandbox, "PUT", path, data="@" + short,
             headers=["Content-Type: video/mp4", "Content-Range: bytes 0-5999999/12000000"])
    assert r.status == 400
    assert put(sandbox, path, c1, 0, 12_000_000, ctype="application/octet-stream").status == 400
    r = curl(sandbox, "PUT", path, data="@" + c1, headers=["Content-Type: video/mp4"])
    assert r.status == 400  # no Content-Range
    assert sandbox.received()[0]["bytes_received"] == 0
    assert put(sandbox, path, c1, 0, 12_000_000).status == 206


def test_unknown_upload_gets_404_and_expired_upload_url_gets_403(sandbox, tok, tmp_path):
    f = write(tmp_path, "f", os.urandom(1000))
    r = init(sandbox, tok)
    path = upload_path(sandbox, r)
    bad = re.sub(r"upload_token=[^&]+", "upload_token=wrong", path)
    assert put(sandbox, bad, f, 0, 1000).status == 404
    sandbox.advance(3601)
    assert put(sandbox, path, f, 0, 1000).status == 403
    sandbox.expire_upload()  # the next init's URL is born expired
    r = init(sandbox, tok)
    assert put(sandbox, upload_path(sandbox, r), f, 0, 1000).status == 403


def test_dropped_connection_mid_chunk_leaves_progress_unchanged(sandbox, tok, tmp_path):
    data = os.urandom(12_000_000)
    path = upload_path(sandbox, init(sandbox, tok, 12_000_000, 6_000_000, 2))
    c1 = write(tmp_path, "c1", data[:6_000_000])
    sandbox.inject("upload", drop_after=1_000_000)
    r = put(sandbox, path, c1, 0, 12_000_000)
    assert r.rc != 0 and r.status in (0, 100)  # only "100 Continue" ever came
    assert sandbox.received()[0]["bytes_received"] == 0
    assert put(sandbox, path, c1, 0, 12_000_000).status == 206
    log = sandbox.request_log()
    assert [e["status"] for e in log if e["method"] == "PUT"] == [0, 206]


# ---- rate limits, faults -------------------------------------------------------
def test_seventh_init_in_a_minute_gets_429_and_passes_after_the_window(sandbox, tok):
    for _ in range(6):
        assert init(sandbox, tok).status == 200
    r = init(sandbox, tok)
    assert r.status == 429 and r.code == "rate_limit_exceeded"
    sandbox.advance(30)
    assert init(sandbox, tok).status == 429  # sliding window: still 6 in the last 60 s
    sandbox.set_clock(scale=600)  # a sandbox minute is now 0.1 s
    deadline = time.monotonic() + 20
    while (r := init(sandbox, tok)).status == 429 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.status == 200, r


def test_status_fetch_limit_is_30_per_minute_per_token(sandbox, tok):
    sandbox.knobs(rate_limits={"status": 3})
    for _ in range(3):
        assert status(sandbox, tok, "v_pub_file~v2-1.1").code == "invalid_publish_id"
    assert status(sandbox, tok, "v_pub_file~v2-1.1").status == 429
    other = login(sandbox)["access_token"]
    assert status(sandbox, other, "v_pub_file~v2-1.1").status == 400
    assert sandbox.knobs()["rate_limits"]["status"] == 3


def test_injected_503_is_returned_once_without_side_effects(sandbox, tok):
    sandbox.inject("video_init", status=503)
    r = init(sandbox, tok)
    assert r.status == 503 and r.code == "internal_error"
    assert sandbox.received() == []
    assert init(sandbox, tok).status == 200
    sandbox.inject("/v2/post/publish/video/init/", nth=2, status=500, code="internal_error",
                   when="after")
    assert init(sandbox, tok).status == 200
    assert init(sandbox, tok).status == 500  # ...but this one was created: answer lost
    assert len(sandbox.received()) == 3
    sandbox.inject("status", delay=0.2)
    assert status(sandbox, tok, "v_pub_file~v2-1.1").code == "invalid_publish_id"
    assert [f["fired"] for f in sandbox.faults()][-1] == 1
    sandbox.inject("token", probability=1.0, seed=7, status=502, count=0)
    assert curl(sandbox, "POST", "/v2/oauth/token/", form={}).status == 502
    assert curl(sandbox, "POST", "/v2/oauth/token/", form={}).status == 502


# ---- status machine ------------------------------------------------------------
def test_direct_post_reaches_publish_complete_with_an_exact_post_id(sandbox, tok, tmp_path):
    sandbox.knobs(processing_delay=10, moderation_delay=60)
    pid = upload_small(sandbox, tok, tmp_path)
    d = status(sandbox, tok, pid).json()["data"]
    assert d["status"] == "PROCESSING_UPLOAD" and d["uploaded_bytes"] == 1000
    sandbox.advance(11)
    r = status(sandbox, tok, pid)
    assert r.json()["data"]["status"] == "PUBLISH_COMPLETE"
    assert r.json()["data"]["publicaly_available_post_id"] == []  # still in moderation
    sandbox.advance(60)
    r = status(sandbox, tok, pid)
    m = re.search(r'"publicaly_available_post_id":\[(\d+)\]', r.text)
    assert m, r.text
    raw = m.group(1)
    assert int(raw) > 2 ** 53 and int(raw) == sandbox.received(pid)["post_id"]
    assert str(r.json()["data"]["publicaly_available_post_id"][0]) == raw
    assert int(float(raw)) != int(raw)  # a double would have lost digits


def test_moderation_can_take_hours_on_the_scaled_clock(sandbox, tok, tmp_path):
    sandbox.knobs(processing_delay=0, moderation_delay=6 * 3600)
    pid = upload_small(sandbox, tok, tmp_path)
    sandbox.set_clock(scale=60)  # a minute a second, without jumps
    sandbox.advance(5 * 3600)
    # access tokens live 2 hours: a client hours later holds a fresh one
    d = status(sandbox, login(sandbox)["access_token"], pid).json()["data"]
    assert d["status"] == "PUBLISH_COMPLETE" and d["publicaly_available_post_id"] == []
    sandbox.advance(3600 + 1)
    d = status(sandbox, login(sandbox)["access_token"], pid).json()["data"]
    assert d["publicaly_available_post_id"] == [sandbox.received(pid)["post_id"]]


def test_self_only_post_gets_an_empty_id_list(sandbox, tok, tmp_path):
    sandbox.knobs(processing_delay=0, moderation_delay=0)
    pid = upload_small(sandbox, tok, tmp_path, privacy="SELF_ONLY")
    sandbox.advance(3600)
    d = status(sandbox, tok, pid).json()["data"]
    assert d["status"] == "PUBLISH_COMPLETE" and d["publicaly_available_post_id"] == []


def test_inbox_upload_reaches_send_to_user_inbox(sandbox, tok, tmp_path):
    sandbox.knobs(processing_delay=5)
    r = inbox_init(sandbox, tok)
    assert r.status == 200, r
    pid = r.json()["data"]["publish_id"]
    assert pid.startswith("v_inbox_file~v2.")
    f = write(tmp_path, "f", os.urandom(1000))
    assert put(sandbox, upload_path(sandbox, r), f, 0, 1000).status == 201
    assert status(sandbox, tok, pid).json()["data"]["status"] == "PROCESSING_UPLOAD"
    sandbox.advance(6)
    assert status(sandbox, tok, pid).json()["data"]["status"] == "SEND_TO_USER_INBOX"
    sandbox.inbox_posted(pid)
    assert status(sandbox, tok, pid).json()["data"]["status"] == "PUBLISH_COMPLETE"
    assert sandbox.received(pid)["mode"] == "inbox"


def test_injected_failure_ends_failed_with_the_reason(sandbox, tok, tmp_path):
    sandbox.knobs(processing_delay=0)
    sandbox.fail_next("picture_size_check_failed")
    pid = upload_small(sandbox, tok, tmp_path)
    d = status(sandbox, tok, pid).json()["data"]
    assert (d["status"], d["fail_reason"]) == ("FAILED", "picture_size_check_failed")
    pid = upload_small(sandbox, tok, tmp_path)
    assert status(sandbox, tok, pid).json()["data"]["status"] == "PUBLISH_COMPLETE"


def test_status_and_cancel_check_the_publish_id(sandbox, tok, tmp_path):
    pid = upload_small(sandbox, tok, tmp_path)
    assert status(sandbox, tok, "v_pub_file~v2-1.999").code == "invalid_publish_id"
    other = login(sandbox, user="sbprivate")["access_token"]
    r = status(sandbox, other, pid)
    assert r.status == 400 and r.code == "token_not_authorized_for_specified_publish_id"
    r = curl(sandbox, "POST", "/v2/post/publish/cancel/", token=tok, json_body={"publish_id": pid})
    assert r.status == 400 and r.code == "publish_not_cancellable"  # FILE_UPLOAD: never


def test_pull_from_url_needs_a_verified_prefix_and_can_be_cancelled(sandbox, tok):
    def pull(url):
        return curl(sandbox, "POST", INIT, token=tok, json_body={
            "post_info": {"privacy_level": "SELF_ONLY"},
            "source_info": {"source": "PULL_FROM_URL", "video_url": url}})
    r = pull("https://elsewhere.example/v.mp4")
    assert r.status == 403 and r.code == "url_ownership_unverified"
    r = pull("https://media.sandbox.invalid/v.mp4")
    d = r.json()["data"]
    assert r.status == 200 and d["publish_id"].startswith("v_pub_url~v2.")
    assert "upload_url" not in d
    assert status(sandbox, tok, d["publish_id"]).json()["data"]["status"] == "PROCESSING_DOWNLOAD"
    r = curl(sandbox, "POST", "/v2/post/publish/cancel/", token=tok,
             json_body={"publish_id": d["publish_id"]})
    assert r.status == 200 and r.code == "ok" and "data" not in r.json()
    data = status(sandbox, tok, d["publish_id"]).json()["data"]
    assert (data["status"], data["fail_reason"]) == ("FAILED", "publish_cancelled")


# ---- business rules ----------------------------------------------------------------
def test_privacy_level_missing_or_not_offered_gets_403(sandbox, tok):
    r = init(sandbox, tok, privacy=None)
    assert r.status == 403 and r.code == "privacy_level_option_mismatch"
    r = init(sandbox, tok, privacy="FOLLOWER_OF_CREATOR")  # a private account's option
    assert r.status == 403 and r.code == "privacy_level_option_mismatch"


def test_unaudited_client_may_post_only_self_only_to_private_accounts(sandbox, tok):
    sandbox.knobs(audited=False)
    r = init(sandbox, tok, privacy="SELF_ONLY")
    assert r.status == 403 and r.code == "unaudited_client_can_only_post_to_private_accounts"
    priv = login(sandbox, user="sbprivate")["access_token"]
    assert init(sandbox, priv, privacy="SELF_ONLY").status == 200
    r = init(sandbox, priv, privacy="FOLLOWER_OF_CREATOR")
    assert r.status == 403 and r.code == "unaudited_client_can_only_post_to_private_accounts"


def test_unaudited_rule_self_only_accepts_and_makes_every_post_private(sandbox, tok, tmp_path):
    sandbox.knobs(audited=False, unaudited_rule="self_only", processing_delay=0,
                  moderation_delay=0)
    pid = upload_small(sandbox, tok, tmp_path)  # public account, PUBLIC_TO_EVERYONE
    got = sandbox.received(pid)
    assert got["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert got["privacy_level_applied"] == "SELF_ONLY"
    sandbox.advance(3600)
    d = status(sandbox, tok, pid).json()["data"]
    assert d["status"] == "PUBLISH_COMPLETE" and d["publicaly_available_post_id"] == []
    priv = login(sandbox, user="sbprivate")["access_token"]
    r = init(sandbox, priv, privacy="FOLLOWER_OF_CREATOR")
    assert r.status == 200, r
    got = sandbox.received(r.json()["data"]["publish_id"])
    assert got["privacy_level_applied"] == "SELF_ONLY"
    # Still checked first: a level the account does not offer.
    assert init(sandbox, priv, privacy="PUBLIC_TO_EVERYONE").code == \
        "privacy_level_option_mismatch"
    sandbox.knobs(audited=True)
    r = init(sandbox, tok, privacy="MUTUAL_FOLLOW_FRIENDS")
    assert sandbox.received(r.json()["data"]["publish_id"])["privacy_level_applied"] == \
        "MUTUAL_FOLLOW_FRIENDS"


def test_unaudited_client_reaches_the_active_user_cap_at_the_sixth_user():
    cfg = json.load(open(os.path.join(os.path.dirname(__file__), "default.json")))
    cfg["audited"] = False
    cfg["users"] = [{"username": f"p{i}", "private": True} for i in range(6)]
    cfg["default_user"] = "p0"
    with Sandbox(cfg) as sb:
        for i in range(5):
            t = login(sb, user=f"p{i}")["access_token"]
            assert init(sb, t, privacy="SELF_ONLY").status == 200
        t = login(sb, user="p5")["access_token"]
        r = init(sb, t, privacy="SELF_ONLY")
        assert r.status == 403 and r.code == "reached_active_user_cap"
        r = curl(sb, "POST", CREATOR, token=t, json_body={})
        assert r.status == 200 and r.code == "reached_active_user_cap"


def test_daily_post_cap_403_at_init_and_200_on_creator_info(sandbox, tok):
    sandbox.knobs(daily_post_cap=2)
    assert init(sandbox, tok).status == 200
    assert init(sandbox, tok).status == 200
    r = init(sandbox, tok)
    assert r.status == 403 and r.code == "spam_risk_too_many_posts"
    r = curl(sandbox, "POST", CREATOR, token=tok, json_body={})
    assert r.status == 200 and r.code == "spam_risk_too_many_posts"
    sandbox.advance(86401)
    tok = login(sandbox)["access_token"]
    assert init(sandbox, tok).status == 200


def test_sixth_pending_inbox_share_gets_403(sandbox, tok):
    pids = []
    for _ in range(5):
        r = inbox_init(sandbox, tok)
        assert r.status == 200
        pids.append(r.json()["data"]["publish_id"])
    r = inbox_init(sandbox, tok)
    assert r.status == 403 and r.code == "spam_risk_too_many_pending_share"


def test_title_limit_counts_utf16_units(sandbox, tok):
    assert init(sandbox, tok, title="\U0001F600" * 1100).status == 200  # 2200 units
    r = init(sandbox, tok, title="\U0001F600" * 1100 + "a")  # 2201 units, 1101 code points
    assert r.status == 400 and r.code == "invalid_param"
    assert init(sandbox, tok, title="a" * 2200).status == 200


def test_unlimited_knob_lifts_rate_limits_and_caps(sandbox, tok):
    sandbox.knobs(unlimited=True, daily_post_cap=1)
    for _ in range(8):
        assert init(sandbox, tok).status == 200


# ---- secrets ------------------------------------------------------------------------
def test_request_log_and_stderr_hold_no_secret(sandbox, tmp_path):
    t = login(sandbox)
    form = {"client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
            "grant_type": "refresh_token", "refresh_token": t["refresh_token"]}
    t2 = curl(sandbox, "POST", "/v2/oauth/token/", form=form).json()
    r = init(sandbox, t2["access_token"])
    path = upload_path(sandbox, r)
    upload_token = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["upload_token"][0]
    put(sandbox, path, write(tmp_path, "f", os.urandom(1000)), 0, 1000)
    curl(sandbox, "GET", "/v2/user/info/?fields=open_id&access_token=" + t2["access_token"])
    log = sandbox.request_log_text()
    assert "upload_token=REDACTED" in log
    secrets_ = [t["access_token"], t["refresh_token"], t2["access_token"], t2["refresh_token"],
                upload_token, sandbox.client_secret]
    err = sandbox.stderr_tail(10000)
    for s in secrets_:
        assert s not in log and s not in err
    assert sandbox.client_secret not in sandbox.api("GET", "/_sandbox/config").text


# ---- process -------------------------------------------------------------------------
def test_sigterm_stops_the_sandbox_cleanly():
    sb = Sandbox().start()
    try:
        assert sb.health()["ok"]
        sb.proc.send_signal(signal.SIGTERM)
        assert sb.proc.wait(10) == 0
        assert "sandbox: stopped" in sb.stderr_tail()
    finally:
        sb.stop()
    assert sb.dir is None


def test_sandbox_config_writes_a_private_tiktokfs_config(sandbox, sandbox_config):
    path = sandbox_config(mode="draft", privacy=None)
    assert os.stat(path).st_mode & 0o777 == 0o600
    keys = dict(line.split(" = ", 1) for line in open(path).read().splitlines())
    assert keys["api_base"] == sandbox.base_url
    assert keys["auth_url"] == sandbox.base_url + "/v2/auth/authorize/"
    assert keys["ca_file"] == sandbox.ca_file and os.path.exists(keys["ca_file"])
    assert keys["client_key"] == "sbawtestclientkey"
    assert keys["client_secret"] == "sandbox-secret-123456"
    assert os.path.isdir(keys["state_dir"]) and keys["mode"] == "draft"
    assert "privacy" not in keys

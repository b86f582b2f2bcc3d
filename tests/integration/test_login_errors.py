"""`tiktokfs login` when TikTok's authorize page shows an error instead of redirecting
(docs/tiktok.md §2.2), against the sandbox in its new defaults: each error, pasted
with --no-browser and pasted while browser mode waits on its listener, ends the
login with its own message naming what to change; a login that hears nothing says
what usually went wrong (the delay shortened by TIKTOKFS_LOGIN_HINT_SEC) and
--timeout ends it; an app approved for drafts only logs in and posts a draft, and a
direct item then names the missing video.publish.
"""
import json
import os
import socket
import subprocess
import urllib.parse

import pytest

from sandbox.client import Sandbox
from login_util import BIN, do_login, login_session
from posting_util import FAST, drop, wait_for

DRAFT_SCOPES = ["user.info.basic", "video.upload"]


@pytest.fixture(scope="module")
def sb_module():
    """Default config plus any 127.0.0.1 port for /callback/, so that browser mode
    runs on a free port."""
    with open(os.path.join(os.path.dirname(__file__), "..", "sandbox", "default.json")) as f:
        conf = json.load(f)
    conf["redirect_uris"].append("http://127.0.0.1:*/callback/")
    with Sandbox(config=conf) as sb:
        yield sb


@pytest.fixture
def sb(sb_module):
    sb_module.reset()
    return sb_module


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_challenge(url):
    """What a proxy or a broken app page might do: drop the PKCE challenge."""
    parts = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "code_challenge"]
    return parts._replace(query=urllib.parse.urlencode(q)).geturl()


# name: (config keys, knobs, url transform, words the message must hold)
CASES = {
    "redirect_uri": ({"redirect_uri": "http://localhost:{port}/callback/"}, {}, None,
                     ["Redirect URI mismatch",
                      "register exactly http://localhost:{port}/callback/, byte for byte: "
                      "localhost and 127.0.0.1 differ"]),
    "client_key": ({"client_key": "notourkey"}, {}, None,
                   ["Invalid client key", "client_key notourkey"]),
    "scope_not_approved": ({}, {"app_scopes": DRAFT_SCOPES}, None,
                           ["insufficient permissions",
                            "user.info.basic,video.upload,video.publish are approved",
                            "mode = draft"]),
    "not_a_target_user": ({}, {"target_users": ["sbprivate"]}, None,
                          ["insufficient permissions", "Target users"]),
    "code_challenge": ({}, {}, _no_challenge, ["PKCE challenge", "Desktop"]),
}


def _config(sb, tmp_path, keys, port):
    extra = {k: v.format(port=port) for k, v in keys.items()}
    extra.setdefault("redirect_uri", f"http://127.0.0.1:{port}/callback/")
    return sb.tiktokfs_config(tmp_path, **extra)


def _page_address(sb, url):
    """GET the consent page as a browser; the error page's address (it redirects
    nowhere)."""
    parts = urllib.parse.urlsplit(url)
    r = sb.api("GET", parts.path + "?" + parts.query)
    assert r.status == 200 and "location" not in r.headers, r
    return r.headers["content-location"]


class Browser:
    """`tiktokfs login` in browser mode (no xdg-open on PATH): the test is the
    browser and the person at the keyboard."""

    def __init__(self, config, hint_sec=None, timeout=30):
        env = dict(os.environ, PATH="/nonexistent")
        if hint_sec is not None:
            env["TIKTOKFS_LOGIN_HINT_SEC"] = str(hint_sec)
        self.proc = subprocess.Popen([BIN, "login", "-c", str(config), "--timeout",
                                      str(timeout)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self.url, self.out = None, []
        # Up to the last line printed before the wait (communicate() reads the
        # pipe itself, past whatever this buffered).
        for line in iter(self.proc.stdout.readline, ""):
            self.out.append(line)
            if line.startswith("https://"):
                self.url = line.strip()
            if line.startswith("If TikTok shows"):
                break
        assert self.url, self.proc.stderr.read()

    def finish(self, pasted=None):
        try:
            out, err = self.proc.communicate(None if pasted is None else pasted + "\n",
                                             timeout=60)
            out = "".join(self.out) + out
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return out, err


@pytest.mark.parametrize("case", sorted(CASES))
def test_pasted_error_page_gives_its_own_message(sb, tmp_path, case):
    keys, knobs, transform, words = CASES[case]
    port = _free_port()
    if knobs:
        sb.knobs(**knobs)
    cp = login_session(_config(sb, tmp_path, keys, port), sb,
                       url_transform=transform, args=("--timeout", "30"))
    assert cp.returncode == 1, cp.stderr
    for w in words:
        assert w.format(port=port) in cp.stderr, cp.stderr
    assert "still no answer" not in cp.stderr  # told at once, not after the hint


@pytest.mark.parametrize("case", sorted(CASES))
def test_browser_mode_takes_the_pasted_error_page(sb, tmp_path, case):
    keys, knobs, transform, words = CASES[case]
    port = _free_port()
    if knobs:
        sb.knobs(**knobs)
    b = Browser(_config(sb, tmp_path, keys, port))
    url = transform(b.url) if transform else b.url
    out, err = b.finish(_page_address(sb, url))
    assert b.proc.returncode == 1, err
    for w in words:
        assert w.format(port=port) in err, err
    assert "If TikTok shows an error page, paste its address here." in out


def test_silent_wait_prints_the_usual_causes_then_the_redirect_still_works(sb, tmp_path):
    port = _free_port()
    cfg = _config(sb, tmp_path, {}, port)
    b = Browser(cfg, hint_sec=0.2)
    hint = []
    for line in b.proc.stderr:  # an event: the hint's lines, not a sleep
        hint.append(line)
        if "Insufficient permissions" in line:
            break
    text = "".join(hint)
    assert "still no answer from TikTok" in text
    assert "Invalid client key: client_key (sbawtestclientkey)" in text
    assert f"register exactly http://127.0.0.1:{port}/callback/" in text
    assert "localhost and 127.0.0.1 differ" in text
    assert "Login Kit or the Content Posting API" in text and "Target users" in text
    parts = urllib.parse.urlsplit(b.url)
    r = sb.api("GET", parts.path + "?" + parts.query)
    assert r.status == 302
    # The person pastes the redirect's address instead of the browser delivering it.
    out, err = b.finish(r.headers["location"])
    assert b.proc.returncode == 0, err
    assert "Logged in as @sbpublic" in out


def test_timeout_ends_the_wait_with_the_causes(sb, tmp_path):
    b = Browser(_config(sb, tmp_path, {}, _free_port()), timeout=1)
    out, err = b.finish()  # stdin closed: the listener alone waits on
    assert b.proc.returncode == 1
    assert "no answer from TikTok within 1 s (--timeout)" in err
    assert err.index("Redirect URI mismatch") < err.index("within 1 s")


def test_token_errors_read_the_same_with_http_400(sb, tmp_path):
    sb.knobs(code_lifetime=0, oauth_error_status=400)
    cp = login_session(sb.tiktokfs_config(tmp_path), sb)
    assert cp.returncode == 1
    assert "authorization code is invalid or expired" in cp.stderr


def test_tokens_follow_tiktoks_lifetimes(sb, tmp_path):
    cfg = sb.tiktokfs_config(tmp_path)
    do_login(cfg, sb)
    with open(tmp_path / "state" / "tokens.json") as f:
        tok = json.load(f)
    span = tok["refresh_expires"] - tok["access_expires"]
    assert abs(span - (15552000 - 7200)) < 60  # 180 days against 2 hours
    # A refresh token past its 180 days: the message says so.
    tok["access_expires"], tok["refresh_expires"] = 0, 1
    with open(tmp_path / "state" / "tokens.json", "w") as f:
        json.dump(tok, f)
    cp = subprocess.run([BIN, "logout", "-c", str(cfg)], capture_output=True, text=True,
                        timeout=60)
    assert "180 days" in cp.stderr and "a year" not in cp.stderr


def test_draft_only_app_logs_in_and_posts_a_draft(mounted, sandbox, clip):
    sandbox.knobs(app_scopes=DRAFT_SCOPES)
    m = mounted(**dict(FAST, mode="draft"))
    cp = login_session(m.config, sandbox)
    assert cp.returncode == 0, cp.stderr
    assert "for drafts only" in cp.stdout
    asked = [e["path"] for e in sandbox.request_log() if e["path"].startswith("/v2/auth/")]
    assert "scope=user.info.basic%2Cvideo.upload&" in asked[0]
    drop(m, clip, "A draft from an app without Direct Post")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["mode"] == "inbox"
    assert m.xattrs("posted/clip.mp4")["status"] == "SEND_TO_USER_INBOX"
    # A direct post asked in the caption names the missing scope and where to get it.
    drop(m, clip, "---\nmode: direct\nprivacy: private\n---\nDirect", name="direct.mp4")
    m.wait_state("failed/direct.mp4", "failed", timeout=60)
    # the video moves first, its NAME.error is written next (meta/job/outcome.c)
    errfile = m.mnt / "failed" / "direct.mp4.error"
    wait_for(errfile.exists, 10, "failed/direct.mp4.error")
    text = errfile.read_text()
    assert "no video.publish permission" in text and "Direct Post" in text
    assert len(sandbox.received()) == 1

"""The login's loopback listener against hostile neighbours: `tiktokfs login` for real
(browser mode, no xdg-open on PATH: the test plays the browser) against the sandbox.

Anyone on the machine, and any web page the user has open, can send requests to
127.0.0.1:PORT while a login waits there.  Only the redirect that carries this
login's `state` may end the wait: a forged `error=` (with terminal escapes and a
newline in its text), a wrong, missing or doubled state, junk and other paths are
answered 400 (404 for another path) and ignored; idle or half-sent connections do
not hold up the real redirect; and TikTok's own error text reaches the terminal
only as printable text.
"""
import importlib.util
import json
import os
import re
import select
import socket
import subprocess
import urllib.parse

import pytest

from sandbox.client import Sandbox
from login_util import BIN

def _top_conftest():
    """tests/conftest.py (its attach_sandbox puts our sandbox's stderr in reports);
    the name `conftest` is this folder's own."""
    path = os.path.join(os.path.dirname(__file__), "..", "conftest.py")
    spec = importlib.util.spec_from_file_location("tests_top_conftest", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


attach_sandbox = _top_conftest().attach_sandbox

PUBLIC_LINE = ("Logged in as @sbpublic (Sandbox Public). Privacy options: public, friends, "
               "private. Max video length: 300 s.")
# What a forged or hostile error text tries: colour the terminal red, start a line
# of its own, and hide in C1 controls (CSI as U+009B) and a bidi override.
HOSTILE = "\x1b[31mHACKED\nline\u009b2J\u202eevil\u00e9t\u00e9"


@pytest.fixture(scope="module")
def loopback_sandbox():
    """A sandbox that accepts any 127.0.0.1 port for /callback/ (as TikTok lets a
    desktop app register one), so that parallel runs never share a port."""
    with open(os.path.join(os.path.dirname(__file__), "..", "sandbox", "default.json")) as f:
        conf = json.load(f)
    conf["redirect_uris"] = ["http://127.0.0.1:*/callback/"]
    with Sandbox(config=conf) as sb:
        yield sb


@pytest.fixture
def sb(loopback_sandbox, request):
    loopback_sandbox.reset()
    attach_sandbox(request, loopback_sandbox)
    return loopback_sandbox


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, target, raw=None):
    """Send one request (GET @target, or the bytes @raw as they are) to the listener;
    return (status, body) of its answer, read to the end."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(raw if raw is not None else
                  f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", head)
    assert m, f"no HTTP answer: {data[:200]!r}"
    return int(m.group(1)), body.decode("utf-8", "replace")


class BrowserLogin:
    """`tiktokfs login` waiting on its loopback listener; .location is where the
    sandbox's consent page redirects the browser (the real callback)."""

    def __init__(self, sb, tmp_path):
        self.port = _free_port()
        uri = f"http://127.0.0.1:{self.port}/callback/"
        self.config = sb.tiktokfs_config(tmp_path, redirect_uri=uri)
        env = dict(os.environ, PATH="/nonexistent")
        self.proc = subprocess.Popen([BIN, "login", "-c", self.config], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.out = []
        url = None
        for line in self.proc.stdout:
            self.out.append(line)
            if line.startswith("https://"):
                url = line.strip()
                break
        assert url, self.proc.stderr.read()
        parts = urllib.parse.urlsplit(url)
        self.state = urllib.parse.parse_qs(parts.query)["state"][0]
        r = sb.api("GET", parts.path + "?" + parts.query)
        assert r.status == 302, r
        self.location = r.headers["location"]
        self.target = self.location[len(f"http://127.0.0.1:{self.port}"):]

    def finish(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        return "".join(self.out) + out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


@pytest.fixture
def login(sb, tmp_path):
    started = []

    def start():
        started.append(BrowserLogin(sb, tmp_path))
        return started[-1]
    yield start
    for lg in started:
        lg.kill()


def tokens_saved(config):
    for line in open(config):
        k, _, v = line.partition("=")
        if k.strip() == "state_dir":
            return os.path.exists(os.path.join(v.strip(), "tokens.json"))
    raise AssertionError("no state_dir in the config")


def assert_logged_in(lg):
    status, body = http_get(lg.port, lg.target)
    assert status == 200 and "You can close this window" in body
    out, err = lg.finish()
    assert lg.proc.returncode == 0, err
    assert PUBLIC_LINE in out
    assert "HACKED" not in out + err
    assert tokens_saved(lg.config)


def test_forged_error_without_state_is_ignored_and_login_completes(login):
    lg = login()
    forged = ("/callback/?error=access_denied&error_description="
              + urllib.parse.quote(HOSTILE))
    status, body = http_get(lg.port, forged)
    assert status == 400
    assert "ignored" in body
    assert "HACKED" not in body
    assert lg.proc.poll() is None, "a forged error ended the login"
    assert_logged_in(lg)


def test_wrong_missing_or_doubled_state_is_ignored(login):
    lg = login()
    real = lg.state
    for target in (
        "/callback/?error=access_denied&state=" + "0" * len(real),
        "/callback/?code=forged&state=wrong",
        "/callback/?code=forged",
        f"/callback/?code=forged&state=wrong&state={real}",
        f"/callback/?error=access_denied&state={real}&state={real}",
        f"/callback/?error=access_denied&state={real}x",
        f"/callback/?error=access_denied&state={real[:-1]}",
    ):
        status, body = http_get(lg.port, target)
        assert status == 400, target
        assert "ignored" in body, target
        assert lg.proc.poll() is None, f"{target} ended the login"
    assert_logged_in(lg)


def test_junk_requests_and_other_paths_are_ignored(login):
    lg = login()
    for raw in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # a TLS hello
                b"POST /callback/?error=access_denied HTTP/1.1\r\n\r\n",
                b"GET\r\n\r\n",
                b"GET /callback/?error=x\x1b[31m HTTP/1.1\r\n\r\n",
                b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"):
        try:
            status, _ = http_get(lg.port, None, raw=raw)
        except ConnectionError:
            status = 400  # the listener may close before reading all of a huge request
        assert status == 400, raw[:40]
        assert lg.proc.poll() is None, f"{raw[:40]!r} ended the login"
    status, body = http_get(lg.port, f"/favicon.ico?error=access_denied&state={lg.state}")
    assert status == 404 and "ignored" in body
    status, _ = http_get(lg.port, f"/callback/evil?error=access_denied&state={lg.state}")
    assert status == 404
    assert lg.proc.poll() is None
    assert_logged_in(lg)


def test_idle_connections_do_not_delay_the_real_callback(login):
    """Events, not times: an idle connection and a half-sent request line are open
    first; the real callback's answer arrives before the listener lets go of either
    of them (it sends that answer before it closes them; a listener that waits on
    them would close them first, unanswered)."""
    lg = login()
    idle = socket.create_connection(("127.0.0.1", lg.port), timeout=30)
    half = socket.create_connection(("127.0.0.1", lg.port), timeout=30)
    half.sendall(b"GET /callback/?sta")
    real = socket.create_connection(("127.0.0.1", lg.port), timeout=30)
    real.sendall(f"GET {lg.target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    open_ = {idle: "idle", half: "half"}
    answer, answered, events = b"", False, []
    try:
        while open_ or not answered:
            ready, _, _ = select.select([real, *open_] if not answered else [*open_], [], [],
                                        60)
            assert ready, f"nothing happened within 60 s: {events}"
            if real in ready:
                chunk = real.recv(65536)
                answer += chunk
                if not chunk:
                    answered = True
                    events.append("callback answered")
            for s in ready:
                if s is not real and not s.recv(1):
                    # Whatever the listener sent before this close is here by now.
                    assert answer, f"{open_[s]} connection closed before the callback " \
                                   f"was answered: {events}"
                    events.append(open_.pop(s) + " closed")
        assert b" 200 OK" in answer.split(b"\r\n")[0] and b"You can close" in answer
        out, err = lg.finish()
        assert lg.proc.returncode == 0, err
        assert PUBLIC_LINE in out
    finally:
        for s in (idle, half, real):
            s.close()


def test_a_flood_of_connections_does_not_block_the_listener(login):
    lg = login()
    socks = []
    try:
        for _ in range(64):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", lg.port))
            socks.append(s)
        assert_logged_in(lg)
    finally:
        for s in socks:
            s.close()


def test_real_error_with_our_state_ends_login_with_printable_text(login, sb):
    sb.knobs(consent_deny=True)
    lg = login()
    assert "error=access_denied" in lg.location and f"state={lg.state}" in lg.location
    target = re.sub(r"error_description=[^&]*",
                    "error_description=" + urllib.parse.quote(HOSTILE), lg.target)
    status, body = http_get(lg.port, target)
    assert status == 200 and "refused the login" in body
    out, err = lg.finish()
    assert lg.proc.returncode == 1
    assert "did not allow access" in err
    assert "HACKED" in err and "\u00e9t\u00e9" in err  # TikTok's words, UTF-8 letters kept
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e]", err), repr(err)
    assert not any(line.startswith("line") for line in err.splitlines()), err
    assert not tokens_saved(lg.config)

"""A YouTube account's login (issue 15, second slice), the real binary against the
local YouTube sandbox (tests/sandbox/youtube): Google's desktop-app flow with a
loopback redirect on a free port, standard S256 PKCE in base64url (the sandbox,
like Google, fails the exchange of a hex challenge), the channel named and
bound, `status --account` showing it, and a login killed by a project in
"Testing" after 7 days told as such with what to do.
"""
import json
import os
import re
import stat
import subprocess
import urllib.parse
import urllib.request

from login_util import BIN, login_session

HEX = re.compile(r"^[0-9a-f]{64}$")
B64URL = re.compile(r"^[A-Za-z0-9_-]{43}$")
HARBOUR = "Harbour Films"  # editor@sandbox.invalid's channel, tests/sandbox/youtube/default.json


def run(*args, timeout=60, env=None):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def account_dir(tmp_path, name="yt"):
    return os.path.join(str(tmp_path), "state", "accounts", name)


def saved_tokens(tmp_path):
    with open(os.path.join(account_dir(tmp_path), "tokens.json")) as f:
        return json.load(f)


def yt_login(config, yt, **kw):
    """login --no-browser --account yt: the address opened, its redirect pasted."""
    return login_session(config, yt, args=("--account", "yt"), **kw)


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_pasted_login_names_the_channel_and_binds_the_account(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    cp = yt_login(cfg, yt_sandbox)
    assert cp.returncode == 0, cp.stderr
    assert f"Logged in to YouTube channel {HARBOUR}" in cp.stdout
    t = saved_tokens(tmp_path)
    assert t["refresh_token"] and t["access_token"]
    assert t["access_expires"] > 0
    assert t["open_id"].startswith("UC")
    assert f"(channel id {t['open_id']})" in cp.stdout
    path = os.path.join(account_dir(tmp_path), "tokens.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(os.path.join(account_dir(tmp_path), "binding.json")) as f:
        b = json.load(f)
    assert b["open_id"] == t["open_id"] and b["display_name"] == HARBOUR
    # no token reaches the terminal
    assert t["access_token"] not in cp.stdout + cp.stderr
    assert t["refresh_token"] not in cp.stdout + cp.stderr


def test_authorize_url_asks_offline_s256_base64url_and_the_two_scopes(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    seen = []
    cp = yt_login(cfg, yt_sandbox, url_transform=lambda u: seen.append(u) or u)
    assert cp.returncode == 0, cp.stderr
    q = query_of(seen[0])
    assert q["code_challenge_method"] == "S256"
    assert B64URL.match(q["code_challenge"]) and not HEX.match(q["code_challenge"])
    assert q["access_type"] == "offline"
    assert q["scope"].split() == ["https://www.googleapis.com/auth/youtube.upload",
                                  "https://www.googleapis.com/auth/youtube.readonly"]
    assert re.match(r"^http://127\.0\.0\.1:[0-9]+/$", q["redirect_uri"])
    assert q["state"]


def test_browser_login_through_a_free_loopback_port(yt_sandbox, tmp_path):
    """Without --no-browser: the 'browser' (urllib; no xdg-open on PATH) is sent
    to the port tiktokfs picked, on 127.0.0.1."""
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    env = dict(os.environ, PATH="/nonexistent")
    proc = subprocess.Popen([BIN, "login", "-c", cfg, "--account", "yt"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE, text=True, env=env)
    try:
        url = None
        for line in proc.stdout:
            if line.startswith("https://"):
                url = line.strip()
                break
        assert url, proc.stderr.read()
        parts = urllib.parse.urlsplit(url)
        r = yt_sandbox.api("GET", parts.path + "?" + parts.query)
        assert r.status == 302, r
        loc = r.headers["location"]
        assert loc.startswith(query_of(url)["redirect_uri"])
        with urllib.request.urlopen(loc, timeout=30) as page:
            assert page.status == 200
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert f"Logged in to YouTube channel {HARBOUR}" in out


def test_a_hex_challenge_fails_the_exchange_and_ours_never_is_one(yt_sandbox, tmp_path):
    """The sandbox refuses TikTok's hex variant at the exchange, as Google does:
    replacing our challenge by a hex one makes the login fail, so the success of
    the other tests shows ours is not hex."""
    cfg = yt_sandbox.tiktokfs_config(tmp_path)

    def hexify(url):
        q = query_of(url)
        assert not HEX.match(q["code_challenge"])
        q["code_challenge"] = "13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3"
        return url.split("?")[0] + "?" + urllib.parse.urlencode(q)

    cp = yt_login(cfg, yt_sandbox, url_transform=hexify)
    assert cp.returncode != 0
    assert "invalid_grant" in cp.stderr
    assert not os.path.exists(os.path.join(account_dir(tmp_path), "tokens.json"))


def test_status_shows_the_channel_and_until_when(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    assert yt_login(cfg, yt_sandbox).returncode == 0
    cp = run("status", "-c", cfg, "--account", "yt")
    assert cp.returncode == 0, cp.stderr
    assert "Account yt (youtube)" in cp.stdout
    assert f"YouTube channel: {HARBOUR}, channel id UC" in cp.stdout
    assert "Login: valid" in cp.stdout and "a project in Testing ends it" in cp.stdout
    cp = run("status", "-c", cfg, "--account", "yt", "--json")
    j = json.loads(cp.stdout)
    assert j["platform"] == "youtube" and j["logged_in"] is True
    assert j["channel"]["title"] == HARBOUR


def expire_access(tmp_path):
    """An hour later: the saved access token has expired (tiktokfs's clock)."""
    path = os.path.join(account_dir(tmp_path), "tokens.json")
    t = saved_tokens(tmp_path)
    t["access_expires"] = 1
    with open(path, "w") as f:
        json.dump(t, f)


def test_status_refreshes_an_expired_access_token(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    assert yt_login(cfg, yt_sandbox).returncode == 0
    before = saved_tokens(tmp_path)
    expire_access(tmp_path)
    cp = run("status", "-c", cfg, "--account", "yt")
    assert cp.returncode == 0, cp.stderr
    after = saved_tokens(tmp_path)
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] == before["refresh_token"]  # Google does not rotate
    assert after["access_expires"] > 1


def test_testing_project_login_dies_after_seven_days_and_says_what_to_do(yt_sandbox, tmp_path):
    yt_sandbox.knobs(testing_mode=True)
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    assert yt_login(cfg, yt_sandbox).returncode == 0
    yt_sandbox.advance(7 * 86400 + 60)
    expire_access(tmp_path)
    cp = run("status", "-c", cfg, "--account", "yt")
    assert cp.returncode == 1
    assert "Testing" in cp.stdout and "7 days" in cp.stdout
    assert "Publish" in cp.stdout and "login --account" in cp.stdout
    assert saved_tokens(tmp_path)["refresh_token"] not in cp.stdout + cp.stderr


def test_refused_consent_is_told_and_nothing_saved(yt_sandbox, tmp_path):
    yt_sandbox.knobs(consent_deny=True)
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    cp = yt_login(cfg, yt_sandbox)
    assert cp.returncode != 0
    assert "access_denied" in cp.stderr and "Allow" in cp.stderr
    assert not os.path.exists(os.path.join(account_dir(tmp_path), "tokens.json"))


def test_missing_youtube_client_names_keys_and_variables(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path, youtube_client_secret=None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOUTUBE_")}
    cp = subprocess.run([BIN, "login", "--no-browser", "-c", cfg, "--account", "yt"],
                        input="", capture_output=True, text=True, env=env, timeout=30)
    assert cp.returncode == 1
    assert "youtube_client_secret" in cp.stderr and "YOUTUBE_CLIENT_SECRET" in cp.stderr


def test_client_from_the_environment(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path, youtube_client_id=None,
                                     youtube_client_secret=None)
    env = dict(os.environ, YOUTUBE_CLIENT_ID=yt_sandbox.client_id,
               YOUTUBE_CLIENT_SECRET=yt_sandbox.client_secret)
    cp = login_session(cfg, yt_sandbox, args=("--account", "yt"), env=env)
    assert cp.returncode == 0, cp.stderr
    assert HARBOUR in cp.stdout


def test_logout_revokes_at_google(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    assert yt_login(cfg, yt_sandbox).returncode == 0
    refresh = saved_tokens(tmp_path)["refresh_token"]
    cp = run("logout", "-c", cfg, "--account", "yt")
    assert cp.returncode == 0, cp.stderr
    assert not os.path.exists(os.path.join(account_dir(tmp_path), "tokens.json"))
    r = yt_sandbox.api("POST", "/token", body=urllib.parse.urlencode(
        {"client_id": yt_sandbox.client_id, "client_secret": yt_sandbox.client_secret,
         "grant_type": "refresh_token", "refresh_token": refresh}),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400 and r.json()["error"] == "invalid_grant"


def test_watch_refuses_a_default_account_on_youtube(yt_sandbox, tmp_path):
    """The mount and watch mode post with the default account, to TikTok: a
    default account on YouTube would hand Google's tokens to TikTok's API."""
    cfg = str(tmp_path / "default-yt.conf")
    fd = os.open(cfg, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"platform = youtube\nstate_dir = {tmp_path}/state\n")
    drop = tmp_path / "drop"
    drop.mkdir()
    cp = run("watch", "-c", cfg, drop, timeout=30)
    assert cp.returncode != 0
    assert "platform = youtube" in cp.stderr and "[account NAME]" in cp.stderr
    assert not (drop / "outbox").exists()


def test_one_channel_serves_one_account_name_unless_rebound(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    with open(cfg, "a") as f:
        f.write(f"[account yt2]\nplatform = youtube\nyoutube_client_id = {yt_sandbox.client_id}\n"
                f"youtube_client_secret = {yt_sandbox.client_secret}\n")
    assert yt_login(cfg, yt_sandbox).returncode == 0
    cp = login_session(cfg, yt_sandbox, args=("--account", "yt2"))
    assert cp.returncode == 1
    assert f"YouTube channel {HARBOUR}" in cp.stderr
    assert "is already bound to account yt" in cp.stderr and "--rebind" in cp.stderr
    assert not os.path.exists(os.path.join(account_dir(tmp_path, "yt2"), "tokens.json"))
    cp = login_session(cfg, yt_sandbox, args=("--account", "yt2", "--rebind"))
    assert cp.returncode == 0, cp.stderr
    assert "Account yt no longer has a login: its YouTube channel" in cp.stdout
    assert not os.path.exists(os.path.join(account_dir(tmp_path), "tokens.json"))
    # a second channel for the first name
    cp = login_session(cfg, yt_sandbox, args=("--account", "yt"),
                       url_transform=lambda u: u + "&login_hint=second%40sandbox.invalid")
    assert cp.returncode == 0, cp.stderr
    assert "Second Channel" in cp.stdout


def test_no_secret_reaches_the_terminal(yt_sandbox, tmp_path):
    cfg = yt_sandbox.tiktokfs_config(tmp_path)
    cp = yt_login(cfg, yt_sandbox)
    assert cp.returncode == 0, cp.stderr
    cp2 = run("status", "-c", cfg, "--account", "yt", "--json")
    t = saved_tokens(tmp_path)
    for text in (cp.stdout + cp.stderr, cp2.stdout + cp2.stderr):
        for secret in (yt_sandbox.client_secret, t["access_token"], t["refresh_token"]):
            assert secret not in text

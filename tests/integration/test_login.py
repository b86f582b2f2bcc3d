"""`tiktokfs login` and `tiktokfs logout`, the real binary against the sandbox over
HTTPS: who is logged in, where the tokens go and with which modes, TikTok's
errors in TikTok's words, a forged redirect refused, logout revoking at TikTok,
and no token or client secret anywhere a person or a log could see it.
"""
import json
import os
import re
import socket
import stat
import subprocess
import threading
import urllib.parse
import urllib.request

import pytest

from sandbox.client import Sandbox
from login_util import BIN, do_login, login_session

PUBLIC_LINE = ("Logged in as @sbpublic (Sandbox Public). Privacy options: public, friends, "
               "private. Max video length: 300 s.")


def run(*args, stdin=None, timeout=60):
    return subprocess.run([BIN, *map(str, args)], input=stdin, capture_output=True, text=True,
                          timeout=timeout)


def state_of(config_path):
    for line in open(config_path):
        k, _, v = line.partition("=")
        if k.strip() == "state_dir":
            return v.strip()
    raise AssertionError("no state_dir in the config")


def saved_tokens(config_path):
    with open(os.path.join(state_of(config_path), "tokens.json")) as f:
        return json.load(f)


def test_login_without_browser_says_who_and_keeps_tokens_private(sandbox_config, sandbox):
    cfg = sandbox_config()
    cp = do_login(cfg, sandbox)
    assert PUBLIC_LINE in cp.stdout.splitlines()
    state = state_of(cfg)
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(state, "tokens.json")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.join(state, "creator_info.json")).st_mode) == 0o600
    tok = saved_tokens(cfg)
    assert tok["access_token"] and tok["refresh_token"]
    # The token really works at TikTok.
    r = sandbox.api("GET", "/v2/user/info/?fields=open_id,display_name",
                    token=tok["access_token"])
    assert r.status == 200 and r.json()["data"]["user"]["display_name"]


def test_login_creates_a_missing_state_dir_privately(sandbox_config, sandbox, tmp_path):
    state = tmp_path / "fresh" / "share" / "tiktokfs"
    cfg = sandbox_config(state_dir=str(state))
    do_login(cfg, sandbox)
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(state / "tokens.json").st_mode) == 0o600


def test_login_of_a_private_account_lists_its_privacy_options(sandbox_config, sandbox):
    cp = do_login(sandbox_config(), sandbox, user="sbprivate")
    assert ("Logged in as @sbprivate (Sandbox Private). Privacy options: followers, friends, "
            "private. Max video length: 600 s.") in cp.stdout


def test_login_at_the_daily_cap_still_logs_in_and_says_why(sandbox_config, sandbox):
    sandbox.knobs(daily_post_cap=0)  # creator_info answers HTTP 200 + spam_risk_too_many_posts
    cfg = sandbox_config()
    cp = login_session(cfg, sandbox)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.splitlines()[-1] == "Logged in as Sandbox Public."
    assert os.path.exists(os.path.join(state_of(cfg), "tokens.json"))
    assert "daily post limit" in cp.stderr


def test_wrong_client_key_gives_the_invalid_client_key_message(sandbox_config, sandbox):
    cp = login_session(sandbox_config(client_key="notourkey"), sandbox)
    assert cp.returncode == 1
    assert "Invalid client key" in cp.stderr
    assert "notourkey" in cp.stderr  # the key shown so the user can compare


def test_unregistered_redirect_uri_gives_the_mismatch_message(sandbox_config, sandbox):
    uri = "http://localhost:3999/not/registered/"
    cp = login_session(sandbox_config(redirect_uri=uri), sandbox)
    assert cp.returncode == 1
    assert "Redirect URI mismatch" in cp.stderr
    assert f"register exactly {uri}, byte for byte: localhost and 127.0.0.1 differ" in cp.stderr


def test_account_not_a_target_user_names_target_users(sandbox_config, sandbox):
    cp = login_session(sandbox_config(), sandbox, user="nobody_registered")
    assert cp.returncode == 1
    assert "insufficient permissions" in cp.stderr
    assert "Target users" in cp.stderr


def test_forged_state_is_refused_and_nothing_saved(sandbox_config, sandbox):
    cfg = sandbox_config()
    cp = login_session(cfg, sandbox,
                       transform=lambda loc: re.sub(r"state=[^&]*", "state=forged", loc))
    assert cp.returncode == 1
    assert "state mismatch" in cp.stderr
    assert not os.path.exists(os.path.join(state_of(cfg), "tokens.json"))


def test_refused_consent_is_reported(sandbox_config, sandbox):
    sandbox.knobs(consent_deny=True)
    cp = login_session(sandbox_config(), sandbox)
    assert cp.returncode == 1
    assert "did not allow access" in cp.stderr


def test_unticked_scopes_are_named(sandbox_config, sandbox):
    sandbox.knobs(consent_scopes=["user.info.basic"])
    cp = login_session(sandbox_config(), sandbox)
    assert cp.returncode == 1
    assert "Insufficient permissions" in cp.stderr
    assert "video.upload, video.publish" in cp.stderr


def test_expired_code_is_reported_in_tiktoks_words(sandbox_config, sandbox):
    sandbox.knobs(code_lifetime=0)
    cp = login_session(sandbox_config(), sandbox)
    assert cp.returncode == 1
    assert "authorization code is invalid or expired" in cp.stderr
    assert "log_id" in cp.stderr


def test_logout_revokes_at_tiktok_and_deletes(sandbox_config, sandbox):
    cfg = sandbox_config()
    do_login(cfg, sandbox)
    access = saved_tokens(cfg)["access_token"]
    cp = run("logout", "-c", cfg)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "Logged out.\n"
    state = state_of(cfg)
    assert not os.path.exists(os.path.join(state, "tokens.json"))
    assert not os.path.exists(os.path.join(state, "creator_info.json"))
    r = sandbox.api("GET", "/v2/user/info/?fields=open_id", token=access)
    assert r.status == 401 and r.json()["error"]["code"] == "access_token_invalid"
    assert [e["status"] for e in sandbox.request_log()
            if e["method"] == "POST" and e["path"] == "/v2/oauth/revoke/"] == [200]
    # Logging out twice is fine (scripts call it unconditionally).
    cp = run("logout", "-c", cfg)
    assert cp.returncode == 0 and cp.stdout == "Not logged in.\n"


def test_group_readable_secret_is_refused_with_the_fix(sandbox_config, sandbox):
    cfg = sandbox_config()
    os.chmod(cfg, 0o640)
    cp = run("login", "--no-browser", "-c", cfg, stdin="")
    assert cp.returncode == 1
    assert "group or others can read it" in cp.stderr
    assert f"chmod 600 {cfg}" in cp.stderr


def test_missing_client_credentials_name_keys_and_variables(sandbox_config, sandbox):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIKTOK_")}
    cfg = sandbox_config(client_key=None, client_secret=None)
    cp = subprocess.run([BIN, "login", "--no-browser", "-c", cfg], input="", env=env,
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 1
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1
    for word in ("client_key", "client_secret", "TIKTOK_CLIENT_ID", "TIKTOK_CLIENT_SECRET"):
        assert word in lines[0]


def test_no_token_or_secret_reaches_output_files_or_logs(sandbox_config, sandbox):
    cfg = sandbox_config()
    seen = []
    cp = do_login(cfg, sandbox)
    seen += [cp.stdout, cp.stderr]
    tok = saved_tokens(cfg)
    secrets = [tok["access_token"], tok["refresh_token"], sandbox.client_secret]
    # A failing login prints TikTok's words; they must not carry secrets either.
    cp = login_session(cfg, sandbox, transform=lambda s: s.replace("state=", "state=x"))
    seen += [cp.stdout, cp.stderr]
    cp = run("logout", "-c", cfg)
    seen += [cp.stdout, cp.stderr]
    seen.append(sandbox.request_log_text())
    seen.append(sandbox.stderr_tail(lines=100000))
    for root, _, files in os.walk(state_of(cfg)):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                seen.append(f.read().decode("utf-8", "replace"))
    text = "\n".join(seen)
    for i, s in enumerate(secrets):
        assert s not in text, f"secret #{i} leaked"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_browser_login_through_the_loopback_listener(tmp_path):
    """Without --no-browser: tiktokfs listens on the redirect URI's port (127.0.0.1
    only) and the 'browser' (urllib here; no xdg-open on PATH) is redirected there."""
    with open(os.path.join(os.path.dirname(__file__), "..", "sandbox", "default.json")) as f:
        conf = json.load(f)
    conf["redirect_uris"] = ["http://127.0.0.1:*/callback/"]
    port = _free_port()
    with Sandbox(config=conf) as sb:
        uri = f"http://127.0.0.1:{port}/callback/"
        cfg = sb.tiktokfs_config(tmp_path, redirect_uri=uri)
        env = dict(os.environ, PATH="/nonexistent")
        proc = subprocess.Popen([BIN, "login", "-c", cfg], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        try:
            url = None
            for line in proc.stdout:
                if line.startswith("https://"):
                    url = line.strip()
                    break
            assert url, proc.stderr.read()
            parts = urllib.parse.urlsplit(url)
            r = sb.api("GET", parts.path + "?" + parts.query)
            assert r.status == 302
            loc = r.headers["location"]
            # A stray request for another path gets 404 and the wait goes on.
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=10)
            assert e.value.code == 404
            with urllib.request.urlopen(loc, timeout=30) as page:
                assert "You can close this window" in page.read().decode()
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err
        assert PUBLIC_LINE in out

"""Several accounts in one config (issue 12, first slice): `login`, `logout` and
`status` with --account NAME, the real binary against the sandbox.  Each account
keeps its login in its own directory, TikTok is asked who signs in
(disable_auto_auth), each account name is bound to one TikTok user and one user
to one name, and an install from before accounts keeps its login.
"""
import json
import os
import stat
import subprocess

from login_util import BIN, do_login, login_session
from posting_util import FAST, drop, wait_for

PUBLIC_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"   # sbpublic, tests/sandbox/default.json
PRIVATE_ID = "afd97af1-b87b-48b9-ac98-410a9cda5344"  # sbprivate


def run(*args, timeout=60):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def with_accounts(config, text="[account brand-b]\nmode = direct\n"):
    with open(config, "a") as f:
        f.write(text)
    return config


def state_of(config):
    for line in open(config):
        k, _, v = line.partition("=")
        if k.strip() == "state_dir":
            return v.strip()
    raise AssertionError("no state_dir in the config")


def account_dir(config, name):
    root = state_of(config)
    return root if name == "default" else os.path.join(root, "accounts", name)


def tokens(config, name):
    with open(os.path.join(account_dir(config, name), "tokens.json")) as f:
        return json.load(f)


def status_json(config, name):
    cp = run("status", "-c", config, "--account", name, "--json")
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)


def login_as(config, sandbox, account, user, *extra):
    """Log @account in while the browser is signed in to another user and the
    person picks @user on TikTok's login page."""
    other = "sbprivate" if user == "sbpublic" else "sbpublic"
    sandbox.knobs(consent_user=other, login_user=user)
    return login_session(config, sandbox, args=("--account", account, *extra))


def test_login_asks_tiktok_who_signs_in(sandbox_config, sandbox):
    # The browser is still signed in to sbpublic; the person chooses sbprivate.
    cfg = sandbox_config()
    cp = login_as(cfg, sandbox, "default", "sbprivate")
    assert cp.returncode == 0, cp.stderr
    assert "disable_auto_auth=1" in cp.stdout  # the printed address
    assert sandbox.authorizations()[-1]["asked"] is True
    assert tokens(cfg, "default")["open_id"] == PRIVATE_ID
    assert (f"Account default is now bound to TikTok user Sandbox Private, open_id "
            f"{PRIVATE_ID}.") in cp.stdout.splitlines()


def test_two_accounts_log_in_as_two_users_and_status_shows_each(sandbox_config, sandbox):
    cfg = with_accounts(sandbox_config(), "[account brand-b]\nmode = draft\nprivacy = private\n")
    assert login_as(cfg, sandbox, "default", "sbpublic").returncode == 0
    cp = login_as(cfg, sandbox, "brand-b", "sbprivate")
    assert cp.returncode == 0, cp.stderr
    assert (f"Account brand-b is now bound to TikTok user Sandbox Private, open_id "
            f"{PRIVATE_ID}.") in cp.stdout.splitlines()
    # mode = draft in its section: the login asked for the draft scopes only.
    assert "for drafts only" in cp.stdout

    bdir = account_dir(cfg, "brand-b")
    assert stat.S_IMODE(os.stat(bdir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.dirname(bdir)).st_mode) == 0o700
    for f in ("tokens.json", "binding.json"):
        assert stat.S_IMODE(os.stat(os.path.join(bdir, f)).st_mode) == 0o600
    assert tokens(cfg, "brand-b")["open_id"] == PRIVATE_ID
    assert tokens(cfg, "brand-b")["scope"] == "user.info.basic,video.upload"
    assert tokens(cfg, "default")["open_id"] == PUBLIC_ID  # where it always was

    text = run("status", "-c", cfg, "--account", "default").stdout
    assert f"TikTok user: Sandbox Public (@sbpublic), open_id {PUBLIC_ID}" in text
    assert "Privacy options: public, friends, private; max video length 300 s" in text
    text = run("status", "-c", cfg, "--account", "brand-b").stdout
    assert text.startswith("Account brand-b (tiktok)\n")
    assert f"TikTok user: Sandbox Private, open_id {PRIVATE_ID}" in text
    assert "Posting: mode draft, privacy private, bandwidth share 1" in text
    js = status_json(cfg, "brand-b")
    assert js["user"]["open_id"] == PRIVATE_ID and js["logged_in"] is True
    assert js["mode"] == "draft" and js["privacy"] == "SELF_ONLY"
    assert status_json(cfg, "default")["user"]["display_name"] == "Sandbox Public"
    # Each token is its own user's at TikTok.
    for name, who in (("default", "Sandbox Public"), ("brand-b", "Sandbox Private")):
        r = sandbox.api("GET", "/v2/user/info/?fields=open_id,display_name",
                        token=tokens(cfg, name)["access_token"])
        assert r.json()["data"]["user"]["display_name"] == who
    # No token in what status prints.
    for name in ("default", "brand-b"):
        out = run("status", "-c", cfg, "--account", name).stdout
        out += run("status", "-c", cfg, "--account", name, "--json").stdout
        for k in ("access_token", "refresh_token"):
            assert tokens(cfg, name)[k] not in out


def test_a_second_account_name_for_the_same_user_is_refused(sandbox_config, sandbox):
    cfg = with_accounts(sandbox_config())
    assert login_as(cfg, sandbox, "default", "sbpublic").returncode == 0
    before = tokens(cfg, "default")
    cp = login_as(cfg, sandbox, "brand-b", "sbpublic")
    assert cp.returncode == 1
    assert (f"TikTok user Sandbox Public (@sbpublic), open_id {PUBLIC_ID}, is already bound "
            f"to account default; one TikTok user posts through one account name") in cp.stderr
    assert "Nothing was saved for account brand-b" in cp.stderr
    assert f"--account brand-b --rebind" in cp.stderr
    assert not os.path.exists(os.path.join(account_dir(cfg, "brand-b"), "tokens.json"))
    assert not os.path.exists(os.path.join(account_dir(cfg, "brand-b"), "binding.json"))
    assert tokens(cfg, "default") == before
    assert status_json(cfg, "brand-b")["user"] is None

    # --rebind moves the user: brand-b holds it, default has no login left.
    cp = login_as(cfg, sandbox, "brand-b", "sbpublic", "--rebind")
    assert cp.returncode == 0, cp.stderr
    assert ("Account default no longer has a login: its TikTok user Sandbox Public "
            "(@sbpublic) moves to account brand-b.") in cp.stdout
    assert status_json(cfg, "brand-b")["user"]["open_id"] == PUBLIC_ID
    assert status_json(cfg, "default")["user"] is None
    assert not os.path.exists(os.path.join(account_dir(cfg, "default"), "tokens.json"))
    # and the user is now refused for default in turn
    cp = login_as(cfg, sandbox, "default", "sbpublic")
    assert cp.returncode == 1 and "is already bound to account brand-b" in cp.stderr


def test_logout_of_one_account_leaves_the_other(sandbox_config, sandbox):
    cfg = with_accounts(sandbox_config())
    assert login_as(cfg, sandbox, "default", "sbpublic").returncode == 0
    assert login_as(cfg, sandbox, "brand-b", "sbprivate").returncode == 0
    gone = tokens(cfg, "brand-b")["access_token"]
    cp = run("logout", "-c", cfg, "--account", "brand-b")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "Logged out.\n"
    bdir = account_dir(cfg, "brand-b")
    assert not any(os.path.exists(os.path.join(bdir, f))
                   for f in ("tokens.json", "binding.json", "creator_info.json"))
    r = sandbox.api("GET", "/v2/user/info/?fields=open_id", token=gone)
    assert r.status == 401  # revoked at TikTok
    r = sandbox.api("GET", "/v2/user/info/?fields=open_id",
                    token=tokens(cfg, "default")["access_token"])
    assert r.status == 200
    assert status_json(cfg, "default")["user"]["open_id"] == PUBLIC_ID
    assert status_json(cfg, "brand-b")["logged_in"] is False
    assert "TikTok user: none (not logged in: run `tiktokfs login -c" in run(
        "status", "-c", cfg, "--account", "brand-b").stdout
    # The freed user may be bound again, to either name.
    assert login_as(cfg, sandbox, "brand-b", "sbprivate").returncode == 0


def test_an_unconfigured_account_is_refused_and_nothing_happens(sandbox_config, sandbox):
    cfg = with_accounts(sandbox_config())
    for cmd in (["login", "--no-browser"], ["logout"], ["status"]):
        cp = subprocess.run([BIN, cmd[0], "-c", str(cfg), "--account", "brand-c", *cmd[1:]],
                            capture_output=True, text=True, timeout=60, input="")
        assert cp.returncode == 2, (cmd, cp.stderr)
        assert cp.stdout == ""
        assert (f"tiktokfs: no account brand-c in {cfg}: its accounts are default, brand-b. "
                f"Add an [account brand-c] section to the config to use that name; nothing "
                f"was changed.") in cp.stderr
    assert not os.path.exists(os.path.join(state_of(cfg), "accounts"))
    assert [r for r in sandbox.request_log() if not r["path"].startswith("/_sandbox")] == []


def test_a_bad_account_section_is_refused_with_its_line(sandbox_config):
    cfg = with_accounts(sandbox_config(), "[account brand-b]\nplatform = facebook\n")
    cp = run("status", "-c", cfg, "--account", "brand-b")
    assert cp.returncode == 1
    n = len(open(cfg).read().splitlines())
    assert (f"line {n}: [account brand-b]: platform = facebook: must be tiktok or "
            f"youtube") in cp.stderr


def test_an_old_single_account_state_dir_keeps_its_login(mounted, sandbox, clip):
    # An install from before accounts: logged in with a config without
    # sections, so state_dir holds tokens.json and creator_info.json and no
    # binding.  Then the config gains a second account.
    m = mounted(**FAST)
    do_login(m.config, sandbox, user="sbpublic")
    os.unlink(m.state / "binding.json")
    assert m.unmount() == 0
    with_accounts(m.config)
    m.mount()

    # status --account default tells the user from the old files
    js = status_json(m.config, "default")
    assert js["user"]["open_id"] == PUBLIC_ID and js["user"]["username"] == "sbpublic"
    # that user counts as bound: a second name for it is refused
    cp = login_as(m.config, sandbox, "brand-b", "sbpublic")
    assert cp.returncode == 1 and "is already bound to account default" in cp.stderr
    # and the mount posts with the old login, as before
    drop(m, clip, "---\nprivacy: public\n---\nold install")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert (task["user"], task["open_id"]) == ("sbpublic", PUBLIC_ID)
    wait_for(lambda: "publish_id" in m.xattrs("posted/clip.mp4"), 10, "the publish ID")

"""Issue 12's acceptance tests: several accounts in one mount, mounted for real
against a sandbox with four TikTok users.  Each test has its own mount (or
watch) and its own logins; what they prove is what the README's "Two brands,
one mount" promises:

- every item is posted by the TikTok user its account (its folder) is logged
  in as, and by no other: the sandbox's record of each post (open_id, the
  sha256 of the bytes it received, the caption) is the proof;
- each account's limits are its own: TikTok's 6 upload starts a minute count
  per user, so two accounts together go faster than one;
- one account losing its login (TikTok revoked it) stops that account only,
  says which account and which command brings it back, and a new login
  posts its waiting items;
- a login cannot bind the wrong TikTok user, whatever the browser is signed
  in as;
- kill -9 in the middle of two accounts' uploads still ends with one post per
  item, on the right user;
- watch mode and a Samba share per brand behave the same.

The sandbox here is this module's own (the session one has two users): the
fixtures of tests/conftest.py and tests/integration/conftest.py all take
their sandbox from `sandbox_server`, which this module overrides.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from login_util import login_session  # noqa: E402
from posting_util import FAST, drop, kill9, padded_video, sha256, wait_fault, wait_for  # noqa: E402
from sandbox.client import DEFAULT_CONFIG, Sandbox  # noqa: E402
from test_fs_samba import smbd  # noqa: E402,F401  (fixture)
from watch_util import watched  # noqa: E402,F401  (fixture)

# Four TikTok users: the two of default.json and two more.
USERS = {
    "sbpublic": "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
    "sbprivate": "afd97af1-b87b-48b9-ac98-410a9cda5344",
    "sbthree": "3a0c5e1e-6a43-4d3f-9f38-33a1a3b0c003",
    "sbfour": "4b1d6f2f-7b54-4e40-8a49-44b2b4c1d004",
}
EXTRA_USERS = [
    {"username": "sbthree", "nickname": "Sandbox Three", "open_id": USERS["sbthree"],
     "private": False, "max_video_post_duration_sec": 300},
    {"username": "sbfour", "nickname": "Sandbox Four", "open_id": USERS["sbfour"],
     "private": False, "max_video_post_duration_sec": 300},
]
BIG = 70_000_000  # 7 chunks of 10,000,000


@pytest.fixture(scope="module")
def sandbox_server():
    """The sandbox for this module: default.json's app with four users."""
    with open(DEFAULT_CONFIG) as f:
        cfg = json.load(f)
    cfg["users"] = cfg["users"] + EXTRA_USERS
    sb = Sandbox(config=cfg)
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


# -- helpers --------------------------------------------------------------------

def caption(title):
    return f"---\nprivacy: private\n---\n{title}"


def add_accounts(config, *names):
    with open(config, "a") as f:
        for name in names:
            f.write(f"[account {name}]\n")


def login_as(config, sandbox, account, user, *extra, session=None):
    """Log @account in the way a person does whose browser is still signed in
    to another TikTok user (@session, default: one that is not @user): TikTok's
    login page asks (disable_auto_auth=1) and the person picks @user."""
    session = session or next(u for u in USERS if u != user)
    sandbox.knobs(consent_user=session, login_user=user)
    return login_session(config, sandbox, args=("--account", account, *extra))


def logged_in(config, sandbox, logins):
    """@logins: {account: user}; every login must succeed."""
    for account, user in logins.items():
        cp = login_as(config, sandbox, account, user)
        assert cp.returncode == 0, (account, cp.stderr)


def folder(account, name):
    """The drop folder @name of @account, relative to the root."""
    return name if account == "default" else f"accounts/{account}/{name}"


def state_dir_of(config):
    for line in open(config):
        k, _, v = line.partition("=")
        if k.strip() == "state_dir":
            return v.strip()
    raise AssertionError("no state_dir in the config")


def tokens(config, account):
    root = state_dir_of(config)
    d = root if account == "default" else os.path.join(root, "accounts", account)
    with open(os.path.join(d, "tokens.json")) as f:
        return json.load(f)


def unique_video(clip, tmp_path, name, n=0):
    """A real MP4 with bytes of its own (random padding), so its sha256 at
    the sandbox tells which file arrived."""
    size = clip.stat().st_size + 4096 + n
    return padded_video(clip, tmp_path / "src" / name, size)


def accounts_mount(mounted, sandbox, logins, **cfg):
    """A mount whose config has the accounts of @logins ({account: user}; the
    default account is the root's), each logged in before the mount starts."""
    m = mounted(**dict(FAST, **cfg))
    assert m.unmount() == 0
    add_accounts(m.config, *[a for a in logins if a != "default"])
    logged_in(m.config, sandbox, logins)
    m.mount()
    return m


def posts_by_title(sandbox):
    out = {}
    for t in sandbox.received():
        out.setdefault(t["title"], []).append(t)
    return out


def assert_posted_once_by(sandbox, title, user, video=None):
    """Exactly one task completed @title, on @user; no other user has it."""
    tasks = posts_by_title(sandbox).get(title, [])
    done = [t for t in tasks if t["status"] == "PUBLISH_COMPLETE"]
    assert len(done) == 1, tasks
    (task,) = done
    assert (task["user"], task["open_id"]) == (user, USERS[user]), task
    if video is not None:
        assert task["sha256"] == sha256(video)
    for t in tasks:
        assert t["open_id"] == USERS[user], f"{title} reached {t['user']} too"
        if t is not task:
            assert t["sha256"] is None, "an abandoned task received every byte"
    return task


def revoke(sandbox, token):
    """What a user removing the app's access in the TikTok app does to its
    login: TikTok's revoke endpoint kills the grant (access and refresh)."""
    form = {"client_key": sandbox.client_key, "client_secret": sandbox.client_secret,
            "token": token}
    r = sandbox.api("POST", "/v2/oauth/revoke/", body=urllib.parse.urlencode(form),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r


# -- 1. every account's items reach its user, and only it ------------------------

def test_each_account_posts_to_its_own_user_and_status_shows_its_own(
        mounted, sandbox, clip, tmp_path):
    logins = {"default": "sbpublic", "brand-a": "sbprivate", "brand-b": "sbthree",
              "brand-c": "sbfour"}
    m = accounts_mount(mounted, sandbox, logins)
    items = {}
    for i, account in enumerate(logins):
        name = f"item-{account}.mp4"
        video = unique_video(clip, tmp_path, name, i)
        title = f"posted by {account}"
        drop(m, video, caption(title), name=name, folder=folder(account, "outbox"))
        items[account] = (name, video, title)

    for account, (name, video, title) in items.items():
        m.wait_state(f"{folder(account, 'posted')}/{name}", "posted", timeout=120)
    assert len(sandbox.received()) == 4
    for account, (name, video, title) in items.items():
        task = assert_posted_once_by(sandbox, title, logins[account], video)
        posted = m.mnt / folder(account, "posted")
        assert sorted(p.name for p in posted.iterdir() if p.suffix == ".mp4") == [name]
        x = m.xattrs(f"{folder(account, 'posted')}/{name}")
        assert x["state"] == "posted" and x["publish_id"] == task["publish_id"]
        assert x["status"] == "PUBLISH_COMPLETE"
        assert m.job(f"{folder(account, 'posted')}/{name}")["account"] == account

    # The root's STATUS.txt lists every account's items; an account's its own.
    root_status = (m.mnt / "STATUS.txt").read_text()
    for name, _, _ in items.values():
        assert name in root_status, root_status
    assert "Account: @sbpublic" in root_status, root_status
    for account in ("brand-a", "brand-b", "brand-c"):
        assert f"Account {account}: @{logins[account]}" in root_status, root_status
    for account, (name, _, _) in items.items():
        if account == "default":
            continue
        text = (m.mnt / "accounts" / account / "STATUS.txt").read_text()
        assert name in text, text
        others = [n for a, (n, _, _) in items.items() if a != account]
        assert not [n for n in others if n in text], text
        assert f"posted/{name}" in text and "accounts/" not in text, text
        assert f"Account {account}: @{logins[account]}" in text, text


# -- 2. the 6 upload starts a minute count per account ---------------------------

@pytest.mark.time_scale(8)  # a TikTok minute in 7.5 s
def test_a_burst_in_two_accounts_is_paced_per_account(mounted, sandbox, clip):
    logins = {"default": "sbpublic", "brand-b": "sbprivate"}
    m = accounts_mount(mounted, sandbox, logins)
    data = clip.read_bytes()
    rels = {}
    for i in range(10):
        for account in logins:
            name = f"{account}-{i:02d}"
            out = m.mnt / folder(account, "outbox")
            (out / f"{name}.mp4").write_bytes(data)
            (out / f"{name}.caption").write_text(caption(f"burst {name}"))
            rels[name] = (account, f"{folder(account, 'posted')}/{name}.mp4")

    for account, rel in rels.values():
        m.wait_state(rel, "posted", timeout=400)
    tasks = sandbox.received()
    assert sorted(t["title"] for t in tasks) == sorted(f"burst {n}" for n in rels)
    for t in tasks:
        account = rels[t["title"][len("burst "):]][0]
        assert t["open_id"] == USERS[logins[account]], t
    log = sandbox.request_log()
    assert [r for r in log if r["status"] == 429] == []
    # From the sandbox's record: never more than 6 starts in a minute per
    # account ...
    for user in logins.values():
        starts = sorted(t["created_at"] for t in tasks if t["user"] == user)
        assert len(starts) == 10
        for i in range(len(starts) - 6):
            assert starts[i + 6] - starts[i] >= 60.0, (user, starts)
    # ... but not per mount: some minute holds more than 6 of the two.
    both = sorted((t["created_at"], t["user"]) for t in tasks)
    assert any(both[i + 6][0] - both[i][0] < 60.0 for i in range(len(both) - 6)), both
    first_minute = [u for at, u in both if at < both[0][0] + 60.0]
    assert set(first_minute) == set(logins.values()), both


# -- 3. one account's revoked login stops that account only ----------------------

def test_a_revoked_account_waits_for_its_login_and_the_others_go_on(
        mounted, sandbox, clip, tmp_path):
    logins = {"default": "sbpublic", "brand-a": "sbprivate", "brand-b": "sbthree"}
    m = accounts_mount(mounted, sandbox, logins)
    first = drop(m, clip, caption("brand-a before"), name="a0.mp4",
                 folder=folder("brand-a", "outbox"))
    m.wait_state(first.replace("outbox", "posted"), "posted", timeout=60)

    revoke(sandbox, tokens(m.config, "brand-a")["access_token"])
    # The revoked account's items first in the queue, the others after.
    names = []
    for i in (1, 2):
        for account in logins:
            name = f"{account}-{i}.mp4"
            drop(m, unique_video(clip, tmp_path, name, i), caption(f"{account} {i}"),
                 name=name, folder=folder(account, "outbox"))
            names.append((account, name, i))

    for account, name, i in names:
        if account != "brand-a":
            m.wait_state(f"{folder(account, 'posted')}/{name}", "posted", timeout=120)
            assert_posted_once_by(sandbox, f"{account} {i}", logins[account])
    for account, name, _ in names:
        if account != "brand-a":
            continue
        rel = f"{folder(account, 'outbox')}/{name}"
        wait_for(lambda: "error" in m.xattrs(rel), 30, f"{rel}'s error")
        x = m.xattrs(rel)
        assert x["state"] in ("ready", "waiting"), x
        assert "not logged in" in x["error"] or "login" in x["error"], x
        assert "brand-a" in x["error"], x["error"]
        assert "tiktokfs login --account brand-a" in x["error"], x["error"]
    assert [t for t in sandbox.received() if t["title"].startswith("brand-a ")
            and t["title"] != "brand-a before"] == []
    # brand-a's STATUS.txt says it too; the others' do not.
    text = (m.mnt / "accounts" / "brand-a" / "STATUS.txt").read_text()
    assert "tiktokfs login --account brand-a" in text, text
    assert "not logged in" not in (m.mnt / "accounts" / "brand-b" / "STATUS.txt").read_text()

    # A new login for brand-a: its items go now, to its user.
    cp = login_as(m.config, sandbox, "brand-a", "sbprivate")
    assert cp.returncode == 0, cp.stderr
    for i in (1, 2):
        m.wait_state(f"{folder('brand-a', 'posted')}/brand-a-{i}.mp4", "posted", timeout=90)
        assert_posted_once_by(sandbox, f"brand-a {i}", "sbprivate")


# -- 4. the browser's signed-in user cannot be bound by mistake ------------------

def test_a_login_binds_the_user_who_consented_not_the_browsers(
        mounted, sandbox, clip):
    m = mounted(**FAST)
    assert m.unmount() == 0
    add_accounts(m.config, "brand-a", "brand-b")
    # The browser is signed in to sbpublic throughout.
    cp = login_as(m.config, sandbox, "default", "sbpublic", session="sbpublic")
    assert cp.returncode == 0, cp.stderr
    # brand-a: the page asks, the person signs in as sbthree there.
    cp = login_as(m.config, sandbox, "brand-a", "sbthree", session="sbpublic")
    assert cp.returncode == 0, cp.stderr
    auth = sandbox.authorizations()[-1]
    assert auth["asked"] is True and auth["session_user"] == "sbpublic"
    assert auth["user"] == "sbthree"
    assert tokens(m.config, "brand-a")["open_id"] == USERS["sbthree"]
    assert f"open_id {USERS['sbthree']}" in cp.stdout

    # brand-b: the person just confirms the browser's user, who is
    # default's: refused, nothing saved.
    cp = login_as(m.config, sandbox, "brand-b", "sbpublic", session="sbpublic")
    assert cp.returncode == 1
    assert "already bound to account default" in cp.stderr
    assert "--account brand-b --rebind" in cp.stderr
    # and the user brand-a holds, picked on the page: refused the same way.
    cp = login_as(m.config, sandbox, "brand-b", "sbthree", session="sbpublic")
    assert cp.returncode == 1
    assert "already bound to account brand-a" in cp.stderr
    bdir = os.path.join(state_dir_of(m.config), "accounts", "brand-b")
    assert not os.path.exists(os.path.join(bdir, "tokens.json"))
    assert tokens(m.config, "brand-a")["open_id"] == USERS["sbthree"]

    # The items follow the bindings: brand-a's to sbthree, never sbpublic.
    m.mount()
    drop(m, clip, caption("brand-a's item"), folder=folder("brand-a", "outbox"))
    m.wait_state(f"{folder('brand-a', 'posted')}/clip.mp4", "posted", timeout=60)
    assert_posted_once_by(sandbox, "brand-a's item", "sbthree")


# -- 5. kill -9 in the middle of two accounts' uploads ---------------------------

@pytest.fixture
def held_requests_end(sandbox):
    """A request a fault holds outlives a killed daemon: let it end before
    the next test resets the sandbox (tests/integration/test_exactly_once.py)."""
    yield
    delays = [f["delay"] for f in sandbox.faults() if f["delay"] and f["fired"]]
    if delays:
        time.sleep(max(delays))


def chunk_puts(sandbox):
    return [r for r in sandbox.request_log()
            if r["method"] == "PUT" and r["status"] in (201, 206)]


@pytest.mark.time_scale(10)  # TikTok's processing and the status polls, x10
def test_kill_9_during_two_accounts_uploads_posts_each_item_once(
        mounted, sandbox, clip, tmp_path, held_requests_end):
    logins = {"default": "sbpublic", "brand-b": "sbprivate"}
    m = accounts_mount(mounted, sandbox, logins, chunk_size="10000000")
    items = {}
    for account in logins:
        name = f"big-{account}.mp4"
        video = padded_video(clip, tmp_path / "src" / name, BIG)
        drop(m, video, caption(f"big of {account}"), name=name,
             folder=folder(account, "outbox"))
        items[account] = (name, video)

    # Three kills at random points of the 14 chunks: each while a chunk is
    # held at the sandbox, so the daemon dies with an upload in flight.
    rng = random.Random(os.environ.get("TIKTOKFS_TEST_SEED", "12"))
    points = sorted(rng.sample(range(1, 14), 3))
    for point in points:
        done = len(chunk_puts(sandbox))
        if done >= point:
            continue
        fid = sandbox.inject("upload", nth=point - done, delay=2)
        wait_fault(sandbox, fid, seen=point - done, timeout=120)
        kill9(m)
        m.mount()

    for account, (name, video) in items.items():
        m.wait_state(f"{folder(account, 'posted')}/{name}", "posted", timeout=240)
    for account, (name, video) in items.items():
        task = assert_posted_once_by(sandbox, f"big of {account}", logins[account], video)
        assert task["chunks_received"] == 7
        assert not (m.mnt / folder(account, "outbox") / name).exists()
        x = m.xattrs(f"{folder(account, 'posted')}/{name}")
        assert x["publish_id"] == task["publish_id"]
    # nothing else reached anyone
    titles = {t["title"] for t in sandbox.received()}
    assert titles == {f"big of {a}" for a in logins}


# -- 6. watch mode ---------------------------------------------------------------

def test_watch_mode_posts_each_accounts_item_to_its_user(watched, sandbox, clip, tmp_path):
    logins = {"default": "sbpublic", "brand-a": "sbprivate", "brand-b": "sbthree"}
    w = watched(start=False)
    add_accounts(w.config, "brand-a", "brand-b")
    logged_in(w.config, sandbox, logins)
    w.start()
    items = {}
    for i, account in enumerate(logins):
        name = f"w-{account}.mp4"
        video = unique_video(clip, tmp_path, name, i)
        dst = w.root / folder(account, "outbox") / name
        shutil.copyfile(video, dst)
        dst.with_suffix(".caption").write_text(caption(f"watched {account}"))
        items[account] = (name, video)
    for account, (name, video) in items.items():
        w.wait_file(f"{folder(account, 'posted')}/{name}", timeout=90)
        assert_posted_once_by(sandbox, f"watched {account}", logins[account], video)
    assert len(sandbox.received()) == 3
    assert w.stop() == 0


# -- 7. two brands over Samba ----------------------------------------------------

def smb_put(port, share, src, *names):
    puts = "; ".join(f"put {n}" for n in names)
    r = subprocess.run(["smbclient", f"//127.0.0.1/{share}", "-p", str(port), "-N",
                        "-c", f"lcd {src}; cd outbox; {puts}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_two_brands_each_on_its_own_samba_share(mounted, sandbox, smbd, clip, tmp_path):
    logins = {"default": "sbpublic", "brand-a": "sbprivate", "brand-b": "sbthree"}
    m = accounts_mount(mounted, sandbox, logins, settle_time="1")
    port = smbd(None, **{"brand-a": m.mnt / "accounts" / "brand-a",
                         "brand-b": m.mnt / "accounts" / "brand-b"})
    videos = {}
    for i, brand in enumerate(("brand-a", "brand-b")):
        src = tmp_path / f"share-{brand}"
        video = unique_video(clip, tmp_path, f"{brand}.mp4", i)
        src.mkdir()
        shutil.copyfile(video, src / "promo.mp4")
        (src / "promo.caption").write_text(caption(f"promo of {brand}"))
        smb_put(port, brand, src, "promo.mp4", "promo.caption")
        videos[brand] = video
    for brand, video in videos.items():
        m.wait_state(f"accounts/{brand}/posted/promo.mp4", "posted", timeout=90)
        assert_posted_once_by(sandbox, f"promo of {brand}", logins[brand], video)
    assert len(sandbox.received()) == 2
    assert list((m.mnt / "posted").iterdir()) == []
    # Each share shows its brand's results: the posted video with its xattrs
    # is there for the team to see.
    r = subprocess.run(["smbclient", "//127.0.0.1/brand-a", "-p", str(port), "-N",
                        "-c", "cd posted; ls"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "promo.mp4" in r.stdout, r.stdout + r.stderr
    # and its own STATUS.txt, whole, naming its item as the share shows it
    got = tmp_path / "got"
    got.mkdir()
    r = subprocess.run(["smbclient", "//127.0.0.1/brand-a", "-p", str(port), "-N",
                        "-c", f"lcd {got}; get STATUS.txt"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (got / "STATUS.txt").read_text()
    assert "posted/promo.mp4" in text and "accounts/" not in text, text
    assert "Account brand-a: @sbprivate" in text, text

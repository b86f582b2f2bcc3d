"""SIGHUP adds and removes accounts without unmounting (issue 12), mounted
for real and in watch mode against the sandbox: an added account's folders
appear, made by the daemon's mode rule, and its items post as its TikTok
user; a planted link where its folder goes refuses the reload; removing an
account whose items are in flight refuses the whole reload, naming them,
in the log and in STATUS.txt, until a later reload succeeds; removed with
nothing in flight, its folder holds items of no configured account."""
import datetime
import os
import signal
import stat

from login_util import login_session
from posting_util import FAST, drop, wait_for
from watch_util import watched  # noqa: F401  (fixture)

PUBLIC_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"   # sbpublic, tests/sandbox/default.json
PRIVATE_ID = "afd97af1-b87b-48b9-ac98-410a9cda5344"  # sbprivate
FOLDERS = {"outbox", "scheduled", "posted", "failed", "queue"}


def login_as(config, sandbox, account, user):
    other = "sbprivate" if user == "sbpublic" else "sbpublic"
    sandbox.knobs(consent_user=other, login_user=user)
    cp = login_session(config, sandbox, args=("--account", account))
    assert cp.returncode == 0, cp.stderr


def hup_and_wait(d, needle, count=1):
    os.kill(d.proc.pid, signal.SIGHUP)
    wait_for(lambda: d.log_text().count(needle) >= count, 30, f"{needle!r} in the log")
    assert d.proc.poll() is None, "the daemon exited on SIGHUP"


def add_account(config, name):
    with open(config, "a") as f:
        f.write(f"[account {name}]\n")


def remove_account(config, name):
    """Drop the [account NAME] section, as an editor would (atomically)."""
    out, skip = [], False
    for ln in open(config).read().splitlines():
        if ln.strip().startswith("[account"):
            skip = ln.strip() == f"[account {name}]"
        if not skip:
            out.append(ln)
    tmp = f"{config}.new"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, config)


def by_title(sandbox):
    return {t["title"]: t for t in sandbox.received()}


def far_schedule():
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sighup_adds_an_account_with_its_folders_and_posts_as_it(mounted, sandbox, clip):
    m = mounted(**FAST)
    login_as(m.config, sandbox, "default", "sbpublic")
    assert "accounts" not in os.listdir(m.mnt)
    add_account(m.config, "b")
    login_as(m.config, sandbox, "b", "sbprivate")
    hup_and_wait(m, "config reloaded")

    assert "accounts" in os.listdir(m.mnt)
    assert FOLDERS <= set(os.listdir(m.mnt / "accounts" / "b"))
    # made by the daemon's rule from the root: 0755 for the account's folder
    assert stat.S_IMODE(os.lstat(m.staging / "accounts" / "b").st_mode) == 0o755
    assert os.lstat(m.staging / "accounts" / "b" / "outbox").st_uid == 0
    assert "Accounts: default (TikTok), b (TikTok)" in (m.mnt / "STATUS.txt").read_text()

    drop(m, clip, "---\nprivacy: private\n---\nb after the reload", name="b.mp4",
         folder="accounts/b/outbox")
    m.wait_state("accounts/b/posted/b.mp4", "posted", timeout=60)
    assert by_title(sandbox)["b after the reload"]["open_id"] == PRIVATE_ID
    assert m.job("accounts/b/posted/b.mp4")["account"] == "b"

    # the account's own STATUS.txt: its items only; the root's: everyone's
    drop(m, clip, "---\nprivacy: private\n---\nroot after the reload", name="r.mp4")
    m.wait_state("posted/r.mp4", "posted", timeout=60)
    assert "STATUS.txt" in os.listdir(m.mnt / "accounts" / "b")
    mine = (m.mnt / "accounts" / "b" / "STATUS.txt").read_text()
    # b's own view names its items by their path in b's folder (its share)
    assert "posted/b.mp4" in mine and "r.mp4" not in mine
    root = (m.mnt / "STATUS.txt").read_text()
    assert "accounts/b/posted/b.mp4" in root and "posted/r.mp4" in root


def test_a_link_planted_where_the_account_goes_refuses_the_reload(
        mounted, sandbox, tmp_path):
    m = mounted(**FAST)
    login_as(m.config, sandbox, "default", "sbpublic")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (m.staging / "accounts").mkdir(mode=0o755)
    os.symlink(elsewhere, m.staging / "accounts" / "c")  # a share user's link
    add_account(m.config, "c")
    hup_and_wait(m, "config reload refused")
    (line,) = [ln for ln in m.log_text().splitlines() if "config reload refused" in ln]
    assert "accounts/c: it is a symbolic link, not a folder" in line
    assert "remove it" in line
    assert os.listdir(elsewhere) == []  # nothing was made through the link
    status = (m.mnt / "STATUS.txt").read_text()
    assert "Config reload refused:" in status and "symbolic link" in status
    assert "Accounts:" not in status  # the old set stands

    os.unlink(m.staging / "accounts" / "c")
    hup_and_wait(m, "config reloaded")
    assert FOLDERS <= set(os.listdir(m.mnt / "accounts" / "c"))
    status = (m.mnt / "STATUS.txt").read_text()
    assert "Config reload refused" not in status
    assert "Accounts: default (TikTok), c (TikTok)" in status


def test_removing_an_account_with_items_in_flight_is_refused_until_they_are_gone(
        mounted, sandbox, clip):
    m = mounted(**FAST)
    assert m.unmount() == 0
    add_account(m.config, "b")
    login_as(m.config, sandbox, "default", "sbpublic")
    login_as(m.config, sandbox, "b", "sbprivate")
    m.mount()
    rel = drop(m, clip, f"---\nprivacy: private\nschedule: {far_schedule()}\n---\nlater",
               folder="accounts/b/scheduled")
    m.wait_state(rel, "scheduled")

    remove_account(m.config, "b")
    hup_and_wait(m, "config reload refused")
    (line,) = [ln for ln in m.log_text().splitlines() if "config reload refused" in ln]
    assert "account b is no longer in " + str(m.config) in line
    assert "accounts/b/scheduled/clip.mp4 (scheduled)" in line
    assert "send SIGHUP again" in line
    status = (m.mnt / "STATUS.txt").read_text()
    assert "Config reload refused: account b" in status
    assert "accounts/b/scheduled/clip.mp4" in status
    assert "Accounts: default (TikTok), b (TikTok)" in status  # b is still served
    assert m.state_of(rel) == "scheduled"

    # the item is withdrawn: nothing holds the account any more
    os.unlink(m.mnt / "accounts" / "b" / "scheduled" / "clip.mp4")
    wait_for(lambda: m.job(rel)["state"] == "cancelled", 30, "the item cancelled")
    hup_and_wait(m, "config reloaded")
    status = (m.mnt / "STATUS.txt").read_text()
    assert "Config reload refused" not in status
    assert "Accounts:" not in status
    # its folder now holds items of no configured account
    drop(m, clip, "---\nprivacy: private\n---\nnobody", name="late.mp4",
         folder="accounts/b/outbox")
    err = m.mnt / "accounts" / "b" / "outbox" / "late.mp4.error"
    wait_for(err.exists, 30, "late.mp4.error")
    assert "account b is not configured in " + str(m.config) in err.read_text()
    assert "nobody" not in by_title(sandbox)


def put(root, media, rel, text):
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(media["portrait.mp4"], "rb") as src, open(dst, "wb") as out:
        out.write(src.read())
    dst.with_suffix(".caption").write_text(text)


def test_watch_mode_adds_and_refuses_to_remove_accounts_on_sighup(watched, sandbox, media):
    w = watched(start=False, **FAST)
    login_as(w.config, sandbox, "default", "sbpublic")
    w.start()
    # an item in the folder of an account not configured yet: refused ...
    put(w.root, media, "accounts/b/outbox/early.mp4", "---\nprivacy: private\n---\nearly b")
    w.wait_file("accounts/b/outbox/early.mp4.error", timeout=30)
    add_account(w.config, "b")
    login_as(w.config, sandbox, "b", "sbprivate")
    hup_and_wait(w, "config reloaded")
    assert FOLDERS <= set(os.listdir(w.root / "accounts" / "b"))
    # ... and checked again once the reload configured it: posted as b
    w.wait_file("accounts/b/posted/early.mp4", timeout=60)
    assert by_title(sandbox)["early b"]["open_id"] == PRIVATE_ID
    put(w.root, media, "accounts/b/outbox/wb.mp4", "---\nprivacy: private\n---\nwatched b")
    w.wait_file("accounts/b/posted/wb.mp4", timeout=60)
    assert by_title(sandbox)["watched b"]["open_id"] == PRIVATE_ID

    put(w.root, media, "accounts/b/scheduled/s.mp4",
        f"---\nprivacy: private\nschedule: {far_schedule()}\n---\nlater")
    w.wait_item_state("accounts/b/scheduled/s.mp4", "scheduled")
    remove_account(w.config, "b")
    hup_and_wait(w, "config reload refused")
    assert "accounts/b/scheduled/s.mp4 (scheduled)" in w.log_text()
    cp = w.status()
    assert "Config reload refused: account b" in cp.stdout
    assert w.stop() == 0


def test_removing_an_account_an_also_post_to_names_is_refused_like_a_bad_config(mounted):
    m = mounted(**FAST)
    text = open(m.config).read()
    with open(m.config, "w") as f:
        f.write("also_post_to = yt\n" + text + "[account yt]\nplatform = youtube\n")
    hup_and_wait(m, "config reloaded")
    assert FOLDERS <= set(os.listdir(m.mnt / "accounts" / "yt"))
    remove_account(m.config, "yt")
    hup_and_wait(m, "config reload failed")
    (line,) = [ln for ln in m.log_text().splitlines() if "config reload failed" in ln]
    assert "keeping the old config" in line
    assert f"{m.config}: line 1: account default: also_post_to names 'yt', which is not an " \
           "account in this file; accounts: default" in line
    status = (m.mnt / "STATUS.txt").read_text()
    assert "Accounts: default (TikTok), yt (YouTube)" in status  # the old set stands

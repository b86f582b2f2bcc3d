"""Moves to posted/ and failed/ in a shared drop folder are safe and never block.

The daemon runs as root and everyone who can write into the folder is
untrusted.  A symbolic link planted as posted/sub or failed/sub (watch mode)
never carries an item out of the folder: the item stays, says why, and moves
by itself once the link is gone.  A folder another user pre-created in
posted/ never receives someone else's video (a second local user copies the
item through a shared root mount).  A name of 250 to 255 bytes reaches
posted/ and failed/ under a name that fits, while other items keep posting.

Each test asserts on the files, their user.tiktok.* attributes and the job
store (`tiktokfs status --json` or jobs.db).
"""
import os
import pathlib
import pwd
import subprocess
import tempfile

import pytest

from login_util import do_login
from posting_util import FAST, logged_in_mount, sha256, tasks_for, wait_for
from watch_util import caption, watched  # noqa: F401  (fixture)

PRIVATE = "---\nprivacy: private\n---\n"


def put_item(w, media, rel, text=None):
    """cp a video into the watched folder and write its caption beside it."""
    dst = w.root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", str(media["portrait.mp4"]), str(dst)], check=True)
    dst.with_suffix(".caption").write_text(text or caption())
    return dst


def logged_in_watch(watched, sandbox):
    w = watched(start=False)
    do_login(w.config, sandbox)
    return w.start()


def wait_error(w, rel, needle, timeout=60):
    return wait_for(lambda: needle in (w.results(rel).get("error") or ""), timeout,
                    f"{needle!r} in user.tiktok.error of {rel}")


# -- links in watch mode -------------------------------------------------------

@pytest.mark.time_scale(10)  # the daemon's 30 s between move retries in 3 s
def test_symlinked_posted_folder_never_takes_the_item_out(watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    away = tmp_path / "away"
    away.mkdir()
    os.symlink(away, w.root / "posted" / "sub")
    rel = "outbox/sub/clip.mp4"
    put_item(w, media, rel)
    wait_error(w, rel, "posted/sub is a symbolic link")
    # published, and it says so; but nothing left the folder
    x = w.results(rel)
    assert x["state"] == "posted" and x["publish_id"]
    assert list(away.iterdir()) == []
    assert (w.root / rel).is_file() and (w.root / "outbox/sub/clip.caption").is_file()
    assert "posted/sub is a symbolic link" in w.item(rel)["error"]
    assert "posted/sub is a symbolic link" in w.status().stdout  # STATUS.txt's text
    assert "posted/sub is a symbolic link" in w.log_text()
    # once the link is gone the item moves by itself, into a real folder
    os.unlink(w.root / "posted" / "sub")
    w.wait_file("posted/sub/clip.mp4", timeout=60)
    w.wait_file("posted/sub/clip.caption", timeout=10)
    assert not (w.root / "posted" / "sub").is_symlink()
    assert list(away.iterdir()) == []
    assert (w.root / "posted/sub/clip.mp4").read_bytes() == media["portrait.mp4"].read_bytes()
    assert w.stop() == 0


@pytest.mark.time_scale(10)  # the daemon's 30 s between move retries in 3 s
def test_stuck_item_renamed_by_its_user_is_published_once(watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    away = tmp_path / "away"
    away.mkdir()
    os.symlink(away, w.root / "posted" / "sub")
    rel = "outbox/sub/clip.mp4"
    put_item(w, media, rel, caption("Only once"))
    wait_error(w, rel, "posted/sub is a symbolic link")
    # the user tidies up: renames the stuck item, then removes the link
    os.rename(w.root / rel, w.root / "outbox/sub/renamed.mp4")
    os.rename(w.root / "outbox/sub/clip.caption", w.root / "outbox/sub/renamed.caption")
    wait_for(lambda: (w.item("outbox/sub/renamed.mp4") or {}).get("state") == "posted", 30,
             "the store to follow the rename")
    os.unlink(w.root / "posted" / "sub")
    w.wait_file("posted/sub/renamed.mp4", timeout=60)
    wait_for(lambda: w.status_json()["queue"] == [], 60, "an empty queue")
    assert len(tasks_for(sandbox, "Only once")) == 1
    assert list(away.iterdir()) == []
    assert w.stop() == 0


def test_symlinked_failed_folder_never_takes_the_item_out(watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    away = tmp_path / "away"
    away.mkdir()
    os.symlink(away, w.root / "failed" / "sub")
    sandbox.fail_next("spam_risk")  # permanent: the item is for failed/
    rel = "outbox/sub/clip.mp4"
    put_item(w, media, rel)
    wait_error(w, rel, "failed/sub is a symbolic link")
    assert w.results(rel)["state"] == "failed"
    assert list(away.iterdir()) == []
    assert (w.root / rel).is_file() and (w.root / "outbox/sub/clip.caption").is_file()
    # the item's NAME.error says both what blocks the move and why it failed
    text = (w.root / "outbox/sub/clip.mp4.error").read_text()
    assert "failed/sub is a symbolic link" in text and "spam_risk" in text
    assert not list((w.root / "failed").rglob("*.error"))
    assert w.stop() == 0


# -- another user's folder on a shared root mount ---------------------------------

@pytest.fixture
def local_users():
    """Two throwaway local users: the item's owner and a third user."""
    made = []
    tag = f"{os.getpid() % 100000}"
    for role in ("own", "oth"):
        name = f"ttm{role}{tag}"
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                       check=True, capture_output=True)
        made.append(name)
    try:
        yield [pwd.getpwnam(n) for n in made]
    finally:
        for n in made:
            subprocess.run(["userdel", n], capture_output=True)


def as_user(user, *argv, stdin=None):
    return subprocess.run(["runuser", "-u", user.pw_name, "--", *argv], stdin=stdin,
                          capture_output=True, text=True, check=True, timeout=60)


def open_path_for_others(path):
    """pytest's temporary folders are 0700: let other users reach the mount."""
    top = pathlib.Path(tempfile.gettempdir())
    for p in [path, *path.parents]:
        if p == top or p == p.parent:
            break
        os.chmod(p, os.stat(p).st_mode | 0o011)


def copy_as(user, src, dst):
    with open(src, "rb") as f:
        as_user(user, "sh", "-c", 'cat > "$1"', "sh", str(dst), stdin=f)


def test_folder_precreated_by_another_user_is_not_used(mounted, sandbox, clip, tmp_path,
                                                       local_users):
    owner, other = local_users
    m = logged_in_mount(mounted, sandbox)
    open_path_for_others(m.mnt)
    cap = tmp_path / "cap.caption"
    cap.write_text(PRIVATE + "Mine, not theirs")
    os.chmod(cap, 0o644)
    # the third user lays a trap; the owner has a folder of their own too
    as_user(other, "mkdir", str(m.mnt / "posted" / "sub"))
    as_user(owner, "mkdir", str(m.mnt / "posted" / "mine"))
    for sub in ("sub", "mine"):
        as_user(owner, "mkdir", str(m.mnt / "outbox" / sub))
        copy_as(owner, clip, m.mnt / "outbox" / sub / "clip.mp4")
        copy_as(owner, cap, m.mnt / "outbox" / sub / "clip.caption")
    m.wait_state("posted/sub (2)/clip.mp4", "posted", timeout=90)
    m.wait_state("posted/mine/clip.mp4", "posted", timeout=90)
    # the trap stays empty; the folder made instead belongs to the owner
    assert os.listdir(m.mnt / "posted" / "sub") == []
    for rel in ("posted/sub (2)", "posted/sub (2)/clip.mp4", "posted/sub (2)/clip.caption",
                "posted/mine/clip.mp4"):
        assert os.stat(m.mnt / rel).st_uid == owner.pw_uid, rel
    assert os.stat(m.staging / "posted" / "sub").st_uid == other.pw_uid
    x = m.xattrs("posted/sub (2)/clip.mp4")
    assert "posted/sub belongs to another user" in x["warning"]
    assert "posted/sub (2)" in x["warning"]
    assert "error" not in x
    assert "posted/sub belongs to another user" in (m.mnt / "STATUS.txt").read_text()
    assert "posted/sub belongs to another user" in m.log_text()
    # the owner can do what owners do with their results; the third user cannot
    as_user(owner, "mv", str(m.mnt / "posted/sub (2)/clip.caption"),
            str(m.mnt / "posted/sub (2)/renamed.caption"))
    with pytest.raises(subprocess.CalledProcessError):
        as_user(other, "rm", "-f", str(m.mnt / "posted/sub (2)/clip.mp4"))
    assert (m.mnt / "posted/sub (2)/clip.mp4").exists()
    assert "error" not in m.xattrs("posted/mine/clip.mp4")


# -- long names ------------------------------------------------------------------

def stem_of(nbytes, letter):
    """A UTF-8 stem of exactly @nbytes bytes, mostly two-byte characters, so that
    a cut in the wrong place would split one."""
    s = letter + "é" * ((nbytes - 1) // 2)
    s += "x" * (nbytes - len(s.encode()))
    assert len(s.encode()) == nbytes
    return s


def drop_named(m, clip, stem, title, folder="outbox"):
    (m.mnt / folder / f"{stem}.mp4").write_bytes(clip.read_bytes())
    (m.mnt / folder / f"{stem}.caption").write_text(PRIVATE + title, encoding="utf-8")
    return f"{folder}/{stem}.mp4"


def names_in(m, folder):
    # os.listdir decodes names; encode again to count bytes
    return sorted(os.listdir(m.mnt / folder))


def fits(name):
    return len(name.encode()) <= 255


@pytest.mark.time_scale(10)  # six items' processing and status polls, x10
def test_long_names_post_and_never_hold_up_the_queue(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    a = stem_of(246, "a")  # a.mp4 is 250 bytes, its caption 254
    b = stem_of(247, "b")  # b.mp4 is 251 bytes, its caption the full 255
    drop_named(m, clip, a, "Long A")
    drop_named(m, clip, b, "Long B")
    drop_named(m, clip, "short", "Short one")
    # every item posts, each under its own name (they fit as they are)
    for stem in (a, b, "short"):
        m.wait_state(f"posted/{stem}.mp4", "posted", timeout=120)
        assert (m.mnt / "posted" / f"{stem}.caption").exists()
    assert not [n for n in os.listdir(m.mnt / "outbox")]
    assert len(tasks_for(sandbox, "Long A")) == 1
    # the same long names again need " (2)": the stem gives way, whole characters
    drop_named(m, clip, a, "Long A again")
    drop_named(m, clip, b, "Long B again")
    drop_named(m, clip, "short2", "Short two")

    def twos():
        return [n for n in names_in(m, "posted") if " (2)." in n]
    wait_for(lambda: len(twos()) == 4, 120, "both long items as ' (2)' in posted/")
    m.wait_state("posted/short2.mp4", "posted", timeout=60)
    for n in twos():
        assert fits(n), (len(n.encode()), n)
        assert n.startswith(("aé", "bé"))
    videos = sorted(n for n in twos() if n.endswith(" (2).mp4"))
    assert len(videos) == 2
    for v in videos:
        assert (m.mnt / "posted" / (v[:-4] + ".caption")).exists()
        assert m.xattrs(f"posted/{v}")["state"] == "posted"
        assert m.xattrs(f"posted/{v}")["status"] == "PUBLISH_COMPLETE"
    got = tasks_for(sandbox, "Long B again")
    assert len(got) == 1 and got[0]["sha256"] == sha256(clip)


@pytest.mark.time_scale(10)  # the status polls and pauses, x10
def test_long_names_fail_with_an_error_file_that_fits(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    a = stem_of(246, "a")  # NAME.error would be 256 bytes
    sandbox.fail_next("spam_risk")
    drop_named(m, clip, a, "Long and doomed")

    def errors():
        return [n for n in names_in(m, "failed") if n.endswith(".mp4.error")]
    wait_for(lambda: errors(), 120, "an error file in failed/")
    (err,) = errors()
    video = err[:-len(".error")]
    assert fits(err) and err.startswith("aé")
    assert (m.mnt / "failed" / video).exists()
    assert (m.mnt / "failed" / (video[:-4] + ".caption")).exists()
    text = (m.mnt / "failed" / err).read_text()
    assert "spam_risk" in text
    assert m.xattrs(f"failed/{video}")["error"] == text.splitlines()[0]
    # and the queue goes on: a short item after it posts
    drop_named(m, clip, "after", "After the long one")
    m.wait_state("posted/after.mp4", "posted", timeout=120)
    assert os.listdir(m.mnt / "outbox") == []

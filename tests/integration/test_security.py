"""Item files the daemon must not read: links and special files dropped into
the folders by people who can write there (the daemon runs as root).

For watch mode and the mount: a caption or video that is a symlink, a hard
link, a FIFO, a socket, a device node or a folder named like a caption is
refused on its item (NAME.error beside the video, the job's error), nothing
of it reaches the sandbox, the daemon stays responsive (a normal item dropped
afterwards is posted), and a restart reaches the same verdict from the files.
Through the mount the links and special files cannot even be made (EPERM).

The attacks on a shared drop folder are split by what they attack, each
file with its own fixtures: this one (what the daemon reads),
test_security_moves.py (where results go: symlinked posted/ and failed/
folders, folders planted by another local user, names too long to move) and
test_security_login.py (the login's loopback listener: forged callbacks,
idle and flooding connections, terminal escapes in TikTok's text).
"""
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import time

import pytest

from login_util import do_login
from posting_util import kill9, logged_in_mount, wait_for
from watch_util import caption, watched  # noqa: F401  (fixture)

SECRET = "root-only-secret-7f3a9c"
CAPTION_TEXT = "---\nprivacy: private\n---\nA normal clip #security\n"


def secret_file(tmp_path):
    p = tmp_path / "outside" / "secret.txt"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(f"---\nprivacy: private\n---\n{SECRET}\n")
    p.chmod(0o600)
    return p


def nothing_secret_posted(sandbox):
    titles = [t.get("title") or "" for t in sandbox.received()]
    assert not [t for t in titles if SECRET in t], titles


def wait_error_file(root, video, words, timeout=30):
    err = pathlib.Path(root) / f"{video}.error"

    def has():
        try:
            return words in err.read_text()
        except OSError:
            return False
    wait_for(has, timeout, f"{err} to say {words!r}")
    return err.read_text()


def logged_in_watch(watched, sandbox):
    w = watched(start=False, settle_time=0.5)
    do_login(w.config, sandbox)
    return w.start()


def restart_watch(w):
    w.proc.send_signal(signal.SIGKILL)
    w.proc.wait()
    return w.start()


def put_video(media, dst):
    dst = pathlib.Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", str(media["portrait.mp4"]), str(dst)], check=True)
    return dst


def normal_item_posts(root, media, name, timeout=90):
    """A normal item dropped now is posted: the daemon still works."""
    root = pathlib.Path(root)
    put_video(media, root / "outbox" / f"{name}.mp4")
    (root / "outbox" / f"{name}.caption").write_text(CAPTION_TEXT)
    wait_for(lambda: (root / "posted" / f"{name}.mp4").exists(), timeout,
             f"posted/{name}.mp4")


def special(path, kind):
    """Make a FIFO, a socket or a device node (/dev/null's numbers) at @path."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        os.mknod(path, stat.S_IFSOCK | 0o644)
    else:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))


# -- watch mode ---------------------------------------------------------------

def test_watch_symlinked_caption_is_refused_on_the_item_even_after_restart(
        watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    secret = secret_file(tmp_path)
    os.symlink(secret, w.root / "outbox" / "clip.caption")
    put_video(media, w.root / "outbox" / "clip.mp4")
    text = wait_error_file(w.root, "outbox/clip.mp4",
                           "clip.caption is refused: it is a symbolic link")
    assert SECRET not in text
    wait_for(lambda: "is refused" in (w.results("outbox/clip.mp4").get("error") or ""),
             10, "user.tiktok.error on clip.mp4")
    normal_item_posts(w.root, media, "ok")
    # A restart finds the same from the files alone (no remembered verdict).
    w.proc.send_signal(signal.SIGKILL)
    w.proc.wait()
    (w.root / "outbox" / "clip.mp4.error").unlink()
    w.start()
    wait_error_file(w.root, "outbox/clip.mp4", "clip.caption is refused: it is a symbolic link")
    assert (w.root / "outbox" / "clip.mp4").exists()
    nothing_secret_posted(sandbox)
    # Fixed in place: a plain caption, and the item goes.
    (w.root / "outbox" / "clip.caption").unlink()
    (w.root / "outbox" / "clip.caption").write_text(CAPTION_TEXT)
    w.wait_file("posted/clip.mp4", timeout=90)
    assert not (w.root / "outbox" / "clip.mp4.error").exists()


def test_watch_symlinked_and_hard_linked_videos_and_captions_are_refused(
        watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    secret = secret_file(tmp_path)
    outside = put_video(media, tmp_path / "outside" / "video.mp4")
    out = w.root / "outbox"
    os.symlink(outside, out / "symv.mp4")
    (out / "symv.caption").write_text(CAPTION_TEXT)
    os.link(outside, out / "hardv.mp4")
    (out / "hardv.caption").write_text(CAPTION_TEXT)
    put_video(media, out / "hardc.mp4")
    os.link(secret, out / "hardc.caption")
    wait_error_file(w.root, "outbox/symv.mp4", "symv.mp4 is refused: it is a symbolic link")
    wait_error_file(w.root, "outbox/hardv.mp4", "hardv.mp4 is refused: it has 2 hard links")
    wait_error_file(w.root, "outbox/hardc.mp4", "hardc.caption is refused: it has 2 hard links")
    normal_item_posts(w.root, media, "ok")
    restart_watch(w)
    for name in ("symv", "hardv", "hardc"):
        assert w.wait_item_state(f"outbox/{name}.mp4", "invalid")
    nothing_secret_posted(sandbox)
    assert [t["title"] for t in sandbox.received()] == ["A normal clip #security"]


KINDS = ("fifo", "socket", "device")


def test_watch_fifos_sockets_and_devices_anywhere_never_block_it(
        watched, sandbox, media, tmp_path):
    w = logged_in_watch(watched, sandbox)
    refused = []
    for folder in ("outbox", "scheduled", "posted", "failed", "queue", "outbox/sub"):
        for kind in KINDS:
            base = w.root / folder
            special(base / f"{kind}.txt", kind)               # a plain extra file
            special(base / f"{kind}v.mp4", kind)              # as a video
            (base / f"{kind}v.caption").write_text(CAPTION_TEXT)
            put_video(media, base / f"{kind}c.mp4")          # as a caption
            special(base / f"{kind}c.caption", kind)
            if folder in ("outbox", "scheduled", "queue", "outbox/sub"):
                refused += [(f"{folder}/{kind}v.mp4", f"{kind}v.mp4 is refused"),
                            (f"{folder}/{kind}c.mp4", f"{kind}c.caption is refused")]
    for video, words in refused:
        wait_error_file(w.root, video, words)
    normal_item_posts(w.root, media, "ok")
    restart_watch(w)
    normal_item_posts(w.root, media, "ok2")
    for video, _ in refused:
        assert (w.root / video).exists() or (w.root / video).is_symlink()
    assert sorted(t["title"] for t in sandbox.received()) == ["A normal clip #security"] * 2


def test_watch_never_takes_items_through_a_symlinked_folder(watched, sandbox, media, tmp_path):
    outside = tmp_path / "elsewhere"
    put_video(media, outside / "clip.mp4")
    (outside / "clip.caption").write_text(CAPTION_TEXT.replace("normal", "linked"))
    w = logged_in_watch(watched, sandbox)
    os.symlink(outside, w.root / "outbox" / "sub")
    (w.root / "scheduled" / "real").mkdir()
    os.symlink(outside, w.root / "scheduled" / "real" / "deeper")
    normal_item_posts(w.root, media, "ok")
    restart_watch(w)
    normal_item_posts(w.root, media, "ok2")
    assert w.item("outbox/sub/clip.mp4") is None
    assert w.item("scheduled/real/deeper/clip.mp4") is None
    assert (outside / "clip.mp4").exists()
    assert not [t for t in sandbox.received() if "linked" in (t.get("title") or "")]


# -- the mount ----------------------------------------------------------------

def test_mount_refuses_to_make_links_fifos_sockets_and_devices(mounted, sandbox, media,
                                                               tmp_path):
    m = logged_in_mount(mounted, sandbox)
    secret = secret_file(tmp_path)
    for folder in ("outbox", "scheduled", "posted", "failed", "queue"):
        d = m.mnt / folder
        for name in ("x.mp4", "x.caption", "x.txt"):
            with pytest.raises(PermissionError):
                os.mkfifo(d / name)
            with pytest.raises(PermissionError):
                os.mknod(d / name, stat.S_IFSOCK | 0o644)
            with pytest.raises(PermissionError):
                os.mknod(d / name, stat.S_IFCHR | 0o644, os.makedev(1, 3))
            with pytest.raises(PermissionError):
                os.symlink(secret, d / name)
    shutil.copyfile(media["portrait.mp4"], m.mnt / "outbox" / "a.mp4")
    with pytest.raises(PermissionError):
        os.link(m.mnt / "outbox" / "a.mp4", m.mnt / "outbox" / "b.mp4")
    assert not list((m.staging / "outbox").glob("x.*"))
    normal_item_posts(m.mnt, media, "ok")
    nothing_secret_posted(sandbox)


def test_mount_folder_named_like_a_caption_is_refused_even_after_restart(
        mounted, sandbox, media):
    m = logged_in_mount(mounted, sandbox)
    (m.mnt / "outbox" / "clip.caption").mkdir()
    shutil.copyfile(media["portrait.mp4"], m.mnt / "outbox" / "clip.mp4")
    wait_error_file(m.mnt, "outbox/clip.mp4", "clip.caption is refused: it is a folder")
    m.wait_state("outbox/clip.mp4", "invalid")
    assert "is refused" in m.xattrs("outbox/clip.mp4")["error"]
    normal_item_posts(m.mnt, media, "ok")
    kill9(m)
    (m.staging / "outbox" / "clip.mp4.error").unlink()
    m.mount()
    wait_error_file(m.mnt, "outbox/clip.mp4", "clip.caption is refused: it is a folder")
    (m.mnt / "outbox" / "clip.caption").rmdir()
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION_TEXT)
    m.wait_state("posted/clip.mp4", "posted", timeout=90)

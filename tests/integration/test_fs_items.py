"""Items through a real mount: a video and its caption in either order, any
time apart; a killed copy never becomes ready; deleting cancels; states,
xattrs and STATUS.txt survive an unmount.  No login: readiness is checked,
nothing is posted."""
import os
import shutil
import signal
import subprocess
import time

import pytest

from fsutil import CAPTION, is_mounted

SETTLE = 1


def stays(m, rel, state, seconds):
    """Assert @rel keeps @state for @seconds (a generous multiple of settle)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert m.state_of(rel) == state, f"{rel} left {state}: {m.xattrs(rel)}"
        time.sleep(0.2)


def test_caption_first_then_video(mounted, clip):
    m = mounted(settle_time=SETTLE)
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    shutil.copyfile(clip, m.mnt / "outbox" / "clip.mp4")
    m.wait_state("outbox/clip.mp4", "ready")
    x = m.xattrs("outbox/clip.mp4")
    assert x["user.tiktok.state"] == "ready"
    assert "user.tiktok.state" in os.listxattr(m.mnt / "outbox" / "clip.mp4")
    assert m.job("outbox/clip.mp4")["caption_path"] == "outbox/clip.caption"


def test_video_first_caption_much_later(mounted, clip):
    m = mounted(settle_time=SETTLE)
    shutil.copyfile(clip, m.mnt / "outbox" / "clip.mp4")
    m.wait_state("outbox/clip.mp4", "waiting")
    stays(m, "outbox/clip.mp4", "waiting", 4 * SETTLE)  # no caption: never complete
    (m.mnt / "outbox" / "clip.mp4.caption").write_text(CAPTION)
    m.wait_state("outbox/clip.mp4", "ready")


def test_item_in_a_subfolder(mounted, clip):
    m = mounted(settle_time=SETTLE)
    d = m.mnt / "outbox" / "team" / "monday"
    d.mkdir(parents=True)
    shutil.copyfile(clip, d / "clip.mp4")
    (d / "clip.caption").write_text(CAPTION)
    m.wait_state("outbox/team/monday/clip.mp4", "ready")


def test_killed_copy_is_never_ready(mounted, clip, tmp_path):
    m = mounted(settle_time=SETTLE)
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    half = os.path.getsize(clip) // 2
    dst = m.mnt / "outbox" / "clip.mp4"
    # A writer that copies half the video, keeps the file open, and is killed.
    p = subprocess.Popen(["sh", "-c", f'exec 3>"{dst}"; head -c {half} "{clip}" >&3; '
                          'echo copied; exec sleep 600'],
                         stdout=subprocess.PIPE, start_new_session=True)
    assert p.stdout.readline() == b"copied\n"
    stays(m, "outbox/clip.mp4", "waiting", 3 * SETTLE)  # open for writing
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert os.path.getsize(dst) == half
    stays(m, "outbox/clip.mp4", "waiting", 5 * SETTLE)  # closed, stable, but truncated
    assert dict(m.jobs())["outbox/clip.mp4"] == "waiting"
    # Copying it again, whole, completes the item.
    shutil.copyfile(clip, dst)
    m.wait_state("outbox/clip.mp4", "ready")


def test_rm_cancels(mounted, clip):
    m = mounted(settle_time=SETTLE)
    shutil.copyfile(clip, m.mnt / "outbox" / "clip.mp4")
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    m.wait_state("outbox/clip.mp4", "ready")
    os.unlink(m.mnt / "outbox" / "clip.mp4")
    deadline = time.monotonic() + 10
    while m.job("outbox/clip.mp4")["state"] != "cancelled":
        assert time.monotonic() < deadline, m.job("outbox/clip.mp4")
        time.sleep(0.1)
    assert not (m.staging / "outbox" / "clip.mp4").exists()


def test_bad_caption_is_invalid_with_error_file(mounted, clip):
    m = mounted(settle_time=SETTLE)
    shutil.copyfile(clip, m.mnt / "outbox" / "bad.mp4")
    (m.mnt / "outbox" / "bad.caption").write_text("---\nprivacy: public\ncolour: red\n---\nhi\n")
    m.wait_state("outbox/bad.mp4", "invalid")
    # The state is committed first; the error file follows at once.
    deadline = time.monotonic() + 10
    while not any((m.mnt / "outbox" / n).exists() for n in ("bad.mp4.error", "bad.error")):
        assert time.monotonic() < deadline, os.listdir(m.mnt / "outbox")
        time.sleep(0.1)
    assert m.xattrs("outbox/bad.mp4").get("error")


def test_states_survive_unmount_and_remount(mounted, clip):
    m = mounted(settle_time=SETTLE)
    out = m.mnt / "outbox"
    shutil.copyfile(clip, out / "ready.mp4")
    (out / "ready.caption").write_text(CAPTION)
    shutil.copyfile(clip, out / "waiting.mp4")  # no caption
    shutil.copyfile(clip, out / "invalid.mp4")
    (out / "invalid.caption").write_text("---\nprivacy: nobody\n---\nhi\n")
    m.wait_state("outbox/ready.mp4", "ready")
    m.wait_state("outbox/invalid.mp4", "invalid")
    m.wait_state("outbox/waiting.mp4", "waiting")
    status = (m.mnt / "STATUS.txt").read_text()
    for name in ("ready.mp4", "waiting.mp4", "invalid.mp4"):
        assert name in status, status
    before = dict(m.jobs())
    assert m.unmount() == 0
    assert not is_mounted(m.mnt)
    m.mount()
    for name, state in (("ready", "ready"), ("waiting", "waiting"), ("invalid", "invalid")):
        assert m.state_of(f"outbox/{name}.mp4") == state, m.xattrs(f"outbox/{name}.mp4")
    time.sleep(3 * SETTLE)  # let the tracker settle again: nothing may change
    assert dict(m.jobs()) == before
    status = (m.mnt / "STATUS.txt").read_text()
    assert "ready.mp4" in status and "invalid.mp4" in status


def test_status_txt_lists_items_and_stays_current(mounted, clip):
    m = mounted(settle_time=SETTLE)
    first = (m.mnt / "STATUS.txt").read_text()
    assert "clip.mp4" not in first
    shutil.copyfile(clip, m.mnt / "outbox" / "clip.mp4")
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    m.wait_state("outbox/clip.mp4", "ready")
    text = (m.mnt / "STATUS.txt").read_text()
    assert "clip.mp4" in text and "ready" in text
    # The size a stat reports is that of the text rendered then; the item
    # may still change between a read and the stat (the poster adds "not
    # logged in"), so compare the stat with a read that agrees with the
    # reads on both sides of it.
    for _ in range(50):
        before = (m.mnt / "STATUS.txt").read_bytes()
        size = os.stat(m.mnt / "STATUS.txt").st_size
        after = (m.mnt / "STATUS.txt").read_bytes()
        if before == after:
            assert size == len(after)
            break
    else:
        raise AssertionError("STATUS.txt never held still for a read, a stat and a read")


def test_writes_into_posted_and_failed_are_plain_files(mounted, clip):
    m = mounted(settle_time=SETTLE)
    shutil.copyfile(clip, m.mnt / "posted" / "mine.mp4")
    (m.mnt / "failed" / "notes.txt").write_text("x")
    time.sleep(3 * SETTLE)
    assert "posted/mine.mp4" not in dict(m.jobs())
    assert m.xattrs("posted/mine.mp4") == {}


def test_kill9_then_remount_keeps_items(mounted, clip):
    m = mounted(settle_time=SETTLE)
    shutil.copyfile(clip, m.mnt / "outbox" / "clip.mp4")
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    m.wait_state("outbox/clip.mp4", "ready")
    m.kill9()
    assert not is_mounted(m.mnt)
    m.mount()
    assert m.state_of("outbox/clip.mp4") == "ready"
    assert list(dict(m.jobs())) == ["outbox/clip.mp4"]

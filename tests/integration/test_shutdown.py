"""Stopping the mount while files are open: SIGTERM with readers and
writers in every folder (and files closed just before, whose RELEASE the
kernel may not have sent yet) ends in a clean exit: status 0, the mount
gone, nothing left for the sanitizers to report (run with the SANITIZE=1
binary to check that), and a copy that was cut off mid-write is an
unfinished copy at the next mount: it waits, it is never posted."""
import os
import signal
import time

from fsutil import CAPTION, is_mounted

SETTLE = 1
FOLDERS = ("outbox", "scheduled", "posted", "failed")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")


def stays(m, rel, state, seconds):
    """Assert @rel keeps @state for @seconds (a generous multiple of settle)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert m.state_of(rel) == state, f"{rel} left {state}: {m.xattrs(rel)}"
        time.sleep(0.2)


def wait_for(what, cond, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"not {what} after {timeout}s"
        time.sleep(0.1)


def close_quietly(files):
    """The mount is gone: closing may report the lost connection."""
    for f in files:
        try:
            f.close()
        except OSError:
            pass


def open_everywhere(m):
    """Files closed a moment ago and files held open (readers, writers part
    way through) in every folder, and STATUS.txt held open."""
    held = [open(m.mnt / "STATUS.txt", "rb")]
    for folder in FOLDERS:
        (m.mnt / folder / "closed.txt").write_text("closed")
        held.append(open(m.mnt / folder / "closed.txt", "rb"))
        w = open(m.mnt / folder / "partial.bin", "wb")
        w.write(b"x" * 4096)
        w.flush()  # the bytes reach the daemon; the file stays open
        held.append(w)
    return held


def test_sigterm_with_files_open_everywhere_exits_cleanly(mounted, clip):
    m = mounted(settle_time=SETTLE)
    data = clip.read_bytes()
    half = len(data) // 2
    (m.mnt / "outbox" / "clip.caption").write_text(CAPTION)
    held = open_everywhere(m)
    try:
        # A copy of the video cut off halfway: its writer is still open.
        cut = open(m.mnt / "outbox" / "clip.mp4", "wb")
        held.append(cut)
        cut.write(data[:half])
        cut.flush()
        m.wait_state("outbox/clip.mp4", "waiting")
        m.proc.send_signal(signal.SIGTERM)
        rc = m.proc.wait(timeout=30)
    finally:
        close_quietly(held)
    log = m.log_text()
    assert rc == 0, log
    assert not is_mounted(m.mnt), log
    os.stat(m.mnt)  # no dead mount left behind
    assert not any(mark in log for mark in SANITIZER_MARKS), log
    for folder in FOLDERS:
        assert (m.staging / folder / "partial.bin").stat().st_size == 4096
    assert (m.staging / "outbox" / "clip.mp4").stat().st_size == half

    # The next mount judges the cut-off copy: unfinished, never ready.
    m.mount()
    wait_for("a reason on the cut-off copy",
             lambda: m.xattrs("outbox/clip.mp4").get("error"))
    stays(m, "outbox/clip.mp4", "waiting", 4 * SETTLE)
    assert m.job("outbox/clip.mp4")["state"] == "waiting"
    for folder in FOLDERS:
        assert (m.mnt / folder / "closed.txt").read_text() == "closed"
    assert m.unmount() == 0
    log = m.log_text()
    assert not any(mark in log for mark in SANITIZER_MARKS), log


def test_sigterm_right_after_a_close_exits_cleanly(mounted):
    """The RELEASE of a file closed just before SIGTERM may come after the
    loop ended; the handle is released all the same (repeat: it is a race)."""
    m = mounted()
    for i in range(5):
        for folder in FOLDERS:
            (m.mnt / folder / f"kept{i}").write_text("kept")
        m.proc.send_signal(signal.SIGTERM)
        rc = m.proc.wait(timeout=30)
        log = m.log_text()
        assert rc == 0, log
        assert not any(mark in log for mark in SANITIZER_MARKS), log
        assert not is_mounted(m.mnt)
        m.mount()
    for folder in FOLDERS:
        assert (m.mnt / folder / "kept4").read_text() == "kept"

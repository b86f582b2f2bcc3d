"""Helpers shared by the posting tests (test_posting.py, test_exactly_once.py):
a logged-in mount, real videos of a chosen size, dropping an item into a
folder of the mount, and the three views the tests assert on (the mount's
xattrs, the sandbox's record, the daemon's job store).

padded_video(src, dst, size) makes a real MP4 of exactly @size bytes: the
ffmpeg clip followed by an ISO BMFF `free` box of random bytes, which every
MP4 reader skips, so the probe still sees a valid 3 s video and the sandbox
gets bytes whose sha256 nobody could guess.
"""
import hashlib
import json
import os
import pathlib
import shutil
import struct
import subprocess
import time

from login_util import do_login

FAST = {"settle_time": "0.5"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def padded_video(src, dst, size):
    src, dst = pathlib.Path(src), pathlib.Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    data = src.read_bytes()
    pad = size - len(data)
    assert pad >= 8, f"{size} bytes is smaller than {src}"
    with open(dst, "wb") as f:
        f.write(data)
        f.write(struct.pack(">I4s", pad, b"free"))
        left = pad - 8
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    assert dst.stat().st_size == size
    return dst


def kill9(m):
    """SIGKILL the daemon and detach its dead mount.  (m.kill9() checks
    os.path.ismount first, which is False for a FUSE mount whose daemon died:
    ENOTCONN.  The lazy unmount must happen regardless, or the remount fails
    with "Transport endpoint is not connected".)"""
    m.kill9()
    subprocess.run(["fusermount3", "-uz", str(m.mnt)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)


def logged_in_mount(mounted, sandbox, user=None, **cfg):
    """A mount whose account is logged in before any item arrives."""
    m = mounted(**dict(FAST, **cfg))
    do_login(m.config, sandbox, user=user)
    return m


def drop(m, video, caption, name="clip.mp4", folder="outbox"):
    """Copy @video into the mount as folder/name, then its caption sidecar;
    returns the relative path of the video."""
    rel = f"{folder}/{name}"
    shutil.copyfile(video, m.mnt / rel)
    stem = name.rsplit(".", 1)[0]
    (m.mnt / folder / f"{stem}.caption").write_text(caption, encoding="utf-8")
    return rel


def tasks_for(sandbox, title):
    """The sandbox's tasks whose title is @title, oldest first."""
    return [t for t in sandbox.received() if t["title"] == title]


def uploads(sandbox):
    """Chunk PUTs in the sandbox's request log: [(status, error)]."""
    return [(r["status"], r["error"]) for r in sandbox.request_log()
            if r["method"] == "PUT"]


def wait_for(pred, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def wait_fault(sandbox, fid, seen=1, timeout=60):
    """Wait until fault @fid has seen @seen matching requests."""
    def hit():
        for f in sandbox.faults():
            if f["id"] == fid and f["seen"] >= seen:
                return True
        return False
    return wait_for(hit, timeout, f"fault {fid} to see {seen} request(s)", 0.05)


def tokens_of(m):
    with open(m.state / "tokens.json") as f:
        t = json.load(f)
    return [v for k, v in t.items() if "token" in k and isinstance(v, str) and len(v) >= 8]


def secret_leaks(m, secrets):
    """Every place a user or operator can read, searched for @secrets:
    the daemon's log, every file of the state directory except tokens.json
    (the one place they belong), STATUS.txt and every user.* xattr of every
    file in the mount.  Returns a list of (where, which) hits."""
    hits = []
    needles = [s.encode() for s in secrets if s]

    def scan(where, data):
        for n in needles:
            if n in data:
                hits.append((where, n.decode()[:6] + "..."))

    scan("daemon log", m.log_text().encode())
    for dirpath, _, files in os.walk(m.state):
        for f in files:
            p = pathlib.Path(dirpath) / f
            if p.name.startswith("tokens.json"):
                continue
            try:
                scan(str(p), p.read_bytes())
            except OSError:
                pass
    scan("STATUS.txt", (m.mnt / "STATUS.txt").read_bytes())
    for dirpath, _, files in os.walk(m.mnt):
        for f in files:
            p = pathlib.Path(dirpath) / f
            try:
                names = os.listxattr(p)
            except OSError:
                continue
            for name in names:
                try:
                    scan(f"{p} {name}", os.getxattr(p, name))
                except OSError:
                    pass
    return hits

#!/usr/bin/python3
"""make demo: post a sample video through a real mount to the local sandbox.

Starts the sandbox (tests/sandbox), logs in with the --no-browser flow,
mounts tiktokfs on a temporary directory, copies a generated video and its
caption into outbox/, waits until the item is in posted/, then shows the
xattrs of the posted file and what the sandbox received.  Everything it
starts is stopped and removed at the end, also when a step fails.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "integration"))

from sandbox.client import Sandbox  # noqa: E402
from login_util import do_login  # noqa: E402

BIN = os.environ.get("TIKTOKFS_BIN", os.path.join(ROOT, "tiktokfs"))
TIMEOUT = 90


def step(msg):
    print(f"\n== {msg}", flush=True)


def run(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def make_video(path):
    """A 5 s 720x1280 H.264 clip with sound, made by Debian's ffmpeg."""
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=30:duration=5",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", "-movflags", "+faststart", path],
                   check=True)


def wait_for(pred, what, daemon, log_path):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        if daemon.poll() is not None:
            break
        time.sleep(0.25)
    with open(log_path, errors="replace") as f:
        sys.stderr.write(f.read()[-4000:])
    raise SystemExit(f"demo: timed out waiting for {what}")


def mounted(mnt):
    return os.path.ismount(mnt)


def main():
    work = tempfile.mkdtemp(prefix="tiktokfs-demo-")
    sb = Sandbox()
    daemon = None
    mnt = os.path.join(work, "mnt")
    log_path = os.path.join(work, "tiktokfs.log")
    try:
        step("Starting the local TikTok sandbox (HTTPS on 127.0.0.1)")
        sb.start()
        print(f"sandbox at {sb.base_url}")
        conf = sb.tiktokfs_config(work, privacy="SELF_ONLY", settle_time=1)

        step("Logging in (tiktokfs login --no-browser; the sandbox consents for @sbpublic)")
        r = do_login(conf, sb)
        sys.stdout.write(r.stdout)

        step(f"Mounting tiktokfs on {mnt}")
        os.mkdir(mnt)
        log = open(log_path, "w")
        daemon = subprocess.Popen([BIN, "-f", "-c", conf, mnt], stdout=log, stderr=log)
        wait_for(lambda: mounted(mnt), "the mount", daemon, log_path)
        run(["ls", "-l", mnt])

        step("Copying a sample video and its caption into outbox/")
        src = os.path.join(work, "sunset.mp4")
        make_video(src)
        with open(os.path.join(work, "sunset.caption"), "w") as f:
            f.write("---\nprivacy: private\ncomments: on\n---\n"
                    "Sunset over the harbour \U0001F305 #travel #sunset\n")
        run(["cp", src, os.path.join(work, "sunset.caption"), os.path.join(mnt, "outbox")])

        step("Waiting for the item to reach posted/")
        posted = os.path.join(mnt, "posted", "sunset.mp4")
        wait_for(lambda: os.path.exists(posted), "posted/sunset.mp4", daemon, log_path)
        run(["cat", os.path.join(mnt, "STATUS.txt")])
        run(["getfattr", "-d", "-m", "user.tiktok", posted])

        step("What the sandbox received")
        with open(src, "rb") as f:
            local = hashlib.sha256(f.read()).hexdigest()
        for rec in sb.received():
            for k in ("publish_id", "mode", "video_size", "chunks_received", "sha256",
                      "title", "privacy_level", "disable_comment", "status"):
                print(f"  {k:16} {rec.get(k)}")
        print(f"  {'local sha256':16} {local}")
        if not any(rec.get("sha256") == local for rec in sb.received()):
            raise SystemExit("demo: the sandbox did not receive the bytes copied in")
        print("\nDemo finished: the video was posted exactly as copied in.")
    finally:
        if daemon is not None:
            subprocess.run(["fusermount3", "-u", mnt], stderr=subprocess.DEVNULL)
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                subprocess.run(["fusermount3", "-uz", mnt], stderr=subprocess.DEVNULL)
        sb.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

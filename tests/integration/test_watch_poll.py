"""`tiktokfs watch` on a folder that inotify cannot watch: polling.

inotify hears nothing of what another machine writes into an NFS or CIFS
client mount.  Neither can be mounted here (no kernel module in a container),
so the network folder is the nearest thing that behaves the same: a FUSE
mount of a local folder (passthrough.c beside this file, built by the
fixture).  Files are written into the folder behind the mount, the "server
side", which makes no inotify event on the mount; the daemon watches the
mount, finds it is on FUSE (statfs) and polls.

Each test waits on events (a state, a file, a poll line in the debug log),
never on fixed sleeps.
"""
import hashlib
import os
import shutil
import subprocess
import time

import pytest

from login_util import do_login
from watch_util import BIN, caption, watched  # noqa: F401  (fixture)

HERE = os.path.dirname(os.path.abspath(__file__))
FAST = 0.3  # s between polls where the test says so


@pytest.fixture(scope="session")
def passthrough_bin(tmp_path_factory):
    out = tmp_path_factory.mktemp("passthrough") / "passthrough"
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "fuse3"], check=True,
                           capture_output=True, text=True).stdout.split()
    subprocess.run(["cc", "-O1", "-Wall", "-Werror", "-o", str(out),
                    os.path.join(HERE, "passthrough.c"), *flags], check=True)
    return out


class NetFolder:
    """server: the folder behind the mount; mnt: what the daemon watches."""

    def __init__(self, server, mnt, proc):
        self.server, self.mnt, self.proc = server, mnt, proc

    def put(self, rel, data):
        p = self.server / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p


@pytest.fixture
def netfolder(passthrough_bin, tmp_path):
    server, mnt = tmp_path / "server", tmp_path / "net"
    for d in ("", "outbox", "scheduled", "posted", "failed"):
        (server / d).mkdir(exist_ok=True)
    mnt.mkdir()
    log = open(tmp_path / "passthrough.log", "wb")
    proc = subprocess.Popen([str(passthrough_bin), str(server), str(mnt), "-f"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 20
    while not os.path.ismount(mnt):
        assert proc.poll() is None, (tmp_path / "passthrough.log").read_text()
        assert time.monotonic() < deadline, "the FUSE folder did not mount"
        time.sleep(0.05)
    try:
        yield NetFolder(server, mnt, proc)
    finally:
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def polls(w):
    return w.log_text().count(": polled, ")


def wait_polls(w, n, timeout=30):
    """Wait until @n more polls than now have happened (debug log lines)."""
    want = polls(w) + n
    deadline = time.monotonic() + timeout
    while polls(w) < want:
        w._alive(f"{n} polls")
        assert time.monotonic() < deadline, f"no {n} polls in {timeout}s\n{w.log_text()}"
        time.sleep(0.02)


def wait_for(cond, what, w, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        w._alive(what)
        assert time.monotonic() < deadline, f"{what}: not after {timeout}s\n{w.log_text()}"
        time.sleep(0.1)


def test_server_side_copy_is_found_by_polling_and_posted_once(netfolder, watched, sandbox,
                                                              media):
    w = watched(root=netfolder.mnt)
    assert f"polling every 2 s: {netfolder.mnt} is on fuse" in w.log_text()
    do_login(w.config, sandbox)
    video = media["portrait.mp4"].read_bytes()
    netfolder.put("outbox/clip.caption", caption().encode())
    netfolder.put("outbox/clip.mp4", video)
    w.wait_file("posted/clip.mp4", timeout=90)
    wait_for(lambda: w.results("posted/clip.mp4").get("state") == "posted", "posted state", w)
    got = sandbox.received()
    assert len(got) == 1, got
    assert got[0]["sha256"] == hashlib.sha256(video).hexdigest()
    assert w.stop() == 0


def test_growing_file_is_never_taken_early(netfolder, watched, media):
    # settle_time is far above the time between two pieces: the file is
    # growing all along, and only the polls can tell
    w = watched(root=netfolder.mnt, poll_interval=FAST, settle_time=5, log_level="debug")
    assert f"polling every {FAST:g} s: {netfolder.mnt} is on fuse" in w.log_text()
    video = media["portrait.mp4"].read_bytes()
    netfolder.put("outbox/grow.caption", caption().encode())
    path = netfolder.server / "outbox/grow.mp4"
    step = len(video) // 8 + 1
    for off in range(0, len(video), step):
        with open(path, "ab") as f:
            f.write(video[off:off + step])
        wait_polls(w, 2)  # the poll after the write saw it grow
        it = w.item("outbox/grow.mp4")
        assert it is not None, w.log_text()
        assert it["state"] == "waiting", it
        assert "error" not in w.results("outbox/grow.mp4"), w.results("outbox/grow.mp4")
        assert "grow.mp4: validat" not in w.log_text()
    w.wait_state("outbox/grow.mp4", "ready")
    it = w.item("outbox/grow.mp4")
    assert it["size"] == len(video)
    # the only error left is the missing login, never a cut-short copy
    assert w.results("outbox/grow.mp4").get("error", "").startswith("not logged in")


def test_server_side_delete_cancels_the_item(netfolder, watched, media):
    w = watched(root=netfolder.mnt, poll_interval=FAST)
    netfolder.put("outbox/gone.caption", caption().encode())
    netfolder.put("outbox/gone.mp4", media["portrait.mp4"].read_bytes())
    w.wait_state("outbox/gone.mp4", "ready")
    (netfolder.server / "outbox/gone.mp4").unlink()
    w.wait_item_state("outbox/gone.mp4", "cancelled")


def test_server_side_rename_retargets_the_item(netfolder, watched, media):
    w = watched(root=netfolder.mnt, poll_interval=FAST)
    netfolder.put("outbox/a.caption", caption().encode())
    netfolder.put("outbox/a.mp4", media["portrait.mp4"].read_bytes())
    w.wait_state("outbox/a.mp4", "ready")
    before = w.item("outbox/a.mp4")
    (netfolder.server / "outbox/moved").mkdir()
    os.rename(netfolder.server / "outbox/a.mp4", netfolder.server / "outbox/moved/a.mp4")
    os.rename(netfolder.server / "outbox/a.caption",
              netfolder.server / "outbox/moved/a.caption")
    after = w.wait_item_state("outbox/moved/a.mp4", "ready")
    assert after["id"] == before["id"]  # the same job, re-targeted
    assert w.item("outbox/a.mp4") is None or w.item("outbox/a.mp4")["id"] == before["id"]


def test_poll_option_forces_polling_and_refuses_a_bad_interval(watched, tmp_path, media):
    bad = subprocess.run([BIN, "watch", "-f", "--poll=soon", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2
    assert "--poll=soon: must be a number of seconds above 0" in bad.stderr
    w = watched(start=False)
    w.root.mkdir(exist_ok=True)
    log = open(w.logfile, "ab")
    w.proc = subprocess.Popen([BIN, "watch", "-f", "--poll=0.4", "-c", str(w.config),
                               str(w.root)], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    log.close()
    wait_for(lambda: "watching " in w.log_text(), "start", w)
    assert "polling every 0.4 s, as configured" in w.log_text()
    shutil.copy(media["portrait.mp4"], w.root / "outbox/local.mp4")
    (w.root / "outbox/local.caption").write_text(caption())
    w.wait_state("outbox/local.mp4", "ready")
    assert w.stop() == 0


def test_local_folder_keeps_inotify(watched):
    w = watched()
    assert "): inotify" in w.log_text()

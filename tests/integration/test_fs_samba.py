"""A Samba export of the mount: smbd (started here, as root, on a loopback
port with its own config under tmp) serves the mount; smbclient puts a video
and its caption into outbox/ and the item becomes ready.  Over SMB, closes
come late and writes come in pieces: the settle timer decides."""
import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest

from fsutil import CAPTION

SETTLE = 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smbd(tmp_path):
    """Start smbd; yields a function start(path, **shares) -> port that serves
    @path as share 'tt' (None: no such share) and each NAME=PATH of @shares
    as share NAME."""
    # smbd signals its whole process group when it stops: give it its own
    # session, and tell it not to make one itself.
    procs = []

    def start(share_path, **shares):
        if share_path is not None:
            shares = dict(tt=share_path, **shares)
        base = tmp_path / "samba"
        for d in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
            (base / d).mkdir(parents=True, exist_ok=True)
        port = free_port()
        conf = base / "smb.conf"
        conf.write_text(f"""[global]
    server role = standalone server
    smb ports = {port}
    interfaces = lo
    bind interfaces only = yes
    disable netbios = yes
    private dir = {base}/private
    lock directory = {base}/lock
    state directory = {base}/state
    cache directory = {base}/cache
    pid directory = {base}/pid
    ncalrpc dir = {base}/ncalrpc
    log file = {base}/log/smbd.log
    map to guest = Bad User
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    server min protocol = SMB2
""" + "".join(f"""[{name}]
    path = {path}
    read only = no
    guest ok = yes
    force user = root
""" for name, path in shares.items()))
        log = open(base / "log" / "stdout.log", "wb")
        p = subprocess.Popen(["smbd", "--foreground", "--no-process-group", "--debug-stdout",
                              "-s", str(conf)], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        procs.append(p)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert p.poll() is None, (base / "log" / "stdout.log").read_text()
                assert time.monotonic() < deadline, "smbd did not listen"
                time.sleep(0.1)
        return port

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_samba_put_of_video_and_caption_becomes_ready(mounted, smbd, clip, tmp_path):
    m = mounted(settle_time=SETTLE)
    port = smbd(m.mnt)
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    shutil.copyfile(clip, src / "clip.mp4")
    (src / "clip.caption").write_text(CAPTION)
    r = subprocess.run(["smbclient", "//127.0.0.1/tt", "-p", str(port), "-N",
                        "-c", f"lcd {src}; cd outbox; put clip.mp4; put clip.caption; ls"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "clip.mp4" in r.stdout
    m.wait_state("outbox/clip.mp4", "ready")
    want = hashlib.sha256((src / "clip.mp4").read_bytes()).hexdigest()
    assert hashlib.sha256((m.mnt / "outbox" / "clip.mp4").read_bytes()).hexdigest() == want
    # STATUS.txt is readable over the share, whole.
    r = subprocess.run(["smbclient", "//127.0.0.1/tt", "-p", str(port), "-N",
                        "-c", f"lcd {tmp_path}; get STATUS.txt"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "clip.mp4" in (tmp_path / "STATUS.txt").read_text()

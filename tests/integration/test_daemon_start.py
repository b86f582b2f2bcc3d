"""Starting and stopping the daemon, as an administrator meets it: a
relative mount point is unmounted at SIGTERM (no dead mount left behind), a
stale mount from a killed daemon is named with the way out, and a job store
that cannot be opened makes the start fail with one line on the terminal
and a non-zero exit, as a daemon and in the foreground, for the mount and
for watch mode."""
import errno
import os
import signal
import subprocess
import time

import pytest

from fsutil import BIN, is_mounted


def _fusermount_lazy(mnt):
    if is_mounted(mnt):
        subprocess.run(["fusermount3", "-uz", str(mnt)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)


def daemon_pids(config):
    """Pids of tiktokfs processes started with @config (the daemon forks away
    from the process we started, so it is found by its command line)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.fsencode(str(config)) in argv and os.fsencode(BIN) == argv[0]:
            pids.append(int(d))
    return pids


def wait_until(what, cond, timeout=30):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"not {what} after {timeout}s"
        time.sleep(0.05)


def wait_gone(pid, timeout=30):
    def gone():
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split(") ")[1].startswith("Z")
        except FileNotFoundError:
            return True
    wait_until(f"pid {pid} gone", gone, timeout)


@pytest.fixture
def place(tmp_path, sandbox_config):
    """(config, mount point) in tmp_path; whatever a test leaves mounted or
    running is cleared at the end."""
    config = sandbox_config()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    yield config, mnt
    for pid in daemon_pids(config):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _fusermount_lazy(mnt)


def one_line(stderr):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- #8: a relative mount point ---------------------------------------------------

def test_relative_mount_point_in_the_foreground_is_unmounted_at_sigterm(place, tmp_path):
    config, mnt = place
    p = subprocess.Popen([BIN, "-f", "-c", str(config), "mnt"], cwd=tmp_path,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        wait_until("mounted", lambda: is_mounted(mnt) and os.path.ismount(mnt))
        # a file, not a listing: libfuse frees its handle of a directory
        # only when the RELEASEDIR sent after closedir() is read, and a
        # SIGTERM right after it may end the loop first
        assert (mnt / "STATUS.txt").read_text()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    assert not is_mounted(mnt), err
    os.stat(mnt)  # not "Transport endpoint is not connected"
    assert "failed to unmount" not in err, err


def test_relative_mount_point_as_a_daemon_is_unmounted_at_sigterm(place, tmp_path):
    config, mnt = place
    r = subprocess.run([BIN, "-c", str(config), "mnt"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr  # a daemon that started says nothing
    # The daemon's word came after the mount: it is there when we return.
    assert is_mounted(mnt) and os.path.ismount(mnt)
    (pid,) = daemon_pids(config)
    os.kill(pid, signal.SIGTERM)
    wait_gone(pid)
    assert not is_mounted(mnt)
    os.stat(mnt)


# -- #8: a stale mount ---------------------------------------------------------------

@pytest.mark.parametrize("foreground", [True, False], ids=["foreground", "daemon"])
def test_stale_mount_is_named_with_the_way_out(mounted, foreground):
    m = mounted()
    m.proc.send_signal(signal.SIGKILL)  # leaves a dead mount behind
    m.proc.wait()
    assert is_mounted(m.mnt)
    with pytest.raises(OSError) as e:
        os.stat(m.mnt)
    assert e.value.errno == errno.ENOTCONN
    args = [BIN] + (["-f"] if foreground else []) + ["-c", str(m.config), str(m.mnt)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    line = one_line(r.stderr)
    assert f"{m.mnt} is a stale tiktokfs mount (its daemon is gone)" in line, line
    assert f"clear it with: fusermount3 -u {m.mnt}" in line, line
    # The advice works, and then the mount does too.
    subprocess.run(["fusermount3", "-u", str(m.mnt)], check=True, timeout=30)
    m.proc = None
    m.mount()
    assert (m.mnt / "outbox").is_dir()


# -- #9: a job store that cannot be opened --------------------------------------------

def break_store(state, how):
    db = state / "jobs.db"
    if how == "garbage":
        db.write_bytes(os.urandom(8192))
    else:
        db.mkdir()


@pytest.mark.parametrize("how", ["garbage", "directory"])
@pytest.mark.parametrize("foreground", [True, False], ids=["foreground", "daemon"])
def test_broken_job_store_fails_the_mount_with_one_line(place, tmp_path, how, foreground):
    config, mnt = place
    break_store(tmp_path / "state", how)
    args = [BIN] + (["-f"] if foreground else []) + ["-c", str(config), str(mnt)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, r.stderr
    line = one_line(r.stderr)
    assert line.startswith("tiktokfs: ") and "jobs.db" in line, line
    assert "Move it aside" in line, line
    assert not is_mounted(mnt)
    assert daemon_pids(config) == []


@pytest.mark.parametrize("foreground", [True, False], ids=["foreground", "daemon"])
def test_broken_job_store_fails_watch_mode_with_one_line(place, tmp_path, foreground):
    config, _ = place
    drop = tmp_path / "drop"
    drop.mkdir()
    # the state_dir is this folder's (cmd/daemon.h), so the store is what fails
    (tmp_path / "state" / "root").write_text(os.path.realpath(drop) + "\n")
    break_store(tmp_path / "state", "garbage")
    args = [BIN, "watch"] + (["-f"] if foreground else []) + ["-c", str(config), str(drop)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    line = one_line(r.stderr)
    assert "jobs.db" in line and "not a database" in line, line
    assert daemon_pids(config) == []

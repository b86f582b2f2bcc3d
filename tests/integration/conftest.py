"""Fixtures for tests that mount tiktokfs for real.

mounted     a factory: mounted(**cfg_extra) writes a config pointing at the
            sandbox (tests/conftest.py's sandbox_config; no login, so nothing
            can be posted unless a test logs in), starts
            `$TIKTOKFS_BIN -f -c CONFIG MNT` with its stderr kept in a file,
            waits for the mount and returns a Mount:

    m.mnt, m.state, m.staging, m.config     pathlib.Paths
    m.log_text()                            the daemon's stderr so far
    m.xattrs(rel)                           {user.tiktok.NAME: value} (or
                                            user.youtube.NAME: a YouTube
                                            account's item); also indexable
                                            by the short NAME
    m.wait_state(rel, state, timeout=30)    poll user.tiktok.state of mnt/rel
                                            (for 'posted'/'failed' and rel in
                                            that folder: wait for the file)
    m.job(rel)                              the newest jobs.db row for a video
                                            path, as a dict (read-only SQLite)
    m.jobs()                                [(path, state)] of every jobs.db row,
                                            oldest first
    m.unmount(), m.mount(), m.kill9()

Teardown always unmounts (fusermount3 -u, then -uz) and kills the daemon,
whatever the test did; a failing test's report carries the daemon's stderr.
"""
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fsutil import BIN, CAPTION, ROOT, is_mounted, jobs_db  # noqa: E402,F401

TT = "user.tiktok."
YT = "user.youtube."  # an item of a YouTube account shows these instead


class TikTokXattrs(dict):
    """{'user.tiktok.state': 'ready', ...}; x['state'] works too (and finds
    user.youtube.state on an item of a YouTube account)."""

    def __missing__(self, key):
        for prefix in (TT, YT):
            if not key.startswith(prefix) and dict.__contains__(self, prefix + key):
                return self[prefix + key]
        raise KeyError(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        return any(dict.__contains__(self, p + key) for p in ("", TT, YT))


def _fusermount(mnt, lazy=False):
    args = ["fusermount3", "-uz" if lazy else "-u", str(mnt)]
    return subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=30)


class Mount:
    def __init__(self, config, mnt, logfile, state):
        self.config = pathlib.Path(config)
        self.mnt = pathlib.Path(mnt)
        self.logfile = pathlib.Path(logfile)
        self.state = pathlib.Path(state)
        self.staging = self.state / "staging"
        self.proc = None
        self.mnt.mkdir(parents=True, exist_ok=True)

    # -- lifecycle ---------------------------------------------------------
    def mount(self, timeout=20):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen([BIN, "-f", "-c", str(self.config), str(self.mnt)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while not (is_mounted(self.mnt) and os.path.ismount(self.mnt)):
            if self.proc.poll() is not None:
                raise AssertionError(f"tiktokfs exited with {self.proc.returncode} before "
                                     f"mounting:\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.mnt} not mounted after {timeout}s:\n"
                                     f"{self.log_text()}")
            time.sleep(0.05)
        # The first request is answered once the loop runs (after reconcile).
        os.listdir(self.mnt)
        return self

    def unmount(self, timeout=30):
        """Clean unmount; returns the daemon's exit status."""
        if is_mounted(self.mnt):
            r = _fusermount(self.mnt)
            if r.returncode != 0 and is_mounted(self.mnt):
                raise AssertionError(f"fusermount3 -u failed: {r.stderr}")
        rc = None
        if self.proc is not None:
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"tiktokfs did not exit after unmount:\n"
                                     f"{self.log_text()}")
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        if is_mounted(self.mnt):
            _fusermount(self.mnt, lazy=True)

    def cleanup(self):
        """Teardown: never raises, always leaves nothing mounted or running."""
        try:
            if is_mounted(self.mnt):
                if _fusermount(self.mnt).returncode != 0:
                    _fusermount(self.mnt, lazy=True)
        except Exception:  # noqa: BLE001
            pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            if is_mounted(self.mnt):
                _fusermount(self.mnt, lazy=True)
        except Exception:  # noqa: BLE001
            pass

    # -- views -------------------------------------------------------------
    def log_text(self):
        try:
            return self.logfile.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def xattrs(self, rel):
        p = self.mnt / rel
        out = TikTokXattrs()
        for name in os.listxattr(p, follow_symlinks=False):
            if name.startswith(TT) or name.startswith(YT):
                try:
                    out[name] = os.getxattr(p, name, follow_symlinks=False).decode()
                except OSError:
                    pass
        return out

    def state_of(self, rel):
        for prefix in (TT, YT):
            try:
                return os.getxattr(self.mnt / rel, prefix + "state").decode()
            except OSError:
                pass
        return None

    def wait_state(self, rel, state, timeout=30):
        rel = str(rel)
        deadline = time.monotonic() + timeout
        by_place = state in ("posted", "failed") and rel.split("/")[0] == state
        last = None
        while True:
            if by_place:
                if (self.mnt / rel).exists():
                    return state
            else:
                last = self.state_of(rel)
                if last == state:
                    return last
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"tiktokfs died (rc {self.proc.returncode}) waiting for "
                                     f"{rel} to be {state}:\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{rel}: state {last!r}, not {state!r} after {timeout}s")
            time.sleep(0.1)

    def _store(self):
        return jobs_db(self.state)

    def job(self, rel):
        con = self._store()
        try:
            row = con.execute("SELECT * FROM jobs WHERE path = ? ORDER BY id DESC LIMIT 1",
                              (str(rel),)).fetchone()
            return dict(row) if row else None
        finally:
            con.close()

    def jobs(self):
        con = self._store()
        try:
            return [(r["path"], r["state"]) for r in con.execute(
                "SELECT path, state FROM jobs ORDER BY id")]
        finally:
            con.close()


@pytest.fixture
def mounted(request, sandbox, sandbox_config, tmp_path):
    mounts = []
    request.node._tiktokfs_mounts = mounts

    def make(**cfg_extra):
        n = len(mounts)
        if n == 0:
            config = sandbox_config(**cfg_extra)
            base = tmp_path
        else:
            base = tmp_path / f"m{n}"
            base.mkdir()
            config = sandbox.tiktokfs_config(base, **cfg_extra)
        state = cfg_extra.get("state_dir") or str(base / "state")
        m = Mount(config, base / ("mnt" if n == 0 else f"mnt{n}"),
                  base / ("tiktokfs.stderr" if n == 0 else f"tiktokfs{n}.stderr"), state)
        mounts.append(m)
        return m.mount()

    try:
        yield make
    finally:
        for m in mounts:
            m.cleanup()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    for i, m in enumerate(getattr(item, "_tiktokfs_mounts", [])):
        text = m.log_text()
        if len(text) > 20000:
            text = "...\n" + text[-20000:]
        rep.sections.append((f"tiktokfs stderr #{i} ({rep.when})", text))


# -- media for the filesystem tests --------------------------------------------
sys.path.insert(0, str(ROOT / "tests" / "tools"))
from mediafiles import media  # noqa: E402,F401  (a session fixture)



@pytest.fixture
def clip(media):
    """A valid 3 s portrait MP4 (360x640) made by ffmpeg."""
    return pathlib.Path(media["portrait.mp4"])


@pytest.fixture
def caption(tmp_path):
    """A valid caption sidecar outside the mount (privacy set, so no config
    default is needed)."""
    p = tmp_path / "src" / "clip.caption"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(CAPTION)
    return p

"""Run `tiktokfs watch -f` on a plain directory for the integration tests.

watched     a factory fixture: watched(root=None, **cfg_extra) writes a config
            pointing at the sandbox (sandbox_config, no login), starts
            `$TIKTOKFS_BIN watch -f -c CONFIG ROOT` with its stderr kept in a
            file and returns a Watch:

    w.root, w.state, w.config      pathlib.Paths (root defaults to tmp_path/drop)
    w.log_text()                   the daemon's stderr so far
    w.xattrs(rel)                  {NAME: value} of user.tiktok.NAME on root/rel
    w.results(rel)                 xattrs, or NAME.tiktok.json when there is one
    w.wait_state(rel, state)       polls w.results(rel)['state']
    w.wait_file(rel)               waits for root/rel to exist
    w.status_json()                `tiktokfs status --json` parsed
    w.stop()                       SIGTERM; returns the exit status

Teardown always stops (SIGTERM, then SIGKILL) whatever the test did; a failing
test's report carries the daemon's stderr.
"""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("TIKTOKFS_BIN", str(ROOT / "tiktokfs"))
TT = "user.tiktok."


class Watch:
    def __init__(self, config, root, logfile, state):
        self.config = pathlib.Path(config)
        self.root = pathlib.Path(root)
        self.logfile = pathlib.Path(logfile)
        self.state = pathlib.Path(state)
        self.proc = None

    def start(self, timeout=20):
        log = open(self.logfile, "ab")
        try:
            self.proc = subprocess.Popen([BIN, "watch", "-f", "-c", str(self.config),
                                          str(self.root)],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while "watching " not in self.log_text():
            if self.proc.poll() is not None:
                raise AssertionError(f"tiktokfs watch exited with {self.proc.returncode}:\n"
                                     f"{self.log_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"tiktokfs watch not started after {timeout}s:\n"
                                     f"{self.log_text()}")
            time.sleep(0.05)
        return self

    def stop(self, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"tiktokfs watch ignored SIGTERM:\n{self.log_text()}")

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        try:
            return self.logfile.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def xattrs(self, rel):
        p = self.root / rel
        out = {}
        for name in os.listxattr(p, follow_symlinks=False):
            if name.startswith(TT):
                try:
                    out[name[len(TT):]] = os.getxattr(p, name, follow_symlinks=False).decode()
                except OSError:
                    pass
        return out

    def results(self, rel):
        sidecar = self.root / (str(rel) + ".tiktok.json")
        try:
            return json.loads(sidecar.read_text())
        except (FileNotFoundError, ValueError):
            pass
        try:
            return self.xattrs(rel)
        except OSError:
            return {}

    def _alive(self, what):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"tiktokfs watch died (rc {self.proc.returncode}) waiting "
                                 f"for {what}:\n{self.log_text()}")

    def wait_state(self, rel, state, timeout=30):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = self.results(rel).get("state")
            if last == state:
                return last
            self._alive(f"{rel} to be {state}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{rel}: state {last!r}, not {state!r} after {timeout}s\n"
                                     f"{self.log_text()}")
            time.sleep(0.1)

    def wait_file(self, rel, timeout=30):
        deadline = time.monotonic() + timeout
        while not (self.root / rel).exists():
            self._alive(f"{rel} to appear")
            if time.monotonic() > deadline:
                raise AssertionError(f"{rel} did not appear after {timeout}s\n"
                                     f"{self.log_text()}")
            time.sleep(0.1)

    def status(self, *args):
        return subprocess.run([BIN, "status", "-c", str(self.config), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=30)

    def status_json(self):
        cp = self.status("--json")
        assert cp.returncode == 0, cp.stderr
        return json.loads(cp.stdout)

    def item(self, rel):
        """The newest status --json item (queue or recent) for video @rel."""
        doc = self.status_json()
        for it in doc["queue"] + doc["recent"]:
            if it["path"] == str(rel):
                return it
        return None

    def wait_item_state(self, rel, state, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            it = self.item(rel)
            if it and it["state"] == state:
                return it
            self._alive(f"{rel} to be {state} in the store")
            if time.monotonic() > deadline:
                raise AssertionError(f"{rel}: {it!r}, not {state!r} after {timeout}s\n"
                                     f"{self.log_text()}")
            time.sleep(0.1)


@pytest.fixture
def watched(request, sandbox, sandbox_config, tmp_path):
    # conftest.py's report hook attaches the log of everything in this list
    watches = getattr(request.node, "_tiktokfs_mounts", None)
    if watches is None:
        watches = request.node._tiktokfs_mounts = []
    made = []

    def make(root=None, start=True, config=None, **cfg_extra):
        """@config: reuse that config (and its state_dir) instead of writing one."""
        cfg_extra.setdefault("settle_time", 1)
        cfg_extra.setdefault("privacy", "private")
        config = config or sandbox_config(**cfg_extra)
        state = next((line.split("=", 1)[1].strip()
                      for line in pathlib.Path(config).read_text().splitlines()
                      if line.startswith("state_dir")), str(tmp_path / "state"))
        root = pathlib.Path(root) if root else tmp_path / "drop"
        w = Watch(config, root, tmp_path / f"watch{len(made)}.log", state)
        watches.append(w)
        made.append(w)
        return w.start() if start else w

    try:
        yield make
    finally:
        for w in made:
            w.cleanup()


def caption(text="A test clip #watch", privacy=None):
    if privacy:
        return f"---\nprivacy: {privacy}\n---\n{text}\n"
    return text + "\n"

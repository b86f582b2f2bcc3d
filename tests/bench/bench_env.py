"""The bench's plumbing: a work directory, the sandbox, tiktokfs daemons,
media of a given size, timers and the machine's description.

Everything started here is registered in one Env and stopped by
Env.close(), which bench.py calls from a finally block (also on Ctrl-C):
mounts are unmounted (lazily if they must be), daemons killed, the sandbox
stopped and the work directory removed.

Clocks: the sandbox's request log, the daemon's log stamps and time.time()
here are all the machine's wall clock (the sandbox clock is left at scale 1,
offset 0), so they can be compared with each other.
"""
import datetime
import os
import platform
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "integration"))

from sandbox.client import Sandbox  # noqa: E402
from fsutil import jobs_query  # noqa: E402
from login_util import do_login  # noqa: E402

BIN = os.environ.get("TIKTOKFS_BIN", os.path.join(ROOT, "tiktokfs"))
CAPTION = "---\nprivacy: private\n---\nbench item #bench\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1 << 20
GiB = 1 << 30


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def is_mounted(path):
    want = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == want for line in f)


def fusermount_u(mnt):
    """Unmount @mnt: cleanly, else lazily.  Never raises."""
    if not is_mounted(mnt):
        return
    r = subprocess.run(["fusermount3", "-u", mnt], capture_output=True)
    if r.returncode != 0 and is_mounted(mnt):
        subprocess.run(["fusermount3", "-uz", mnt], capture_output=True)


def wait_for(pred, what, timeout, proc=None, interval=0.01):
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def drop_caches():
    """sync, then drop the page cache; False where that is not allowed."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


# ---- media ----------------------------------------------------------------

def make_clip(path, w=720, h=1280, dur=4, crf=23):
    """A short real H.264 clip, moov first (Debian's ffmpeg)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate=30:duration={dur}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf),
                    "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", path], check=True)


def pad_mp4(clip, path, size):
    """@clip followed by one top-level 'free' box (64-bit size) so that the
    file is exactly @size bytes: a valid MP4 whose headers say what the clip
    says.  The padding is written for real (not a sparse hole), so reading it
    costs what reading a video costs."""
    with open(clip, "rb") as f:
        head = f.read()
    pad = size - len(head)
    if pad < 16:
        raise ValueError(f"{size} bytes is too small for a padded clip")
    block = bytes(4 * MiB)
    with open(path, "wb") as out:
        out.write(head)
        out.write(struct.pack(">I4sQ", 1, b"free", pad))
        left = pad - 16
        while left:
            n = min(left, len(block))
            out.write(block[:n])
            left -= n
    return path


# ---- machine ----------------------------------------------------------------

def machine(staging):
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    # findmnt names the filesystem (stat -f says "ext2/ext3" for ext4).
    src = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS", "-T", staging],
                         capture_output=True, text=True).stdout.split()
    fstype = f"{src[0]} on {src[1]} ({src[2][:40]})" if len(src) >= 3 else "?"
    fuse = subprocess.run(["pkg-config", "--modversion", "fuse3"], capture_output=True,
                          text=True).stdout.strip() or "?"
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    return {"cores": os.cpu_count(), "kernel": platform.release(), "cpu": model,
            "memory_gib": round(mem / GiB, 1), "staging_fs": fstype,
            "libfuse": fuse, "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "load_at_start": os.getloadavg()[0]}


# ---- processes ------------------------------------------------------------

def proc_cpu(pid):
    """user+sys CPU seconds of @pid (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_hwm(pid):
    """Peak RSS (VmHWM) of @pid in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


STAMP_RE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) tiktokfs (\w+): (.*)$")


class Daemon:
    """One `tiktokfs -f -c CONF MNT`; its stderr is kept in memory with the
    arrival time of each line."""

    def __init__(self, env, conf, mnt):
        self.env, self.conf, self.mnt = env, conf, mnt
        self.lines = []  # (arrival time, text)
        self.proc = None

    def start(self, timeout=30):
        os.makedirs(self.mnt, exist_ok=True)
        self.proc = subprocess.Popen([BIN, "-f", "-c", self.conf, self.mnt],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.env.daemons.append(self)
        threading.Thread(target=self._reader, daemon=True).start()
        try:
            wait_for(lambda: is_mounted(self.mnt), "the mount", timeout, self.proc)
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n{self.log_tail()}") from None
        return self

    def _reader(self):
        for line in self.proc.stderr:
            self.lines.append((time.time(), line.rstrip("\n")))

    @property
    def pid(self):
        return self.proc.pid

    def cpu(self):
        return proc_cpu(self.pid)

    def hwm(self):
        return proc_hwm(self.pid)

    def log_tail(self, n=30):
        return "\n".join(t for _, t in self.lines[-n:])

    def stamped(self, pattern, after=0.0):
        """Wall time (from the daemon's own stamp, ms) of the first log line
        matching @pattern whose stamp is not before @after; None if none."""
        rx = re.compile(pattern)
        for arrived, text in list(self.lines):
            m = STAMP_RE.match(text)
            if not m or not rx.search(m.group(6)):
                continue
            day = datetime.datetime.fromtimestamp(arrived, datetime.timezone.utc).date()
            t = datetime.datetime(day.year, day.month, day.day, int(m.group(1)),
                                  int(m.group(2)), int(m.group(3)), int(m.group(4)) * 1000,
                                  tzinfo=datetime.timezone.utc).timestamp()
            if t > arrived + 43200:  # stamped just before midnight, read after
                t -= 86400
            if t >= after - 0.002:  # the stamp is truncated to ms
                return t
        return None

    def stop(self, timeout=30):
        if self.proc is None:
            return
        fusermount_u(self.mnt)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fusermount_u(self.mnt)
        if self in self.env.daemons:
            self.env.daemons.remove(self)
        self.proc = None


class Site:
    """One state directory (its own staging tree and jobs.db), logged in,
    with a config and a mount point of its own.  Rows do not share sites, so
    one row's leftovers never weigh on another's numbers."""

    def __init__(self, env, name, **cfg):
        self.env = env
        self.dir = env.path(name)
        os.makedirs(self.dir)
        self.conf = self.config("tiktokfs.conf", **cfg)
        self.state = os.path.join(self.dir, "state")
        self.staging = os.path.join(self.state, "staging")
        self.mnt = os.path.join(self.dir, "mnt")
        do_login(self.conf, env.sb)

    def config(self, name, **cfg):
        """A config on this site's state directory (tokens shared)."""
        cfg.setdefault("privacy", "SELF_ONLY")
        cfg.setdefault("settle_time", 1)
        return self.env.sb.tiktokfs_config(self.dir, name=name, **cfg)

    def daemon(self, conf=None):
        return Daemon(self.env, conf or self.conf, self.mnt).start()

    def jobs(self, sql, args=()):
        """A read-only query on jobs.db (no FUSE call: costs the daemon nothing)."""
        return jobs_query(self.state, sql, args, timeout=5)

    def job_state(self, path):
        """State of the newest job whose video is or was at @path."""
        try:
            rows = self.jobs("SELECT state FROM jobs WHERE path = ? ORDER BY id DESC LIMIT 1",
                             (path,))
        except sqlite3.Error:
            return None
        return rows[0][0] if rows else None

    def place(self, src, rel, age=30):
        """Move @src to staging/@rel (a rename: no copy) with its caption,
        both modified @age seconds ago, while no daemon runs: the next
        mount finds a complete item at once.  Not a hard link: tiktokfs
        refuses a video with two names (util/safepath.h), so the caller
        moves the posted file back to @src for the next run."""
        dst = os.path.join(self.staging, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.rename(src, dst)
        cap = os.path.splitext(dst)[0] + ".caption"
        with open(cap, "w") as f:
            f.write(CAPTION)
        t = time.time() - age
        os.utime(dst, (t, t))
        os.utime(cap, (t, t))
        return dst


class Env:
    """Work directory, sandbox, sites, cleanup."""

    def __init__(self, workdir_parent=None):
        self.work = tempfile.mkdtemp(prefix="tiktokfs-bench-", dir=workdir_parent)
        self.daemons = []
        self.procs = []  # other processes (rclone): Popen objects
        self.mounts = []  # other mount points to unmount at close
        self.sb = None

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def start_sandbox(self):
        self.sb = Sandbox()
        self.sb.start()
        self.sb_knobs()
        return self.sb

    def sb_knobs(self):
        # Limits and caps lifted, no copy of the bytes kept, no processing
        # wait: the bench measures tiktokfs, not the sandbox's clocks.
        self.sb.knobs(unlimited=True, keep_upload_bytes=False, processing_delay=0.0,
                      moderation_delay=0.0)

    def site(self, name, **cfg):
        return Site(self, name, **cfg)

    def close(self):
        for d in list(self.daemons):
            try:
                d.stop(timeout=10)
            except Exception as e:  # noqa: BLE001 - cleanup goes on
                log(f"cleanup: {e}")
        for mnt in self.mounts:
            fusermount_u(mnt)
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for mnt in self.mounts:
            fusermount_u(mnt)
        if self.sb is not None:
            self.sb.stop()
        shutil.rmtree(self.work, ignore_errors=True)

#!/usr/bin/python3
"""make check after the build: the C unit tests and every pytest suite at
once, then one summary line and one line of phase timings.

The unit binaries and the mounted tests overlap: pytest starts first (its
workers spend their time waiting for daemons and sandboxes), the unit
binaries are built beside it (--make-units: make check builds only the
daemon before) and run beside it, one per processor.  They can: each makes its own
mkdtemp folder, its own sandbox on a port the OS picks, and reads the
media set made once before any of them starts (`make media`, run_unit.py).
The few videos single tests make for themselves are encoded beside them
(mediafiles.py --also).  Outputs are printed in a fixed order (units, then
pytest) whatever finished first.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from run_unit import run_units  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_command():
    # The mounted tests spend their time waiting for the daemon and the
    # sandbox, not computing, so workers (each with its own sandbox, mounts
    # and state directories) overlap the waits even on 2 cores.  Six beat
    # four: the same 55 mounted tests (test_posting, security, fs_items,
    # results, hooks, watch) took 75 and 56 s with six, 80 and 76 s with
    # four, alternating, load average 4-10.  tests/conftest.py hands the
    # longest tests out first, one at a time.
    workers = os.environ.get("CHECK_WORKERS", "6")
    # --durations: the slowest tests, to keep LONG_FIRST current.
    cmd = ["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider", "-q",
           "-o", "faulthandler_timeout=600", "--durations=30"]
    if workers != "1":
        cmd += ["-n", workers]
    return cmd + ["tests"]


def start_pytest(build, out):
    env = dict(os.environ)
    env["TIKTOKFS_BIN"] = os.path.join(ROOT, build, "tiktokfs")
    env["TIKTOKFS_BUILD"] = os.path.join(ROOT, build)
    return subprocess.Popen(pytest_command(), cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, text=True)


def pytest_counts(text, returncode):
    """(passed, failed) from pytest's last line; a run that ended badly
    with no failure counted counts as one."""
    tail = text.strip().splitlines()[-1] if text.strip() else ""
    m = re.search(r"(\d+) passed", tail)
    passed = int(m.group(1)) if m else 0
    failed = sum(int(x) for x in re.findall(r"(\d+) (?:failed|errors?)", tail))
    if returncode not in (0, 5):
        failed = max(failed, 1)
    return passed, failed


def build_and_run_units(make, units):
    """(passed, failed) of the unit binaries, built first by @make (a
    command line) when given.  The make inherits this process's descriptors:
    under `make -jN check` they carry the caller's job server."""
    if make:
        r = subprocess.run(shlex.split(make) + units, cwd=ROOT, close_fds=False)
        if r.returncode != 0:
            print(f"unit: the build failed (exit {r.returncode})", flush=True)
            return 0, 1
    return run_units(units, jobs=os.cpu_count() or 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--started", type=float, default=None,
                    help="when the build began (Unix seconds), for the phase line")
    ap.add_argument("--make-units", default=None,
                    help="the make command that builds the unit binaries, run beside pytest")
    ap.add_argument("units", nargs="*")
    args = ap.parse_args()

    t_build = time.time()
    with tempfile.TemporaryFile("w+") as out:
        py = start_pytest(args.build, out)
        t0 = time.monotonic()
        # What runs beside pytest from here (the unit build and binaries,
        # ffmpeg) is throughput work that inherits this niceness, while the
        # mounted tests' daemons and sandboxes keep their priority: they
        # mostly wait, and a test that counts TikTok's minutes wants them
        # to wake on time.
        os.nice(10)
        # the videos single tests make, encoded while the workers wait for
        # daemons (the build made the standard set: make media)
        also = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "tools",
                                                              "mediafiles.py"), "--also"],
                                cwd=ROOT, stdout=subprocess.DEVNULL)
        up, uf = build_and_run_units(args.make_units, args.units)
        unit_s = time.monotonic() - t0
        print(f"unit: {up} passed, {uf} failed", flush=True)
        rc = py.wait()
        also.wait()
        integ_s = time.monotonic() - t0
        out.seek(0)
        text = out.read()
    sys.stdout.write(text)
    pp, pf = pytest_counts(text, rc)
    total_p, total_f = up + pp, uf + pf
    build_s = t_build - args.started if args.started else 0.0
    # the summary stays the last line: people and scripts read it there
    print(f"phases: build {build_s:.0f} s, unit {unit_s:.0f} s, integration {integ_s:.0f} s "
          f"(unit and integration run together), total {build_s + integ_s:.0f} s")
    print(f"check: {total_p} passed, {total_f} failed")
    sys.exit(1 if total_f else 0)


if __name__ == "__main__":
    main()

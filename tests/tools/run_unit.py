#!/usr/bin/python3
"""Run the C unit-test binaries given on the command line; print one summary.

With jobs > 1 (run_check.py; `-j N` here) the binaries run side by side:
none shares a file or a port with another (each test makes its own mkdtemp
folder; servers bind port 0), and the media set they read is made once
before the first starts.  Each binary's output is printed whole, in the
order given, so a failure reads the same as in a serial run."""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def media_dir():
    """The standard media set for test_probe (tests/tools/mediafiles.py), made once."""
    if not os.environ.get("TIKTOKFS_MEDIA"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import mediafiles
        out = mediafiles.CACHE / "standard"
        mediafiles.make_standard(out)
        os.environ["TIKTOKFS_MEDIA"] = str(out)
    return os.environ["TIKTOKFS_MEDIA"]


def run_one(binary):
    return subprocess.run([binary], capture_output=True, text=True)


def counts(binary, r):
    """(passed, failed) of one binary's run, from its summary line."""
    m = re.search(r"(\d+) passed, (\d+) failed", r.stdout)
    if not m:
        print(f"{binary}: crashed or printed no summary (exit {r.returncode})")
        return 0, 1
    passed, failed = int(m.group(1)), int(m.group(2))
    if r.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed


def run_units(binaries, jobs=1):
    passed = failed = 0
    if any(os.path.basename(b) == "test_probe" for b in binaries):
        media_dir()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for b, r in zip(binaries, pool.map(run_one, binaries)):
            sys.stdout.write(r.stdout)
            sys.stderr.write(r.stderr)
            p, f = counts(b, r)
            passed += p
            failed += f
    sys.stdout.flush()
    return passed, failed


if __name__ == "__main__":
    args = sys.argv[1:]
    jobs = 1
    if len(args) >= 2 and args[0] == "-j":
        jobs, args = int(args[1]), args[2:]
    p, f = run_units(args, jobs)
    print(f"unit: {p} passed, {f} failed")
    sys.exit(1 if f else 0)

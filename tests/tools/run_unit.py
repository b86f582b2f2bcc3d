#!/usr/bin/python3
"""Run the C unit-test binaries given on the command line; print one summary."""
import os
import re
import subprocess
import sys


def media_dir():
    """The standard media set for test_probe (tests/tools/mediafiles.py), made once."""
    if not os.environ.get("TIKTOKFS_MEDIA"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import mediafiles
        out = mediafiles.CACHE / "standard"
        mediafiles.make_standard(out)
        os.environ["TIKTOKFS_MEDIA"] = str(out)
    return os.environ["TIKTOKFS_MEDIA"]


def run_units(binaries):
    passed = failed = 0
    if any(os.path.basename(b) == "test_probe" for b in binaries):
        media_dir()
    for b in binaries:
        r = subprocess.run([b], capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        m = re.search(r"(\d+) passed, (\d+) failed", r.stdout)
        if not m:
            print(f"{b}: crashed or printed no summary (exit {r.returncode})")
            failed += 1
            continue
        passed += int(m.group(1))
        failed += int(m.group(2))
        if r.returncode != 0 and int(m.group(2)) == 0:
            failed += 1
    return passed, failed


if __name__ == "__main__":
    p, f = run_units(sys.argv[1:])
    print(f"unit: {p} passed, {f} failed")
    sys.exit(1 if f else 0)

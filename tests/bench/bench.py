#!/usr/bin/python3
"""make bench: ratios measured side by side on this machine (issue 7).

Each row compares tiktokfs with a reference measured in the same run on the
same machine (the staging directory itself, rclone, curl, a bigger item),
alternating between the two where order could matter, and reports the
median of --runs runs (default 5).  The machine comes first: cores, kernel,
CPU, the filesystem under the staging directory, libfuse.  Targets are
printed with PASS/MISS, but the exit status never depends on them: this is
a measurement, not a test (a broken pipeline does exit non-zero).

  tests/bench/bench.py [--runs N] [--quick] [--json FILE] [--only ROW,...] [--keep-going]

--quick: small sizes, two runs, about a minute: a smoke run of the bench
itself, whose numbers mean little.  Rows: ingest (durable, page cache,
rclone), upload (throughput and CPU), memory, latency, many, listing.

Everything lives in one temporary directory under $TMPDIR (default /tmp):
sandbox, state directories, mounts, generated media.  It is all unmounted,
stopped and removed at the end, also on a failure or Ctrl-C.  A row whose
data does not fit in the free space there is skipped with a note.
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_env as E  # noqa: E402
import bench_rows as R  # noqa: E402

ROWS = ("ingest", "upload", "memory", "latency", "many", "listing", "poll")

FULL = {"runs": 5, "ingest_mib": 1024, "upload": E.GiB, "mem_small": 100_000_000,
        "mem_big": 2 * E.GiB, "many": 1000, "many_budget": 65.0, "listing": 10_000}
QUICK = {"runs": 2, "ingest_mib": 64, "upload": 100_000_000, "mem_small": 20_000_000,
         "mem_big": 100_000_000, "many": 30, "many_budget": 5.0, "listing": 1000}


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    if isinstance(v, dict):
        return ",".join(f"{k}:{x}" for k, x in v.items())
    return str(v)


def print_table(mach, rows, p, elapsed):
    print("\ntiktokfs bench — ratios measured side by side in one run on this machine")
    print(f"machine: {mach['cores']} cores, {mach['cpu']}, {mach['memory_gib']} GiB RAM; "
          f"kernel {mach['kernel']}; staging on {mach['staging_fs']}; libfuse {mach['libfuse']}")
    print(f"{mach['date']}; load average {mach['load_at_start']:.2f} at start, "
          f"{mach.get('load_at_end', 0):.2f} at end (other work on the machine makes the "
          "numbers noisy); "
          f"median of {p['runs']} runs{' (--quick: sizes reduced)' if p['quick'] else ''}; "
          f"{elapsed:.0f} s\n")
    print(f"{'what':44} {'measured':58} {'ratio':>7} {'target':>16}  verdict")
    print("-" * 138)
    for row in rows:
        vals = "; ".join(f"{k} {fmt(v)}" for k, v in row.values.items()
                         if not isinstance(v, (list, dict)))
        print(f"{row.what:44} {vals:58} {fmt(row.ratio):>7} {row.target_text:>16}  "
              f"{row.verdict}")
        if row.note:
            print(f"{'':44} ({row.note})")


def space_ok(path, need, what, rows):
    free = shutil.disk_usage(path).free
    if free >= need * 1.2:
        return True
    rows.append(R.skipped(what, f"needs {need / E.GiB:.1f} GiB in {path}, "
                          f"{free / E.GiB:.1f} GiB free"))
    return False


def run_rows(env, p, only, rows, keep_going):
    clip = env.path("clip.mp4")
    E.make_clip(clip)  # 720x1280, 4 s: the head of the padded items
    small = env.path("small.mp4")
    E.make_clip(small, 360, 640, 4, crf=45)  # tens of kB: latency, many items
    tmp = env.work

    def attempt(name, fn):
        if name not in only:
            return
        E.log(f"row {name} ...")
        t0 = time.monotonic()
        try:
            rows.extend(fn())
        except Exception as e:  # noqa: BLE001 - reported in the table
            if not keep_going:
                raise
            traceback.print_exc()
            rows.append(R.skipped(name, f"failed: {str(e).splitlines()[0][:120]}"))
        E.log(f"row {name}: {time.monotonic() - t0:.0f} s")

    if space_ok(tmp, 3 * p["ingest_mib"] * E.MiB, "ingest", rows):
        attempt("ingest", lambda: R.ingest_rows(env, env.site("ingest"), p["ingest_mib"],
                                                p["runs"]))
    if space_ok(tmp, 3 * p["upload"], "upload", rows):
        attempt("upload", lambda: R.upload_rows(env, env.site("upload"), clip, p["upload"],
                                                p["runs"]))
    if space_ok(tmp, 2 * p["mem_big"], "memory", rows):
        attempt("memory", lambda: R.memory_row(env, env.site("memory"), clip, p["mem_small"],
                                               p["mem_big"], p["runs"]))
    attempt("latency", lambda: R.latency_row(env, env.site("latency"), small, p["runs"]))
    attempt("many", lambda: R.many_row(env, env.site("many"), small, p["many"],
                                       p["many_budget"]))
    attempt("listing", lambda: R.listing_row(env, env.site("listing"), p["listing"],
                                             p["runs"]))
    attempt("poll", lambda: R.poll_row(env))


def on_term(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, help="runs per row (median); default 5, --quick 2")
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--only", help="comma-separated rows: " + ",".join(ROWS))
    ap.add_argument("--keep-going", action="store_true",
                    help="a row that fails is noted in the table; the others still run")
    a = ap.parse_args()
    p = dict(QUICK if a.quick else FULL, quick=a.quick)
    if a.runs:
        p["runs"] = max(1, a.runs)
    only = set(a.only.split(",")) if a.only else set(ROWS)
    if only - set(ROWS):
        ap.error(f"unknown rows: {','.join(sorted(only - set(ROWS)))}")
    if not os.access(E.BIN, os.X_OK):
        sys.exit(f"bench: {E.BIN} is not built (make tiktokfs)")

    # SIGTERM ends the run the way Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, on_term)
    t0 = time.monotonic()
    env = E.Env(tempfile.gettempdir())
    rows = []
    mach = None
    status = 0
    try:
        env.start_sandbox()
        mach = E.machine(env.work)  # the staging directories live in here
        run_rows(env, p, only, rows, a.keep_going)
    except KeyboardInterrupt:
        E.log("interrupted: cleaning up")
        status = 130
    except Exception:  # noqa: BLE001 - the bench itself broke
        traceback.print_exc()
        status = 1
    finally:
        if env.sb is not None and status:
            sys.stderr.write(env.sb.stderr_tail(20) + "\n")
        env.close()
    elapsed = time.monotonic() - t0
    if mach:
        mach["load_at_end"] = os.getloadavg()[0]
        print_table(mach, rows, p, elapsed)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"machine": mach, "params": p, "elapsed_s": elapsed,
                           "rows": [r.as_dict() for r in rows]}, f, indent=2)
                f.write("\n")
    sys.exit(status)


if __name__ == "__main__":
    main()

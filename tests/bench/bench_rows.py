"""The bench's rows: each function measures one line of issue 7's table,
side by side with its reference, @runs times, and returns a list of Row.

Ratios are always "tiktokfs relative to the reference" in the direction in
which bigger is better for throughput rows (tiktokfs / reference), and
tiktokfs / reference for cost rows (CPU, memory), where smaller is better;
Row.op says which way the target points.
"""
import os
import resource
import shutil
import subprocess
import time
import urllib.parse

from bench_env import (GiB, MiB, CAPTION, drop_caches, fusermount_u, is_mounted, log,
                       median, wait_for)


class Row:
    def __init__(self, what, values, ratio=None, target=None, op=">=", note="",
                 target_text=None, verdict=None):
        self.what, self.values, self.ratio = what, values, ratio
        self.target, self.op, self.note = target, op, note
        self.target_text = target_text or (f"{op} {target}" if target is not None else "report")
        self._verdict = verdict

    @property
    def verdict(self):
        if self._verdict:
            return self._verdict
        if self.target is None:
            return "report"
        if self.ratio is None:
            return "n/a"
        ok = self.ratio >= self.target if self.op == ">=" else self.ratio <= self.target
        return "PASS" if ok else "MISS"

    def as_dict(self):
        return {"what": self.what, "values": self.values, "ratio": self.ratio,
                "target": self.target_text,
                "verdict": self.verdict, "note": self.note}


def skipped(what, why):
    return Row(what, {}, note=f"skipped: {why}")


def mbps(nbytes, secs):
    return nbytes / secs / 1e6 if secs else None


def timed(cmd):
    """Wall seconds of @cmd (output discarded); raises if it fails."""
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.monotonic() - t0


def rm(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def settle_io(dropped):
    """Between runs: write back what the last run left dirty, drop the cache."""
    if dropped:
        drop_caches()
    else:
        os.sync()


# ---- ingest ------------------------------------------------------------------

def dd(dst, count, fsync):
    cmd = ["dd", "if=/dev/zero", f"of={dst}", "bs=1M", f"count={count}"]
    if fsync:
        cmd.append("conv=fsync")
    return timed(cmd)


def rclone_mount(env, log_to):
    """`rclone mount :local:REMOTE MNT --vfs-cache-mode writes`; installs
    Debian's rclone first if it is missing.  Returns the mount point or None."""
    if not shutil.which("rclone"):
        log("rclone is missing: installing Debian's rclone (apt-get install -y rclone)")
        r = subprocess.run(["apt-get", "install", "-y", "rclone"], capture_output=True,
                           text=True)
        if r.returncode != 0 or not shutil.which("rclone"):
            log(f"apt-get install rclone failed: {r.stderr.strip()[-300:]}")
            return None
    remote, mnt, cache = env.path("rclone-remote"), env.path("rclone-mnt"), env.path("rclone-cache")
    for d in (remote, mnt, cache):
        os.makedirs(d, exist_ok=True)
    p = subprocess.Popen(["rclone", "mount", f":local:{remote}", mnt, "--vfs-cache-mode",
                          "writes", "--cache-dir", cache],
                         stdin=subprocess.DEVNULL, stdout=log_to, stderr=log_to)
    env.procs.append(p)
    env.mounts.append(mnt)
    wait_for(lambda: is_mounted(mnt), "the rclone mount", 30, p, 0.05)
    return mnt


def ingest_rows(env, site, size_mib, runs, with_rclone=True):
    """dd with and without fsync, and cp, into outbox/ of the mount vs the
    staging directory itself; cp into an rclone mount.  Alternating order."""
    nbytes = size_mib * MiB
    d = site.daemon()
    native_dir = site.staging  # same filesystem, not watched: a plain directory
    src = env.path("ingest-src.bin")
    with open(src, "wb") as f:
        block = os.urandom(MiB)
        for _ in range(size_mib):
            f.write(block)
    rc_log = open(env.path("rclone.log"), "w")
    rc_mnt = rclone_mount(env, rc_log) if with_rclone else None
    res = {k: [] for k in ("dsync_fs", "dsync_nat", "dd_fs", "dd_nat", "cp_fs", "cp_nat",
                           "cp_rc")}
    dropped = drop_caches()
    try:
        for r in range(runs):
            fs_dst = os.path.join(site.mnt, "outbox", "ingest.bin")
            nat_dst = os.path.join(native_dir, "ingest-native.bin")
            order = [("fs", fs_dst), ("nat", nat_dst)]
            if r % 2:
                order.reverse()
            for kind, dst in order:  # durable
                settle_io(dropped)
                res["dsync_" + kind].append(dd(dst, size_mib, True))
                rm(dst)
            for kind, dst in order:  # page cache
                settle_io(dropped)
                res["dd_" + kind].append(dd(dst, size_mib, False))
                rm(dst)
            targets = order + ([("rc", os.path.join(rc_mnt, "ingest.bin"))] if rc_mnt else [])
            for kind, dst in targets:  # cp of a cached 1 GiB file
                settle_io(dropped)
                subprocess.run(["cat", src], stdout=subprocess.DEVNULL, check=True)
                res["cp_" + kind].append(timed(["cp", src, dst]))
                rm(dst)
            log(f"ingest run {r + 1}/{runs} done")
    finally:
        if rc_mnt:
            fusermount_u(rc_mnt)
        d.stop()
        rc_log.close()
        rm(src)
    tp = {k: mbps(nbytes, median(v)) for k, v in res.items() if v}
    size = f"{size_mib} MiB"
    cache_note = "" if dropped else "; page cache NOT dropped (not allowed here)"
    rows = [
        Row(f"ingest, durable (dd {size} conv=fsync)",
            {"tiktokfs MB/s": tp["dsync_fs"], "native MB/s": tp["dsync_nat"]},
            tp["dsync_fs"] / tp["dsync_nat"], 0.7,
            note="outbox/ of the mount vs the staging dir; caches dropped between runs"
            + cache_note),
        Row(f"ingest, page cache (dd {size})",
            {"tiktokfs MB/s": tp["dd_fs"], "native MB/s": tp["dd_nat"]},
            tp["dd_fs"] / tp["dd_nat"]),
        Row(f"ingest, page cache (cp {size})",
            {"tiktokfs MB/s": tp["cp_fs"], "native MB/s": tp["cp_nat"]},
            tp["cp_fs"] / tp["cp_nat"], note="source file in page cache"),
    ]
    if rc_mnt:
        rows.append(Row(f"ingest vs rclone (cp {size})",
                        {"tiktokfs MB/s": tp["cp_fs"], "rclone MB/s": tp["cp_rc"]},
                        tp["cp_fs"] / tp["cp_rc"], 3.0,
                        note="rclone mount :local: --vfs-cache-mode writes; "
                        "same cp runs as the row above"))
    else:
        rows.append(skipped("ingest vs rclone", "rclone could not be installed"))
    return rows


# ---- upload ------------------------------------------------------------------

def put_window(entries, size, chunk):
    """Throughput from the sandbox's request log: log times are taken when a
    PUT's answer is sent, so the window from the first PUT's answer to the
    last one's (201) covers every chunk but the first."""
    puts = [e for e in entries if e["method"] == "PUT" and e["status"] in (201, 206)]
    if len(puts) < 2 or puts[-1]["status"] != 201:
        return None, None
    secs = puts[-1]["t"] - puts[0]["t"]
    return size - chunk, secs


def daemon_post(site, src, rel, timeout):
    """Post @src as staging/@rel with a fresh daemon.  Returns a dict:
    cpu (user+sys s from `uploading` to `processing`), hwm (bytes), the
    sandbox's PUT log."""
    sb = site.env.sb
    site.place(src, rel)
    sb.api("POST", "/_sandbox/requests/clear", body=b"{}",
           headers={"Content-Type": "application/json"})
    d = site.daemon()
    try:
        out = {}
        _daemon_post_wait(site, d, rel, timeout, out)
        hwm = d.hwm()
        entries = sb.request_log()
    except RuntimeError as e:
        raise RuntimeError(f"{e}\n--- daemon log:\n{d.log_tail()}") from None
    finally:
        d.stop()
    posted = os.path.join(site.staging, "posted", os.path.basename(rel))
    os.rename(posted, src)  # site.place moved it in: the next run's item
    rm(os.path.splitext(posted)[0] + ".caption")
    return {"cpu": out["c1"] - out["c0"], "hwm": hwm, "log": entries}


def _daemon_post_wait(site, d, rel, timeout, out):
    """Sample the daemon's CPU as its job enters `uploading` and leaves it.
    The job is followed by id: its path becomes posted/... when it is done."""
    def job():
        rows = site.jobs("SELECT id, state FROM jobs WHERE path = ? ORDER BY id DESC LIMIT 1",
                         (rel,))
        return rows[0] if rows and rows[0][1] not in ("waiting", "ready") else None

    def state(jid):
        return site.jobs("SELECT state FROM jobs WHERE id = ?", (jid,))[0][0]

    jid = wait_for(job, f"{rel} uploading", timeout, d.proc, 0.005)[0]
    out["c0"] = d.cpu()
    wait_for(lambda: state(jid) != "uploading", f"{rel} sent", timeout, d.proc, 0.005)
    out["c1"] = d.cpu()
    wait_for(lambda: state(jid) in ("posted", "failed", "invalid", "cancelled", "lost"),
             f"{rel} posted", timeout, d.proc, 0.02)
    if state(jid) != "posted":
        raise RuntimeError(f"{rel} ended {state(jid)}")


def curl_post(env, token, chunks, size, chunk_size):
    """Init through the sandbox API, then one curl PUTting every chunk file
    (keep-alive across --next).  Returns (bytes, seconds, cpu seconds)."""
    sb = env.sb
    body = {"post_info": {"title": "bench curl", "privacy_level": "SELF_ONLY"},
            "source_info": {"source": "FILE_UPLOAD", "video_size": size,
                            "chunk_size": chunk_size, "total_chunk_count": len(chunks)}}
    r = sb.api("POST", "/v2/post/publish/video/init/", json_body=body, token=token)
    if r.status != 200:
        raise RuntimeError(f"curl init: {r.status} {r.text[:200]}")
    url = r.json()["data"]["upload_url"]
    # -T streams each chunk file from disk as it sends, like the daemon.
    # curl would append the file's name to a URL whose path ends in "/"
    # (/video/?upload_id=...), so the URL names a file and --request-target
    # carries the upload URL's real path and query.
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    base = f"{parts.scheme}://{parts.netloc}/chunk"
    args = ["curl", "-sS"]
    for i, (path, first, last) in enumerate(chunks):
        if i:
            args.append("--next")
        args += ["--cacert", sb.ca_file, "-T", path, "--request-target", target,
                 "-H", "Content-Type: video/mp4",
                 "-H", f"Content-Range: bytes {first}-{last}/{size}", "-H", "Expect:",
                 "-o", "/dev/null", "-w", "%{http_code}\\n", base]
    sb.api("POST", "/_sandbox/requests/clear", body=b"{}",
           headers={"Content-Type": "application/json"})
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(args, capture_output=True, text=True)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    codes = p.stdout.split()
    if p.returncode != 0 or not codes or codes[-1] != "201":
        raise RuntimeError(f"curl upload: rc {p.returncode}, codes {codes[-3:]}, {p.stderr[-300:]}")
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    nbytes, secs = put_window(sb.request_log(), size, chunk_size)
    return nbytes, secs, cpu


def split_chunks(src, outdir, size, chunk_size, count):
    """The chunk files of the plan (size, chunk_size, count): the last chunk
    absorbs the remainder, as TikTok's plan says."""
    os.makedirs(outdir, exist_ok=True)
    chunks = []
    with open(src, "rb") as f:
        for i in range(count):
            first = i * chunk_size
            last = size - 1 if i == count - 1 else first + chunk_size - 1
            path = os.path.join(outdir, f"c{i:04d}")
            with open(path, "wb") as out:
                left = last - first + 1
                while left:
                    b = f.read(min(left, 4 * MiB))
                    out.write(b)
                    left -= len(b)
            chunks.append((path, first, last))
    return chunks


def upload_rows(env, site, clip, size, runs):
    """The same item posted by tiktokfs and by curl, alternately, to the same
    sandbox.  Throughput from the sandbox's request log for both; CPU of the
    daemon while `uploading` vs curl's rusage."""
    from bench_env import pad_mp4
    src = pad_mp4(clip, env.path("upload-src.mp4"), size)
    token = env.sb.oauth()["access_token"]
    chunks = None
    tk_tp, cu_tp, tk_cpu, cu_cpu = [], [], [], []
    timeout = 120 + size / 20e6
    try:
        for r in range(runs):
            rel = f"outbox/up-{r}.mp4"
            out = daemon_post(site, src, rel, timeout)
            rec = env.sb.received()[-1]
            if chunks is None:  # curl follows the plan tiktokfs chose
                chunks = split_chunks(src, env.path("chunks"), size, rec["chunk_size"],
                                      rec["total_chunk_count"])
                subprocess.run(["cat"] + [c[0] for c in chunks], stdout=subprocess.DEVNULL)
            nb, secs = put_window(out["log"], size, rec["chunk_size"])
            tk_tp.append(mbps(nb, secs) if secs else None)
            tk_cpu.append(out["cpu"] / (size / GiB))
            nb, secs, cpu = curl_post(env, token, chunks, size, rec["chunk_size"])
            cu_tp.append(mbps(nb, secs) if secs else None)
            cu_cpu.append(cpu / (size / GiB))
            log(f"upload run {r + 1}/{runs}: tiktokfs {tk_tp[-1]:.0f} MB/s "
                f"{tk_cpu[-1]:.2f} cpu-s/GiB, curl {cu_tp[-1]:.0f} MB/s {cu_cpu[-1]:.2f} cpu-s/GiB")
    finally:
        rm(src)
        shutil.rmtree(env.path("chunks"), ignore_errors=True)
    t, c = median(tk_tp), median(cu_tp)
    tc, cc = median(tk_cpu), median(cu_cpu)
    plan = f"{len(chunks)} chunks of {chunks[0][2] + 1}" if chunks else "?"
    return [
        Row(f"upload ({size / GiB:.2f} GiB item)", {"tiktokfs MB/s": t, "curl MB/s": c},
            t / c if t and c else None, 0.95,
            note=f"{plan}; sandbox request log, first PUT's answer to the 201; curl -T "
            "per chunk file, keep-alive; both read from the page cache"),
        Row("upload CPU (user+sys s per GiB)", {"daemon": tc, "curl": cc},
            tc / cc if tc and cc else None, 1.2, op="<=",
            note="daemon /proc/PID/stat while `uploading`; curl RUSAGE_CHILDREN"),
    ]


def memory_row(env, site, clip, small, big, runs):
    """Peak RSS of a fresh daemon posting one item of each size."""
    from bench_env import pad_mp4
    out = {}
    for size in (small, big):
        src = pad_mp4(clip, env.path("mem-src.mp4"), size)
        hwms = []
        try:
            for r in range(runs):
                res = daemon_post(site, src, f"outbox/mem-{size}-{r}.mp4", 120 + size / 20e6)
                hwms.append(res["hwm"])
        finally:
            rm(src)
        out[size] = median(hwms)
        log(f"memory {size} bytes: VmHWM {out[size] / MiB:.1f} MiB")
    a, b = out[small], out[big]
    ratio = b / a
    within = abs(ratio - 1) <= 0.10 and max(a, b) <= 32 * MiB
    row = Row("memory: peak RSS (VmHWM)",
              {f"{small / 1e6:.0f} MB item MiB": a / MiB, f"{big / 1e6:.0f} MB item MiB": b / MiB},
              ratio, None, note="fresh daemon per item; ratio = big / small",
              target_text="±10 %, <= 32 MiB", verdict="PASS" if within else "MISS")
    return [row]


# ---- latency, many items, listing ---------------------------------------------

def write_item(mnt_outbox, name, video_bytes):
    """Caption first, then the video, through the mount; returns the time the
    last close returned."""
    with open(os.path.join(mnt_outbox, name + ".caption"), "w") as f:
        f.write(CAPTION)
    with open(os.path.join(mnt_outbox, name + ".mp4"), "wb") as f:
        f.write(video_bytes)
    return time.time()


def latency_row(env, site, small_clip, runs, settle=1.0):
    """Items written through the mount one after the other; each is measured
    from the end of its settle time to the daemon's log line just before its
    first chunk goes out.  A daemon serves at most five measured items after
    one warm-up item (its first TLS handshake and token load are not what
    this row is about; its own limiter allows six inits a minute)."""
    conf = site.config("latency.conf", settle_time=settle, log_level="debug")
    with open(small_clip, "rb") as f:
        data = f.read()
    lat, lat_put, cold = [], [], []
    d = None
    try:
        for r in range(runs):
            if r % 5 == 0:
                if d:
                    d.stop()
                d = site.daemon(conf)
                cold.append(_latency_once(env, site, d, f"warm-{r}", data, settle)[0])
            first, put = _latency_once(env, site, d, f"lat-{r}", data, settle)
            lat.append(first)
            lat_put.append(put)
    finally:
        if d:
            d.stop()
    m = median(lat)
    return [Row(f"latency: settle end -> first byte ({len(data) // 1000} kB item)",
                {"median ms": m, "first PUT answered ms": median(lat_put),
                 "first item of a fresh daemon ms": median(cold),
                 "runs ms": [round(x) for x in lat if x is not None]},
                m, 50, op="<=",
                note=f"settle_time {settle:g} s counted from the last close() here; first byte "
                "= the daemon's debug line before chunk 1 (ms stamps; jobs.db history has "
                "1-s resolution); sandbox in Python on the same 2 cores")]


def _latency_once(env, site, d, name, data, settle):
    env.sb.api("POST", "/_sandbox/requests/clear", body=b"{}",
               headers={"Content-Type": "application/json"})
    t_close = write_item(os.path.join(site.mnt, "outbox"), name, data)
    posted = os.path.join(site.staging, "posted", name + ".mp4")
    wait_for(lambda: os.path.exists(posted), f"{name} posted", 60, d.proc, 0.02)
    due = t_close + settle
    first = d.stamped(r": chunk 1/", after=t_close)
    puts = [e for e in env.sb.request_log() if e["method"] == "PUT"]
    return ((first - due) * 1000 if first is not None else None,
            (puts[0]["t"] - due) * 1000 if puts else None)


def many_row(env, site, small_clip, n, budget):
    """@n small items through the mount.  Phase 1: until every job left
    `waiting` (ingest, settle, probe, validate; the poster already posts
    meanwhile).  Phase 2: @budget seconds of posting."""
    with open(small_clip, "rb") as f:
        data = f.read()
    d = site.daemon()
    try:
        outbox = os.path.join(site.mnt, "outbox")
        c0, t0 = d.cpu(), time.monotonic()
        for i in range(n):
            write_item(outbox, f"many-{i:05d}", data)
        t_written = time.monotonic() - t0

        def settled():
            rows = site.jobs("SELECT count(*) FROM jobs WHERE state != 'waiting'")
            return rows[0][0] >= n

        wait_for(settled, f"{n} items settled", 60 + n * 0.5, d.proc, 0.1)
        c1, t1 = d.cpu(), time.monotonic()
        posted0 = len(os.listdir(os.path.join(site.staging, "posted"))) // 2
        time.sleep(budget)
        c2 = d.cpu()
        posted1 = len(os.listdir(os.path.join(site.staging, "posted"))) // 2
        states = dict(site.jobs("SELECT state, count(*) FROM jobs GROUP BY state"))
    finally:
        d.stop()
    posted_in_window = posted1 - posted0
    ingest_ms = (c1 - c0) * 1000 / n
    post_ms = (c2 - c1) * 1000 / posted_in_window if posted_in_window else None
    return [Row(f"many items ({n} x {len(data) // 1000} kB)",
                {"ingest+validate CPU ms/item": ingest_ms,
                 "posting CPU ms/item": post_ms,
                 "posted in phase 2": posted_in_window,
                 "copy-in s": t_written, "settle s": t1 - t0, "states": states},
                None, None,
                note=f"phase 2 = {budget:g} s of posting; the daemon's own limiter allows "
                "6 inits/min (net/poster.c), so 1000 items cannot all post in a bench run")]


def listing_row(env, site, n, runs):
    posted = os.path.join(site.staging, "posted")
    os.makedirs(posted, exist_ok=True)
    for i in range(n):
        with open(os.path.join(posted, f"list-{i:05d}.mp4"), "wb") as f:
            f.write(b"x")
    d = site.daemon()
    nat_t, fs_t = [], []
    try:
        fs_dir = os.path.join(site.mnt, "posted")
        timed(["ls", "-l", posted])
        timed(["ls", "-l", fs_dir])  # warm both: the row compares warm listings
        for r in range(runs):
            order = [(nat_t, posted), (fs_t, fs_dir)]
            if r % 2:
                order.reverse()
            for acc, p in order:
                acc.append(timed(["ls", "-l", p]))
    finally:
        d.stop()
    nt, ft = median(nat_t), median(fs_t)
    return [Row(f"listing: ls -l of {n} files in posted/",
                {"tiktokfs ms": ft * 1000, "native ms": nt * 1000}, nt / ft, 0.5,
                note="warm; ratio = native time / tiktokfs time")]


def _cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def poll_row(env, n=10000, polls=20, interval=0.2):
    """`tiktokfs watch --poll` over @n settled files: the daemon's CPU per poll,
    counted between two "polled" lines of its debug log.  The daemon's other
    threads (the mirror, the tracker's timer) are idle with no work and count
    too, so this is an upper bound."""
    from bench_env import BIN
    base = os.path.join(env.work, "poll")
    rm(base)
    drop = os.path.join(base, "drop")
    outbox = os.path.join(drop, "outbox")
    os.makedirs(outbox)
    old = time.time() - 3600
    for i in range(n):
        p = os.path.join(outbox, f"settled-{i:05d}.mp4")
        with open(p, "wb") as f:
            f.write(b"x")
        os.utime(p, (old, old))
    conf = os.path.join(base, "tiktokfs.conf")
    with open(conf, "w") as f:
        f.write(f"state_dir = {base}/state\nlog_level = debug\nprivacy = private\n")
    os.chmod(conf, 0o600)
    logp = os.path.join(base, "watch.log")
    with open(logp, "wb") as lf:
        proc = subprocess.Popen([BIN, "watch", "-f", f"--poll={interval}", "-c", conf, drop],
                                stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)

    def npolls():
        with open(logp, errors="replace") as f:
            return f.read().count(": polled, ")
    try:
        wait_for(lambda: npolls() >= 2, "the first polls", 120, proc)
        start, t0 = npolls(), _cpu_ticks(proc.pid)
        wait_for(lambda: npolls() >= start + polls, f"{polls} polls", 120, proc)
        got, t1 = npolls() - start, _cpu_ticks(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ms = (t1 - t0) * 1000.0 / os.sysconf("SC_CLK_TCK") / got
    return [Row(f"poll of {n} settled files: CPU ms per poll", {"tiktokfs ms": ms},
                note="watch --poll; entries and fstatat only, no file is opened")]

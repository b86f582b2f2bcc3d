"""queue/ through a real mount and in watch mode (issue 13 §3): items need no
time of their own and take the next free posting slot of the config's
`slots`, in the order they become ready, and keep it.

- slots that pass while the daemon is down post at the next mount, at once
  and in slot order;
- ten items copied into queue/ get ten distinct slots in name order
  (user.tiktok.schedule_at, STATUS.txt, `status --json`), keep them across a
  remount and are posted each at its slot, never before it and before the
  next one, by the sandbox's own record (the daemon and the sandbox share a
  clock running 30 times faster: tests/conftest.py, time_scale);
- an rsync of a week of renders into a watched queue/ plans the week, in
  Europe/Berlin wall time;
- a deleted item frees its slot for the next newcomer, and nobody else moves;
- no slots configured: the item waits with NAME.error saying so;
- a slots line out of range stops the start naming the config line."""
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import zoneinfo

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fsutil import BIN  # noqa: E402
from posting_util import drop, logged_in_mount, wait_for  # noqa: E402
from watch_util import watched  # noqa: E402,F401  (fixture)

CAPTION = "---\nprivacy: private\n---\n{title}\n"
SCALE = 30  # a slot minute is 2 s of the test's time
GAP = 120  # seconds between the planned slots, in the shared clock


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def from_iso(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp())


def status_json(config):
    cp = subprocess.run([BIN, "status", "--json", "-c", str(config)], capture_output=True,
                        text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)


def drop_ten(m, clip, n=10):
    names = [f"queue/q{i:02d}.mp4" for i in range(n)]
    for i, rel in enumerate(names):
        drop(m, clip, CAPTION.format(title=f"q{i:02d}"), name=rel.split("/")[1], folder="queue")
    return names


def times_of(m, names):
    return [m.xattrs(rel).get("schedule_at") for rel in names]


@pytest.mark.time_scale(SCALE)
def test_ten_items_take_ten_slots_in_order_keep_them_and_post_at_them(mounted, sandbox, clip,
                                                                    clock_jump):
    now = sandbox.clock()["now"]
    first = (int(now) // 60 + 120) * 60  # two shared hours ahead: time for every look
    slots = [first + GAP * i for i in range(10)]
    spec = ",".join(time.strftime("%H:%M", time.gmtime(t)) for t in slots)
    m = logged_in_mount(mounted, sandbox, slots=spec, timezone="UTC")
    names = drop_ten(m, clip)
    for rel in names:
        m.wait_state(rel, "scheduled", timeout=30)
    assert times_of(m, names) == [iso(t) for t in slots]
    assert f"publishes at {iso(slots[0])}" in (m.mnt / "STATUS.txt").read_text()
    queued = {it["path"]: it["schedule_at"] for it in status_json(m.config)["queue"]}
    assert [queued[rel] for rel in names] == [iso(t) for t in slots]

    m.unmount()
    # The two hours pass while unmounted, but for 4 shared minutes (8 s).
    clock_jump(first - 240 - sandbox.clock()["now"])
    m.mount()
    assert times_of(m, names) == [iso(t) for t in slots], "a remount planned again"
    assert all(t["created_at"] >= slots[0] for t in sandbox.received())

    m.wait_state("posted/q09.mp4", "posted", timeout=120)
    tasks = {t["title"].strip(): t["created_at"] for t in sandbox.received()}
    for i, at in enumerate(slots):
        got = tasks[f"q{i:02d}"]
        assert at <= got < at + GAP, f"q{i:02d}: init at {got:.1f}, slot {at} ({got - at:+.1f} s)"


@pytest.mark.time_scale(SCALE)
def test_slots_missed_while_unmounted_post_at_once_in_order(mounted, sandbox, clip, clock_jump):
    now = sandbox.clock()["now"]
    first = (int(now) // 60 + 120) * 60  # two shared hours ahead: time for every look
    slots = [first + 60 * i for i in range(3)]
    spec = ",".join(time.strftime("%H:%M", time.gmtime(t)) for t in slots)
    m = logged_in_mount(mounted, sandbox, slots=spec, timezone="UTC")
    names = drop_ten(m, clip, 3)
    for rel in names:
        m.wait_state(rel, "scheduled", timeout=30)
    assert times_of(m, names) == [iso(t) for t in slots]
    m.unmount()
    clock_jump(slots[-1] + 30 - sandbox.clock()["now"])  # the three slots pass
    m.mount()
    m.wait_state("posted/q02.mp4", "posted", timeout=60)
    tasks = {t["title"].strip(): t["created_at"] for t in sandbox.received()}
    got = [tasks[f"q{i:02d}"] for i in range(3)]
    assert got == sorted(got), f"not in slot order: {got}"
    assert got[0] > slots[-1], "posted while unmounted?"


def week_slots(zone, start_day, days):
    """Every slot of `Mon-Fri 09:00,18:00; Sat 12:00` in @zone from
    @start_day for @days days, as unix times, in order."""
    out = []
    for d in range(days):
        day = start_day + datetime.timedelta(days=d)
        wd = day.weekday()
        hours = [9, 18] if wd < 5 else [12] if wd == 5 else []
        for h in hours:
            out.append(int(datetime.datetime(day.year, day.month, day.day, h,
                                              tzinfo=zone).timestamp()))
    return out


def test_an_rsync_of_a_week_of_renders_plans_the_week(watched, tmp_path, clip):
    renders = tmp_path / "renders"
    renders.mkdir()
    names = [f"{i:02d}-render.mp4" for i in range(11)]  # a week: 5 x 2 + 1
    for i, name in enumerate(names):
        shutil.copyfile(clip, renders / name)
        (renders / name.replace(".mp4", ".caption")).write_text(
            CAPTION.format(title=f"render {i}"))
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    w = watched(slots="Mon-Fri 09:00,18:00; Sat 12:00", timezone="Europe/Berlin")
    before = time.time()
    subprocess.run(["rsync", "-a", f"{renders}/", f"{w.root}/queue/"], check=True, timeout=60)
    for name in names:
        w.wait_state(f"queue/{name}", "scheduled", timeout=30)
    after = time.time()
    got = [from_iso(w.results(f"queue/{name}")["schedule_at"]) for name in names]
    today = datetime.datetime.now(zone).date() - datetime.timedelta(days=1)
    week = week_slots(zone, today, 21)
    assert got[0] in week, got
    k = week.index(got[0])
    assert got == week[k:k + 11], "not the week's next slots in name order"
    assert got[0] > before and week[k - 1] <= after, "an earlier free slot was skipped"


def test_a_deleted_item_frees_its_slot_for_the_next_newcomer_only(mounted, clip):
    m = mounted(settle_time="0.5", slots="03:00,04:00,05:00,06:00", timezone="Asia/Tokyo")
    names = []
    for n in "abc":
        names.append(drop(m, clip, CAPTION.format(title=n), name=f"{n}.mp4", folder="queue"))
        m.wait_state(names[-1], "scheduled", timeout=30)
    a, b, c = times_of(m, names)
    assert len({a, b, c}) == 3
    os.unlink(m.mnt / "queue/b.mp4")
    os.unlink(m.mnt / "queue/b.caption")
    wait_for(lambda: (m.job("queue/b.mp4") or {}).get("state") == "cancelled", 10,
             "b cancelled")
    d = drop(m, clip, CAPTION.format(title="d"), name="d.mp4", folder="queue")
    m.wait_state(d, "scheduled", timeout=30)
    assert m.xattrs(d)["schedule_at"] == b
    assert times_of(m, ["queue/a.mp4", "queue/c.mp4"]) == [a, c]


def test_no_slots_configured_leaves_an_error_file(mounted, clip):
    m = mounted(settle_time="0.5")
    rel = drop(m, clip, CAPTION.format(title="nowhere"), folder="queue")
    m.wait_state(rel, "invalid", timeout=30)
    errfile = m.mnt / "queue/clip.mp4.error"
    wait_for(errfile.exists, 5, "clip.mp4.error")
    text = errfile.read_text()
    assert "clip.mp4: no posting slots are configured" in text
    assert "slots = Mon-Fri 09:00,18:00" in text
    assert "no posting slots are configured" in m.xattrs(rel)["error"]


def test_a_slot_out_of_range_stops_the_start_naming_the_line(sandbox_config, tmp_path):
    config = sandbox_config(slots="Mon-Fri 09:00,18:00; Sat 24:00")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    cp = subprocess.run([BIN, "-f", "-c", config, str(mnt)], capture_output=True, text=True,
                        timeout=30, stdin=subprocess.DEVNULL)
    assert cp.returncode != 0
    line = next(i + 1 for i, ln in enumerate(open(config)) if ln.startswith("slots"))
    assert f"line {line}: slots = Mon-Fri 09:00,18:00; Sat 24:00: 24:00 is not a time of day" \
        in cp.stderr, cp.stderr

"""`tiktokfs watch DIR`: the drop folder on a plain directory, end to end.

Each test starts `tiktokfs watch -f` on tmp_path/drop against the sandbox
(watch_util.watched), copies files in with the tools people use, and checks
three views: the real files' user.tiktok.* (or NAME.tiktok.json), the job store
through `tiktokfs status --json`, and the sandbox's record.
"""
import hashlib
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from fsutil import jobs_query
from login_util import do_login
from watch_util import BIN, caption, watched  # noqa: F401  (fixture)


def put_item(w, media, rel="outbox/clip.mp4", text=None):
    """cp a video and write its caption, as a person would."""
    dst = w.root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", str(media["portrait.mp4"]), str(dst)], check=True)
    cap = dst.with_suffix(".caption")
    cap.write_text(text or caption())
    return dst


def history(w, rel):
    return [r[0] for r in jobs_query(
        w.state, "SELECT h.to_state FROM history h JOIN jobs j ON j.id = h.job_id"
        " WHERE j.path = ? ORDER BY h.id", (str(rel),))]


def test_cp_into_outbox_becomes_ready_with_xattrs(watched, media):
    w = watched()
    for folder in ("outbox", "scheduled", "posted", "failed", "queue"):
        assert (w.root / folder).is_dir()
    put_item(w, media)
    w.wait_state("outbox/clip.mp4", "ready")
    out = subprocess.run(["getfattr", "-d", "-m", "^user\\.tiktok\\.", str(w.root / "outbox")
                          + "/clip.mp4"], capture_output=True, text=True, check=True).stdout
    assert 'user.tiktok.state="ready"' in out
    assert 'user.tiktok.privacy="SELF_ONLY"' in out
    # the caption carries the same results (keep_posted=no keeps only it)
    assert w.xattrs("outbox/clip.caption")["state"] == "ready"
    assert not list(w.root.rglob("*.tiktok.json"))
    assert w.item("outbox/clip.mp4")["caption"] == "outbox/clip.caption"
    assert w.stop() == 0


def test_rsync_temp_file_becomes_item(watched, media, tmp_path):
    w = watched()
    src = tmp_path / "renders"
    src.mkdir()
    shutil.copy(media["portrait.mp4"], src / "night.mp4")
    (src / "night.mp4.caption").write_text(caption("Night drive"))
    subprocess.run(["rsync", "-a", f"{src}/", f"{w.root}/outbox/"], check=True)
    w.wait_state("outbox/night.mp4", "ready")
    doc = w.status_json()
    # rsync's .night.mp4.XXXXXX never became an item
    assert [it["path"] for it in doc["queue"]] == ["outbox/night.mp4"]


def test_mv_into_outbox_arrives(watched, media, tmp_path):
    w = watched()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(media["portrait.mp4"], elsewhere / "moved.mp4")
    (elsewhere / "moved.caption").write_text(caption())
    subprocess.run(["mv", str(elsewhere / "moved.caption"), str(w.root / "outbox")], check=True)
    subprocess.run(["mv", str(elsewhere / "moved.mp4"), str(w.root / "outbox")], check=True)
    w.wait_state("outbox/moved.mp4", "ready")


def test_deleting_an_item_cancels_it(watched, media):
    w = watched()
    video = put_item(w, media)
    w.wait_state("outbox/clip.mp4", "ready")
    video.unlink()
    w.wait_item_state("outbox/clip.mp4", "cancelled")


def test_subdirectory_created_after_start_works(watched, media, tmp_path):
    w = watched()
    put_item(w, media, "outbox/trips/day1/clip.mp4")
    w.wait_state("outbox/trips/day1/clip.mp4", "ready")
    # a whole folder moved in at once: its files existed before any watch
    batch = tmp_path / "batch"
    (batch / "inner").mkdir(parents=True)
    shutil.copy(media["portrait.mp4"], batch / "inner" / "b.mp4")
    (batch / "inner" / "b.caption").write_text(caption())
    subprocess.run(["mv", str(batch), str(w.root / "outbox" / "batch")], check=True)
    w.wait_state("outbox/batch/inner/b.mp4", "ready")


def test_results_go_to_json_where_the_filesystem_has_no_user_xattrs(watched, media, tmp_path):
    # ramfs has no xattr handlers at all (tmpfs has user xattrs since 6.6)
    mnt = tmp_path / "ramfs"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "ramfs", "tiktokfs-test", str(mnt)], check=True)
    try:
        w = watched(root=mnt / "drop")
        put_item(w, media)
        w.wait_state("outbox/clip.mp4", "ready")
        sidecar = w.root / "outbox" / "clip.mp4.tiktok.json"
        assert sidecar.exists()
        assert w.results("outbox/clip.mp4")["privacy"] == "SELF_ONLY"
        with pytest.raises(OSError):
            os.getxattr(w.root / "outbox" / "clip.mp4", "user.tiktok.state")
        # the mirror's own files are no items
        assert [it["path"] for it in w.status_json()["queue"]] == ["outbox/clip.mp4"]
        # deleting the item takes its results file along
        (w.root / "outbox" / "clip.mp4").unlink()
        w.wait_item_state("outbox/clip.mp4", "cancelled")
        deadline = time.monotonic() + 10
        while sidecar.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not sidecar.exists()
        assert w.stop() == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_own_xattr_writes_do_not_retrigger_the_item(watched, media):
    w = watched(settle_time=0.5)
    put_item(w, media)
    w.wait_state("outbox/clip.mp4", "ready")
    # chmod and a user's own xattr are no change of the content either
    os.chmod(w.root / "outbox" / "clip.mp4", 0o640)
    os.setxattr(w.root / "outbox" / "clip.mp4", "user.note", b"mine")
    # several settle periods and mirror rounds later, nothing cycled
    end = time.monotonic() + 3
    while time.monotonic() < end:
        assert w.results("outbox/clip.mp4").get("state") == "ready"
        time.sleep(0.2)
    assert history(w, "outbox/clip.mp4").count("ready") == 1
    # a touch is a change: the item is checked again
    os.utime(w.root / "outbox" / "clip.mp4")
    deadline = time.monotonic() + 20
    while history(w, "outbox/clip.mp4").count("ready") < 2:
        assert time.monotonic() < deadline, history(w, "outbox/clip.mp4")
        time.sleep(0.1)


def test_posted_end_to_end_with_results_on_the_file(watched, sandbox, media):
    w = watched(start=False)
    do_login(w.config, sandbox)
    w.start()
    put_item(w, media, "outbox/sub/clip.mp4")
    w.wait_file("posted/sub/clip.mp4", timeout=60)
    deadline = time.monotonic() + 20
    # The mirror follows the store within a quarter second; the xattrs it
    # wrote before the move travel with the file, so wait for both values.
    while (w.xattrs("posted/sub/clip.mp4").get("status") != "PUBLISH_COMPLETE"
           or w.xattrs("posted/sub/clip.mp4").get("state") != "posted"):
        assert time.monotonic() < deadline, w.xattrs("posted/sub/clip.mp4")
        time.sleep(0.1)
    x = w.xattrs("posted/sub/clip.mp4")
    assert x["posted_at"].endswith("Z")
    got = sandbox.received(x["publish_id"])
    assert got["sha256"] == hashlib.sha256(media["portrait.mp4"].read_bytes()).hexdigest()
    assert not (w.root / "outbox" / "sub" / "clip.mp4").exists()
    assert w.stop() == 0


def test_one_state_dir_serves_one_folder(watched, tmp_path):
    w = watched()
    other = subprocess.run([BIN, "watch", "-f", "-c", str(w.config), str(tmp_path / "other")],
                           capture_output=True, text=True, timeout=30)
    assert other.returncode != 0
    assert "another tiktokfs" in other.stderr
    assert len(other.stderr.strip().splitlines()) == 1
    assert w.stop() == 0
    other = subprocess.run([BIN, "watch", "-f", "-c", str(w.config), str(tmp_path / "other")],
                           capture_output=True, text=True, timeout=30)
    assert other.returncode == 1
    assert f"holds the jobs of {w.root}" in other.stderr
    assert "state_dir" in other.stderr


def _pids_with(arg):
    pids = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if arg.encode() in cmd and b"watch" in cmd:
            pids.append(int(d.name))
    return pids


def test_background_daemon_starts_and_stops_on_sigterm(watched, media):
    w = watched(start=False)
    cp = subprocess.run([BIN, "watch", "-c", str(w.config), str(w.root)],
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    pids = _pids_with(str(w.config))
    assert len(pids) == 1
    try:
        put_item(w, media)
        w.wait_state("outbox/clip.mp4", "ready")
    finally:
        os.kill(pids[0], signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _pids_with(str(w.config)):
        assert time.monotonic() < deadline, "the daemon did not stop on SIGTERM"
        time.sleep(0.1)


def test_an_open_writer_holds_the_item_until_it_closes(watched, media):
    w = watched(settle_time=0.5)
    (w.root / "outbox" / "slow.caption").write_text(caption())
    data = media["portrait.mp4"].read_bytes()
    f = open(w.root / "outbox" / "slow.mp4", "wb")  # created: an open writer
    try:
        f.write(data)
        f.flush()
        # quiet for many settle periods, but still open: not complete
        end = time.monotonic() + 3
        while time.monotonic() < end:
            assert w.results("outbox/slow.mp4").get("state") in (None, "waiting")
            time.sleep(0.2)
    finally:
        f.close()
    w.wait_state("outbox/slow.mp4", "ready")


def test_folder_renamed_inside_keeps_its_items_and_moved_out_cancels(watched, media, tmp_path):
    w = watched()
    put_item(w, media, "outbox/trip/clip.mp4")
    w.wait_state("outbox/trip/clip.mp4", "ready")
    first = w.item("outbox/trip/clip.mp4")["id"]
    os.rename(w.root / "outbox" / "trip", w.root / "outbox" / "holiday")
    # (the file's xattrs moved with it: ask the store)
    assert w.wait_item_state("outbox/holiday/clip.mp4", "ready")["id"] == first  # same job
    # the renamed folder is still watched under its new name
    put_item(w, media, "outbox/holiday/second.mp4")
    w.wait_state("outbox/holiday/second.mp4", "ready")
    subprocess.run(["mv", str(w.root / "outbox" / "holiday"), str(tmp_path / "away")],
                   check=True)
    w.wait_item_state("outbox/holiday/clip.mp4", "cancelled")
    w.wait_item_state("outbox/holiday/second.mp4", "cancelled")


def test_moving_a_scheduled_item_to_outbox_makes_it_ready_now(watched, media):
    w = watched()
    put_item(w, media, "scheduled/later.mp4",
             text="---\nprivacy: private\nschedule: 2099-01-01T12:00:00Z\n---\nLater\n")
    w.wait_state("scheduled/later.mp4", "scheduled")
    job = w.item("scheduled/later.mp4")["id"]
    for name in ("later.mp4", "later.caption"):
        os.rename(w.root / "scheduled" / name, w.root / "outbox" / name)
    w.wait_state("outbox/later.mp4", "ready")
    assert w.item("outbox/later.mp4")["id"] == job


def test_lost_events_are_recovered_by_walking_the_folders(watched, media):
    w = watched()
    limit = int(pathlib.Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    noise = [w.root / "outbox" / "noise-a.txt", w.root / "outbox" / "noise-b.txt"]
    for p in noise:
        p.write_text("x")
    w.proc.send_signal(signal.SIGSTOP)
    try:
        # alternate between two files: the kernel merges only identical
        # consecutive events, so each of these takes a queue slot
        for i in range(limit + 100):
            os.utime(noise[i % 2], ns=(i, i))
        # this item's events come after the overflow: only the walk finds it
        put_item(w, media, "outbox/after.mp4")
    finally:
        w.proc.send_signal(signal.SIGCONT)
    w.wait_state("outbox/after.mp4", "ready")
    assert "inotify queue overflowed" in w.log_text()

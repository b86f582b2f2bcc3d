"""`tiktokfs status [--json]`: what a person (or a script) sees of the queue.

The items are made by real flows (watch mode against the sandbox), never by
writing the job store by hand; status reads the store read-only while the
daemon runs and after it stopped.
"""
import json
import pathlib
import re
import shutil
import subprocess
import time

from login_util import do_login
from mediafiles import make_media
from watch_util import BIN, caption, watched  # noqa: F401  (fixture)

ITEM_KEYS = {"id", "path", "caption", "state", "size", "sent", "progress", "schedule_at",
             "retry_at", "posted_at", "created_at", "updated_at", "publish_id", "status",
             "post_id", "url", "privacy", "error", "warning", "post_status", "platform"}
TOP_KEYS = {"version", "generated_at", "account", "queue", "recent", "next_scheduled",
            "waiting_post_id"}


def run_status(config, *args):
    return subprocess.run([BIN, "status", "-c", str(config), *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


def test_status_without_a_store_says_no_items(sandbox_config, tmp_path):
    config = sandbox_config()
    cp = run_status(config)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == "No items yet."
    cp = run_status(config, "--json")
    assert cp.returncode == 0, cp.stderr
    doc = json.loads(cp.stdout)
    assert set(doc) == TOP_KEYS
    assert doc["version"] == 1
    assert doc["queue"] == [] and doc["recent"] == [] and doc["account"] is None
    assert not (tmp_path / "state" / "jobs.db").exists()  # status creates nothing


def test_status_shows_items_in_every_state_while_running_and_after(watched, media, tmp_path):
    w = watched()
    out = w.root / "outbox"
    # ready
    shutil.copy(media["portrait.mp4"], out / "good.mp4")
    (out / "good.caption").write_text(caption())
    # invalid: a caption the user can fix in place
    shutil.copy(media["portrait.mp4"], out / "badcap.mp4")
    (out / "badcap.caption").write_text("---\nprivacy: everybody\n---\nx\n")
    # waiting: no caption yet
    shutil.copy(media["portrait.mp4"], out / "alone.mp4")
    # failed: not a video at all
    shutil.copy(make_media("text", tmp_path / "m"), out / "notes.mp4")
    (out / "notes.caption").write_text(caption())
    # cancelled
    shutil.copy(media["portrait.mp4"], out / "gone.mp4")
    (out / "gone.caption").write_text(caption())
    w.wait_state("outbox/good.mp4", "ready")
    w.wait_state("outbox/badcap.mp4", "invalid")
    w.wait_state("outbox/gone.mp4", "ready")
    w.wait_file("failed/notes.mp4.error")
    (out / "gone.mp4").unlink()
    w.wait_item_state("outbox/gone.mp4", "cancelled")

    def check(doc):
        assert set(doc) == TOP_KEYS
        states = {it["path"]: it["state"] for it in doc["queue"]}
        assert states == {"outbox/good.mp4": "ready", "outbox/badcap.mp4": "invalid",
                          "outbox/alone.mp4": "waiting"}
        recent = {it["path"]: it["state"] for it in doc["recent"]}
        assert recent["failed/notes.mp4"] == "failed"
        assert recent["outbox/gone.mp4"] == "cancelled"
        for it in doc["queue"] + doc["recent"]:
            assert set(it) == ITEM_KEYS
            assert "upload_url" not in json.dumps(it)
        bad = next(it for it in doc["queue"] if it["path"] == "outbox/badcap.mp4")
        assert "everybody" in bad["error"]
        notes = next(it for it in doc["recent"] if it["path"] == "failed/notes.mp4")
        assert notes["error"]

    check(w.status_json())
    text = w.status()
    assert text.returncode == 0, text.stderr
    for needle in ("ready       outbox/good.mp4", "invalid     outbox/badcap.mp4",
                   "waiting     outbox/alone.mp4", "failed      failed/notes.mp4",
                   "cancelled   outbox/gone.mp4", "Account: not logged in"):
        assert needle in text.stdout, text.stdout
    assert w.stop() == 0
    # the same answers with no daemon running
    check(w.status_json())


def test_status_lists_next_scheduled_times(watched, media):
    w = watched()
    sched = w.root / "scheduled"
    shutil.copy(media["portrait.mp4"], sched / "later.mp4")
    (sched / "later.caption").write_text(
        "---\nprivacy: private\nschedule: 2099-06-01T10:00:00Z\n---\nLater\n")
    shutil.copy(media["portrait.mp4"], sched / "sooner.mp4")
    (sched / "sooner.caption").write_text(
        "---\nprivacy: private\nschedule: 2098-06-01T10:00:00Z\n---\nSooner\n")
    w.wait_state("scheduled/later.mp4", "scheduled")
    w.wait_state("scheduled/sooner.mp4", "scheduled")
    doc = w.status_json()
    assert doc["next_scheduled"] == [
        {"path": "scheduled/sooner.mp4", "at": "2098-06-01T10:00:00Z"},
        {"path": "scheduled/later.mp4", "at": "2099-06-01T10:00:00Z"}]
    text = w.status().stdout
    assert "Next scheduled:\n  2098-06-01T10:00:00Z  scheduled/sooner.mp4\n" \
           "  2099-06-01T10:00:00Z  scheduled/later.mp4\n" in text, text


def test_status_never_shows_the_client_secret_even_in_a_file_name(watched, media):
    """A name may hold the client secret (pasted by mistake): every line of
    `tiktokfs status` masks it, the "Next scheduled" section as well."""
    secret = "Zq9fileSecret77"
    w = watched(client_secret=secret)
    sched = w.root / "scheduled"
    shutil.copy(media["portrait.mp4"], sched / f"{secret}.mp4")
    (sched / f"{secret}.caption").write_text(
        "---\nprivacy: private\nschedule: 2099-06-01T10:00:00Z\n---\nLater\n")
    w.wait_state(f"scheduled/{secret}.mp4", "scheduled")
    text = w.status()
    assert text.returncode == 0, text.stderr
    assert "Next scheduled:\n  2099-06-01T10:00:00Z  scheduled/" in text.stdout, text.stdout
    assert secret not in text.stdout, text.stdout
    doc = w.status_json()
    assert doc["next_scheduled"][0]["at"] == "2099-06-01T10:00:00Z"
    assert secret not in json.dumps(doc)


def test_status_shows_a_moving_progress_bar_during_a_throttled_upload(watched, sandbox,
                                                                      tmp_path):
    big = make_media("mp4", tmp_path / "m", w=360, h=640, dur=30)
    size = big.stat().st_size
    # about five seconds of upload at this rate
    w = watched(start=False, bandwidth_limit=str(max(size // 5, 20000)))
    do_login(w.config, sandbox)
    w.start()
    session = f"tiktokfs-status-{tmp_path.name}"[:60]
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                    f"while :; do clear; {BIN} status -c {w.config}; sleep 0.3; done"],
                   check=True)
    try:
        shutil.copy(big, w.root / "outbox" / "long.mp4")
        (w.root / "outbox" / "long.caption").write_text(caption())
        seen = set()
        rates = []
        deadline = time.monotonic() + 90
        while not (w.root / "posted" / "long.mp4").exists():
            assert time.monotonic() < deadline, (seen, w.log_text())
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            m = re.search(r"\[([#.]{30})\]\s+(\d+)%\s+(.*)", screen)
            if m:
                seen.add(int(m.group(2)))
                if "/s" in m.group(3) and "ETA" in m.group(3):
                    rates.append(m.group(3))
            time.sleep(0.2)
        moving = sorted(p for p in seen if p < 100)
        assert len(moving) >= 2, seen
        assert rates, seen
        assert f"of {size / 1000:.1f} kB" in rates[-1] or "MB" in rates[-1], rates[-1]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def test_health_fails_until_a_logged_in_daemon_runs_and_says_why(watched, sandbox):
    """`status --health` is a container's health check: exit 1 with the reason
    on stderr while no daemon runs, or it is not logged in, or the login
    expired; exit 0 (and the usual JSON) once all is well."""
    w = watched(start=False)
    assert run_status(w.config, "--json").returncode == 0  # no --health: as before
    cp = run_status(w.config, "--json", "--health")
    assert cp.returncode == 1 and "no tiktokfs (mount or watch) is running" in cp.stderr
    json.loads(cp.stdout)  # the document is printed all the same
    w.start()
    cp = run_status(w.config, "--json", "--health")
    assert cp.returncode == 1 and "not logged in" in cp.stderr, cp.stderr
    assert "tiktokfs login" in cp.stderr
    do_login(w.config, sandbox)
    cp = run_status(w.config, "--json", "--health")
    assert cp.returncode == 0, cp.stderr
    assert json.loads(cp.stdout)["version"] == 1
    assert w.stop() == 0
    cp = run_status(w.config, "--health")
    assert cp.returncode == 1 and "no tiktokfs (mount or watch) is running" in cp.stderr


def test_health_fails_when_the_login_expired(watched, sandbox):
    w = watched(start=False)
    do_login(w.config, sandbox)
    tokens = pathlib.Path(w.state) / "tokens.json"
    doc = json.loads(tokens.read_text())
    doc["refresh_expires"] = 1700000000  # 2023-11-14T22:13:20Z
    tokens.write_text(json.dumps(doc))
    w.start()
    cp = run_status(w.config, "--health")
    assert cp.returncode == 1, cp.stderr
    assert "the TikTok login expired at 2023-11-14T22:13:20Z" in cp.stderr
    assert doc["refresh_token"] not in cp.stderr + cp.stdout

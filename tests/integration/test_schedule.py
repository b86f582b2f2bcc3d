"""scheduled/ through a real mount: an item posts at its `schedule:` time,
on the daemon's own timer and not before (issue 6), the time survives an
unmount, a past time posts at once, editing the caption reschedules, moving
to outbox/ posts now, deleting cancels, and an item without a time stays
with NAME.error saying so.

Every time is read on the sandbox's clock (real time, or twice as fast for
a test that moves it forward while no daemon runs and starts the next
daemon on the same clock: tests/conftest.py, clock_jump), and every check
is an order, never a measured delay, so a loaded machine makes a test
slower but never wrong:

- not before: the task's `created_at` (the moment video/init reached
  TikTok) is at or after the schedule; when the test is early enough it
  also sees, just before the time, that TikTok has received nothing;
- on time: the post came from the daemon's timer for that second, not from
  a later look: with nothing due, the posting worker sleeps at most
  IDLE_LOOK seconds after its last look (net/poster.c, idle_sleep), and it
  looked when the item became scheduled, after the test dropped it.  A
  daemon without the timer would post no earlier than that look +
  IDLE_LOOK, well after the schedule; one with it posts before."""
import datetime
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from posting_util import drop, logged_in_mount, wait_for  # noqa: E402

IDLE_LOOK = 30  # net/poster.c idle_sleep(): the longest sleep with nothing due
BODY = "---\nprivacy: private\nschedule: {when}\n---\n{title}"
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))


def now(sandbox):
    """The sandbox's clock, which the daemons of these tests share."""
    return sandbox.clock()["now"]


def ahead(sandbox, seconds):
    """A whole second @seconds from now on the sandbox's clock."""
    return int(now(sandbox) + seconds) + 1


def iso_plus2(t):
    """@t written as ISO 8601 with a +02:00 offset (not UTC, on purpose)."""
    return datetime.datetime.fromtimestamp(t, PLUS2).isoformat()


def iso_utc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def sleep_until(sandbox, t):
    c = sandbox.clock()
    if t > c["now"]:
        time.sleep((t - c["now"]) / c["scale"])


def assert_posts_on_time(m, sandbox, rel, at, title, dropped):
    """The item (dropped into the mount after sandbox time @dropped) is in
    posted/ after @at; its init reached TikTok at or after @at, and before
    the worker's own next look without a timer (module comment)."""
    if now(sandbox) < at - 0.6:
        sleep_until(sandbox, at - 0.5)
        assert sandbox.received() == [], "posted before its schedule time"
        assert m.state_of(rel) == "scheduled"
    m.wait_state("posted/" + rel.split("/", 1)[1], "posted", timeout=60)
    (task,) = [t for t in sandbox.received() if t["title"] == title]
    assert task["created_at"] >= at, (
        f"init at {task['created_at']:.3f}, before its schedule {at}")
    assert task["created_at"] < dropped + IDLE_LOOK, (
        f"init at {task['created_at']:.3f}, schedule {at}: not on the timer")
    return task


def remount_just_before(m, sandbox, clock_jump, rel, at):
    """Unmount, let the time pass but for the last 8 seconds before @at,
    mount again: @rel is still scheduled.  Returns the sandbox time before
    the mount (the new daemon's worker looks after it)."""
    m.unmount()
    clock_jump(at - 8 - now(sandbox))
    before = now(sandbox)
    m.mount()
    assert m.state_of(rel) == "scheduled"
    return before


def test_schedule_posts_inside_the_window_and_not_before(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    dropped = now(sandbox)
    at = ahead(sandbox, 7)
    rel = drop(m, clip, BODY.format(when=iso_plus2(at), title="on time"), folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=5)
    # The instant is shown in UTC, whatever zone the caption used.
    assert m.xattrs(rel)["schedule_at"] == iso_utc(at)
    assert f"publishes at {iso_utc(at)}" in (m.mnt / "STATUS.txt").read_text()
    assert_posts_on_time(m, sandbox, rel, at, "on time", dropped)


@pytest.mark.time_scale(2)
def test_schedule_survives_an_unmount(mounted, sandbox, clip, clock_jump):
    m = logged_in_mount(mounted, sandbox)
    at = ahead(sandbox, 3600)
    rel = drop(m, clip, BODY.format(when=iso_plus2(at), title="kept"), folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=30)
    # The hour passes while unmounted, but for its last seconds.
    dropped = remount_just_before(m, sandbox, clock_jump, rel, at)
    assert_posts_on_time(m, sandbox, rel, at, "kept", dropped)


@pytest.mark.time_scale(2)
def test_time_passed_while_unmounted_posts_at_once(mounted, sandbox, clip, clock_jump):
    m = logged_in_mount(mounted, sandbox)
    at = ahead(sandbox, 3600)
    rel = drop(m, clip, BODY.format(when=iso_plus2(at), title="late"), folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=30)
    m.unmount()
    clock_jump(at + 1 - now(sandbox))
    assert sandbox.received() == []
    m.mount()
    m.wait_state("posted/clip.mp4", "posted", timeout=30)
    (task,) = sandbox.received()
    assert task["created_at"] >= at and task["title"] == "late"


def test_past_time_posts_at_once(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    drop(m, clip, BODY.format(when="2020-01-01T00:00:00Z", title="past"), folder="scheduled")
    m.wait_state("posted/clip.mp4", "posted", timeout=30)
    (task,) = sandbox.received()
    assert task["title"] == "past"


def test_named_zone_across_dst_is_shown_in_utc(mounted, sandbox, clip):
    """2027-03-28: Berlin goes from CET (+1) to CEST (+2) at 02:00.  03:30
    that day is 01:30 UTC, not 02:30 (a fixed +1 would say so)."""
    m = logged_in_mount(mounted, sandbox)
    rel = drop(m, clip, BODY.format(when="2027-03-28 03:30 Europe/Berlin", title="dst"),
               folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=5)
    assert m.xattrs(rel)["schedule_at"] == "2027-03-28T01:30:00Z"
    assert "publishes at 2027-03-28T01:30:00Z" in (m.mnt / "STATUS.txt").read_text()
    assert sandbox.received() == []


@pytest.mark.time_scale(2)
def test_editing_the_caption_reschedules(mounted, sandbox, clip, clock_jump):
    m = logged_in_mount(mounted, sandbox)
    first = ahead(sandbox, 3600)
    rel = drop(m, clip, BODY.format(when=iso_plus2(first), title="moved"), folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=30)
    later = first + 3600
    (m.mnt / "scheduled/clip.caption").write_text(
        BODY.format(when=iso_plus2(later), title="moved"))
    wait_for(lambda: m.xattrs(rel).get("schedule_at") == iso_utc(later), 30,
             "the new time to be taken")
    # The old time passes while unmounted: a daemon that kept it would post
    # at once when mounted again, before the new time.
    dropped = remount_just_before(m, sandbox, clock_jump, rel, later)
    assert_posts_on_time(m, sandbox, rel, later, "moved", dropped)
    assert len(sandbox.received()) == 1


def test_moving_to_outbox_posts_now(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    rel = drop(m, clip, BODY.format(when=iso_plus2(ahead(sandbox, 3600)), title="now"),
               folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=5)
    os.rename(m.mnt / "scheduled/clip.caption", m.mnt / "outbox/clip.caption")
    os.rename(m.mnt / rel, m.mnt / "outbox/clip.mp4")
    m.wait_state("posted/clip.mp4", "posted", timeout=30)
    (task,) = sandbox.received()
    assert task["title"] == "now"


def test_deleting_cancels(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    at = ahead(sandbox, 5)
    rel = drop(m, clip, BODY.format(when=iso_plus2(at), title="gone"), folder="scheduled")
    m.wait_state(rel, "scheduled", timeout=5)
    os.unlink(m.mnt / rel)
    os.unlink(m.mnt / "scheduled/clip.caption")
    wait_for(lambda: (m.job(rel) or {}).get("state") == "cancelled", 10, "the job cancelled")
    # A witness due in the same second, dropped later: the worker takes the
    # earliest due, then the oldest, so once the witness is posted the
    # worker has passed the deleted item's time, and would have taken it
    # first had it still been there.
    drop(m, clip, BODY.format(when=iso_plus2(at), title="witness"), name="witness.mp4",
         folder="scheduled")
    m.wait_state("posted/witness.mp4", "posted", timeout=60)
    assert [t["title"] for t in sandbox.received()] == ["witness"]
    assert not (m.mnt / "posted/clip.mp4").exists()


def test_no_time_in_scheduled_leaves_an_error_file(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    rel = drop(m, clip, "---\nprivacy: private\n---\nno time", folder="scheduled")
    m.wait_state(rel, "invalid", timeout=10)
    errfile = m.mnt / "scheduled/clip.mp4.error"
    wait_for(errfile.exists, 5, "clip.mp4.error")
    err = errfile.read_text()
    assert "no schedule time" in err and "schedule:" in err
    assert "no schedule time" in m.xattrs(rel)["error"]
    # A witness dropped after it posts; the worker takes items in order, so
    # by then it has passed the invalid one, and left it where it is.
    drop(m, clip, "---\nprivacy: private\n---\nwitness", name="witness.mp4")
    m.wait_state("posted/witness.mp4", "posted", timeout=60)
    assert (m.mnt / rel).exists()
    assert [t["title"] for t in sandbox.received()] == ["witness"]

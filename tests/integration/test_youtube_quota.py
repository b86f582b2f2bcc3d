"""YouTube's daily quota, the private lock of an unaudited project and the
processing after the upload (issue 15), the real binary mounted against the
local YouTube sandbox (tests/sandbox/youtube), docs/youtube.md §2.6, §5, §6.

The quota day ends at midnight America/Los_Angeles.  The tests that cross it
start the sandbox's clock a few minutes before a Pacific midnight and run it,
and the daemon's clock with it, N times faster (util/clock.h: the scale, and
the offset that puts the daemon's wall clock on the sandbox's), so the
deferred item's retry_at can be compared with the sandbox's midnight and the
item posts "the next day" within seconds.
"""
import datetime
import os
import time
import zoneinfo

import pytest

from login_util import login_session
from posting_util import padded_video, wait_for

YT = "user.youtube."
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
SCALE = 60


def next_pacific_midnight(t):
    """Unix seconds of the first Pacific midnight after unix time @t."""
    local = datetime.datetime.fromtimestamp(t, PACIFIC)
    day = (local + datetime.timedelta(days=1)).date()
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=PACIFIC).timestamp())


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def scale_clocks(yt, monkeypatch, scale, at=None):
    """The sandbox's clock at @at (sandbox seconds), running @scale times
    faster, and every tiktokfs started from now on the same clock."""
    if at is not None:
        yt.set_clock(at=at)
    c = yt.set_clock(scale=scale)
    real = c["now"] - c["offset"]
    monkeypatch.setenv("TIKTOKFS_TEST_TIME_SCALE", repr(float(scale)))
    monkeypatch.setenv("TIKTOKFS_TEST_TIME_OFFSET", repr(c["now"] - real * scale))


def youtube_mount(mounted, yt, **section):
    """A mount whose account `yt` is a YouTube channel of the sandbox,
    logged in before any item arrives; @section: keys of [account yt]."""
    m = mounted(settle_time="0.5")
    m.unmount()
    base = yt.base_url
    top = {"ca_file": yt.ca_file, "state_dir": str(m.state), "settle_time": "0.5",
           "youtube_auth_url": base + "/o/oauth2/v2/auth", "youtube_oauth_base": base,
           "youtube_api_base": base}
    acct = dict({"platform": "youtube", "youtube_client_id": yt.client_id, "made_for_kids": "no",
                 "youtube_client_secret": yt.client_secret}, **section)
    fd = os.open(m.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{k} = {v}\n" for k, v in top.items())
        f.write("[account yt]\n")
        f.writelines(f"{k} = {v}\n" for k, v in acct.items())
    cp = login_session(m.config, yt, args=("--account", "yt"))
    assert cp.returncode == 0, cp.stderr
    return m.mount()


def drop(m, clip, name, privacy="public", size=200_000):
    """A video of its own bytes (the sandbox rejects a duplicate) with a
    caption, into the YouTube account's outbox/; its relative path."""
    folder = "accounts/yt/outbox"
    padded_video(clip, m.mnt / folder / name, size)
    stem = name.rsplit(".", 1)[0]
    (m.mnt / folder / f"{stem}.caption").write_text(
        f"---\nprivacy: {privacy}\n---\n{stem} by the harbour #test\n", encoding="utf-8")
    return f"{folder}/{name}"


def yt_attr(m, rel, name):
    try:
        return os.getxattr(m.mnt / rel, YT + name).decode()
    except OSError:
        return None


def posted(rel):
    return rel.replace("/outbox/", "/posted/")


def wait_attr(m, rel, name, want, timeout=60):
    return wait_for(lambda: yt_attr(m, rel, name) == want, timeout,
                    f"{rel}: {YT}{name} = {want!r} (is {yt_attr(m, rel, name)!r})")


def status_txt(m):
    return (m.mnt / "STATUS.txt").read_text()


def test_budget_of_two_defers_the_third_to_pacific_midnight(mounted, yt_sandbox, clip,
                                                            monkeypatch):
    yt = yt_sandbox
    start = next_pacific_midnight(time.time()) - 10 * 60  # 23:50 in California
    scale_clocks(yt, monkeypatch, SCALE, at=start)
    midnight = next_pacific_midnight(start)
    m = youtube_mount(mounted, yt, youtube_daily_uploads=2)
    items = [drop(m, clip, f"day{i}.mp4") for i in range(3)]
    # two are posted today, the third waits for the next Pacific midnight
    wait_for(lambda: sum((m.mnt / posted(r)).exists() for r in items) == 2, 60,
             "two items in posted/")
    late = next(r for r in items if not (m.mnt / posted(r)).exists())
    wait_attr(m, late, "state", "deferred")
    assert yt_attr(m, late, "retry_at") == iso(midnight)
    err = yt_attr(m, late, "error")
    assert "YouTube's daily quota for this project is used up" in err
    assert "2 of 2 uploads today" in err and f"retrying at {iso(midnight)}" in err
    assert f"retrying at {iso(midnight)}" in status_txt(m)
    assert len(yt.sessions()) == 2  # spent before the start: never a third session
    # the next day it is posted by itself
    wait_for(lambda: (m.mnt / posted(late)).exists(), 60, f"{late} in posted/")
    sessions = yt.sessions()
    assert len(sessions) == 3
    assert max(s["created_at"] for s in sessions) >= midnight


def test_quota_exceeded_defers_and_posts_the_next_day(mounted, yt_sandbox, clip, monkeypatch):
    yt = yt_sandbox
    start = next_pacific_midnight(time.time()) - 8 * 60
    scale_clocks(yt, monkeypatch, SCALE, at=start)
    midnight = next_pacific_midnight(start)
    m = youtube_mount(mounted, yt)
    yt.quota(units=10000)  # another program of the project used the day up
    rel = drop(m, clip, "late.mp4")
    wait_attr(m, rel, "state", "deferred")
    assert yt_attr(m, rel, "retry_at") == iso(midnight)
    err = yt_attr(m, rel, "error")
    assert "used up (Google answered quotaExceeded)" in err
    assert not (m.mnt / posted(rel)).exists()
    wait_for(lambda: (m.mnt / posted(rel)).exists(), 60, f"{rel} in posted/")
    assert [v["video_id"] for v in yt.videos()]


def test_unaudited_project_public_upload_ends_private_with_the_reason(mounted, yt_sandbox,
                                                                     clip):
    yt = yt_sandbox
    yt.knobs(project_verified=False, processing_delay=1.0)
    m = youtube_mount(mounted, yt)
    rel = drop(m, clip, "public.mp4", privacy="public")
    wait_for(lambda: (m.mnt / posted(rel)).exists(), 60, f"{rel} in posted/")
    warning = wait_for(lambda: yt_attr(m, posted(rel), "warning"), 30, "the warning")
    assert "private although public was asked" in warning
    assert "not audited" in warning and "audit" in warning
    assert "private although public was asked" in status_txt(m)
    v = yt.videos()[0]
    assert v["privacy_requested"] == "public" and v["privacy"] == "private"
    # never failed for it: processed like any other
    wait_attr(m, posted(rel), "status", "processed")
    assert yt_attr(m, posted(rel), "state") == "posted"


def test_processing_state_follows_after_a_remount(mounted, yt_sandbox, clip):
    yt = yt_sandbox
    yt.knobs(processing_delay=12.0)
    m = youtube_mount(mounted, yt)
    rel = drop(m, clip, "slow.mp4")
    wait_for(lambda: (m.mnt / posted(rel)).exists(), 60, f"{rel} in posted/")
    assert yt_attr(m, posted(rel), "state") == "published"
    assert yt_attr(m, posted(rel), "status") in ("processing", "uploaded")
    assert m.unmount() == 0
    m.mount()
    assert yt_attr(m, posted(rel), "status") in ("processing", "uploaded")
    wait_attr(m, posted(rel), "status", "processed", timeout=90)
    assert yt_attr(m, posted(rel), "state") == "posted"
    assert yt.videos()[0]["upload_status"] == "processed"


def test_rejected_video_gets_an_error_file_in_posted(mounted, yt_sandbox, clip):
    yt = yt_sandbox
    yt.knobs(processing_delay=1.0)
    yt.outcome("rejected", "duplicate")
    m = youtube_mount(mounted, yt)
    rel = drop(m, clip, "dup.mp4")
    wait_for(lambda: (m.mnt / posted(rel)).exists(), 60, f"{rel} in posted/")
    wait_attr(m, posted(rel), "status", "rejected (duplicate)")
    err_file = m.mnt / "accounts/yt/posted/dup.mp4.error"
    text = wait_for(lambda: err_file.exists() and err_file.read_text(), 10, "dup.mp4.error")
    assert "rejected" in text and "duplicate" in text
    assert "outbox/" in text  # what to do
    assert (m.mnt / posted(rel)).exists()  # the upload did happen: it stays


@pytest.fixture(autouse=True)
def _no_test_clock_left(monkeypatch):
    yield
    monkeypatch.delenv("TIKTOKFS_TEST_TIME_SCALE", raising=False)
    monkeypatch.delenv("TIKTOKFS_TEST_TIME_OFFSET", raising=False)

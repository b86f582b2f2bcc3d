"""A public post's ID after moderation that takes hours, and the daemon's
tokens over days, on the test clock (tests/conftest.py, time_scale): the
sandbox and the daemon both run N times faster, so hours of TikTok time pass
in seconds while every assertion is about what TikTok and the user see.

Three views: the mount (xattrs, STATUS.txt), `tiktokfs status`, and the
sandbox's record (its tasks and request log)."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from posting_util import drop, logged_in_mount, wait_for  # noqa: E402
from watch_util import BIN  # noqa: E402

WAITING = "waiting for TikTok's moderation (post ID not known yet)"
TOKEN = "/v2/oauth/token/"
STATUS = "/v2/post/publish/status/fetch/"
# Login at a fast clock: the authorization code must outlive the round trip.
SLOW_CODE = {"code_lifetime": 10 ** 7}


def sandbox_now(sandbox):
    return sandbox.clock()["now"]


def status_of(config, *args):
    cp = subprocess.run([BIN, "status", "-c", str(config), *args], stdin=subprocess.DEVNULL,
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


@pytest.mark.time_scale(600)
def test_post_id_after_three_hours_of_moderation_across_a_remount(mounted, sandbox, clip):
    sandbox.knobs(moderation_delay=3 * 3600, **SLOW_CODE)
    m = logged_in_mount(mounted, sandbox)
    drop(m, clip, "---\nprivacy: public\n---\nThree hours of moderation")
    wait_for(lambda: m.state_of("posted/clip.mp4") == "published", 120, "published")
    (task,) = sandbox.received()
    x = m.xattrs("posted/clip.mp4")
    assert x["publish_id"] == task["publish_id"] and x["status"] == "PUBLISH_COMPLETE"
    assert x["post_status"] == WAITING
    assert "post_id" not in x and "url" not in x
    assert task["post_ids"] == []

    # Every view lists the waiting post, with since when.
    text = (m.mnt / "STATUS.txt").read_text()
    assert "\nWaiting for post IDs (1):\n  posted/clip.mp4  published at " in text
    assert "Waiting for post IDs (1):\n  posted/clip.mp4  published at " in status_of(m.config)
    doc = json.loads(status_of(m.config, "--json"))
    (item,) = doc["waiting_post_id"]
    assert item["path"] == "posted/clip.mp4" and item["state"] == "published"
    assert item["post_status"] == WAITING and item["posted_at"]
    assert all(i["path"] != "posted/clip.mp4" for i in doc["queue"] + doc["recent"])

    # The user renames it within posted/, an hour passes, the mount goes and
    # comes back: the wait goes on from the store.
    os.rename(m.mnt / "posted/clip.mp4", m.mnt / "posted/harbour.mp4")
    published = sandbox_now(sandbox)
    wait_for(lambda: sandbox_now(sandbox) > published + 3600, 60, "an hour of sandbox time")
    assert m.unmount() == 0
    m.mount()
    wait_for(lambda: "post_id" in m.xattrs("posted/harbour.mp4"), 120, "the post ID")

    post_id = str(sandbox.received()[0]["post_id"])
    x = m.xattrs("posted/harbour.mp4")
    assert x["state"] == "posted"
    assert x["post_id"] == post_id
    assert x["url"] == f"https://www.tiktok.com/@sbpublic/video/{post_id}"
    assert "came after TikTok's moderation" in x["post_status"]
    assert "Waiting for post IDs" not in (m.mnt / "STATUS.txt").read_text()
    assert json.loads(status_of(m.config, "--json"))["waiting_post_id"] == []
    # Three hours of asking, doubling up to every 15 minutes: a few dozen
    # status calls, not one every few seconds.
    asks = [r for r in sandbox.request_log() if r["path"] == STATUS]
    assert len(asks) < 60, len(asks)
    assert sandbox.received()[0]["inits_same_item"] == 1


@pytest.mark.time_scale(4000)
def test_three_days_of_two_hour_tokens_need_no_new_login(mounted, sandbox, clip):
    # 36 access-token lifetimes; every refresh rotates the refresh token and
    # the old one dies at once (the sandbox's defaults, set here to be sure).
    # Upload links live for the test: at x4000 TikTok's hour is 0.9 s, which a
    # loaded machine can spend between init and the PUT, and a link that
    # expires there starts a second upload of the item (an expired link is
    # test_exactly_once's story, not this one's).
    sandbox.knobs(access_token_lifetime=7200, rotate_refresh=True,
                  invalidate_old_refresh=True, refresh_grace_seconds=0,
                  moderation_delay=70 * 3600, upload_url_lifetime=30 * 86400,
                  **SLOW_CODE)
    m = logged_in_mount(mounted, sandbox)
    start = sandbox_now(sandbox)
    drop(m, clip, "---\nprivacy: public\n---\nDay 0")
    wait_for(lambda: m.state_of("posted/clip.mp4") == "published", 120, "published")
    for day in (1, 2, 3):
        wait_for(lambda: sandbox_now(sandbox) >= start + day * 86400, 120, f"day {day}")
        drop(m, clip, f"---\nprivacy: private\n---\nDay {day}", name=f"day{day}.mp4")
        m.wait_state(f"posted/day{day}.mp4", "posted", timeout=120)
    # The first post's ID came after 70 hours of moderation, 2 before the end
    # of its wait: asking for it needed a live token all along.
    wait_for(lambda: "post_id" in m.xattrs("posted/clip.mp4"), 120, "the post ID")

    titles = sorted(t["title"] for t in sandbox.received())
    assert titles == ["Day 0", "Day 1", "Day 2", "Day 3"]
    assert all(t["status"] == "PUBLISH_COMPLETE" for t in sandbox.received())
    # The login's code exchange came first; every later token request is a
    # refresh.  TikTok kills a refresh token as soon as it is used, so a
    # refresh answered 200 used the newest one, and a dead one would show
    # invalid_grant here.
    tokens = [r for r in sandbox.request_log() if r["path"] == TOKEN]
    refreshes = tokens[1:]
    assert len(refreshes) >= 30, len(refreshes)
    bad = [r for r in tokens if r["status"] != 200 or r["error"]]
    assert not bad, bad
    assert "not logged in" not in (m.mnt / "STATUS.txt").read_text()

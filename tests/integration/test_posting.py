"""Posting through a real mount to the sandbox: what TikTok receives is what
the user copied in (bytes, caption, privacy, flags), results come back as
xattrs in posted/, and the failures TikTok can throw at an upload — 5xx on a
chunk, a dropped connection, a rate limit, an expiring token, every class
of fail_reason — end where the spec says.  Three views: the mount, the
sandbox's record, the daemon's job store."""
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from login_util import do_login  # noqa: E402

from posting_util import (drop, logged_in_mount, padded_video, secret_leaks, sha256,  # noqa: E402
                          tasks_for, tokens_of, uploads, wait_fault, wait_for)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BIG = 70_000_000  # above the 64,000,000 single-chunk limit: 7 chunks of 10,000,000


@pytest.mark.time_scale(10)  # the wait for the post ID (moderation), x10
def test_direct_post_arrives_exactly_as_copied(mounted, sandbox, clip):
    # Moderation of seconds, not the sandbox's 30 minutes: the post ID is
    # part of what arrives (test_post_wait.py has the hours).
    sandbox.knobs(moderation_delay=5)
    m = logged_in_mount(mounted, sandbox)
    caption = "Sunset 🌅 over the harbour\nsecond line #travel @friend\n\n  third, indented"
    rel = drop(m, clip, "---\nprivacy: public\ncomments: on\nai_generated: yes\n---\n" + caption)
    m.wait_state("posted/clip.mp4", "posted", timeout=60)

    (task,) = sandbox.received()
    assert task["mode"] == "direct" and task["source"] == "FILE_UPLOAD"
    assert task["sha256"] == sha256(clip)
    assert task["title"] == caption
    assert task["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert task["disable_comment"] is False
    assert task["disable_duet"] is True and task["disable_stitch"] is True
    assert task["brand_content_toggle"] is False and task["brand_organic_toggle"] is False
    assert task["is_aigc"] is True
    assert task["inits_same_item"] == 1
    assert not (m.mnt / rel).exists() and (m.mnt / "posted/clip.caption").exists()

    x = m.xattrs("posted/clip.mp4")
    assert x["publish_id"] == task["publish_id"]
    assert x["status"] == "PUBLISH_COMPLETE"
    assert ISO.match(x["posted_at"])
    assert x["privacy"] == "PUBLIC_TO_EVERYONE"
    # The post ID appears after moderation and is filled in later.
    wait_for(lambda: "post_id" in m.xattrs("posted/clip.mp4"), 45, "a post ID")
    x = m.xattrs("posted/clip.mp4")
    post_id = str(sandbox.received()[0]["post_id"])
    assert int(post_id) > 2 ** 53
    assert x["post_id"] == post_id
    assert x["url"] == f"https://www.tiktok.com/@sbpublic/video/{post_id}"
    job = m.job("posted/clip.mp4")
    assert job["state"] == "posted" and job["upload_url"] is None and job["attempts"] == 1
    # It waited for its ID as published, in posted/, before that.
    con = m._store()
    try:
        states = [r[0] for r in con.execute(
            "SELECT to_state FROM history WHERE job_id = ? ORDER BY id", (job["id"],))]
    finally:
        con.close()
    assert states[-2:] == ["published", "posted"], states


def test_draft_goes_to_the_inbox(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    drop(m, clip, "---\nmode: draft\n---\nA draft for later #wip")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["mode"] == "inbox"
    assert task["sha256"] == sha256(clip)
    x = m.xattrs("posted/clip.mp4")
    assert x["status"] == "SEND_TO_USER_INBOX"
    assert x["publish_id"] == task["publish_id"] and ISO.match(x["posted_at"])
    assert "post_id" not in x


def test_private_post_has_no_post_id_and_config_privacy_applies(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox, privacy="private")
    drop(m, clip, "Only for me")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["privacy_level"] == "SELF_ONLY" and task["title"] == "Only for me"
    assert task["status"] == "PUBLISH_COMPLETE" and task["post_ids"] == []
    x = m.xattrs("posted/clip.mp4")
    assert x["privacy"] == "SELF_ONLY" and "post_id" not in x and "url" not in x


def test_caption_of_exactly_2200_utf16_units_arrives_whole(mounted, sandbox, clip, tmp_path):
    m = logged_in_mount(mounted, sandbox)
    caption = "🎉" * 1000 + "\n" + "x" * 199  # 2000 + 1 + 199 UTF-16 units
    assert len(caption.encode("utf-16-le")) // 2 == 2200
    drop(m, clip, "---\nprivacy: friends\n---\n" + caption)
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["title"] == caption
    assert task["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"
    # One unit more is refused before anything is sent.
    drop(m, clip, "---\nprivacy: friends\n---\n" + caption + "y", name="long.mp4")
    m.wait_state("outbox/long.mp4", "invalid", timeout=30)
    assert len(sandbox.received()) == 1


def test_150_mb_goes_in_15_chunks_of_10_mb(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", 150_000_000)
    m = logged_in_mount(mounted, sandbox, chunk_size="10000000")
    drop(m, big, "---\nprivacy: private\n---\nThe long one", name="big.mp4")
    m.wait_state("posted/big.mp4", "posted", timeout=240)
    (task,) = sandbox.received()
    assert task["video_size"] == 150_000_000
    assert task["chunk_size"] == 10_000_000 and task["total_chunk_count"] == 15
    assert task["chunks_received"] == 15
    assert task["sha256"] == sha256(big)
    assert [s for s, _ in uploads(sandbox)] == [206] * 14 + [201]


@pytest.mark.time_scale(10)  # the daemon's pauses between tries, x10
def test_5xx_on_a_chunk_is_retried_on_the_same_range(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = logged_in_mount(mounted, sandbox, chunk_size="10000000")
    for nth, status in ((2, 500), (4, 502), (6, 503)):
        sandbox.inject("upload", nth=nth, status=status)
    drop(m, big, "---\nprivacy: private\n---\nServer hiccups", name="big.mp4")
    m.wait_state("posted/big.mp4", "posted", timeout=120)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(big) and task["chunks_received"] == 7
    statuses = [s for s, _ in uploads(sandbox)]
    # Each failed PUT is followed by the same range again: the sandbox
    # answers 416 to any other first byte, and none came.
    assert statuses == [206, 500, 206, 502, 206, 503, 206, 206, 206, 201]
    assert 416 not in statuses


@pytest.mark.time_scale(10)  # the daemon's pauses between tries, x10
def test_connection_dropped_mid_chunk_recovers(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = logged_in_mount(mounted, sandbox, chunk_size="10000000")
    sandbox.inject("upload", nth=3, drop_after=3_000_000)
    drop(m, big, "---\nprivacy: private\n---\nCable pulled", name="big.mp4")
    m.wait_state("posted/big.mp4", "posted", timeout=120)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(big) and task["chunks_received"] == 7
    statuses = [s for s, _ in uploads(sandbox)]
    assert statuses == [206, 206, 0, 206, 206, 206, 206, 201]


def test_single_chunk_retried_after_503_and_drop(mounted, sandbox, clip, tmp_path):
    small = padded_video(clip, tmp_path / "src" / "small.mp4", 3_000_000)
    m = logged_in_mount(mounted, sandbox)
    sandbox.inject("upload", nth=1, status=503)
    sandbox.inject("upload", nth=2, drop_after=1_000_000)
    drop(m, small, "---\nprivacy: private\n---\nTwo bad tries", name="small.mp4")
    m.wait_state("posted/small.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(small)
    assert [s for s, _ in uploads(sandbox)] == [503, 0, 201]


@pytest.mark.time_scale(20)  # TikTok's minute of deferral in 3 s
def test_429_on_init_defers_then_posts(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    sandbox.inject("video_init", nth=1, status=429)
    rel = drop(m, clip, "---\nprivacy: private\n---\nToo fast")
    m.wait_state(rel, "deferred", timeout=30)
    x = m.xattrs(rel)
    assert ISO.match(x["retry_at"])
    assert "rate limit" in x["error"].lower()
    assert sandbox.received() == []
    m.wait_state("posted/clip.mp4", "posted", timeout=150)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(clip) and task["inits_same_item"] == 1


def test_access_token_expiring_mid_item(mounted, sandbox, clip, tmp_path):
    m = logged_in_mount(mounted, sandbox)
    before = tokens_of(m)
    fid = sandbox.inject("upload", nth=1, delay=3)
    rel = drop(m, clip, "---\nprivacy: private\n---\nToken dies midway")
    m.wait_state(rel, "uploading", timeout=30)
    wait_fault(sandbox, fid)
    sandbox.expire_tokens()  # the access token dies while the chunk is in flight
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(clip) and task["inits_same_item"] == 1
    after = tokens_of(m)
    assert set(after) != set(before), "the token was not refreshed"
    log = sandbox.request_log()
    assert any(r["path"].startswith("/v2/oauth/token/") and r["status"] == 200 for r in log)
    # Nothing a person can read holds a token, old or new, or the client secret.
    assert secret_leaks(m, before + after + [sandbox.client_secret]) == []
    assert not re.search(r"upload_token=[^*\s]", m.log_text())


@pytest.mark.parametrize("reason, end", [
    ("picture_size_check_failed", "failed"),  # the media: the user must act
    ("spam_risk_text", "failed"),             # the caption: the user must act
    ("auth_removed", "failed"),               # access revoked: not retried
    ("spam_risk", "failed"),                  # permanent
    ("internal", "posted"),                   # TikTok's side: a new init
    ("spam_risk_too_many_posts", "deferred"),  # a cap: waits for it to reset
])
def test_each_fail_reason_class_ends_where_it_should(mounted, sandbox, clip, reason, end):
    m = logged_in_mount(mounted, sandbox)
    sandbox.fail_next(reason)
    title = f"Will fail with {reason}"
    rel = drop(m, clip, "---\nprivacy: private\n---\n" + title)
    if end == "failed":
        m.wait_state("failed/clip.mp4", "failed", timeout=60)
        # NAME.error is written right after the video moves.
        wait_for(lambda: (m.mnt / "failed/clip.mp4.error").exists(), 10, "clip.mp4.error")
        text = (m.mnt / "failed/clip.mp4.error").read_text()
        assert reason in text
        assert m.xattrs("failed/clip.mp4")["error"] == text.splitlines()[0]
        assert len(tasks_for(sandbox, title)) == 1
    elif end == "posted":
        m.wait_state("posted/clip.mp4", "posted", timeout=60)
        first, second = tasks_for(sandbox, title)
        assert first["status"] == "FAILED" and first["fail_reason"] == reason
        assert second["status"] == "PUBLISH_COMPLETE" and second["sha256"] == sha256(clip)
        assert m.job("posted/clip.mp4")["attempts"] == 2
    else:
        m.wait_state(rel, "deferred", timeout=60)
        x = m.xattrs(rel)
        assert ISO.match(x["retry_at"]) and x["error"]
        assert len(tasks_for(sandbox, title)) == 1
        assert m.job(rel)["publish_id"] is None  # the failed publish is forgotten


@pytest.mark.time_scale(10)  # the daemon's wait before it looks for a login again, x10
def test_not_logged_in_waits_ready_then_posts_after_login(mounted, sandbox, clip):
    m = mounted(settle_time="0.5")
    rel = drop(m, clip, "---\nprivacy: private\n---\nBefore login")
    wait_for(lambda: "not logged in" in m.xattrs(rel).get("error", ""), 30,
             "the not-logged-in error")
    assert m.xattrs(rel)["state"] == "ready"
    assert sandbox.received() == []
    do_login(m.config, sandbox)
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(clip)
    assert "error" not in m.xattrs("posted/clip.mp4")


def test_bandwidth_limit_caps_the_rate_and_progress_shows(mounted, sandbox, clip, tmp_path):
    video = padded_video(clip, tmp_path / "src" / "slow.mp4", 3_000_000)
    m = logged_in_mount(mounted, sandbox, bandwidth_limit="1M")
    rel = drop(m, video, "---\nprivacy: private\n---\nThrottled", name="slow.mp4")
    m.wait_state(rel, "uploading", timeout=30)
    t0 = time.monotonic()
    seen = []
    while not (m.mnt / "posted/slow.mp4").exists():
        try:
            progress = m.xattrs(rel).get("progress")
        except FileNotFoundError:
            progress = None
        if progress:
            sent, total = map(int, progress.split("/"))
            assert total == 3_000_000 and 0 <= sent <= total
            seen.append(sent)
        assert time.monotonic() - t0 < 60, "not posted within a minute"
        time.sleep(0.05)
    elapsed = time.monotonic() - t0
    # 3,000,000 bytes at 1 MiB/s cannot take less than ~2.9 s (a lower
    # bound: a slow machine only adds to it).
    assert elapsed >= 2.0, elapsed
    # The bar moves: it showed a part of the bytes on the way, and never went
    # back.  (The daemon stores progress once a second; how many of those
    # a test sees depends on how often a loaded machine lets it look.)
    assert [s for s in seen if 0 < s < 3_000_000], seen
    assert seen == sorted(seen), seen
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(video)


def test_deleting_an_item_mid_upload_cancels_it(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = logged_in_mount(mounted, sandbox, chunk_size="10000000", bandwidth_limit="20M")
    rel = drop(m, big, "---\nprivacy: private\n---\nChanged my mind", name="big.mp4")
    wait_for(lambda: len(uploads(sandbox)) >= 1, 60, "the first chunk")
    os.unlink(m.mnt / rel)
    os.unlink(m.mnt / "outbox/big.caption")
    wait_for(lambda: "upload abandoned" in m.log_text(), 30, "the upload to stop")
    (task,) = sandbox.received()
    assert task["bytes_received"] < BIG and task["status"] != "PUBLISH_COMPLETE"
    assert m.job(rel)["state"] == "cancelled"
    assert not (m.mnt / "posted/big.mp4").exists()

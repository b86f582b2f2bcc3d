"""Exactly once: a kill -9 of the daemon at every stage of a post, then a
remount, ends with the video posted once — one task at TikTok that received
the bytes and published, the item in posted/ with its xattrs.  A second init
happens only where TikTok can no longer publish the first one: its upload
link expired before the last chunk, or its answer never reached us (a
FILE_UPLOAD task whose upload_url nobody has can never receive its bytes;
see net/poster.c)."""
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from posting_util import (drop, kill9, logged_in_mount, padded_video, sha256, tasks_for,  # noqa: E402
                          uploads, wait_fault, wait_for)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BIG = 70_000_000  # 7 chunks of 10,000,000


def posted_once(m, sandbox, title, video, name="clip.mp4", inits=1):
    """The item is in posted/ with its xattrs, and exactly one task published it."""
    m.wait_state(f"posted/{name}", "posted", timeout=120)
    # An orphaned init held by a fault may be recorded a moment later.
    wait_for(lambda: len(tasks_for(sandbox, title)) >= inits, 15, f"{inits} init(s)")
    tasks = tasks_for(sandbox, title)
    done = [t for t in tasks if t["status"] == "PUBLISH_COMPLETE"]
    assert len(done) == 1, tasks
    assert len(tasks) == inits, tasks
    (task,) = done
    assert task["sha256"] == sha256(video)
    for other in tasks:
        if other is not task:
            assert other["sha256"] is None, "an abandoned task received every byte"
    x = m.xattrs(f"posted/{name}")
    assert x["publish_id"] == task["publish_id"]
    assert x["status"] == "PUBLISH_COMPLETE"
    assert ISO.match(x["posted_at"])
    assert x["privacy"] == "PUBLIC_TO_EVERYONE"
    post_id = str(task["post_id"])
    wait_for(lambda: m.xattrs(f"posted/{name}").get("post_id") == post_id, 30, "the post ID")
    assert m.xattrs(f"posted/{name}")["url"] == f"https://www.tiktok.com/@sbpublic/video/{post_id}"
    return task


@pytest.fixture(autouse=True)
def held_requests_end(sandbox):
    """A request a fault holds with a delay outlives a killed daemon; let it
    end before the next test resets the sandbox, or its late answer (404:
    the task is forgotten) lands in that test's request log."""
    yield
    delays = [f["delay"] for f in sandbox.faults() if f["delay"] and f["fired"]]
    if delays:
        time.sleep(max(delays))


def started(mounted, sandbox, **cfg):
    sandbox.knobs(moderation_delay=0)
    return logged_in_mount(mounted, sandbox, chunk_size="10000000", **cfg)


CAPTION = "---\nprivacy: public\n---\n"


def test_kill_before_init(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    fid = sandbox.inject("creator_info", nth=1, delay=3)
    title = "killed before init"
    rel = drop(m, clip, CAPTION + title)
    wait_fault(sandbox, fid)
    kill9(m)
    assert tasks_for(sandbox, title) == []
    m.mount()
    posted_once(m, sandbox, title, clip)
    assert not (m.mnt / rel).exists()


def test_kill_right_after_init(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    fid = sandbox.inject("upload", nth=1, delay=3)
    title = "killed right after init"
    rel = drop(m, clip, CAPTION + title)
    wait_fault(sandbox, fid)
    assert m.job(rel)["publish_id"]  # committed before the first byte
    kill9(m)
    m.mount()
    posted_once(m, sandbox, title, clip)


def test_kill_mid_upload_resumes_where_tiktok_is(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = started(mounted, sandbox)
    fid = sandbox.inject("upload", nth=4, delay=3)
    title = "killed mid-upload"
    rel = drop(m, big, CAPTION + title, name="big.mp4")
    wait_fault(sandbox, fid, seen=4)
    x = m.xattrs(rel)
    assert x["state"] == "uploading" and x["progress"].endswith("/70000000")
    kill9(m)
    m.mount()
    task = posted_once(m, sandbox, title, big, name="big.mp4")
    assert task["chunks_received"] == 7
    # Every chunk was taken once: chunks 1-3 before the kill, 4-7 after it
    # (a restart from byte 0 would have met 416s and a second init).
    statuses = [s for s, _ in uploads(sandbox)]
    assert sum(s in (201, 206) for s in statuses) == 7, statuses
    assert statuses[:3] == [206, 206, 206] and len(statuses) <= 10, statuses


def test_kill_after_the_last_chunk(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    # TikTok takes every byte but its 201 is lost; the daemon's retry of the
    # chunk is held, and the daemon is killed while it waits.
    sandbox.inject("upload", nth=1, drop=True, when="after")
    fid = sandbox.inject("upload", nth=2, delay=5)
    title = "killed after the last chunk"
    drop(m, clip, CAPTION + title)
    wait_fault(sandbox, fid, seen=2)
    assert tasks_for(sandbox, title)[0]["sha256"] == sha256(clip)
    kill9(m)
    m.mount()
    posted_once(m, sandbox, title, clip)
    # The held retry from before the kill ends with a 416 on a dead socket.
    wait_for(lambda: len(uploads(sandbox)) >= 2, 15, "the held retry to end")
    statuses = [s for s, _ in uploads(sandbox)]
    assert 201 not in statuses and 206 not in statuses, statuses  # nothing sent twice


def test_lost_answer_to_the_last_chunk_is_resynced(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    sandbox.inject("upload", nth=1, drop=True, when="after")
    title = "last answer lost"
    drop(m, clip, CAPTION + title)
    posted_once(m, sandbox, title, clip)
    # The chunk again: 416, whose Content-Range says TikTok has it all.
    assert [s for s, _ in uploads(sandbox)] == [0, 416]


def test_kill_while_polling(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    sandbox.knobs(processing_delay=8)
    title = "killed while polling"
    rel = drop(m, clip, CAPTION + title)
    m.wait_state(rel, "processing", timeout=60)
    kill9(m)
    m.mount()
    posted_once(m, sandbox, title, clip)
    assert len(uploads(sandbox)) == 1


def test_upload_link_expired_while_down_means_one_new_init(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = started(mounted, sandbox)
    fid = sandbox.inject("upload", nth=3, delay=3)
    title = "link expired while down"
    rel = drop(m, big, CAPTION + title, name="big.mp4")
    wait_fault(sandbox, fid, seen=3)
    publish_id = m.job(rel)["publish_id"]
    kill9(m)
    sandbox.expire_upload(publish_id)
    m.mount()
    posted_once(m, sandbox, title, big, name="big.mp4", inits=2)
    first = sandbox.received(publish_id)
    assert first["bytes_received"] < BIG and first["status"] != "PUBLISH_COMPLETE"


def test_kill_during_init_never_posts_twice(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    # The init reaches TikTok, which creates a task; its answer never arrives.
    fid = sandbox.inject("video_init", nth=1, delay=3, when="after")
    title = "killed during init"
    drop(m, clip, CAPTION + title)
    wait_fault(sandbox, fid)
    kill9(m)
    m.mount()
    # The orphan has no upload link anywhere, so it can never publish; a
    # second init is the only way to post, and posts once.
    posted_once(m, sandbox, title, clip, inits=2)


@pytest.mark.time_scale(20)  # the minute's deferral in 3 s
def test_lost_init_answer_is_retried_once_it_cannot_post(mounted, sandbox, clip):
    m = started(mounted, sandbox)
    sandbox.inject("video_init", nth=1, drop=True, when="after")
    title = "init answer lost"
    rel = drop(m, clip, CAPTION + title)
    m.wait_state(rel, "deferred", timeout=30)
    assert len(tasks_for(sandbox, title)) == 1  # TikTok did create it
    assert m.job(rel)["publish_id"] is None
    posted_once(m, sandbox, title, clip, inits=2)


def test_unmount_mid_upload_keeps_the_work(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = started(mounted, sandbox)
    fid = sandbox.inject("upload", nth=3, delay=3)
    title = "unmounted mid-upload"
    rel = drop(m, big, CAPTION + title, name="big.mp4")
    wait_fault(sandbox, fid, seen=3)
    assert m.unmount() == 0
    job = m.job(rel)
    assert job["state"] == "uploading" and job["publish_id"]
    m.mount()
    task = posted_once(m, sandbox, title, big, name="big.mp4")
    assert task["chunks_received"] == 7

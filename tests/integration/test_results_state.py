"""An item shows exactly the user.tiktok.* of the state it is in, through a
real mount and in watch mode: nothing of a state it has left (retry_at after a
deferral ended, the error of a caption that was fixed, progress after the
upload).  Watch mode writes them onto real files in a folder share users can
write to, so the result mirror must never follow a link they planted.  And
deleting only the caption while the upload runs stops it: the video waits in
outbox/ for a caption, nothing is posted.

Three views: the xattrs (mount or real files), the sandbox's record, the
daemon's job store."""
import os
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from login_util import do_login  # noqa: E402
from posting_util import (drop, logged_in_mount, padded_video, tasks_for,  # noqa: E402
                          uploads, wait_fault, wait_for)
from watch_util import watched  # noqa: E402,F401  (fixture)

# What a private post of the test clip shows in posted/: no post_id or url
# (SELF_ONLY posts never get one), no progress, retry_at or error; a warning,
# since the clip is 360x640.
POSTED_PRIVATE = {"state", "publish_id", "status", "posted_at", "privacy", "warning"}
BIG = 70_000_000  # 7 chunks of 10,000,000


def names(x):
    """The short names of a {user.tiktok.NAME or NAME: value} dict."""
    return {k.rsplit(".", 1)[-1] for k in x}


def settled_names(w, rel, want, timeout=30):
    """The result names on the watched file @rel once they are @want, or
    whatever they are after @timeout.  The mirror writes a file's xattrs one
    by one (state first) and the video's before its caption's, so a reader
    that saw the video's state can catch the caption, or the video's own
    last names, not yet written (fs/mirror.c)."""
    deadline = time.monotonic() + timeout
    while True:
        got = names(w.xattrs(rel))
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def watch_drop(w, clip, text, rel="outbox/clip.mp4"):
    dst = w.root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip, dst)
    dst.with_suffix(".caption").write_text(text, encoding="utf-8")
    return rel


def wait_left(get_state, state, timeout=30):
    """Wait until the state is no longer @state; return the new one ("gone"
    when the file moved on to posted/ or failed/ first)."""
    def moved_on():
        try:
            s = get_state()
        except FileNotFoundError:
            s = None
        return s != state and (s or "gone")
    return wait_for(moved_on, timeout, f"the state to leave {state}", 0.02)


def xattrs_if_there(get):
    try:
        return get()
    except FileNotFoundError:
        return None


# -- #13: a deferral that ended leaves no retry_at ------------------------------

@pytest.mark.time_scale(20)  # the 429's minute in 3 s
def test_mounted_deferred_then_posted_has_no_retry_at(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    sandbox.inject("video_init", nth=1, status=429)
    rel = drop(m, clip, "---\nprivacy: private\n---\nDeferred once")
    m.wait_state(rel, "deferred", timeout=30)
    assert "retry_at" in m.xattrs(rel)
    # the deferral is over: no retry_at in any later state (a one-chunk
    # upload may be over before we look; posted/ is checked below)
    if wait_left(lambda: m.state_of(rel), "deferred", timeout=150) != "gone":
        x = xattrs_if_there(lambda: m.xattrs(rel))
        assert x is None or "retry_at" not in x, x
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    assert names(m.xattrs("posted/clip.mp4")) == POSTED_PRIVATE
    assert m.job("posted/clip.mp4")["retry_at"] == 0


@pytest.mark.time_scale(20)  # the 429's minute in 3 s
def test_watch_deferred_then_posted_has_no_retry_at(watched, sandbox, clip):
    w = watched(settle_time="0.5")
    do_login(w.config, sandbox)
    sandbox.inject("video_init", nth=1, status=429)
    watch_drop(w, clip, "---\nprivacy: private\n---\nDeferred once, watched")
    w.wait_state("outbox/clip.mp4", "deferred")
    assert "retry_at" in w.results("outbox/clip.mp4")
    w.wait_file("posted/clip.mp4", timeout=150)
    w.wait_state("posted/clip.mp4", "posted")
    assert settled_names(w, "posted/clip.mp4", POSTED_PRIVATE) == POSTED_PRIVATE
    assert settled_names(w, "posted/clip.caption", POSTED_PRIVATE) == POSTED_PRIVATE


# -- #13: a fixed caption leaves no error ---------------------------------------

BAD = "---\nprivacy: sometimes\n---\nTypo in the privacy\n"
GOOD = "---\nprivacy: private\n---\nFixed it\n"


def test_mounted_fixed_caption_error_goes(mounted, sandbox, clip):
    # settle_time 2: the item waits two seconds between the fix and its
    # check; in that time the old error must already be gone
    m = mounted(settle_time="2")
    rel = drop(m, clip, BAD)
    m.wait_state(rel, "invalid", timeout=30)
    assert "privacy" in m.xattrs(rel)["error"]
    (m.mnt / "outbox/clip.caption").write_text(GOOD)
    state = wait_left(lambda: m.state_of(rel), "invalid")
    if state == "waiting":
        assert "error" not in m.xattrs(rel), m.xattrs(rel)
    do_login(m.config, sandbox)
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    x = m.xattrs("posted/clip.mp4")
    assert names(x) == POSTED_PRIVATE, x  # no error, no progress
    assert not (m.mnt / "outbox/clip.mp4.error").exists()


def test_watch_fixed_caption_error_goes(watched, sandbox, clip):
    w = watched(settle_time="2")
    rel = watch_drop(w, clip, BAD)
    w.wait_state(rel, "invalid")
    assert "privacy" in w.results(rel)["error"]
    (w.root / "outbox/clip.caption").write_text(GOOD)
    state = wait_left(lambda: w.results(rel).get("state"), "invalid")
    if state == "waiting":
        assert "error" not in w.results(rel), w.results(rel)
    do_login(w.config, sandbox)
    w.wait_file("posted/clip.mp4", timeout=60)
    w.wait_state("posted/clip.mp4", "posted")
    assert settled_names(w, "posted/clip.mp4", POSTED_PRIVATE) == POSTED_PRIVATE
    assert not (w.root / "outbox/clip.mp4.error").exists()


# -- mirror safety: links planted in posted/ are never followed -----------------

def test_watch_mirror_never_follows_a_link_planted_in_posted(watched, sandbox, clip, tmp_path):
    w = watched(settle_time="0.5")
    do_login(w.config, sandbox)
    watch_drop(w, clip, "---\nprivacy: private\n---\nFirst", rel="outbox/clip.mp4")
    watch_drop(w, clip, "---\nprivacy: private\n---\nSecond", rel="outbox/sub/deep.mp4")
    for rel in ("posted/clip.mp4", "posted/sub/deep.mp4"):
        w.wait_file(rel, timeout=90)
        w.wait_state(rel, "posted")
    assert w.stop() == 0

    # A share user swaps the posted video for a link to a file elsewhere,
    # and a folder on the way for a link to a folder elsewhere.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.conf").write_text("precious\n")
    (outside / "deep.mp4").write_text("precious too\n")
    os.unlink(w.root / "posted/clip.mp4")
    os.symlink(outside / "victim.conf", w.root / "posted/clip.mp4")
    shutil.rmtree(w.root / "posted/sub")
    os.symlink(outside, w.root / "posted/sub")

    # A new start writes every result again (its cache is empty).
    w2 = watched(config=w.config)
    wait_for(lambda: "results not written there" in w2.log_text(), 30,
             "the mirror to meet the links")
    # the caption beside the link still gets its results
    w2.wait_state("posted/clip.caption", "posted")
    for f in outside.iterdir():
        assert not [n for n in os.listxattr(f) if n.startswith("user.tiktok.")], f
    assert sorted(p.name for p in outside.iterdir()) == ["deep.mp4", "victim.conf"]
    assert (outside / "victim.conf").read_text() == "precious\n"
    assert w2.stop() == 0


# -- #11: deleting only the caption mid-upload stops it --------------------------

def test_deleting_the_caption_mid_upload_stops_it_and_the_video_waits(mounted, sandbox, clip,
                                                                     tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", BIG)
    m = logged_in_mount(mounted, sandbox, chunk_size="10000000", bandwidth_limit="20M")
    rel = drop(m, big, "---\nprivacy: private\n---\nNo caption after all", name="big.mp4")
    wait_for(lambda: len(uploads(sandbox)) >= 1, 60, "the first chunk")
    os.unlink(m.mnt / "outbox/big.caption")
    wait_for(lambda: "upload abandoned" in m.log_text(), 30, "the upload to stop")

    # the video stays, waiting for a caption, and says so
    x = m.xattrs(rel)
    assert x["state"] == "waiting", x
    assert "caption" in x["error"] and "nothing was posted" in x["error"], x
    assert "progress" not in x and "publish_id" not in x
    (task,) = sandbox.received()
    assert task["bytes_received"] < BIG and task["status"] != "PUBLISH_COMPLETE"
    job = m.job(rel)
    assert job["state"] == "waiting" and job["publish_id"] is None
    assert not (m.mnt / "posted/big.mp4").exists()

    # a caption back: a new upload with the new caption, posted once
    (m.mnt / "outbox/big.caption").write_text("---\nprivacy: private\n---\nAfter all\n")
    m.wait_state("posted/big.mp4", "posted", timeout=120)
    (done,) = tasks_for(sandbox, "After all")
    assert done["status"] == "PUBLISH_COMPLETE" and done["bytes_received"] == BIG
    assert [t for t in sandbox.received() if t["status"] == "PUBLISH_COMPLETE"] == [done]
    assert names(m.xattrs("posted/big.mp4")) == POSTED_PRIVATE


def test_a_caption_deleted_while_the_last_chunk_is_answered_still_ends_posted(
        mounted, sandbox, clip):
    """Every byte of the last chunk is out and TikTok's answer is slow: the
    caption deleted now can no longer stop the post (TikTok has the bytes),
    so the item must not be abandoned with "nothing was posted" while TikTok
    publishes it; it ends in posted/, posted once."""
    m = logged_in_mount(mounted, sandbox)
    fid = sandbox.inject("upload", nth=1, delay=3)  # the one chunk's answer is held
    rel = drop(m, clip, "---\nprivacy: private\n---\nLast chunk out")
    wait_fault(sandbox, fid)
    os.unlink(m.mnt / "outbox/clip.caption")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["status"] == "PUBLISH_COMPLETE"
    assert not (m.mnt / rel).exists()

"""Spec promises about where items end, checked through a real mount:
moving an item from failed/ back to outbox/ retries it, and keep_posted=no
keeps only the caption and the xattrs in posted/."""
import os

from posting_util import drop, logged_in_mount, sha256, tasks_for, wait_for


def test_moving_from_failed_back_to_outbox_retries(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    sandbox.fail_next("spam_risk")  # permanent: the item lands in failed/
    title = "Second time lucky"
    drop(m, clip, "---\nprivacy: private\n---\n" + title)
    m.wait_state("failed/clip.mp4", "failed", timeout=60)
    wait_for(lambda: (m.mnt / "failed/clip.mp4.error").exists(), 10, "clip.mp4.error")

    # What a person does: move the video and its caption back with mv.
    os.rename(m.mnt / "failed/clip.mp4", m.mnt / "outbox/clip.mp4")
    os.rename(m.mnt / "failed/clip.caption", m.mnt / "outbox/clip.caption")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)

    first, second = tasks_for(sandbox, title)
    assert first["status"] == "FAILED" and first["fail_reason"] == "spam_risk"
    assert second["status"] == "PUBLISH_COMPLETE" and second["sha256"] == sha256(clip)
    assert m.xattrs("posted/clip.mp4")["publish_id"] == second["publish_id"]


def test_keep_posted_no_keeps_caption_and_results_only(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox, keep_posted="no")
    drop(m, clip, "---\nprivacy: private\n---\nGone but recorded")
    wait_for(lambda: (m.mnt / "posted/clip.caption").exists(), 60, "posted/clip.caption")
    assert not (m.mnt / "posted/clip.mp4").exists()
    assert not (m.mnt / "outbox/clip.mp4").exists()
    x = m.xattrs("posted/clip.caption")
    got = sandbox.received(x["publish_id"])
    assert got["sha256"] == sha256(clip) and x["status"] == "PUBLISH_COMPLETE"

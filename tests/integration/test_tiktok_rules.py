"""TikTok's own rules as real TikTok applies them (issue 10, docs/tiktok.md),
through a real mount against the sandbox, and what each ends in on the files:

- a video above TikTok's "4 GB" (4,000,000,000 bytes) is refused before any
  upload, by `tiktokfs check` as by the daemon;
- one chunk is at most 64,000,000 bytes: 64,000,001 bytes go in several;
- creator_info is asked with no request body, as TikTok's reference does;
- an unaudited app, both ways TikTok is reported to treat it: refused (the
  item fails saying what to do) or accepted and made private (posted, with
  user.tiktok.warning saying so and why);
- a draft carries no caption: it stays beside the video in posted/ and the
  item says to paste it in the app.
"""
import os
import pathlib
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from posting_util import drop, logged_in_mount, padded_video, sha256, wait_for  # noqa: E402
from test_check import run_check, write_config  # noqa: E402

CREATOR = "/v2/post/publish/creator_info/query/"


def sparse_video(src, dst, size):
    """A real MP4 of @size bytes whose padding is a hole: the clip, then an
    ISO BMFF `free` box reaching the end (so a 4 GB file costs no disk)."""
    data = pathlib.Path(src).read_bytes()
    with open(dst, "wb") as f:
        f.write(data)
        f.write(struct.pack(">I4s", size - len(data), b"free"))
        f.truncate(size)
    return dst


def test_a_video_over_4_gb_is_refused_before_any_upload(tmp_path, clip):
    write_config(tmp_path, privacy="private")
    (tmp_path / "clip.caption").write_text("Too big\n")
    video = sparse_video(clip, tmp_path / "clip.mp4", 4_000_000_001)
    r = run_check(tmp_path, video, tmp_path / "clip.caption")
    assert r.returncode == 1, r.out
    assert "4.00 GB (4000000001 bytes)" in r.out
    assert "TikTok takes at most 4.00 GB (4000000000 bytes)" in r.out
    sparse_video(clip, video, 4_000_000_000)
    r = run_check(tmp_path, video, tmp_path / "clip.caption")
    assert r.returncode == 0, r.out


def test_64_000_001_bytes_go_in_several_chunks(mounted, sandbox, clip, tmp_path):
    big = padded_video(clip, tmp_path / "src" / "big.mp4", 64_000_001)
    m = logged_in_mount(mounted, sandbox)
    drop(m, big, "---\nprivacy: private\n---\nOne byte over", name="big.mp4")
    m.wait_state("posted/big.mp4", "posted", timeout=180)
    (task,) = sandbox.received()
    assert (task["chunk_size"], task["total_chunk_count"]) == (10_000_000, 6)
    assert task["chunks_received"] == 6 and task["sha256"] == sha256(big)


def test_creator_info_is_asked_with_no_body(mounted, sandbox, clip):
    sandbox.knobs(creator_info_body="none")  # any body byte: 400
    m = logged_in_mount(mounted, sandbox)
    drop(m, clip, "---\nprivacy: public\n---\nNo body")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    asked = [r for r in sandbox.request_log() if r["path"] == CREATOR]
    assert asked and all(r["status"] == 200 for r in asked), asked


def test_unaudited_app_refused_fails_the_item_saying_what_to_do(mounted, sandbox, clip):
    sandbox.knobs(audited=False, unaudited_rule="reject")
    m = logged_in_mount(mounted, sandbox)  # sbpublic: a public account
    drop(m, clip, "---\nprivacy: public\n---\nFor everyone")
    m.wait_state("failed/clip.mp4", "failed", timeout=60)
    wait_for(lambda: (m.mnt / "failed/clip.mp4.error").exists(), 10, "clip.mp4.error")
    text = (m.mnt / "failed/clip.mp4.error").read_text()
    first = text.splitlines()[0]
    assert "not audited" in first and "SELF_ONLY" in first and "private account" in first
    assert "unaudited_client_can_only_post_to_private_accounts" in text
    assert "Set `privacy: private` (SELF_ONLY)" in text and "get the app audited" in text
    assert m.xattrs("failed/clip.mp4")["error"] == first
    assert sandbox.received() == []


def test_unaudited_app_made_private_is_posted_with_a_warning(mounted, sandbox, clip):
    sandbox.knobs(audited=False, unaudited_rule="self_only", moderation_delay=0)
    m = logged_in_mount(mounted, sandbox, audited="no")
    drop(m, clip, "---\nprivacy: public\n---\nMeant for everyone")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert task["privacy_level_applied"] == "SELF_ONLY"

    def warned():
        x = m.xattrs("posted/clip.mp4")
        return x if "posted private (SELF_ONLY), not public" in x.get("warning", "") else None

    x = wait_for(warned, 10, "the made-private warning")
    assert "has not passed its audit" in x["warning"] and "get the app audited" in x["warning"]
    assert x["privacy"] == "SELF_ONLY" and "post_id" not in x
    status = (m.mnt / "STATUS.txt").read_text()
    assert "posted private (SELF_ONLY), not public" in status


def test_draft_keeps_its_caption_beside_the_video_and_says_to_paste_it(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    drop(m, clip, "---\nmode: draft\n---\nSunset over the harbour #travel")
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["mode"] == "inbox" and task["title"] is None  # TikTok got no caption
    caption = m.mnt / "posted/clip.caption"
    assert "Sunset over the harbour #travel" in caption.read_text()
    w = m.xattrs("posted/clip.mp4")["warning"]
    assert "inbox upload carries no caption" in w
    assert "clip.caption stays beside the video in posted/" in w
    assert "paste its text into the TikTok app" in w
    assert "paste its text into the TikTok app" in (m.mnt / "STATUS.txt").read_text()

"""Folder defaults (.defaults) and captions made of file names, end to end:
through a real mount with `cp`, and in watch mode with inotify and with
polling.  Each test checks what the user sees (states, NAME.error, the
files left in place) and, where something is posted, what TikTok got: the
sandbox's record of the caption and the privacy, exactly.  Tests wait on
states and files, never on fixed sleeps.
"""
import os
import shutil
import subprocess

import pytest

from login_util import do_login
from posting_util import logged_in_mount, wait_for
from test_watch_poll import netfolder, passthrough_bin  # noqa: F401  (fixtures)
from watch_util import watched  # noqa: F401  (fixture)

SETTLE = 0.5


def cp(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", str(src), str(dst)], check=True)


def error_text(root, video):
    try:
        return (root / f"{video}.error").read_text()
    except OSError:
        return ""


def wait_error(root, video, words, timeout=30):
    wait_for(lambda: words in error_text(root, video), timeout,
             f"{video}.error to say {words!r}")


def task_titled(sandbox, title):
    return [t for t in sandbox.received() if t["title"] == title]


def test_nested_defaults_and_a_caption_override_reach_tiktok(mounted, sandbox, clip, tmp_path):
    m = logged_in_mount(mounted, sandbox)
    outbox = m.mnt / "outbox"
    src = tmp_path / "src"
    src.mkdir()
    (src / "top.defaults").write_text("---\nprivacy: public\ncomments: on\nduet: on\n---\n")
    (src / "brand.defaults").write_text("privacy: friends\ncaption_from: filename\n"
                                        "hashtags: #brand\n")
    (src / "two.caption").write_text("---\nduet: off\n---\nThe second one\n")
    (outbox / "brand").mkdir()
    cp(src / "top.defaults", outbox / ".defaults")
    cp(src / "brand.defaults", outbox / "brand" / ".defaults")
    # no caption file: the caption is the file name
    cp(clip, outbox / "brand" / "Sunset_over-the harbour.mp4")
    # a caption file that overrides one key
    cp(src / "two.caption", outbox / "brand" / "two.caption")
    cp(clip, outbox / "brand" / "two.mp4")
    m.wait_state("posted/brand/Sunset_over-the harbour.mp4", "posted", timeout=90)
    m.wait_state("posted/brand/two.mp4", "posted", timeout=90)

    (named,) = task_titled(sandbox, "Sunset over the harbour #brand")
    assert named["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"   # outbox/brand/.defaults
    assert named["disable_comment"] is False                   # outbox/.defaults
    assert named["disable_duet"] is False                      # outbox/.defaults
    (two,) = task_titled(sandbox, "The second one #brand")
    assert two["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"
    assert two["disable_comment"] is False
    assert two["disable_duet"] is True                         # its own caption file
    assert len(sandbox.received()) == 2
    # the .defaults stay where they are, and are no items
    assert (outbox / ".defaults").read_text().startswith("---\nprivacy: public")
    assert (outbox / "brand" / ".defaults").exists()
    assert not (m.mnt / "posted" / "brand" / ".defaults").exists()
    assert ".defaults" in os.listdir(outbox / "brand")
    assert m.job("outbox/.defaults") is None
    assert m.state_of("outbox/brand/.defaults") is None


def test_bad_defaults_holds_its_items_with_error_until_fixed(mounted, clip, caption):
    m = mounted(settle_time=SETTLE, privacy="private")
    team = m.mnt / "outbox" / "team"
    team.mkdir()
    (team / ".defaults").write_text("caption_from: filename\nprivacy: nobody\n")
    cp(clip, team / "clip.mp4")
    cp(caption, team / "clip.caption")
    cp(clip, team / "lone_video.mp4")
    cp(clip, m.mnt / "outbox" / "elsewhere.mp4")
    cp(caption, m.mnt / "outbox" / "elsewhere.caption")
    m.wait_state("outbox/elsewhere.mp4", "ready")
    for video in ("outbox/team/clip.mp4", "outbox/team/lone_video.mp4"):
        m.wait_state(video, "invalid")
        wait_error(m.mnt, video, "outbox/team/.defaults: line 2: privacy: \"nobody\" is not a "
                   "privacy")
        assert "line 2" in m.xattrs(video)["user.tiktok.error"]
    # fixed in place: both are checked again and taken
    with open(team / ".defaults", "w") as f:
        f.write("caption_from: filename\nprivacy: friends\n")
    m.wait_state("outbox/team/clip.mp4", "ready")
    m.wait_state("outbox/team/lone_video.mp4", "ready")
    assert m.xattrs("outbox/team/lone_video.mp4")["user.tiktok.privacy"] == \
        "MUTUAL_FOLLOW_FRIENDS"
    assert m.xattrs("outbox/team/clip.mp4")["user.tiktok.privacy"] == "SELF_ONLY"  # its caption
    assert not (team / "clip.mp4.error").exists()
    assert not (team / "lone_video.mp4.error").exists()


def test_planted_symlink_defaults_is_refused(mounted, clip, caption, tmp_path):
    m = mounted(settle_time=SETTLE, privacy="private")
    secret = tmp_path / "outside.txt"
    secret.write_text("privacy: public\n")
    # the mount itself refuses links; one planted behind it is refused unread
    with pytest.raises(PermissionError):
        os.symlink(secret, m.mnt / "outbox" / ".defaults")
    os.symlink(secret, m.staging / "outbox" / ".defaults")
    cp(clip, m.mnt / "outbox" / "clip.mp4")
    cp(caption, m.mnt / "outbox" / "clip.caption")
    m.wait_state("outbox/clip.mp4", "invalid")
    wait_error(m.mnt, "outbox/clip.mp4", "outbox/.defaults is refused: it is a symbolic link")
    (m.staging / "outbox" / ".defaults").unlink()
    (m.mnt / "outbox" / ".defaults").write_text("comments: off\n")
    m.wait_state("outbox/clip.mp4", "ready")
    assert m.xattrs("outbox/clip.mp4")["user.tiktok.privacy"] == "SELF_ONLY"


def test_watch_symlinked_defaults_waits_then_a_real_one_posts_by_name(watched, sandbox,
                                                                       media, tmp_path):
    w = watched(start=False, settle_time=SETTLE, privacy="public")
    do_login(w.config, sandbox)
    w.start()
    secret = tmp_path / "outside.txt"
    secret.write_text("caption_from: filename\n")
    os.symlink(secret, w.root / "outbox" / ".defaults")
    cp(media["portrait.mp4"], w.root / "outbox" / "Day_one-clip.mp4")
    wait_error(w.root, "outbox/Day_one-clip.mp4",
               "outbox/.defaults is refused: it is a symbolic link")
    assert sandbox.received() == []
    # an editor's save: a temporary file renamed over the link
    (w.root / "outbox" / ".defaults.swp").write_text("caption_from: filename\n"
                                                     "privacy: private\n")
    os.rename(w.root / "outbox" / ".defaults.swp", w.root / "outbox" / ".defaults")
    w.wait_file("posted/Day_one-clip.mp4", timeout=90)
    (task,) = sandbox.received()
    assert task["title"] == "Day one clip"
    assert task["privacy_level"] == "SELF_ONLY"
    assert (w.root / "outbox" / ".defaults").exists()
    assert not (w.root / "outbox" / "Day_one-clip.mp4.error").exists()
    assert w.stop() == 0


def test_polled_folder_notices_a_defaults_edit(netfolder, watched, media):
    w = watched(root=netfolder.mnt, poll_interval=0.3)
    netfolder.put("outbox/clip.caption", b"Polled\n")
    netfolder.put("outbox/clip.mp4", media["portrait.mp4"].read_bytes())
    w.wait_state("outbox/clip.mp4", "ready")
    netfolder.put("outbox/.defaults", b"privacy: friends\nstitch: maybe\n")
    wait_error(netfolder.mnt, "outbox/clip.mp4", "outbox/.defaults: line 2: stitch")
    w.wait_item_state("outbox/clip.mp4", "invalid")
    netfolder.put("outbox/.defaults", b"privacy: friends\nstitch: off\n")
    w.wait_item_state("outbox/clip.mp4", "ready")
    assert w.item("outbox/clip.mp4").get("privacy") in ("MUTUAL_FOLLOW_FRIENDS", None)
    assert not (netfolder.server / "outbox" / "clip.mp4.error").exists()
    assert w.stop() == 0

"""A YouTube account's items, mounted for real (issue 15): they are checked by
YouTube's rules, not TikTok's, and what YouTube needs but the caption does
not say (made for kids) makes the item invalid with NAME.error saying what
to add.  Nothing here is uploaded: the account is not logged in.
"""
import os
import shutil
import subprocess
import time

from fsutil import BIN
from posting_util import FAST, drop
from watch_util import watched  # noqa: F401  (fixture)

YT_ACCOUNT = "[account yt]\nplatform = youtube\n"


def youtube_mount(mounted):
    """A mount whose config also has account yt on YouTube."""
    m = mounted(**FAST)
    assert m.unmount() == 0
    with open(m.config, "a") as f:
        f.write(YT_ACCOUNT)
    m.mount()
    return m


def error_file(m, folder, stem, timeout=10):
    """The text of STEM.mp4.error or STEM.error in @folder, waited for."""
    deadline = time.monotonic() + timeout
    while True:
        for n in (f"{stem}.mp4.error", f"{stem}.error"):
            p = m.mnt / folder / n
            if p.exists():
                return p.read_text()
        assert time.monotonic() < deadline, os.listdir(m.mnt / folder)
        time.sleep(0.1)


def test_item_without_made_for_kids_is_invalid_saying_what_to_add(mounted, clip):
    m = youtube_mount(mounted)
    rel = drop(m, clip, "---\nprivacy: public\n---\nSunset over the harbour #travel\n",
               folder="accounts/yt/outbox")
    m.wait_state(rel, "invalid")
    text = error_file(m, "accounts/yt/outbox", "clip")
    assert "clip.caption" in text
    assert "made_for_kids: yes" in text and "made_for_kids: no" in text
    assert "made_for_kids" in m.xattrs(rel)["error"]


def test_item_with_made_for_kids_is_ready(mounted, clip):
    m = youtube_mount(mounted)
    rel = drop(m, clip, "---\nprivacy: unlisted\nmade_for_kids: no\n---\nA title\n",
               folder="accounts/yt/outbox")
    m.wait_state(rel, "ready")
    assert m.job(rel)["account"] == "yt"


def test_tiktoks_limits_do_not_apply_to_a_youtube_account(mounted, media):
    """2.9 s is below TikTok's 3 s: failed on TikTok, fine on YouTube."""
    m = youtube_mount(mounted)
    caption = "---\nprivacy: public\nmade_for_kids: no\n---\nShort clip\n"
    yt = drop(m, media["short.mp4"], caption, folder="accounts/yt/outbox")
    tt = drop(m, media["short.mp4"], caption, name="tt.mp4")
    m.wait_state(yt, "ready")
    m.wait_state("failed/tt.mp4", "failed")


def test_made_for_kids_from_a_defaults_file_is_enough(mounted, clip):
    m = youtube_mount(mounted)
    (m.mnt / "accounts" / "yt" / "outbox" / ".defaults").write_text(
        "made_for_kids: no\nprivacy: private\n")
    rel = drop(m, clip, "Title only\n", folder="accounts/yt/outbox")
    m.wait_state(rel, "ready")


def test_tiktok_privacy_in_a_youtube_folder_names_youtubes_choices(mounted, clip):
    m = youtube_mount(mounted)
    rel = drop(m, clip, "---\nprivacy: friends\nmade_for_kids: no\n---\nT\n",
               folder="accounts/yt/outbox")
    m.wait_state(rel, "invalid")
    text = error_file(m, "accounts/yt/outbox", "clip")
    assert "privacy friends is TikTok's" in text
    assert "public, unlisted or private" in text
    assert not (m.mnt / "failed" / "clip.mp4").exists()


def test_status_shows_each_accounts_platform(mounted):
    m = youtube_mount(mounted)
    assert "Accounts: default (TikTok), yt (YouTube)\n" in (m.mnt / "STATUS.txt").read_text()
    r = subprocess.run([BIN, "status", "-c", str(m.config)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert "Accounts: default (TikTok), yt (YouTube)\n" in r.stdout


def test_long_description_is_fine_on_youtube_not_on_tiktok(mounted, clip):
    """3000 characters: over TikTok's 2200 UTF-16 units, within YouTube's
    5000-byte description."""
    m = youtube_mount(mounted)
    text = "A title\n" + "a" * 3000 + "\n"
    yt = drop(m, clip, "---\nprivacy: public\nmade_for_kids: no\n---\n" + text,
              folder="accounts/yt/outbox")
    tt = drop(m, clip, "---\nprivacy: public\n---\n" + text, name="tt.mp4")
    m.wait_state(yt, "ready")
    m.wait_state(tt, "invalid")
    assert "3008 UTF-16 units long; TikTok allows at most 2200" in m.xattrs(tt)["error"]


def test_watch_mode_says_what_to_add_too(watched, clip):
    """The same rule on a plain folder: watch mode runs the same tracker."""
    w = watched(start=False)
    with open(w.config, "a") as f:
        f.write(YT_ACCOUNT)
    w.start()
    out = w.root / "accounts" / "yt" / "outbox"
    shutil.copyfile(clip, out / "clip.mp4")
    (out / "clip.caption").write_text("Sunset over the harbour\n")
    w.wait_item_state("accounts/yt/outbox/clip.mp4", "invalid")
    w.wait_file("accounts/yt/outbox/clip.mp4.error")
    text = (out / "clip.mp4.error").read_text()
    assert "clip.caption: made for kids not declared" in text
    assert "made_for_kids: yes" in text

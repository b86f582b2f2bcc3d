"""One drop, several platforms: the real binary, mounted, against the TikTok
and YouTube sandboxes.  The default account posts to TikTok and names
`also_post_to = yt`, an account on YouTube; both are logged in.  An item
dropped in outbox/ is posted once to each (the sandboxes' records are the
proof), shows both platforms' results on the same file, and moves to posted/
when both are done.  A YouTube failure keeps the TikTok post and its results,
puts both platforms' outcomes in failed/NAME.error, and moving the item back
to outbox/ tries YouTube alone.  A kill -9 after the TikTok post still ends
with one post on each platform.
"""
import json
import os
import pathlib
import sqlite3
import subprocess

import pytest

from login_util import BIN, do_login
from posting_util import FAST, kill9, sha256, wait_for
from test_youtube_post import add_youtube_account

TT = "user.tiktok."
YT = "user.youtube."
CAPTION = ("---\nprivacy: public\nmade_for_kids: no\n---\nHarbour at dusk\n"
           "A long walk by the water #travel #sunset\n")


def both_mount(mounted, sandbox, yt_sandbox, tmp_path):
    """A mount whose default account (TikTok) also posts as account yt
    (YouTube), both logged in."""
    m = mounted(**FAST)
    assert m.unmount() == 0
    add_youtube_account(m.config, sandbox, yt_sandbox, tmp_path, m.state)
    text = pathlib.Path(m.config).read_text()
    head, sep, rest = text.partition("[account yt]")
    pathlib.Path(m.config).write_text(head + "also_post_to = yt\n" + sep + rest)
    do_login(m.config, sandbox)
    return m.mount()


def xattrs(path, prefix):
    return {n[len(prefix):]: os.getxattr(path, n).decode()
            for n in os.listxattr(path) if n.startswith(prefix)}


def drop_item(m, clip, name="clip"):
    with open(clip, "rb") as src, open(m.mnt / "outbox" / f"{name}.mp4", "wb") as dst:
        dst.write(src.read())
    (m.mnt / "outbox" / f"{name}.caption").write_text(CAPTION, encoding="utf-8")


def finished_targets(m):
    """Rows of the store's targets table: (account, state)."""
    db = sqlite3.connect(f"file:{m.state}/jobs.db?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT account, state FROM targets ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def check_tiktok_post(sandbox, clip):
    (task,) = sandbox.received()
    assert task["sha256"] == sha256(clip)
    assert task["title"] == "Harbour at dusk\nA long walk by the water #travel #sunset"
    assert task["privacy_level"] == "PUBLIC_TO_EVERYONE"
    return task


def check_youtube_video(yt_sandbox, clip):
    (v,) = yt_sandbox.videos()
    assert v["sha256"] == sha256(clip)
    assert v["title"] == "Harbour at dusk"
    assert v["description"] == "A long walk by the water #travel #sunset"
    assert v["tags"] == ["travel", "sunset"]
    assert v["privacy_requested"] == "public"
    return v


def check_both_results(path, task, v):
    tt = xattrs(path, TT)
    assert tt["state"] == "posted"
    assert tt["publish_id"] == task["publish_id"]
    assert tt["post_id"] and tt["url"].endswith("/video/" + tt["post_id"])
    yt = xattrs(path, YT)
    assert yt["state"] in ("posted", "published")
    assert yt["video_id"] == v["video_id"]
    assert yt["url"] == f"https://www.youtube.com/watch?v={v['video_id']}"


def tiktok_state(path):
    try:
        return os.getxattr(path, TT + "state").decode()
    except OSError:
        return None


@pytest.mark.time_scale(10)  # TikTok's moderation of seconds, x10
def test_one_drop_is_posted_once_to_tiktok_and_once_to_youtube(mounted, sandbox, yt_sandbox,
                                                                 tmp_path, clip):
    # TikTok publishes with its post ID to come: the TikTok target ends
    # published, YouTube goes on, and the ID is still asked for afterwards
    sandbox.knobs(moderation_delay=20)
    m = both_mount(mounted, sandbox, yt_sandbox, tmp_path)
    drop_item(m, clip)
    wait_for(lambda: (m.mnt / "posted/clip.mp4").exists(), 90, "posted/clip.mp4")
    wait_for(lambda: tiktok_state(m.mnt / "posted/clip.mp4") == "posted", 90,
             "TikTok's post ID after moderation")
    task = check_tiktok_post(sandbox, clip)
    v = check_youtube_video(yt_sandbox, clip)
    check_both_results(m.mnt / "posted/clip.mp4", task, v)
    assert not (m.mnt / "outbox/clip.mp4").exists()
    st = (m.mnt / "STATUS.txt").read_text()
    assert f"targets: TikTok (default) posted, {xattrs(m.mnt / 'posted/clip.mp4', TT)['url']}" in st
    assert "; YouTube (yt) p" in st
    cp = subprocess.run([BIN, "status", "--json", "-c", str(m.config)], capture_output=True,
                        text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    (item,) = [i for i in json.loads(cp.stdout)["recent"] if i["path"] == "posted/clip.mp4"]
    assert [(t["account"], t["platform"]) for t in item["targets"]] == [
        ("default", "tiktok"), ("yt", "youtube")]
    assert item["targets"][0]["state"] == "posted"
    assert item["targets"][1]["url"] == f"https://www.youtube.com/watch?v={v['video_id']}"


def test_a_youtube_failure_keeps_the_tiktok_post_and_a_move_back_retries_youtube_only(
        mounted, sandbox, yt_sandbox, tmp_path, clip):
    sandbox.knobs(moderation_delay=0)  # the post ID comes with the publish
    m = both_mount(mounted, sandbox, yt_sandbox, tmp_path)
    yt_sandbox.inject("insert", status=400, code="invalidParameter", count=1000)
    drop_item(m, clip)
    wait_for(lambda: (m.mnt / "failed/clip.mp4").exists(), 90, "failed/clip.mp4")
    task = check_tiktok_post(sandbox, clip)
    assert yt_sandbox.videos() == []
    text = (m.mnt / "failed/clip.mp4.error").read_text()
    assert text.startswith("clip.mp4: not posted to YouTube; posted to TikTok\n")
    assert "TikTok (account default): posted, https://www.tiktok.com/" in text
    assert "YouTube (account yt): failed: " in text and "invalidParameter" in text
    assert "only YouTube is tried again" in text
    tt = xattrs(m.mnt / "failed/clip.mp4", TT)
    assert tt["state"] == "posted" and tt["publish_id"] == task["publish_id"]
    assert xattrs(m.mnt / "failed/clip.mp4", YT)["state"] == "failed"

    yt_sandbox.clear_faults()
    os.rename(m.mnt / "failed/clip.mp4", m.mnt / "outbox/clip.mp4")
    os.rename(m.mnt / "failed/clip.caption", m.mnt / "outbox/clip.caption")
    wait_for(lambda: (m.mnt / "posted/clip.mp4").exists(), 90, "posted/clip.mp4")
    assert len(sandbox.received()) == 1  # TikTok got nothing new
    v = check_youtube_video(yt_sandbox, clip)
    check_both_results(m.mnt / "posted/clip.mp4", task, v)


def test_kill9_after_the_tiktok_post_still_posts_once_on_each(mounted, sandbox, yt_sandbox,
                                                              tmp_path, clip):
    sandbox.knobs(moderation_delay=0)
    m = both_mount(mounted, sandbox, yt_sandbox, tmp_path)
    # YouTube's session waits long enough for the kill to come first
    yt_sandbox.inject("insert", delay=2.0, count=1)
    drop_item(m, clip)
    wait_for(lambda: ("default", "posted") in finished_targets(m), 90,
             "the TikTok target's commit")
    kill9(m)
    m.mount()
    wait_for(lambda: (m.mnt / "posted/clip.mp4").exists(), 90, "posted/clip.mp4")
    task = check_tiktok_post(sandbox, clip)
    v = check_youtube_video(yt_sandbox, clip)
    check_both_results(m.mnt / "posted/clip.mp4", task, v)

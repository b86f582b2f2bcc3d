"""Posting to YouTube (issue 15): the real binary, mounted, against the local
YouTube sandbox (tests/sandbox/youtube).  An item dropped in a YouTube
account's outbox/ goes up through the resumable upload of docs/youtube.md §4
and lands in posted/ with user.youtube.video_id, url and status; the sandbox
shows what it received (the metadata, the bytes' SHA-256, the sessions opened
for the file).  A multi-chunk upload killed with kill -9 again and again
still makes exactly one video from one session; and a TikTok account and a
YouTube account in one mount each post to their own platform.

Chunks are the client's real 256 KiB unit (youtube_chunk_size = 262144, the
smallest YouTube takes); the sandbox is made slow per request by a delay
fault, never lax.
"""
import hashlib
import json
import os
import pathlib
import random
import subprocess
import time

from login_util import BIN, do_login
from posting_util import FAST, kill9, padded_video, sha256, wait_for
from watch_util import watched  # noqa: F401  (fixture)

YT = "user.youtube."
UNIT = 256 * 1024


def yt_tokens(yt_sandbox, state):
    """Log account yt in: the tokens a login saves, from a real consent and
    exchange at the sandbox (tests/integration/test_login_youtube.py tests
    the command itself)."""
    tok = yt_sandbox.oauth()
    d = state / "accounts" / "yt"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    saved = {"access_token": tok["access_token"], "refresh_token": tok["refresh_token"],
             "open_id": "", "scope": tok["scope"],
             "access_expires": int(time.time()) + int(tok["expires_in"]), "refresh_expires": 0}
    fd = os.open(d / "tokens.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(saved, f)


def add_youtube_account(config, sandbox, yt_sandbox, tmp_path, state):
    """Give @config an account yt (platform = youtube) at the YouTube sandbox,
    logged in, beside its TikTok default account (one CA file holds both
    sandboxes' CAs)."""
    config = pathlib.Path(config)
    both = tmp_path / "ca-both.pem"
    both.write_bytes(open(sandbox.ca_file, "rb").read() + open(yt_sandbox.ca_file, "rb").read())
    lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("ca_file")]
    base = yt_sandbox.base_url
    lines += [f"ca_file = {both}", f"youtube_auth_url = {base}/o/oauth2/v2/auth",
              f"youtube_oauth_base = {base}", f"youtube_api_base = {base}",
              "youtube_chunk_size = 262144", "[account yt]", "platform = youtube",
              f"youtube_client_id = {yt_sandbox.client_id}",
              f"youtube_client_secret = {yt_sandbox.client_secret}"]
    config.write_text("\n".join(lines) + "\n")
    os.chmod(config, 0o600)
    yt_tokens(yt_sandbox, pathlib.Path(state))


def yt_mount(mounted, sandbox, yt_sandbox, tmp_path, tiktok_login=False):
    """A mount whose default account posts to the TikTok sandbox and whose
    account yt (platform = youtube, logged in) to the YouTube sandbox."""
    m = mounted(**FAST)
    assert m.unmount() == 0
    add_youtube_account(m.config, sandbox, yt_sandbox, tmp_path, m.state)
    if tiktok_login:
        do_login(m.config, sandbox)
    return m.mount()


def yt_xattrs(path):
    return {n[len(YT):]: os.getxattr(path, n).decode()
            for n in os.listxattr(path) if n.startswith(YT)}


def wait_file(m, rel, timeout=60):
    return wait_for(lambda: (m.mnt / rel).exists(), timeout, f"{rel} to appear")


def drop_yt(m, video, caption, name="clip.mp4"):
    folder = m.mnt / "accounts" / "yt" / "outbox"
    with open(video, "rb") as src, open(folder / name, "wb") as dst:
        dst.write(src.read())
    (folder / (name.rsplit(".", 1)[0] + ".caption")).write_text(caption, encoding="utf-8")


def sessions_for(yt_sandbox, title):
    return [s for s in yt_sandbox.sessions() if s["title"] == title]


def test_a_youtube_item_is_posted_with_its_exact_metadata(mounted, sandbox, yt_sandbox,
                                                          tmp_path, clip):
    m = yt_mount(mounted, sandbox, yt_sandbox, tmp_path)
    video = padded_video(clip, tmp_path / "v.mp4", 3 * UNIT + 4321)  # four chunks
    drop_yt(m, video, "---\nprivacy: public\nmade_for_kids: no\n---\nHarbour at dusk\n"
            "A long walk by the water #travel #sunset\n")
    wait_file(m, "accounts/yt/posted/clip.mp4")
    x = yt_xattrs(m.mnt / "accounts/yt/posted/clip.mp4")
    assert not any(n.startswith("user.tiktok.")
                   for n in os.listxattr(m.mnt / "accounts/yt/posted/clip.mp4"))
    (v,) = yt_sandbox.videos()
    # in posted/ at once, published while YouTube processes it (test_youtube_quota.py
    # follows the processing to its end)
    assert x["state"] in ("published", "posted")
    assert x["video_id"] == v["video_id"]
    assert x["url"] == f"https://www.youtube.com/watch?v={v['video_id']}"
    assert x["status"] in ("uploaded", "processing", "processed")
    assert v["title"] == "Harbour at dusk"
    assert v["description"] == "A long walk by the water #travel #sunset"
    assert v["tags"] == ["travel", "sunset"]
    assert v["privacy_requested"] == "public"
    assert v["made_for_kids"] is False
    assert v["sha256"] == sha256(video) and v["size"] == 3 * UNIT + 4321
    (s,) = sessions_for(yt_sandbox, "Harbour at dusk")
    assert s["puts"] == 4 and s["sessions_same_file"] == 1
    # the session URI is a secret: never in the log or an attribute
    assert "upload_id=" not in m.log_text()
    assert all("upload_id" not in val for val in x.values())


def test_kill9_at_random_moments_makes_one_video_from_one_session(
        mounted, sandbox, yt_sandbox, tmp_path, clip):
    m = yt_mount(mounted, sandbox, yt_sandbox, tmp_path)
    size = 12 * UNIT + 777
    video = padded_video(clip, tmp_path / "v.mp4", size)
    yt_sandbox.inject("upload", delay=0.15, count=10000)  # each PUT takes a while
    drop_yt(m, video, "---\nprivacy: private\nmade_for_kids: no\n---\nKilled and resumed\n")
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    kills = 0
    while kills < 4:
        got = wait_for(lambda: sessions_for(yt_sandbox, "Killed and resumed"), 60,
                       "the session to start")
        if got[0]["completed_at"] is not None:
            break
        time.sleep(rng.uniform(0.05, 0.6))
        kill9(m)
        kills += 1
        m.mount()
    wait_file(m, "accounts/yt/posted/clip.mp4", timeout=120)
    assert kills >= 2, "the upload finished before it could be killed twice"
    vids = [v for v in yt_sandbox.videos() if v["title"] == "Killed and resumed"]
    assert len(vids) == 1
    assert vids[0]["sha256"] == sha256(video)
    sessions = sessions_for(yt_sandbox, "Killed and resumed")
    assert len(sessions) == 1 and sessions[0]["sessions_same_file"] == 1
    x = yt_xattrs(m.mnt / "accounts/yt/posted/clip.mp4")
    assert x["video_id"] == vids[0]["video_id"]


def test_a_tiktok_and_a_youtube_account_in_one_mount_both_post(mounted, sandbox, yt_sandbox,
                                                               tmp_path, clip):
    m = yt_mount(mounted, sandbox, yt_sandbox, tmp_path, tiktok_login=True)
    with open(clip, "rb") as src, open(m.mnt / "outbox" / "tt.mp4", "wb") as dst:
        dst.write(src.read())
    (m.mnt / "outbox" / "tt.caption").write_text("---\nprivacy: private\n---\nfor tiktok\n")
    drop_yt(m, clip, "---\nprivacy: private\nmade_for_kids: no\n---\nfor youtube\n", name="yt.mp4")
    wait_file(m, "posted/tt.mp4")
    wait_file(m, "accounts/yt/posted/yt.mp4")
    assert [t["title"] for t in sandbox.received()] == ["for tiktok"]
    assert [v["title"] for v in yt_sandbox.videos()] == ["for youtube"]
    tt = m.xattrs("posted/tt.mp4")
    assert tt["state"] == "posted" and tt["publish_id"].startswith("v_pub_")
    assert not any(n.startswith(YT) for n in os.listxattr(m.mnt / "posted/tt.mp4"))
    x = yt_xattrs(m.mnt / "accounts/yt/posted/yt.mp4")
    assert x["video_id"] == yt_sandbox.videos()[0]["video_id"]
    st = (m.mnt / "STATUS.txt").read_text()
    assert "accounts/yt/posted/yt.mp4  [YouTube]" in st
    (tt_line,) = [ln for ln in st.splitlines() if ln.split()[1:2] == ["posted/tt.mp4"]]
    assert "[YouTube]" not in tt_line
    cp = subprocess.run([BIN, "status", "--json", "-c", str(m.config)], capture_output=True,
                        text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    doc = json.loads(cp.stdout)
    # a YouTube item waits for its processing among the published ones
    items = {i["path"]: i for i in doc["recent"] + doc["waiting_post_id"]}
    assert items["posted/tt.mp4"]["platform"] == "tiktok"
    assert items["accounts/yt/posted/yt.mp4"]["platform"] == "youtube"


def test_watch_mode_gives_a_youtube_item_youtube_results(watched, sandbox, yt_sandbox,
                                                        tmp_path, clip):
    w = watched(start=False, **FAST)
    add_youtube_account(w.config, sandbox, yt_sandbox, tmp_path, w.state)
    w.start()
    dst = w.root / "accounts" / "yt" / "outbox" / "clip.mp4"
    with open(clip, "rb") as src, open(dst, "wb") as out:
        out.write(src.read())
    dst.with_suffix(".caption").write_text("---\nprivacy: private\nmade_for_kids: no\n---\nwatched youtube\n")
    w.wait_file("accounts/yt/posted/clip.mp4", timeout=60)
    (v,) = yt_sandbox.videos()
    done = w.root / "accounts/yt/posted/clip.mp4"

    def results():
        try:
            names = os.listxattr(done)
        except OSError:
            names = []
        if any(n.startswith(YT) for n in names):
            assert not any(n.startswith("user.tiktok.") for n in names)
            return yt_xattrs(done)
        j = done.with_name("clip.mp4.tiktok.json")
        return json.loads(j.read_text()) if j.exists() else None
    got = wait_for(lambda: (r := results()) and r.get("video_id") and r, 30,
                   "the YouTube results on the file")
    assert got["video_id"] == v["video_id"] and got["state"] in ("published", "posted")
    assert got["url"] == f"https://www.youtube.com/watch?v={v['video_id']}"
    assert "publish_id" not in got
    assert w.stop() == 0


def test_a_refused_access_token_is_refreshed_once_and_the_post_goes_on(
        mounted, sandbox, yt_sandbox, tmp_path, clip):
    m = yt_mount(mounted, sandbox, yt_sandbox, tmp_path)
    yt_sandbox.expire_tokens()  # the saved access token still looks valid here
    drop_yt(m, clip, "---\nprivacy: private\nmade_for_kids: no\n---\nafter a 401\n")
    wait_file(m, "accounts/yt/posted/clip.mp4")
    assert [v["title"] for v in yt_sandbox.videos()] == ["after a 401"]
    log = [(r["method"], r["path"].split("?")[0], r["status"]) for r in yt_sandbox.request_log()]
    assert ("POST", "/upload/youtube/v3/videos", 401) in log
    assert ("POST", "/token", 200) in log


def test_a_dead_google_login_says_which_login_to_run(mounted, sandbox, yt_sandbox, tmp_path,
                                                    clip):
    m = yt_mount(mounted, sandbox, yt_sandbox, tmp_path)
    yt_sandbox.expire_tokens(refresh=True)  # revoked: no refresh can help
    drop_yt(m, clip, "---\nprivacy: private\nmade_for_kids: no\n---\nno login\n")
    rel = m.mnt / "accounts/yt/outbox/clip.mp4"

    def error():
        try:
            return os.getxattr(rel, YT + "error").decode()
        except OSError:
            return None
    msg = wait_for(error, 60, "the item's error")
    # The platform, the account, why (Google's "Testing" week) and the command.
    assert msg.startswith("not logged in to YouTube as account yt (Google says the YouTube "
                          "login has expired or was revoked"), msg
    assert "7 days" in msg, msg
    assert "): run `tiktokfs login --account yt -c " in msg, msg
    assert os.getxattr(rel, YT + "state").decode() == "ready"
    assert yt_sandbox.videos() == [] and yt_sandbox.sessions() == []

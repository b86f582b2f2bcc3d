"""on_posted / on_failed through a real mount and in watch mode: the hook
gets the item's values in its environment, its TIKTOKFS_PATH is the path
users see (the mount's or the watched folder's, not the staged copy in the
0700 state_dir, which comes second as TIKTOKFS_STAGING_PATH), and a hook
that hangs never holds up the next item."""
import os
import pathlib
import shutil

from login_util import do_login
from posting_util import drop, logged_in_mount, wait_for
from watch_util import caption, watched  # noqa: F401  (fixture)

CAPTION = "---\nprivacy: private\n---\nHooked\n"
# A file name that would run code if it ever reached a shell command line.
NASTY = "hooked $(touch pwned) `touch pwned2` 'q'.mp4"


def hook_script(tmp_path, body):
    p = tmp_path / "hook.sh"
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return p


def read_env(path):
    env = {}
    for line in path.read_text().splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    return env


def test_on_posted_hook_gets_the_result(mounted, sandbox, clip, tmp_path):
    out = tmp_path / "posted.env"
    hook = hook_script(tmp_path, f"env | grep '^TIKTOKFS_' > {out}.tmp; mv {out}.tmp {out}\n")
    m = logged_in_mount(mounted, sandbox, on_posted=str(hook))
    drop(m, clip, CAPTION, name=NASTY)
    m.wait_state(f"posted/{NASTY}", "posted", timeout=60)
    wait_for(out.exists, 30, "the hook to run")
    env = read_env(out)
    x = m.xattrs(f"posted/{NASTY}")
    assert env["TIKTOKFS_EVENT"] == "posted"
    assert env["TIKTOKFS_PATH"] == os.path.realpath(m.mnt / "posted" / NASTY)
    assert env["TIKTOKFS_STAGING_PATH"] == str(m.staging / "posted" / NASTY)
    assert pathlib.Path(env["TIKTOKFS_PATH"]).read_bytes() == clip.read_bytes()
    assert env["TIKTOKFS_PUBLISH_ID"] == x["publish_id"]
    assert env["TIKTOKFS_PRIVACY"] == "SELF_ONLY"
    assert "TIKTOK_CLIENT_SECRET" not in env
    for d in (pathlib.Path.cwd(), pathlib.Path("/"), tmp_path, m.staging / "posted"):
        assert not (d / "pwned").exists() and not (d / "pwned2").exists()


def test_hanging_hook_does_not_block_posting(mounted, sandbox, clip, tmp_path):
    hook = hook_script(tmp_path, "sleep 1000\n")
    m = logged_in_mount(mounted, sandbox, on_posted=str(hook))
    drop(m, clip, "---\nprivacy: private\n---\nfirst\n", name="a.mp4")
    m.wait_state("posted/a.mp4", "posted", timeout=60)
    drop(m, clip, "---\nprivacy: private\n---\nsecond\n", name="b.mp4")
    m.wait_state("posted/b.mp4", "posted", timeout=60)
    titles = [t["title"] for t in sandbox.received()]
    assert titles.count("first") == 1 and titles.count("second") == 1


def test_on_failed_hook_gets_the_error(mounted, sandbox, clip, tmp_path):
    out = tmp_path / "failed.env"
    hook = hook_script(tmp_path, f"env | grep '^TIKTOKFS_' > {out}.tmp; mv {out}.tmp {out}\n")
    m = logged_in_mount(mounted, sandbox, on_failed=str(hook))
    (m.mnt / "outbox" / "broken.mp4").write_bytes(b"this is not a video at all\n" * 100)
    (m.mnt / "outbox" / "broken.caption").write_text("---\nprivacy: private\n---\nx\n")
    m.wait_state("failed/broken.mp4", "failed", timeout=60)
    wait_for(out.exists, 30, "the hook to run")
    env = read_env(out)
    assert env["TIKTOKFS_EVENT"] == "failed"
    assert env["TIKTOKFS_PATH"] == os.path.realpath(m.mnt / "failed" / "broken.mp4")
    assert env["TIKTOKFS_STAGING_PATH"] == str(m.staging / "failed" / "broken.mp4")
    assert "not a video" in env["TIKTOKFS_ERROR"]


def test_watch_mode_hook_gets_the_watched_folders_path(watched, sandbox, clip, tmp_path):
    out = tmp_path / "watch.env"
    hook = hook_script(tmp_path, f"env | grep '^TIKTOKFS_' > {out}.tmp; mv {out}.tmp {out}\n")
    w = watched(start=False, on_posted=str(hook))
    do_login(w.config, sandbox)
    w.start()
    shutil.copy(clip, w.root / "outbox" / "w.mp4")
    (w.root / "outbox" / "w.caption").write_text(caption(privacy="private"))
    wait_for(out.exists, 60, "the hook to run")
    env = read_env(out)
    want = os.path.realpath(w.root / "posted" / "w.mp4")
    assert env["TIKTOKFS_PATH"] == want
    assert env["TIKTOKFS_STAGING_PATH"] == want  # the folder is its own staging root

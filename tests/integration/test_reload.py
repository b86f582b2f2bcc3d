"""SIGHUP reloads the config, for the mount and for watch mode (issue 6):
the new settings apply to the next item, files keep working throughout, and
a broken config keeps the daemon running on the old one with one log line."""
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from login_util import do_login  # noqa: E402
from posting_util import logged_in_mount, wait_for  # noqa: E402
from watch_util import watched  # noqa: F401,E402  (fixture)


def set_key(config, key, value):
    """Replace (or add) `key = value` in the config file, atomically as an
    editor would."""
    lines = [ln for ln in open(config).read().splitlines()
             if not re.match(rf"\s*{key}\s*=", ln)]
    lines.append(f"{key} = {value}")
    tmp = f"{config}.new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, config)


def hup_and_wait(proc, log_text, needle, count):
    os.kill(proc.pid, signal.SIGHUP)
    wait_for(lambda: log_text().count(needle) >= count, 20, f"{needle!r} in the log")
    assert proc.poll() is None, "the daemon exited on SIGHUP"


def drop_plain(folder, clip, name, text):
    shutil.copyfile(clip, folder / f"{name}.mp4")
    (folder / f"{name}.caption").write_text(text)


def test_sighup_reloads_the_mount_config(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox, privacy="private")
    drop_plain(m.mnt / "outbox", clip, "one", "first, no privacy in the caption")
    m.wait_state("posted/one.mp4", "posted", timeout=60)

    set_key(m.config, "privacy", "public")
    set_key(m.config, "settle_time", "1.5")
    hup_and_wait(m.proc, m.log_text, "config reloaded", 1)
    # Files work during and after the reload.
    assert sorted(p.name for p in m.mnt.iterdir()) == [
        "STATUS.txt", "failed", "outbox", "posted", "queue", "scheduled"]
    drop_plain(m.mnt / "outbox", clip, "two", "second, after the reload")
    m.wait_state("posted/two.mp4", "posted", timeout=60)
    by_title = {t["title"]: t for t in sandbox.received()}
    assert by_title["first, no privacy in the caption"]["privacy_level"] == "SELF_ONLY"
    assert by_title["second, after the reload"]["privacy_level"] == "PUBLIC_TO_EVERYONE"


def test_a_broken_config_on_sighup_keeps_the_old_one(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox, privacy="private")
    with open(m.config, "a") as f:
        f.write("this line is not a setting\n")
    hup_and_wait(m.proc, m.log_text, "config reload failed", 1)
    failed = [ln for ln in m.log_text().splitlines() if "config reload failed" in ln]
    assert len(failed) == 1 and str(m.config) in failed[0], failed
    assert "config reloaded" not in m.log_text()
    drop_plain(m.mnt / "outbox", clip, "kept", "old config still applies")
    m.wait_state("posted/kept.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["privacy_level"] == "SELF_ONLY"
    assert m.proc.poll() is None


def test_sighup_reloads_watch_mode(watched, sandbox, media):
    w = watched(privacy="private")
    do_login(w.config, sandbox)
    set_key(w.config, "privacy", "public")
    hup_and_wait(w.proc, w.log_text, "config reloaded", 1)
    drop_plain(w.root / "outbox", media["portrait.mp4"], "w", "watched, after the reload")
    w.wait_file("posted/w.mp4", timeout=60)
    (task,) = sandbox.received()
    assert task["privacy_level"] == "PUBLIC_TO_EVERYONE"
    # A broken file: one line, the old config stays, the watch goes on.
    with open(w.config, "a") as f:
        f.write("privacy = nonsense\n")
    hup_and_wait(w.proc, w.log_text, "config reload failed", 1)
    assert w.proc.poll() is None

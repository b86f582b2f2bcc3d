"""The copy tools people really use, into a real mount: the data arrives
byte-exact, metadata the tool keeps is kept, temporary names never start an
item, and the finished item becomes ready.  No login: nothing is posted;
readiness is what these tests check."""
import hashlib
import os
import shutil
import subprocess

import pytest

SETTLE = 1


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def src(tmp_path, clip, caption):
    """src/clip.mp4 + src/clip.caption, with distinctive modes and times."""
    d = caption.parent
    shutil.copyfile(clip, d / "clip.mp4")
    os.chmod(d / "clip.mp4", 0o640)
    os.chmod(d / "clip.caption", 0o600)
    os.utime(d / "clip.mp4", (1_700_000_000, 1_700_000_000))
    os.utime(d / "clip.caption", (1_700_000_100, 1_700_000_100))
    return d


def assert_arrived(m, src, folder="outbox", times=False, modes=False):
    for name in ("clip.mp4", "clip.caption"):
        a, b = src / name, m.mnt / folder / name
        assert sha256(b) == sha256(a), name
        assert sha256(m.staging / folder / name) == sha256(a)
        if times:
            assert int(os.stat(b).st_mtime) == int(os.stat(a).st_mtime), name
        if modes:
            assert os.stat(b).st_mode & 0o7777 == os.stat(a).st_mode & 0o7777, name
    m.wait_state(f"{folder}/clip.mp4", "ready", timeout=30)


def test_cp_of_video_and_caption_becomes_ready(mounted, src):
    m = mounted(settle_time=SETTLE)
    subprocess.run(["cp", str(src / "clip.mp4"), str(src / "clip.caption"),
                    str(m.mnt / "outbox")], check=True)
    assert_arrived(m, src)


def test_cp_a_keeps_modes_and_times(mounted, src):
    m = mounted(settle_time=SETTLE)
    r = subprocess.run(["cp", "-a", str(src / "clip.mp4"), str(src / "clip.caption"),
                        str(m.mnt / "outbox")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert_arrived(m, src, times=True, modes=True)


def test_rsync_temp_file_becomes_item_at_rename(mounted, src):
    m = mounted(settle_time=SETTLE)
    r = subprocess.run(["rsync", "-a", f"{src}/", f"{m.mnt}/outbox/"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert_arrived(m, src, times=True, modes=True)
    # The temporary .clip.mp4.XXXXXX never became a job of its own.
    assert m.job("outbox/clip.mp4")["state"] == "ready"
    paths = [p for p, _ in m.jobs()]
    assert paths == ["outbox/clip.mp4"], paths


def test_rsync_inplace(mounted, src):
    m = mounted(settle_time=SETTLE)
    r = subprocess.run(["rsync", "-a", "--inplace", f"{src}/", f"{m.mnt}/outbox/"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert_arrived(m, src, times=True)
    # A second --inplace run over changed content rewrites in place.
    with open(src / "clip.caption", "a") as f:
        f.write("#more\n")
    r = subprocess.run(["rsync", "-a", "--inplace", f"{src}/", f"{m.mnt}/outbox/"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (m.mnt / "outbox" / "clip.caption").read_text().endswith("#more\n")
    m.wait_state("outbox/clip.mp4", "ready")


def test_mv_into_the_mount_copies_then_unlinks(mounted, src):
    m = mounted(settle_time=SETTLE)
    keep = {n: sha256(src / n) for n in ("clip.mp4", "clip.caption")}
    r = subprocess.run(["mv", str(src / "clip.caption"), str(src / "clip.mp4"),
                        str(m.mnt / "outbox")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert not (src / "clip.mp4").exists()
    for n, h in keep.items():
        assert sha256(m.mnt / "outbox" / n) == h
    m.wait_state("outbox/clip.mp4", "ready")


def test_mv_within_the_mount_and_noreplace(mounted, src):
    m = mounted(settle_time=SETTLE)
    sub = m.mnt / "posted" / "drafts"
    sub.mkdir()
    for n in ("clip.mp4", "clip.caption"):
        shutil.copyfile(src / n, sub / n)
    r = subprocess.run(["mv", str(sub / "clip.mp4"), str(sub / "clip.caption"),
                        str(m.mnt / "outbox")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not (sub / "clip.mp4").exists()
    assert sha256(m.mnt / "outbox" / "clip.mp4") == sha256(src / "clip.mp4")
    m.wait_state("outbox/clip.mp4", "ready")
    # mv -n (renameat2 RENAME_NOREPLACE first) never overwrites.
    (sub / "clip.mp4").write_bytes(b"other")
    subprocess.run(["mv", "-n", str(sub / "clip.mp4"), str(m.mnt / "outbox")],
                   capture_output=True, text=True)
    assert (sub / "clip.mp4").read_bytes() == b"other"
    assert sha256(m.mnt / "outbox" / "clip.mp4") == sha256(src / "clip.mp4")


def test_gio_copy(mounted, src):
    m = mounted(settle_time=SETTLE)
    env = dict(os.environ, GIO_USE_VFS="local")
    for n in ("clip.caption", "clip.mp4"):
        r = subprocess.run(["gio", "copy", str(src / n), str(m.mnt / "outbox" / n)],
                           capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
    assert_arrived(m, src)


def test_cp_within_the_mount_back_into_outbox(mounted, src):
    """cp from posted/ to outbox/ (copy_file_range inside the mount)."""
    m = mounted(settle_time=SETTLE)
    for n in ("clip.mp4", "clip.caption"):
        shutil.copyfile(src / n, m.mnt / "posted" / n)
    r = subprocess.run(["cp", str(m.mnt / "posted" / "clip.mp4"),
                        str(m.mnt / "posted" / "clip.caption"), str(m.mnt / "outbox")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert_arrived(m, src)

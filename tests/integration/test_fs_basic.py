"""The mount behaves as a local filesystem: the system calls cp, rsync, mv,
Samba and editors rely on, checked through a real mount against the staged
copy on disk."""
import ctypes
import errno
import hashlib
import os
import stat
import subprocess

import pytest

from fsutil import BIN, is_mounted

RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def renameat2(src, dst, flags):
    AT_FDCWD = -100
    r = _libc.renameat2(AT_FDCWD, os.fsencode(str(src)), AT_FDCWD, os.fsencode(str(dst)),
                        ctypes.c_uint(flags))
    return 0 if r == 0 else ctypes.get_errno()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def test_root_shows_the_five_folders_and_status(mounted):
    m = mounted()
    assert sorted(os.listdir(m.mnt)) == ["STATUS.txt", "failed", "outbox", "posted",
                                         "queue", "scheduled"]
    for d in ("outbox", "scheduled", "posted", "failed", "queue"):
        assert (m.mnt / d).is_dir()
        assert (m.staging / d).is_dir()
    assert oct(os.stat(m.state).st_mode & 0o777) == "0o700"


def test_root_is_not_writable(mounted):
    m = mounted()
    r = subprocess.run(["touch", str(m.mnt / "x")], capture_output=True, text=True)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    for call in (lambda: os.mkdir(m.mnt / "d"),
                 lambda: os.rename(m.mnt / "outbox", m.mnt / "out2"),
                 lambda: os.rmdir(m.mnt / "posted"),
                 lambda: os.unlink(m.mnt / "STATUS.txt"),
                 lambda: open(m.mnt / "STATUS.txt", "w")):
        with pytest.raises(OSError) as e:
            call()
        assert e.value.errno in (errno.EACCES, errno.EPERM)
    assert not (m.staging / "x").exists() and not (m.staging / "d").exists()


def test_status_txt_is_read_only_and_readable(mounted):
    m = mounted()
    st = os.stat(m.mnt / "STATUS.txt")
    assert stat.S_ISREG(st.st_mode) and st.st_mode & 0o222 == 0
    text = (m.mnt / "STATUS.txt").read_text()
    assert text and len(text.encode()) == st.st_size
    with pytest.raises(PermissionError):
        os.open(m.mnt / "STATUS.txt", os.O_RDWR)


def test_data_through_the_mount_is_byte_exact(mounted, tmp_path):
    m = mounted()
    src = tmp_path / "blob.bin"
    src.write_bytes(os.urandom(5 * 1024 * 1024 + 12345))
    dst = m.mnt / "posted" / "blob.bin"
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        while block := fi.read(777777):  # odd sizes: writes straddle pages
            fo.write(block)
    assert sha256(dst) == sha256(src) == sha256(m.staging / "posted" / "blob.bin")
    assert os.stat(dst).st_size == os.stat(src).st_size


def test_create_exclusive_truncate_and_ftruncate(mounted):
    m = mounted()
    p = m.mnt / "posted" / "f.txt"
    fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
    os.write(fd, b"0123456789")
    os.ftruncate(fd, 4)
    os.close(fd)
    with pytest.raises(FileExistsError):
        os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
    assert p.read_bytes() == b"0123"
    assert oct(os.stat(p).st_mode & 0o777) == "0o640"
    os.truncate(p, 8)
    assert p.read_bytes() == b"0123\0\0\0\0"
    with open(p, "r+b") as f:  # O_TRUNC through open
        pass
    with open(p, "wb") as f:
        f.write(b"new")
    assert (m.staging / "posted" / "f.txt").read_bytes() == b"new"


def test_rename_over_noreplace_exchange_and_bad_flags(mounted):
    m = mounted()
    a, b = m.mnt / "posted" / "a", m.mnt / "posted" / "b"
    a.write_text("A")
    b.write_text("B")
    assert renameat2(a, b, RENAME_NOREPLACE) == errno.EEXIST
    assert renameat2(a, b, RENAME_EXCHANGE) == 0
    assert a.read_text() == "B" and b.read_text() == "A"
    assert renameat2(a, b, 8) == errno.EINVAL  # unknown flag: never ENOSYS
    os.rename(a, b)  # over an existing name
    assert not a.exists() and b.read_text() == "B"
    c = m.mnt / "failed" / "c"
    assert renameat2(b, c, RENAME_NOREPLACE) == 0  # across folders
    assert c.read_text() == "B" and (m.staging / "failed" / "c").exists()


def test_unlinked_open_file_stays_readable(mounted):
    m = mounted()
    p = m.mnt / "posted" / "open.bin"
    data = os.urandom(300000)
    p.write_bytes(data)
    with open(p, "rb") as f:
        os.unlink(p)
        assert not p.exists() and not (m.staging / "posted" / "open.bin").exists()
        assert f.read() == data
        assert os.fstat(f.fileno()).st_size == len(data)
    fd = os.open(m.mnt / "posted" / "w.bin", os.O_CREAT | os.O_RDWR, 0o644)
    os.unlink(m.mnt / "posted" / "w.bin")
    os.write(fd, b"still writable")
    assert os.pread(fd, 100, 0) == b"still writable"
    os.close(fd)


def test_chmod_chown_utimens_are_kept(mounted):
    m = mounted()
    p = m.mnt / "posted" / "attrs"
    p.write_text("x")
    os.chmod(p, 0o600)
    os.utime(p, ns=(1_600_000_000_123_456_789, 1_500_000_000_987_654_321))
    os.chown(p, 1234, 2345)  # the daemon runs as root: chown to anyone works
    for q in (p, m.staging / "posted" / "attrs"):
        st = os.stat(q)
        assert st.st_mode & 0o777 == 0o600
        assert st.st_mtime_ns == 1_500_000_000_987_654_321
        assert (st.st_uid, st.st_gid) == (1234, 2345)


def let_others_traverse(path):
    """pytest's tmp dirs are 0700: let an unprivileged user reach the mount."""
    for p in [path, *path.parents]:
        st = os.stat(p)
        if st.st_mode & 0o001 == 0:
            os.chmod(p, stat.S_IMODE(st.st_mode) | 0o011)


def test_files_belong_to_their_creator(mounted, tmp_path):
    m = mounted()
    let_others_traverse(tmp_path)
    r = subprocess.run(["setpriv", "--reuid=4321", "--regid=4321", "--clear-groups",
                        "sh", "-c", f"umask 022; echo hi > {m.mnt}/outbox/u.txt && "
                        f"chmod 600 {m.mnt}/outbox/u.txt && touch -d 2001-01-01 "
                        f"{m.mnt}/outbox/u.txt && cat {m.mnt}/outbox/u.txt"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hi\n"
    st = os.stat(m.staging / "outbox" / "u.txt")
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (4321, 4321, 0o600)
    # another user may not chown it away (kernel semantics, default_permissions)
    r = subprocess.run(["setpriv", "--reuid=4321", "--regid=4321", "--clear-groups",
                        "chown", "0", str(m.mnt / "outbox" / "u.txt")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "not permitted" in r.stderr


def test_fsync_fdatasync_and_fallocate(mounted):
    m = mounted()
    p = m.mnt / "posted" / "alloc"
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        os.posix_fallocate(fd, 0, 1 << 20)
        assert os.fstat(fd).st_size == 1 << 20
        os.write(fd, b"abc")
        os.fsync(fd)
        os.fdatasync(fd)
    finally:
        os.close(fd)
    # Punching a hole: supported by the staging fs (ext4 here), passed through.
    r = subprocess.run(["fallocate", "-p", "-o", "0", "-l", "4096", str(p)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (m.staging / "posted" / "alloc").read_bytes()[:3] == b"\0\0\0"


def test_user_xattrs_round_trip_and_others_are_absent(mounted):
    m = mounted()
    p = m.mnt / "posted" / "x.txt"
    p.write_text("x")
    subprocess.run(["setfattr", "-n", "user.comment", "-v", "from the editor", str(p)],
                   check=True)
    r = subprocess.run(["getfattr", "-n", "user.comment", "--only-values", str(p)],
                       capture_output=True, text=True, check=True)
    assert r.stdout == "from the editor"
    assert os.getxattr(m.staging / "posted" / "x.txt", "user.comment") == b"from the editor"
    assert "user.comment" in os.listxattr(p)
    r = subprocess.run(["getfattr", "-n", "security.selinux", str(p)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "No such attribute" in r.stderr
    with pytest.raises(OSError) as e:
        os.setxattr(p, "trusted.x", b"1")
    assert e.value.errno == errno.EOPNOTSUPP
    with pytest.raises(OSError) as e:
        os.setxattr(p, "user.tiktok.state", b"posted")
    assert e.value.errno == errno.EACCES
    subprocess.run(["setfattr", "-x", "user.comment", str(p)], check=True)
    assert "user.comment" not in os.listxattr(p)


def test_df_on_the_mount_is_the_staging_disk(mounted):
    m = mounted()
    a, b = os.statvfs(m.mnt), os.statvfs(m.staging)
    assert a.f_frsize * a.f_blocks == b.f_frsize * b.f_blocks
    assert abs(a.f_bavail * a.f_frsize - b.f_bavail * b.f_frsize) < 64 * 1024 * 1024
    r = subprocess.run(["df", "-k", "--output=size", str(m.mnt), str(m.staging)],
                       capture_output=True, text=True, check=True)
    sizes = r.stdout.split()[1:]
    assert sizes[0] == sizes[1]


def test_ten_thousand_files_are_listed(mounted):
    m = mounted()
    d = m.mnt / "posted" / "many"
    d.mkdir()
    for i in range(10000):
        fd = os.open(d / f"file-{i:05d}.txt", os.O_CREAT | os.O_WRONLY, 0o644)
        os.close(fd)
    r = subprocess.run(["ls", "-l", str(d)], capture_output=True, text=True, check=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("-")]
    assert len(lines) == 10000
    assert len(os.listdir(d)) == 10000
    assert len(set(os.listdir(d))) == 10000


def test_subfolders_and_symlinks(mounted):
    m = mounted()
    d = m.mnt / "outbox" / "sub" / "deeper"
    d.mkdir(parents=True)
    (d / "f").write_text("x")
    assert (m.staging / "outbox" / "sub" / "deeper" / "f").read_text() == "x"
    with pytest.raises(OSError) as e:
        os.rmdir(d)
    assert e.value.errno == errno.ENOTEMPTY
    os.unlink(d / "f")
    os.rmdir(d)
    with pytest.raises(PermissionError):
        os.symlink("/etc/shadow", m.mnt / "outbox" / "link.mp4")
    with pytest.raises(PermissionError):
        os.link(m.mnt / "STATUS.txt", m.mnt / "outbox" / "hard")


def test_sigterm_unmounts_cleanly(mounted):
    m = mounted()
    (m.mnt / "posted" / "kept").write_text("kept")
    m.proc.send_signal(15)
    assert m.proc.wait(timeout=30) == 0, m.log_text()
    assert not is_mounted(m.mnt)
    assert (m.staging / "posted" / "kept").read_text() == "kept"
    m.mount()
    assert (m.mnt / "posted" / "kept").read_text() == "kept"


def test_bad_mount_point_is_one_line(tmp_path, sandbox_config):
    r = subprocess.run([BIN, "-f", "-c", sandbox_config(), str(tmp_path / "nope")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "nope" in r.stderr, r.stderr

"""`make install` and `make uninstall` honour PREFIX and DESTDIR.

The binary must already be built (make check builds it first); the install
rule is run with `make -o BINARY` so that this test never rebuilds or relinks
anything in the shared tree, and it must not touch the source tree's
./tiktokfs link either.
"""
import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_dir():
    if os.environ.get("TIKTOKFS_BUILD"):
        return Path(os.environ["TIKTOKFS_BUILD"]).resolve()
    if os.environ.get("TIKTOKFS_BIN"):
        return Path(os.environ["TIKTOKFS_BIN"]).resolve().parent
    return ROOT / "build"


def expected(prefix):
    p = prefix.lstrip("/")
    return {
        f"{p}/bin/tiktokfs": 0o755,
        f"{p}/share/man/man1/tiktokfs.1": 0o644,
        f"{p}/lib/systemd/system/tiktokfs.service": 0o644,
        f"{p}/lib/systemd/system/tiktokfs-watch@.service": 0o644,
        f"{p}/lib/systemd/user/tiktokfs.service": 0o644,
        f"{p}/share/doc/tiktokfs/tiktokfs.conf.example": 0o644,
        f"{p}/share/doc/tiktokfs/README.md": 0o644,
        f"{p}/share/doc/tiktokfs/contract.md": 0o644,
        f"{p}/share/doc/tiktokfs/tiktok.md": 0o644,
    }


def make(target, destdir, prefix):
    b = build_dir()
    binary = b / "tiktokfs"
    assert binary.is_file(), f"{binary} is not built; run make first"
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "-o", str(binary),
         f"BUILD={b}", f"DESTDIR={destdir}", f"PREFIX={prefix}", target],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)


def files_under(root):
    return {str(p.relative_to(root)): stat.S_IMODE(p.lstat().st_mode)
            for p in root.rglob("*") if not p.is_dir()}


def link_of_tree_binary():
    link = ROOT / "tiktokfs"
    return os.readlink(link) if link.is_symlink() else None


def test_install_puts_every_file_in_place_with_its_mode(tmp_path):
    dest = tmp_path / "dest"
    before = link_of_tree_binary()
    r = make("install", dest, "/usr")
    assert r.returncode == 0, r.stdout
    assert files_under(dest) == expected("/usr")
    assert link_of_tree_binary() == before

    b = build_dir()
    assert (dest / "usr/bin/tiktokfs").read_bytes() == (b / "tiktokfs").read_bytes()
    assert (dest / "usr/share/man/man1/tiktokfs.1").read_text() == \
        (ROOT / "tiktokfs.1").read_text()
    assert (dest / "usr/share/doc/tiktokfs/tiktokfs.conf.example").read_text() == \
        (ROOT / "tiktokfs.conf.example").read_text()
    v = subprocess.run([str(dest / "usr/bin/tiktokfs"), "--version"],
                       stdout=subprocess.PIPE, text=True, timeout=30)
    assert v.returncode == 0 and v.stdout.startswith("tiktokfs ")


def test_units_name_the_installed_binary(tmp_path):
    dest = tmp_path / "dest"
    r = make("install", dest, "/opt/tt")
    assert r.returncode == 0, r.stdout
    assert files_under(dest) == expected("/opt/tt")
    units = {
        "system": dest / "opt/tt/lib/systemd/system/tiktokfs.service",
        "watch": dest / "opt/tt/lib/systemd/system/tiktokfs-watch@.service",
        "user": dest / "opt/tt/lib/systemd/user/tiktokfs.service",
    }
    for name, path in units.items():
        text = path.read_text()
        assert "@BINDIR@" not in text, name
        execs = [ln for ln in text.splitlines() if ln.startswith("ExecStart=")]
        assert execs == [ln for ln in execs if ln.startswith("ExecStart=/opt/tt/bin/tiktokfs ")], \
            f"{name}: {execs}"
        assert len(execs) == 1, name
    def directives(path):
        return "\n".join(ln for ln in path.read_text().splitlines()
                         if ln and not ln.startswith("#"))

    system = directives(units["system"])
    assert "ExecStart=/opt/tt/bin/tiktokfs -f -c /etc/tiktokfs.conf /mnt/tiktok" in system
    assert "ExecStop=/usr/bin/fusermount3 -u /mnt/tiktok" in system
    assert "DeviceAllow=/dev/fuse rw" in system
    user = directives(units["user"])
    assert "-c %h/.config/tiktokfs/tiktokfs.conf %h/" in user
    # a private mount namespace would hide the FUSE mount from everyone else
    for opt in ("ProtectSystem=", "ProtectHome=", "PrivateTmp=", "PrivateDevices=",
                "ReadWritePaths=", "ReadOnlyPaths=", "TemporaryFileSystem="):
        assert opt not in system, opt
        assert opt not in user, opt
    # the user unit mounts through setuid fusermount3
    assert "NoNewPrivileges" not in user


def test_uninstall_removes_every_file(tmp_path):
    dest = tmp_path / "dest"
    assert make("install", dest, "/usr").returncode == 0
    # something of the admin's beside ours must survive
    other = dest / "usr/bin/other-tool"
    other.write_text("#!/bin/sh\n")
    r = make("uninstall", dest, "/usr")
    assert r.returncode == 0, r.stdout
    assert files_under(dest) == {"usr/bin/other-tool": stat.S_IMODE(other.stat().st_mode)}
    assert not (dest / "usr/share/doc/tiktokfs").exists()
    # a second uninstall finds nothing to remove and still succeeds
    r = make("uninstall", dest, "/usr")
    assert r.returncode == 0, r.stdout

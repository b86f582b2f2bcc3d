"""The command line itself: a mistyped command is named as one, with the
command it was probably meant as, instead of being taken as a mount point.
Run from an empty directory, so the typo is no existing directory."""
import os
import pathlib
import subprocess

import pytest

BIN = os.environ.get("TIKTOKFS_BIN", str(pathlib.Path(__file__).resolve().parents[2] / "tiktokfs"))


def run(tmp_path, *args):
    return subprocess.run([BIN, *args], cwd=tmp_path, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("typo,meant", [("stauts", "status"), ("stat", "status"),
                                        ("logn", "login"), ("chekc", "check"),
                                        ("wacth", "watch")])
def test_mistyped_command_is_named_with_a_suggestion(tmp_path, typo, meant):
    r = run(tmp_path, typo)
    assert r.returncode == 2, r.stderr
    assert r.stderr.splitlines()[0] == \
        f"tiktokfs: unknown command '{typo}', did you mean '{meant}'?"
    assert r.stdout == ""


def test_mistyped_command_after_options_is_named_too(tmp_path):
    r = run(tmp_path, "-f", "stauts")
    assert r.returncode == 2, r.stderr
    assert "unknown command 'stauts', did you mean 'status'?" in r.stderr


def test_missing_mount_point_far_from_any_command_is_a_mount_error(tmp_path):
    r = run(tmp_path, "no-such-mountpoint")
    assert r.returncode == 1, r.stderr
    assert "unknown command" not in r.stderr
    assert "create the mount point directory first" in r.stderr.lower()

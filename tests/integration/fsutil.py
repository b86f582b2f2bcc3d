"""Small helpers shared by the filesystem tests and their conftest."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("TIKTOKFS_BIN", str(ROOT / "tiktokfs"))
# A valid caption: privacy set, so no config default is needed.
CAPTION = "---\nprivacy: private\n---\nSunset over the harbour #travel\n"


def is_mounted(path):
    """True while anything is mounted at @path, also a FUSE mount whose
    daemon died (os.path.ismount says False there: stat gives ENOTCONN)."""
    want = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        for line in f:
            mp = line.split()[1].replace("\\040", " ").replace("\\011", "\t") \
                .replace("\\012", "\n").replace("\\134", "\\")
            if mp == want:
                return True
    return False

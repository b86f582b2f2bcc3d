"""Small helpers shared by the filesystem tests and their conftest."""
import os
import pathlib
import sqlite3

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


def jobs_db(state, timeout=10):
    """A read-only connection to @state/jobs.db, rows as sqlite3.Row: the one
    way the tests read the job store.  Read-only and with a busy timeout, so a
    test never takes a lock the running daemon waits on; caller closes it."""
    con = sqlite3.connect(f"file:{pathlib.Path(state) / 'jobs.db'}?mode=ro", uri=True,
                          timeout=timeout)
    con.row_factory = sqlite3.Row
    return con


def jobs_query(state, sql, args=(), timeout=10):
    """Every row of one read-only query on @state/jobs.db (jobs_db)."""
    con = jobs_db(state, timeout)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()

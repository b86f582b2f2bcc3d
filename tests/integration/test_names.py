"""What users read names as: the real name, whole and on its own line.

Through a real mount, in every view a person or a script reads (STATUS.txt,
`tiktokfs status`, `status --json`, the xattrs, NAME.error, `tiktokfs
check`, the daemon's log):
  - a name that merely looks like a token (contact.mp4, react.mp4, a caption
    saying "impact.act.") is shown as it is, never masked;
  - a name with a newline or a byte that is not UTF-8 is escaped C-style in
    text (so it cannot forge a line) and kept losslessly in JSON.
"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fsutil import BIN  # noqa: E402
from posting_util import drop, logged_in_mount  # noqa: E402

FORGED = "x\nposted: fake.mp4"          # a name that tries to add a line
BAD = b"bad\xff.mp4"                    # a name that is not UTF-8


def run(config, *args):
    return subprocess.run([BIN, *args[:1], "-c", str(config), *args[1:]],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)


def status_text(m):
    cp = run(m.config, "status")
    assert cp.returncode == 0, cp.stderr
    return cp.stdout.decode()


def status_doc(m):
    cp = run(m.config, "status", "--json")
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)


def items(doc):
    return doc["queue"] + doc["recent"]


def test_names_that_look_like_tokens_are_shown_as_they_are(mounted, sandbox, clip):
    m = logged_in_mount(mounted, sandbox)
    text = "Our impact.act. on the harbour, see react.mp4 too"
    drop(m, clip, "---\nprivacy: private\n---\n" + text, name="contact.mp4")
    drop(m, clip, "---\nprivacy: everybody\n---\n" + text, name="react.mp4")
    m.wait_state("posted/contact.mp4", "posted", timeout=60)
    m.wait_state("outbox/react.mp4", "invalid")
    assert sandbox.received()[0]["title"] == text

    views = {"STATUS.txt": (m.mnt / "STATUS.txt").read_text(), "status": status_text(m)}
    for where, t in views.items():
        assert "  posted      posted/contact.mp4  at " in t, (where, t)
        assert "outbox/react.mp4" in t and "react.caption: line 2" in t, (where, t)
        assert "***" not in t, (where, t)

    doc = status_doc(m)
    posted = next(it for it in items(doc) if it["path"] == "posted/contact.mp4")
    assert posted["caption"] == "posted/contact.caption"
    react = next(it for it in items(doc) if it["path"] == "outbox/react.mp4")
    assert react["caption"] == "outbox/react.caption"
    assert react["error"].startswith("react.caption: line 2: privacy")
    assert "***" not in json.dumps(doc)

    x = m.xattrs("outbox/react.mp4")
    assert x["error"].startswith("react.caption: line 2: privacy"), x
    err_file = (m.mnt / "outbox/react.mp4.error").read_text()
    assert "react.caption: line 2" in err_file and "***" not in err_file, err_file
    assert all("***" not in v for v in m.xattrs("posted/contact.mp4").values())

    cp = run(m.config, "check", str(m.mnt / "outbox/react.mp4"))
    out = (cp.stdout + cp.stderr).decode()
    assert cp.returncode == 1, out
    assert "react.mp4\n" in out and "react.caption: line 2: privacy" in out, out
    assert "***" not in out, out

    log = m.log_text()
    assert "contact.mp4" in log and "contact.***" not in log and "react.***" not in log, log


def test_hostile_names_cannot_forge_lines_and_keep_their_bytes(mounted, clip):
    m = mounted(settle_time="0.5")
    out = m.mnt / "outbox"
    drop(m, clip, "---\nprivacy: everybody\n---\nhello\n", name=FORGED)
    with open(os.path.join(os.fsencode(out), BAD), "wb") as f:
        f.write(clip.read_bytes())
    m.wait_state("outbox/" + FORGED, "invalid")
    m.wait_state("outbox/" + os.fsdecode(BAD), "waiting")

    want_text = [
        "  invalid     outbox/x\\nposted: fake.mp4",
        "      caption: outbox/x\\nposted: fake.caption",
        "  waiting     outbox/bad\\xff.mp4  (no caption yet)",
    ]
    for where, t in (("STATUS.txt", (m.mnt / "STATUS.txt").read_bytes().decode()),
                     ("status", status_text(m))):
        lines = t.split("\n")
        assert not any(line.startswith("posted: fake") for line in lines), (where, t)
        for w in want_text:
            assert w in lines, (where, w, t.replace("\n", "|"))
        # the two items are four lines: head + caption + error, head
        queue = lines[lines.index("Queue:") + 1:lines.index("Recent results:") - 1]
        assert len(queue) == 4, (where, queue)
        assert queue[2].startswith("      error: x\\nposted: fake.caption: line 2"), queue

    doc = status_doc(m)
    forged = next(it for it in items(doc) if it["path"] == "outbox/" + FORGED)
    assert "path_bytes" not in forged  # valid UTF-8: JSON escapes the newline itself
    assert forged["caption"] == "outbox/x\nposted: fake.caption"
    bad = next(it for it in items(doc) if it["path"] == "outbox/bad\ufffd.mp4")
    assert base64.b64decode(bad["path_bytes"]) == b"outbox/" + BAD

    err_file = (out / (FORGED + ".error")).read_text()
    assert err_file.startswith("x\\nposted: fake.mp4: x\\nposted: fake.caption: line 2"), err_file
    assert not any(line.startswith("posted: fake") for line in err_file.split("\n"))

    for name, shown in ((FORGED, "x\\nposted: fake.mp4\n"),
                        (os.fsdecode(BAD), "bad\\xff.mp4\n")):
        cp = run(m.config, "check", str(out / name))
        text = (cp.stdout + cp.stderr).decode(errors="strict")
        assert shown in text, text
        assert not any(line.startswith("posted: fake") for line in text.split("\n")), text

    log = m.log_text()
    assert "outbox/x\\nposted: fake.mp4: invalid" in log, log
    assert not any(line.startswith("posted: fake") for line in log.split("\n")), log

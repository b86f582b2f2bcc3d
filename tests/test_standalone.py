"""A clone of the repository is complete: nothing tracked points outside it.

Every file git tracks is read.  It must not name a path of the machine the
project was written on (a shared folder beside the checkout, an absolute
path of that machine), nor the old names of the references kept there.  Every
citation of a file under docs/ must name a file that exists, and every section
it cites ("docs/tiktok.md §5.6", "docs/tiktok.md §2.6, §4.1") must be a
numbered heading of that file ("### 5.6 ...") or a numbered item of a table
("| 11.6 | ..." in the list of open questions).  No mount, no sandbox: this
runs in a second.
"""
import re
import subprocess
from pathlib import Path

import pytest

SELF = Path(__file__).resolve()
ROOT = SELF.parents[1]

# Built from pieces so that this file does not trip over itself.
FORBIDDEN = [
    ".." + "/shared",
    "/" + "work/",
    "tiktok-api" + ".md",
    "spec/" + "tiktokfs.md",
]

# "docs/NAME.md" and the section numbers right after it, in any of the forms
# used: "§5.6", "§2.6, §4.1, §4.2", "§3-§5", "§2–§5".
CITATION = re.compile(r"docs/([A-Za-z0-9_.-]+\.md)((?:[\s,;–-]*(?:and\s+)?§\s*\d+(?:\.\d+)*)*)")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s", re.M)
# A numbered item of a list kept as a table ("| 11.6 | ... |" in §11).
ITEM = re.compile(r"^\|\s*(\d+\.\d+(?:\.\d+)*)\s*\|", re.M)


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"not a git checkout ({e})")
    return [p for p in out.decode().split("\0") if p]


def read_text(rel):
    """The file's text, or None for binaries and files missing from the tree."""
    try:
        data = (ROOT / rel).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def sections_of(doc):
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    return set(HEADING.findall(text)) | set(ITEM.findall(text))


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def citations(text):
    """(doc, [section, ...], line) for every docs/ citation in @text."""
    for m in CITATION.finditer(text):
        yield m.group(1), SECTION.findall(m.group(2)), line_of(text, m.start())


def test_no_tracked_file_points_outside_the_repository():
    bad = []
    for rel in tracked_files():
        text = read_text(rel)
        if text is None:
            continue
        for needle in FORBIDDEN:
            pos = text.find(needle)
            if pos >= 0:
                bad.append(f"{rel}:{line_of(text, pos)}: mentions {needle!r}")
    assert not bad, "files refer to things outside the repository:\n" + "\n".join(bad)


def test_every_docs_citation_names_an_existing_file_and_section():
    bad = []
    cache = {}
    for rel in tracked_files():
        text = read_text(rel)
        if text is None or "docs/" not in text or ROOT / rel == SELF:
            continue  # this file's examples are not citations
        for doc, secs, line in citations(text):
            if not (ROOT / "docs" / doc).is_file():
                bad.append(f"{rel}:{line}: cites docs/{doc}, which does not exist")
                continue
            have = cache.setdefault(doc, sections_of(doc))
            for s in secs:
                if s not in have:
                    bad.append(f"{rel}:{line}: cites docs/{doc} §{s}, which has no "
                               f"heading numbered {s}")
    assert not bad, "citations that lead nowhere:\n" + "\n".join(bad)


def test_bare_sections_in_files_citing_only_tiktok_md_exist():
    """A file that cites docs/tiktok.md once and then says "(§2.4)" means that file."""
    have = sections_of("tiktok.md")
    bad = []
    for rel in tracked_files():
        text = read_text(rel)
        if text is None or rel.startswith("docs/") or ROOT / rel == SELF:
            continue
        docs = {doc for doc, _, _ in citations(text)}
        if docs != {"tiktok.md"}:
            continue
        for m in SECTION.finditer(text):
            if m.group(1) not in have:
                bad.append(f"{rel}:{line_of(text, m.start())}: §{m.group(1)} is not a "
                           f"section of docs/tiktok.md")
    assert not bad, "sections that do not exist:\n" + "\n".join(bad)


def test_the_checker_sees_what_it_must():
    """The patterns themselves: a citation list, a range, a sentence's end."""
    got = list(citations("see docs/tiktok.md §2.6, §4.1 and §5.7. Also docs/x.md §3-§5."))
    assert got == [("tiktok.md", ["2.6", "4.1", "5.7"], 1), ("x.md", ["3", "5"], 1)]
    assert HEADING.findall("## 5. Content\n### 5.6 Chunk rules\n#### 2.1. x\n") == \
        ["5", "5.6", "2.1"]
    assert ITEM.findall("| 11.6 | a question |\n| 5 | no |\n") == ["11.6"]


# Built from pieces, as FORBIDDEN is, so that this file does not trip over itself.
CONFLICT = re.compile("^(" + "<" * 7 + " |" + ">" * 7 + " )", re.M)


def test_no_file_keeps_a_merge_conflict_marker():
    bad = [rel for rel in tracked_files()
           if (text := read_text(rel)) is not None and CONFLICT.search(text)]
    assert not bad, f"merge conflict markers left in: {', '.join(bad)}"

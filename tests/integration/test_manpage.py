"""The man page and the example config document everything the code accepts.

The lists come from the code itself: the rows of the key table (keys[]) in
meta/config.c, the commands and options of the usage text in cmd/main.c,
and the sidecar keys of meta/caption/sidecar.c.  A key added to the code without a
line in tiktokfs.1 and tiktokfs.conf.example fails here.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def config_keys():
    src = (ROOT / "meta/config.c").read_text()
    table = src[src.index("struct key_row keys[] = {"):]
    table = table[:table.index("\n};\n")]
    keys = re.findall(r"^\s*KEY\(([a-z_]+),", table, re.M)
    assert len(keys) >= 20, keys  # the table has not changed shape
    return keys


def usage_text():
    src = (ROOT / "cmd/main.c").read_text()
    block = src[src.index("usage[] ="):]
    block = block[:block.index(";\n")]
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).replace("\\n", "\n")


def usage_commands():
    cmds, opts = set(), set()
    for line in usage_text().splitlines():
        m = re.match(r"\s*tiktokfs\s+(.*)", line)
        if not m:
            continue
        words = re.split(r"\s{2,}", m.group(1))[0]  # drop the description
        first = words.split()[0]
        if re.fullmatch(r"[a-z]+", first):
            cmds.add(first)
        opts.update(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", words))
    assert {"login", "status"} <= cmds, cmds
    return cmds, opts


def front_matter_keys():
    src = (ROOT / "meta/caption/sidecar.c").read_text()
    table = src[src.index("key_names[SK_COUNT]"):]
    table = table[:table.index("};")]
    keys = re.findall(r'"([a-z_]+)"', table)
    assert "privacy" in keys and "caption_from" in keys
    return keys


def sidecar_keys():
    """The caption file's keys; those from caption_from on are a .defaults' only."""
    keys = front_matter_keys()
    return keys[:keys.index("caption_from")]


def defaults_only_keys():
    keys = front_matter_keys()
    return keys[keys.index("caption_from"):]


def man_text():
    """tiktokfs.1 as words: font escapes and \\- undone, requests kept."""
    t = (ROOT / "tiktokfs.1").read_text()
    t = re.sub(r"\\f[BIRP]", "", t)
    return t.replace("\\-", "-").replace("\\(dq", '"')


def man_section(name):
    t = man_text()
    m = re.search(r"^\.SH " + name + r"\n(.*?)(?=^\.SH |\Z)", t, re.S | re.M)
    assert m, f"no .SH {name}"
    return m.group(1)


def test_man_page_documents_every_config_key_with_its_default():
    sec = man_section("CONFIGURATION")
    # each .TP entry: the tag line names keys, the body gives a default
    entries = re.findall(r"^\.TP\n(.*?)\n(.*?)(?=^\.TP|^\.PP|\Z)", sec, re.S | re.M)
    documented = {}
    for tag, body in entries:
        for key in re.findall(r"[a-z_]+", tag):
            documented[key] = body
    missing = [k for k in config_keys() if k not in documented]
    assert not missing, f"tiktokfs.1 CONFIGURATION lacks {missing}"
    no_default = [k for k in config_keys() if "Default:" not in documented[k]]
    assert not no_default, f"no default given for {no_default}"


def test_man_page_synopsis_and_commands_cover_the_usage_text():
    cmds, opts = usage_commands()
    syn = man_section("SYNOPSIS")
    cmd_sec = man_section("COMMANDS")
    for c in cmds:
        assert re.search(r'^\.SY "tiktokfs ' + c + '"$', syn, re.M), f"SYNOPSIS lacks {c}"
        assert re.search(r"^\.(?:B|BR|BI) \"?tiktokfs " + c + r"\b", cmd_sec, re.M), \
            f"COMMANDS lacks {c}"
    for o in opts:
        assert o in syn, f"SYNOPSIS lacks option {o}"


def test_man_page_has_the_sections_a_user_looks_for():
    t = man_text()
    for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "CONFIGURATION",
                "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
        assert re.search(r"^\.SH " + sec + "$", t, re.M), sec
    desc = man_section("DESCRIPTION")
    for folder in ("outbox/", "scheduled/", "posted/", "failed/", "STATUS.txt"):
        assert folder in desc, folder
    sidecar = desc[desc.index(".SS The caption sidecar"):]
    sidecar = sidecar[:sidecar.index(".SS ", 4)]
    for key in sidecar_keys():
        assert re.search(r"^\.TP\n\.BR? .*(?<![\w.])" + key + ":", sidecar, re.M), \
            f"caption sidecar key {key} has no entry"
    folder_defaults = desc[desc.index(".SS Folder defaults"):]
    folder_defaults = folder_defaults[:folder_defaults.index(".SS ", 4)]
    for key in defaults_only_keys():
        assert re.search(r"^\.TP\n\.BR? .*(?<![\w.])" + key + ":", folder_defaults, re.M), \
            f".defaults key {key} has no entry"
    for state in ("waiting", "ready", "scheduled", "uploading", "processing", "deferred"):
        assert re.search(r"^\.B " + state + "$", desc, re.M), f"state {state}"
    for x in ("state", "progress", "retry_at", "warning", "publish_id", "status",
              "posted_at", "privacy", "post_id", "url", "error"):
        assert "user.tiktok." + x in desc, x
    files = man_section("FILES")
    for f in ("staging/", "jobs.db", "tokens.json", "creator_info.json"):
        assert f in files, f
    env = man_section("ENVIRONMENT")
    for v in ("TIKTOKFS_CONFIG", "TIKTOK_CLIENT_ID", "TIKTOK_CLIENT_SECRET",
              "TIKTOK_REDIRECT_URI"):
        assert v in env, v
    ex = man_section("EXAMPLES")
    for tool in ("cp ", "rsync ", "getfattr "):
        assert tool in ex, tool


def comment_blocks(lines):
    """Runs of comment lines that are prose, not commented-out settings."""
    blocks, cur = [], []
    for ln in lines:
        if ln.startswith("#") and not re.match(r"#\s*[a-z_]+\s*=", ln):
            cur.append(ln)
        elif cur:
            blocks.append("\n".join(cur))
            cur = []
    if cur:
        blocks.append("\n".join(cur))
    return blocks


def test_example_config_has_every_key_with_its_default():
    lines = (ROOT / "tiktokfs.conf.example").read_text().splitlines()
    blocks = comment_blocks(lines)
    for key in config_keys():
        assert any(re.match(r"#?\s*" + key + r"\s*=", ln) for ln in lines), \
            f"tiktokfs.conf.example has no '{key} =' line"
        assert any(re.search(r"\b" + key + r"\b", b) and "Default" in b for b in blocks), \
            f"tiktokfs.conf.example: no comment names {key} and its default"


def test_example_config_shows_the_web_upload_limits():
    text = (ROOT / "tiktokfs.conf.example").read_text()
    for line in ("# max_size = 287.6M", "# min_width = 720", "# min_height = 1280",
                 "# max_width = 1080", "# max_height = 1920"):
        assert re.search("^" + re.escape(line) + "$", text, re.M), line

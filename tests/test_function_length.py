"""No C function of the program grows past a screen without a stated reason.

House style: a function fits on a screen (about 60 lines).  This scans the C
files of util/ meta/ net/ fs/ cmd/ with a simple brace matcher (comments,
strings and preprocessor lines blanked out first; a function is a "{" at
file level right after a ")") and lists every function longer than
MAX_LINES, counted from the line that names it to its closing brace.  Each
one must be in ALLOWED with the reason it may stay long; an entry that is
no longer long must leave the list, so that it only ever shrinks.  No
build, no mount: this runs in a second.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRS = ["util", "meta", "net", "fs", "cmd"]
MAX_LINES = 60

# "file:function": why it may be longer than MAX_LINES.
ALLOWED = {
}

# A run of C that cannot hold a brace that counts: comments, strings and
# character constants, and preprocessor lines with their continuations.
BLANK = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
                   r'|^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', re.S | re.M)
NAME_BEFORE_PAREN = re.compile(r"([A-Za-z_]\w*)\s*$")


def blank(text):
    """@text with comments, strings and preprocessor lines as spaces, the
    line feeds kept, so that positions and line numbers do not move."""
    return BLANK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def open_paren(code, close):
    """Position of the "(" that the ")" at @close closes, or -1."""
    depth = 0
    for i in range(close, -1, -1):
        if code[i] == ")":
            depth += 1
        elif code[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return -1


def functions(text):
    """(name, first line, last line) of every function defined in @text."""
    code = blank(text)
    depth = 0
    start = None
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                start = function_head(code, i)
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0 and start:
                name, pos = start
                yield name, code.count("\n", 0, pos) + 1, code.count("\n", 0, i) + 1
                start = None


def function_head(code, brace):
    """(name, position of the name) when the "{" at @brace opens a function
    body: the text before it ends with ")" and that list follows a name."""
    before = code[:brace].rstrip()
    if not before.endswith(")"):
        return None  # a struct, an enum, an initializer
    paren = open_paren(code, len(before) - 1)
    m = NAME_BEFORE_PAREN.search(code[:paren]) if paren > 0 else None
    if not m or m.group(1) in ("if", "for", "while", "switch", "return", "sizeof"):
        return None
    return m.group(1), m.start(1)


def long_functions():
    """{"file:function": lines} of every function over MAX_LINES."""
    found = {}
    for d in DIRS:
        for path in sorted((ROOT / d).rglob("*.c")):
            rel = path.relative_to(ROOT).as_posix()
            for name, first, last in functions(path.read_text(encoding="utf-8")):
                if last - first + 1 > MAX_LINES:
                    found[f"{rel}:{name}"] = last - first + 1
    return found


def test_no_function_is_longer_than_a_screen_without_a_reason():
    found = long_functions()
    bad = [f"{k}: {n} lines" for k, n in sorted(found.items()) if k not in ALLOWED]
    assert not bad, (f"functions over {MAX_LINES} lines: split them, or add them to "
                     f"ALLOWED in {Path(__file__).name} with the reason:\n" + "\n".join(bad))


def test_the_allow_list_names_only_functions_still_long():
    found = long_functions()
    stale = sorted(k for k in ALLOWED if k not in found)
    assert not stale, ("no longer over the limit (or gone): remove from ALLOWED:\n"
                       + "\n".join(stale))


def test_every_allowed_function_has_a_reason():
    assert all(isinstance(r, str) and r.strip() for r in ALLOWED.values())


def test_the_scanner_sees_what_it_must():
    """Functions, not structs or initializers; braces in strings, comments
    and macros do not count; a line is counted from the name to the "}"."""
    text = ('#define X do { \\\n  } while (0)\n'
            'struct s { int a; };\n'
            'static const int t[] = { 1, 2 };\n'
            'static int\nf(int a, int (*g)(void))\n{\n\tif (a) {\n\t\treturn "}";\n\t}\n'
            '\t/* } */\n\treturn \'{\';\n}\n'
            'int h(void) { return 0; }\n')
    assert list(functions(text)) == [("f", 6, 13), ("h", 14, 14)]

#!/usr/bin/python3
"""Real video files for the tests, made with Debian's ffmpeg and cached.

make_media(kind, outdir, **opts) -> pathlib.Path
    kind is one of KINDS (a container layout) or a derived kind
    ("truncated", "corrupted", "text", "empty"; these take base=KIND).
    opts: w, h (picture size as stored), dur (seconds), rotate (degrees,
    mp4/mov only: written into the tkhd matrix), fps.

Generated files are cached under build/media-cache/ of this checkout (override
with TIKTOKFS_MEDIA_CACHE) keyed by a hash of the full ffmpeg command line, so
a second run copies instead of encoding; `make clean` removes the cache with
the rest of build/.  outdir receives a copy (a hard link
when possible) named after the kind and options.

STANDARD is the set the unit tests, the fuzz seeds and the `media` pytest
fixture use; `python3 tests/tools/mediafiles.py OUTDIR` writes it to OUTDIR and
prints one "name path" line per file.

`python3 tests/tools/mediafiles.py --warm` (`make media`) fills the cache with
STANDARD and writes it to CACHE/standard; `make check` runs it as one job
beside the compiler, so that no test waits for it: on a fresh clone, every
pytest worker's first test used to spend ~40 s making the set (each worker
made it, at once).  `--also` encodes ALSO, the files single tests make;
run_check.py runs it beside the tests, whose workers mostly wait, rather
than in the build, which keeps both cores busy.

ffmpeg 5.1 (Debian 12) has no -display_rotation; the mov muxer there still
honours the stream tag rotate=N and writes it as the tkhd matrix, which is
what the probe reads.
"""
import hashlib
import os
import pathlib
import random
import shutil
import struct
import subprocess
import sys

try:
    import pytest
except ImportError:  # the CLI and run_fuzz.py work without pytest
    pytest = None

FFMPEG = "/usr/bin/ffmpeg"
ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path(os.environ.get("TIKTOKFS_MEDIA_CACHE", ROOT / "build" / "media-cache"))

# kind -> (extension, codec args, muxer args)
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "200k"]
AAC = ["-c:a", "aac", "-b:a", "32k"]
KINDS = {
    "mp4": ("mp4", X264 + AAC, []),  # moov at the end: ffmpeg's default
    "mp4_faststart": ("mp4", X264 + AAC, ["-movflags", "+faststart"]),
    "mp4_frag": ("mp4", X264 + AAC, ["-movflags", "frag_keyframe+empty_moov"]),
    "mov": ("mov", X264 + AAC, []),
    "3gp": ("3gp", X264 + ["-c:a", "aac", "-b:a", "32k", "-ar", "16000", "-ac", "1"],
            ["-f", "3gp"]),
    "webm": ("webm", ["-c:v", "libvpx", "-b:v", "200k", "-deadline", "realtime",
                      "-cpu-used", "8", "-c:a", "libopus", "-b:a", "32k"], []),
    "mkv": ("mkv", X264 + AAC, []),
    "avi": ("avi", ["-c:v", "mpeg4", "-b:v", "200k", "-c:a", "pcm_s16le"], []),
    "ts": ("ts", X264 + AAC, ["-f", "mpegts"]),
    "ps": ("mpg", ["-c:v", "mpeg2video", "-b:v", "400k", "-c:a", "mp2", "-b:a", "64k"],
           ["-f", "vob"]),
    "wmv": ("wmv", ["-c:v", "wmv2", "-b:v", "200k", "-c:a", "wmav2", "-b:a", "32k"],
            ["-f", "asf"]),
}
DERIVED = ("truncated", "corrupted", "text", "empty")

# name -> (kind, opts): the standard set.  Sizes are what the encoder stores;
# the probe reports w/h swapped for rotate=90/270.
STANDARD = {
    "portrait.mp4": ("mp4", dict(w=360, h=640, dur=3.0)),
    "landscape.mp4": ("mp4", dict(w=640, h=360, dur=3.0)),
    "short.mp4": ("mp4", dict(w=360, h=640, dur=2.9)),
    "faststart.mp4": ("mp4_faststart", dict(w=360, h=640, dur=3.0)),
    "frag.mp4": ("mp4_frag", dict(w=360, h=640, dur=3.0)),
    "rotated.mp4": ("mp4", dict(w=640, h=360, dur=3.0, rotate=90)),
    "clip.mov": ("mov", dict(w=360, h=640, dur=3.0)),
    "clip.3gp": ("3gp", dict(w=360, h=640, dur=3.0)),
    "clip.webm": ("webm", dict(w=360, h=640, dur=3.0)),
    "clip.mkv": ("mkv", dict(w=640, h=360, dur=3.0)),
    "clip.avi": ("avi", dict(w=360, h=640, dur=3.0)),
    "clip.ts": ("ts", dict(w=360, h=640, dur=3.0)),
    "clip.mpg": ("ps", dict(w=352, h=640, dur=3.0)),
    "clip.wmv": ("wmv", dict(w=360, h=640, dur=3.0)),
    "rotated180.mp4": ("mp4", dict(w=720, h=1280, dur=3.0, rotate=180)),
    "rotated270.mov": ("mov", dict(w=640, h=360, dur=2.9, rotate=270)),
    "truncated.mp4": ("truncated", dict(base="mp4_faststart")),
    "truncated_moov_at_end.mp4": ("truncated", dict(base="mp4")),
    "truncated.webm": ("truncated", dict(base="webm", w=360, h=640, dur=3.0)),
    "truncated.mkv": ("truncated", dict(base="mkv", w=640, h=360, dur=3.0)),
    "truncated.avi": ("truncated", dict(base="avi", w=360, h=640, dur=3.0)),
    "truncated.wmv": ("truncated", dict(base="wmv", w=360, h=640, dur=3.0)),
    "corrupted.mp4": ("corrupted", dict(base="mp4")),
    "text.mp4": ("text", {}),
    "empty.mp4": ("empty", {}),
}


# (kind, opts) of the files tests make for themselves with make_media();
# warm_also() encodes them ahead, longest first.  A test whose file is not here still works: it
# encodes it when it runs, which only costs time.
ALSO = [  # the first two are for tests that LONG_FIRST starts early
    ("mp4", dict(w=360, h=640, dur=30)),               # test_status
    ("mp4", dict(w=180, h=320, dur=240, fps=10)),      # test_check_youtube
    ("mp4", dict(w=320, h=180, dur=120, fps=10)),      # test_check_youtube
    ("mp4", dict(w=180, h=320, dur=20, fps=10)),       # test_check_youtube
    ("mp4", dict(w=180, h=320, dur=5, fps=10)),        # test_check_youtube
    ("mp4", dict(w=240, h=240, dur=5, fps=10)),        # test_check_youtube
    ("mp4", dict(w=720, h=1280, dur=3.0)),             # test_check
    ("mp4", dict(w=360, h=640, dur=6.0)),              # test_check
    ("mp4", dict(w=180, h=320, dur=20, fps=30)),       # test_check_targets
    ("mp4", dict(w=360, h=640, dur=5, fps=30)),        # test_check_targets
    ("text", {}),                                      # test_status
]


def _command(kind, out, w=360, h=640, dur=3.0, fps=30, rotate=0):
    ext, codec, mux = KINDS[kind]
    cmd = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc=size={w}x{h}:rate={fps}:duration={dur}",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={dur}",
           "-map", "0:v", "-map", "1:a"] + codec + ["-shortest"]
    if rotate:  # kept in the key; applied by _set_rotation after encoding
        cmd += ["-metadata:s:v:0", f"rotate={rotate}"]
    if kind == "ps":
        cmd += ["-r", str(fps)]
    cmd += ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
    return cmd + mux + [str(out)]


def _boxes(data, start, end):
    """(type, payload start, box end) of the ISO BMFF boxes in data[start:end]."""
    off = start
    while off + 8 <= end:
        size = struct.unpack(">I", data[off:off + 4])[0]
        typ = bytes(data[off + 4:off + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[off + 8:off + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - off
        if size < hdr or off + size > end:
            return
        yield typ, off + hdr, off + size
        off += size


# tkhd display matrices (a b u c d v x y w), 16.16 except u, v, w (2.30).
MATRIX = {
    90: (0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0, 0x40000000),
    180: (0xFFFF0000, 0, 0, 0, 0xFFFF0000, 0, 0, 0, 0x40000000),
    270: (0, 0xFFFF0000, 0, 0x10000, 0, 0, 0, 0, 0x40000000),
}


def _set_rotation(path, degrees):
    """Write @degrees into the video track's tkhd matrix, as a phone does.

    ffmpeg 5.1 has no -display_rotation and its mov muxer ignores the old
    rotate=N tag, so the matrix is patched in place (same size, same offsets).
    """
    data = bytearray(pathlib.Path(path).read_bytes())
    for typ, p, e in _boxes(data, 0, len(data)):
        if typ != b"moov":
            continue
        for t2, p2, e2 in _boxes(data, p, e):
            if t2 != b"trak":
                continue
            kids = {t: (a, b) for t, a, b in _boxes(data, p2, e2)}
            mdia = kids.get(b"mdia")
            hdlr = [a for t, a, b in _boxes(data, *mdia) if t == b"hdlr"] if mdia else []
            if not hdlr or data[hdlr[0] + 8:hdlr[0] + 12] != b"vide":
                continue
            tk = kids[b"tkhd"][0]
            ver = data[tk]
            moff = tk + 4 + (32 if ver == 1 else 20) + 16
            data[moff:moff + 36] = struct.pack(">9I", *MATRIX[degrees])
    pathlib.Path(path).write_bytes(bytes(data))


def _key(parts):
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:16]


def _place(src, outdir, name):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    dst = outdir / name
    if dst.exists() or dst.is_symlink():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst


def _cached(kind, **opts):
    """Encode @kind once; return the cached path."""
    ext = KINDS[kind][0]
    probe = _command(kind, "OUT", **opts)
    path = CACHE / f"{kind}-{_key(probe)}.{ext}"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}.{ext}")
    subprocess.run(_command(kind, tmp, **opts), check=True)
    if opts.get("rotate"):
        _set_rotation(tmp, opts["rotate"])
    os.replace(tmp, path)
    return path


def _write(path, data):
    """Write @data to @path atomically (parallel test sessions share the cache)."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _derived(kind, base="mp4", **opts):
    CACHE.mkdir(parents=True, exist_ok=True)
    if kind == "empty":
        path = CACHE / "empty.mp4"
        if not path.exists():
            _write(path, b"")
        return path
    if kind == "text":
        path = CACHE / "text.mp4"
        if not path.exists():
            _write(path, b"This is not a video, just some notes saved as clip.mp4.\n" * 20)
        return path
    src = _cached(base, **opts)
    data = src.read_bytes()
    key = _key([kind, base, src.name])
    path = CACHE / f"{kind}-{key}.mp4"
    if path.exists():
        return path
    if kind == "truncated":
        data = data[: len(data) // 2]
    else:  # corrupted: random bytes over the first 4 KB, the box headers included
        rnd = random.Random(1234)
        head = bytes(rnd.getrandbits(8) for _ in range(4096))
        data = head + data[4096:]
    _write(path, data)
    return path


def make_media(kind, outdir, **opts):
    """Make (or fetch from the cache) one file of @kind in @outdir; return its path."""
    name = opts.pop("name", None)
    if kind in DERIVED:
        src = _derived(kind, **opts)
    elif kind in KINDS:
        src = _cached(kind, **opts)
    else:
        raise ValueError(f"unknown media kind {kind!r}")
    return _place(src, outdir, name or src.name)


def make_standard(outdir):
    """Write the standard set into @outdir; return {name: path}."""
    out = {}
    for name, (kind, opts) in STANDARD.items():
        out[name] = make_media(kind, outdir, name=name, **opts)
    return out


def warm():
    """Fill the cache with STANDARD; return the standard set's folder,
    CACHE/standard (what run_unit.py gives the unit tests)."""
    out = CACHE / "standard"
    make_standard(out)
    return out


def warm_also():
    """Fill the cache with ALSO.  A test that asks for one of its files
    first makes it too; the cache takes whichever copy lands last."""
    for kind, opts in ALSO:
        make_media(kind, CACHE / "also", **dict(opts))


if pytest is not None:
    @pytest.fixture(scope="session")
    def media(tmp_path_factory):
        """name -> path of the standard set (see STANDARD)."""
        return make_standard(tmp_path_factory.mktemp("media"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mediafiles.py OUTDIR | --warm | --also")
    if sys.argv[1] in ("--warm", "--also"):
        warm() if sys.argv[1] == "--warm" else warm_also()
        sys.exit(0)
    for n, p in make_standard(sys.argv[1]).items():
        print(n, p)

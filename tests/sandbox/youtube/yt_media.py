"""What YouTube learns from the bytes themselves: an MP4/MOV's frame size and
duration, read from moov/mvhd (timescale, duration) and the first video track's
tkhd (width, height as 16.16 fixed point; a track is video when its
mdia/hdlr says "vide").  That is how the sandbox decides, as YouTube does, whether
an upload is a Short (docs/youtube.md §7) and whether it is longer than the
channel may post: there is no API field for either.  Anything it cannot read
is "not a video" (None).
"""
import struct

CONTAINERS = {b"moov", b"trak", b"mdia"}


def _boxes(data, start, end):
    """(type, body start, body end) of each box in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        head = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            head = 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            return
        yield kind, pos + head, pos + size
        pos += size


def _mvhd(body):
    if body[0] == 1:
        scale, dur = struct.unpack(">IQ", body[20:32])
    else:
        scale, dur = struct.unpack(">II", body[12:20])
    return dur / scale if scale else None


def _tkhd(body):
    off = 88 if body[0] == 1 else 76
    w, h = struct.unpack(">II", body[off:off + 8])
    return w >> 16, h >> 16


def _track(data, s, e):
    """(width, height) when the trak at data[s:e] is a video track, else None."""
    size, is_video = None, False
    for kind, bs, be in _boxes(data, s, e):
        if kind == b"tkhd":
            size = _tkhd(data[bs:be])
        elif kind == b"mdia":
            for k2, s2, e2 in _boxes(data, bs, be):
                if k2 == b"hdlr" and data[s2 + 8:s2 + 12] == b"vide":
                    is_video = True
    return size if is_video else None


def probe(path, limit=64 << 20):
    """{"width", "height", "duration_s"} of the video at @path, or None."""
    with open(path, "rb") as f:
        data = f.read(limit)
    try:
        kinds = [k for k, _, _ in _boxes(data, 0, len(data))]
        if not kinds or kinds[0] != b"ftyp":
            return None
        for kind, s, e in _boxes(data, 0, len(data)):
            if kind == b"moov":
                return _moov(data, s, e)
    except (struct.error, IndexError):
        return None
    return None


def _moov(data, s, e):
    duration, size = None, None
    for kind, bs, be in _boxes(data, s, e):
        if kind == b"mvhd":
            duration = _mvhd(data[bs:be])
        elif kind == b"trak" and size is None:
            size = _track(data, bs, be)
    if duration is None or size is None:
        return None
    return {"width": size[0], "height": size[1], "duration_s": duration}

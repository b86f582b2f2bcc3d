"""Chunk PUTs to the upload URL (docs/tiktok.md §5.5, §5.6, §8 "PUT handler").

The upload URL's upload_id + upload_token find the task (404 otherwise); after
its hour the URL answers 403.  Headers are judged before a single body byte is
read (and before 100 Continue is sent): Content-Type whitelist, Content-Range
"bytes first-last/total" with total == video_size and first == bytes already
received (416 otherwise), and the chunk length == the plan's length for this
chunk == Content-Length (400 otherwise).  The body then streams to DIR/uploads in
pieces of at most 1 MiB, hashed incrementally, so a 4 GiB upload never sits in
memory.  A chunk counts only once all its bytes arrived: a short body, a timeout
or a dropped connection truncates the file back and leaves the progress as it was.
Answers: 206 for a chunk, 201 for the last, both with a Content-Range header.
"""
import hmac
import os
import re
import socket
import urllib.parse

from .sb_reply import empty

PIECE = 1 << 20
CTYPES = {"video/mp4", "video/quicktime", "video/webm"}
RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def _expected_len(t, first):
    i = first // t.chunk_size
    if i >= t.total_chunk_count - 1:
        return t.video_size - first  # the final chunk absorbs the remainder
    return t.chunk_size


def _judge(h, st, t):
    """Header checks; returns (error reply, None) or (None, (first, length))."""
    now = st.now()
    if now >= t.upload_expires:
        return empty(st, 403, code="upload_url_expired"), None
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype not in CTYPES:
        return empty(st, 400, code="bad_content_type"), None
    if h.headers.get("Transfer-Encoding"):
        return empty(st, 400, code="chunked_not_allowed"), None
    m = RANGE_RE.match(h.headers.get("Content-Range") or "")
    cl = h.headers.get("Content-Length")
    if not m or cl is None or not cl.isdigit():
        return empty(st, 400, code="bad_headers"), None
    first, last, total = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if total != t.video_size or first != t.uploaded or last < first or last >= total or t.busy:
        return empty(st, 416, code="range_mismatch", headers=_range_hdr(st, t)), None
    length = last - first + 1
    if length != _expected_len(t, first) or int(cl) != length:
        return empty(st, 400, code="length_mismatch"), None
    return None, (first, length)


def _range_hdr(st, t):
    if t.uploaded == 0:
        return {}
    end = t.uploaded - 1 if st.knob("content_range_reply") == "last_index" else t.uploaded
    return {"Content-Range": f"bytes 0-{end}/{t.video_size}"}


def put(h, st):
    q = urllib.parse.parse_qs(h.query)
    uid = (q.get("upload_id") or [""])[0]
    utok = (q.get("upload_token") or [""])[0]
    with st.lock:
        t = st.uploads.get(uid)
        if t is None or not utok or not hmac.compare_digest(t.upload_token, utok):
            return empty(st, 404, code="upload_not_found")
        err, plan = _judge(h, st, t)
        if err:
            return err
        first, length = plan
        t.busy = True
        hasher = t.hasher.copy()
        keep = bool(st.knob("keep_upload_bytes"))
        timeout = float(st.knob("body_timeout"))
    ok = False
    try:
        ok = _stream(h, t.path if keep else None, first, length, hasher, timeout)
    finally:
        with st.lock:
            t.busy = False
            if ok and t.uploaded == first:
                t.uploaded += length
                t.hasher = hasher
                t.puts += 1
    if h.aborted:
        return None
    if not ok:
        h.close_connection = True
        return empty(st, 400, code="body_length_mismatch")
    with st.lock:
        headers = _range_hdr(st, t)
        if t.uploaded < t.video_size:
            return empty(st, 206, headers=headers)
        t.completed_at = st.now()
        t.sha256 = t.hasher.hexdigest()
        for rule in st.fail_next:
            if rule["remaining"] > 0:
                rule["remaining"] -= 1
                t.injected_fail = rule["fail_reason"]
                break
        return empty(st, 201, headers=headers)


def _stream(h, path, offset, length, hasher, timeout):
    """Copy exactly @length body bytes to @path at @offset; False if fewer came."""
    h.send_continue()
    f = None
    got = 0
    try:
        if path:
            f = open(path, "r+b" if os.path.exists(path) else "w+b")
            f.truncate(offset)
            f.seek(offset)
        h.connection.settimeout(timeout)
        while got < length:
            want = min(PIECE, length - got)
            if h.drop_after is not None:
                if got >= h.drop_after:
                    h.abort()
                    return False
                want = min(want, h.drop_after - got)
            piece = h.rfile.read(want)
            if not piece:
                break
            hasher.update(piece)
            if f:
                f.write(piece)
            got += len(piece)
        if h.drop_after is not None and got >= h.drop_after:
            h.abort()
            return False
    except (socket.timeout, OSError):
        got = -1
    finally:
        h.body_done = True
        try:
            h.connection.settimeout(h.timeout)
        except OSError:
            pass
        if f:
            if got != length:
                f.truncate(offset)
            f.close()
    if got != length:
        h.close_connection = True
        return False
    return True

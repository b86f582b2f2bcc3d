"""videos.insert as a resumable upload (docs/youtube.md §3, §4).

start (POST /upload/youtube/v3/videos?uploadType=resumable&part=...): the
bearer must carry an upload scope; the call is charged to the project's quota
and counted against the channel's daily cap before the metadata is judged;
then the X-Upload-Content-* headers and the JSON body are checked.  Success is
200 with an empty body and the session URI in Location.  A second session for
the same file (same channel, title and size) is allowed, as YouTube allows it,
and counted so tests can prove the client never opens one.
put (PUT or POST on the session URI): a status query (Content-Range: bytes */T,
no body) answers 308 with Range: bytes=0-N (no Range when nothing is stored);
a chunk (Content-Range: bytes A-B/T, T may be * before the last) must start at
the stored end (an overlap is accepted and its repeated bytes dropped), must
be a multiple of 256 KiB unless it is the last, and must be as long as it
says.  The last byte answers 201 with the video resource; until then 308.
"""
import json
import os
import re
import secrets
import urllib.parse

import yt_quota
import yt_videos
from yt_meta import validate
from yt_oauth import bearer
from yt_reply import empty, error
from yt_state import INSERT_SCOPES

PARTS = {"contentDetails", "fileDetails", "id", "liveStreamingDetails", "localizations",
         "player", "processingDetails", "recordingDetails", "snippet", "statistics",
         "status", "suggestions", "topicDetails"}
QUANTUM = 256 * 1024
MAX_CHUNK = 256 << 20
RANGE_RE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


def data_auth(h, st, scopes):
    """(token record, user) or (None, error reply) for a Data API call."""
    rec = bearer(h, st)
    if rec is None:
        return None, error(401, "authError")
    if not set(rec["scopes"]) & scopes:
        return None, error(403, "insufficientPermissions",
                           "Request had insufficient authentication scopes.")
    user = st.user(rec["user"])
    if not user["has_channel"]:
        return None, error(401, "youtubeSignupRequired")
    return rec, user


def parts_of(q):
    """(list of parts, None) or (None, error reply) for the part parameter."""
    raw = (q.get("part") or [""])[0]
    if not raw:
        return None, error(400, "missingRequiredParameter", "No filter selected. Expected "
                           "one of: part", location="part")
    parts = [p.strip() for p in raw.split(",")]
    if any(p not in PARTS for p in parts):
        return None, error(400, "invalidParameter", f"Invalid part: {raw[:60]}",
                           location="part")
    return parts, None


def _upload_headers(h, st):
    """(total or None, mime, None) or (_, _, error reply) from X-Upload-Content-*."""
    raw = h.headers.get("X-Upload-Content-Length")
    mime = (h.headers.get("X-Upload-Content-Type") or "").strip().lower()
    total = None
    if raw is None:
        if st.knob("upload_length_header") == "required":
            return None, mime, error(400, "missingRequiredParameter",
                                     "X-Upload-Content-Length is required.")
    elif not raw.strip().isdigit() or int(raw) <= 0:
        return None, mime, error(400, "invalidParameter",
                                 "X-Upload-Content-Length must be a positive number.")
    elif int(raw) > int(st.knob("max_file_size")):
        return None, mime, error(400, "invalidParameter", "The file is larger than 256 GB.")
    else:
        total = int(raw)
    if st.knob("check_upload_type") and not (
            mime.startswith("video/") or mime == "application/octet-stream"):
        return total, mime, error(400, "invalidParameter",
                                  "X-Upload-Content-Type must be video/* or "
                                  "application/octet-stream.")
    return total, mime, None


def _body(h):
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = h.read_body()
    if not raw.strip():
        return {}
    if ctype != "application/json":
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def start(h, st):
    q = urllib.parse.parse_qs(h.query)
    rec, user = data_auth(h, st, INSERT_SCOPES)
    if rec is None:
        return user
    if (q.get("uploadType") or [""])[0] != "resumable":
        return error(400, "invalidParameter", "This sandbox takes uploadType=resumable only.",
                     location="uploadType")
    parts, bad = parts_of(q)
    if bad:
        return bad
    bad = yt_quota.charge(st, "insert") or yt_quota.channel_upload(st, user["channel_id"])
    if bad:
        return bad
    total, mime, bad = _upload_headers(h, st)
    if bad:
        return bad
    body = _body(h)
    bad = error(400, "parseError") if body is None else validate(st, body)
    if bad:
        return bad
    return _open_session(st, user, parts, q, body, total, mime)


def _open_session(st, user, parts, q, body, total, mime):
    upload_id = "AUxxm" + secrets.token_urlsafe(48)
    seq = st.next_seq()
    s = {"seq": seq, "upload_id": upload_id, "user": user["email"],
         "channel_id": user["channel_id"], "parts": parts, "body": body, "total": total,
         "mime": mime, "received": 0, "path": os.path.join(st.upload_dir, f"{seq}.bin"),
         "created_at": st.now(), "completed_at": None, "video_id": None,
         "notify": (q.get("notifySubscribers") or ["true"])[0], "guploader": secrets.token_hex(16)}
    open(s["path"], "wb").close()
    with st.lock:
        st.sessions[upload_id] = s
    params = urllib.parse.urlencode({"uploadType": "resumable", "part": ",".join(parts),
                                     "upload_id": upload_id}, safe=",")
    loc = f"https://127.0.0.1:{st.port}/upload/youtube/v3/videos?{params}"
    return empty(200, headers={"Location": loc, "X-GUploader-UploadID": s["guploader"]})


def _session(h, st):
    q = urllib.parse.parse_qs(h.query)
    s = st.sessions.get((q.get("upload_id") or [""])[0])
    if s is None or (s["completed_at"] is None
                     and st.now() >= s["created_at"] + float(st.knob("session_ttl"))):
        return None
    return s


def put(h, st):
    s = _session(h, st)
    if s is None:
        return error(404, "notFound", "The upload session was not found or has expired.")
    if st.knob("session_needs_bearer"):
        rec = bearer(h, st)
        if rec is None or rec["user"] != s["user"]:
            return error(401, "authError")
    cr = (h.headers.get("Content-Range") or "").strip()
    raw = (h.headers.get("Content-Length") or "0").strip()
    if not raw.isdigit():
        return error(400, "invalidParameter", "A session request needs a Content-Length.")
    length = int(raw)
    if cr:
        m = RANGE_RE.match(cr)
        if not m:
            return error(400, "invalidParameter", "Malformed Content-Range.")
        if m.group(1) is None:
            return _status_query(h, st, s, m.group(3), length)
        return _chunk(h, st, s, int(m.group(1)), int(m.group(2)), m.group(3), length)
    if s["received"] or (s["total"] is not None and length != s["total"]):
        return error(400, "invalidParameter",
                     "Without Content-Range the request must carry the whole file.")
    if length <= 0:
        return error(400, "mediaBodyRequired", "The request has no media body.")
    return _chunk(h, st, s, 0, length - 1, str(length), length)


def _status_query(h, st, s, total, length):
    if length or (total != "*" and s["total"] is not None and int(total) != s["total"]):
        return error(400, "invalidParameter", "A status query has no body and the file's "
                     "total size.")
    if s["completed_at"] is not None:
        return yt_videos.insert_reply(st, s, int(st.knob("complete_status_code")))
    return _incomplete(h, st, s)


def _incomplete(h, st, s):
    headers = {"X-GUploader-UploadID": s["guploader"]}
    if s["received"]:
        headers["Range"] = f"bytes=0-{s['received'] - 1}"
    if st.knob("no308_header_honoured") and \
            (h.headers.get("X-GUploader-No-308") or "").lower() == "yes":
        headers["X-HTTP-Status-Code-Override"] = "308"
        return empty(200, headers=headers)
    return empty(308, headers=headers)


def _check_chunk(st, s, first, last, total, length):
    """None, or the 400 for a chunk that breaks a rule."""
    if total != "*" and s["total"] is not None and int(total) != s["total"]:
        return "the total in Content-Range is not the file's size"
    if last < first or last - first + 1 != length:
        return "Content-Range does not match Content-Length"
    if length > MAX_CHUNK:
        return "chunk too large for this sandbox"
    if first > s["received"]:
        return f"chunk starts at {first}, the session holds {s['received']} bytes"
    if first < s["received"] and st.knob("overlap") == "reject":
        return f"chunk starts at {first}, before the stored {s['received']} bytes"
    size = s["total"] if total == "*" or s["total"] is not None else int(total)
    if size is not None and last + 1 > size:
        return "chunk goes past the end of the file"
    final = size is not None and last + 1 == size
    if not final and st.knob("chunk_multiple") and length % QUANTUM:
        return f"a chunk other than the last must be a multiple of {QUANTUM} bytes"
    s["total"] = size  # learnt from the last chunk when the start did not say
    return None


def _chunk(h, st, s, first, last, total, length):
    if s["completed_at"] is not None:
        return yt_videos.insert_reply(st, s, int(st.knob("complete_status_code")))
    why = _check_chunk(st, s, first, last, total, length)
    if why:
        return error(400, "invalidParameter", why)
    data = h.read_body(limit=MAX_CHUNK)
    skip = s["received"] - first
    keep = data[skip:]
    cap = st.knob("partial_store")
    if cap is not None and len(keep) > int(cap):
        keep = keep[:int(cap) // QUANTUM * QUANTUM]
    with open(s["path"], "ab") as f:
        f.write(keep)
    with st.lock:
        s["received"] += len(keep)
        s.setdefault("puts", 0)
        s["puts"] += 1
        if s["total"] is not None and s["received"] == s["total"]:
            yt_videos.complete(st, s)
            return yt_videos.insert_reply(st, s, int(st.knob("complete_status_code")))
    return _incomplete(h, st, s)

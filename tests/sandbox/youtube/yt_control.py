"""Inspection and control under /_sandbox/ (JSON in, JSON out; README.md lists
every call).  Tests see what the sandbox received (videos with the SHA-256 of
their bytes and the metadata as sent; every upload session, with how many
sessions were opened for the same file), inject faults (the TikTok sandbox's
Fault), turn knobs and the clock, and reset.  No call returns a token, a code,
an upload id or the client secret.
"""
import json
import os
import sys
import urllib.parse

# tests/ on the path: the TikTok sandbox is the package "sandbox", whose
# modules import each other relatively.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from sandbox.sb_control import Fault  # noqa: E402

import yt_device  # noqa: E402
import yt_quota  # noqa: E402
import yt_videos  # noqa: E402
from yt_reply import control  # noqa: E402


def handle(h, st, method):
    try:
        body = h.read_body()
        args = json.loads(body) if body.strip() else {}
        if not isinstance(args, dict):
            raise ValueError("body must be a JSON object")
        with st.lock:
            return _route(h, st, method, h.url_path[len("/_sandbox/"):].strip("/"), args)
    except (ValueError, TypeError, KeyError) as e:
        return control({"error": str(e)}, status=400)


def _same_file(st, s):
    return sum(1 for o in st.sessions.values()
               if (o["channel_id"], _title(o), o["total"]) == (s["channel_id"], _title(s),
                                                                s["total"]))


def _title(s):
    return (s["body"].get("snippet") or {}).get("title")


def session_view(st, s):
    return {"session": s["seq"], "user": s["user"], "channel_id": s["channel_id"],
            "title": _title(s), "total": s["total"], "mime": s["mime"],
            "bytes_received": s["received"], "puts": s.get("puts", 0),
            "parts": s["parts"], "notify_subscribers": s["notify"],
            "created_at": s["created_at"], "completed_at": s["completed_at"],
            "video_id": s["video_id"], "sessions_same_file": _same_file(st, s)}


def video_view(st, s):
    sn = s["body"].get("snippet") or {}
    status = s["body"].get("status") or {}
    v = yt_videos.video_resource(st, s, ["status", "processingDetails"])
    media = s["media"] or {}
    return {"video_id": s["video_id"], "channel_id": s["channel_id"], "user": s["user"],
            "sha256": s["sha256"], "size": s["total"], "title": sn.get("title"),
            "description": sn.get("description"), "tags": sn.get("tags"),
            "category_id": sn.get("categoryId"),
            "privacy_requested": s["privacy_requested"], "privacy": s["privacy"],
            "made_for_kids": status.get("selfDeclaredMadeForKids"),
            "publish_at": status.get("publishAt"), "metadata": s["body"],
            "width": media.get("width"), "height": media.get("height"),
            "duration_s": media.get("duration_s"), "is_short": s["is_short"],
            "upload_status": v["status"]["uploadStatus"],
            "processing_status": v["processingDetails"]["processingStatus"],
            "thumbnail_sha256": s.get("thumbnail_sha256"),
            "uploads_same_sha256": sum(1 for o in st.videos.values()
                                       if o["sha256"] == s["sha256"]),
            "session": s["seq"], "file": s["path"]}


def _inspect(st, name, q):
    if name == "health":
        return control({"ok": True, "port": st.port, "now": st.now(), "service": "youtube"})
    if name == "config":
        return control({k: v for k, v in st.cfg.items() if k != "client_secret"})
    if name == "videos":
        vid = (q.get("id") or [None])[0]
        return control({"items": [video_view(st, s) for s in st.videos.values()
                                  if vid in (None, s["video_id"])]})
    if name == "sessions":
        return control({"items": [session_view(st, s)
                                  for s in sorted(st.sessions.values(), key=lambda s: s["seq"])]})
    if name == "requests":
        return control({"requests": list(st.requests)})
    if name == "faults":
        return control({"faults": [f.describe() for f in st.faults]})
    if name == "quota":
        return control(yt_quota.describe(st))
    return None


def _expire(st, args):
    now = st.now()
    for rec in st.access.values():
        rec["expires"] = min(rec["expires"], now)
    if args.get("refresh"):
        st.refresh.clear()
    return control({"ok": True})


def _route(h, st, method, name, args):
    q = urllib.parse.parse_qs(h.query)
    if method == "GET" or name in ("knobs", "clock"):
        r = _inspect(st, name, q) if method == "GET" else None
        if r is not None:
            return r
    if name == "knobs":
        return control(st.set_knobs(args) if method == "POST" else dict(st.knobs))
    if name == "clock":
        if method == "POST":
            st.clock.set(scale=args.get("scale"), advance=args.get("advance", 0),
                         at=args.get("set"))
        return control(dict(st.clock.describe(), pacific_day=st.pacific_day()))
    if method != "POST":
        return control({"error": f"no control call {method} /_sandbox/{name}"}, status=404)
    return _act(st, name, args)


def _act(st, name, args):
    if name == "requests/clear":
        st.requests.clear()
    elif name == "inject":
        st.fault_seq = getattr(st, "fault_seq", 0) + 1
        st.faults.append(Fault(st.fault_seq, args))
        return control({"id": st.fault_seq})
    elif name == "faults/clear":
        st.faults.clear()
    elif name == "expire_tokens":
        return _expire(st, args)
    elif name == "expire_sessions":
        for s in st.sessions.values():
            s["created_at"] = min(s["created_at"], st.now() - float(st.knob("session_ttl")))
    elif name == "outcome":
        if args["upload_status"] not in ("processed", "failed", "rejected"):
            raise ValueError("upload_status: processed, failed or rejected")
        st.outcomes.append({"upload_status": args["upload_status"], "reason": args.get("reason")})
    elif name == "quota":
        st.quota.update({k: int(args[k]) for k in ("units", "inserts") if k in args})
        st.quota["day"] = st.pacific_day()
    elif name == "device_answer":
        if not yt_device.answer(st, args["user_code"], args.get("user"),
                                bool(args.get("approve", True))):
            raise ValueError("no device request with that user_code")
    elif name == "reset":
        st.reset()
    else:
        return control({"error": f"no control call POST /_sandbox/{name}"}, status=404)
    return control({"ok": True})

"""Videos after their last byte: processing over sandbox time, the video
resource, videos.list (docs/youtube.md §5, §7).

complete() fixes a video's fate when its last byte arrives: a forced outcome
(/_sandbox/outcome) first, else the bytes decide: fewer than 1024 bytes are
failed/tooSmall, bytes that are not an MP4/MOV failed/invalidFile (knob
invalid_media), the channel's earlier upload with the same SHA-256
rejected/duplicate (knob reject_duplicates), a duration over the channel's
limit (15 minutes, 12 hours when phone-verified) rejected/length; else
processed.  The fate shows only after processing_delay sandbox seconds; until
then the video is uploadStatus "uploaded", processingStatus "processing" with a
progress that grows.  Privacy is locked to private for an unaudited project
(knob project_verified) whatever was asked.  Every uint64 goes out as a JSON
string, as YouTube sends them.
"""
import hashlib
import secrets
import time
import urllib.parse

import yt_quota
from yt_media import probe
from yt_reply import error, resource
from yt_state import LIST_SCOPES

FAILURE_PROCESSING = {"uploadAborted": "uploadFailed", "codec": "transcodeFailed",
                      "conversion": "transcodeFailed", "invalidFile": "transcodeFailed",
                      "emptyFile": "uploadFailed", "tooSmall": "transcodeFailed"}


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _video_id(st):
    while True:
        vid = secrets.token_urlsafe(8)[:11]
        if vid not in st.videos:
            return vid


def _fate(st, s, user):
    """(uploadStatus, reason) the video will end in."""
    if st.outcomes:
        o = st.outcomes.pop(0)
        return o["upload_status"], o.get("reason")
    if s["total"] < 1024:
        return "failed", "tooSmall"
    if s["media"] is None and st.knob("invalid_media") == "failed":
        return "failed", "invalidFile"
    if st.knob("reject_duplicates") and any(
            o["sha256"] == s["sha256"] and o["channel_id"] == s["channel_id"]
            for o in st.videos.values()):
        return "rejected", "duplicate"
    limit = 12 * 3600 if user["verified"] else 15 * 60
    if s["media"] and s["media"]["duration_s"] > limit:
        return "rejected", "length"
    return "processed", None


def _is_short(st, s):
    m = s["media"]
    day = time.strftime("%Y-%m-%d", time.gmtime(s["completed_at"]))
    # before the three-minute Shorts (15 Oct 2024) a Short was at most 60 s
    limit = float(st.knob("shorts_max_seconds")) if day >= st.knob("shorts_since") else 60.0
    return bool(m and m["width"] <= m["height"] and m["duration_s"] <= limit)


def complete(st, s):
    """Called under st.lock when the last byte is stored."""
    s["completed_at"] = st.now()
    s["sha256"] = _sha256(s["path"])
    s["media"] = probe(s["path"])
    s["is_short"] = _is_short(st, s)
    status = s["body"].get("status") or {}
    s["privacy_requested"] = status.get("privacyStatus", "public")
    s["privacy"] = s["privacy_requested"] if st.knob("project_verified") else "private"
    s["fate"] = _fate(st, s, st.user(s["user"]))
    s["video_id"] = _video_id(st)
    s["ready_at"] = s["completed_at"] + float(st.knob("processing_delay"))
    st.videos[s["video_id"]] = s


def _iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _snippet(st, s):
    sn = s["body"].get("snippet") or {}
    user = st.user(s["user"])
    title = sn.get("title") or "unknown"
    return {"publishedAt": _iso(s["completed_at"]), "channelId": s["channel_id"],
            "title": title, "description": sn.get("description", ""),
            "thumbnails": {"default": {"url": f"https://i.ytimg.invalid/vi/{s['video_id']}/"
                                              "default.jpg", "width": 120, "height": 90}},
            "channelTitle": user["channel_title"], "tags": sn.get("tags", []),
            "categoryId": str(sn.get("categoryId", "22")), "liveBroadcastContent": "none",
            "localized": {"title": title, "description": sn.get("description", "")}}


def _status(st, s, now):
    asked = s["body"].get("status") or {}
    up, reason = ("uploaded", None) if now < s["ready_at"] else s["fate"]
    out = {"uploadStatus": up, "privacyStatus": s["privacy"], "license": "youtube",
           "embeddable": True, "publicStatsViewable": True}
    if up == "failed":
        out["failureReason"] = reason
    if up == "rejected":
        out["rejectionReason"] = reason
    if "publishAt" in asked and s["privacy"] == "private":
        out["publishAt"] = asked["publishAt"]
    if asked.get("selfDeclaredMadeForKids") is not None:
        out["selfDeclaredMadeForKids"] = asked["selfDeclaredMadeForKids"]
        out["madeForKids"] = asked["selfDeclaredMadeForKids"]
    return out


def _processing(st, s, now):
    up, reason = ("uploaded", None) if now < s["ready_at"] else s["fate"]
    if up == "uploaded":
        span = max(1e-6, s["ready_at"] - s["completed_at"])
        done = min(999, int(1000 * (now - s["completed_at"]) / span))
        return {"processingStatus": "processing",
                "processingProgress": {"partsTotal": "1000", "partsProcessed": str(done),
                                       "timeLeftMs": str(int((s["ready_at"] - now) * 1000))}}
    if up == "failed":
        return {"processingStatus": "failed",
                "processingFailureReason": FAILURE_PROCESSING.get(reason, "other")}
    if up == "rejected":
        return {"processingStatus": st.knob("rejected_processing_status")}
    return {"processingStatus": "succeeded", "fileDetailsAvailability": "available",
            "thumbnailsAvailability": "available"}


def video_resource(st, s, parts, owner=True):
    now = st.now()
    out = {"kind": "youtube#video", "etag": secrets.token_urlsafe(20), "id": s["video_id"]}
    if "snippet" in parts:
        out["snippet"] = _snippet(st, s)
    if "status" in parts:
        out["status"] = _status(st, s, now)
    if "processingDetails" in parts and owner:
        out["processingDetails"] = _processing(st, s, now)
    if "fileDetails" in parts and owner:
        out["fileDetails"] = {"fileSize": str(s["total"])}
    return out


def insert_reply(st, s, status):
    return resource(video_resource(st, s, s["parts"]), status,
                    headers={"X-GUploader-UploadID": s["guploader"]})


def list_videos(h, st):
    import yt_upload
    q = urllib.parse.parse_qs(h.query)
    rec, user = yt_upload.data_auth(h, st, LIST_SCOPES)
    if rec is None:
        return user
    parts, bad = yt_upload.parts_of(q)
    if bad:
        return bad
    bad = yt_quota.charge(st, "list")
    if bad:
        return bad
    ids = [i for i in ",".join(q.get("id") or []).split(",") if i]
    if not ids:
        return error(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                     "id", location="id")
    with st.lock:
        items = [video_resource(st, st.videos[i], parts, st.videos[i]["user"] == user["email"])
                 for i in ids if i in st.videos]
    return resource({"kind": "youtube#videoListResponse", "etag": secrets.token_urlsafe(20),
                     "items": items,
                     "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})

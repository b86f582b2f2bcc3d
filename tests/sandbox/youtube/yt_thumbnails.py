"""thumbnails.set: a custom thumbnail for an uploaded video (docs/youtube.md §3.1).

POST /upload/youtube/v3/thumbnails/set?videoId=ID with the image as the body
(image/jpeg, image/png or application/octet-stream).  Costs thumbnail_cost (50)
units.  Refused: an empty body (400 mediaBodyRequired), bytes that are not JPEG
or PNG (400 invalidImage), more than thumbnail_max_bytes (2 MB, read as
2,097,152 bytes: which megabyte Google means is not known, hence the knob;
400 invalidImage), an unknown video (404 videoNotFound), another channel's
video (403 forbidden), a channel whose phone is not verified (403 forbidden:
custom thumbnails are an "advanced feature"; knob thumbnails_need_verified).
The sandbox records the thumbnail's SHA-256 on the video.
"""
import hashlib
import secrets
import urllib.parse

import yt_quota
from yt_reply import error, resource
from yt_state import INSERT_SCOPES

TYPES = {"image/jpeg", "image/png", "application/octet-stream"}


def _image_ok(data):
    return data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG\r\n\x1a\n")


def _refusal(st, user, video, data, ctype):
    if video is None:
        return error(404, "videoNotFound", "The video that you are trying to update cannot "
                     "be found.")
    if video["user"] != user["email"]:
        return error(403, "forbidden", "The thumbnail can't be set for the specified video.")
    if st.knob("thumbnails_need_verified") and not user["verified"]:
        return error(403, "forbidden", "The authenticated user doesn't have permissions to "
                     "upload and set custom video thumbnails.")
    if not data:
        return error(400, "mediaBodyRequired", "The request does not include the image "
                     "content.")
    if ctype not in TYPES or not _image_ok(data):
        return error(400, "invalidImage", "The provided image content is invalid.")
    if len(data) > int(st.knob("thumbnail_max_bytes")):
        return error(400, "invalidImage", "The thumbnail is larger than 2 MB.")
    return None


def set_thumbnail(h, st):
    import yt_upload
    q = urllib.parse.parse_qs(h.query)
    rec, user = yt_upload.data_auth(h, st, INSERT_SCOPES)
    if rec is None:
        return user
    vid = (q.get("videoId") or [""])[0]
    if not vid:
        return error(400, "missingRequiredParameter", "Required parameter: videoId",
                     location="videoId")
    bad = yt_quota.charge(st, "thumbnail")
    if bad:
        return bad
    data = h.read_body(limit=8 << 20)
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    with st.lock:
        video = st.videos.get(vid)
        bad = _refusal(st, user, video, data, ctype)
        if bad:
            return bad
        video["thumbnail_sha256"] = hashlib.sha256(data).hexdigest()
    base = f"https://i.ytimg.invalid/vi/{vid}/"
    sizes = {"default": (120, 90), "medium": (320, 180), "high": (480, 360)}
    item = {k: {"url": base + k + ".jpg", "width": w, "height": hh}
            for k, (w, hh) in sizes.items()}
    return resource({"kind": "youtube#thumbnailSetResponse",
                     "etag": secrets.token_urlsafe(20), "items": [item]})

"""The YouTube sandbox's world: config, knobs, clock, quota and memory.

One State per server process, shared by the handler threads and guarded by
st.lock.  Time is the TikTok sandbox's Clock (real time x scale + offset), so a
test can make the seven days of a "Testing" refresh token or a Pacific midnight
pass in a moment.  Nothing here speaks HTTP: yt_oauth, yt_upload, yt_videos and
yt_control turn requests into calls on this state.

Invariants: tokens, codes, upload ids and the client secret live only in the
dictionaries below; the request log and stderr see paths through redact(),
which blanks every secret-bearing query value (upload_id included: a session
URI is as good as a token).  reset() forgets everything but the config, the CA
and the id sequence, so no id is handed out twice by one process.
"""
import collections
import copy
import datetime
import hashlib
import json
import os
import re
import sys
import urllib.parse
import zoneinfo

# tests/ on the path: the TikTok sandbox is the package "sandbox", whose
# modules import each other relatively.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from sandbox.sb_state import BaseState, redact as tiktok_redact  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = [SCOPE + s for s in ("youtube", "youtube.upload", "youtube.readonly",
                                    "youtube.force-ssl", "youtubepartner")] + [
    "openid", "email", "profile"]
INSERT_SCOPES = {SCOPE + s for s in ("youtube.upload", "youtube", "youtubepartner",
                                     "youtube.force-ssl")}
LIST_SCOPES = {SCOPE + s for s in ("youtube.readonly", "youtube", "youtube.force-ssl",
                                   "youtubepartner")}
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")

# Knobs: switches settable through /_sandbox/knobs and the config's "knobs".
# README.md documents each one and the uncertainty it covers.
DEFAULT_KNOBS = {
    # OAuth
    "require_pkce": True,             # our client must send a challenge (Google: optional)
    "allow_plain_pkce": True,         # Google accepts method "plain"
    "code_lifetime": 600,
    "access_token_lifetime": 3599,
    "rotate_refresh": False,          # Google does not rotate refresh tokens (normally)
    "refresh_needs_offline": False,   # [?] refresh token only with access_type=offline
    "testing_mode": False,            # consent screen "Testing": refresh tokens die in 7 days
    "testing_refresh_lifetime": 7 * 86400,
    "max_refresh_tokens": 100,        # per (user, client): the 101st kills the oldest
    "consent_user": None,             # None: login_hint, else the config's default_user
    "consent_scopes": None,           # granular consent: the scopes the user ticks
    "consent_deny": False,            # the user presses "Cancel"
    "device_upload_scope": False,     # [?] device flow may ask for youtube.upload
    # quota (project-wide, reset at Pacific midnight in sandbox time)
    "quota_model": "units",           # "units": insert 1600 of 10000; "bucket": 100 inserts
    "daily_units": 10000,
    "insert_cost": 1600,
    "insert_bucket": 100,
    "list_cost": 1,
    "thumbnail_cost": 50,
    "thumbnail_max_bytes": 2 << 20,   # [?] "2 MB": 2,097,152 or 2,000,000
    "thumbnails_need_verified": True,  # custom thumbnails need a phone-verified channel
    "channel_daily_uploads": None,    # per-channel cap (uploadLimitExceeded), None: off
    # session start
    "upload_length_header": "required",   # "required" or "optional" [?]
    "check_upload_type": True,        # X-Upload-Content-Type must be video/* or octet-stream
    "title_max": 100,                 # characters (code points)
    "description_max": 5000,
    "description_unit": "bytes",      # UTF-8 bytes, or "characters"
    "tags_max": 500,
    "missing_title": "derive",        # "derive" (file name / "unknown") or "reject"
    "privacy_error_reason": "invalidParameter",  # or "invalidVideoMetadata" [?]
    "require_made_for_kids": False,   # YouTube accepts without; our client always sends it
    "project_verified": False,        # audited project? unaudited: every upload private (locked)
    "max_file_size": 256 << 30,
    # session PUTs
    "session_ttl": 7 * 86400,         # [?] YouTube does not say; Drive/GCS: one week
    "session_needs_bearer": True,     # chunk PUTs must carry the channel's token
    "chunk_multiple": True,           # non-final chunks must be multiples of 256 KiB [?]
    "overlap": "accept",              # chunk before the stored end: "accept" or "reject" [?]
    "partial_store": None,            # store at most this many bytes (256 KiB multiple) per chunk
    "no308_header_honoured": True,    # X-GUploader-No-308: yes -> 200 + override header
    "complete_status_code": 201,      # answer to the last byte (201; 200 also seen)
    # processing
    "processing_delay": 5.0,          # sandbox seconds from last byte to the outcome
    "invalid_media": "failed",        # not MP4/MOV: "failed" (invalidFile) or "processed"
    "reject_duplicates": True,        # same sha256 as an earlier upload of the channel
    "rejected_processing_status": "succeeded",  # [INF] processingStatus of a rejected video
    "shorts_since": "2024-10-15",     # uploads from this day on may be three-minute Shorts
    "shorts_max_seconds": 180,
    "body_timeout": 30.0,             # real seconds without body bytes (shared plumbing)
}


def load_config(path):
    with open(path, encoding="utf-8") as f:
        return normalize_config(json.load(f))


def normalize_config(cfg):
    cfg = copy.deepcopy(cfg)
    for key in ("client_id", "client_secret", "users"):
        if key not in cfg:
            raise ValueError(f"config: missing {key}")
    cfg.setdefault("knobs", {})
    unknown = set(cfg["knobs"]) - set(DEFAULT_KNOBS)
    if unknown:
        raise ValueError(f"config: unknown knobs {sorted(unknown)}")
    users = []
    for i, u in enumerate(cfg["users"]):
        u = dict(u)
        u.setdefault("email", f"user{i}@sandbox.invalid")
        digest = hashlib.sha256(u["email"].encode()).digest()
        u.setdefault("channel_id", "UC" + _b64(digest)[:22])
        u.setdefault("channel_title", u["email"].split("@")[0])
        u.setdefault("has_channel", True)
        u.setdefault("verified", False)   # phone-verified: 12 h videos, else 15 min
        users.append(u)
    if not users:
        raise ValueError("config: at least one user")
    cfg["users"] = users
    cfg.setdefault("default_user", users[0]["email"])
    return cfg


def _b64(raw):
    import base64
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


SECRET_PARAMS = {"upload_id", "token", "code", "code_verifier", "client_secret",
                 "refresh_token", "access_token"}
_TOKEN_RE = re.compile(r"\b(ya29\.|1//|4/0A)[A-Za-z0-9_\-.]+")


def redact(path):
    """@path with every secret-bearing query value blanked."""
    parts = urllib.parse.urlsplit(path)
    out = []
    for item in parts.query.split("&") if parts.query else []:
        k, sep, _ = item.partition("=")
        out.append(k + "=REDACTED" if sep and urllib.parse.unquote_plus(k) in SECRET_PARAMS
                   else item)
    return tiktok_redact(parts.path + ("?" + "&".join(out) if out else ""))


def scrub(text):
    return _TOKEN_RE.sub(r"\1REDACTED", text)


class State(BaseState):
    DEFAULT_KNOBS = DEFAULT_KNOBS
    UPLOAD_DIR = "yt-uploads"

    def forget(self):
        self.codes = {}          # code -> authorization
        self.access = {}         # access token -> {user, scopes, expires, grant}
        self.refresh = {}        # refresh token -> {user, scopes, issued, grant, seq}
        self.devices = {}        # device_code -> device-flow request
        self.sessions = {}       # upload_id -> Session
        self.videos = {}         # video id -> Session (completed)
        self.quota = {"day": None, "units": 0, "inserts": 0}
        self.channel_uploads = collections.Counter()  # (day, channel) -> count
        self.outcomes = []       # forced outcomes for the next completed uploads

    def user(self, email):
        for u in self.cfg["users"]:
            if email in (u["email"], u["channel_id"]):
                return u
        return None

    def pacific_day(self, t=None):
        """The quota day: the date at America/Los_Angeles, in sandbox time."""
        t = self.now() if t is None else t
        return datetime.datetime.fromtimestamp(t, PACIFIC).date().isoformat()

    def log_request(self, method, path, status, code):
        with self.lock:
            self.requests.append({"t": self.now(), "method": method, "path": redact(path),
                                  "status": status, "error": code})

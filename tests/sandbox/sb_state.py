"""The sandbox's world: its config, its clock, its knobs and everything it remembers.

One State object per server process, shared by all handler threads and guarded by
one lock (st.lock).  Every rule that depends on time reads st.now(), the sandbox
clock: real time x scale + offset, so tests can make a rate-limit minute pass in a
second or jump a day ahead.  Nothing here speaks HTTP; sb_oauth, sb_posting,
sb_upload and sb_control turn requests into calls on this state.

Invariants: secrets (tokens, upload tokens, client_secret, codes) live only in the
dictionaries below and are never copied into the request log or stderr
(redact() is applied to every logged path); reset() forgets everything except the
config, the CA and the id sequence (so a publish_id is never handed out twice by
one process).
"""
import collections
import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
import urllib.parse
import uuid

PUBLIC_OPTIONS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
PRIVATE_OPTIONS = ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
ALL_SCOPES = ["user.info.basic", "user.info.profile", "user.info.stats",
              "video.publish", "video.upload", "video.list"]
POST_ID_BASE = 7412345678901234567  # > 2**53: catches clients that parse via double

# Knobs: behaviour switches, settable at run time through /_sandbox/knobs and as
# initial values in the config's "knobs" object.  README.md documents each one.
DEFAULT_KNOBS = {
    "oauth_error_status": 200,        # §11.5: HTTP status of OAuth errors
    "require_pkce": True,             # desktop app: challenge required at authorize
    "pkce_hex_case": "lower",         # §11 / §2.3: "lower" only, or "any"
    "rotate_refresh": True,           # refresh grant returns a new refresh token
    "invalidate_old_refresh": True,   # ...and the old one stops working
    "refresh_grace_seconds": 0,       # §11.9: old refresh token still valid this long
    "refresh_resets_lifetime": False,  # §11.9: the 180 days restart on each refresh
    "code_lifetime": 300,
    "access_token_lifetime": None,    # None: from the config
    "refresh_token_lifetime": None,
    "consent_user": None,             # None: config default_user
    "consent_scopes": None,           # None: the user ticks every requested scope
    "consent_deny": False,            # the user presses "Cancel"
    "mb": "binary",                   # §11.1: "binary" (MiB) or "decimal"
    "max_video_size": None,           # §11.3: None: 4 GiB (binary) / 4 GB (decimal)
    "single_chunk_exact": False,      # count 1 requires chunk_size == video_size
    "multi_chunk_rejected": False,    # §11.2: every multi-chunk plan refused
    "plan_error_code": "invalid_params",  # §11.4: code for chunk-plan violations
    "param_error_code": "invalid_param",  # §11.4: code for other body errors
    "require_brand_content_toggle": False,  # the table marks it required
    "unaudited_options_self_only": False,   # §11.7: creator_info list filtered
    "unaudited_privacy": "reject",    # §11.7: non-SELF_ONLY from unaudited app: or "allow"
    "audited": None,                  # None: from the config
    "daily_post_cap": None,           # None: from the config / user
    "active_user_cap": None,          # None: 5 when unaudited, else config value
    "pending_share_cap": 5,
    "shared_init_budget": False,      # §11.8: the two inits share one 6/min budget
    "user_info_limit_per": "token",   # §11.8: "token" or "app"
    "rate_limits": {"video_init": 6, "inbox_init": 6, "creator_info": 20,
                    "status": 30, "user_info": 600, "cancel": 30},
    "unlimited": False,               # lift all rate limits and caps (benchmarks)
    "processing_delay": 2.0,          # sandbox seconds after the last byte
    "moderation_delay": 1800.0,       # public post: id appears this much later
    "inbox_user_posts_after": None,   # seconds after SEND_TO_USER_INBOX, None: never
    "upload_url_lifetime": 3600,
    "expired_upload_status": "PROCESSING_UPLOAD",  # §11.10: or "FAILED"
    "content_range_reply": "last_index",  # §11.6: "last_index" or "count"
    "error_data": "empty",            # §11.11: data {} on errors, or "absent"
    "inbox_post_info": "ignore",      # §11.12: "ignore" or "reject"
    "upload_path": "/video/",         # or "/upload/" (one doc example)
    "keep_upload_bytes": True,        # False: only hash (huge benchmark uploads)
    "body_timeout": 30.0,             # real seconds without body bytes -> 400
}

# Posting switches (issue 10), kept in their own block.  The defaults are the
# ones today's client survives; README.md ("Defaults that are not TikTok's")
# says which TikTok-like value each would have and what it waits for.
POSTING_KNOBS = {
    "chunk_max": 64000000,            # §5.6: bytes in any chunk but a multi-chunk
                                      # plan's last one (64 MB read as decimal)
    "unaudited_rule": "reject",       # §7/§11.7: unaudited init that is not
                                      # SELF_ONLY to a private account: "reject"
                                      # (403) or "self_only" (accepted, made private)
    "creator_info_body": "accept",    # §5.1: "accept" empty or {}; "none": any
                                      # body bytes -> 400 (TikTok's curl sends none)
}
DEFAULT_KNOBS.update(POSTING_KNOBS)

# Login Kit switches (sb_oauth.py): what the app is approved for and who may log
# in to it.  None: the config's "scopes" / "target_users".
OAUTH_KNOBS = {
    "app_scopes": None,               # e.g. ["user.info.basic", "video.upload"]: drafts only
    "target_users": None,             # sandbox app: usernames allowed to log in
    "login_user": None,               # who signs in when the page asks again
                                      # (disable_auto_auth=1); None: the browser's user
}
DEFAULT_KNOBS.update(OAUTH_KNOBS)


def log_id(now):
    """TikTok's 34-char log id: UTC YYYYMMDDhhmmss + 20 upper-case hex digits."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + secrets.token_hex(10).upper()


SECRET_PARAMS = {"upload_token", "token", "access_token", "refresh_token", "code",
                 "code_verifier", "client_secret"}


def redact(path):
    """The path with the value of every secret-bearing query parameter replaced."""
    parts = urllib.parse.urlsplit(path)
    if not parts.query:
        return parts.path
    out = []
    for item in parts.query.split("&"):
        k, sep, _ = item.partition("=")
        name = urllib.parse.unquote_plus(k)
        if sep and (name in SECRET_PARAMS or "token" in name or "secret" in name):
            out.append(k + "=REDACTED")
        else:
            out.append(item)
    return parts.path + "?" + "&".join(out)


_SECRET_RE = re.compile(r"((?:upload_token|token|code|code_verifier|client_secret)=)[^&\s\"]+")
_TOKEN_RE = re.compile(r"\b(act|rft)\.[A-Za-z0-9_\-!*.]+")


def scrub(text):
    """Defence in depth for free-form log lines."""
    return _TOKEN_RE.sub(r"\1.REDACTED", _SECRET_RE.sub(r"\1REDACTED", text))


def utf16_units(s):
    # surrogatepass: JSON may carry lone surrogates; each still counts one unit.
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


class Clock:
    """Sandbox time = real time x scale + offset, rebased on every change so that
    changing the scale never makes time jump."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.base_real = time.time()
        self.base_sb = self.base_real
        self.scale = 1.0

    def now(self):
        return self.base_sb + (time.time() - self.base_real) * self.scale

    def set(self, scale=None, advance=0.0, at=None):
        cur = self.now() if at is None else float(at)
        self.base_sb = cur + float(advance or 0)
        self.base_real = time.time()
        if scale is not None:
            if float(scale) <= 0:
                raise ValueError("scale must be > 0")
            self.scale = float(scale)

    def describe(self):
        return {"now": self.now(), "scale": self.scale, "offset": self.now() - time.time()}


class BaseState:
    """What the memory of every sandbox (this one, youtube/) holds alike: the
    lock, the config, the clock, the id sequence, the knobs, the faults, the
    request log and the folder of uploads.  A sandbox's State names its
    DEFAULT_KNOBS and UPLOAD_DIR and fills forget() with the rest of what a
    reset forgets; reset() keeps the config, the CA and the id sequence."""

    DEFAULT_KNOBS = {}
    UPLOAD_DIR = "uploads"

    def __init__(self, config, directory, port=0):
        self.lock = threading.RLock()
        self.cfg = config
        self.dir = directory
        self.port = port
        self.clock = Clock()
        self.seq = 0  # never reset: ids stay unique for the life of the process
        self.upload_dir = os.path.join(directory, self.UPLOAD_DIR)
        self.reset()

    def reset(self):
        with self.lock:
            self.clock.reset()
            self.knobs = copy.deepcopy(self.DEFAULT_KNOBS)
            self.knobs.update(copy.deepcopy(self.cfg.get("knobs", {})))
            self.faults = []
            self.requests = collections.deque(maxlen=20000)
            self.forget()
            shutil.rmtree(self.upload_dir, ignore_errors=True)
            os.makedirs(self.upload_dir, exist_ok=True)

    def forget(self):
        """The sandbox's own memory, emptied (lock held)."""

    def now(self):
        return self.clock.now()

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def knob(self, name):
        return self.knobs[name]

    def set_knobs(self, changes):
        with self.lock:
            unknown = set(changes) - set(self.DEFAULT_KNOBS)
            if unknown:
                raise ValueError(f"unknown knobs {sorted(unknown)}")
            for k, v in changes.items():
                self.set_knob(k, v)
            return copy.deepcopy(self.knobs)

    def set_knob(self, name, value):
        self.knobs[name] = value


def load_config(path):
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    return normalize_config(cfg)


def normalize_config(cfg):
    cfg = copy.deepcopy(cfg)
    for key in ("client_key", "client_secret", "redirect_uris", "users"):
        if key not in cfg:
            raise ValueError(f"config: missing {key}")
    if not isinstance(cfg["redirect_uris"], list) or not cfg["redirect_uris"]:
        raise ValueError("config: redirect_uris must be a non-empty list")
    cfg.setdefault("audited", True)
    cfg.setdefault("daily_post_cap", 15)
    cfg.setdefault("access_token_lifetime", 7200)       # 2 hours (Nov 2026)
    cfg.setdefault("refresh_token_lifetime", 15552000)  # 180 days
    cfg.setdefault("target_users", None)                # None: every user
    cfg.setdefault("active_user_cap", None)
    cfg.setdefault("scopes", list(ALL_SCOPES))
    cfg.setdefault("verified_url_prefixes", [])
    cfg.setdefault("knobs", {})
    unknown = set(cfg["knobs"]) - set(DEFAULT_KNOBS)
    if unknown:
        raise ValueError(f"config: unknown knobs {sorted(unknown)}")
    users = []
    for i, u in enumerate(cfg["users"]):
        u = dict(u)
        u.setdefault("username", u.pop("name", None) or f"user{i}")
        name = u["username"]
        u.setdefault("nickname", name)
        u.setdefault("open_id", str(uuid.uuid5(uuid.NAMESPACE_URL, "tiktok-sandbox/" + name)))
        u.setdefault("union_id", str(uuid.uuid5(uuid.NAMESPACE_URL, "tiktok-sandbox-union/" + name)))
        u.setdefault("private", False)
        u.setdefault("privacy_level_options",
                     list(PRIVATE_OPTIONS if u["private"] else PUBLIC_OPTIONS))
        u.setdefault("comment_disabled", False)
        # §5.1: duet/stitch are disabled for private accounts
        u.setdefault("duet_disabled", bool(u["private"]))
        u.setdefault("stitch_disabled", bool(u["private"]))
        u.setdefault("max_video_post_duration_sec", 300)
        u.setdefault("banned", False)
        u.setdefault("daily_post_cap", None)
        u.setdefault("avatar_url", f"https://sandbox.invalid/avatar/{name}.jpeg")
        u.setdefault("bio_description", "")
        u.setdefault("is_verified", False)
        u.setdefault("follower_count", 0)
        u.setdefault("following_count", 0)
        u.setdefault("likes_count", 0)
        u.setdefault("video_count", 0)
        users.append(u)
    cfg["users"] = users
    if not users:
        raise ValueError("config: at least one user")
    cfg.setdefault("default_user", users[0]["username"])
    if not any(u["username"] == cfg["default_user"] for u in users):
        raise ValueError("config: default_user is not a user")
    return cfg


class Task:
    """One publish_id: what the client declared, what arrived, where it stands."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


class State(BaseState):
    DEFAULT_KNOBS = DEFAULT_KNOBS

    # ---- lifecycle -------------------------------------------------------
    def forget(self):
        self.codes = {}        # code -> dict
        self.authorizations = []  # one per code issued: who, asked or silent
        self.grants = {}       # grant id -> dict (one authorization)
        self.access = {}       # access token -> dict
        self.refresh = {}      # refresh token -> dict
        self.tasks = {}        # publish_id -> Task
        self.uploads = {}      # upload_id -> Task
        self.windows = collections.defaultdict(collections.deque)
        self.fail_next = []    # [{"fail_reason":..., "remaining":n}]
        self.expire_next_upload = 0

    # ---- knobs and derived values ---------------------------------------
    def set_knob(self, name, value):
        if name == "rate_limits" and isinstance(value, dict):
            self.knobs["rate_limits"].update(value)
        else:
            self.knobs[name] = value

    def audited(self):
        a = self.knobs["audited"]
        return self.cfg["audited"] if a is None else bool(a)

    def mb(self):
        return 1 << 20 if self.knobs["mb"] == "binary" else 1000000

    def max_video_size(self):
        m = self.knobs["max_video_size"]
        if m is not None:
            return int(m)
        return 4 << 30 if self.knobs["mb"] == "binary" else 4000000000

    def access_lifetime(self):
        v = self.knobs["access_token_lifetime"]
        return self.cfg["access_token_lifetime"] if v is None else v

    def refresh_lifetime(self):
        v = self.knobs["refresh_token_lifetime"]
        return self.cfg["refresh_token_lifetime"] if v is None else v

    def daily_cap(self, user):
        v = self.knobs["daily_post_cap"]
        if v is not None:
            return int(v)
        if user.get("daily_post_cap") is not None:
            return int(user["daily_post_cap"])
        return int(self.cfg["daily_post_cap"])

    def active_user_cap(self):
        v = self.knobs["active_user_cap"]
        if v is not None:
            return int(v)
        if not self.audited():
            return 5
        c = self.cfg.get("active_user_cap")
        return None if c is None else int(c)

    # ---- users -----------------------------------------------------------
    def user_by_name(self, name):
        for u in self.cfg["users"]:
            if u["username"] == name or u["open_id"] == name:
                return u
        return None

    def user_by_open_id(self, open_id):
        for u in self.cfg["users"]:
            if u["open_id"] == open_id:
                return u
        return None

    def redirect_registered(self, uri):
        for reg in self.cfg["redirect_uris"]:
            if uri == reg:
                return True
            if ":*/" in reg or reg.endswith(":*"):
                # desktop apps may register a wildcard port (§2.1)
                pat = "^" + re.escape(reg).replace(r"\*", "[0-9]{1,5}") + "$"
                if re.match(pat, uri):
                    return True
        return False

    # ---- Login Kit: the app's approval and its target users ---------------
    def app_scopes(self):
        v = self.knobs["app_scopes"]
        return self.cfg["scopes"] if v is None else v

    def is_target_user(self, user):
        v = self.knobs["target_users"]
        allowed = self.cfg.get("target_users") if v is None else v
        return allowed is None or user["username"] in allowed

    # ---- rate limiting -------------------------------------------------
    def rate_ok(self, key, limit, now):
        """Sliding 60-second window: at most @limit requests in any 60 s."""
        dq = self.windows[key]
        while dq and dq[0] <= now - 60:
            dq.popleft()
        if len(dq) >= limit:
            return False
        dq.append(now)
        return True

    # ---- tasks -----------------------------------------------------------
    def task_status(self, t, now):
        """The status/fetch view of a task at sandbox time @now."""
        d = self._task_status(t, now)
        order = ("status", "fail_reason", "publicaly_available_post_id", "uploaded_bytes",
                 "downloaded_bytes")
        return {key: d[key] for key in order if key in d}

    def _task_status(self, t, now):
        k = self.knobs
        data = {}
        if t.source == "FILE_UPLOAD":
            data["uploaded_bytes"] = t.uploaded
        else:
            data["downloaded_bytes"] = t.downloaded
        data["publicaly_available_post_id"] = []
        if t.fail_reason and now >= t.failed_at:
            data["status"] = "FAILED"
            data["fail_reason"] = t.fail_reason
            return data
        if t.source == "FILE_UPLOAD":
            if t.completed_at is None:
                if now >= t.upload_expires and k["expired_upload_status"] == "FAILED":
                    data["status"] = "FAILED"
                    data["fail_reason"] = "internal"
                else:
                    data["status"] = "PROCESSING_UPLOAD"
                return data
            ready = t.completed_at + float(k["processing_delay"])
            pending = "PROCESSING_UPLOAD"
        else:
            ready = t.created_at + float(k["processing_delay"])
            pending = "PROCESSING_DOWNLOAD"
        if now < ready:
            data["status"] = pending
            return data
        if t.source == "PULL_FROM_URL":
            data["downloaded_bytes"] = t.downloaded = t.video_size or 0
        if t.injected_fail:
            data["status"] = "FAILED"
            data["fail_reason"] = t.injected_fail
            return data
        if t.mode == "inbox":
            posted = t.inbox_posted_at
            after = k["inbox_user_posts_after"]
            if posted is None and after is not None:
                posted = ready + float(after)
            if posted is None or now < posted:
                data["status"] = "SEND_TO_USER_INBOX"
                return data
            ready = posted
        data["status"] = "PUBLISH_COMPLETE"
        if t.public and now >= ready + float(k["moderation_delay"]):
            data["publicaly_available_post_id"] = [t.post_id]
        return data

    def is_final(self, t, now):
        return self.task_status(t, now)["status"] in ("FAILED", "PUBLISH_COMPLETE")

    def received(self, t):
        now = self.now()
        view = self.task_status(t, now)
        same_sha = (sum(1 for o in self.tasks.values() if o.sha256 == t.sha256)
                    if t.sha256 else None)
        same_item = sum(1 for o in self.tasks.values()
                        if (o.open_id, o.title, o.video_size) == (t.open_id, t.title, t.video_size))
        pi = t.post_info or {}
        return {
            "publish_id": t.publish_id, "mode": t.mode, "source": t.source,
            "user": t.username, "open_id": t.open_id,
            "video_size": t.video_size, "chunk_size": t.chunk_size,
            "total_chunk_count": t.total_chunk_count,
            "bytes_received": t.uploaded, "chunks_received": t.puts,
            "sha256": t.sha256, "file": t.path if self.knobs["keep_upload_bytes"] else None,
            "video_url": t.video_url,
            "title": t.title, "privacy_level": pi.get("privacy_level"),
            "privacy_level_applied": getattr(t, "privacy_applied", None),
            "disable_duet": pi.get("disable_duet"), "disable_comment": pi.get("disable_comment"),
            "disable_stitch": pi.get("disable_stitch"),
            "brand_content_toggle": pi.get("brand_content_toggle"),
            "brand_organic_toggle": pi.get("brand_organic_toggle"),
            "is_aigc": pi.get("is_aigc"),
            "video_cover_timestamp_ms": pi.get("video_cover_timestamp_ms"),
            "post_info_keys": sorted(pi.keys()),
            "inits_same_sha256": same_sha, "inits_same_item": same_item,
            "status": view["status"], "fail_reason": view.get("fail_reason"),
            "post_ids": view["publicaly_available_post_id"], "post_id": t.post_id,
            "created_at": t.created_at, "completed_at": t.completed_at,
        }

    def new_upload_file(self, publish_seq):
        return os.path.join(self.upload_dir, f"{publish_seq}.bin")

    def post_id_base(self):
        return POST_ID_BASE

    def hasher(self):
        return hashlib.sha256()

    # ---- request log -----------------------------------------------------
    def log_request(self, method, path, status, code):
        with self.lock:
            self.requests.append({"t": self.now(), "method": method, "path": redact(path),
                                  "status": status, "error": code})

"""The enveloped data endpoints: user info, creator info, the two video inits,
status fetch and cancel (docs/tiktok.md §3, §4, §5, §7, §8).

Every request goes through the same gate, in this order: bearer token (401
access_token_invalid), scope (401 scope_not_authorized), rate limit on a sliding
60-s window per token (429 rate_limit_exceeded), JSON content type and body (400),
then the endpoint's own rules.  Init rules run in §8's order: chunk plan (400
invalid_params), then privacy, audit, ban, daily cap, active-user cap, title length.
"""
import json
import re
import secrets
import urllib.parse

from .sb_reply import envelope, param_error
from .sb_state import Task, utf16_units

USER_FIELDS = {
    "open_id": "user.info.basic", "union_id": "user.info.basic",
    "avatar_url": "user.info.basic", "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic", "display_name": "user.info.basic",
    "username": "user.info.profile", "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile", "is_verified": "user.info.profile",
    "follower_count": "user.info.stats", "following_count": "user.info.stats",
    "likes_count": "user.info.stats", "video_count": "user.info.stats",
}
PRIVACY_LEVELS = {"PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"}
DAY = 86400.0
BOOL_FIELDS = ("disable_duet", "disable_stitch", "disable_comment", "brand_content_toggle",
               "brand_organic_toggle", "is_aigc")


class Refused(Exception):
    def __init__(self, reply):
        super().__init__("refused")
        self.reply = reply


def _gate(h, st, scopes, bucket):
    """Token, scope and rate limit; returns (token, grant, user) or raises Refused."""
    m = re.match(r"^Bearer +(\S+)$", h.headers.get("Authorization") or "", re.I)
    now = st.now()
    rec = st.access.get(m.group(1)) if m else None
    if rec is None or now >= rec["expires"] or rec["grant"]["revoked"]:
        raise Refused(envelope(st, code="access_token_invalid", status=401,
                               message="The access token is invalid or not found in the request."))
    grant = rec["grant"]
    if not any(s in grant["scopes"] for s in scopes):
        raise Refused(envelope(st, code="scope_not_authorized", status=401,
                               message="The user did not authorize the scope required for "
                                       "completing this request."))
    if not st.knob("unlimited"):
        limit = int(st.knob("rate_limits")[bucket])
        who = m.group(1)
        if bucket == "user_info" and st.knob("user_info_limit_per") == "app":
            who = "app"
        if bucket in ("video_init", "inbox_init") and st.knob("shared_init_budget"):
            bucket = "init"
        if not st.rate_ok((who, bucket), limit, now):
            raise Refused(envelope(st, code="rate_limit_exceeded", status=429,
                                   message="The API rate limit was exceeded. Please retry later."))
    return m.group(1), grant, st.user_by_open_id(grant["open_id"])


def _json_body(h, st, allow_empty=False):
    ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    raw = h.read_body()
    if ctype != "application/json":
        raise Refused(param_error(st, "The Content-Type must be application/json."))
    if not raw.strip():
        if allow_empty:
            return {}
        raise Refused(param_error(st, "The request body is empty."))
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(param_error(st, "The request body is not valid JSON."))
    if not isinstance(obj, dict):
        raise Refused(param_error(st, "The request body must be a JSON object."))
    return obj


# The body is read before the lock is taken (it may be slow to arrive) but judged
# after the token: a bad token is answered 401 before a bad body is answered 400.
def gate_first(scopes, bucket, allow_empty=False):
    def wrap(fn):
        def run(h, st):
            try:
                h.read_body()
                with st.lock:
                    tok, grant, user = _gate(h, st, scopes, bucket)
                obj = _json_body(h, st, allow_empty)
                with st.lock:
                    return fn(h, st, tok, grant, user, obj)
            except Refused as r:
                return r.reply
        return run
    return wrap


# ---- user info ------------------------------------------------------------
def user_info(h, st):
    try:
        with st.lock:
            tok, grant, user = _gate(h, st, ["user.info.basic", "user.info.profile",
                                             "user.info.stats"], "user_info")
    except Refused as r:
        return r.reply
    q = urllib.parse.parse_qs(h.query, keep_blank_values=True)
    fields = (q.get("fields") or [""])[0]
    if not fields:
        return envelope(st, code="invalid_params", status=400,
                        message="The fields parameter is required.")
    names = [f.strip() for f in fields.split(",") if f.strip()]
    for f in names:
        if f not in USER_FIELDS:
            return envelope(st, code="invalid_params", status=400, message=f"Unknown field: {f}")
    missing = [f for f in names if USER_FIELDS[f] not in grant["scopes"]]
    if missing:
        return envelope(st, code="scope_permission_missed", status=400,
                        message="Some requested fields need scopes the user did not grant: "
                                + ",".join(missing))
    full = dict(user)
    full["display_name"] = user["nickname"]
    full["avatar_url_100"] = full["avatar_large_url"] = user["avatar_url"]
    full["profile_deep_link"] = f"https://vm.tiktok.com/sandbox/{user['username']}"
    return envelope(st, {"user": {f: full[f] for f in names}})


# ---- caps -------------------------------------------------------------------
def _recent(st, now, pred):
    return [t for t in st.tasks.values() if t.created_at > now - DAY and pred(t)]


def _cap_error(st, user, now, direct):
    """The first business cap this user hits, or None (§7)."""
    if user.get("banned"):
        return "spam_risk_user_banned_from_posting"
    if st.knob("unlimited"):
        return None
    if direct:
        posts = _recent(st, now, lambda t: t.open_id == user["open_id"] and t.mode == "direct"
                        and st.task_status(t, now)["status"] != "FAILED")
        if len(posts) >= st.daily_cap(user):
            return "spam_risk_too_many_posts"
    cap = st.active_user_cap()
    if cap is not None:
        active = {t.open_id for t in _recent(st, now, lambda t: True)}
        if user["open_id"] not in active and len(active) >= cap:
            return "reached_active_user_cap"
    return None


CAP_MESSAGES = {
    "spam_risk_user_banned_from_posting": "The user is banned from making new posts.",
    "spam_risk_too_many_posts": "The daily post cap of this creator has been reached.",
    "reached_active_user_cap": "The daily quota of active publishing users of this client "
                               "has been reached.",
    "spam_risk_too_many_pending_share": "Too many pending shares: the user must finish or "
                                        "delete the drafts in the TikTok app.",
}


# ---- creator info -----------------------------------------------------------
@gate_first(["video.publish"], "creator_info", allow_empty=True)
def creator_info(h, st, tok, grant, user, body):
    # TikTok's own example sends no body; clients sending {} are observed to
    # work.  Knob creator_info_body "none" refuses any body byte, so a test
    # can prove a client sends none.
    if st.knob("creator_info_body") == "none" and h.read_body():
        return param_error(st, "creator_info/query takes no request body.")
    now = st.now()
    code = _cap_error(st, user, now, direct=True)
    if code:  # HTTP 200 on purpose (§5.1)
        return envelope(st, code=code, message=CAP_MESSAGES[code], status=200)
    opts = list(user["privacy_level_options"])
    if not st.audited() and st.knob("unaudited_options_self_only"):
        opts = ["SELF_ONLY"]
    return envelope(st, {
        "creator_avatar_url": user["avatar_url"],
        "creator_username": user["username"],
        "creator_nickname": user["nickname"],
        "privacy_level_options": opts,
        "comment_disabled": bool(user["comment_disabled"]),
        "duet_disabled": bool(user["duet_disabled"]),
        "stitch_disabled": bool(user["stitch_disabled"]),
        "max_video_post_duration_sec": int(user["max_video_post_duration_sec"]),
    })


# ---- inits --------------------------------------------------------------
def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _check_plan(st, si):
    """§5.6 / §8 chunk rules; returns an error reply or None."""
    vs, cs, n = si.get("video_size"), si.get("chunk_size"), si.get("total_chunk_count")
    if not (_is_int(vs) and _is_int(cs) and _is_int(n)):
        return param_error(st, "video_size, chunk_size and total_chunk_count must be integers.",
                           plan=True)
    mb = st.mb()
    cmax = int(st.knob("chunk_max"))
    bad_size = param_error(st, "The video size is invalid", plan=True)
    bad_chunk = param_error(st, "The chunk size is invalid", plan=True)
    bad_count = param_error(st, "The total chunk count is invalid", plan=True)
    if vs < 1 or vs > st.max_video_size():
        return bad_size
    if cs < 1:
        return bad_chunk
    if vs < 5 * mb and cs != vs:
        return bad_chunk
    if n != vs // cs or not 1 <= n <= 1000:
        return bad_count
    # One chunk is at most chunk_max (64,000,000) bytes whatever "MB" means:
    # real TikTok refuses a 66,259,900-byte single chunk (§5.6).  Only the last
    # chunk of a multi-chunk plan may be longer: it absorbs the remainder.
    if n == 1:
        if vs > cmax:
            return bad_chunk
        if st.knob("single_chunk_exact") and cs != vs:
            return bad_chunk
    else:
        if st.knob("multi_chunk_rejected"):
            return bad_chunk
        if not 5 * mb <= cs <= cmax:
            return bad_chunk
    if vs - (n - 1) * cs > 128 * mb:
        return bad_chunk
    return None


def _check_source(st, body):
    si = body.get("source_info")
    if not isinstance(si, dict):
        return None, param_error(st, "source_info is required.")
    src = si.get("source")
    if src == "FILE_UPLOAD":
        return si, _check_plan(st, si)
    if src == "PULL_FROM_URL":
        url = si.get("video_url")
        if not isinstance(url, str) or not url.startswith("https://"):
            return si, param_error(st, "video_url must be an https URL.")
        if not any(url.startswith(p) for p in st.cfg["verified_url_prefixes"]):
            return si, envelope(st, code="url_ownership_unverified", status=403,
                                message="The domain or URL prefix of video_url is not verified.")
        return si, None
    return si, param_error(st, "source_info.source must be FILE_UPLOAD or PULL_FROM_URL.")


def _check_post_info(st, pi):
    if pi is None:
        return None
    if not isinstance(pi, dict):
        return param_error(st, "post_info must be an object.")
    if "title" in pi and not isinstance(pi["title"], str):
        return param_error(st, "post_info.title must be a string.")
    if "privacy_level" in pi and not isinstance(pi["privacy_level"], str):
        return param_error(st, "post_info.privacy_level must be a string.")
    for f in BOOL_FIELDS:
        if f in pi and not isinstance(pi[f], bool):
            return param_error(st, f"post_info.{f} must be a boolean.")
    if "video_cover_timestamp_ms" in pi and not _is_int(pi["video_cover_timestamp_ms"]):
        return param_error(st, "post_info.video_cover_timestamp_ms must be an integer.")
    return None


def _create_task(st, h, user, mode, si, pi, public, applied=None):
    now = st.now()
    seq = st.next_seq()
    src = si["source"]
    kind = {("direct", "FILE_UPLOAD"): "v_pub_file~v2-1", ("direct", "PULL_FROM_URL"): "v_pub_url~v2",
            ("inbox", "FILE_UPLOAD"): "v_inbox_file~v2", ("inbox", "PULL_FROM_URL"): "v_inbox_url~v2"}
    publish_id = f"{kind[(mode, src)]}.{7000000000 + seq}"
    expires = now + float(st.knob("upload_url_lifetime"))
    if st.expire_next_upload > 0:
        st.expire_next_upload -= 1
        expires = now - 1
    t = Task(publish_id=publish_id, seq=seq, mode=mode, source=src, open_id=user["open_id"],
             username=user["username"], video_size=si.get("video_size"),
             chunk_size=si.get("chunk_size"), total_chunk_count=si.get("total_chunk_count"),
             video_url=si.get("video_url"), post_info=pi, title=(pi or {}).get("title"),
             public=public, created_at=now, upload_expires=expires, uploaded=0, downloaded=0,
             puts=0, busy=False, hasher=st.hasher(), sha256=None, completed_at=None,
             fail_reason=None, failed_at=None, injected_fail=None, inbox_posted_at=None,
             post_id=st.post_id_base() + seq, path=st.new_upload_file(seq),
             upload_id=None, upload_token=None, privacy_applied=applied)
    st.tasks[publish_id] = t
    data = {"publish_id": publish_id}
    if src == "FILE_UPLOAD":
        t.upload_id = str(secrets.randbelow(9 * 10 ** 17) + 10 ** 17)
        t.upload_token = secrets.token_urlsafe(24)
        st.uploads[t.upload_id] = t
        data["upload_url"] = (f"https://127.0.0.1:{st.port}{st.knob('upload_path')}"
                              f"?upload_id={t.upload_id}&upload_token={t.upload_token}")
    return envelope(st, data)


def _unaudited_refusal(st, user, level):
    """Why an unaudited client may not make this post, or None (§7): only
    SELF_ONLY posts to private accounts.  A private account's other levels
    pass when knob unaudited_privacy is "allow"."""
    if not user["private"]:
        return "Unaudited clients can only post to private accounts."
    if level != "SELF_ONLY" and st.knob("unaudited_privacy") == "reject":
        return "Unaudited clients can only post with privacy_level SELF_ONLY."
    return None


@gate_first(["video.publish"], "video_init")
def video_init(h, st, tok, grant, user, body):
    si, err = _check_source(st, body)
    if err:
        return err
    pi = body.get("post_info")
    err = _check_post_info(st, pi)
    if err:
        return err
    pi = pi or {}
    level = pi.get("privacy_level")
    if level not in user["privacy_level_options"] or level not in PRIVACY_LEVELS:
        return envelope(st, code="privacy_level_option_mismatch", status=403,
                        message="privacy_level is missing or not one of the creator's "
                                "privacy_level_options.")
    public = not user["private"] and level != "SELF_ONLY"
    applied = level
    if not st.audited() and st.knob("unaudited_rule") == "self_only":
        # "restricted to private viewing mode": accepted, whatever was asked
        applied, public = "SELF_ONLY", False
    elif not st.audited():
        refusal = _unaudited_refusal(st, user, level)
        if refusal:
            return envelope(st, code="unaudited_client_can_only_post_to_private_accounts",
                            status=403, message=refusal)
    now = st.now()
    code = _cap_error(st, user, now, direct=True)
    if code:
        return envelope(st, code=code, message=CAP_MESSAGES[code], status=403)
    if utf16_units(pi.get("title") or "") > 2200:
        return param_error(st, "The title is longer than 2200 UTF-16 code units.")
    if st.knob("require_brand_content_toggle") and "brand_content_toggle" not in pi:
        return param_error(st, "post_info.brand_content_toggle is required.")
    return _create_task(st, h, user, "direct", si, pi, public, applied)


@gate_first(["video.upload"], "inbox_init")
def inbox_init(h, st, tok, grant, user, body):
    if "post_info" in body and st.knob("inbox_post_info") == "reject":
        return param_error(st, "post_info is not accepted on this endpoint.")
    si, err = _check_source(st, body)
    if err:
        return err
    pi = body.get("post_info") if isinstance(body.get("post_info"), dict) else None
    now = st.now()
    if user.get("banned"):
        code = "spam_risk_user_banned_from_posting"
        return envelope(st, code=code, message=CAP_MESSAGES[code], status=403)
    if not st.knob("unlimited"):
        pending = _recent(st, now, lambda t: t.open_id == user["open_id"] and t.mode == "inbox"
                          and st.task_status(t, now)["status"] not in ("PUBLISH_COMPLETE",
                                                                       "FAILED"))
        if len(pending) >= int(st.knob("pending_share_cap")):
            code = "spam_risk_too_many_pending_share"
            return envelope(st, code=code, message=CAP_MESSAGES[code], status=403)
    code = _cap_error(st, user, now, direct=False)
    if code:
        return envelope(st, code=code, message=CAP_MESSAGES[code], status=403)
    return _create_task(st, h, user, "inbox", si, pi, public=not user["private"])


# ---- status and cancel ------------------------------------------------------
def _own_task(st, grant, body):
    pid = body.get("publish_id")
    if not isinstance(pid, str) or not pid:
        raise Refused(param_error(st, "publish_id is required."))
    t = st.tasks.get(pid)
    if t is None:
        raise Refused(envelope(st, code="invalid_publish_id", status=400,
                               message="The publish_id does not exist."))
    if t.open_id != grant["open_id"]:
        raise Refused(envelope(st, code="token_not_authorized_for_specified_publish_id",
                               status=400, message="The access token is not authorized for "
                                                   "this publish_id."))
    return t


@gate_first(["video.upload", "video.publish"], "status")
def status_fetch(h, st, tok, grant, user, body):
    try:
        t = _own_task(st, grant, body)
    except Refused as r:
        return r.reply
    return envelope(st, st.task_status(t, st.now()))


@gate_first(["video.upload", "video.publish"], "cancel")
def cancel(h, st, tok, grant, user, body):
    try:
        t = _own_task(st, grant, body)
    except Refused as r:
        return r.reply
    now = st.now()
    # Only PULL_FROM_URL downloads can be cancelled (§5.8); a FILE_UPLOAD task is
    # answered publish_not_cancellable and simply expires with its upload URL.
    if t.source != "PULL_FROM_URL" or st.task_status(t, now)["status"] != "PROCESSING_DOWNLOAD":
        return envelope(st, code="publish_not_cancellable", status=400,
                        message="The publish task cannot be cancelled.")
    t.fail_reason, t.failed_at = "publish_cancelled", now
    return envelope(st, with_data=False)

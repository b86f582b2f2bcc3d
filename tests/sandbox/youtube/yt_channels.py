"""channels.list with mine=true: the channel of the token's user
(docs/youtube.md §2.8).

A login asks it for the channel's id and title, to name the channel and to
bind an account to it.  Scopes as videos.list (youtube.upload alone is
refused 403 insufficientPermissions); one quota unit.  A Google account
without a channel gets an answer with no items, as at Google, not an error.
Only mine=true is served: the client never asks anything else.
"""
import secrets
import urllib.parse

import yt_quota
from yt_oauth import bearer
from yt_reply import error, resource
from yt_state import LIST_SCOPES


def _item(user):
    return {"kind": "youtube#channel", "etag": secrets.token_urlsafe(20),
            "id": user["channel_id"],
            "snippet": {"title": user.get("channel_title") or user["email"],
                        "description": ""}}


def list_channels(h, st):
    q = urllib.parse.parse_qs(h.query)
    rec = bearer(h, st)
    if rec is None:
        return error(401, "authError")
    if not set(rec["scopes"]) & LIST_SCOPES:
        return error(403, "insufficientPermissions",
                     "Request had insufficient authentication scopes.")
    if not (q.get("part") or [""])[0]:
        return error(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                     "part", location="part")
    if (q.get("mine") or [""])[0] != "true":
        return error(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                     "mine", location="mine")
    bad = yt_quota.charge(st, "list")
    if bad:
        return bad
    user = st.user(rec["user"])
    items = [_item(user)] if user["has_channel"] else []
    return resource({"kind": "youtube#channelListResponse", "etag": secrets.token_urlsafe(20),
                     "items": items,
                     "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}})

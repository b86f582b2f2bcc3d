"""videos.insert metadata: what YouTube refuses (docs/youtube.md §3).

validate() returns None or the 400 reply for the first rule the body breaks, in
the order YouTube's fields are listed: title (at most 100 characters, counted as
code points, no < or >), description (at most 5000 UTF-8 bytes, no < or >),
tags (at most 500 characters in all, a comma between tags counting one and a
tag holding a space counting two more for its quotes; the three numbers and the
description's unit are knobs, the limits being known only from pages read in
part), categoryId (a fixed
list), privacyStatus (public, private, unlisted), publishAt (only with private,
in the future), localizations (need snippet.defaultLanguage).
"""
import datetime

from yt_reply import error

CATEGORIES = {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26",
              "27", "28"}
PRIVACY = ("public", "private", "unlisted")


def tags_length(tags):
    """YouTube's count: characters, plus a comma between tags, plus 2 for the
    quotes around a tag that holds a space."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def _title(st, snippet):
    title = snippet.get("title")
    if title is None:
        return None if st.knob("missing_title") == "derive" else \
            error(400, "invalidTitle", "The request metadata specifies an invalid or empty "
                  "video title.", "youtube.video")
    if not isinstance(title, str) or not title.strip() or len(title) > int(st.knob("title_max")) \
            or "<" in title or ">" in title:
        return error(400, "invalidTitle", "The request metadata specifies an invalid or empty "
                     "video title.", "youtube.video")
    return None


def _description_length(st, desc):
    """Bytes of UTF-8 (YouTube's count), or characters with the knob."""
    if st.knob("description_unit") == "characters":
        return len(desc)
    return len(desc.encode("utf-8", "surrogatepass"))


def _description_tags(st, snippet):
    desc = snippet.get("description", "")
    too_long = isinstance(desc, str) and \
        _description_length(st, desc) > int(st.knob("description_max"))
    if not isinstance(desc, str) or too_long or "<" in desc or ">" in desc:
        return error(400, "invalidDescription",
                     "The request metadata specifies an invalid video description.")
    tags = snippet.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) \
            or tags_length(tags) > int(st.knob("tags_max")):
        return error(400, "invalidTags", "The request metadata specifies invalid video keywords.")
    cat = snippet.get("categoryId", "22")
    if str(cat) not in CATEGORIES:
        return error(400, "invalidCategoryId",
                     "The snippet.categoryId property specifies an invalid category ID.")
    return None


def parse_time(text):
    try:
        t = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.timestamp() if t.tzinfo else None


def _status(st, status, snippet):
    privacy = status.get("privacyStatus", "public")
    if privacy not in PRIVACY:
        return error(400, st.knob("privacy_error_reason"),
                     f"Invalid value for privacyStatus: {str(privacy)[:40]}",
                     location="status.privacyStatus")
    if "publishAt" in status:
        at = parse_time(status["publishAt"])
        if privacy != "private" or at is None or at <= st.now():
            return error(400, "invalidPublishAt",
                         "The request metadata specifies an invalid scheduled publishing time.")
    mfk = status.get("selfDeclaredMadeForKids")
    if (mfk is None and st.knob("require_made_for_kids")) or \
            (mfk is not None and not isinstance(mfk, bool)):
        return error(400, "invalidVideoMetadata",
                     "The request metadata must declare status.selfDeclaredMadeForKids.")
    return None


def validate(st, body):
    if not isinstance(body, dict):
        return error(400, "parseError", "Parse Error")
    snippet = body.get("snippet") or {}
    status = body.get("status") or {}
    if not isinstance(snippet, dict) or not isinstance(status, dict):
        return error(400, "invalidVideoMetadata", "The request metadata is invalid.")
    for check in (lambda: _title(st, snippet), lambda: _description_tags(st, snippet),
                  lambda: _status(st, status, snippet)):
        bad = check()
        if bad:
            return bad
    if "localizations" in body and not snippet.get("defaultLanguage"):
        return error(400, "defaultLanguageNotSet",
                     "The request is trying to add localized video details without "
                     "specifying the default language of the video details.")
    return None

"""Answers in Google's shapes.

Data endpoints (videos.insert, the session URI, videos.list) answer JSON
resources or, on error, Google's envelope
{"error": {"code", "message", "errors": [{"message", "domain", "reason", ...}]}};
a client must dispatch on errors[0].reason, never on message.  OAuth
endpoints answer flat objects, errors as {"error", "error_description"} with a
real 4xx status (unlike TikTok's 200).  The Reply class is the TikTok
sandbox's, so the shared plumbing in sb_http writes both.
"""
import json
import os
import sys

# tests/ on the path: the TikTok sandbox is the package "sandbox", whose
# modules import each other relatively.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from sandbox.sb_reply import Reply  # noqa: E402

QUOTA_MESSAGE = ('The request cannot be completed because you have exceeded your '
                 '<a href="/youtube/v3/getting-started#quota">quota</a>.')

# reason -> (domain, default message, extra fields)
REASONS = {
    "authError": ("global", "Invalid Credentials",
                  {"locationType": "header", "location": "Authorization"}),
    "youtubeSignupRequired": ("youtube.header", "Unauthorized", {}),
    "insufficientPermissions": ("global", "Insufficient Permission", {}),
    "quotaExceeded": ("youtube.quota", QUOTA_MESSAGE, {}),
    "uploadLimitExceeded": ("youtube.video",
                            "The user has exceeded the number of videos they may upload.", {}),
    "missingRequiredParameter": ("global", "Required parameter missing.", {}),
    "invalidParameter": ("global", "Invalid value.", {}),
    "parseError": ("global", "Parse Error", {}),
    "backendError": ("global", "Backend Error", {}),
    "notFound": ("global", "Not Found", {}),
}
STATUS_TEXT = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
               404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=True, indent=2)  # Google escapes < and > too


def resource(obj, status=200, headers=None):
    body = dumps(obj).replace("<", "\\u003c").replace(">", "\\u003e")
    return Reply(status, body, headers=headers)


def error(status, reason, message=None, domain=None, location=None, headers=None):
    """Google's error envelope; @location names the parameter at fault."""
    dom, default, extra = REASONS.get(reason, ("youtube.video", reason, {}))
    item = {"message": message or default, "domain": domain or dom, "reason": reason}
    item.update(extra)
    if location:
        item.update({"locationType": "parameter", "location": location})
    obj = {"error": {"code": status, "message": item["message"], "errors": [item],
                     "status": STATUS_TEXT.get(status, "FAILED_PRECONDITION")}}
    hdrs = dict(headers or {})
    if status == 401:
        hdrs.setdefault("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"')
    r = resource(obj, status, hdrs)
    r.code = reason
    return r


def oauth_ok(obj):
    return Reply(200, json.dumps(obj, indent=2), headers={"Cache-Control": "no-store"})


def oauth_error(error_code, description, status=400):
    body = {"error": error_code, "error_description": description}
    return Reply(status, json.dumps(body, indent=2), code=error_code)


def page(status, text, code):
    """An HTML page shown in the browser (authorize errors Google does not redirect)."""
    return Reply(status, f"<!doctype html><html><body><p>{text}</p></body></html>",
                 ctype="text/html; charset=utf-8", code=code,
                 headers={"X-Sandbox-Error": code})


def empty(status, headers=None, code=None):
    return Reply(status, b"", ctype=None, headers=headers, code=code)


def control(obj, status=200):
    return Reply(status, json.dumps(obj), code=None if status < 400 else "control_error")

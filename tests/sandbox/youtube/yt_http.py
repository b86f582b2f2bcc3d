"""The YouTube sandbox's routes on the TikTok sandbox's HTTP plumbing.

sb_http.Handler does keep-alive, lazy 100-continue, body reading, draining,
fault injection and logging; this subclass only names the routes and answers
in Google's shapes (yt_reply).  One server plays every Google host (the
accounts page, oauth2.googleapis.com, the upload and JSON hosts of
www.googleapis.com): clients take each base URL from their config.
"""
import os
import sys
import time
import urllib.parse

# tests/ on the path: the TikTok sandbox is the package "sandbox", whose
# modules import each other relatively.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from sandbox import sb_http  # noqa: E402

import yt_channels  # noqa: E402
import yt_control  # noqa: E402
import yt_device  # noqa: E402
import yt_oauth  # noqa: E402
import yt_thumbnails  # noqa: E402
import yt_upload  # noqa: E402
import yt_videos  # noqa: E402
from yt_reply import REASONS, error, oauth_error  # noqa: E402
from yt_state import redact, scrub  # noqa: E402

UPLOAD = "/upload/youtube/v3/videos"
ROUTES = {
    ("GET", "/o/oauth2/v2/auth"): ("authorize", yt_oauth.authorize),
    ("POST", "/token"): ("token", yt_oauth.token),
    ("POST", "/revoke"): ("revoke", yt_oauth.revoke),
    ("POST", "/device/code"): ("device_code", yt_device.code),
    ("GET", "/youtube/v3/videos"): ("list", yt_videos.list_videos),
    ("GET", "/youtube/v3/channels"): ("channels", yt_channels.list_channels),
    ("POST", "/upload/youtube/v3/thumbnails/set"): ("thumbnail", yt_thumbnails.set_thumbnail),
    ("PUT", UPLOAD): ("upload", yt_upload.put),
}
OAUTH_NAMES = {"authorize", "token", "revoke", "device_code"}
FAULT_REASONS = {401: "authError", 403: "forbidden", 404: "notFound",
                 429: "rateLimitExceeded"}


class Handler(sb_http.Handler):
    server_version = "UploadServer"

    def route(self, method):
        if method == "POST" and self.url_path == UPLOAD:
            # Google's Go client sends chunks with POST: the upload_id decides
            if "upload_id" in urllib.parse.parse_qs(self.query):
                return ("upload", yt_upload.put)
            return ("insert", yt_upload.start)
        return ROUTES.get((method, self.url_path))

    def control(self, st, method):
        return yt_control.handle(self, st, method)

    def no_route(self, st):
        return error(404, "notFound", "Not Found")

    def internal_error(self, st):
        return error(500, "backendError")

    def body_error(self, st, name):
        if name in OAUTH_NAMES:
            return oauth_error("invalid_request", "The request body could not be read.")
        return error(400, "parseError", "The request body could not be read.")

    def _fault_reply(self, st, name, fault):
        status = int(fault.status)
        if name in OAUTH_NAMES:
            return oauth_error(fault.code or "server_error", fault.message, status)
        reason = fault.code or ("backendError" if status >= 500 else
                                FAULT_REASONS.get(status, "badRequest"))
        return error(status, reason, None if fault.message.startswith("Injected")
                     and reason in REASONS else fault.message)

    def redact_path(self, path):
        return redact(path)

    def trace_headers(self, reply):
        return {}

    def log_message(self, fmt, *args):
        sys.stderr.write(f"yt-sandbox {time.strftime('%H:%M:%S')} {scrub(fmt % args)}\n")


def make_server(st, ssl_ctx):
    return sb_http.make_server(st, ssl_ctx, Handler)

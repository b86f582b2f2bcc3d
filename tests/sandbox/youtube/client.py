"""The tests' handle on a YouTube sandbox process.

YouTubeSandbox is the TikTok sandbox's Sandbox (start, stop, reset, api(),
inject(), knobs(), clock) pointed at yt_sandbox.py and default.json here, with
the control calls of this sandbox (videos, sessions, quota, outcome) and
oauth(), which performs the whole Desktop-app login the way a client would:
fresh S256 PKCE pair in base64url, read the 302's Location without following
it, exchange the code.
"""
import base64
import hashlib
import os
import secrets
import urllib.parse

from sandbox.client import Sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
SCOPE = "https://www.googleapis.com/auth/"
UPLOAD_SCOPES = SCOPE + "youtube.upload " + SCOPE + "youtube.readonly"
REDIRECT = "http://127.0.0.1:8765/oauth2callback"


def pkce_pair():
    """A fresh verifier and its RFC 7636 S256 challenge (base64url, no padding)."""
    verifier = secrets.token_urlsafe(48)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class YouTubeSandbox(Sandbox):
    SCRIPT = os.path.join(HERE, "yt_sandbox.py")
    CONFIG = os.path.join(HERE, "default.json")
    PREFIX = "youtube-sandbox-"

    @property
    def client_id(self):
        return self.config["client_id"]

    @property
    def client_secret(self):
        return self.config["client_secret"]

    def tiktokfs_config(self, directory, name="tiktokfs.conf", account="yt", **extra):
        """Write a tiktokfs config (mode 0600) whose [account @account] is a
        YouTube account with this sandbox's client, the Google hosts pointing
        here; keys in @extra go to the section (None drops one).  Returns the
        path."""
        directory = str(directory)
        state_dir = os.path.join(directory, "state")
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        base = self.base_url
        top = {"ca_file": self.ca_file, "state_dir": state_dir,
               "youtube_auth_url": base + "/o/oauth2/v2/auth",
               "youtube_oauth_base": base, "youtube_api_base": base}
        section = {"platform": "youtube", "youtube_client_id": self.client_id,
                   "youtube_client_secret": self.client_secret}
        section.update(extra)
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.writelines(f"{k} = {v}\n" for k, v in top.items())
            f.write(f"[account {account}]\n")
            f.writelines(f"{k} = {v}\n" for k, v in section.items() if v is not None)
        return path

    def videos(self, video_id=None):
        q = "?id=" + urllib.parse.quote(video_id) if video_id else ""
        return self._control("GET", "videos" + q)["items"]

    def sessions(self):
        return self._control("GET", "sessions")["items"]

    def quota(self, **set_):
        if set_:
            self._control("POST", "quota", set_)
        return self._control("GET", "quota")

    def outcome(self, upload_status, reason=None):
        self._control("POST", "outcome", {"upload_status": upload_status, "reason": reason})

    def expire_sessions(self):
        self._control("POST", "expire_sessions", {})

    def authorize_query(self, challenge, scopes=UPLOAD_SCOPES, **extra):
        q = {"client_id": self.client_id, "redirect_uri": REDIRECT, "response_type": "code",
             "scope": scopes, "state": "st4te", "code_challenge": challenge,
             "code_challenge_method": "S256"}
        q.update(extra)
        return "/o/oauth2/v2/auth?" + urllib.parse.urlencode(
            {k: v for k, v in q.items() if v is not None})

    def token_form(self, **kw):
        form = {"client_id": self.client_id, "client_secret": self.client_secret,
                "grant_type": "authorization_code", "redirect_uri": REDIRECT}
        form.update(kw)
        return form

    def oauth(self, scopes=UPLOAD_SCOPES, user=None):
        """The token answer (dict) of a complete login as @user."""
        verifier, challenge = pkce_pair()
        r = self.api("GET", self.authorize_query(challenge, scopes, login_hint=user))
        if r.status != 302:
            raise RuntimeError(f"authorize: {r}")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["location"]).query)
        body = urllib.parse.urlencode(self.token_form(code=q["code"][0], code_verifier=verifier))
        r = self.api("POST", "/token", body=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        if r.status != 200:
            raise RuntimeError(f"token: {r}")
        return r.json()

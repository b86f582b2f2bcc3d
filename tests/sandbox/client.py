"""The tests' handle on a sandbox process.

Sandbox starts tests/sandbox/sandbox.py in a fresh temporary directory, waits
for its port file, and offers one method per /_sandbox/ control call, an `api()`
call for raw requests, `oauth()` that performs the whole OAuth dance the way a
client would (fresh hex PKCE challenge, read the 302's Location without following
it, exchange the code), and `tiktokfs_config()` that writes a tiktokfs config
pointing at the sandbox.  stop() always ends the process and removes the
directory; an atexit hook and the server's --owner-pid watch make sure nothing
outlives the test run.
"""
import atexit
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX_PY = os.path.join(HERE, "sandbox.py")
DEFAULT_CONFIG = os.path.join(HERE, "default.json")
PYTHON = "/usr/bin/python3"
ALL_SCOPES = "user.info.basic,video.upload,video.publish"

_running = []


def pkce_pair():
    """A fresh verifier and TikTok's challenge for it: lower-case hex SHA-256."""
    verifier = secrets.token_urlsafe(48)[:64]
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


class SandboxError(RuntimeError):
    pass


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)

    def __repr__(self):
        return f"<Response {self.status} {self.text[:200]!r}>"


class Sandbox:
    # The server script and its default config; the YouTube sandbox's client
    # (youtube/client.py) changes these two and keeps the rest.
    SCRIPT = SANDBOX_PY
    CONFIG = DEFAULT_CONFIG
    PREFIX = "tiktok-sandbox-"

    def __init__(self, config=None, python=PYTHON):
        """@config: a path, a dict (written to the temp dir) or None (default.json)."""
        self.config_arg = config
        self.python = python
        self.proc = None
        self.dir = None
        self.port = None
        self._stderr = None

    # ---- lifecycle -------------------------------------------------------
    def start(self, timeout=20):
        self.dir = tempfile.mkdtemp(prefix=self.PREFIX)
        if isinstance(self.config_arg, dict):
            cfg_path = os.path.join(self.dir, "config.json")
            with open(cfg_path, "w") as f:
                json.dump(self.config_arg, f)
        else:
            cfg_path = self.config_arg or self.CONFIG
        with open(cfg_path) as f:
            self.config = json.load(f)
        self.config_path = cfg_path
        self.server_dir = self.dir  # one directory: certs, uploads, port, stderr
        port_file = os.path.join(self.dir, "port")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [self.python, self.SCRIPT, "--config", cfg_path, "--dir", self.server_dir,
             "--port-file", port_file, "--owner-pid", str(os.getpid()), "--remove-dir"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr)
        _running.append(self)
        deadline = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                tail = self.stderr_tail()
                self.stop()
                raise SandboxError(f"sandbox exited with {self.proc.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                self.stop()
                raise SandboxError("sandbox did not start in time")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self._ssl = ssl.create_default_context(cafile=self.ca_file)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, remove=True):
        """End the process (SIGTERM, then SIGKILL) and remove the directory."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        if remove and self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        if self in _running:
            _running.remove(self)

    def restart(self):
        self.stop()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def stderr_tail(self, lines=60):
        try:
            with open(self.stderr_path, "rb") as f:
                data = f.read()[-65536:].decode("utf-8", "replace")
        except (OSError, AttributeError):
            return "(no sandbox stderr)"
        return "\n".join(data.splitlines()[-lines:])

    # ---- addresses -----------------------------------------------------
    @property
    def base_url(self):
        return f"https://127.0.0.1:{self.port}"

    @property
    def auth_url(self):
        return self.base_url + "/v2/auth/authorize/"

    @property
    def ca_file(self):
        return os.path.join(self.server_dir, "ca.pem")

    @property
    def client_key(self):
        return self.config["client_key"]

    @property
    def client_secret(self):
        return self.config["client_secret"]

    @property
    def redirect_uri(self):
        return self.config["redirect_uris"][0]

    # ---- raw requests ----------------------------------------------------
    def api(self, method, path, body=None, headers=None, token=None, json_body=None):
        """One request on a fresh connection; returns a Response (never raises on
        HTTP errors)."""
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json; charset=UTF-8")
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self._ssl, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def _control(self, method, name, args=None):
        body = json.dumps(args).encode() if args is not None else None
        r = self.api(method, "/_sandbox/" + name, body=body,
                     headers={"Content-Type": "application/json"} if body else None)
        if r.status != 200:
            raise SandboxError(f"/_sandbox/{name}: {r.status} {r.text}")
        return r.json()

    # ---- control calls -------------------------------------------------
    def health(self):
        return self._control("GET", "health")

    def received(self, publish_id=None):
        q = "?publish_id=" + urllib.parse.quote(publish_id) if publish_id else ""
        items = self._control("GET", "received" + q)["items"]
        if publish_id:
            if not items:
                raise SandboxError(f"no task {publish_id}")
            return items[0]
        return items

    def authorizations(self):
        """One per code issued, oldest first: {t, user, open_id, asked, session_user}."""
        return self._control("GET", "authorizations")["authorizations"]

    def request_log(self):
        return self._control("GET", "requests")["requests"]

    def request_log_text(self):
        return self.api("GET", "/_sandbox/requests").text

    def inject(self, endpoint, **rule):
        """Fault: endpoint name (token, video_init, upload, status, ...) or path;
        nth, count, probability, seed, status, code, message, drop, drop_after,
        delay, when ("before"/"after")."""
        return self._control("POST", "inject", dict(rule, endpoint=endpoint))["id"]

    def faults(self):
        return self._control("GET", "faults")["faults"]

    def clear_faults(self):
        self._control("POST", "faults/clear", {})

    def expire_tokens(self, refresh=False):
        self._control("POST", "expire_tokens", {"refresh": refresh})

    def fail_next(self, fail_reason, count=1):
        self._control("POST", "fail_next", {"fail_reason": fail_reason, "count": count})

    def expire_upload(self, publish_id=None):
        self._control("POST", "expire_upload", {} if publish_id is None else
                      {"publish_id": publish_id})

    def inbox_posted(self, publish_id):
        self._control("POST", "inbox_posted", {"publish_id": publish_id})

    def knobs(self, **changes):
        if changes:
            return self._control("POST", "knobs", changes)
        return self._control("GET", "knobs")

    def set_clock(self, scale=None, advance=None, at=None):
        args = {}
        if scale is not None:
            args["scale"] = scale
        if advance is not None:
            args["advance"] = advance
        if at is not None:
            args["set"] = at
        return self._control("POST", "clock", args)

    def advance(self, seconds):
        return self.set_clock(advance=seconds)

    def clock(self):
        return self._control("GET", "clock")

    def reset(self):
        self._control("POST", "reset", {})

    # ---- the OAuth dance ----------------------------------------------
    def authorize(self, scopes=ALL_SCOPES, user=None, redirect_uri=None, challenge=None,
                  state=None, extra=None):
        """GET the consent page; returns (Response, parsed callback query or None)."""
        params = {"client_key": self.client_key, "scope": scopes, "response_type": "code",
                  "redirect_uri": redirect_uri or self.redirect_uri,
                  "state": state or secrets.token_hex(8)}
        if challenge is not None:
            params["code_challenge"] = challenge
            params["code_challenge_method"] = "S256"
        if user:
            params["sandbox_user"] = user
        params.update(extra or {})
        r = self.api("GET", "/v2/auth/authorize/?" + urllib.parse.urlencode(params))
        if r.status != 302:
            return r, None
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.headers["location"]).query)
        return r, {k: v[0] for k, v in q.items()}

    def token_request(self, form):
        return self.api("POST", "/v2/oauth/token/", body=urllib.parse.urlencode(form),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})

    def oauth(self, scopes=ALL_SCOPES, user=None, redirect_uri=None):
        """The whole dance; returns the token JSON (flat, as TikTok answers)."""
        verifier, challenge = pkce_pair()
        ru = redirect_uri or self.redirect_uri
        r, cb = self.authorize(scopes=scopes, user=user, redirect_uri=ru, challenge=challenge)
        if cb is None or "code" not in cb:
            raise SandboxError(f"authorize failed: {r.status} {r.headers.get('location')}")
        r = self.token_request({"client_key": self.client_key,
                                "client_secret": self.client_secret, "code": cb["code"],
                                "grant_type": "authorization_code", "redirect_uri": ru,
                                "code_verifier": verifier})
        tok = r.json()
        if "access_token" not in tok:
            raise SandboxError(f"token exchange failed: {r.text}")
        return tok

    # ---- tiktokfs config -------------------------------------------------
    def tiktokfs_config(self, directory, name="tiktokfs.conf", **extra):
        """Write a tiktokfs config (mode 0600) pointing at this sandbox; keys in
        @extra are added or override (None drops a key).  Returns the path."""
        directory = str(directory)
        state_dir = os.path.join(directory, "state")
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        keys = {"client_key": self.client_key, "client_secret": self.client_secret,
                "redirect_uri": self.redirect_uri, "api_base": self.base_url,
                "auth_url": self.auth_url, "ca_file": self.ca_file, "state_dir": state_dir}
        keys.update(extra)
        path = os.path.join(directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            for k, v in keys.items():
                if v is not None:
                    f.write(f"{k} = {v}\n")
        os.chmod(path, 0o600)
        return path


@atexit.register
def _stop_all():
    for sb in list(_running):
        try:
            sb.stop()
        except Exception as e:  # noqa: BLE001
            sys.stderr.write(f"sandbox cleanup: {e}\n")

"""Log a tiktokfs config in against the sandbox, the way a person on a headless
box does: `tiktokfs login --no-browser`, open the printed address (here: GET it
from the sandbox without following the redirect), paste the Location back.

do_login(config_path, sandbox, user=None) asserts success and returns the
CompletedProcess.  login_session() is the lower-level form for tests that
tamper with the pasted text or expect a failure.
"""
import os
import subprocess
import urllib.parse

BIN = os.environ.get("TIKTOKFS_BIN", os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "tiktokfs"))


def _authorize(sandbox, url, user):
    """GET the consent page at @url; return what a browser would end up showing:
    the Location of the redirect, or the error carried by an error page."""
    parts = urllib.parse.urlsplit(url)
    query = parts.query
    if user:
        query += "&" + urllib.parse.urlencode({"sandbox_user": user})
    r = sandbox.api("GET", parts.path + "?" + query)
    if r.status == 302:
        return r.headers["location"]
    # TikTok shows some errors on its own page; a person copies its address.
    return r.headers.get("content-location") or r.headers.get("x-sandbox-error") or r.text


def login_session(config_path, sandbox, user=None, transform=None, args=(), timeout=60,
                  env=None, url_transform=None):
    """Run login --no-browser; @url_transform(url) may alter the address the
    'browser' opens, @transform(pasted) the pasted text.
    Returns the CompletedProcess (stdout/stderr as text)."""
    proc = subprocess.Popen([BIN, "login", "--no-browser", "-c", str(config_path), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    out_lines = []
    url = None
    try:
        for line in proc.stdout:
            out_lines.append(line)
            if line.startswith("https://") or line.startswith("http://"):
                url = line.strip()
            if line.startswith("Then paste"):
                break
        if url is None:
            out, err = proc.communicate(timeout=timeout)
            return subprocess.CompletedProcess(proc.args, proc.returncode,
                                               "".join(out_lines) + out, err)
        if url_transform:
            url = url_transform(url)
        pasted = _authorize(sandbox, url, user)
        if transform:
            pasted = transform(pasted)
        out, err = proc.communicate(pasted + "\n", timeout=timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(out_lines) + out, err)


def do_login(config_path, sandbox, user=None):
    cp = login_session(config_path, sandbox, user=user)
    assert cp.returncode == 0, f"login failed ({cp.returncode}): {cp.stderr}"
    # "@name (Nick)" from creator_info; a drafts-only login (mode = draft: no
    # video.publish, so no creator_info) says "Nick, for drafts only".
    assert "Logged in as " in cp.stdout, cp.stdout
    return cp

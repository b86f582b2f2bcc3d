"""Answers in TikTok's shapes.

Data endpoints answer with the envelope {"data": ..., "error": {code, message,
log_id}} (§4); OAuth endpoints with flat objects, errors as {error,
error_description, log_id} (§2.6); chunk PUTs with an empty body.  Every answer
carries a 34-character log id, in the body where TikTok puts one and always in
the X-Tt-Logid header.  A Reply is built by an endpoint and written by sb_http,
which adds Content-Length.
"""
import json

from .sb_state import log_id


class Reply:
    def __init__(self, status, body=b"", ctype="application/json; charset=UTF-8",
                 headers=None, code=None, logid=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.ctype = ctype
        self.headers = dict(headers or {})
        self.code = code          # error code for the request log (None = ok)
        self.log_id = logid


def dumps(obj):
    # ints go out as raw JSON integers (post ids > 2**53 stay exact)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def envelope(st, data=None, code="ok", message="", status=200, with_data=True):
    lid = log_id(st.now())
    obj = {}
    if code != "ok":
        if st.knob("error_data") == "empty" and with_data:
            obj["data"] = data if data is not None else {}
    elif with_data:
        obj["data"] = data if data is not None else {}
    obj["error"] = {"code": code, "message": message, "log_id": lid}
    return Reply(status, dumps(obj), code=None if code == "ok" else code, logid=lid)


def param_error(st, message, plan=False):
    """400 for a body the endpoint refuses: invalid_params for chunk plans,
    invalid_param otherwise (§4.2, §11.4; both are knobs)."""
    code = st.knob("plan_error_code" if plan else "param_error_code")
    return envelope(st, code=code, message=message, status=400)


def oauth_ok(st, obj):
    lid = log_id(st.now())
    return Reply(200, dumps(obj), logid=lid)


def oauth_error(st, error, description, status=None):
    lid = log_id(st.now())
    if status is None:
        status = int(st.knob("oauth_error_status"))
    body = {"error": error, "error_description": description, "log_id": lid}
    return Reply(status, dumps(body), code=error, logid=lid)


def empty(st, status, headers=None, code=None):
    return Reply(status, b"", ctype=None, headers=headers, code=code, logid=log_id(st.now()))


def control(obj, status=200):
    return Reply(status, dumps(obj), code=None if status < 400 else "control_error")


def not_found(st):
    return envelope(st, code="not_found", message="Not Found", status=404)

"""HTTP/1.1 plumbing: routing, keep-alive, 100-continue, faults, request log.

One thread per connection (ThreadingHTTPServer), TLS handshake done in that
thread, not in the accept loop.  Every answer carries Content-Length so libcurl
can keep the connection.  A request whose body was not read is answered with
"Connection: close" (its unread bytes would otherwise be taken for the next
request).  "Expect: 100-continue" is honoured lazily: 100 Continue goes out only
when an endpoint starts reading the body, so a PUT refused on its headers never
makes the client send gigabytes.  Paths are redacted before they reach stderr or
the request log.
"""
import socket
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import sb_control, sb_oauth, sb_posting, sb_upload
from .sb_reply import Reply, empty, envelope, oauth_error, not_found
from .sb_state import log_id, redact, scrub

MAX_JSON_BODY = 1 << 20
MAX_DRAIN = 256 << 20

ROUTES = {
    ("GET", "/v2/auth/authorize/"): ("authorize", sb_oauth.authorize),
    ("POST", "/v2/oauth/token/"): ("token", sb_oauth.token),
    ("POST", "/v2/oauth/revoke/"): ("revoke", sb_oauth.revoke),
    ("GET", "/v2/user/info/"): ("user_info", sb_posting.user_info),
    ("POST", "/v2/post/publish/creator_info/query/"): ("creator_info", sb_posting.creator_info),
    ("POST", "/v2/post/publish/video/init/"): ("video_init", sb_posting.video_init),
    ("POST", "/v2/post/publish/inbox/video/init/"): ("inbox_init", sb_posting.inbox_init),
    ("POST", "/v2/post/publish/status/fetch/"): ("status", sb_posting.status_fetch),
    ("POST", "/v2/post/publish/cancel/"): ("cancel", sb_posting.cancel),
    ("PUT", "/video/"): ("upload", sb_upload.put),
    ("PUT", "/upload/"): ("upload", sb_upload.put),
}
OAUTH_NAMES = {"authorize", "token", "revoke"}


class BodyError(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tiktok-sandbox"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 300  # idle keep-alive connections are closed after this

    def setup(self):
        super().setup()
        self.expect_pending = False

    # ---- body --------------------------------------------------------------
    def handle_expect_100(self):
        self.expect_pending = True  # answered by send_continue(), if ever
        return True

    def send_continue(self):
        if self.expect_pending:
            self.expect_pending = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()

    def read_body(self, limit=MAX_JSON_BODY):
        """The whole (small) request body, cached; raises BodyError."""
        if self.body_cache is not None:
            return self.body_cache
        self.body_done = True
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        cl = self.headers.get("Content-Length")
        if not te and not cl:
            self.body_cache = b""
            return self.body_cache
        self.send_continue()
        if self.drop_after is not None:
            self.rfile.read(int(self.drop_after))
            self.abort()
            raise BodyError("dropped")
        try:
            if te == "chunked":
                self.body_cache = self._read_chunked(limit)
            else:
                n = int(cl)
                if n < 0 or n > limit:
                    self.close_connection = True
                    raise BodyError("too large")
                data = self.rfile.read(n)
                if len(data) != n:
                    self.close_connection = True
                    raise BodyError("short body")
                self.body_cache = data
        except (ValueError, OSError) as e:
            self.close_connection = True
            raise BodyError(str(e))
        return self.body_cache

    def _read_chunked(self, limit):
        out = bytearray()
        while True:
            size = int(self.rfile.readline(100).split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            if len(out) + size > limit:
                raise ValueError("too large")
            out += self.rfile.read(size)
            self.rfile.readline(10)

    def _drain(self):
        """Read and drop an unwanted body the client is sending anyway: closing
        with unread bytes would make the kernel send RST, and the client could
        lose our answer.  Not done when the client still waits for 100 Continue
        (it has sent nothing) or the body is huge or chunked."""
        cl = self.headers.get("Content-Length") or ""
        if self.expect_pending or self.aborted or not cl.isdigit() or int(cl) > MAX_DRAIN:
            return False
        left = int(cl)
        try:
            self.connection.settimeout(min(5.0, float(self.server.st.knob("body_timeout"))))
            while left > 0:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    return False
                left -= len(piece)
            return True
        except OSError:
            return False
        finally:
            self.body_done = True
            try:
                self.connection.settimeout(self.timeout)
            except OSError:
                pass

    def abort(self):
        """Drop the connection without an answer (fault injection)."""
        self.aborted = True
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- dispatch ----------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_HEAD(self):
        self._dispatch("HEAD")

    # ---- hooks a sandbox for another service overrides ------------------
    def route(self, method):
        """(name, function) for this request, or None.  The name is what faults
        and the request log call the endpoint."""
        return ROUTES.get((method, self.url_path))

    def control(self, st, method):
        return sb_control.handle(self, st, method)

    def no_route(self, st):
        return not_found(st)

    def internal_error(self, st):
        return envelope(st, code="internal_error", status=500, message="sandbox bug")

    def body_error(self, st, name):
        """The answer to a request whose body could not be read."""
        if name in OAUTH_NAMES:
            return oauth_error(st, "invalid_request", "The request parameters are malformed.")
        if name == "upload":
            return empty(st, 400, code="bad_body")
        return envelope(st, code="invalid_params", status=400,
                        message="The request body could not be read.")

    def redact_path(self, path):
        return redact(path)

    def trace_headers(self, reply):
        """Headers every answer carries (TikTok: its log id)."""
        return {"X-Tt-Logid": reply.log_id or log_id(self.server.st.now())}

    def _dispatch(self, method):
        st = self.server.st
        self.body_cache = None
        self.body_done = False
        self.aborted = False
        self.drop_after = None
        parts = urllib.parse.urlsplit(self.path)
        self.url_path, self.query = parts.path, parts.query
        if self.url_path.startswith("/_sandbox/"):
            reply = self.control(st, method)
            self._send(method, reply, log=False)
            return
        route = self.route(method)
        name = route[0] if route else None
        fault = None
        if route:
            with st.lock:
                # every matching fault counts this request, the first that fires wins
                fired = [f for f in st.faults if f.matches(name, self.url_path) and f.fire()]
                fault = fired[0] if fired else None
        reply = None
        try:
            reply = self._run(st, route, name, fault)
        except Exception as e:  # noqa: BLE001 - a sandbox bug must still answer
            if not isinstance(e, BodyError):
                import traceback
                sys.stderr.write("sandbox: internal error\n" + scrub(traceback.format_exc()))
                self.close_connection = True
                reply = self.internal_error(st)
            elif not self.aborted:
                reply = self.body_error(st, name)
        if self.aborted or reply is None:
            st.log_request(method, self.path, 0, "connection_dropped")
            self.log_message("%s %s -> dropped", method, self.redact_path(self.path))
            return
        self._send(method, reply)
        st.log_request(method, self.path, reply.status, reply.code)

    def _run(self, st, route, name, fault):
        """The endpoint's answer with @fault (or None) applied before or after."""
        reply = None
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.when == "before":
            if fault.drop_after is not None:
                self.drop_after = int(fault.drop_after)
            elif fault.drop:
                self.abort()
            elif fault.status is not None:
                reply = self._fault_reply(st, name, fault)
        if reply is None and not self.aborted:
            reply = route[1](self, st) if route else self.no_route(st)
        if fault and fault.when == "after" and not self.aborted:
            if fault.drop or fault.drop_after is not None:
                self.abort()
            elif fault.status is not None:
                reply = self._fault_reply(st, name, fault)
        return reply

    def _fault_reply(self, st, name, fault):
        status = int(fault.status)
        code = fault.code or ("internal_error" if status >= 500 else
                              "rate_limit_exceeded" if status == 429 else
                              "access_token_invalid" if status == 401 else "invalid_params")
        if name == "upload":
            return empty(st, status, code=code)
        if name in OAUTH_NAMES:
            return oauth_error(st, code, fault.message, status=status)
        return envelope(st, code=code, message=fault.message, status=status)

    def _send(self, method, reply, log=True):
        if not self.body_done and (self.headers.get("Content-Length", "0") != "0"
                                   or self.headers.get("Transfer-Encoding")):
            if not self._drain():
                self.close_connection = True  # body unread: cannot reuse the connection
        self.expect_pending = False
        self.send_response(reply.status)
        if reply.ctype and reply.body:
            self.send_header("Content-Type", reply.ctype)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        for k, v in self.trace_headers(reply).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)
        if log:
            self.log_message("%s %s -> %d %s", method, self.redact_path(self.path), reply.status,
                             reply.code or "")

    # ---- logging -------------------------------------------------------
    def log_request(self, code="-", size="-"):
        pass  # _send logs a redacted line instead of the raw request line

    def log_message(self, fmt, *args):
        line = scrub(fmt % args)
        sys.stderr.write(f"sandbox {time.strftime('%H:%M:%S')} {line}\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout, BrokenPipeError)) \
                or exc.__class__.__name__.startswith("SSL"):
            sys.stderr.write(f"sandbox: connection from {client_address[0]}: "
                             f"{exc.__class__.__name__}: {scrub(str(exc))}\n")
            return
        import traceback
        sys.stderr.write("sandbox: internal error\n" + scrub(traceback.format_exc()))


def make_server(st, ssl_ctx, handler=Handler):
    srv = Server(("127.0.0.1", 0), handler, bind_and_activate=True)
    srv.socket = ssl_ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    srv.st = st
    st.port = srv.server_address[1]
    return srv


__all__ = ["make_server", "Reply"]

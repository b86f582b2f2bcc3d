"""Inspection and control under /_sandbox/ (JSON in, JSON out; README.md lists
every call).  Tests use it to see what the sandbox received, to inject faults,
to turn knobs and the clock, and to reset between tests.  No call here ever
returns a token value, an upload token or the client secret.
"""
import json
import random
import urllib.parse

from .sb_reply import control


class Fault:
    """One injected fault.  It watches requests to one endpoint and fires on the
    nth of them (counted from injection) for `count` times (0: for ever), or at
    random with `probability` from its own seeded generator."""

    FIELDS = {"endpoint", "nth", "count", "probability", "seed", "status", "code", "message",
              "drop", "drop_after", "delay", "when"}

    def __init__(self, fid, spec):
        unknown = set(spec) - self.FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}")
        if "endpoint" not in spec:
            raise ValueError("fault needs an endpoint")
        self.id = fid
        self.endpoint = spec["endpoint"]
        self.nth = int(spec.get("nth", 1))
        self.count = int(spec.get("count", 1))
        self.probability = spec.get("probability")
        self.rng = random.Random(spec.get("seed", 0))
        self.status = spec.get("status")
        self.code = spec.get("code")
        self.message = spec.get("message", "Injected by the sandbox.")
        self.drop = bool(spec.get("drop", False))
        self.drop_after = spec.get("drop_after")
        self.delay = float(spec.get("delay", 0))
        self.when = spec.get("when", "before")
        if self.when not in ("before", "after"):
            raise ValueError("when must be before or after")
        if self.status is None and not self.drop and self.drop_after is None and not self.delay:
            raise ValueError("a fault needs status, drop, drop_after or delay")
        self.seen = 0
        self.fired = 0

    def matches(self, name, path):
        return self.endpoint in (name, path)

    def fire(self):
        """Called for each matching request; True when the fault applies to it."""
        self.seen += 1
        if self.count and self.fired >= self.count:
            return False
        if self.probability is not None:
            hit = self.rng.random() < float(self.probability)
        else:
            hit = self.seen >= self.nth
        if hit:
            self.fired += 1
        return hit

    def describe(self):
        return {"id": self.id, "endpoint": self.endpoint, "nth": self.nth, "count": self.count,
                "probability": self.probability, "status": self.status, "code": self.code,
                "drop": self.drop, "drop_after": self.drop_after, "delay": self.delay,
                "when": self.when, "seen": self.seen, "fired": self.fired}


def handle(h, st, method):
    path = h.url_path
    try:
        body = h.read_body()
        args = json.loads(body) if body.strip() else {}
        if not isinstance(args, dict):
            raise ValueError("body must be a JSON object")
        return _route(h, st, method, path, args)
    except (ValueError, TypeError, KeyError) as e:
        return control({"error": str(e)}, status=400)


def _route(h, st, method, path, args):
    q = urllib.parse.parse_qs(h.query)
    name = path[len("/_sandbox/"):].strip("/")
    with st.lock:
        if name == "health":
            return control({"ok": True, "port": st.port, "now": st.now()})
        if name == "config":
            cfg = {k: v for k, v in st.cfg.items() if k != "client_secret"}
            return control(cfg)
        if name == "received":
            pid = (q.get("publish_id") or [args.get("publish_id")])[0]
            items = [st.received(t) for t in sorted(st.tasks.values(), key=lambda t: t.seq)
                     if pid is None or t.publish_id == pid]
            return control({"items": items})
        if name == "requests":
            return control({"requests": list(st.requests)})
        if name == "authorizations":
            return control({"authorizations": list(st.authorizations)})
        if name == "requests/clear" and method == "POST":
            st.requests.clear()
            return control({"ok": True})
        if name == "inject" and method == "POST":
            st.fault_seq = getattr(st, "fault_seq", 0) + 1
            f = Fault(st.fault_seq, args)
            st.faults.append(f)
            return control({"id": f.id})
        if name == "faults":
            return control({"faults": [f.describe() for f in st.faults]})
        if name == "faults/clear" and method == "POST":
            st.faults.clear()
            return control({"ok": True})
        if name == "expire_tokens" and method == "POST":
            now = st.now()
            for rec in st.access.values():
                rec["expires"] = min(rec["expires"], now)
            if args.get("refresh"):
                for rec in st.refresh.values():
                    rec["expires"] = min(rec["expires"], now)
            return control({"ok": True})
        if name == "fail_next" and method == "POST":
            st.fail_next.append({"fail_reason": str(args["fail_reason"]),
                                 "remaining": int(args.get("count", 1))})
            return control({"ok": True})
        if name == "expire_upload" and method == "POST":
            pid = args.get("publish_id")
            if pid is None:
                st.expire_next_upload += int(args.get("count", 1))
                return control({"ok": True})
            t = st.tasks[pid]
            t.upload_expires = min(t.upload_expires, st.now())
            return control({"ok": True})
        if name == "inbox_posted" and method == "POST":
            t = st.tasks[args["publish_id"]]
            t.inbox_posted_at = st.now()
            return control({"ok": True})
        if name == "knobs":
            if method == "POST":
                return control(st.set_knobs(args))
            return control(dict(st.knobs))
        if name == "clock":
            if method == "POST":
                st.clock.set(scale=args.get("scale"), advance=args.get("advance", 0),
                             at=args.get("set"))
            return control(st.clock.describe())
        if name == "reset" and method == "POST":
            st.reset()
            return control({"ok": True})
    return control({"error": f"no control call {method} /_sandbox/{name}"}, status=404)

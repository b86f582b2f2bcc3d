#!/usr/bin/python3
"""A local TikTok for tests: the OAuth, user-info and Content Posting endpoints of
docs/tiktok.md (§8 is the blueprint), as strict as TikTok, over HTTPS on
127.0.0.1.

    sandbox.py --config FILE --dir DIR [--port-file FILE] [--owner-pid PID]

Makes a throwaway CA (DIR/ca.pem, what clients trust) and a server certificate
for IP:127.0.0.1 and DNS:localhost with the openssl CLI, listens on a port the OS
chooses and writes that port to the port file (atomically) once it accepts
connections.  Logs to stderr; exits 0 on SIGTERM or SIGINT, and on its own when
--owner-pid dies (so a killed test run leaves no server behind).  Python 3
standard library only.  The modules next to this file hold the rules:
sb_state (clock, knobs, memory), sb_oauth, sb_posting, sb_upload, sb_control,
sb_http (plumbing), sb_reply (answer shapes).
"""
import argparse
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading

# Run as a script, this file is __main__ and its folder the package
# `sandbox`: the folder above goes first on the path so that the package's
# modules, which import each other relatively, load as sandbox.sb_*.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sandbox.sb_http import make_server  # noqa: E402
from sandbox.sb_state import State, load_config  # noqa: E402

EXT = """basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
"""


def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {r.stderr.strip()}")


def make_certs(d):
    """CA and server certificate in @d; an existing pair is reused."""
    names = ("ca.pem", "ca.key", "server.pem", "server.key")
    if all(os.path.exists(os.path.join(d, n)) for n in names):
        return
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
             "-subj", "/CN=tiktokfs sandbox CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write(EXT)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "30", "-extfile", "server.ext",
             cwd=d)
    for n in ("ca.key", "server.key"):
        os.chmod(os.path.join(d, n), 0o600)


def write_port(path, port):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main():
    return serve(__doc__.split("\n")[0], load_config, State, make_server)


def serve(description, load_config, State, make_server):
    """The whole life of a sandbox process; the YouTube sandbox runs it too,
    with its own config loader, state and server."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--config", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file")
    ap.add_argument("--owner-pid", type=int,
                    help="exit (and remove --dir if --remove-dir) when this process is gone")
    ap.add_argument("--remove-dir", action="store_true")
    args = ap.parse_args()

    os.makedirs(args.dir, mode=0o700, exist_ok=True)
    cfg = load_config(args.config)
    make_certs(args.dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(args.dir, "server.pem"), os.path.join(args.dir, "server.key"))
    st = State(cfg, args.dir)
    srv = make_server(st, ctx)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    loop = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    loop.start()
    if args.port_file:
        write_port(args.port_file, st.port)
    sys.stderr.write(f"sandbox: listening on https://127.0.0.1:{st.port}/ "
                     f"(CA {os.path.join(args.dir, 'ca.pem')})\n")
    sys.stderr.flush()
    orphaned = False
    while not stop.wait(1.0):
        if args.owner_pid and not _alive(args.owner_pid):
            sys.stderr.write("sandbox: owner process gone, exiting\n")
            orphaned = True
            break
    srv.shutdown()
    srv.server_close()
    if orphaned and args.remove_dir:
        shutil.rmtree(args.dir, ignore_errors=True)
    sys.stderr.write("sandbox: stopped\n")
    return 0


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())

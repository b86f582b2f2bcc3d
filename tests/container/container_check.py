#!/usr/bin/python3
"""`make container-check`: the NAS container of contrib/container/, for real.

Builds the image with podman (rootful, runc) from a Debian 12 base made
here with debootstrap (no image registry is needed; `--base IMAGE` takes
another, `CONTAINER_APT_MIRROR` a mirror for the build's apt-get), starts
the TikTok sandbox on the host, and runs the services of compose.yaml
through tests/container/compose_podman.py, so the test exercises the file
users run.  The containers use the host's network only to reach the
sandbox on 127.0.0.1.  What it checks, in order:

 1. the watch service starts on a bind-mounted share with no privileges
    (cap_drop ALL but CHOWN, DAC_OVERRIDE, FOWNER); its health check
    (`tiktokfs status --json --health`) fails, saying "not logged in";
 2. `compose run --rm tiktokfs login --no-browser` (the address opened, the
    redirect pasted back) logs in while the daemon runs; the check passes;
 3. a video and caption written into a folder of outbox/ by a share user
    (uid 4242, not root) are posted: the sandbox received the same SHA-256
    and the caption, posted/ holds the video with user.tiktok.* on the bind
    mount, and both the video and the folder made for it in posted/ belong
    to that user;
 3b. a share user's video under 3 s goes to failed/ with its .error (the
    share's outbox/ was made by another user, mode 1777 like /tmp: moving
    out of it is what needs CAP_FOWNER);
 4. `podman stop` ends the daemon with exit 0; after a start the item
    stays in posted/ with the same publish ID, a second item is posted, and
    the sandbox holds exactly two uploads: nothing was posted twice;
 5. the FUSE service (profile "fuse": /dev/fuse, CAP_SYS_ADMIN, rshared
    mount point) mounts, the mount is visible on the host, a video copied
    in there is posted, and `podman stop` unmounts it.  The host's mount
    point is made a shared bind mount first, which is what
    `mount --make-shared` does on a NAS.

Everything it makes (containers, volumes, the sandbox, the bind mount) is
removed at the end, whatever happened; the images stay for the next run:
the two named ones (`podman rmi localhost/tiktokfs:container-check
localhost/bookworm-base`) and the build stage's, unnamed, which keeps its
apt-get layer cached (`podman image prune` removes the ones a newer build
replaced).
Exit 0 when all passed.  Its name does not start or end with "test", so
`make check`'s pytest never collects it.
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "tools"))
sys.path.insert(0, str(HERE))

import compose_podman  # noqa: E402
from mediafiles import make_media  # noqa: E402
from sandbox.client import Sandbox  # noqa: E402

PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
BASE = "localhost/bookworm-base"
IMAGE = "localhost/tiktokfs:container-check"
COMPOSE = ROOT / "contrib" / "container" / "compose.yaml"
SHARE_UID = 4242
ADMIN_UID = 4243
TT = "user.tiktok."


def log(msg):
    print(f"container-check: {msg}", flush=True)


def podman(*args, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    cp = subprocess.run(PODMAN + list(args), stdin=kw.pop("stdin", subprocess.DEVNULL), **kw)
    if check and cp.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])}... exit {cp.returncode}:\n"
                             f"{cp.stdout}{cp.stderr}")
    return cp


def wait_for(what, cond, timeout=60, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout}s\n{detail()}")
        time.sleep(0.2)


# ---- the image -----------------------------------------------------------

def apt_mirror():
    """The Debian mirror this machine's apt uses (deb822 or one-line)."""
    for f in sorted(pathlib.Path("/etc/apt").glob("sources.list*")) + \
            sorted(pathlib.Path("/etc/apt/sources.list.d").glob("*")):
        if not f.is_file():
            continue
        for line in f.read_text().splitlines():
            for word in line.split():
                if word.startswith("http") and word.rstrip("/").endswith("/debian"):
                    return word
    return "http://deb.debian.org/debian"


def ensure_base():
    if podman("image", "exists", BASE, check=False).returncode == 0:
        log(f"base image {BASE} exists")
        return
    mirror = apt_mirror()
    log(f"making {BASE} with debootstrap from {mirror} (a few minutes)")
    with tempfile.TemporaryDirectory(prefix="ttfs-base-") as d:
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", d, mirror], check=True,
                       stdout=subprocess.DEVNULL)
        tar = subprocess.Popen(["tar", "-C", d, "-c", "."], stdout=subprocess.PIPE)
        podman("import", "-", BASE, stdin=tar.stdout)
        tar.wait()


def build(base):
    log(f"building {IMAGE} from {base}")
    args = ["build", *LIMITS, "--network", "host", "--build-arg", f"BASE_IMAGE={base}",
            "--build-arg", f"APT_MIRROR={os.environ.get('CONTAINER_APT_MIRROR', '')}",
            "-f", str(ROOT / "contrib/container/Containerfile"), "-t", IMAGE, str(ROOT)]
    podman(*args, capture_output=False, stdout=subprocess.DEVNULL)


# ---- one test run ----------------------------------------------------------

class Run:
    def __init__(self, work, sandbox):
        self.work = work
        self.sb = sandbox
        self.compose = compose_podman.load(COMPOSE)
        self.tag = f"ttfs-check-{os.getpid()}"
        self.named = {"tiktokfs-state": f"{self.tag}-state",
                      "tiktokfs-fuse-state": f"{self.tag}-fuse-state"}
        self.share = work / "share"
        self.mnt = work / "mnt"
        self.env = {"SHARE": str(self.share), "MOUNTPOINT": str(self.mnt), "TZ": "Etc/UTC"}
        self.containers = []
        self.bound = False

    def write_config(self):
        cfg = self.work / "config"
        cfg.mkdir(mode=0o755)
        text = (f"client_key = {self.sb.client_key}\nclient_secret = {self.sb.client_secret}\n"
                f"redirect_uri = {self.sb.redirect_uri}\napi_base = {self.sb.base_url}\n"
                f"auth_url = {self.sb.auth_url}\nca_file = {self.sb.ca_file}\n"
                "state_dir = /var/lib/tiktokfs\nprivacy = private\nsettle_time = 1\n")
        fd = os.open(cfg / "tiktokfs.conf", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def args(self, service, command=None):
        opts, cmd = compose_podman.run_args(self.compose, service, str(self.work), self.named,
                                            self.env, command)
        # the sandbox listens on the host's 127.0.0.1, with its CA in its dir
        return [*LIMITS, "--network", "host", "--volume", f"{self.sb.dir}:{self.sb.dir}:ro",
                *opts], cmd

    def start(self, service, name):
        opts, cmd = self.args(service)
        podman("run", "-d", "--name", name, *opts, IMAGE, *cmd)
        self.containers.append(name)
        self.wait_log(name, 1)

    def wait_log(self, name, n, word=None):
        word = word or "watching "

        def logs():
            return podman("logs", name, check=False).stderr

        def ready():
            if podman("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
                raise AssertionError(f"{name} stopped:\n{logs()}")
            return logs().count(word) >= n
        wait_for(f"{name}: {word!r} #{n} in its log", ready, 30, logs)

    def health(self, name):
        cp = podman("healthcheck", "run", name, check=False)
        why = podman("exec", name, "tiktokfs", "status", "--health", check=False)
        return cp.returncode, why.stderr

    def login(self, service):
        """`docker compose run --rm SERVICE login --no-browser`, pasting by hand."""
        opts, cmd = self.args(service, ["login", "--no-browser"])
        proc = subprocess.Popen(PODMAN + ["run", "--rm", "-i", *opts, IMAGE, *cmd],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        url = None
        for line in proc.stdout:
            if line.startswith("https://"):
                url = line.strip()
            if line.startswith("Then paste"):
                break
        assert url, f"login printed no address: {proc.communicate(timeout=30)}"
        parts = urllib.parse.urlsplit(url)
        r = self.sb.api("GET", parts.path + "?" + parts.query)
        assert r.status == 302, f"authorize: {r.status} {r.text[:300]}"
        out, err = proc.communicate(r.headers["location"] + "\n", timeout=60)
        assert proc.returncode == 0 and "Logged in as " in out, f"login failed:\n{out}{err}"
        log(f"login through the container: {out.strip().splitlines()[-1]}")

    def cleanup(self):
        for name in self.containers:
            podman("rm", "-f", "-t", "5", name, check=False)
        for vol in self.named.values():
            podman("volume", "rm", "-f", vol, check=False)
        if self.bound:
            subprocess.run(["umount", "-l", str(self.mnt)], check=False)


# ---- items -----------------------------------------------------------------

def as_share_user(*argv):
    subprocess.run(["setpriv", f"--reuid={SHARE_UID}", f"--regid={SHARE_UID}", "--clear-groups",
                    *argv], check=True)


def drop(folder, name, video, text):
    """Copy @video and its caption into @folder as a share user would."""
    cap = folder / (pathlib.Path(name).stem + ".caption")
    tmp = pathlib.Path(video).parent / f"{name}.caption-src"
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    as_share_user("cp", str(tmp), str(cap))
    as_share_user("cp", str(video), str(folder / name))
    tmp.unlink()


def xattrs(path):
    try:
        return {n[len(TT):]: os.getxattr(path, n).decode()
                for n in os.listxattr(path) if n.startswith(TT)}
    except OSError:
        return {}


def wait_posted(path, detail):
    return wait_for(f"{path} posted", lambda: (x := xattrs(path)).get("state") == "posted"
                    and x.get("status") == "PUBLISH_COMPLETE" and x, 120, detail)


def check_received(sb, x, video, text):
    got = sb.received(x["publish_id"])
    want = hashlib.sha256(pathlib.Path(video).read_bytes()).hexdigest()
    assert got["sha256"] == want, f"sandbox got {got['sha256']}, sent {want}"
    assert got["title"] == text.strip(), f"sandbox got title {got['title']!r}"


# ---- the story -------------------------------------------------------------

def watch_service(r, media):
    name = f"{r.tag}-watch"
    logs = lambda: podman("logs", name, check=False).stderr  # noqa: E731
    # as on a NAS, the share's admin (another user) made outbox/ like /tmp
    r.share.mkdir(mode=0o755)
    (r.share / "outbox").mkdir()
    os.chown(r.share / "outbox", ADMIN_UID, ADMIN_UID)
    os.chmod(r.share / "outbox", 0o1777)
    r.start("tiktokfs", name)
    rc, why = r.health(name)
    assert rc != 0 and "not logged in" in why, f"health before login: {rc} {why}"
    log(f"1. watch service running; health before login: unhealthy ({why.strip()})")
    r.login("tiktokfs")
    wait_for("health after login", lambda: r.health(name)[0] == 0, 30, logs)
    log("2. logged in through `run --rm tiktokfs login --no-browser`; healthy")
    text1 = "Harbour at dusk #container"
    as_share_user("mkdir", str(r.share / "outbox" / "team"))
    drop(r.share / "outbox" / "team", "clip.mp4", media[0], text1)
    x1 = wait_posted(r.share / "posted" / "team" / "clip.mp4", logs)
    check_received(r.sb, x1, media[0], text1)
    for rel in ("posted/team", "posted/team/clip.mp4"):  # made for, and kept with, its user
        uid = os.stat(r.share / rel).st_uid
        assert uid == SHARE_UID, f"{rel} belongs to uid {uid}, not the share user"
    log(f"3. posted {x1['publish_id']}: sha256 and caption received, xattrs on the share")
    drop(r.share / "outbox", "short.mp4", media[3], "Too short")
    failed = r.share / "failed" / "short.mp4"
    # the .error is written with the move; the mirror's xattrs follow within 0.25 s
    wait_for("failed/short.mp4 with its .error", lambda: failed.with_name("short.mp4.error")
             .exists() and xattrs(failed).get("state") == "failed", 60, logs)
    why = failed.with_name("short.mp4.error").read_text()
    assert "short.mp4" in why and "at least 3 s" in why, why
    log(f"   a video under 3 s went to failed/ with its .error: {why.splitlines()[0][:100]}")
    restart(r, name, x1, media[1], logs)


def restart(r, name, x1, video, logs):
    podman("stop", "-t", "30", name)
    code = podman("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip()
    assert code == "0", f"the daemon exited with {code}:\n{logs()}"
    podman("start", name)
    r.wait_log(name, 2)
    text2 = "Second clip after a restart"
    drop(r.share / "outbox", "clip2.mp4", video, text2)
    x2 = wait_posted(r.share / "posted" / "clip2.mp4", logs)
    check_received(r.sb, x2, video, text2)
    again = xattrs(r.share / "posted" / "team" / "clip.mp4")
    assert again.get("publish_id") == x1["publish_id"] and again.get("state") == "posted", again
    got = r.sb.received()
    assert len(got) == 2, f"the sandbox received {len(got)} uploads: {json.dumps(got)[:800]}"
    assert r.health(name)[0] == 0
    log("4. stopped (exit 0) and started: clip.mp4 stays posted with its xattrs, "
        "clip2.mp4 posted, 2 uploads in all")


def fuse_service(r, media):
    name = f"{r.tag}-fuse"
    logs = lambda: podman("logs", name, check=False).stderr  # noqa: E731
    r.mnt.mkdir(mode=0o755)
    # what `mount --make-shared /volume1` does on a NAS, on a folder of ours
    subprocess.run(["mount", "--bind", str(r.mnt), str(r.mnt)], check=True)
    r.bound = True
    subprocess.run(["mount", "--make-shared", str(r.mnt)], check=True)
    r.login("tiktokfs-fuse")
    opts, cmd = r.args("tiktokfs-fuse")
    podman("run", "-d", "--name", name, *opts, IMAGE, *cmd)
    r.containers.append(name)
    wait_for("the FUSE mount on the host", lambda: (r.mnt / "STATUS.txt").exists(), 30, logs)
    log("5. FUSE service mounted; the mount is visible on the host")
    text = "Through the FUSE mount"
    drop(r.mnt / "outbox", "fuse.mp4", media[2], text)
    x = wait_posted(r.mnt / "posted" / "fuse.mp4", logs)
    check_received(r.sb, x, media[2], text)
    assert r.health(name)[0] == 0
    podman("stop", "-t", "30", name)
    wait_for("the host to see the unmount", lambda: not (r.mnt / "STATUS.txt").exists(), 30,
             logs)
    log(f"   posted {x['publish_id']} through the mount; stop unmounted it")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", help=f"base image (default: {BASE}, made with debootstrap)")
    ap.add_argument("--no-build", action="store_true", help=f"reuse {IMAGE}")
    ap.add_argument("--no-fuse", action="store_true", help="skip the FUSE service")
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("podman"):
        sys.exit("container-check: needs root and podman (apt-get install podman runc "
                 "debootstrap)")
    if not a.no_build:
        if not a.base:
            ensure_base()
        build(a.base or BASE)
    work = pathlib.Path(tempfile.mkdtemp(prefix="ttfs-container-"))
    os.chmod(work, 0o755)
    media = [make_media("mp4", work / "media", w=360, h=640, dur=d) for d in (3.0, 3.5, 4.0, 2.0)]
    sb = Sandbox().start()
    r = Run(work, sb)
    try:
        r.write_config()
        watch_service(r, media)
        if not a.no_fuse:
            fuse_service(r, media)
    finally:
        r.cleanup()
        sb.stop()
        shutil.rmtree(work, ignore_errors=True)
    log("passed")


if __name__ == "__main__":
    main()

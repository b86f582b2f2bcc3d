"""contrib/container/compose.yaml as `podman run` arguments.

podman-compose is not in Debian 12's podman, and Docker is not on the test
machine, so container_check.py starts the services of the real
compose.yaml through this translation: whatever the compose file says
about a service (command, capabilities, security options, devices, init,
environment, volumes with their propagation, health check) reaches podman,
and a mistake in the compose file fails the test.  Only the keys the file
uses are translated; an unknown key of a service fails loudly rather than
being dropped.  Not translated, with reasons: build (the test builds the
image itself), image (the test's tag), restart (the test restarts by hand),
profiles (the test picks the service), stop_grace_period (podman stop -t).
"""
import json
import os
import re

import yaml

IGNORED = {"build", "image", "restart", "profiles", "stop_grace_period"}
HANDLED = {"command", "cap_drop", "cap_add", "security_opt", "devices", "init",
           "environment", "volumes", "healthcheck"}
VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)  # SafeLoader resolves the <<: merge keys


def interpolate(text, env):
    """${NAME} and ${NAME:-default} as compose does, from @env only."""
    return VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), str(text))


def _volume(spec, project_dir, named, env):
    """One --volume/--mount argument list for a short or long volume syntax."""
    if isinstance(spec, dict):
        src = interpolate(spec["source"], env)
        opts = [f"type={spec['type']}", f"source={src}", f"target={spec['target']}"]
        prop = (spec.get("bind") or {}).get("propagation")
        if prop:
            opts.append(f"bind-propagation={prop}")
        if spec.get("read_only"):
            opts.append("readonly=true")
        return ["--mount", ",".join(opts)]
    parts = interpolate(spec, env).split(":")
    src = parts[0]
    if src.startswith("./"):
        src = os.path.join(project_dir, src[2:])
    elif not src.startswith("/"):
        src = named[src]  # a named volume: the test's own
    return ["--volume", ":".join([src] + parts[1:])]


def _health(hc):
    test = list(hc["test"])
    if test[0] == "CMD":
        test = test[1:]
    # The interval's timer needs systemd; the test runs each check itself
    # with `podman healthcheck run`.
    return [f"--health-cmd={json.dumps(test)}", "--health-interval=disable",
            f"--health-timeout={hc.get('timeout', '30s')}",
            f"--health-retries={hc.get('retries', 3)}"]


def run_args(compose, service, project_dir, named, env, command=None):
    """(options, command) for `podman run OPTIONS IMAGE COMMAND`.  @named maps
    the compose file's volume names to the test's; @command replaces the
    service's (as `docker compose run SERVICE COMMAND` does)."""
    svc = compose["services"][service]
    unknown = set(svc) - IGNORED - HANDLED
    if unknown:
        raise ValueError(f"compose_podman: {service}: keys not translated: {sorted(unknown)}")
    opts = []
    if svc.get("init"):
        opts.append("--init")
    opts += [f"--cap-drop={c}" for c in svc.get("cap_drop", [])]
    opts += [f"--cap-add={c}" for c in svc.get("cap_add", [])]
    # Docker writes "apparmor:unconfined", podman "apparmor=unconfined"
    opts += [f"--security-opt={s.replace(':', '=', 1)}" for s in svc.get("security_opt", [])]
    opts += [f"--device={d}" for d in svc.get("devices", [])]
    for k, v in (svc.get("environment") or {}).items():
        opts.append(f"--env={k}={interpolate(v, env)}")
    for spec in svc.get("volumes", []):
        opts += _volume(spec, project_dir, named, env)
    if "healthcheck" in svc and command is None:
        opts += _health(svc["healthcheck"])
    return opts, list(command if command is not None else svc.get("command", []))

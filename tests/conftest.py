"""Top-level pytest fixtures: the local TikTok sandbox (tests/sandbox).

sandbox_server  one sandbox process for the whole session (started lazily, by the
                first test that asks for it; stopped and its directory removed at
                the end, whatever happened).
sandbox         the same process, reset before each test (tokens, tasks, faults,
                knobs, clock and request log forgotten; CA and config kept).  If a
                test killed it, it is restarted.
sandbox_config  a factory: sandbox_config(**extra) writes a tiktokfs config (mode
                0600) into the test's tmp_path pointing at the sandbox, with
                state_dir = tmp_path/state, and returns its path.

When a test fails, the tail of the sandbox's stderr is added to the report as a
section ("sandbox stderr").  Fixtures that start their own Sandbox can get the
same by calling attach_sandbox(request, sb).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))

from sandbox.client import Sandbox  # noqa: E402
from mediafiles import media  # noqa: E402,F401  (session fixture: name -> video path)


def attach_sandbox(request, sb):
    """Show @sb's stderr tail in the report if the requesting test fails."""
    node = request.node
    lst = getattr(node, "_sandboxes", None)
    if lst is None:
        lst = node._sandboxes = []
    if sb not in lst:
        lst.append(sb)


@pytest.fixture(scope="session")
def sandbox_server():
    sb = Sandbox()
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def sandbox(sandbox_server, request):
    if not sandbox_server.alive():
        sandbox_server.restart()
    sandbox_server.reset()
    attach_sandbox(request, sandbox_server)
    yield sandbox_server


@pytest.fixture
def sandbox_config(sandbox, tmp_path):
    def make(**extra):
        return sandbox.tiktokfs_config(tmp_path, **extra)
    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed:
        return
    for sb in getattr(item, "_sandboxes", []):
        rep.sections.append((f"sandbox stderr (port {sb.port}, {rep.when})", sb.stderr_tail()))

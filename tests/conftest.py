"""Top-level pytest fixtures: the local TikTok sandbox (tests/sandbox).

sandbox_server  one sandbox process for the whole session (started lazily, by the
                first test that asks for it; stopped and its directory removed at
                the end, whatever happened).
sandbox         the same process, reset before each test (tokens, tasks, faults,
                knobs, clock and request log forgotten; CA and config kept).  If a
                test killed it, it is restarted.
time_scale      the test's clock scale: 1, or N for a test marked
                @pytest.mark.time_scale(N).  At N, the sandbox's clock runs N
                times faster (set after its reset) and every tiktokfs the test
                starts inherits TIKTOKFS_TEST_TIME_SCALE=N and the matching
                TIKTOKFS_TEST_TIME_OFFSET (util/clock.h), so
                TikTok's minutes (the pace window, a 429's deferral) pass in
                seconds on both sides while the assertions stay in TikTok time.
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


TIME_SCALE_ENV = "TIKTOKFS_TEST_TIME_SCALE"
TIME_OFFSET_ENV = "TIKTOKFS_TEST_TIME_OFFSET"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "time_scale(n): run the sandbox's and the daemon's clocks n times "
        "faster (tests/conftest.py, time_scale)")


@pytest.fixture
def time_scale(request, monkeypatch):
    mark = request.node.get_closest_marker("time_scale")
    scale = mark.args[0] if mark else 1
    assert 1 <= scale <= 10000, "the daemon takes scales from 1 to 10000"
    monkeypatch.delenv(TIME_SCALE_ENV, raising=False)
    monkeypatch.delenv(TIME_OFFSET_ENV, raising=False)
    return scale


def scale_clocks(sb, monkeypatch, scale):
    """Run @sb's clock at @scale and give every tiktokfs started from now
    the same clock: the scale, and the offset that puts its wall clock on the
    sandbox's (both are "real x scale + offset")."""
    c = sb.set_clock(scale=scale)
    real = c["now"] - c["offset"]  # the real time the sandbox read
    monkeypatch.setenv(TIME_SCALE_ENV, repr(float(scale)))
    monkeypatch.setenv(TIME_OFFSET_ENV, repr(c["now"] - real * scale))


@pytest.fixture
def sandbox(sandbox_server, request, time_scale, monkeypatch):
    if not sandbox_server.alive():
        sandbox_server.restart()
    sandbox_server.reset()
    if time_scale != 1:
        scale_clocks(sandbox_server, monkeypatch, time_scale)
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

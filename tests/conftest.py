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
clock_jump      for a test marked time_scale(N), N > 1: clock_jump(seconds) moves
                the sandbox's clock ahead and gives every tiktokfs started from
                then on the same clock: time that passes while no daemon runs,
                without waiting for it.  (A daemon's clock is read once: one
                that runs keeps its own.  At scale 1 the daemon reads the real
                clock and ignores any offset, hence N > 1.)
sandbox_config  a factory: sandbox_config(**extra) writes a tiktokfs config (mode
                0600) into the test's tmp_path pointing at the sandbox, with
                state_dir = tmp_path/state, and returns its path.
yt_sandbox_server, yt_sandbox
                the same two for the local YouTube sandbox
                (tests/sandbox/youtube): one process per session, reset before
                each test; yt_sandbox.tiktokfs_config(dir, account=...) writes a
                config with a YouTube account pointing at it.

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
from sandbox.youtube.client import YouTubeSandbox  # noqa: E402
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


@pytest.fixture(scope="session")
def yt_sandbox_server():
    sb = YouTubeSandbox()
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def yt_sandbox(yt_sandbox_server, request):
    if not yt_sandbox_server.alive():
        yt_sandbox_server.restart()
    yt_sandbox_server.reset()
    attach_sandbox(request, yt_sandbox_server)
    return yt_sandbox_server


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
def clock_jump(sandbox, time_scale, monkeypatch):
    def jump(seconds):
        assert time_scale > 1, "clock_jump needs @pytest.mark.time_scale(N), N > 1"
        sandbox.advance(seconds)
        scale_clocks(sandbox, monkeypatch, time_scale)
    return jump


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


# -- order: the longest tests first --------------------------------------------
#
# Most of the suite's time is waiting (for the daemon, the sandbox, TikTok's
# clock), so `make check` runs it on several pytest-xdist workers.  The
# suite's wall time is then the time of the busiest worker: a long test
# handed out last stretches the tail while the other workers idle.  So the
# known-long tests (>= ~15 s each in `pytest --durations=30` of the SAN
# build on 6 workers, longest first; remeasure after changing a long test)
# run first, and each worker is handed tests one by one instead of in chunks
# (xdist's own "load" mode gives each worker a quarter of its share at once,
# so every long test would land on the first worker): longest first onto the
# next free worker is the classic near-optimal greedy schedule.  A test
# missing from this list only runs later; keeping it current is for speed.
LONG_FIRST = [
    "tests/integration/test_post_wait.py::test_three_days_of_two_hour_tokens_need_no_new_login",
    "tests/integration/test_queue.py::test_ten_items_take_ten_slots_in_order_keep_them_and_post_at_them",
    "tests/integration/test_accounts_accept.py::test_a_revoked_account_waits_for_its_login_and_the_others_go_on",
    "tests/integration/test_pacing.py::test_a_burst_of_20_goes_out_at_the_allowed_rate",
    "tests/integration/test_account_turns.py::test_equal_shares_let_a_later_account_go_before_the_first_is_done",
    "tests/integration/test_account_turns.py::test_shares_three_to_one_give_three_turns_for_one",
    "tests/integration/test_posting.py::test_150_mb_goes_in_15_chunks_of_10_mb",
    "tests/integration/test_youtube_quota.py::test_processing_state_follows_after_a_remount",
    "tests/integration/test_post_wait.py::test_post_id_after_three_hours_of_moderation_across_a_remount",
    "tests/integration/test_security.py::test_watch_never_takes_items_through_a_symlinked_folder",
    "tests/integration/test_results_state.py::test_mounted_fixed_caption_error_goes",
    "tests/integration/test_results_state.py::test_watch_fixed_caption_error_goes",
    "tests/integration/test_results.py::test_moving_from_failed_back_to_outbox_retries",
    "tests/integration/test_schedule.py::test_schedule_posts_inside_the_window_and_not_before",
    "tests/integration/test_schedule.py::test_editing_the_caption_reschedules",
    "tests/integration/test_exactly_once.py::test_kill_mid_upload_resumes_where_tiktok_is",
    "tests/integration/test_tiktok_rules.py::test_64_000_001_bytes_go_in_several_chunks",
    "tests/integration/test_security.py::test_watch_symlinked_caption_is_refused_on_the_item_even_after_restart",
    "tests/integration/test_results_state.py::test_watch_mirror_never_follows_a_link_planted_in_posted",
    "tests/integration/test_security.py::test_mount_folder_named_like_a_caption_is_refused_even_after_restart",
    "tests/integration/test_status.py::test_status_shows_a_moving_progress_bar_during_a_throttled_upload",
    "tests/integration/test_schedule.py::test_schedule_survives_an_unmount",
    "tests/integration/test_schedule.py::test_deleting_cancels",
    "tests/integration/test_exactly_once.py::test_kill_right_after_init",
    "tests/integration/test_fs_basic.py::test_ten_thousand_files_are_listed",
    "tests/integration/test_defaults.py::test_nested_defaults_and_a_caption_override_reach_tiktok",
    "tests/integration/test_pacing.py::test_the_daily_cap_defers_the_rest",
    "tests/integration/test_accounts_accept.py::test_each_account_posts_to_its_own_user_and_status_shows_its_own",
    "tests/integration/test_accounts_accept.py::test_a_burst_in_two_accounts_is_paced_per_account",
    "tests/integration/test_accounts_accept.py::test_watch_mode_posts_each_accounts_item_to_its_user",
    "tests/integration/test_accounts_accept.py::test_two_brands_each_on_its_own_samba_share",
    "tests/integration/test_accounts_accept.py::test_kill_9_during_two_accounts_uploads_posts_each_item_once",
    "tests/integration/test_check_youtube.py::test_vertical_4_minutes_is_not_a_short_and_says_why",
    "tests/integration/test_exactly_once.py::test_kill_while_polling",
    "tests/integration/test_accounts_accept.py::test_a_login_binds_the_user_who_consented_not_the_browsers",
    "tests/integration/test_security.py::test_watch_fifos_sockets_and_devices_anywhere_never_block_it",
    "tests/integration/test_results_state.py::test_deleting_the_caption_mid_upload_stops_it_and_the_video_waits",
]


def pytest_collection_modifyitems(config, items):
    rank = {nodeid: i for i, nodeid in enumerate(LONG_FIRST)}
    # stable: the other tests keep their order, after the long ones
    items.sort(key=lambda item: rank.get(item.nodeid, len(rank)))


try:
    from xdist.scheduler import LoadScheduling
except ImportError:  # pragma: no cover  (pytest without xdist: no hook)
    LoadScheduling = None

if LoadScheduling is not None:
    class OneByOneScheduling(LoadScheduling):
        """xdist's load mode, but a worker holds at most two tests (the one
        it runs and the next, which pytest needs to know), handed out in
        collection order to whichever worker is free."""

        def schedule(self):
            assert self.collection_is_completed
            if self.collection is not None:
                for node in self.nodes:
                    self.check_schedule(node)
                return
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = list(self.node2collection.values())[0]
            self.pending[:] = range(len(self.collection))
            for _ in range(2):
                for node in self.nodes:
                    if self.pending:
                        self._send_tests(node, 1)
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()

        def check_schedule(self, node, duration=0):
            if node.shutting_down:
                return
            if not self.pending:
                node.shutdown()
                return
            if len(self.node2pending[node]) < 2:
                self._send_tests(node, 2 - len(self.node2pending[node]))

    def pytest_xdist_make_scheduler(config, log):
        if config.getoption("dist") != "load":
            return None
        return OneByOneScheduling(config, log)

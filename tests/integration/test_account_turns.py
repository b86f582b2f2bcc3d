"""Accounts take turns at the one upload the worker runs at a time, weighted
by their bandwidth_share (issue 12): mounted for real against the sandbox,
with the order of TikTok's inits (the sandbox's record, oldest first) as
the account order.  Account a's six items are dropped before account b's
two, all scheduled for one common time, so that every item is due at once
and only the turns decide.

The daemon and the sandbox share a clock running SCALE times faster
(tests/conftest.py, time_scale): the lead before the common time and the
uploads' status polls pass in a tenth of the real time, while the daemon
runs all along, as it would for a real schedule."""
import time

import pytest

from login_util import login_session
from posting_util import FAST, drop

PUBLIC_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"   # sbpublic, tests/sandbox/default.json
PRIVATE_ID = "afd97af1-b87b-48b9-ac98-410a9cda5344"  # sbprivate
SCALE = 10
# s of the shared clock (15 real seconds): time for the eight items to be
# checked before their schedule
LEAD = 150


def login_as(config, sandbox, account, user):
    other = "sbprivate" if user == "sbpublic" else "sbpublic"
    sandbox.knobs(consent_user=other, login_user=user)
    cp = login_session(config, sandbox, args=("--account", account))
    assert cp.returncode == 0, cp.stderr


def two_accounts(mounted, sandbox, share_a, share_b):
    m = mounted(**FAST)
    assert m.unmount() == 0
    with open(m.config, "a") as f:
        f.write(f"[account a]\nbandwidth_share = {share_a}\n"
                f"[account b]\nbandwidth_share = {share_b}\n")
    login_as(m.config, sandbox, "a", "sbpublic")
    login_as(m.config, sandbox, "b", "sbprivate")
    m.mount()
    return m


def post_in_turns(m, sandbox, clip):
    """Drop a's six items, then b's two, all for one time; the accounts of
    the inits in TikTok's order ("a"/"b")."""
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(int(sandbox.clock()["now"]) + LEAD))
    rels = []
    for acct, n in (("a", 6), ("b", 2)):
        for i in range(n):
            rels.append(drop(m, clip, f"---\nprivacy: private\nschedule: {when}\n---\n"
                             f"{acct}{i}", name=f"{acct}{i}.mp4",
                             folder=f"accounts/{acct}/scheduled"))
    for rel in rels:  # every item waits for the time: none was taken early
        m.wait_state(rel, "scheduled", timeout=LEAD / SCALE - 5)
    for rel in rels:
        acct, name = rel.split("/")[1], rel.rsplit("/", 1)[1]
        m.wait_state(f"accounts/{acct}/posted/{name}", "posted", timeout=120)
    tasks = sandbox.received()
    assert len(tasks) == 8
    for t in tasks:  # each by its own account's user
        assert t["open_id"] == (PUBLIC_ID if t["title"][0] == "a" else PRIVATE_ID), t
    return "".join(t["title"][0] for t in tasks)


@pytest.mark.time_scale(SCALE)
def test_equal_shares_let_a_later_account_go_before_the_first_is_done(
        mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox, 1, 1)
    order = post_in_turns(m, sandbox, clip)
    # b's first post comes before a's last: they alternate while both wait
    assert order.index("b") < order.rindex("a"), order
    assert order == "ababaaaa", order


@pytest.mark.time_scale(SCALE)
def test_shares_three_to_one_give_three_turns_for_one(mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox, 3, 1)
    order = post_in_turns(m, sandbox, clip)
    assert order == "aaabaaab", order

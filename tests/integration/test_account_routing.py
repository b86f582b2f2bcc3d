"""Items routed to their account (issue 12, second slice), mounted for real
against the sandbox: the root's folders are the default account's,
accounts/NAME/ holds NAME's, each item is posted by the TikTok user its
account is logged in as, its results land in its account's posted/, and an
item in the folder of an account the config does not have is told so and
never posted.
"""
import datetime
import os
import shutil

from login_util import login_session
from posting_util import FAST, drop, wait_fault, wait_for
from watch_util import watched  # noqa: F401  (fixture)

PUBLIC_ID = "723f24d7-e717-40f8-a2b6-cb8464cd23b4"   # sbpublic, tests/sandbox/default.json
PRIVATE_ID = "afd97af1-b87b-48b9-ac98-410a9cda5344"  # sbprivate

FOLDERS = {"outbox", "scheduled", "posted", "failed", "queue"}


def login_as(config, sandbox, account, user):
    other = "sbprivate" if user == "sbpublic" else "sbpublic"
    sandbox.knobs(consent_user=other, login_user=user)
    cp = login_session(config, sandbox, args=("--account", account))
    assert cp.returncode == 0, cp.stderr
    return cp


def two_accounts(mounted, sandbox):
    """A mount whose config has the default account (logged in as sbpublic)
    and account b (logged in as sbprivate)."""
    m = mounted(**FAST)
    assert m.unmount() == 0
    with open(m.config, "a") as f:
        f.write("[account b]\n")
    login_as(m.config, sandbox, "default", "sbpublic")
    login_as(m.config, sandbox, "b", "sbprivate")
    m.mount()
    return m


def by_title(sandbox):
    return {t["title"]: t for t in sandbox.received()}


def test_items_are_posted_by_the_account_of_their_folder(mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox)
    assert "accounts" in os.listdir(m.mnt)
    assert set(os.listdir(m.mnt / "accounts")) == {"b"}
    assert FOLDERS <= set(os.listdir(m.mnt / "accounts" / "b"))

    drop(m, clip, "---\nprivacy: private\n---\nfrom the root", name="root.mp4")
    drop(m, clip, "---\nprivacy: private\n---\nfrom account b", name="b.mp4",
         folder="accounts/b/outbox")
    m.wait_state("posted/root.mp4", "posted", timeout=60)
    m.wait_state("accounts/b/posted/b.mp4", "posted", timeout=60)

    tasks = by_title(sandbox)
    assert tasks["from the root"]["open_id"] == PUBLIC_ID
    assert tasks["from account b"]["open_id"] == PRIVATE_ID
    assert m.job("posted/root.mp4")["account"] == "default"
    assert m.job("accounts/b/posted/b.mp4")["account"] == "b"
    assert not (m.mnt / "posted" / "b.mp4").exists()


def test_an_item_moved_to_another_account_before_its_upload_is_posted_by_it(
        mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox)
    when = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rel = drop(m, clip, f"---\nprivacy: private\nschedule: {when}\n---\nmoved to b",
               folder="scheduled")
    m.wait_state(rel, "scheduled")
    assert m.job(rel)["account"] == "default"
    # in outbox/ of account b the schedule no longer counts: posted now, by b
    for name in ("clip.caption", "clip.mp4"):
        os.rename(m.mnt / "scheduled" / name, m.mnt / "accounts" / "b" / "outbox" / name)
    m.wait_state("accounts/b/posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert (task["title"], task["open_id"]) == ("moved to b", PRIVATE_ID)
    assert m.job("accounts/b/posted/clip.mp4")["account"] == "b"


def test_an_item_moved_after_its_upload_started_stays_with_its_account(
        mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox)
    fid = sandbox.inject("upload", nth=1, delay=3)  # the first chunk is held
    rel = drop(m, clip, "---\nprivacy: private\n---\nbegun by default")
    wait_fault(sandbox, fid)
    assert m.state_of(rel) == "uploading"
    for name in ("clip.caption", "clip.mp4"):
        os.rename(m.mnt / "outbox" / name, m.mnt / "accounts" / "b" / "outbox" / name)
    # TikTok holds the upload under the first account's login: it finishes
    # there, and its results go to that account's posted/
    m.wait_state("posted/clip.mp4", "posted", timeout=60)
    (task,) = sandbox.received()
    assert task["open_id"] == PUBLIC_ID
    job = m.job("posted/clip.mp4")
    assert job["account"] == "default"
    assert ("moved to the folder of account b after its upload started: it is posted by "
            "account default") in m.xattrs("posted/clip.mp4")["warning"]
    assert not (m.mnt / "accounts" / "b" / "posted" / "clip.mp4").exists()


def test_an_item_of_an_unknown_account_is_told_and_not_posted(mounted, sandbox, clip):
    m = two_accounts(mounted, sandbox)
    os.makedirs(m.mnt / "accounts" / "unknown" / "outbox")
    drop(m, clip, "---\nprivacy: private\n---\nnobody posts me",
         folder="accounts/unknown/outbox")
    err = m.mnt / "accounts" / "unknown" / "outbox" / "clip.mp4.error"
    wait_for(err.exists, 30, "the item's .error file")
    text = err.read_text()
    assert "account unknown is not configured in " + str(m.config) in text
    assert "[account unknown]" in text
    assert m.state_of("accounts/unknown/outbox/clip.mp4") == "invalid"
    # an item of a configured account, dropped after it, is posted: the
    # refused one was looked at first and never went to TikTok
    drop(m, clip, "---\nprivacy: private\n---\nafter it", name="after.mp4")
    m.wait_state("posted/after.mp4", "posted", timeout=60)
    assert "nobody posts me" not in by_title(sandbox)


def put(root, media, rel, text):
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(media["portrait.mp4"], dst)
    dst.with_suffix(".caption").write_text(text)


def test_watch_mode_routes_items_and_sees_account_folders_made_later(watched, sandbox, media):
    w = watched(start=False)
    with open(w.config, "a") as f:
        f.write("[account b]\n")
    login_as(w.config, sandbox, "default", "sbpublic")
    login_as(w.config, sandbox, "b", "sbprivate")
    w.start()
    assert FOLDERS <= set(os.listdir(w.root / "accounts" / "b"))

    put(w.root, media, "accounts/b/outbox/sub/b.mp4", "---\nprivacy: private\n---\nwatched b")
    w.wait_file("accounts/b/posted/sub/b.mp4", timeout=60)
    assert by_title(sandbox)["watched b"]["open_id"] == PRIVATE_ID

    # a folder of an account the config lacks, made while watching
    put(w.root, media, "accounts/nobody/outbox/n.mp4", "---\nprivacy: private\n---\nno one")
    w.wait_file("accounts/nobody/outbox/n.mp4.error", timeout=30)
    text = (w.root / "accounts/nobody/outbox/n.mp4.error").read_text()
    assert "account nobody is not configured" in text
    assert "no one" not in by_title(sandbox)
    assert w.stop() == 0

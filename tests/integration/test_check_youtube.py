"""`tiktokfs check --account NAME` for a YouTube account, the real binary on
real ffmpeg clips: the caption as YouTube will get it (title, description,
tags, privacy, made for kids, category, publishAt) with where each value came
from, and whether YouTube will make the video a Short, with the reason.
"""
import pathlib

from test_check import SECRET, caption, run_check, write_config
from mediafiles import make_media, media  # noqa: F401  (media is a fixture)

YT = "[account yt]\nplatform = youtube\n"
KEYS = dict(privacy="public", made_for_kids="no")


def yt_item(tmp_path, w, h, dur, text="Sunset over the harbour #travel\nShot at 6am #sunset",
            account=YT, **front):
    """items/clip.mp4 (@w x @h, @dur s, 10 fps) with clip.caption, and a
    config that has account yt on YouTube."""
    d = tmp_path / "items"
    v = make_media("mp4", d, name="clip.mp4", w=w, h=h, dur=dur, fps=10)
    caption(d / "clip.caption", text, **(front or KEYS))
    conf = write_config(tmp_path)
    with open(conf, "a") as f:
        f.write(account)
    return v


def check_yt(tmp_path, v, *more):
    return run_check(tmp_path, "--account", "yt", v, *more)


def test_vertical_20_seconds_is_a_short_with_the_mapping(tmp_path):
    v = yt_item(tmp_path, 180, 320, 20)
    r = check_yt(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "YouTube Short yes: vertical 180x320, 20.0 s" in r.out
    assert '"Sunset over the harbour #travel" (31 of 100 characters; ' \
           "from the caption's first line)" in r.out
    assert "description   19 of 5000 bytes" in r.out
    assert "tags          travel, sunset (13 of 500 characters" in r.out
    assert "privacy       public (from clip.caption)" in r.out
    assert "made for kids no (from clip.caption)" in r.out
    assert "category      22 People & Blogs (from tiktokfs's default)" in r.out
    assert "publishAt     none" in r.out
    assert "OK: would be accepted" in r.out
    assert SECRET not in r.out


def test_landscape_2_minutes_is_fine_but_not_a_short(tmp_path):
    v = yt_item(tmp_path, 320, 180, 120)
    r = check_yt(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "YouTube Short no: landscape 320x180: a Short is vertical or square" in r.out
    assert "Refused" not in r.out and "warning" not in r.out
    assert "OK: would be accepted" in r.out
    # the same item for the default (TikTok) account: below TikTok's 360 px
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.mp4: 320x180 pixels; TikTok needs at least 360x360" in r.out


def test_vertical_4_minutes_is_not_a_short_and_says_why(tmp_path):
    v = yt_item(tmp_path, 180, 320, 240)
    r = check_yt(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "YouTube Short no: vertical 180x320, but 240.0 s long: a Short is at most 180 s" \
        in r.out


def test_square_is_a_short(tmp_path):
    v = yt_item(tmp_path, 240, 240, 5)
    r = check_yt(tmp_path, v)
    assert "YouTube Short yes: square 240x240" in r.out, r.out


def test_missing_made_for_kids_is_refused_saying_what_to_add(tmp_path):
    v = yt_item(tmp_path, 180, 320, 5, privacy="public")
    r = check_yt(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: made for kids not declared; add `made_for_kids: yes` or " \
           "`made_for_kids: no`" in r.out
    assert "OK:" not in r.out


def test_title_over_100_characters_is_refused_with_count_and_limit(tmp_path):
    v = yt_item(tmp_path, 180, 320, 5, text="x" * 101 + "\nrest", **KEYS)
    r = check_yt(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: title (the caption's first line) is 101 characters; " \
           "YouTube allows at most 100" in r.out


def test_account_settings_and_schedule_with_their_sources(tmp_path):
    account = YT + "made_for_kids = yes\ncategory = Education\nprivacy = public\n"
    v = yt_item(tmp_path, 180, 320, 5, account=account, text="Lesson one",
                schedule="2099-12-01 18:00 Europe/Berlin")
    r = check_yt(tmp_path, v)
    assert r.returncode == 0, r.out
    conf = str(tmp_path / "tiktokfs.conf")
    assert f"made for kids yes (from the account's config, {conf})" in r.out
    assert f"category      27 Education (from the account's config, {conf})" in r.out
    assert f"privacy       private (from the account's config, {conf})" in r.out
    assert "publishAt     2099-12-01T17:00:00Z: uploaded private now" in r.out


def test_tiktok_account_says_it_ignores_youtube_keys(tmp_path):
    d = tmp_path / "items"
    v = make_media("mp4", d, name="clip.mp4", w=360, h=640, dur=3.0)
    caption(d / "clip.caption", "Hello", privacy="public", made_for_kids="no",
            category="Music")
    write_config(tmp_path)
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "note: made_for_kids, category are keys for YouTube; this TikTok account " \
           "ignores them" in r.out


def test_unknown_account_is_a_usage_error(tmp_path):
    v = yt_item(tmp_path, 180, 320, 5)
    r = run_check(tmp_path, "--account", "nope", v)
    assert r.returncode == 2, r.out
    assert "no account nope" in r.out


def test_rotation_is_applied_before_deciding(tmp_path, media):
    """rotated.mp4 is stored 640x360 with a 90 degree rotation: shown
    vertical, so a Short."""
    d = tmp_path / "items"
    d.mkdir()
    v = d / "clip.mp4"
    v.write_bytes(pathlib.Path(media["rotated.mp4"]).read_bytes())
    caption(d / "clip.caption", "Turned", **KEYS)
    conf = write_config(tmp_path)
    with open(conf, "a") as f:
        f.write(YT)
    r = check_yt(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "YouTube Short yes: vertical 360x640" in r.out


def test_an_item_in_an_accounts_folder_is_checked_as_that_account(tmp_path):
    """Without --account, a video in accounts/yt/outbox/ is checked as yt,
    the way the daemon will post it; a folder of an account the config does
    not have is checked as the default account, as any other place."""
    conf = write_config(tmp_path)
    with open(conf, "a") as f:
        f.write(YT)
    for name in ("yt", "zz"):
        d = tmp_path / "drop" / "accounts" / name / "outbox"
        make_media("mp4", d, name="clip.mp4", w=180, h=320, dur=5, fps=10)
        caption(d / "clip.caption", "Sunset over the harbour #travel", **KEYS)
    r = run_check(tmp_path, tmp_path / "drop/accounts/yt/outbox/clip.mp4")
    assert r.returncode == 0, r.out
    assert "Account: yt (its folder is accounts/yt/; --account chooses another)" in r.out
    assert "YouTube Short yes: vertical 180x320, 5.0 s" in r.out
    r = run_check(tmp_path, tmp_path / "drop/accounts/zz/outbox/clip.mp4")
    assert r.returncode == 1, r.out
    assert "Account: zz" not in r.out
    assert "clip.mp4: 180x320 pixels; TikTok needs at least 360x360" in r.out

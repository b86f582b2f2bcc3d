"""`tiktokfs check` for an item posted to several accounts (one drop,
several platforms): the real binary on real ffmpeg clips, with a config
whose default (TikTok) account names a YouTube channel in also_post_to, or
a caption that names it.  Each account's findings come under a heading
"as NAME (Platform):", then one line per account; the exit status is 1
when any account refuses the item.
"""
from test_check import SECRET, caption, run_check, write_config
from mediafiles import make_media

YT = "[account yt]\nplatform = youtube\n"
KEYS = dict(privacy="public", made_for_kids="no")


def two_platform_item(tmp_path, w=180, h=320, dur=20, top="also_post_to = yt\n", accounts=YT, **front):
    """items/clip.mp4 (@w x @h, @dur s) with clip.caption (@front, else
    KEYS), and a config with @top above the sections and @accounts."""
    d = tmp_path / "items"
    v = make_media("mp4", d, name="clip.mp4", w=w, h=h, dur=dur, fps=30)
    caption(d / "clip.caption", "Sunset over the harbour #travel", **(front or KEYS))
    conf = write_config(tmp_path)
    with open(conf, "a") as f:
        f.write(top + accounts)
    return v


def test_the_config_list_checks_as_each_account_under_its_heading(tmp_path):
    # 360x640: TikTok's smallest side is 360, so both platforms take it
    v = two_platform_item(tmp_path, w=360, h=640, dur=5)
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "Posts to 2 accounts, one after another: default (TikTok), yt (YouTube)" in r.out
    tiktok, youtube = r.out.index("as default (TikTok):\n"), r.out.index("as yt (YouTube):\n")
    assert tiktok < youtube
    assert "YouTube Short yes: vertical 360x640" in r.out[youtube:]
    assert "YouTube Short" not in r.out[tiktok:youtube]
    assert "made for kids no (from clip.caption)" in r.out[youtube:]
    # the video is probed once: its description is printed once
    assert r.out.count("  container     ") == 1
    assert r.out.endswith("as default (TikTok): OK\nas yt (YouTube): OK\n"), r.out
    assert SECRET not in r.out


def test_one_account_refusing_fails_the_check_and_says_which(tmp_path):
    # 180x320 is below TikTok's 360 pixels; YouTube takes it as a Short
    v = two_platform_item(tmp_path)
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.mp4: 180x320 pixels; TikTok needs at least 360x360" in r.out
    assert "as default (TikTok): refused or not ready (see above)" in r.out
    assert "as yt (YouTube): OK" in r.out


def test_a_caption_without_made_for_kids_is_refused_by_youtube_alone(tmp_path):
    v = two_platform_item(tmp_path, w=360, h=640, dur=5, privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "as default (TikTok): OK" in r.out
    assert "as yt (YouTube): refused or not ready (see above)" in r.out
    assert "made_for_kids: yes" in r.out


def test_a_caption_names_the_targets_and_none_posts_alone(tmp_path):
    v = two_platform_item(tmp_path, w=360, h=640, dur=5, top="", privacy="public", made_for_kids="no",
              also_post_to="yt")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "as yt (YouTube): OK" in r.out
    caption(tmp_path / "items" / "clip.caption", "Only here", privacy="public",
            also_post_to="none")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "Posts to" not in r.out and "as yt (YouTube)" not in r.out
    assert "OK: would be accepted" in r.out


def test_a_caption_naming_an_unknown_account_is_refused_with_the_accounts(tmp_path):
    v = two_platform_item(tmp_path, w=360, h=640, dur=5, top="", privacy="public", also_post_to="yt2")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert f"clip.caption: line 3: also_post_to names 'yt2', which is not an account in " \
           f"{tmp_path / 'tiktokfs.conf'}; accounts: default, yt" in r.out


def test_the_channels_own_folder_checks_youtube_first(tmp_path):
    v = two_platform_item(tmp_path, w=360, h=640, dur=5, top="",
              accounts=YT + "also_post_to = default\n")
    r = run_check(tmp_path, "--account", "yt", v)
    assert r.returncode == 0, r.out
    assert "Posts to 2 accounts, one after another: yt (YouTube), default (TikTok)" in r.out
    assert r.out.index("as yt (YouTube):\n") < r.out.index("as default (TikTok):\n")


def test_a_config_naming_two_channels_for_one_folder_is_refused(tmp_path):
    v = two_platform_item(tmp_path, top="also_post_to = yt, yt2\n",
              accounts=YT + "[account yt2]\nplatform = youtube\n")
    r = run_check(tmp_path, v)
    assert r.returncode == 2, r.out
    assert "line 4: account default: also_post_to names 'yt' and 'yt2', both YouTube " \
           "accounts: an item posts to one account per platform" in r.out

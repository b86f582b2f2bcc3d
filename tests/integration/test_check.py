"""`tiktokfs check VIDEO [CAPTION]`: the real binary on real ffmpeg files.

Each test copies its video into its own tmp_path (hard links from the media
cache), writes a caption and a config whose state_dir is tmp_path/state, and
runs the binary with HOME pointing into tmp_path, so nothing of the user's own
config or login leaks in.  Exit 0: would be accepted; 1: refused or not
ready; 2: usage.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))

from mediafiles import make_media, media  # noqa: E402,F401  (media is a fixture)

BIN = os.environ.get("TIKTOKFS_BIN", str(pathlib.Path(__file__).resolve().parents[2] / "tiktokfs"))
EMOJI = "\U0001F600"  # outside the BMP: 2 UTF-16 units
SECRET = "cs-very-secret-value-1234567890"


def run_check(tmp_path, *args, config=True, env_extra=None):
    """Run `tiktokfs check [-c CONFIG] ARGS...`; return the CompletedProcess
    with .out = stdout + stderr."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TIKTOK_") and k != "TIKTOKFS_CONFIG"}
    env["HOME"] = str(home)
    env["TZ"] = "UTC"
    env.update(env_extra or {})
    cmd = [BIN, "check"]
    if config:
        cmd += ["-c", str(config if config is not True else tmp_path / "tiktokfs.conf")]
    cmd += [str(a) for a in args]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    r.out = r.stdout + r.stderr
    return r


def write_config(tmp_path, **extra):
    lines = [f"state_dir = {tmp_path / 'state'}", f"client_secret = {SECRET}",
             "client_key = awkey123"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    p = tmp_path / "tiktokfs.conf"
    p.write_text("\n".join(lines) + "\n")
    p.chmod(0o600)
    (tmp_path / "state").mkdir(exist_ok=True, mode=0o700)
    return p


def write_creator(tmp_path, options=("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"),
                  max_sec=300, **flags):
    ci = {"creator_username": "harbourfilms", "creator_nickname": "Harbour Films",
          "privacy_level_options": list(options), "comment_disabled": False,
          "duet_disabled": False, "stitch_disabled": False,
          "max_video_post_duration_sec": max_sec, "fetched_at": 1764000000}
    ci.update(flags)
    p = tmp_path / "state" / "creator_info.json"
    p.write_text(json.dumps(ci))
    p.chmod(0o600)


def caption(path, text="Sunset over the harbour #travel", **front):
    body = ""
    if front:
        body = "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\n"
    pathlib.Path(path).write_text(body + text + "\n", encoding="utf-8")
    return path


def item(tmp_path, media, name="portrait.mp4", as_name="clip.mp4",
         text="Sunset over the harbour #travel", **front):
    """clip.mp4 (a copy of the standard file @name) + clip.caption in tmp_path/items."""
    d = tmp_path / "items"
    d.mkdir(exist_ok=True)
    v = d / as_name
    shutil.copyfile(media[name], v)
    caption(d / (v.stem + ".caption"), text, **front)
    write_config(tmp_path)
    return v


def test_good_portrait_mp4_is_accepted_and_described(tmp_path):
    d = tmp_path / "items"
    v = make_media("mp4", d, name="clip.mp4", w=720, h=1280, dur=3.0)
    caption(d / "clip.caption", privacy="public", comments="on")
    write_config(tmp_path)
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "MP4" in r.out
    assert "3.0" in r.out  # duration
    assert "720x1280" in r.out
    assert "h264" in r.out
    assert "privacy       public" in r.out
    assert "comments on" in r.out
    assert "OK: would be accepted" in r.out
    assert "warning" not in r.out
    assert SECRET not in r.out and "awkey123" not in r.out


def test_clip_of_2_9_seconds_is_refused_with_the_number_and_the_limit(tmp_path, media):
    v = item(tmp_path, media, "short.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.mp4: 2.9 s long; TikTok needs at least 3 s" in r.out
    assert "OK:" not in r.out


def test_clip_of_exactly_3_seconds_is_accepted(tmp_path, media):
    v = item(tmp_path, media, "portrait.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "OK: would be accepted" in r.out
    # 360x640 passes with a warning, not a refusal.
    assert "below 720x1280" in r.out


def test_landscape_video_warns_but_passes(tmp_path, media):
    v = item(tmp_path, media, "landscape.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "640x360 is not 9:16" in r.out
    assert "OK: would be accepted" in r.out


def test_text_file_named_mp4_is_not_a_video(tmp_path, media):
    v = item(tmp_path, media, "text.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "not a video" in r.out


def test_empty_file_is_refused(tmp_path, media):
    v = item(tmp_path, media, "empty.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.mp4" in r.out and "0 bytes" in r.out


def test_truncated_copy_is_reported_as_unfinished(tmp_path, media):
    v = item(tmp_path, media, "truncated.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "unfinished" in r.out.lower()
    assert "OK:" not in r.out


@pytest.mark.parametrize("name", ["clip.mov", "clip.webm", "rotated.mp4", "faststart.mp4",
                                  "frag.mp4"])
def test_containers_tiktok_takes_pass(tmp_path, media, name):
    v = item(tmp_path, media, name, as_name="clip" + pathlib.Path(name).suffix,
             privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out


@pytest.mark.parametrize("name,label", [("clip.avi", "AVI"), ("clip.mkv", "Matroska"),
                                        ("clip.wmv", "ASF"), ("clip.ts", "MPEG"),
                                        ("clip.mpg", "MPEG")])
def test_containers_tiktok_does_not_take_are_refused(tmp_path, media, name, label):
    v = item(tmp_path, media, name, as_name=name, privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert label in r.out
    assert "TikTok takes only MP4, MOV and WebM" in r.out


def test_rotated_phone_video_reports_displayed_size(tmp_path, media):
    v = item(tmp_path, media, "rotated.mp4", privacy="public")
    r = run_check(tmp_path, v)
    assert "360x640 (rotation 90)" in r.out, r.out


def test_caption_of_2200_utf16_units_with_emoji_is_accepted(tmp_path, media):
    v = item(tmp_path, media, text=EMOJI * 1100, privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "2200 of 2200 UTF-16 units" in r.out


def test_caption_of_2201_utf16_units_is_refused_naming_both(tmp_path, media):
    v = item(tmp_path, media, text=EMOJI * 1100 + "a", privacy="public")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: caption is 2201 UTF-16 units long; TikTok allows at most 2200" in r.out


def test_invalid_utf8_names_the_line(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    (v.parent / "clip.caption").write_bytes(b"---\nprivacy: public\n---\nfirst\nbad \xff here\n")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: line 5: invalid UTF-8" in r.out


def test_unknown_key_names_the_line_and_the_key(tmp_path, media):
    v = item(tmp_path, media, privacy="public", colour="blue")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: line 3:" in r.out
    assert "colour" in r.out and "unknown key" in r.out


def test_no_privacy_anywhere_is_refused(tmp_path, media):
    v = item(tmp_path, media, comments="on")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert ("clip.caption: no privacy chosen; add `privacy: public|friends|followers|private`"
            " to the caption's front matter or set privacy in the config") in r.out


def test_privacy_from_the_config_is_accepted(tmp_path, media):
    v = item(tmp_path, media, comments="on")
    write_config(tmp_path, privacy="private")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "privacy       private (from the config)" in r.out


def test_draft_mode_needs_no_privacy(tmp_path, media):
    v = item(tmp_path, media, mode="draft")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "draft" in r.out


def test_account_privacy_options_restrict_the_choice(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    write_creator(tmp_path, options=("FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"))
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "Account: @harbourfilms" in r.out
    assert ("clip.caption: privacy public is not open to this account; "
            "it allows followers, friends or private") in r.out
    caption(v.parent / "clip.caption", privacy="followers")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out


def test_account_max_duration_refuses_a_longer_video(tmp_path):
    d = tmp_path / "items"
    v = make_media("mp4", d, name="clip.mp4", w=360, h=640, dur=6.0)
    caption(d / "clip.caption", privacy="public")
    write_config(tmp_path)
    write_creator(tmp_path, max_sec=5)
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.mp4: 6.0 s long; this TikTok account may post at most 5 s" in r.out
    # Without the login the config's 600 s apply.
    (tmp_path / "state" / "creator_info.json").unlink()
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out


def test_disabled_interactions_are_turned_off_with_a_warning(tmp_path, media):
    v = item(tmp_path, media, privacy="public", comments="on", duet="on")
    write_creator(tmp_path, comment_disabled=True)
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "comments off, duet on" in r.out
    assert "comments turned off" in r.out


def test_without_login_says_so(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    r = run_check(tmp_path, v)
    assert "Not logged in: checked against the config's bounds only." in r.out


def test_no_config_file_uses_the_defaults(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    r = run_check(tmp_path, v, config=False)
    assert r.returncode == 0, r.out
    assert "Not logged in" in r.out


def test_caption_found_as_video_name_dot_caption(tmp_path, media):
    v = item(tmp_path, media, privacy="private")
    (v.parent / "clip.caption").rename(v.parent / "clip.mp4.caption")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "clip.mp4.caption" in r.out


def test_caption_given_as_second_argument(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    other = caption(tmp_path / "elsewhere.caption", privacy="friends")
    r = run_check(tmp_path, v, other)
    assert r.returncode == 0, r.out
    assert "privacy       friends" in r.out


def test_no_caption_is_not_ready(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    (v.parent / "clip.caption").unlink()
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "waiting for clip.caption" in r.out


def test_schedule_is_shown_in_local_time_and_utc(tmp_path, media):
    v = item(tmp_path, media, privacy="public", schedule="2030-12-01 18:00 Europe/Berlin")
    r = run_check(tmp_path, v, env_extra={"TZ": "America/New_York"})
    assert r.returncode == 0, r.out
    assert "2030-12-01 17:00:00 UTC" in r.out
    assert "2030-12-01 12:00:00 EST" in r.out


def test_item_in_scheduled_folder_needs_a_schedule(tmp_path, media):
    root = tmp_path / "staging"
    (root / "outbox").mkdir(parents=True)
    (root / "scheduled").mkdir()
    v = root / "scheduled" / "clip.mp4"
    shutil.copyfile(media["portrait.mp4"], v)
    caption(root / "scheduled" / "clip.caption", privacy="public")
    write_config(tmp_path)
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "clip.caption: no schedule time; items in scheduled/ need one" in r.out
    caption(root / "scheduled" / "clip.caption", privacy="public",
            schedule="2030-12-01T18:00+01:00")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out


def test_media_and_caption_problems_are_both_reported(tmp_path, media):
    v = item(tmp_path, media, "short.mp4", comments="on")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert "2.9 s long" in r.out
    assert "no privacy chosen" in r.out


def test_usage_errors_exit_2(tmp_path, media):
    write_config(tmp_path)
    r = run_check(tmp_path)
    assert r.returncode == 2 and "usage: tiktokfs check" in r.out
    r = run_check(tmp_path, "--frobnicate", media["portrait.mp4"])
    assert r.returncode == 2 and "unknown option --frobnicate" in r.out
    r = run_check(tmp_path, tmp_path / "missing.mp4")
    assert r.returncode == 2
    assert r.stderr.strip() == f"tiktokfs: cannot open {tmp_path / 'missing.mp4'}: No such file or directory"
    r = run_check(tmp_path, media["portrait.mp4"], tmp_path / "missing.caption")
    assert r.returncode == 2 and "cannot open" in r.out
    r = run_check(tmp_path, "a.mp4", "b.caption", "c")
    assert r.returncode == 2 and "too many arguments" in r.out


def test_broken_config_is_a_usage_error_naming_the_line(tmp_path, media):
    write_config(tmp_path, max_size="lots")
    r = run_check(tmp_path, media["portrait.mp4"])
    assert r.returncode == 2, r.out
    assert "tiktokfs.conf" in r.out and "max_size" in r.out
    assert SECRET not in r.out


def test_both_caption_names_present_warns_and_uses_the_specific_one(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    caption(v.parent / "clip.mp4.caption", privacy="friends")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "both clip.mp4.caption and clip.caption exist; using clip.mp4.caption" in r.out
    assert "privacy       friends" in r.out


def test_secrets_in_the_config_are_never_printed(tmp_path, media):
    v = item(tmp_path, media, comments="on")
    r = run_check(tmp_path, v)
    assert r.returncode == 1
    assert SECRET not in r.out and "awkey123" not in r.out


@pytest.mark.parametrize("encoding,bom,label", [
    ("utf-16-le", b"\xff\xfe", "UTF-16 (little-endian)"),
    ("utf-16-be", b"\xfe\xff", "UTF-16 (big-endian)"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
])
def test_notepad_unicode_caption_is_named_with_save_as_utf8(tmp_path, media, encoding, bom,
                                                            label):
    v = item(tmp_path, media, privacy="public")
    text = "---\nprivacy: public\n---\nSunset \U0001F305\n"
    (v.parent / "clip.caption").write_bytes(bom + text.encode(encoding))
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert f"clip.caption: the file is {label} text" in r.out, r.out
    assert "save it as UTF-8" in r.out and "Encoding: UTF-8" in r.out, r.out


def test_utf8_bom_caption_is_accepted(tmp_path, media):
    v = item(tmp_path, media)
    (v.parent / "clip.caption").write_bytes(b"\xef\xbb\xbf---\nprivacy: public\n---\nHi\n")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert "privacy       public" in r.out


# -- folder defaults (.defaults) -------------------------------------------------

def test_check_shows_the_merged_caption_and_where_each_key_came_from(tmp_path, media):
    brand = tmp_path / "drop" / "outbox" / "brand"
    brand.mkdir(parents=True)
    v = brand / "My_Day-1.mp4"
    shutil.copyfile(media["portrait.mp4"], v)
    (tmp_path / "drop" / "outbox" / ".defaults").write_text(
        "---\nprivacy: public\ncaption_from: filename\nhashtags: #team\n---\n")
    (brand / ".defaults").write_text("privacy: friends\ncomments: off\n")
    write_config(tmp_path, mode="draft")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert 'text          "My Day 1 #team"' in r.out
    assert "privacy       friends" in r.out
    assert "Where each setting came from:" in r.out
    assert "caption       the video's file name (caption_from: filename)" in r.out
    assert "privacy       outbox/brand/.defaults" in r.out
    assert "comments      outbox/brand/.defaults" in r.out
    assert "caption_from  outbox/.defaults" in r.out
    assert "hashtags      outbox/.defaults" in r.out
    assert f"mode          the config ({tmp_path / 'tiktokfs.conf'})" in r.out
    assert "duet          the built-in default" in r.out
    # a caption file wins key by key
    caption(brand / "My_Day-1.caption", "Own words", comments="on")
    r = run_check(tmp_path, v)
    assert r.returncode == 0, r.out
    assert 'text          "Own words #team"' in r.out
    assert "comments      My_Day-1.caption" in r.out
    assert "privacy       outbox/brand/.defaults" in r.out
    assert SECRET not in r.out


def test_check_refuses_a_bad_defaults_naming_file_and_line(tmp_path, media):
    v = item(tmp_path, media, privacy="public")
    (v.parent / ".defaults").write_text("privacy: public\nlikes: on\n")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    # not in a drop folder: the video's own folder's .defaults
    assert ".defaults: line 2: likes: unknown key" in r.out
    (v.parent / ".defaults").unlink()
    os.symlink(tmp_path / "tiktokfs.conf", v.parent / ".defaults")
    r = run_check(tmp_path, v)
    assert r.returncode == 1, r.out
    assert ".defaults is refused: it is a symbolic link" in r.out
    assert SECRET not in r.out

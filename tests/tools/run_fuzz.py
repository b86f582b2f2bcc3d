#!/usr/bin/python3
"""Run libFuzzer targets for a while each; fail on any crash, leak or UB.

    run_fuzz.py --seconds N BIN...

For each target build-fuzz/fuzz_NAME: build a seed corpus in
build-fuzz/seeds/NAME (media files for the probes, sidecars for
fuzz_sidecar and fuzz_youtube_meta, JSON replies for fuzz_api*, TZif files and TZ rule strings
from tests/fuzz/corpus/fuzz_tzif for fuzz_tzif), start from an empty corpus
in build-fuzz/corpus/NAME, run with -max_total_time=N -rss_limit_mb=2048
-timeout=10, then print one line per target: seconds, runs executed, cov:,
corpus size, crashes.  Crash inputs go to build-fuzz/artifacts/NAME/; the
exit status is 1 if any target crashed, leaked, timed out or printed a
sanitizer report, and the reproducer's path is printed.

UBSan is made fatal (halt_on_error) so that undefined behaviour becomes a
libFuzzer crash with a saved input instead of a line in the log.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FUZZ_DIR = ROOT / "build-fuzz"
SEED_CUT = 64 * 1024  # probes need headers, not pictures

sys.path.insert(0, str(HERE))

SIDECARS = [
    "Sunset over the harbour #travel @friend\n",
    "---\nprivacy: public\n---\nA caption\n",
    "---\nprivacy: friends\nschedule: 2026-12-01 18:00 Europe/Berlin\n---\nlater\n",
    "---\nprivacy: SELF_ONLY\ncomments: off\nduet: on\nstitch: off\n---\nx",
    "---\ncover: 1.5s\nmode: draft\n---\n",
    "---\nbranded: yes\npromotional: no\nai_generated: true\n---\n#ad\n",
    "---\nschedule: 2026-06-01T09:30:00+02:00\n---\nmorning \U0001F600\n",
    "---\n# only a comment\n\n---\n",
    "---\nprivacy: \"followers\"\nmode: 'direct'\n---\nquoted\n",
    "no front matter, just text with an emoji \U0001F600 and #tags\n",
    "---\nschedule: tomorrow 18:00\n---\n",
    "---\nprivacy: public\r\ncover: 250ms\r\n---\r\nwindows line ends\r\n",
    "---\nprivacy: unlisted\nmade_for_kids: no\ncategory: Music\n---\nTitle #tag\nDescription\n",
    "---\ntitle: My #1 video\nmade_for_kids: yes\nschedule: 2026-12-01T17:00:00Z\n---\nText\n",
    "---\nprivacy: public\nalso_post_to: yt, brand-b # both\n---\nTo every platform\n",
    "---\nalso_post_to: none\n---\nOnly the folder's account\n",
    "also_post_to: 'default'\nmade_for_kids: no\n",
    "---\nalso_post_to: yt,,yt, .x\n---\n",
]

API_JSON = [
    {"data": {}, "error": {"code": "ok", "message": "", "log_id": "2026"}},
    {"data": {"publish_id": "v_pub_file~v2.123",
              "upload_url": "https://open-upload.tiktokapis.com/video/?upload_id=1"},
     "error": {"code": "ok", "message": "", "log_id": "x"}},
    {"data": {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 10000},
     "error": {"code": "ok", "message": "", "log_id": "y"}},
    {"data": {"status": "FAILED", "fail_reason": "picture_size_check_failed"},
     "error": {"code": "ok", "message": "", "log_id": "z"}},
    {"data": {"creator_avatar_url": "https://p16.example/a.jpg", "creator_username": "u",
              "privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"],
              "comment_disabled": False, "duet_disabled": True, "stitch_disabled": True,
              "max_video_post_duration_sec": 600},
     "error": {"code": "ok", "message": "", "log_id": "c"}},
    {"error": {"code": "spam_risk_too_many_posts", "message": "daily cap", "log_id": "d"}},
    {"access_token": "act.x", "expires_in": 86400, "open_id": "o", "refresh_token": "rft.y",
     "refresh_expires_in": 31536000, "scope": "user.info.basic,video.publish",
     "token_type": "Bearer"},
    {"error": "invalid_grant", "error_description": "Refresh token is invalid",
     "log_id": "e"},
]


def write_seeds(name, seeds):
    d = FUZZ_DIR / "seeds" / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for i, data in enumerate(seeds):
        (d / f"seed{i:03d}").write_bytes(data)
    return d


def media_seeds():
    import mediafiles  # noqa: E402 (needs ffmpeg; only the probes use it)

    with tempfile.TemporaryDirectory() as tmp:
        files = mediafiles.make_standard(tmp)
        seeds = [p.read_bytes()[:SEED_CUT] for p in files.values()]
    return [s for s in seeds if s]


# Google's shapes, for fuzz_api_youtube (docs/youtube.md §2.4, §2.8).
YOUTUBE_JSON = [
    {"access_token": "ya29.a0", "expires_in": 3599, "refresh_token": "1//0g",
     "scope": "https://www.googleapis.com/auth/youtube.upload", "token_type": "Bearer"},
    {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    {"kind": "youtube#channelListResponse", "items": [
        {"id": "UCabcdefghijklmnopqrstuv", "snippet": {"title": "Harbour Films"}}]},
    {"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}, "items": []},
    {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}},
]


def api_seeds():
    seeds = [json.dumps(j).encode() for j in API_JSON + YOUTUBE_JSON]
    for p in sorted((ROOT / "tests" / "sandbox").rglob("*.json")):
        data = p.read_bytes()
        if len(data) < 64 * 1024:
            seeds.append(data)
    return seeds


TZIF_SEEDS = ROOT / "tests" / "fuzz" / "corpus" / "fuzz_tzif"
SYSTEM_ZONES = ["Europe/Berlin", "America/New_York", "Africa/Casablanca", "Etc/UTC",
                "right/Europe/London"]


def tzif_seeds():
    """The committed TZif files and rule strings, and a few of the system's
    zones (fat or slim, whichever the distribution ships)."""
    seeds = [p.read_bytes() for p in sorted(TZIF_SEEDS.iterdir()) if p.is_file()]
    zoneinfo = pathlib.Path(os.environ.get("TZDIR") or "/usr/share/zoneinfo")
    for z in SYSTEM_ZONES:
        p = zoneinfo / z
        if p.is_file():
            seeds.append(p.read_bytes()[:SEED_CUT])
    return seeds


def seeds_for(name):
    if name.startswith("fuzz_probe"):
        return media_seeds()
    if name in ("fuzz_sidecar", "fuzz_youtube_meta"):
        return [s.encode() for s in SIDECARS]
    if name.startswith("fuzz_api") or "json" in name:
        return api_seeds()
    if name == "fuzz_tzif":
        return tzif_seeds()
    return [b"", b"\n", b"0"]


FINAL = {
    "execs": re.compile(r"stat::number_of_executed_units:\s*(\d+)"),
    "cov": re.compile(r"\bcov: (\d+)"),
    "corp": re.compile(r"\bcorp: (\d+)/"),
}
BAD = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                 r"libFuzzer)|runtime error:|deadly signal|SUMMARY: ")
ARTIFACT = re.compile(r"(?:Test unit written to|artifact_prefix.*?Test unit written to) (\S+)")


def last(rx, text):
    m = rx.findall(text)
    return m[-1] if m else "?"


def run_target(binary, seconds):
    name = pathlib.Path(binary).name
    corpus = FUZZ_DIR / "corpus" / name
    artifacts = FUZZ_DIR / "artifacts" / name
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    seed_dir = write_seeds(name, seeds_for(name))
    env = dict(os.environ)
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    cmd = [str(binary), str(corpus), str(seed_dir), f"-max_total_time={seconds}",
           "-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1",
           f"-artifact_prefix={artifacts}/"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    out = r.stdout
    (FUZZ_DIR / f"{name}.log").write_text(out)
    execs = last(FINAL["execs"], out)
    bad = r.returncode != 0 or BAD.search(out)
    crashes = 1 if bad else 0
    ncorp = len(list(corpus.iterdir()))
    print(f"{name}: {seconds}s, {execs} runs, cov: {last(FINAL['cov'], out)}, "
          f"corpus {ncorp} files, crashes {crashes}/{execs}", flush=True)
    if bad:
        m = ARTIFACT.findall(out)
        print(f"{name}: FAILED (exit {r.returncode}); log {FUZZ_DIR / (name + '.log')}")
        for line in out.splitlines():
            if BAD.search(line):
                print("   ", line)
                break
        if m:
            print(f"{name}: reproduce with: {binary} {m[-1]}")
    return not bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    failed = [b for b in args.binaries if not run_target(b, args.seconds)]
    print(f"fuzz: {len(args.binaries) - len(failed)} clean, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

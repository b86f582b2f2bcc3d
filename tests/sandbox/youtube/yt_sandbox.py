#!/usr/bin/python3
"""A local YouTube for tests: Google OAuth for a Desktop client, resumable
videos.insert, videos.list, quota, processing (docs/youtube.md), as strict as
YouTube, over HTTPS on 127.0.0.1.

    yt_sandbox.py --config FILE --dir DIR [--port-file FILE] [--owner-pid PID]

The process around the rules is the TikTok sandbox's (../sandbox.py: throwaway
CA, port file, exit with the owner); the modules beside this file hold the
rules: yt_state (knobs, memory), yt_oauth, yt_device, yt_upload, yt_meta,
yt_media, yt_videos, yt_thumbnails, yt_quota, yt_control, yt_http (routes),
yt_reply (answer shapes).
Python 3 standard library only.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # tests/: the package "sandbox"
sys.path.insert(0, HERE)

from sandbox import sandbox  # noqa: E402
from yt_http import make_server  # noqa: E402
from yt_state import State, load_config  # noqa: E402

if __name__ == "__main__":
    sys.exit(sandbox.serve(__doc__.split("\n")[0], load_config, State, make_server))

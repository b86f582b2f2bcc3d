"""Project quota and the per-channel upload cap.

The quota belongs to the Cloud project (the sandbox is one project), not to a
channel: every channel's calls draw from it.  Two published rules disagree
(docs/youtube.md §6), so the knob quota_model picks one: "units" (videos.insert
costs insert_cost = 1600 of daily_units = 10,000; videos.list costs 1,
thumbnails.set 50) or
"bucket" (videos.insert has its own bucket of insert_bucket = 100 calls a day,
cost 1; other calls draw on the units).  Both reset at midnight Pacific time
(America/Los_Angeles) in sandbox time.  A call is charged once it passes
authentication, even when it is refused afterwards for its metadata.
"""
from yt_reply import error


def _roll(st):
    day = st.pacific_day()
    if st.quota["day"] != day:
        st.quota.update({"day": day, "units": 0, "inserts": 0})


def charge(st, call):
    """Charge @call ("insert", "list" or "thumbnail"); None, or the 403
    quotaExceeded reply."""
    with st.lock:
        _roll(st)
        q = st.quota
        if call == "insert" and st.knob("quota_model") == "bucket":
            if q["inserts"] + 1 > int(st.knob("insert_bucket")):
                return error(403, "quotaExceeded")
            q["inserts"] += 1
            return None
        cost = int(st.knob(f"{call}_cost"))
        if q["units"] + cost > int(st.knob("daily_units")):
            return error(403, "quotaExceeded")
        q["units"] += cost
        if call == "insert":
            q["inserts"] += 1
        return None


def channel_upload(st, channel_id):
    """Count one upload session for the channel; the 400 uploadLimitExceeded
    reply when the channel's daily cap (knob) is reached."""
    cap = st.knob("channel_daily_uploads")
    with st.lock:
        key = (st.pacific_day(), channel_id)
        if cap is not None and st.channel_uploads[key] >= int(cap):
            return error(400, "uploadLimitExceeded")
        st.channel_uploads[key] += 1
    return None


def describe(st):
    with st.lock:
        _roll(st)
        return dict(st.quota, model=st.knob("quota_model"))

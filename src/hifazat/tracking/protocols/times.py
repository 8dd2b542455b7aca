"""Which numbers can be a fix time: from 1970 to the server clock plus the allowed skew.

One rule for every way a time comes in (OsmAnd `timestamp`, OwnTracks `tst`, MQTT, the native batch's
`at`), so a device cannot pin its "last known" in the future or in a year no column holds. A report with
such a time is the client's error: 422 naming the field, never stored and never a 500.
"""

from __future__ import annotations

import time

from hifazat.config import get_settings
from hifazat.tracking.protocols import Rejected

NOT_A_TIME_STATUS = 422


def latest_ms(now_ms: int | None = None) -> int:
    """The latest fix time accepted now (epoch ms): the server clock plus the configured skew."""
    now = round(time.time() * 1000) if now_ms is None else now_ms
    return now + get_settings().tracking_future_tolerance_seconds * 1000


def check_ms(t_ms: int, field: str, now_ms: int | None = None) -> int:
    """`t_ms` if it can be a fix time, else Rejected(422) naming `field`."""
    if t_ms < 0:
        raise Rejected(NOT_A_TIME_STATUS, f"{field} is before 1970", field)
    if t_ms > latest_ms(now_ms):
        skew = get_settings().tracking_future_tolerance_seconds
        raise Rejected(NOT_A_TIME_STATUS, f"{field} is more than {skew} s ahead of the server clock", field)
    return t_ms

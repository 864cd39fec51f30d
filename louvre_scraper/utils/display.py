"""How numbers are shown to a user: durations and megabytes, the same in every line."""

from __future__ import annotations

import datetime

MB = 1_000_000


def format_duration(seconds: float) -> str:
    return str(datetime.timedelta(seconds=round(seconds)))

"""Time as the generator handles it: int64 nanoseconds since the epoch, naive UTC.

Human activity follows the local clock (quiet at night, busy in the evening), so event times
are drawn as a day plus a local time of day shifted by the user's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SECOND = 1_000_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# Relative activity per local hour: low 02-07, rising through the day, peak in the evening.
_LOCAL_HOUR_WEIGHTS = np.array(
    [4, 2.5, 1.5, 1, 0.8, 1, 1.5, 3, 4.5, 5, 5.5, 5.5, 6, 6, 5.5, 5.5, 6, 6.5, 7, 8, 8.5, 8.5, 7.5, 6]
)
_LOCAL_HOUR_P = _LOCAL_HOUR_WEIGHTS / _LOCAL_HOUR_WEIGHTS.sum()


@dataclass(frozen=True)
class Window:
    """The generated world's calendar: history starts two years before the campaign window."""

    start: int  # first instant of the campaign window
    end: int  # first instant after it
    history_start: int

    @classmethod
    def of(cls, start: dt.date, days: int, history_days: int = 730) -> Window:
        s = to_ns(start)
        return cls(start=s, end=s + days * DAY, history_start=s - history_days * DAY)

    @property
    def days(self) -> int:
        return (self.end - self.start) // DAY


def to_ns(d: dt.date) -> int:
    return int(np.datetime64(d, "ns").astype(np.int64))


def local_time_of_day(rng: np.random.Generator, tz_hours: np.ndarray) -> np.ndarray:
    """UTC offset within the day (ns) of a human action, given each actor's time zone."""
    n = len(tz_hours)
    hour = rng.choice(24, n, p=_LOCAL_HOUR_P)
    local = hour * HOUR + rng.integers(0, HOUR, n)
    return (local - (np.asarray(tz_hours) * HOUR).astype(np.int64)) % DAY


def human_times(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, tz_hours: np.ndarray) -> np.ndarray:
    """One human-rhythm timestamp per row inside [lo, hi)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo + 1)
    day = lo - lo % DAY + (rng.random(len(lo)) * ((hi - lo) / DAY + 1)).astype(np.int64) * DAY
    ts = day + local_time_of_day(rng, tz_hours)
    # Keep inside the interval without piling rows up on its edges.
    ts = np.where(ts < lo, lo + rng.integers(0, np.maximum(hi - lo, 1)) // 4, ts)
    ts = np.where(ts >= hi, hi - 1 - rng.integers(0, np.maximum(hi - lo, 1)) // 4, ts)
    return np.clip(ts, lo, hi - 1)

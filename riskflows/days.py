"""A partition day: the date evaluated and the instant its data ends (exclusive), UTC."""

from __future__ import annotations

import datetime as dt


def as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def day_params(value: dt.date | str) -> dict:
    """Bound parameters every daily SQL statement takes: :date and :day_end."""
    day = as_date(value)
    return {"date": day, "day_end": dt.datetime.combine(day + dt.timedelta(days=1), dt.time())}


def date_range(start: dt.date | str, end: dt.date | str) -> list[dt.date]:
    first, last = as_date(start), as_date(end)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]

"""Payout holds: what the rewards system must not pay yet.

Per day, one row per (campaign, user) of the day's risk.high_risk_users in the hold or block
tier who has pending rewards in that campaign (src.rewards status 'pending', granted by the end
of the day):

- `held`: the sum of those pending rewards is held (`held_usd` = `pending_usd`);
- `released`: the user's case (risk.case_members / risk.cases of the day) was closed as a false
  positive by an analyst's verdict; the row stays, with `held_usd` 0, so the rewards system
  sees the release explicitly rather than a user silently disappearing from the file.

Review-tier users are not held (an analyst looks first); paid and held rewards are not counted
(paid is gone, held is already stopped). Users without pending rewards get no row.

`write_payout_csvs` writes the day's holds as one CSV per campaign (every campaign with a
summary that day, so an empty file means "checked, nothing held"), each atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from riskflows.days import as_date, day_params
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.warehouse import read_frame, replace_partition

PAYOUT_HOLDS_TABLE = "risk.payout_holds"
HOLD_TIERS = ("hold", "block")
RELEASED_STATUS = "false_positive"
COLUMNS = [
    "date",
    "campaign_id",
    "user_id",
    "status",
    "held_usd",
    "pending_usd",
    "pending_rewards",
    "tier",
    "score",
    "rule_ids",
    "case_id",
    "case_status",
    "reason",
]
CSV_COLUMNS = [c for c in COLUMNS if c != "date"]
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _pending_rewards(conn: sa.Connection, day: dt.date) -> pd.DataFrame:
    """(campaign_id, user_id) -> count and sum of rewards still pending, granted by the day's end."""
    layout = SourceLayout.inspect(conn)
    if not layout.has("rewards"):
        return pd.DataFrame(columns=["campaign_id", "user_id", "pending_rewards", "pending_usd"])
    return read_frame(
        conn,
        f"SELECT campaign_id, user_id, COUNT(*) AS pending_rewards, SUM(amount_usd) AS pending_usd "
        f"FROM {day_clean_relation('rewards', layout)} r "
        f"WHERE status = 'pending' AND granted_at < :day_end GROUP BY campaign_id, user_id",
        day_params(day),
    )


def compute_payout_holds(engine: sa.Engine, day: dt.date | str) -> pd.DataFrame:
    """The day's payout holds (see the module docstring), in COLUMNS order."""
    day = as_date(day)
    params = {"date": day}
    with engine.connect() as conn:
        flagged = read_frame(
            conn,
            "SELECT h.campaign_id, h.user_id, h.tier, h.score, h.rule_ids, m.case_id, c.status AS case_status "
            "FROM risk.high_risk_users h "
            "LEFT JOIN risk.case_members m ON m.date = h.date AND m.campaign_id = h.campaign_id "
            "AND m.user_id = h.user_id "
            "LEFT JOIN risk.cases c ON c.date = m.date AND c.case_id = m.case_id "
            f"WHERE h.date = :date AND h.tier IN ({', '.join(repr(t) for t in HOLD_TIERS)})",
            params,
        )
        pending = _pending_rewards(conn, day)
    if flagged.empty or pending.empty:
        return pd.DataFrame(columns=COLUMNS)
    pending = pending.astype({"user_id": "int64", "pending_rewards": "int64", "pending_usd": "float64"})
    flagged = flagged.astype({"user_id": "int64"})
    rows = flagged.merge(pending, on=["campaign_id", "user_id"], how="inner")
    released = rows["case_status"] == RELEASED_STATUS
    rows["status"] = released.map({True: "released", False: "held"})
    rows["held_usd"] = rows["pending_usd"].where(~released, 0.0)
    rows["reason"] = [
        f"case {case} closed as false positive: released" if r else f"{tier} tier ({rules}); case {case} {status}"
        for r, tier, rules, case, status in zip(
            released, rows["tier"], rows["rule_ids"], rows["case_id"], rows["case_status"]
        )
    ]
    rows["date"] = pd.Timestamp(day)
    return rows[COLUMNS].sort_values(["campaign_id", "user_id"], ignore_index=True)


def build_payout_holds(engine: sa.Engine, day: dt.date | str) -> pd.DataFrame:
    """Replace the day's risk.payout_holds partition; returns the rows written."""
    day = as_date(day)
    holds = compute_payout_holds(engine, day)
    replace_partition(engine, PAYOUT_HOLDS_TABLE, {"date": day}, frame=holds)
    return holds


def campaigns_of_day(engine: sa.Engine, day: dt.date | str) -> list[str]:
    """The campaigns whose day was computed (a risk.campaign_summary row): each gets a file."""
    with engine.connect() as conn:
        frame = read_frame(
            conn, "SELECT DISTINCT campaign_id FROM risk.campaign_summary WHERE date = :date", {"date": as_date(day)}
        )
    return sorted(frame["campaign_id"].astype(str))


def _cell(column: str, value) -> str:
    if column in ("held_usd", "pending_usd"):
        return f"{float(value):.2f}"
    if column == "score":
        return f"{float(value):.1f}"
    return str(value)


def payout_csv(rows: pd.DataFrame) -> bytes:
    """One campaign's holds as CSV (UTF-8, header always present, real user ids: the rewards
    system needs them)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows.sort_values("user_id").to_dict("records"):
        writer.writerow([_cell(c, row[c]) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8")


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to a temporary file next to `path`, then rename it over `path`: a reader
    sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_payout_csvs(
    holds: pd.DataFrame, folder: str | Path, day: dt.date | str, campaigns: Iterable[str] = ()
) -> dict[str, Path]:
    """<folder>/<date>/<campaign_id>.csv for every campaign of `campaigns` or with a hold row;
    returns campaign id -> path written."""
    day = as_date(day)
    wanted = sorted(set(campaigns) | set(holds["campaign_id"].astype(str)))
    written: dict[str, Path] = {}
    for campaign_id in wanted:
        if not _SAFE_NAME.match(campaign_id):
            raise ValueError(f"campaign id {campaign_id!r} cannot be a file name")
        path = Path(folder) / day.isoformat() / f"{campaign_id}.csv"
        write_atomically(path, payout_csv(holds[holds["campaign_id"] == campaign_id]))
        written[campaign_id] = path
    return written

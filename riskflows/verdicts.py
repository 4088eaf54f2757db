"""Verdicts given in Slack, on a case's escalation: what is recorded, and what the channel sees next.

An analyst clicks *Confirm abuse*, *False positive* or *Inconclusive* on a case escalation (the
buttons `riskflows.notify.messages.case_verdict_blocks` adds); `riskflows slack listen`
(app/slack_listener.py) hands the click to `record_case_verdict`, which writes one row per
account and campaign of the case's latest day (risk.case_members) into risk.verdicts. Nothing
is ever written to src: the exchange's own review log stays the exchange's.

Everything that reads verdicts reads `all_verdicts_relation`: the contract-clean rows of
src.reviews UNION risk.verdicts, in the columns of src.reviews (campaign_id, user_id,
reviewed_at, verdict, reviewer). So a verdict from Slack closes the case on the next day's case
table, counts in rule performance and in backtests, like a review from the exchange's tools.

Idempotency: a click is identified by its `action_key` (the Slack user and the action's
action_ts, the same in a redelivered envelope). A second row for the same key is refused, and
so is the same verdict again from the same reviewer on the same case (a double click sends two
envelopes with different action_ts). Each write holds a process lock and, on PostgreSQL, a table
lock for its transaction, so two envelopes handled at once cannot both pass the check.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import sqlalchemy as sa

from riskflows.output_tables import OUTPUT_TABLES, create_output_tables
from riskflows.quarantine import SourceLayout, clean_relation, day_clean_relation
from riskflows.source_contract import SOURCE_TABLES
from riskflows.warehouse import dialect_of, load_frame, read_frame, schema_columns

VERDICTS_TABLE = "risk.verdicts"
VERDICT_COLUMNS = ("campaign_id", "user_id", "reviewed_at", "verdict", "reviewer")
ALLOWLIST_DAYS = 90  # how long a false positive's allowlist entries hold before the pack judges them again
MAX_NOTE_CHARS = 300

CASE_VERDICTS = ("confirmed_abuse", "false_positive", "inconclusive")

_write_lock = threading.Lock()


class UnknownCase(LookupError):
    """No account of the case is in risk.case_members: nothing to record a verdict on."""


def ensure_verdicts_table(engine: sa.Engine) -> None:
    create_output_tables(engine, [OUTPUT_TABLES["verdicts"]])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)  # naive UTC, like every table here


# ---------------------------------------------------------------- reading


def all_verdicts_relation(conn: sa.Connection, *, day_scoped: bool = False) -> str:
    """Every verdict known: src.reviews (contract-clean) UNION ALL risk.verdicts, as a
    parenthesised SELECT of (campaign_id, user_id, reviewed_at, verdict, reviewer).

    day_scoped=True takes src.reviews as the day sees it (`day_clean_relation`: needs the
    :date and :day_end parameters, and the day's quarantine); the caller still filters
    reviewed_at. Slack verdicts are cast to the types src.reviews stores, so either side can
    be absent and the union still types on DuckDB and PostgreSQL.
    """
    layout = SourceLayout.inspect(conn)
    reviews = SOURCE_TABLES["reviews"]
    source = day_clean_relation("reviews", layout) if day_scoped else clean_relation("reviews", layout)
    parts = [f"SELECT {', '.join(VERDICT_COLUMNS)} FROM {source} s"]
    if "verdicts" in schema_columns(conn, "risk"):
        column_of = {"reviewed_at": "decided_at"}
        casts = ", ".join(
            f"CAST(v.{column_of.get(c, c)} AS {layout.stored_type(reviews, c)}) AS {c}" for c in VERDICT_COLUMNS
        )
        parts.append(f"SELECT {casts} FROM {VERDICTS_TABLE} v")
    return "(" + " UNION ALL ".join(parts) + ")"


def case_accounts(conn: sa.Connection, case_id: str) -> pd.DataFrame:
    """(user_id, campaign_id) of the case on the latest day it had members."""
    return read_frame(
        conn,
        "SELECT DISTINCT user_id, campaign_id FROM risk.case_members "
        "WHERE case_id = :case_id AND date = (SELECT MAX(date) FROM risk.case_members WHERE case_id = :case_id) "
        "ORDER BY user_id, campaign_id",
        {"case_id": case_id},
    )


def case_verdicts(engine: sa.Engine, case_id: str) -> pd.DataFrame:
    """The rows risk.verdicts holds for a case, oldest first."""
    with engine.connect() as conn:
        return read_frame(
            conn,
            f"SELECT * FROM {VERDICTS_TABLE} WHERE case_id = :case_id ORDER BY decided_at, user_id, campaign_id",
            {"case_id": case_id},
        )


# ---------------------------------------------------------------- recording


def record_case_verdict(
    engine: sa.Engine,
    case_id: str,
    verdict: str,
    reviewer: str,
    note: str | None,
    action_key: str,
    *,
    reviewer_name: str | None = None,
    envelope_id: str | None = None,
    channel: str | None = None,
    message_ts: str | None = None,
    decided_at: dt.datetime | None = None,
) -> bool:
    """Record a verdict on every account of the case (its latest day in risk.case_members).

    Returns False, writing nothing, when `action_key` was recorded already or when the
    reviewer's latest verdict on the case is this one (a double click). Raises UnknownCase when
    the case has no members, ValueError on a verdict that is not one of CASE_VERDICTS.
    """
    if verdict not in CASE_VERDICTS:
        raise ValueError(f"verdict must be one of {CASE_VERDICTS}, got {verdict!r}")
    if not reviewer or not action_key:
        raise ValueError("a verdict needs a reviewer and an action key")
    note = (note or "").strip()[:MAX_NOTE_CHARS] or None
    with _write_lock, engine.begin() as conn:
        if dialect_of(conn) == "postgres":
            # one verdict write at a time across processes too; held until this transaction ends
            conn.exec_driver_sql(f"LOCK TABLE {VERDICTS_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        seen = conn.execute(
            sa.text(f"SELECT 1 FROM {VERDICTS_TABLE} WHERE action_key = :key LIMIT 1"), {"key": action_key}
        ).first()
        if seen is not None:
            return False
        latest = conn.execute(
            sa.text(
                f"SELECT verdict FROM {VERDICTS_TABLE} WHERE case_id = :case_id AND reviewer = :reviewer "
                f"ORDER BY decided_at DESC LIMIT 1"
            ),
            {"case_id": case_id, "reviewer": reviewer},
        ).first()
        if latest is not None and latest.verdict == verdict:
            return False
        accounts = case_accounts(conn, case_id)
        if accounts.empty:
            raise UnknownCase(f"case {case_id} has no accounts in risk.case_members")
        frame = accounts.assign(
            case_id=case_id,
            verdict=verdict,
            reviewer=reviewer,
            reviewer_name=reviewer_name,
            note=note,
            decided_at=pd.Timestamp(decided_at or _now()),
            action_key=action_key,
            envelope_id=envelope_id,
            channel=channel,
            message_ts=message_ts,
        )
        frame = frame.astype({"user_id": "int64"})[list(OUTPUT_TABLES["verdicts"].schema.columns)]
        load_frame(conn, VERDICTS_TABLE, frame)
    return True


# ---------------------------------------------------------------- allowlist proposal


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def allowlist_entries(
    accounts: pd.DataFrame, *, case_id: str, reviewer: str, decided_on: dt.date, days: int = ALLOWLIST_DAYS
) -> dict[str, list[str]]:
    """campaign id -> the rule pack `allowlist:` lines for the case's accounts in that campaign."""
    expires = decided_on + dt.timedelta(days=days)
    reason = _yaml_string(f"false positive: case {case_id}, {reviewer} ({decided_on.isoformat()})")
    out: dict[str, list[str]] = {}
    for campaign_id, group in accounts.groupby("campaign_id", sort=True):
        out[str(campaign_id)] = [
            f"- {{user_id: {int(u)}, reason: {reason}, expires: {expires.isoformat()}}}"
            for u in sorted(set(group["user_id"].astype(int)))
        ]
    return out


def allowlist_snippet(
    accounts: pd.DataFrame, *, case_id: str, reviewer: str, decided_on: dt.date, days: int = ALLOWLIST_DAYS
) -> str:
    """YAML ready for a pull request: per campaign a comment line and its allowlist entries."""
    lines = ["allowlist:"]
    entries = allowlist_entries(accounts, case_id=case_id, reviewer=reviewer, decided_on=decided_on, days=days)
    for campaign_id, campaign_lines in entries.items():
        lines.append(f"# campaign {campaign_id}")
        lines += campaign_lines
    return "\n".join(lines)

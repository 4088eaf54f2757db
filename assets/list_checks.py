"""Sanity checks on-call reads before trusting a day's high-risk list, and the check that
the day's source data arrived at all.

These are warnings, not gates: a list that doubled overnight may be a real attack, so it
still reaches Slack, but the UI shows the amber check next to the partition and its
metadata says by how much. The blocking gates are the Pandera checks of each asset.

    flagged_share      flagged participants / participants above a bound: a rule that fires
                       on everyone (a bad threshold, a feature gone NULL) looks like this
    day_over_day       the list grew or shrank by more than a factor since the previous day
    source_arrived     (on risk/source_quarantine) src.logins has rows dated the day, not far
                       below the previous week's level: yesterday's load landed

The evaluating functions are plain SQL over the warehouse (they take an engine and return
a finding); the asset checks around them only translate findings into Dagster results.
They run in the step that writes the asset they look at (risk/high_risk_users,
risk/source_quarantine), right after the write, and take their bounds from that asset's
config in the launchpad.
"""

import datetime as dt
import statistics
import warnings
from dataclasses import dataclass, field

import dagster as dg
import sqlalchemy as sa

from riskflows.days import as_date, day_params
from riskflows.high_risk import HIGH_RISK_TABLE
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.warehouse import read_frame, schema_columns

HIGH_RISK_KEY = dg.AssetKey(["risk", "high_risk_users"])
QUARANTINE_KEY = dg.AssetKey(["risk", "source_quarantine"])

# Bounds on-call agreed as "look at this before acting". Tunable per run in the launchpad.
MAX_FLAGGED_SHARE = 0.30
MAX_CHANGE_FACTOR = 2.0
MIN_CHANGE_USERS = 10
MIN_LOGIN_SHARE_OF_WEEK = 0.25

# Activity tables whose rows dated the day are shown in the freshness check's metadata.
ACTIVITY_TIMESTAMPS = {
    "logins": "ts",
    "enrollments": "enrolled_at",
    "rewards": "granted_at",
    "deposits": "ts",
    "withdrawals": "ts",
    "trades": "ts",
    "transfers": "ts",
}


# ------------------------------------------------------------------ findings (no dagster)


@dataclass(frozen=True)
class Finding:
    """What a check saw: passed or not, one sentence for the UI, numbers for the metadata."""

    passed: bool
    description: str
    metadata: dict = field(default_factory=dict)


def _count(conn: sa.Connection, table: str, where: str, params: dict) -> int:
    return int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one())


_PARTITION = "date = :date AND campaign_id = :campaign_id"


def flagged_share(engine: sa.Engine, day, campaign_id: str, max_share: float = MAX_FLAGGED_SHARE) -> Finding:
    """Share of the campaign's participants on the list. Abuse is a minority; a list that
    holds most participants means a rule or a feature went wrong, not that everyone cheats."""
    params = {"date": as_date(day), "campaign_id": campaign_id}
    with engine.connect() as conn:
        flagged = _count(conn, HIGH_RISK_TABLE, _PARTITION, params)
        participants = _count(conn, PARTICIPANT_FEATURES_TABLE, _PARTITION, params)
    share = flagged / participants if participants else 0.0
    metadata = {
        "flagged": flagged,
        "participants": participants,
        "flagged_share": round(share, 4),
        "max_flagged_share": max_share,
    }
    if share > max_share:
        return Finding(
            False,
            f"{flagged} of {participants} participants flagged ({share:.0%}), above the "
            f"{max_share:.0%} bound: check the rules that fired most before acting.",
            metadata,
        )
    return Finding(True, f"{flagged} of {participants} participants flagged ({share:.0%}).", metadata)


def day_over_day(
    engine: sa.Engine, day, campaign_id: str, max_factor: float = MAX_CHANGE_FACTOR, min_change: int = MIN_CHANGE_USERS
) -> Finding:
    """Change of the list's size against the previous day. A list that doubles or halves
    overnight is worth a look (new attack, or a broken feed); small lists move by a few
    users all the time, hence the minimum absolute change."""
    today = as_date(day)
    previous = today - dt.timedelta(days=1)
    with engine.connect() as conn:
        flagged = _count(conn, HIGH_RISK_TABLE, _PARTITION, {"date": today, "campaign_id": campaign_id})
        # The previous day counts only if it was evaluated: participants exist for it.
        evaluated = _count(conn, PARTICIPANT_FEATURES_TABLE, _PARTITION, {"date": previous, "campaign_id": campaign_id})
        before = _count(conn, HIGH_RISK_TABLE, _PARTITION, {"date": previous, "campaign_id": campaign_id})
    metadata = {
        "flagged": flagged,
        "previous_day": previous.isoformat(),
        "max_change_factor": max_factor,
        "min_change_users": min_change,
    }
    if not evaluated:
        return Finding(
            True,
            f"No evaluated list on {previous}: nothing to compare with.",
            {**metadata, "flagged_previous_day": None},
        )
    metadata["flagged_previous_day"] = before
    change = flagged - before
    factor = max(flagged, 1) / max(before, 1)
    moved_a_lot = factor > max_factor or factor < 1 / max_factor
    if moved_a_lot and abs(change) >= min_change:
        direction = "grew" if change > 0 else "shrank"
        return Finding(
            False,
            f"The list {direction} from {before} to {flagged} since {previous}: confirm it is "
            "the campaign, not the data or a rule change.",
            {**metadata, "change": change},
        )
    return Finding(True, f"{flagged} flagged, {change:+d} since {previous}.", {**metadata, "change": change})


def source_arrived(engine: sa.Engine, day, min_share_of_week: float = MIN_LOGIN_SHARE_OF_WEEK) -> Finding:
    """Did the day's source data land? An exchange has logins every day: none dated the day,
    or far fewer than the week before, means the load is missing or partial, and every
    feature of the day is computed on a hole."""
    today = as_date(day)
    week_start = dt.datetime.combine(today - dt.timedelta(days=7), dt.time())
    end = day_params(today)["day_end"]
    with engine.connect() as conn:
        present = schema_columns(conn, "src")
        rows = {}
        for table, ts in ACTIVITY_TIMESTAMPS.items():
            if table in present:
                rows[table] = _count(
                    conn,
                    f"src.{table}",
                    f"{ts} >= :start AND {ts} < :end",
                    {"start": end - dt.timedelta(days=1), "end": end},
                )
        daily_logins = []
        if "logins" in present:
            # COUNT per day over the previous week, in SQL; days without a row count as zero.
            week = read_frame(
                conn,
                "SELECT CAST(ts AS DATE) AS day, COUNT(*) AS n FROM src.logins "
                "WHERE ts >= :start AND ts < :end GROUP BY CAST(ts AS DATE)",
                {"start": week_start, "end": end - dt.timedelta(days=1)},
            )
            by_day = {as_date(d): int(n) for d, n in zip(week["day"], week["n"])}
            daily_logins = [by_day.get(today - dt.timedelta(days=i), 0) for i in range(1, 8)]
    logins = rows.get("logins", 0)
    usual = statistics.median(daily_logins) if daily_logins else 0
    metadata = {f"rows/{table}": n for table, n in rows.items()} | {"logins_week_median": usual}
    if "logins" not in present:
        return Finding(False, "src.logins is missing: no source data to evaluate the day on.", metadata)
    if logins == 0:
        return Finding(False, f"No src.logins rows dated {today}: the day's load has not arrived.", metadata)
    if usual and logins < min_share_of_week * usual:
        return Finding(
            False,
            f"{logins} src.logins rows dated {today}, under {min_share_of_week:.0%} of the previous "
            f"week's median ({usual:g}): the load looks partial.",
            metadata,
        )
    return Finding(True, f"{logins} src.logins rows dated {today} (previous week's median {usual:g}).", metadata)


# ------------------------------------------------------------------ asset checks


def _result(finding: Finding, check_name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=finding.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=finding.description,
        metadata=finding.metadata,
    )


class ListChecksConfig(dg.Config):
    max_flagged_share: float = MAX_FLAGGED_SHARE
    max_change_factor: float = MAX_CHANGE_FACTOR
    min_change_users: int = MIN_CHANGE_USERS


LIST_CHECKS = {
    "flagged_share": "Flagged participants stay a minority of the campaign (WARN above the bound).",
    "day_over_day": "The list did not double or halve since the previous day (WARN).",
}
SOURCE_ARRIVED = "source_arrived"


def _warning_spec(
    name: str, asset: dg.AssetKey, description: str, partitions_def: dg.PartitionsDefinition
) -> dg.AssetCheckSpec:
    with warnings.catch_warnings():
        # Partitioned asset checks are marked preview in 1.13; they are what we want here:
        # each partition of the UI shows its own verdict.
        warnings.simplefilter("ignore")
        return dg.AssetCheckSpec(
            name, asset=asset, description=description, blocking=False, partitions_def=partitions_def
        )


def list_check_specs(campaign_day: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    """The list's warning checks. They are evaluated in the step that writes the list (see
    list_check_results): a step of their own costs Dagster more than their few counts."""
    return [_warning_spec(name, HIGH_RISK_KEY, description, campaign_day) for name, description in LIST_CHECKS.items()]


def list_check_results(engine: sa.Engine, day, campaign_id: str, config: ListChecksConfig) -> list[dg.AssetCheckResult]:
    return [
        _result(flagged_share(engine, day, campaign_id, config.max_flagged_share), "flagged_share"),
        _result(
            day_over_day(engine, day, campaign_id, config.max_change_factor, config.min_change_users), "day_over_day"
        ),
    ]


def source_arrived_spec(daily: dg.PartitionsDefinition) -> dg.AssetCheckSpec:
    return _warning_spec(
        SOURCE_ARRIVED,
        QUARANTINE_KEY,
        "The day's source data landed: src.logins has rows dated the day, not far below the previous week (WARN).",
        daily,
    )


def source_arrived_result(engine: sa.Engine, day, min_share_of_week: float) -> dg.AssetCheckResult:
    return _result(source_arrived(engine, day, min_share_of_week), SOURCE_ARRIVED)


__all__ = [
    "Finding",
    "ListChecksConfig",
    "day_over_day",
    "flagged_share",
    "list_check_results",
    "list_check_specs",
    "source_arrived",
    "source_arrived_result",
    "source_arrived_spec",
]

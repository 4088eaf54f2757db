"""Sanity checks on-call reads before trusting a day's high-risk list, and the check that
the day's source data arrived at all.

These are warnings, not gates: a list that doubled overnight may be a real attack, so it
still reaches Slack, but the UI shows the amber check next to the partition and its
metadata says by how much. The blocking gates are the Pandera checks of each asset.

    flagged_share      flagged participants / participants above a bound: a rule that fires
                       on everyone (a bad threshold, a feature gone NULL) looks like this
    day_over_day       the list grew or shrank by more than a factor since the previous day
    allowlist_overlap  users or clusters the analysts cleared are on the list: the list was
                       built with a different pack than the one in rules/
    source_arrived     (on risk/source_quarantine) src.logins has rows dated the day, not far
                       below the previous week's level: yesterday's load landed

The evaluating functions are plain SQL over the warehouse (they take an engine and return
a finding); the asset checks around them only translate findings into Dagster results.
"""


import datetime as dt
import statistics
import warnings
from dataclasses import dataclass, field

import dagster as dg
import sqlalchemy as sa

from resources.rules import RulePacksResource
from resources.warehouse import WarehouseResource
from riskflows.days import as_date, day_params
from riskflows.rule_packs import RulePack
from riskflows.warehouse import read_frame, schema_columns

HIGH_RISK_KEY = dg.AssetKey(["risk", "high_risk_users"])
QUARANTINE_KEY = dg.AssetKey(["risk", "source_quarantine"])
WAREHOUSE_POOL = "warehouse"

# Bounds on-call agreed as "look at this before acting". Tunable per run in the launchpad.
MAX_FLAGGED_SHARE = 0.30
MAX_CHANGE_FACTOR = 2.0
MIN_CHANGE_USERS = 10
MIN_LOGIN_SHARE_OF_WEEK = 0.25

# Activity tables whose rows dated the day are shown in the freshness check's metadata.
ACTIVITY_TIMESTAMPS = {
    "logins": "ts", "enrollments": "enrolled_at", "rewards": "granted_at", "deposits": "ts",
    "withdrawals": "ts", "trades": "ts", "transfers": "ts",
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
        flagged = _count(conn, "risk.high_risk_users", _PARTITION, params)
        participants = _count(conn, "risk.participant_features", _PARTITION, params)
    share = flagged / participants if participants else 0.0
    metadata = {"flagged": flagged, "participants": participants, "flagged_share": round(share, 4),
                "max_flagged_share": max_share}
    if share > max_share:
        return Finding(False, f"{flagged} of {participants} participants flagged ({share:.0%}), above the "
                              f"{max_share:.0%} bound: check the rules that fired most before acting.", metadata)
    return Finding(True, f"{flagged} of {participants} participants flagged ({share:.0%}).", metadata)


def day_over_day(engine: sa.Engine, day, campaign_id: str, max_factor: float = MAX_CHANGE_FACTOR,
                 min_change: int = MIN_CHANGE_USERS) -> Finding:
    """Change of the list's size against the previous day. A list that doubles or halves
    overnight is worth a look (new attack, or a broken feed); small lists move by a few
    users all the time, hence the minimum absolute change."""
    today = as_date(day)
    previous = today - dt.timedelta(days=1)
    with engine.connect() as conn:
        flagged = _count(conn, "risk.high_risk_users", _PARTITION, {"date": today, "campaign_id": campaign_id})
        # The previous day counts only if it was evaluated: participants exist for it.
        evaluated = _count(conn, "risk.participant_features", _PARTITION, {"date": previous, "campaign_id": campaign_id})
        before = _count(conn, "risk.high_risk_users", _PARTITION, {"date": previous, "campaign_id": campaign_id})
    metadata = {"flagged": flagged, "previous_day": previous.isoformat(), "max_change_factor": max_factor,
                "min_change_users": min_change}
    if not evaluated:
        return Finding(True, f"No evaluated list on {previous}: nothing to compare with.",
                       {**metadata, "flagged_previous_day": None})
    metadata["flagged_previous_day"] = before
    change = flagged - before
    factor = max(flagged, 1) / max(before, 1)
    moved_a_lot = factor > max_factor or factor < 1 / max_factor
    if moved_a_lot and abs(change) >= min_change:
        direction = "grew" if change > 0 else "shrank"
        return Finding(False, f"The list {direction} from {before} to {flagged} since {previous}: confirm it is "
                              "the campaign, not the data or a rule change.", {**metadata, "change": change})
    return Finding(True, f"{flagged} flagged, {change:+d} since {previous}.", {**metadata, "change": change})


def allowlist_overlap(engine: sa.Engine, day, campaign_id: str, pack: RulePack) -> Finding:
    """Listed users, or members of listed clusters, that the pack's allowlist clears on the
    day. The list is built without them, so any overlap means it came from another pack."""
    today = as_date(day)
    users, clusters = pack.allowlisted(today)
    with engine.connect() as conn:
        listed = read_frame(conn, f"SELECT user_id, cluster_id FROM risk.high_risk_users WHERE {_PARTITION}",
                            {"date": today, "campaign_id": campaign_id})
    on_list = listed[listed["user_id"].isin(list(users)) | listed["cluster_id"].isin(list(clusters))]
    overlap = sorted(int(u) for u in on_list["user_id"])
    metadata = {"allowlisted_users": len(users), "allowlisted_clusters": len(clusters), "overlap": len(overlap),
                "rule_pack": pack.pack_id, "rule_pack_version": pack.version}
    if overlap:
        shown = ", ".join(str(u) for u in overlap[:20])
        return Finding(False, f"{len(overlap)} allowlisted user(s) on the list (e.g. {shown}): re-run the "
                              f"partition with the current pack {pack.pack_id}.", {**metadata, "users": shown})
    return Finding(True, f"No allowlisted user or cluster on the list ({len(users)} users, {len(clusters)} "
                         "clusters cleared).", metadata)


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
                rows[table] = _count(conn, f"src.{table}", f"{ts} >= :start AND {ts} < :end",
                                     {"start": end - dt.timedelta(days=1), "end": end})
        daily_logins = []
        if "logins" in present:
            # COUNT per day over the previous week, in SQL; days without a row count as zero.
            week = read_frame(conn, "SELECT CAST(ts AS DATE) AS day, COUNT(*) AS n FROM src.logins "
                                    "WHERE ts >= :start AND ts < :end GROUP BY CAST(ts AS DATE)",
                              {"start": week_start, "end": end - dt.timedelta(days=1)})
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
        return Finding(False, f"{logins} src.logins rows dated {today}, under {min_share_of_week:.0%} of the previous "
                              f"week's median ({usual:g}): the load looks partial.", metadata)
    return Finding(True, f"{logins} src.logins rows dated {today} (previous week's median {usual:g}).", metadata)


# ------------------------------------------------------------------ asset checks

def _result(finding: Finding, check_name: str | None = None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(check_name=check_name, passed=finding.passed, severity=dg.AssetCheckSeverity.WARN,
                               description=finding.description, metadata=finding.metadata)


class ListChecksConfig(dg.Config):
    max_flagged_share: float = MAX_FLAGGED_SHARE
    max_change_factor: float = MAX_CHANGE_FACTOR
    min_change_users: int = MIN_CHANGE_USERS


class SourceArrivedConfig(dg.Config):
    min_share_of_week: float = MIN_LOGIN_SHARE_OF_WEEK


LIST_CHECKS = {
    "flagged_share": "Flagged participants stay a minority of the campaign (WARN above the bound).",
    "day_over_day": "The list did not double or halve since the previous day (WARN).",
    "allowlist_overlap": "No user or cluster cleared by the pack's allowlist is on the list (WARN).",
}


def build_list_checks(daily: dg.PartitionsDefinition, campaign_day: dg.PartitionsDefinition) -> list:
    """The warning checks, partitioned like the assets they look at, so each partition of
    the UI shows its own verdict. The three list checks run as one step per campaign-day:
    each is a few counts, and a step of its own costs more than the counts."""
    with warnings.catch_warnings():
        # Partitioned asset checks are marked preview in 1.13; they are what we want here.
        warnings.simplefilter("ignore")

        @dg.multi_asset_check(
            name="high_risk_list_checks", pool=WAREHOUSE_POOL,
            specs=[dg.AssetCheckSpec(name, asset=HIGH_RISK_KEY, description=description, blocking=False,
                                     partitions_def=campaign_day)
                   for name, description in LIST_CHECKS.items()],
        )
        def high_risk_list_checks(context: dg.AssetCheckExecutionContext, config: ListChecksConfig,
                                  warehouse: WarehouseResource, rules: RulePacksResource):
            keys = context.partition_key.keys_by_dimension
            day, campaign_id = keys["date"], keys["campaign"]
            with warehouse.step_engine() as engine:
                pack = rules.pack_for(warehouse.campaign(engine, campaign_id))
                yield _result(flagged_share(engine, day, campaign_id, config.max_flagged_share), "flagged_share")
                yield _result(day_over_day(engine, day, campaign_id, config.max_change_factor,
                                           config.min_change_users), "day_over_day")
                yield _result(allowlist_overlap(engine, day, campaign_id, pack), "allowlist_overlap")

        @dg.asset_check(asset=QUARANTINE_KEY, name="source_arrived", partitions_def=daily,
                        pool=WAREHOUSE_POOL, blocking=False,
                        description="The day's source data landed: src.logins has rows dated the day, "
                                    "not far below the previous week (WARN).")
        def source_arrived_check(context: dg.AssetCheckExecutionContext, config: SourceArrivedConfig,
                                 warehouse: WarehouseResource) -> dg.AssetCheckResult:
            with warehouse.step_engine() as engine:
                return _result(source_arrived(engine, context.partition_key, config.min_share_of_week))

    return [high_risk_list_checks, source_arrived_check]


__all__ = ["Finding", "allowlist_overlap", "build_list_checks", "day_over_day", "flagged_share", "source_arrived"]

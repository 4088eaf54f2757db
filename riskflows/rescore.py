"""Re-score a warehouse the pipeline already ran: every day and campaign-day it holds, rebuilt
with the feature code and rule packs as they are now, without Dagster.

What a feature or rule change does to detection is then measured on the same worlds without
writing them again or launching Dagster runs (the feature SQL, the bulk of the time, runs all the
same). The steps are the pipeline's own domain functions in the pipeline's order: per day the
source quarantine, user_features, account_links and account_clusters; then per campaign live that
day participant_features, rule_hits, high_risk_users and campaign_summary. Every partition
written is validated against its Pandera model, as the pipeline's blocking checks do, and a day
whose source data breaks the contract beyond the pipeline's default threshold stops the re-score
as it fails the pipeline's run: naming the table, the day and the rows.

The partitions re-scored are the campaign-days in `risk.campaign_summary`: the pipeline writes a
summary for every campaign-day it evaluated, even one without participants.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from riskflows.account_clusters import build_account_clusters
from riskflows.account_links import build_account_links
from riskflows.campaign_summary import build_campaign_summary
from riskflows.campaigns import Campaign, load_campaigns
from riskflows.days import day_params
from riskflows.high_risk import build_high_risk_users
from riskflows.output_tables import OUTPUT_TABLES, RISK_SCHEMA, read_partition, validate_frame
from riskflows.participant_features import build_participant_features
from riskflows.quarantine import MAX_REJECTED_SHARE, MIN_REJECTED_ROWS, check_source_contract, describe_broken
from riskflows.rule_hits import build_rule_hits
from riskflows.rule_packs import RulePack
from riskflows.user_features import build_user_features
from riskflows.warehouse import read_frame


class RescoreError(RuntimeError):
    """A re-scored partition broke its table's Pandera model, a day's source data broke the contract,
    or the warehouse holds no runs."""


@dataclass
class RescoreRun:
    campaign_days: int = 0
    seconds: float = 0.0


def evaluated_campaign_days(engine: sa.Engine) -> pd.DataFrame:
    """(date, campaign_id) of every campaign-day the pipeline evaluated, oldest first."""
    if not sa.inspect(engine).has_table("campaign_summary", schema=RISK_SCHEMA):
        return pd.DataFrame({"date": [], "campaign_id": []})
    with engine.connect() as conn:
        frame = read_frame(
            conn, f"SELECT DISTINCT date, campaign_id FROM {RISK_SCHEMA}.campaign_summary ORDER BY date, campaign_id"
        )
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def rescore_warehouse(engine: sa.Engine, pack_for: Callable[[Campaign], RulePack]) -> RescoreRun:
    """Rebuild every evaluated day and campaign-day with the code and packs as they are now."""
    started = time.monotonic()
    partitions = evaluated_campaign_days(engine)
    if partitions.empty:
        raise RescoreError(f"{RISK_SCHEMA}.campaign_summary holds no campaign-day: run the pipeline first")
    campaigns = {c.campaign_id: c for c in load_campaigns(engine)}
    run = RescoreRun()

    def checked(table: str, partition: Mapping[str, Any]) -> None:
        """The partition a step just wrote must pass its Pandera model before the next step reads
        it (the pipeline's blocking checks)."""
        _validate(engine, table, partition)

    for day, of_day in partitions.groupby("date", sort=True):
        date = day.isoformat()
        on_day = {"date": day_params(date)["date"]}
        broken = check_source_contract(engine, date).broken_tables(MAX_REJECTED_SHARE, MIN_REJECTED_ROWS)
        checked("quarantine", on_day)
        if broken:
            raise RescoreError(describe_broken(broken, date))
        build_account_links(engine, date)
        checked("account_links", on_day)
        build_user_features(engine, date)  # reads the day's account links
        checked("user_features", on_day)
        build_account_clusters(engine, date)
        checked("account_clusters", on_day)
        for campaign_id in of_day["campaign_id"]:
            campaign = campaigns[campaign_id]
            pack = pack_for(campaign)
            campaign_day = {**on_day, "campaign_id": campaign_id}
            build_participant_features(engine, date, campaign_id)
            checked("participant_features", campaign_day)
            build_rule_hits(engine, date, campaign_id, pack)
            checked("rule_hits", campaign_day)
            build_high_risk_users(engine, date, campaign_id, pack)
            checked("high_risk_users", campaign_day)
            build_campaign_summary(engine, date, campaign, pack)
            checked("campaign_summary", campaign_day)
            run.campaign_days += 1
    run.seconds = time.monotonic() - started
    return run


def _validate(engine: sa.Engine, table_name: str, partition: Mapping[str, Any]) -> None:
    table = OUTPUT_TABLES[table_name]
    validation = validate_frame(table, read_partition(engine, table, partition))
    if not validation.passed:
        where = ", ".join(f"{k}={v}" for k, v in partition.items())
        raise RescoreError(f"re-scored partition {where} of {table.qualified} failed:\n{validation.describe()}")

"""The one Definitions of the riskflows code location (workspace.yaml loads `defs`)."""

from __future__ import annotations

import dagster as dg

from assets.automation import build_automation
from assets.cases import build_case_assets
from assets.partitions import daily_partitions
from assets.payout import build_payout_assets
from assets.pipeline import build_pipeline_assets
from assets.rule_tuning import build_rule_tuning
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource


def build_resources() -> dict:
    # Unset fields resolve from the environment when a step runs, never at import:
    # RISKFLOWS_WAREHOUSE_URL, RISKFLOWS_RULES_DIR, SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL.
    return {"warehouse": WarehouseResource(), "rules": RulePacksResource(), "slack": SlackResource()}


def build_definitions(earliest_date: str | None = None) -> dg.Definitions:
    """The pipeline's assets with their resources and executor, merged with the automation
    (jobs, schedule, sensors) and the rule tuning (rule performance, backtest job) built on them."""
    daily = daily_partitions(earliest_date)
    assets = [*build_pipeline_assets(daily), *build_case_assets(daily), *build_payout_assets(daily)]
    pipeline = dg.Definitions(
        assets=assets,
        resources=build_resources(),
        # A run's steps form a chain and every step takes the one "warehouse" pool slot, so a
        # process per step buys no parallelism; running them in the run worker saves a Python
        # start-up per step and keeps DuckDB's single writer in one process.
        executor=dg.in_process_executor,
    )
    return dg.Definitions.merge(pipeline, build_automation(assets), build_rule_tuning(daily))


defs = build_definitions()

"""The one Definitions of the riskflows code location (workspace.yaml loads `defs`)."""

from __future__ import annotations

import dagster as dg

from assets.partitions import daily_partitions
from assets.pipeline import build_pipeline_assets
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource


def build_resources() -> dict:
    # Unset fields resolve from the environment when a step runs, never at import:
    # RISKFLOWS_WAREHOUSE_URL, RISKFLOWS_RULES_DIR, SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL.
    return {"warehouse": WarehouseResource(), "rules": RulePacksResource(), "slack": SlackResource()}


def build_definitions(earliest_date: str | None = None) -> dg.Definitions:
    daily = daily_partitions(earliest_date)
    return dg.Definitions(assets=build_pipeline_assets(daily), resources=build_resources())


defs = build_definitions()

"""The one Definitions of the riskflows code location (workspace.yaml loads `defs`)."""

from __future__ import annotations

import dagster as dg

from assets.partitions import daily_partitions
from assets.pipeline import build_pipeline_assets
from resources.rules import RulePacksResource
from resources.warehouse import WarehouseResource
from riskflows.warehouse import DEFAULT_DUCKDB_FILE


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(
            url=dg.EnvVar("RISKFLOWS_WAREHOUSE_URL").get_value(f"duckdb:///{DEFAULT_DUCKDB_FILE.resolve()}")
        ),
        "rules": RulePacksResource(rules_dir=dg.EnvVar("RISKFLOWS_RULES_DIR").get_value("rules")),
    }


def build_definitions(earliest_date: str | None = None) -> dg.Definitions:
    daily = daily_partitions(earliest_date)
    return dg.Definitions(assets=build_pipeline_assets(daily), resources=build_resources())


defs = build_definitions()

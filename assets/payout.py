"""Payout holds: the table and the files the rewards system reads before paying.

    risk/cases [date] -> risk/payout_holds [date] (blocking Pandera check)
        -> risk/payout_hold_exports [date] (<RISKFLOWS_PAYOUT_DIR>/<date>/<campaign_id>.csv)

Both read every campaign's day, so they run in the day close (after risk/cases). A failed
check on risk/payout_holds stops the export: the rewards system then finds no new file for
the day rather than a wrong one.
"""

from pathlib import Path

import dagster as dg

from assets.metadata import written_partition
from assets.pipeline import GROUP, WAREHOUSE_POOL, _key, table_asset
from assets.upstream import require_inputs
from assets.versions import module_version
from resources.warehouse import WarehouseResource
from riskflows import payout_holds as payout_holds_module
from riskflows import settings
from riskflows.days import as_date
from riskflows.output_tables import OUTPUT_TABLES, read_partition
from riskflows.payout_holds import build_payout_holds, campaigns_of_day, write_payout_csvs


def build_payout_assets(daily: dg.DailyPartitionsDefinition) -> list:
    @table_asset(
        "payout_holds",
        "payout_holds",
        code_version=module_version(payout_holds_module),
        partitions_def=daily,
        deps=[_key("cases")],
        kinds={"sql", "pandera"},
    )
    def payout_holds(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Per campaign and user of the day: hold- and block-tier accounts with pending rewards
        (the pending sum is held, with their case and rules), and accounts whose case was closed
        as a false positive (released, 0 held). What the rewards system checks before paying."""
        day = as_date(context.partition_key)
        require_inputs(context, [(_key("cases"), context.partition_key)])
        with warehouse.step_engine() as engine:
            holds = build_payout_holds(engine, day)
            held = holds[holds["status"] == "held"]
            materialization, check = written_partition(
                engine,
                "payout_holds",
                {"date": day},
                preview_columns=["campaign_id", "user_id", "status", "held_usd", "tier", "case_id"],
                sort_by=["held_usd"],
                extra={
                    "held_users": len(held),
                    "released_users": int((holds["status"] == "released").sum()),
                    "held_usd": float(held["held_usd"].sum()) if len(held) else 0.0,
                },
            )
        yield materialization
        yield check

    @dg.asset(
        key=_key("payout_hold_exports"),
        code_version=module_version(payout_holds_module),
        partitions_def=daily,
        deps=[payout_holds],
        group_name=GROUP,
        pool=WAREHOUSE_POOL,
        kinds={"csv"},
    )
    def payout_hold_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """One CSV per campaign of the day in RISKFLOWS_PAYOUT_DIR/<date>/<campaign_id>.csv (header
        only when nothing is held), each written to a temporary file and renamed into place."""
        day = as_date(context.partition_key)
        require_inputs(context, [(_key("payout_holds"), context.partition_key)])
        with warehouse.step_engine() as engine:
            holds = read_partition(engine, OUTPUT_TABLES["payout_holds"], {"date": day})
            campaigns = campaigns_of_day(engine, day)
        folder = Path(settings.payout_dir())
        written = write_payout_csvs(holds, folder, day, campaigns)
        return dg.MaterializeResult(
            metadata={
                "folder": str((folder / day.isoformat()).resolve()),
                "files": len(written),
                "rows": len(holds),
                "held_users": int((holds["status"] == "held").sum()) if len(holds) else 0,
            }
        )

    return [payout_holds, payout_hold_exports]

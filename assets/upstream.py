"""A campaign step refuses to run on inputs that were never materialized.

Dagster does not stop a run whose upstream partitions are missing (a UI backfill of the campaign
assets alone, on days whose account-level assets never ran, would otherwise compute features on
nothing and publish lists built on them). Each campaign step checks, in the instance, that every
partition it reads was materialized, and fails naming what is missing and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

ACCOUNT_LEVEL = ("source_quarantine", "account_links", "user_features", "account_clusters")


def _materialized(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> bool:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1
    )
    return bool(records.records)


def missing_inputs(instance: dg.DagsterInstance, needed: Sequence[tuple[dg.AssetKey, str]]) -> list[str]:
    """The (asset, partition) pairs of `needed` with no materialization, as 'risk/x 2026-09-10'."""
    return [
        f"{key.to_user_string()} {partition}"
        for key, partition in needed
        if not _materialized(instance, key, partition)
    ]


def require_inputs(context: dg.AssetExecutionContext, needed: Sequence[tuple[dg.AssetKey, str]]) -> None:
    """Fail the step (no retry: data, not infrastructure) when any input partition is missing."""
    missing = missing_inputs(context.instance, needed)
    if not missing:
        return
    date = needed[0][1].split("|")[-1]
    account_assets = ", ".join(f"risk/{name}" for name in ACCOUNT_LEVEL)
    raise dg.Failure(
        description=(
            f"{context.asset_key.to_user_string()} was not run: its inputs were never materialized: "
            f"{'; '.join(missing)}. Missing input is not zero, so nothing was written or published. "
            f"Fix: `riskflows run --from {date} --to {date}` (every asset of the day), or in the UI "
            f"Assets -> select {account_assets} -> Materialize -> {date}, then re-run this partition."
        ),
        metadata={"missing": ", ".join(missing)},
        allow_retries=False,
    )

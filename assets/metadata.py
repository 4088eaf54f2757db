"""Metadata analysts see in the UI: the column schema (on the asset), and for the partition
just written its row count, a markdown preview and the blocking Pandera check result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from riskflows.output_tables import OUTPUT_TABLES, OutputTable, PartitionValidation, read_partition, validate_frame

PANDERA_CHECK = "pandera_contract"


def pandera_check_spec(asset_key: dg.AssetKey, table_name: str, name: str = PANDERA_CHECK) -> dg.AssetCheckSpec:
    """The blocking Pandera check of a table the asset writes (`name`: for a second table it writes)."""
    return dg.AssetCheckSpec(
        name,
        asset=asset_key,
        blocking=True,
        description=f"The written partition of risk.{table_name} satisfies its Pandera model; "
        "nothing downstream (Slack included) runs on a partition that does not.",
    )


def column_schema(table: OutputTable) -> dg.TableSchema:
    """The table's columns from its Pandera model, for the asset definition: the schema is the
    same for every partition, so it is not repeated on each materialization event."""
    schema = table.schema
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, str(column.dtype), description=column.description or "")
            for name, column in schema.columns.items()
        ]
    )


def _preview(frame: pd.DataFrame, rows: int, columns: list[str] | None) -> str:
    shown = frame[columns] if columns else frame
    return shown.head(rows).to_markdown(index=False) if len(shown) else "_(no rows)_"


def written_partition(
    engine: sa.Engine,
    table_name: str,
    partition: Mapping[str, Any],
    *,
    preview_columns: list[str] | None = None,
    sort_by: list[str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[dg.MaterializeResult, dg.AssetCheckResult]:
    """Read the partition back once: metadata for the materialization, and its Pandera check."""
    table = OUTPUT_TABLES[table_name]
    frame = read_partition(engine, table, partition)
    if sort_by and len(frame):
        frame = frame.sort_values(sort_by, ascending=False)
    validation = validate_frame(table, frame)
    materialization = dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(frame),
            "table": table.qualified,
            "preview": dg.MetadataValue.md(_preview(frame, 10, preview_columns)),
            **dict(extra or {}),
        }
    )
    return materialization, pandera_check_result(validation)


def pandera_check_result(validation: PartitionValidation, name: str = PANDERA_CHECK) -> dg.AssetCheckResult:
    """The blocking Pandera check of a written partition, with the first failing rows."""
    metadata: dict[str, Any] = {"rows": validation.rows, "failures": len(validation.failure_cases)}
    if not validation.passed:
        metadata["failure_cases"] = dg.MetadataValue.md(validation.failure_cases.head(20).to_markdown(index=False))
    return dg.AssetCheckResult(
        check_name=name,
        passed=validation.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=validation.describe(),
        metadata=metadata,
    )

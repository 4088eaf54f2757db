"""Write hand-made `src` tables for tests, typed as the source contract says."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from riskflows.source_contract import SOURCE_TABLES
from riskflows.warehouse import ensure_schema, load_frame


def write_source(engine: sa.Engine, frames: dict[str, pd.DataFrame], *, only: bool = True) -> None:
    """Create src tables for `frames` (and, unless only=False, empty ones for the rest)."""
    with engine.begin() as conn:
        ensure_schema(conn, "src")
        for name, table in SOURCE_TABLES.items():
            if only and name not in frames:
                continue
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS src.{name}")
            frame = frames.get(name, pd.DataFrame(columns=table.columns))
            types = {c: table.sql_type(c) for c in frame.columns}
            conn.exec_driver_sql(f"CREATE TABLE src.{name} ({', '.join(f'{c} {t}' for c, t in types.items())})")
            load_frame(conn, f"src.{name}", frame)

"""The warehouse as a Dagster resource: one SQLAlchemy URL, DuckDB by default."""

from __future__ import annotations

from typing import Optional

import dagster as dg
import sqlalchemy as sa

from riskflows.output_tables import create_output_tables
from riskflows.warehouse import make_engine


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse holding `src` (read) and `risk` (written).

    Unset, it is RISKFLOWS_WAREHOUSE_URL when the step runs, else the embedded DuckDB file.
    """

    url: Optional[str] = None

    def engine(self) -> sa.Engine:
        engine = make_engine(self.url)
        create_output_tables(engine)
        return engine

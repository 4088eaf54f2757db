"""The warehouse as a Dagster resource: one SQLAlchemy URL, DuckDB by default."""

from __future__ import annotations

from typing import Optional

import dagster as dg
import sqlalchemy as sa

from riskflows.output_tables import create_output_tables
from riskflows.warehouse import default_warehouse_url, make_engine

# One engine per warehouse URL and process; its tables are checked once, not per step.
_ENGINES: dict[str, sa.Engine] = {}


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse holding `src` (read) and `risk` (written).

    Unset, it is RISKFLOWS_WAREHOUSE_URL when the step runs, else the embedded DuckDB file.
    """

    url: Optional[str] = None

    def engine(self) -> sa.Engine:
        url = self.url or default_warehouse_url()
        if url not in _ENGINES:
            engine = make_engine(url)
            create_output_tables(engine)
            _ENGINES[url] = engine
        return _ENGINES[url]

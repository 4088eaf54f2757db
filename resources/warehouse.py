"""The warehouse as a Dagster resource: one SQLAlchemy URL, DuckDB by default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import sqlalchemy as sa
from pydantic import PrivateAttr

from riskflows.campaigns import Campaign, campaign_by_id
from riskflows.output_tables import create_output_tables
from riskflows.warehouse import default_warehouse_url, make_engine

# One engine per warehouse URL and process; its tables are checked once, not per step.
_ENGINES: dict[str, sa.Engine] = {}
# DuckDB engines that keep a connection open for the length of one step.
_STEP_ENGINES: dict[str, sa.Engine] = {}


class WarehouseResource(dg.ConfigurableResource):
    """SQLAlchemy URL of the warehouse holding `src` (read) and `risk` (written).

    Unset, it is RISKFLOWS_WAREHOUSE_URL when the step runs, else the embedded DuckDB file.
    """

    url: str | None = None
    _campaigns: dict[str, Campaign] = PrivateAttr(default_factory=dict)

    def _resolved_url(self) -> str:
        return self.url or default_warehouse_url()

    def engine(self) -> sa.Engine:
        url = self._resolved_url()
        if url not in _ENGINES:
            engine = make_engine(url)
            create_output_tables(engine)
            _ENGINES[url] = engine
        return _ENGINES[url]

    @contextmanager
    def step_engine(self) -> Iterator[sa.Engine]:
        """The engine for one step's statements.

        A step opens a dozen connections (layout, write, read-back, campaign lookup). On
        DuckDB each one opens and checkpoints the file (30 ms); here they share one open
        connection, which is closed when the step ends so that other processes (the
        daemon's sensors, the next run) can open the file. PostgreSQL pools as usual.
        """
        engine = self.engine()
        url = self._resolved_url()
        if engine.dialect.name != "duckdb":
            yield engine
            return
        if url not in _STEP_ENGINES:
            _STEP_ENGINES[url] = make_engine(url, hold_connection=True)
        held = _STEP_ENGINES[url]
        try:
            yield held
        finally:
            held.dispose()

    def campaign(self, engine: sa.Engine, campaign_id: str) -> Campaign:
        """The campaign as src.campaigns describes it, read once per run (Dagster builds the
        resource once per run): every step of a campaign-day run sees the same row, and
        three of its four steps skip the lookup."""
        if campaign_id not in self._campaigns:
            self._campaigns[campaign_id] = campaign_by_id(engine, campaign_id)
        return self._campaigns[campaign_id]

"""Loads a SyntheticWorld into a warehouse: `src` tables and the `synthetic` ground truth.

Tables are dropped and recreated with explicit contract types (never inferred from a frame),
then bulk-loaded by the engine's fast path: a registered DataFrame on DuckDB, COPY on
PostgreSQL, plain executemany elsewhere.
"""

from __future__ import annotations

import io

import pandas as pd
import sqlalchemy as sa

from riskflows.synthetic.schema import ALL_TABLES, SRC_SCHEMA, TRUTH_SCHEMA, schema_of
from riskflows.synthetic.world import SyntheticWorld, generate_world
from riskflows.warehouse import quote_identifier


def _ddl(table: str) -> str:
    cols = ", ".join(
        f"{quote_identifier(c.name)} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in ALL_TABLES[table]
    )
    return f"CREATE TABLE {schema_of(table)}.{table} ({cols})"


def write_world(engine: sa.Engine, world: SyntheticWorld) -> dict[str, int]:
    """(Re)create schemas src and synthetic with every table, load all rows, return row counts."""
    frames = world.tables()
    dialect = engine.dialect.name
    with engine.begin() as conn:
        for schema in (SRC_SCHEMA, TRUTH_SCHEMA):
            conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table in ALL_TABLES:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema_of(table)}.{table}")
            conn.exec_driver_sql(_ddl(table))
        for table, frame in frames.items():
            frame = frame[[c.name for c in ALL_TABLES[table]]]
            if dialect == "duckdb":
                _load_duckdb(conn, table, frame)
            elif dialect == "postgresql":
                _load_postgres(conn, table, frame)
            else:
                _load_generic(conn, table, frame)
        return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {schema_of(t)}.{t}").scalar_one() for t in frames}


def _load_duckdb(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    raw = conn.connection.driver_connection
    # duckdb_engine wraps the native connection; register the frame on it and insert by SQL.
    native = getattr(raw, "_ConnectionWrapper__c", raw)
    view = f"_rf_load_{table}"
    native.execute("SET preserve_insertion_order = false")  # rows carry their own ids; lets DuckDB write in parallel
    native.execute("SET enable_progress_bar = false")
    native.register(view, frame)
    try:
        cols = ", ".join(quote_identifier(c.name) for c in ALL_TABLES[table])
        native.execute(f"INSERT INTO {schema_of(table)}.{table} ({cols}) SELECT {cols} FROM {view}")
    finally:
        native.unregister(view)


def _load_postgres(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    cur = conn.connection.driver_connection.cursor()
    cols = ", ".join(quote_identifier(c.name) for c in ALL_TABLES[table])
    chunk = 500_000  # bounded memory for the CSV buffer
    for lo in range(0, max(len(frame), 1), chunk):
        part = frame.iloc[lo : lo + chunk]
        if part.empty:
            break
        buf = io.StringIO()
        part.to_csv(buf, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f")
        buf.seek(0)
        cur.copy_expert(f"COPY {schema_of(table)}.{table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)


def _load_generic(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    cols = [c.name for c in ALL_TABLES[table]]
    stmt = sa.text(
        f"INSERT INTO {schema_of(table)}.{table} ({', '.join(quote_identifier(c) for c in cols)}) "
        f"VALUES ({', '.join(':p' + str(i) for i in range(len(cols)))})"
    )
    records = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    conn.execute(stmt, [{f"p{i}": v for i, v in enumerate(r)} for r in records])


def seed_warehouse(
    engine: sa.Engine, seed: int, users: int, start=None, days=None, editions: bool = False, onchain: bool = False
) -> dict[str, int]:
    """Generate a world and write it: the one call the demo and the tests need."""
    kwargs = {k: v for k, v in (("start", start), ("days", days)) if v is not None}
    return write_world(engine, generate_world(seed, users, editions=editions, onchain=onchain, **kwargs))

"""The warehouse: one SQLAlchemy engine, DuckDB by default, PostgreSQL in production.

Everything heavy runs here as SQL. Python only moves result tables in and out through
the two helpers below (`read_frame`, `load_frame`), and every partition write goes through
`replace_partition`, which deletes and re-inserts inside one transaction so a re-run or a
backfill is idempotent and a crash leaves the previous version intact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from riskflows import settings

DEFAULT_HOME = Path(".riskflows")
DEFAULT_DUCKDB_FILE = DEFAULT_HOME / "warehouse.duckdb"


def default_warehouse_url() -> str:
    """`RISKFLOWS_WAREHOUSE_URL`, else the embedded DuckDB file under .riskflows/."""
    url = settings.warehouse_url()
    if url:
        return url
    return f"duckdb:///{DEFAULT_DUCKDB_FILE.resolve()}"


def normalise_url(url: str) -> str:
    # dagster-postgres brings psycopg2; SQLAlchemy 2.1 maps bare postgresql:// to psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


# Called with every engine make_engine builds: the benchmark's statement log listens on the
# warehouse's engines only, not on every engine of the process (Dagster's storage builds one
# per operation, and a listener on all of them slows the run it measures).
ENGINE_OBSERVERS: list[Callable[[sa.Engine], None]] = []


def make_engine(url: str | None = None, *, hold_connection: bool = False) -> sa.Engine:
    """An engine for the warehouse; creates the DuckDB file's folder when needed.

    DuckDB admits one writing process, so by default no pool keeps the file open between
    uses. hold_connection=True keeps one open connection in a pool for a burst of
    statements; whoever asks for it must `dispose()` the engine when the burst ends.
    """
    url = normalise_url(url or default_warehouse_url())
    if url.startswith("duckdb:///"):
        path = url[len("duckdb:///") :]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if hold_connection:
            engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4)
        else:
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    for observe in ENGINE_OBSERVERS:
        observe(engine)
    return engine


def dialect_of(engine_or_conn: sa.Engine | sa.Connection) -> str:
    """'duckdb' or 'postgres' (sqlglot's names), anything else as SQLAlchemy names it."""
    name = engine_or_conn.dialect.name
    return {"postgresql": "postgres"}.get(name, name)


def ensure_schema(conn: sa.Connection, schema: str) -> None:
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def schema_columns(conn: sa.Connection, schema: str) -> dict[str, list[str]]:
    """Tables of a schema and their columns (lower case), from information_schema.

    Portable across DuckDB and PostgreSQL, where SQLAlchemy reflection is not.
    """
    return {table: list(columns) for table, columns in schema_column_types(conn, schema).items()}


def schema_column_types(conn: sa.Connection, schema: str) -> dict[str, dict[str, str]]:
    """Tables of a schema, their columns (lower case) in order and each column's SQL type
    as the engine names it (a name CAST accepts: BIGINT, character varying, ...)."""
    rows = conn.execute(
        sa.text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = :schema ORDER BY table_name, ordinal_position"
        ),
        {"schema": schema},
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table.lower(), {})[column.lower()] = data_type
    return tables


def read_frame(
    conn: sa.Connection, sql: str, params: Mapping[str, Any] | None = None, *, columnar: bool = False
) -> pd.DataFrame:
    """Run a SELECT and return its rows as a frame.

    columnar=True is for large results (a partition read back for its Pandera check, the
    link table): DuckDB hands the result over column by column, 30x faster than building
    Python rows for 400k rows; DATE columns then arrive as datetime64 and integer columns
    with NULLs as nullable Int64. Other engines fetch rows either way.
    """
    result = conn.execute(sa.text(sql), dict(params or {}))
    if columnar and dialect_of(conn) == "duckdb":
        return result.cursor.fetch_df()
    # Plain tuples: pandas builds a frame from SQLAlchemy Row objects 6x slower (5k rows: 50 ms).
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=list(result.keys()))


def load_frame(conn: sa.Connection, qualified_table: str, frame: pd.DataFrame) -> int:
    """Bulk-insert a frame into an existing table, columns matched by name.

    DuckDB scans the frame in place; PostgreSQL gets a COPY. Runs inside the caller's
    transaction, so it commits or rolls back with the partition it belongs to.
    """
    if frame.empty:
        return 0
    columns = ", ".join(frame.columns)
    dialect = dialect_of(conn)
    raw = conn.connection.driver_connection
    if dialect == "duckdb":
        view = "riskflows_frame_in"
        raw.register(view, frame)
        try:
            conn.exec_driver_sql(f"INSERT INTO {qualified_table} ({columns}) SELECT {columns} FROM {view}")
        finally:
            raw.unregister(view)
    elif dialect == "postgres":
        buffer = io.StringIO()
        _integral_floats_as_ints(frame).to_csv(
            buffer,
            index=False,
            header=False,
            na_rep="\\N",
            quoting=csv.QUOTE_MINIMAL,
            date_format="%Y-%m-%d %H:%M:%S.%f",
        )
        buffer.seek(0)
        with raw.cursor() as cursor:
            cursor.copy_expert(f"COPY {qualified_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
    else:
        conn.execute(
            sa.text(f"INSERT INTO {qualified_table} ({columns}) VALUES ({', '.join(':' + c for c in frame.columns)})"),
            frame.astype(object).where(frame.notna(), None).to_dict("records"),
        )
    return len(frame)


def _integral_floats_as_ints(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable integer columns arrive as floats (1.0); COPY into BIGINT wants "1"."""
    converted = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values):
            present = values.dropna()
            if len(present) and (present == present.round()).all() and present.abs().max() < 2**53:
                converted[column] = values.astype("Int64")
    return frame.assign(**converted) if converted else frame


def prefer_hash_joins(conn: sa.Connection) -> None:
    """On PostgreSQL, plan this transaction's queries as the analytic scans they are.

    The feature SQL is a chain of CTEs over freshly loaded tables; PostgreSQL estimates a
    row or two for each and picks nested loops that run 100x slower than hash joins
    (31 s against 0.4 s for one day of a 2,000-user world), or merge joins that sort
    800k trades to join them with a few thousand participants (a campaign's features at
    size M: 3.5 s with merge joins, 2.0 s without). Disabling a join method adds a huge
    constant to the plan cost, which would then trigger JIT compilation (seconds per
    statement), so JIT goes off too. DuckDB needs nothing.
    """
    if dialect_of(conn) == "postgres":
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
        conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
        conn.exec_driver_sql("SET LOCAL jit = off")


def quote_string(text: str) -> str:
    """A SQL string literal (``it's`` -> ``'it''s'``), for text that comes from code (rule ids,
    contract messages); values from input data go as bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A double-quoted SQL identifier (``a"b`` -> ``"a""b"``)."""
    return '"' + name.replace('"', '""') + '"'


def partition_predicate(partition: Mapping[str, Any]) -> str:
    return " AND ".join(f"{column} = :{column}" for column in partition)


def replace_partition(
    engine: sa.Engine,
    qualified_table: str,
    partition: Mapping[str, Any],
    *,
    insert_sql: str | None = None,
    params: Mapping[str, Any] | None = None,
    frame: pd.DataFrame | None = None,
) -> int:
    """Delete the partition and write its new rows in one transaction; returns rows written.

    The new rows come either from `insert_sql` (an INSERT ... SELECT run in the warehouse)
    or from `frame` (computed in Python). Either way readers see the old partition or the
    new one, never a mix.
    """
    with engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {qualified_table} WHERE {partition_predicate(partition)}"), dict(partition))
        if insert_sql is not None:
            prefer_hash_joins(conn)
            conn.execute(sa.text(insert_sql), {**dict(partition), **dict(params or {})})
        if frame is not None:
            load_frame(conn, qualified_table, frame)
        return conn.execute(
            sa.text(f"SELECT COUNT(*) FROM {qualified_table} WHERE {partition_predicate(partition)}"),
            dict(partition),
        ).scalar_one()

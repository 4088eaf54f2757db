"""Shared fixtures: a DuckDB warehouse per test, and the PostgreSQL one CI always has.

PostgreSQL tests never skip: if 127.0.0.1:5432 is unreachable they fail, loudly.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from riskflows.warehouse import make_engine

PG_URL = os.environ.get("RISKFLOWS_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def duckdb_engine(duckdb_url) -> sa.Engine:
    return make_engine(duckdb_url)


@pytest.fixture
def pg_database() -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards; its URL."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"riskflows_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
    admin.dispose()


@pytest.fixture
def pg_engine(pg_database) -> sa.Engine:
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request) -> sa.Engine:
    """Each test using this runs on both warehouses."""
    return request.getfixturevalue("duckdb_engine" if request.param == "duckdb" else "pg_engine")

"""Shared fixtures: a DuckDB warehouse per test, and fresh PostgreSQL databases.

Every PostgreSQL test gets its databases from `pg_databases` (directly, or through
`pg_database`, `pg_engine` or `tests.dagster_pg.pg_instance`): each is created for the test
on the server RISKFLOWS_TEST_PG_URL names (default postgres@127.0.0.1:5432/test, whose
database only administers the others) and dropped afterwards. PostgreSQL tests never skip:
if the server is unreachable they fail, loudly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from riskflows import settings
from riskflows.warehouse import make_engine, normalise_url

# pg_instance: a Dagster instance stored in PostgreSQL the way production runs it
pytest_plugins = ["tests.dagster_pg"]


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def duckdb_engine(duckdb_url) -> sa.Engine:
    return make_engine(duckdb_url)


class PgDatabases:
    """Creates fresh databases on the test server and drops every one it created."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(normalise_url(settings.test_pg_url()), isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, prefix: str = "riskflows_test") -> str:
        """A new, empty database; its URL (same server, user and driver as the admin URL)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:  # fails (never skips) when PostgreSQL is unreachable
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        self.names.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database created, terminating the connections still open on it first."""
        if self.names:
            with self.admin.connect() as conn:
                for name in reversed(self.names):
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    )
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            self.names.clear()
        self.admin.dispose()


@pytest.fixture
def pg_databases() -> Iterator[PgDatabases]:
    """The one way tests get PostgreSQL databases: fresh ones, dropped when the test ends."""
    databases = PgDatabases()
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture
def pg_database(pg_databases) -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards; its URL."""
    return pg_databases.create()


@pytest.fixture
def pg_engine(pg_database) -> Iterator[sa.Engine]:
    engine = make_engine(pg_database)
    yield engine
    engine.dispose()


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request) -> sa.Engine:
    """Each test using this runs on both warehouses."""
    return request.getfixturevalue("duckdb_engine" if request.param == "duckdb" else "pg_engine")


@pytest.fixture(autouse=True)
def files_under_tmp(tmp_path, monkeypatch):
    """Case files and payout CSVs a test's pipeline writes land in its tmp folder, never in the repo."""
    monkeypatch.setenv("RISKFLOWS_CASE_DIR", str(tmp_path / "cases"))
    monkeypatch.setenv("RISKFLOWS_PAYOUT_DIR", str(tmp_path / "payouts"))

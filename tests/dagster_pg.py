"""A Dagster instance the way production runs it: the repo's dagster.yaml, storage in a
fresh PostgreSQL database through dagster-postgres.

`dagster_home(tmp_path)` copies dagster.yaml into a new DAGSTER_HOME and creates the
database DAGSTER_PG_URL points at; `pg_instance` is the pytest fixture around it that also
sets the environment (so subprocesses such as dagster-daemon inherit it) and drops the
database afterwards.
"""

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL

REPO = Path(__file__).resolve().parent.parent


@dataclass
class DagsterHome:
    path: Path
    pg_url: str  # the instance's storage database (postgresql+psycopg2://...)

    @property
    def env(self) -> dict[str, str]:
        return {"DAGSTER_HOME": str(self.path), "DAGSTER_PG_URL": self.pg_url}


@contextlib.contextmanager
def fresh_database(prefix: str = "riskflows_dagster") -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped (connections terminated first) on exit."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                "AND pid <> pg_backend_pid()"
            )
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@contextlib.contextmanager
def dagster_home(directory: Path) -> Iterator[DagsterHome]:
    """DAGSTER_HOME = `directory` holding the repo's dagster.yaml, on a fresh database."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", directory / "dagster.yaml")
    with fresh_database() as url:
        yield DagsterHome(directory, url)


@pytest.fixture
def pg_instance(tmp_path, monkeypatch) -> Iterator[dg.DagsterInstance]:
    """The instance of the repo's dagster.yaml, stored in a fresh PostgreSQL database."""
    with dagster_home(tmp_path / "dagster_home") as home:
        for key, value in home.env.items():
            monkeypatch.setenv(key, value)
        # Entered as a context manager: the instance installs its state storage for the
        # Definitions loaded meanwhile, and must take it back before the database is dropped.
        with dg.DagsterInstance.get() as instance:
            # The point of these tests: the production storage, not a stand-in.
            assert type(instance.run_storage).__name__ == "PostgresRunStorage", type(instance.run_storage)
            try:
                yield instance
            finally:
                # Code servers and run workers of this instance must not outlive its database.
                stop_processes_of(home.path)


def stop_processes_of(home: Path, grace: float = 10.0) -> list[int]:
    """Stop what a test's Dagster processes left behind (code servers, run workers): every
    process whose environment names this test's own DAGSTER_HOME. Returns their ids."""
    import signal
    import time

    marker = f"DAGSTER_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for pid in found:
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return found

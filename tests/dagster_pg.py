"""A Dagster instance the way production runs it: the repo's dagster.yaml, storage in a
fresh PostgreSQL database through dagster-postgres.

`dagster_home(directory, pg_url)` copies dagster.yaml into a new DAGSTER_HOME whose storage is
the database `pg_url`; `pg_instance` is the pytest fixture around it that takes that database
from conftest's `pg_databases` (which drops it afterwards) and sets the environment (so
subprocesses such as dagster-daemon inherit it).
"""

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent


@dataclass
class DagsterHome:
    path: Path
    pg_url: str  # the instance's storage database, a plain postgresql:// URL as README's example

    @property
    def env(self) -> dict[str, str]:
        return {"DAGSTER_HOME": str(self.path), "DAGSTER_PG_URL": self.pg_url}


def dagster_home(directory: Path, pg_url: str) -> DagsterHome:
    """DAGSTER_HOME = `directory` holding the repo's dagster.yaml, stored in database `pg_url`."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", directory / "dagster.yaml")
    return DagsterHome(directory, pg_url)


@pytest.fixture
def pg_instance(tmp_path, monkeypatch, pg_databases) -> Iterator[dg.DagsterInstance]:
    """The instance of the repo's dagster.yaml, stored in a fresh PostgreSQL database (its own,
    apart from any warehouse database the test also asks for)."""
    # README's example, literally: the bare postgresql:// URL a managed database hands out.
    url = sa.make_url(pg_databases.create("riskflows_dagster")).set(drivername="postgresql")
    home = dagster_home(tmp_path / "dagster_home", url.render_as_string(hide_password=False))
    for key, value in home.env.items():
        monkeypatch.setenv(key, value)
    # Entered as a context manager: the instance installs its state storage for the
    # Definitions loaded meanwhile, and must take it back before the database is dropped
    # (pg_databases drops it after this fixture ends).
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

"""Event log storage for the local Dagster instance: Dagster's SQLite storage, engines kept.

Dagster's SqliteEventLogStorage builds an SQLAlchemy engine, opens a connection, and
disposes both for every event it writes and every read (a day of 12 runs writes about 550
events and reads about 400 times). That bookkeeping was a third of a small day's time.
PooledSqliteEventLogStorage keeps one engine per database file: the index, and the few
runs written last. Everything else is Dagster's: the same files and schema (a webserver on
the default storage reads them), its lock per storage object across threads, SQLite's file
locks across processes, a transaction per operation.

`riskflows run` / `demo` write it into a new local DAGSTER_HOME (app.runner.local_instance)
and the benchmark uses it; production keeps PostgreSQL (dagster.yaml at the repo root).
It overrides a private method (`_connect`) of the storage, so it is tested against the
pinned Dagster release (tests/test_instance_storage.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import Connection, Engine, create_engine

# Run databases whose engines stay open: the run being written and a few just before it
# (readers such as the runner's step stats come right after a run).
KEPT_RUN_ENGINES = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that reuses its engines instead of building one per operation."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine_for(shard).connect() as conn, conn.begin():
                yield conn

    def _engine_for(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for oldest in runs[: max(len(runs) - KEPT_RUN_ENGINES, 0)]:
            self._engines.pop(oldest).dispose()
        return engine

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        # run files are deleted: no engine may keep writing to a deleted file
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._dispose_engines()


def local_instance_yaml(home: Path) -> str:
    """dagster.yaml of a local instance in `home`: SQLite storage in the folders Dagster's
    default uses, event logs through PooledSqliteEventLogStorage, no telemetry."""
    runs = (Path(home).resolve() / "history" / "runs").as_posix()
    return (
        "# Local instance written by riskflows (app/instance_storage.py): Dagster's SQLite\n"
        "# storage, event log engines kept open between operations.\n"
        "telemetry:\n"
        "  enabled: false\n"
        "event_log_storage:\n"
        "  module: app.instance_storage\n"
        "  class: PooledSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {runs}\n"
    )

"""The warehouse resource on an embedded DuckDB file: a step keeps one connection open while
it works and lets go of the file when it ends, so another process (the daemon's sensors, the
next run) can open it. DuckDB admits one process at a time."""

from __future__ import annotations

import subprocess
import sys

from resources.warehouse import WarehouseResource


def _other_process_can_open(path) -> bool:
    code = f"import duckdb; duckdb.connect({str(path)!r}).execute('SELECT COUNT(*) FROM t').fetchall()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_a_step_holds_the_duckdb_file_only_while_it_runs(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    warehouse = WarehouseResource(url=f"duckdb:///{path}")
    with warehouse.step_engine() as engine:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t AS SELECT 1 AS x")
        with engine.connect() as conn:  # the same open database, handed back by the pool
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar_one() == 1
        assert not _other_process_can_open(path)  # held for the step's statements
    assert _other_process_can_open(path)  # released when the step ends
    with warehouse.step_engine() as engine, engine.connect() as conn:  # and usable by the next step
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar_one() == 1

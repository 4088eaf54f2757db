"""The local instance's pooled event log: the same files as Dagster's SQLite storage, engines
kept (a few), nothing written to a deleted file after a wipe."""

from __future__ import annotations

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage

from app.instance_storage import KEPT_RUN_ENGINES, PooledSqliteEventLogStorage
from app.runner import local_instance


@dg.asset
def deposits_seen() -> int:
    return 3


@dg.asset(check_specs=[dg.AssetCheckSpec("not_negative", asset="flagged_share")])
def flagged_share(deposits_seen: int):
    yield dg.Output(deposits_seen / 10)
    yield dg.AssetCheckResult(passed=deposits_seen >= 0)


def _run(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([deposits_seen, flagged_share], instance=instance)
    assert result.success
    return result.run_id


def test_local_instance_keeps_a_few_engines_and_writes_what_dagsters_own_storage_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = local_instance()
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)

    run_ids = [_run(instance) for _ in range(KEPT_RUN_ENGINES + 2)]
    # The index and the last runs' databases stay open; older ones were closed.
    assert INDEX_SHARD_NAME in storage._engines
    assert set(storage._engines) - {INDEX_SHARD_NAME} == set(run_ids[-KEPT_RUN_ENGINES:])

    # A webserver on Dagster's default storage reads the same folder: every event, every
    # materialization and check result, including runs whose engines were closed.
    default = SqliteEventLogStorage(base_dir=str(tmp_path / "home" / "history" / "runs"))
    for run_id in run_ids:
        pooled_events = [e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event]
        default_events = [e.dagster_event.event_type_value for e in default.get_logs_for_run(run_id) if e.dagster_event]
        assert pooled_events == default_events and "ASSET_MATERIALIZATION" in default_events
    records = default.fetch_materializations(dg.AssetKey("flagged_share"), limit=100).records
    assert sorted(r.run_id for r in records) == sorted(run_ids)
    check = default.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("flagged_share"), "not_negative")]
    )
    assert check[dg.AssetCheckKey(dg.AssetKey("flagged_share"), "not_negative")].run_id == run_ids[-1]
    default.dispose()

    # Wiping deletes the run files: the kept engines go with them, and the next run writes anew.
    instance.wipe()
    assert set(storage._engines) <= {INDEX_SHARD_NAME}  # the index is emptied, not deleted
    assert not instance.fetch_materializations(dg.AssetKey("flagged_share"), limit=10).records
    after = _run(instance)
    assert [r.run_id for r in instance.fetch_materializations(dg.AssetKey("flagged_share"), limit=10).records] == [
        after
    ]

    instance.dispose()
    assert not storage._engines

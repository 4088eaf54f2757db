"""Production orchestration on a real Dagster instance stored in PostgreSQL (the repo's
dagster.yaml): campaign discovery, the daily schedule and its follow-up, backfills launched
the way the UI launches them and run by the daemon, blocking checks, idempotent re-runs,
crash safety of partition writes, and run-failure alerts.

Worlds are small (1000 users): campaigns live 2026-09-01..2026-10-04, e.g.
ref-2026-09 ended 2026-09-11 22:44, dep-2026-09 runs 09-03..09-18, tc-2026-09 09-06..09-23,
air-2026-09 09-11..09-28, nu-2026-09 starts 09-15.
"""

import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster._core.events import DagsterEventType
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_graphql.test.utils import execute_dagster_graphql

import riskflows.warehouse as warehouse_module
from assets.automation import (
    ACCOUNT_DAY_JOB,
    CAMPAIGN_DAY_JOB,
    DAILY_TAG,
    DAY_CLOSE_JOB,
    campaign_day_requests,
    day_before,
)
from assets.definitions import build_definitions
from assets.list_checks import day_over_day, flagged_share, source_arrived
from assets.pipeline import NOTIFY_TAG
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource
from riskflows.campaigns import campaign_by_id, load_campaigns
from riskflows.high_risk import build_high_risk_users
from riskflows.output_tables import create_output_tables
from riskflows.rule_packs import AllowlistEntry
from riskflows.synthetic import seed_warehouse
from riskflows.warehouse import make_engine, read_frame
from tests.dagster_pg import REPO
from tests.slack_double import SlackDouble

pytestmark = pytest.mark.pipeline  # whole pipelines through Dagster: `make test-fast` skips them

EARLIEST = "2026-08-01"
UTC = dt.timezone.utc
CAMPAIGN_KEYS = {  # table -> its row key within a (date, campaign) partition
    "participant_features": ["user_id"],
    "rule_hits": ["user_id", "rule_id"],
    "high_risk_users": ["user_id"],
    "campaign_summary": [],
}
DAY_KEYS = {"user_features": ["user_id"], "account_clusters": ["user_id"]}


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["risk", name])


@pytest.fixture
def world_env(tmp_path, monkeypatch):
    """Settings every run reads at run time; the working directory is the test's, so the
    Slack outbox (no token) lands under tmp_path, never in the repo."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", str(REPO / "rules"))
    monkeypatch.setenv("RISKFLOWS_EARLIEST_DATE", EARLIEST)
    for name in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "DAGSTER_WEBSERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def duck_world(world_env, monkeypatch) -> sa.Engine:
    url = f"duckdb:///{world_env / 'warehouse.duckdb'}"
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", url)
    engine = make_engine(url)
    seed_warehouse(engine, seed=7, users=1000)
    return engine


@pytest.fixture
def defs() -> dg.Definitions:
    return build_definitions(EARLIEST)


def run_job(defs, instance, job: str, partition: str, *, assets=None, raise_on_error=True, tags=None):
    """One partition of a job, in process, on the PostgreSQL-stored instance."""
    return defs.resolve_job_def(job).execute_in_process(
        partition_key=partition,
        instance=instance,
        raise_on_error=raise_on_error,
        asset_selection=assets,
        tags={NOTIFY_TAG: "false", **(tags or {})},
    )


def campaign_day(instance, defs, campaign_id: str, day: str):
    instance.add_dynamic_partitions("campaign", [campaign_id])
    run_job(defs, instance, ACCOUNT_DAY_JOB, day)
    return run_job(defs, instance, CAMPAIGN_DAY_JOB, f"{campaign_id}|{day}")


def partition_rows(engine, table: str, day: str, campaign_id: str | None = None) -> pd.DataFrame:
    where = "date = :date" + (" AND campaign_id = :campaign_id" if campaign_id else "")
    with engine.connect() as conn:
        return read_frame(
            conn,
            f"SELECT * FROM risk.{table} WHERE {where}",
            {"date": dt.date.fromisoformat(day), "campaign_id": campaign_id},
        )


def check_evaluations(result) -> dict[tuple[str, str], object]:
    return {
        (e.event_specific_data.asset_key.path[-1], e.event_specific_data.check_name): e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


# ---------------------------------------------------------------- discovery and schedule


def test_discovery_sensor_adds_each_campaign_once(pg_instance, duck_world, defs):
    sensor = defs.get_repository_def().get_sensor_def("campaign_discovery")
    resources = {"warehouse": WarehouseResource()}

    def tick(cursor):
        data = sensor.evaluate_tick(dg.build_sensor_context(instance=pg_instance, cursor=cursor, resources=resources))
        for request in data.dynamic_partitions_requests or []:  # what the sensor daemon does
            pg_instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        return data

    first = tick(None)
    campaigns = {c.campaign_id for c in load_campaigns(duck_world)}
    assert len(campaigns) == 5
    assert set(pg_instance.get_dynamic_partitions("campaign")) == campaigns
    assert set(json.loads(first.cursor)) == campaigns

    # A partition removed on purpose in the UI stays removed: the cursor remembers it was added.
    pg_instance.delete_dynamic_partition("campaign", "ref-2026-09")
    second = tick(first.cursor)
    assert not second.dynamic_partitions_requests and second.skip_message
    assert "ref-2026-09" not in pg_instance.get_dynamic_partitions("campaign")

    with duck_world.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO src.campaigns (campaign_id, name, kind, starts_at, ends_at, reward_budget_usd, rule_pack) "
                "VALUES ('air-2026-10', 'October Airdrop', 'airdrop', TIMESTAMP '2026-10-01 00:00:00', NULL, 1000, NULL)"
            )
        )
    third = tick(second.cursor or first.cursor)
    assert [r.partition_keys for r in third.dynamic_partitions_requests] == [["air-2026-10"]]
    assert "air-2026-10" in pg_instance.get_dynamic_partitions("campaign")


def test_daily_schedule_requests_yesterday_once_and_only_live_campaigns_follow(
    pg_instance, duck_world, defs, monkeypatch
):
    schedule = defs.get_repository_def().get_schedule_def("daily_campaign_risk")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 1 * * *", "UTC")
    resources = {"warehouse": WarehouseResource()}

    def requests(schedule_def, tick):
        context = dg.build_schedule_context(
            instance=pg_instance,
            scheduled_execution_time=tick,
            resources=resources,
            repository_def=defs.get_repository_def(),
        )
        return schedule_def.evaluate_tick(context)

    data = requests(schedule, dt.datetime(2026, 9, 13, 1, 0, tzinfo=UTC))
    [request] = data.run_requests
    assert (request.partition_key, request.run_key) == ("2026-09-12", "account_day:2026-09-12")
    assert request.tags[DAILY_TAG] == "2026-09-12"
    # Every campaign has ended by late October: nothing to launch.
    assert not requests(schedule, dt.datetime(2026, 10, 20, 1, 0, tzinfo=UTC)).run_requests

    # Cron and timezone come from the environment when the Definitions are built.
    monkeypatch.setenv("RISKFLOWS_DAILY_CRON", "30 2 * * *")
    monkeypatch.setenv("RISKFLOWS_SCHEDULE_TIMEZONE", "Asia/Shanghai")
    shanghai = build_definitions(EARLIEST).get_repository_def().get_schedule_def("daily_campaign_risk")
    assert (shanghai.cron_schedule, shanghai.execution_timezone) == ("30 2 * * *", "Asia/Shanghai")
    tick = dt.datetime(2026, 9, 13, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # 09-12 18:30 UTC
    assert [r.partition_key for r in requests(shanghai, tick).run_requests] == ["2026-09-12"]

    # The scheduled account-level run succeeds; the follow-up sensor fans out per live campaign.
    result = run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-12", tags=request.tags)
    success = pg_instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
    follow_up = defs.get_repository_def().get_sensor_def("campaign_days_after_account_day")
    context = dg.build_run_status_sensor_context(
        sensor_name=follow_up.name,
        dagster_event=success,
        dagster_instance=pg_instance,
        dagster_run=pg_instance.get_run_by_id(result.run_id),
        resources=resources,
    )
    fanned = follow_up(context)
    by_campaign = {r.partition_key.split("|")[0]: r for r in fanned.run_requests}
    # ref-2026-09 ended 2026-09-11 22:44 and nu-2026-09 starts 09-15: neither is scheduled.
    assert set(by_campaign) == {"dep-2026-09", "tc-2026-09", "air-2026-09"}
    assert by_campaign["dep-2026-09"].partition_key == "dep-2026-09|2026-09-12"
    assert by_campaign["dep-2026-09"].run_key == "campaign_day:dep-2026-09|2026-09-12"
    # The discovery sensor had not run yet: the follow-up adds the partitions it launches.
    [added] = fanned.dynamic_partitions_requests
    assert set(added.partition_keys) == set(by_campaign)
    # The day before, the referral campaign was still live.
    campaigns = load_campaigns(duck_world)
    assert "ref-2026-09" in {
        r.partition_key.split("|")[0] for r in campaign_day_requests(campaigns, dt.date(2026, 9, 11))
    }
    assert day_before(dt.datetime(2026, 9, 1, 0, 5, tzinfo=UTC)) == dt.date(2026, 8, 31)

    # The campaign runs of the day follow; the day closes (cases, case alerts) after the last one.
    day_close = defs.get_repository_def().get_sensor_def("day_close_after_campaign_days")

    def close_after(campaign_id: str):
        done = run_job(defs, pg_instance, CAMPAIGN_DAY_JOB, f"{campaign_id}|2026-09-12", tags=request.tags)
        event = pg_instance.all_logs(done.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
        return day_close(
            dg.build_run_status_sensor_context(
                sensor_name=day_close.name,
                dagster_event=event,
                dagster_instance=pg_instance,
                dagster_run=pg_instance.get_run_by_id(done.run_id),
                resources=resources,
            )
        )

    pg_instance.add_dynamic_partitions("campaign", sorted(by_campaign))
    assert isinstance(close_after("dep-2026-09"), dg.SkipReason)  # two campaigns still to go
    assert isinstance(close_after("tc-2026-09"), dg.SkipReason)
    closing = close_after("air-2026-09")
    assert (closing.partition_key, closing.run_key) == ("2026-09-12", "day_close:2026-09-12")
    assert closing.job_name in (None, DAY_CLOSE_JOB)
    closed = run_job(defs, pg_instance, DAY_CLOSE_JOB, "2026-09-12", tags=closing.tags)
    assert closed.success and not partition_rows(duck_world, "cases", "2026-09-12").empty

    # A run that is not the schedule's (a manual or backfill run) does not fan out.
    manual = run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-12")
    manual_success = pg_instance.all_logs(manual.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event
    skipped = follow_up(
        dg.build_run_status_sensor_context(
            sensor_name=follow_up.name,
            dagster_event=manual_success,
            dagster_instance=pg_instance,
            dagster_run=pg_instance.get_run_by_id(manual.run_id),
            resources=resources,
        )
    )
    assert isinstance(skipped, dg.SkipReason)


# ---------------------------------------------------------------- backfill through GraphQL

LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

CAMPAIGN_ASSETS = ["participant_features", "rule_hits", "high_risk_users", "campaign_summary", "slack_digest"]


def backfill_params(assets: list[str], partitions: list[str], tags: dict[str, str]) -> dict:
    """What the UI's "Materialize selected" partition dialog sends: the selected assets and
    the partitions picked for the selection's root (dates, or campaign|date keys)."""
    return {
        "assetSelection": [{"path": ["risk", name]} for name in assets],
        "partitionNames": partitions,
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
    }


def launch_backfill(request_context, params: dict) -> str:
    result = execute_dagster_graphql(request_context, LAUNCH_BACKFILL, {"backfillParams": params})
    assert not result.errors, result.errors
    payload = result.data["launchPartitionBackfill"]
    assert payload["__typename"] == "LaunchBackfillSuccess", payload
    return payload["backfillId"]


def wait_for_backfills(instance, backfill_ids, daemon, log: Path, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = [instance.get_backfill(b).status.value for b in backfill_ids]
        if all(s not in ("REQUESTED", "CANCELING") for s in statuses) or time.monotonic() > deadline:
            return statuses
        assert daemon.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(1)


def stop(process: subprocess.Popen) -> None:
    """Stop the daemon and everything it started (its own session), gracefully first."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _asset_count_served(port: int, webserver: subprocess.Popen, log: Path, timeout: float) -> int:
    """Wait for the webserver to answer, then ask its GraphQL API how many assets the code location has."""
    import urllib.error
    import urllib.request

    query = json.dumps({"query": "{ assetNodes { id } }"}).encode()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert webserver.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                nodes = json.loads(response.read())["data"]["assetNodes"]
            if nodes:
                return len(nodes)
        except (urllib.error.URLError, ConnectionError, KeyError, TypeError):
            pass
        time.sleep(1)
    raise AssertionError(
        f"dagster-webserver did not serve the code location in {timeout} s: {log.read_text(errors='replace')[-3000:]}"
    )


@pytest.mark.parametrize("storage", ["embedded", "postgres"])
def test_webserver_starts_as_readme_says(storage, world_env, tmp_path, monkeypatch, request):
    """README's instance setups, literally: the embedded one riskflows writes into DAGSTER_HOME,
    and the repo's dagster.yaml with DAGSTER_PG_URL=postgresql://... (pg_instance's URL is plain
    postgresql://). dagster-webserver starts on it and serves every asset of the code location."""
    if storage == "postgres":
        request.getfixturevalue("pg_instance")
        assert os.environ["DAGSTER_PG_URL"].startswith("postgresql://")
    else:
        from app.runner import local_instance

        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "embedded_home"))
        local_instance().dispose()
    port, log = _free_port(), tmp_path / "webserver.log"
    with open(log, "wb") as log_file:
        webserver = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster-webserver"),
                "-w",
                str(REPO / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=REPO,
            env=dict(os.environ),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            served = _asset_count_served(port, webserver, log, 180)
        finally:
            stop(webserver)
    assert served == len(build_definitions(EARLIEST).resolve_asset_graph().get_all_asset_keys())


def test_ui_backfill_3_days_x_2_campaigns_completes_under_the_daemon_quietly(
    pg_instance, pg_database, world_env, defs, monkeypatch, tmp_path
):
    """The analyst's flow in the UI: select the campaign-level assets, pick 3 days x 2
    campaigns, launch; meanwhile a colleague backfills one more campaign-day tagged
    riskflows/notify=true. The daemon (queue, backfill daemon, sensors) does the rest."""
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", pg_database)
    warehouse = make_engine(pg_database)
    seed_warehouse(warehouse, seed=7, users=1000)
    slack = SlackDouble().start()
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    campaigns, days = ["dep-2026-09", "tc-2026-09"], ["2026-09-12", "2026-09-13", "2026-09-14"]
    keys = [f"{c}|{d}" for c in campaigns for d in days]
    loud_key = "air-2026-09|2026-09-14"
    # What the discovery sensor and the daily schedule did before: campaign partitions exist,
    # the account-level days are computed.
    pg_instance.add_dynamic_partitions("campaign", [c.campaign_id for c in load_campaigns(warehouse)])
    for day in days:
        run_job(defs, pg_instance, ACCOUNT_DAY_JOB, day)
    # A PostgreSQL warehouse takes concurrent writers (dagster.yaml's comment on the pool).
    pg_instance.event_log_storage.set_concurrency_slots("warehouse", 20)

    log = tmp_path / "daemon.log"
    daemon = None
    with (
        open(log, "wb") as log_file,
        WorkspaceProcessContext(pg_instance, WorkspaceFileTarget([str(REPO / "workspace.yaml")])) as workspace,
    ):
        try:
            request_context = workspace.create_request_context()
            quiet_id = launch_backfill(request_context, backfill_params(CAMPAIGN_ASSETS, keys, {}))
            loud_id = launch_backfill(
                request_context, backfill_params(CAMPAIGN_ASSETS, [loud_key], {NOTIFY_TAG: "true"})
            )
            # Someone skips step 1 of README's UI backfill for a day: nothing may be published on it.
            skipped_id = launch_backfill(
                request_context, backfill_params(CAMPAIGN_ASSETS, ["dep-2026-09|2026-09-16"], {})
            )
            daemon = subprocess.Popen(
                [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
                cwd=REPO,
                env=dict(os.environ),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            statuses = wait_for_backfills(pg_instance, [quiet_id, loud_id, skipped_id], daemon, log, 480)
        finally:
            if daemon is not None:
                stop(daemon)
            slack.stop()
    assert statuses == ["COMPLETED_SUCCESS", "COMPLETED_SUCCESS", "COMPLETED_FAILED"], log.read_text(errors="replace")[
        -3000:
    ]
    # the day without account-level assets: participant_features refused, nothing downstream ran
    assert partition_rows(warehouse, "participant_features", "2026-09-16", "dep-2026-09").empty
    assert partition_rows(warehouse, "high_risk_users", "2026-09-16", "dep-2026-09").empty
    assert "dep-2026-09|2026-09-16" not in pg_instance.get_materialized_partitions(_key("high_risk_users"))

    runs = pg_instance.get_runs(filters=dg.RunsFilter(tags={"dagster/backfill": quiet_id}))
    # high_risk_users and campaign_summary depend on their own previous day, so the backfill
    # runs each campaign's days in order: more runs than partitions, every one successful.
    assert len(runs) >= len(keys) and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    for name in CAMPAIGN_ASSETS:
        assert set(keys) | {loud_key} <= pg_instance.get_materialized_partitions(_key(name)), name
    for key in keys:
        campaign, day = key.split("|")
        assert len(partition_rows(warehouse, "participant_features", day, campaign)) > 0
        assert len(partition_rows(warehouse, "campaign_summary", day, campaign)) == 1
    # Only what was chosen: air-2026-09 was live on 09-13 too, and was left alone.
    assert partition_rows(warehouse, "participant_features", "2026-09-13", "air-2026-09").empty
    # The warning checks ran in the backfill's runs too.
    check = pg_instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(_key("high_risk_users"), "flagged_share")]
    )
    assert check

    # The quiet backfill posted nothing; the one tagged riskflows/notify=true did, for its key only.
    with warehouse.connect() as conn:
        sent = read_frame(
            conn,
            "SELECT DISTINCT campaign_id, CAST(date AS TEXT) AS day FROM risk.notifications WHERE kind <> 'run_failure'",
        )
        failures = read_frame(conn, "SELECT finding_key FROM risk.notifications WHERE kind = 'run_failure'")
    assert [tuple(r) for r in sent.itertuples(index=False)] == [("air-2026-09", "2026-09-14")]
    # the refused day's run failed loudly: one run-failure alert (whatever the backfill's quiet tag)
    assert len(failures) == 1
    assert slack.calls("chat.postMessage")
    for key in keys:
        digest = (
            pg_instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=_key("slack_digest"), asset_partitions=[key]), limit=1
            )
            .records[0]
            .asset_materialization
        )
        assert digest.metadata["quiet"].value is True, key
    warehouse.dispose()


# ---------------------------------------------------------------- checks, re-runs, crashes


def test_campaign_assets_refuse_a_day_whose_account_level_assets_never_ran(pg_instance, duck_world, defs):
    """What a UI backfill of the campaign assets alone does on a fresh day: participant_features
    fails naming the account-level partitions it lacks and the fix; nothing downstream runs or
    publishes. Once the day's account-level assets ran, the same partition goes through."""
    create_output_tables(duck_world)  # so that "no rows" below is read, not a missing table
    pg_instance.add_dynamic_partitions("campaign", ["dep-2026-09"])
    result = run_job(defs, pg_instance, CAMPAIGN_DAY_JOB, "dep-2026-09|2026-09-15", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "risk/participant_features was not run" in message
    assert "risk/user_features 2026-09-15" in message and "risk/account_clusters 2026-09-15" in message
    assert "riskflows run --from 2026-09-15 --to 2026-09-15" in message
    for table in CAMPAIGN_KEYS:
        assert partition_rows(duck_world, table, "2026-09-15", "dep-2026-09").empty, table
    assert not pg_instance.get_materialized_partitions(_key("high_risk_users"))

    assert campaign_day(pg_instance, defs, "dep-2026-09", "2026-09-15").success
    assert not partition_rows(duck_world, "participant_features", "2026-09-15", "dep-2026-09").empty


def test_user_features_refuse_a_day_whose_account_links_never_ran(pg_instance, duck_world, defs):
    """User features read the day's account links (who shares a device, an IP, an address): a UI
    materialization of user_features alone on a fresh day fails naming them, writes nothing, and
    goes through once the links are there."""
    create_output_tables(duck_world)
    user_features = [_key("user_features")]
    result = run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-15", assets=user_features, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert "risk/user_features was not run" in message and "risk/account_links 2026-09-15" in message
    assert partition_rows(duck_world, "user_features", "2026-09-15").empty

    run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-15", assets=[_key("source_quarantine"), _key("account_links")])
    assert run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-15", assets=user_features).success
    assert not partition_rows(duck_world, "user_features", "2026-09-15").empty


def test_failing_pandera_check_blocks_everything_downstream(pg_instance, duck_world, defs, monkeypatch):
    import assets.metadata as metadata
    from riskflows.output_tables import OUTPUT_TABLES

    real_validate = metadata.validate_frame

    def validate_with_a_broken_participant_features(table, frame):
        # The written partition as if a feature went missing for every participant: a NULL key.
        if table is OUTPUT_TABLES["participant_features"]:
            frame = frame.assign(user_id=None)
        return real_validate(table, frame)

    monkeypatch.setattr(metadata, "validate_frame", validate_with_a_broken_participant_features)
    pg_instance.add_dynamic_partitions("campaign", ["dep-2026-09"])
    run_job(defs, pg_instance, ACCOUNT_DAY_JOB, "2026-09-12")
    result = run_job(defs, pg_instance, CAMPAIGN_DAY_JOB, "dep-2026-09|2026-09-12", raise_on_error=False)

    assert not result.success
    checks = check_evaluations(result)
    assert checks[("participant_features", "pandera_contract")].passed is False
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert "risk__participant_features" in started
    assert not started & {"risk__rule_hits", "risk__high_risk_users", "risk__campaign_summary", "risk__slack_digest"}
    for name in ("rule_hits", "high_risk_users", "campaign_summary", "slack_digest"):
        assert "dep-2026-09|2026-09-12" not in pg_instance.get_materialized_partitions(_key(name)), name
    assert partition_rows(duck_world, "rule_hits", "2026-09-12", "dep-2026-09").empty


def test_rerunning_a_partition_is_idempotent_and_warning_checks_fire(pg_instance, duck_world, defs):
    first = campaign_day(pg_instance, defs, "dep-2026-09", "2026-09-12")
    counts = {t: len(partition_rows(duck_world, t, "2026-09-12", "dep-2026-09")) for t in CAMPAIGN_KEYS}
    counts |= {t: len(partition_rows(duck_world, t, "2026-09-12")) for t in DAY_KEYS}
    assert counts["participant_features"] > 0 and counts["high_risk_users"] > 0

    second = campaign_day(pg_instance, defs, "dep-2026-09", "2026-09-12")
    again = {t: len(partition_rows(duck_world, t, "2026-09-12", "dep-2026-09")) for t in CAMPAIGN_KEYS}
    again |= {t: len(partition_rows(duck_world, t, "2026-09-12")) for t in DAY_KEYS}
    assert again == counts
    for table, key in {**CAMPAIGN_KEYS, **DAY_KEYS}.items():
        columns = ", ".join(["date", *(["campaign_id"] if table in CAMPAIGN_KEYS else []), *key])
        with duck_world.connect() as conn:
            duplicates = conn.execute(
                sa.text(f"SELECT {columns}, COUNT(*) FROM risk.{table} GROUP BY {columns} HAVING COUNT(*) > 1")
            ).fetchall()
        assert duplicates == [], table

    # The warning checks ran with the list, as warnings, and said something about it.
    for result in (first, second):
        checks = check_evaluations(result)
        for name in ("flagged_share", "day_over_day"):
            assert checks[("high_risk_users", name)].severity == dg.AssetCheckSeverity.WARN
        share = checks[("high_risk_users", "flagged_share")]
        assert share.passed and share.metadata["participants"].value == counts["participant_features"]
        assert share.metadata["flagged"].value == counts["high_risk_users"]

    # The same checks as plain functions, on lists that should worry an analyst.
    day, campaign = "2026-09-12", "dep-2026-09"
    listed = partition_rows(duck_world, "high_risk_users", day, campaign)
    assert flagged_share(duck_world, day, campaign).passed
    assert not flagged_share(duck_world, day, campaign, max_share=0.01).passed

    # The day before was never evaluated: nothing to compare with. Evaluate it with an empty
    # list and the jump from 0 to today's list is a warning once it is large enough.
    assert day_over_day(duck_world, day, campaign).passed
    with duck_world.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO risk.participant_features (date, campaign_id, user_id) VALUES (:d, :c, 1)"),
            {"d": dt.date(2026, 9, 11), "c": campaign},
        )
    assert not day_over_day(duck_world, day, campaign, min_change=1).passed
    assert day_over_day(duck_world, day, campaign, min_change=len(listed) + 1).passed

    # What the analysts cleared stays off the list: a user, and every member of a cluster.
    pack = RulePacksResource(rules_dir=str(REPO / "rules")).pack_for(campaign_by_id(duck_world, campaign))
    cleared_user = int(listed["user_id"].iloc[0])
    in_cluster = listed[listed["cluster_id"].notna() & (listed["user_id"] != cleared_user)]
    cleared_cluster = int(in_cluster["cluster_id"].iloc[0])
    allowlist = (
        AllowlistEntry(cleared_user, None, "market maker", None),
        AllowlistEntry(None, cleared_cluster, "office network", None),
    )
    relisted = build_high_risk_users(duck_world, day, campaign, dataclasses.replace(pack, allowlist=allowlist))
    assert cleared_user not in set(relisted["user_id"]) and cleared_cluster not in set(relisted["cluster_id"])
    kept = listed[(listed["user_id"] != cleared_user) & (listed["cluster_id"] != cleared_cluster)]
    assert set(relisted["user_id"]) == set(kept["user_id"])

    assert source_arrived(duck_world, day).passed
    with duck_world.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM src.logins WHERE ts >= TIMESTAMP '2026-09-12' AND ts < TIMESTAMP '2026-09-13'")
        )
    missing = source_arrived(duck_world, day)
    assert not missing.passed and missing.metadata["rows/logins"] == 0


def test_write_killed_midway_keeps_previous_partition_and_failure_alert_links_the_run(
    pg_instance, duck_world, defs, monkeypatch, tmp_path
):
    campaign_day(pg_instance, defs, "dep-2026-09", "2026-09-12")
    before = partition_rows(duck_world, "high_risk_users", "2026-09-12", "dep-2026-09")
    assert len(before) > 0
    seen_inside = []

    def killed_after_delete(conn, qualified_table, frame):
        # Inside replace_partition's transaction, after its DELETE: the old rows are gone here...
        seen_inside.append(
            conn.execute(
                sa.text(f"SELECT COUNT(*) FROM {qualified_table} WHERE date = :d AND campaign_id = :c"),
                {"d": dt.date(2026, 9, 12), "c": "dep-2026-09"},
            ).scalar_one()
        )
        raise RuntimeError("run worker killed mid-write")

    monkeypatch.setattr(warehouse_module, "load_frame", killed_after_delete)
    failed = run_job(
        defs,
        pg_instance,
        CAMPAIGN_DAY_JOB,
        "dep-2026-09|2026-09-12",
        assets=[_key("high_risk_users")],
        raise_on_error=False,
    )
    monkeypatch.undo()
    assert not failed.success and seen_inside == [0]

    # ...and the transaction took the delete back with it: the previous version is whole.
    after = partition_rows(duck_world, "high_risk_users", "2026-09-12", "dep-2026-09")
    pd.testing.assert_frame_equal(
        after.sort_values("user_id").reset_index(drop=True), before.sort_values("user_id").reset_index(drop=True)
    )

    # The failure reaches the channel once, with a link to the run.
    sensor = defs.get_repository_def().get_sensor_def("run_failure_alert")
    outbox = tmp_path / "alerts"
    resources = {
        "slack": SlackResource(outbox_dir=str(outbox), dagster_url="https://dagster.example.internal"),
        "warehouse": WarehouseResource(),
    }
    failure = pg_instance.all_logs(failed.run_id, of_type=DagsterEventType.RUN_FAILURE)[0].dagster_event

    def alert():
        return sensor(
            dg.build_run_status_sensor_context(
                sensor_name=sensor.name,
                dagster_event=failure,
                dagster_instance=pg_instance,
                dagster_run=pg_instance.get_run_by_id(failed.run_id),
                resources=resources,
            ).for_run_failure()
        )

    # A step failure is not retried (dagster.yaml): the instance says so on the run.
    assert pg_instance.get_run_by_id(failed.run_id).tags["dagster/will_retry"] == "false"
    # Were it to be retried, the attempt that stays failed is the one that alerts.
    pg_instance.add_run_tags(failed.run_id, {"dagster/will_retry": "true"})
    assert isinstance(alert(), dg.SkipReason) and not outbox.exists()
    pg_instance.add_run_tags(failed.run_id, {"dagster/will_retry": "false"})
    alert()
    alert()  # the sensor seeing the same failure again posts nothing new
    texts = [p.read_text() for p in outbox.glob("*.txt")]
    assert len(texts) == 1, texts
    assert f"https://dagster.example.internal/runs/{failed.run_id}" in texts[0]
    assert "run worker killed mid-write" in texts[0] and "dep-2026-09|2026-09-12" in texts[0]

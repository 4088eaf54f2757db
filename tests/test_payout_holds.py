"""Payout holds (risk.payout_holds and its CSVs) and intraday warnings.

The first tests build a tiny hand-made day directly in the warehouse; the pipeline tests run a
seeded world through Dagster: an intraday run then the nightly run of a day against a copy of the
same world that only ran the nightly, the blocked export, and the intraday schedule and sensors.
"""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from dagster._core.events import DagsterEventType

from app.runner import RangeJobs, materialize_range
from assets.automation import (
    DAILY_TAG,
    INTRADAY_SCHEDULE,
    INTRADAY_TICK_TAG,
    campaign_days_waiting,
    intraday_tags,
)
from assets.definitions import build_definitions
from assets.pipeline import INTRADAY_TAG, NOTIFY_TAG
from resources.warehouse import WarehouseResource
from riskflows.campaigns import load_campaigns
from riskflows.cases import build_case_tables
from riskflows.output_tables import OUTPUT_TABLES, create_output_tables, read_partition, validate_frame
from riskflows.payout_holds import CSV_COLUMNS, build_payout_holds, write_payout_csvs
from riskflows.warehouse import make_engine, read_frame, replace_partition
from tests.source_tables import write_source

DAY = dt.date(2026, 9, 11)
NO_ALLOWLIST = lambda campaign_id: (set(), set())  # noqa: E731


# ---------------------------------------------------------------- a hand-made day


def _flagged(user_id: int, tier: str, campaign_id: str = "c1", score: float = 80.0) -> dict:
    return {
        "date": pd.Timestamp(DAY),
        "campaign_id": campaign_id,
        "user_id": user_id,
        "score": score,
        "tier": tier,
        "rule_ids": "R1,R2",
        "reasons": "reasons",
        "reasons_zh": "原因",
        "cluster_id": None,
        "cluster_size": 1,
        "reward_usd": 10.0,
        "rule_pack_version": "v1",
        "first_flagged_date": pd.Timestamp(DAY),
    }


def _reward(rid: str, user_id: int, amount: float, status: str, granted: str = "2026-09-11 10:00", c: str = "c1"):
    return {
        "reward_id": rid,
        "campaign_id": c,
        "user_id": user_id,
        "granted_at": pd.Timestamp(granted),
        "amount_usd": amount,
        "status": status,
    }


@pytest.fixture
def small_day(duckdb_engine) -> sa.Engine:
    """Users 1 (block) and 2 (hold) with pending rewards, 3 (review) with a pending reward,
    4 (block) with only a paid and a held reward, 5 (hold) in campaign c2 too."""
    engine = duckdb_engine
    rewards = pd.DataFrame(
        [
            _reward("r1", 1, 30.0, "pending"),
            _reward("r2", 1, 20.0, "pending", "2026-09-10 08:00"),
            _reward("r3", 1, 99.0, "paid"),
            _reward("r4", 1, 77.0, "pending", "2026-09-12 03:00"),  # granted after the day: not yet
            _reward("r5", 2, 15.0, "pending"),
            _reward("r6", 3, 40.0, "pending"),
            _reward("r7", 4, 50.0, "paid"),
            _reward("r8", 4, 60.0, "held"),
            _reward("r9", 5, 5.0, "pending", c="c2"),
            _reward("r10", 5, 8.0, "pending"),  # c1: not flagged there
        ]
    )
    reviews = pd.DataFrame(columns=["campaign_id", "user_id", "reviewed_at", "verdict", "reviewer"])
    write_source(engine, {"rewards": rewards, "reviews": reviews})
    create_output_tables(engine)
    flagged = pd.DataFrame(
        [
            _flagged(1, "block"),
            _flagged(2, "hold"),
            _flagged(3, "review"),
            _flagged(4, "block"),
            _flagged(5, "hold", "c2"),
        ]
    )
    for campaign_id, rows in flagged.groupby("campaign_id"):
        replace_partition(engine, "risk.high_risk_users", {"date": DAY, "campaign_id": campaign_id}, frame=rows)
    build_case_tables(engine, DAY, NO_ALLOWLIST)
    return engine


def test_hold_and_block_users_with_pending_rewards_are_held(small_day):
    holds = build_payout_holds(small_day, DAY)
    table = read_partition(small_day, OUTPUT_TABLES["payout_holds"], {"date": DAY})
    assert validate_frame(OUTPUT_TABLES["payout_holds"], table).passed
    by_user = {(r.campaign_id, int(r.user_id)): r for r in table.itertuples()}
    # review tier (3) is not held; 4 has no pending reward (paid and held ones do not count)
    assert set(by_user) == {("c1", 1), ("c1", 2), ("c2", 5)}
    one = by_user[("c1", 1)]
    assert (one.status, one.held_usd, one.pending_usd, one.pending_rewards) == ("held", 50.0, 50.0, 2)
    assert one.tier == "block" and one.rule_ids == "R1,R2" and one.case_id.startswith("C-20260911-")
    assert "block" in one.reason and one.case_id in one.reason
    assert by_user[("c1", 2)].held_usd == 15.0
    assert by_user[("c2", 5)].held_usd == 5.0  # only the campaign's own pending rewards
    assert len(holds) == len(table)


def test_a_case_closed_as_false_positive_releases_its_users_on_the_next_run(small_day):
    build_payout_holds(small_day, DAY)
    verdict = pd.DataFrame(
        [
            {
                "campaign_id": "c1",
                "user_id": 1,
                "reviewed_at": pd.Timestamp("2026-09-11 12:00"),
                "verdict": "false_positive",
                "reviewer": "ana",
            }
        ]
    )
    write_source(small_day, {"reviews": verdict})
    # the next run of the day close: cases pick the verdict up, then the holds
    build_case_tables(small_day, DAY, NO_ALLOWLIST)
    table = read_partition(small_day, OUTPUT_TABLES["payout_holds"], {"date": DAY})
    assert (table.loc[table["user_id"] == 1, "status"] == "held").all()  # not yet re-run
    build_payout_holds(small_day, DAY)
    table = read_partition(small_day, OUTPUT_TABLES["payout_holds"], {"date": DAY})
    assert validate_frame(OUTPUT_TABLES["payout_holds"], table).passed
    released = table[table["user_id"] == 1].iloc[0]
    assert (released["status"], released["held_usd"], released["case_status"]) == ("released", 0.0, "false_positive")
    assert released["pending_usd"] == 50.0
    assert set(table.loc[table["user_id"] != 1, "status"]) == {"held"}  # other cases stay held


def test_csv_per_campaign_written_atomically(small_day, tmp_path):
    holds = build_payout_holds(small_day, DAY)
    written = write_payout_csvs(holds, tmp_path / "payouts", DAY, campaigns=["c1", "c2", "c3"])
    assert sorted(written) == ["c1", "c2", "c3"]
    c1 = pd.read_csv(written["c1"])
    assert list(c1.columns) == CSV_COLUMNS
    assert sorted(c1["user_id"]) == [1, 2] and c1["held_usd"].sum() == 65.0
    assert pd.read_csv(written["c3"]).empty  # checked, nothing held: header only
    assert written["c1"] == tmp_path / "payouts" / "2026-09-11" / "c1.csv"
    assert not list((tmp_path / "payouts").rglob("*.tmp"))


def test_a_broken_row_fails_the_contract(small_day):
    holds = build_payout_holds(small_day, DAY)
    broken = holds.assign(held_usd=holds["held_usd"].where(holds["user_id"] != 2, 1.0))
    assert not validate_frame(OUTPUT_TABLES["payout_holds"], broken).passed


# ---------------------------------------------------------------- through Dagster

RUN_DAY = dt.date(2026, 9, 20)  # three live campaigns, hold-tier users
STAMP = "2026-09-20T09:00"
DAY_TABLES = ["high_risk_users", "campaign_summary", "case_members", "cases", "payout_holds"]


OUTBOX = {"digest": "*_digest__*.json", "escalation": "*_escalation_*.json", "case_C": "case_C-*__*.json"}


def _outbox(folder, kind: str) -> list:
    """Messages posted to the outbox (not uploads, not the plain-text copies)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.glob(OUTBOX[kind]) if not p.name.endswith(".upload.json"))


def _success_event(instance, run):
    return instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0].dagster_event


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    """Warehouse A: the intraday run of 2026-09-20 (tick 09:00), then its nightly run. Warehouse B:
    a copy of the same seeded sources, only the nightly run. The follow-up sensors are evaluated
    on A's intraday runs before the nightly run replaces them."""
    from riskflows.synthetic import seed_warehouse

    root = tmp_path_factory.mktemp("worlds")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SLACK_BOT_TOKEN", raising=False)
        mp.delenv("DAGSTER_WEBSERVER_URL", raising=False)
        mp.setenv("RISKFLOWS_CASE_DIR", str(root / "cases"))
        a_url, b_url = f"duckdb:///{root / 'a.duckdb'}", f"duckdb:///{root / 'b.duckdb'}"
        seed_engine = make_engine(a_url)
        seed_warehouse(seed_engine, seed=3, users=2000)
        with seed_engine.begin() as conn:  # the last week's rewards not paid yet: something to hold
            conn.exec_driver_sql("UPDATE src.rewards SET status = 'pending' WHERE granted_at >= '2026-09-13'")
            conn.exec_driver_sql("DELETE FROM src.reviews")  # no verdict yet: the day's cases are open
        seed_engine.dispose()
        # an escalation policy that escalates this small world: every case, any reward at risk
        rules = root / "rules"
        shutil.copytree("rules", rules)
        policy = (rules / "escalation.yaml").read_text(encoding="utf-8")
        policy = policy.replace("threshold: 10                   # accounts", "threshold: 1 # accounts")
        policy = policy.replace("threshold: 5000", "threshold: 1")
        (rules / "escalation.yaml").write_text(policy, encoding="utf-8")
        mp.setenv("RISKFLOWS_RULES_DIR", str(rules))
        shutil.copy(root / "a.duckdb", root / "b.duckdb")

        out = {"root": root, "a_url": a_url, "b_url": b_url}
        mp.setenv("RISKFLOWS_WAREHOUSE_URL", a_url)
        mp.setenv("RISKFLOWS_OUTBOX_DIR", str(root / "outbox_a"))
        mp.setenv("RISKFLOWS_PAYOUT_DIR", str(root / "payouts_a"))
        instance_a = dg.DagsterInstance.ephemeral()
        intraday = materialize_range(
            RUN_DAY, RUN_DAY, instance=instance_a, progress=lambda _: None, tags=intraday_tags(STAMP)
        )
        assert intraday.success, intraday.failure
        out["intraday_campaigns"] = intraday.campaign_partitions
        out["after_intraday"] = {
            "digests": _outbox(root / "outbox_a", "digest"),
            "escalations": _outbox(root / "outbox_a", "escalation"),
            "cases": _outbox(root / "outbox_a", "case_C"),
            "ledger": _ledger(make_engine(a_url)),
        }
        out["sensors"] = _evaluate_follow_ups(instance_a)
        nightly = materialize_range(RUN_DAY, RUN_DAY, instance=instance_a, progress=lambda _: None)
        assert nightly.success, nightly.failure

        mp.setenv("RISKFLOWS_WAREHOUSE_URL", b_url)
        mp.setenv("RISKFLOWS_OUTBOX_DIR", str(root / "outbox_b"))
        mp.setenv("RISKFLOWS_PAYOUT_DIR", str(root / "payouts_b"))
        instance_b = dg.DagsterInstance.ephemeral()
        only_nightly = materialize_range(RUN_DAY, RUN_DAY, instance=instance_b, progress=lambda _: None)
        assert only_nightly.success, only_nightly.failure
        out["instance_b"] = instance_b
        yield out


def _evaluate_follow_ups(instance) -> dict:
    """The follow-up sensors on the intraday runs: campaign fan-out after the account-level run,
    and the day close after the last campaign run of the tick."""
    defs = build_definitions("2026-09-01")
    repo = defs.get_repository_def()
    resources = {"warehouse": WarehouseResource()}
    runs = instance.get_runs(filters=dg.RunsFilter(tags={INTRADAY_TICK_TAG: STAMP}))
    accounts = next(r for r in runs if r.job_name == "riskflows_range_accounts")
    campaign_run = next(r for r in runs if r.job_name == "riskflows_range_campaigns")
    results = {}
    for name, run in (("campaign_days_after_account_day", accounts), ("day_close_after_campaign_days", campaign_run)):
        sensor = repo.get_sensor_def(name)
        context = dg.build_run_status_sensor_context(
            sensor_name=name,
            dagster_event=_success_event(instance, run),
            dagster_instance=instance,
            dagster_run=run,
            resources=resources,
        )
        results[name] = sensor(context)
    campaigns = load_campaigns(make_engine())
    results["nightly_waiting"] = campaign_days_waiting(instance, campaigns, RUN_DAY)
    return results


def _ledger(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = read_frame(
            conn,
            "SELECT campaign_id, date, kind, finding_key, status, content_hash FROM risk.notifications "
            "WHERE kind <> 'run_failure' ORDER BY campaign_id, date, kind, finding_key",
        )
    return frame.reset_index(drop=True)


def _day_rows(engine, table: str) -> pd.DataFrame:
    frame = read_partition(engine, OUTPUT_TABLES[table], {"date": RUN_DAY})
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.pipeline
def test_intraday_then_nightly_leaves_what_a_nightly_run_leaves(worlds):
    a, b = make_engine(worlds["a_url"]), make_engine(worlds["b_url"])
    for table in DAY_TABLES:
        pd.testing.assert_frame_equal(_day_rows(a, table), _day_rows(b, table), obj=table)
    assert len(_day_rows(b, "payout_holds")) > 0

    # intraday: escalations only, no digest, chart or CSV
    early = worlds["after_intraday"]
    assert early["digests"] == []
    assert set(early["ledger"]["kind"]) <= {"escalation", "case", "case_graph"}
    assert {"escalation", "case", "case_graph"} <= set(early["ledger"]["kind"]), "the day should escalate"
    assert early["escalations"] and early["cases"]

    # the nightly run updated (or left) what the intraday run sent: same ledger, same messages
    pd.testing.assert_frame_equal(_ledger(a), _ledger(b))
    root = worlds["root"]
    assert _outbox(root / "outbox_a", "escalation") == early["escalations"]
    assert _outbox(root / "outbox_a", "case_C") == early["cases"]
    for kind in ("digest", "escalation", "case_C"):
        assert len(_outbox(root / "outbox_a", kind)) == len(_outbox(root / "outbox_b", kind)), kind
    assert len(_outbox(root / "outbox_a", "digest")) == len(worlds["intraday_campaigns"])


@pytest.mark.pipeline
def test_follow_up_sensors_fan_out_intraday_runs_by_tick(worlds):
    sensors = worlds["sensors"]
    fanned = sensors["campaign_days_after_account_day"]
    assert sorted(r.partition_key for r in fanned.run_requests) == sorted(worlds["intraday_campaigns"])
    for request in fanned.run_requests:
        campaign_id = request.partition_key.split("|")[0]
        assert request.run_key == f"intraday:{campaign_id}|{STAMP}"
        assert request.tags.items() >= {INTRADAY_TAG: "true", INTRADAY_TICK_TAG: STAMP}.items()
        assert DAILY_TAG not in request.tags
    closing = sensors["day_close_after_campaign_days"]
    assert (closing.partition_key, closing.run_key) == ("2026-09-20", f"intraday_close:{STAMP}")
    assert closing.tags.items() >= {INTRADAY_TAG: "true", INTRADAY_TICK_TAG: STAMP}.items()
    # the intraday campaign runs do not pass for the nightly chain's campaign days
    assert len(sensors["nightly_waiting"]) == len(worlds["intraday_campaigns"])


@pytest.mark.pipeline
def test_pipeline_exports_one_csv_per_campaign_day(worlds):
    engine = make_engine(worlds["b_url"])
    holds = read_partition(engine, OUTPUT_TABLES["payout_holds"], {"date": RUN_DAY})
    folder = worlds["root"] / "payouts_b" / "2026-09-20"
    files = sorted(folder.glob("*.csv"))
    campaigns = {k.split("|")[0] for k in worlds["intraday_campaigns"]}
    assert {f.stem for f in files} == campaigns
    exported = pd.concat([pd.read_csv(f) for f in files])
    assert len(exported) == len(holds)
    assert exported["held_usd"].sum() == pytest.approx(holds["held_usd"].sum(), abs=0.01 * max(len(holds), 1))
    assert set(holds["tier"]) <= {"hold", "block"}


@pytest.mark.pipeline
def test_failed_check_on_payout_holds_blocks_the_export(worlds, monkeypatch, tmp_path):
    import assets.metadata as metadata

    real_validate = metadata.validate_frame

    def broken_payout_holds(table, frame):
        if table is OUTPUT_TABLES["payout_holds"]:
            frame = frame.assign(held_usd=-1.0)  # as if a negative amount were written
        return real_validate(table, frame)

    monkeypatch.setattr(metadata, "validate_frame", broken_payout_holds)
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", worlds["b_url"])
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", str(worlds["root"] / "rules"))
    monkeypatch.setenv("RISKFLOWS_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("RISKFLOWS_PAYOUT_DIR", str(tmp_path / "payouts"))
    jobs = RangeJobs(build_definitions("2026-09-01"))
    result = jobs.after_campaigns.execute_in_process(
        partition_key="2026-09-20", instance=worlds["instance_b"], raise_on_error=False, tags={NOTIFY_TAG: "false"}
    )
    assert not result.success
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.asset_key.path[-1] == "payout_holds"
    ]
    assert [c.passed for c in checks] == [False]
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert "risk__payout_holds" in started and "risk__payout_hold_exports" not in started
    assert not (tmp_path / "payouts").exists()


def test_intraday_schedule_requests_today_tagged_and_is_stopped_by_default(duckdb_url, monkeypatch):
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", duckdb_url)
    monkeypatch.delenv("RISKFLOWS_INTRADAY", raising=False)
    monkeypatch.delenv("RISKFLOWS_INTRADAY_CRON", raising=False)
    campaign = {"campaign_id": "air-1", "name": "Airdrop", "kind": "airdrop", "reward_budget_usd": 1000.0}
    campaign |= {"starts_at": pd.Timestamp("2026-09-05"), "ends_at": pd.Timestamp("2026-09-30"), "rule_pack": None}
    write_source(make_engine(duckdb_url), {"campaigns": pd.DataFrame([campaign])})
    repo = build_definitions("2026-09-01").get_repository_def()
    schedule = repo.get_schedule_def(INTRADAY_SCHEDULE)
    assert schedule.cron_schedule == "0 */3 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "account_day_job"

    def evaluate(tick):
        context = dg.build_schedule_context(
            instance=dg.DagsterInstance.ephemeral(),
            scheduled_execution_time=tick,
            resources={"warehouse": WarehouseResource()},
            repository_def=repo,
        )
        return schedule.evaluate_tick(context)

    [request] = evaluate(dt.datetime(2026, 9, 12, 15, 0, tzinfo=dt.timezone.utc)).run_requests
    assert request.partition_key == "2026-09-12"  # today, not yesterday
    assert request.run_key == "intraday:2026-09-12T15:00"
    assert request.tags.items() >= {INTRADAY_TAG: "true", INTRADAY_TICK_TAG: "2026-09-12T15:00"}.items()
    assert DAILY_TAG not in request.tags
    assert not evaluate(dt.datetime(2026, 12, 20, 15, 0, tzinfo=dt.timezone.utc)).run_requests

    monkeypatch.setenv("RISKFLOWS_INTRADAY", "on")
    monkeypatch.setenv("RISKFLOWS_INTRADAY_CRON", "30 */2 * * *")
    turned_on = build_definitions("2026-09-01").get_repository_def().get_schedule_def(INTRADAY_SCHEDULE)
    assert turned_on.default_status == dg.DefaultScheduleStatus.RUNNING
    assert turned_on.cron_schedule == "30 */2 * * *"


def test_an_intraday_case_alert_escalates_new_cases_but_posts_no_follow_up(tmp_path):
    from riskflows.notify.case_alerts import publish_case_alerts
    from riskflows.notify.delivery import OutboxSender
    from riskflows.notify.escalation_policy import policy_from_dict
    from tests.test_cases import POLICY, cases_on, day, write_day

    engine = make_engine(f"duckdb:///{tmp_path / 'cases.duckdb'}")
    create_output_tables(engine)
    sender = OutboxSender(tmp_path / "outbox")

    def alert(n: int, intraday: bool):
        return publish_case_alerts(
            engine, date=day(n), sender=sender, language="en", policy=policy_from_dict(POLICY), intraday=intraday
        )

    write_day(engine, 1, {100: [100, 101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A")])
    cases_on(engine, 1)
    assert alert(1, intraday=True).count("case", "posted") == 1  # a new case: escalated at once
    assert alert(1, intraday=False).count("case", "unchanged") == 1  # the nightly run does not repeat it

    # the next day the case reaches campaign B (material): intraday keeps the message current only
    write_day(engine, 2, {100: [100, 101, 102, 103]}, [(100, "A"), (101, "A"), (102, "A"), (103, "B")])
    cases_on(engine, 2)
    during_the_day = alert(2, intraday=True)
    assert during_the_day.count("case", "updated") == 1 and during_the_day.count("case_update", "posted") == 0
    assert alert(2, intraday=False).count("case_update", "posted") == 1  # the nightly run replies
    engine.dispose()

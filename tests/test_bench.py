"""The benchmark runs end to end on a tiny world and reports what it promises.

No timing is asserted: speed is reported against issue 4's targets, never tested. What is
tested is that every asset of the graph was timed, memory and the pipeline/bare ratio were
measured, and the report (markdown + JSON) says so.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from app.bench_run import ASSET_ORDER, run_benchmark
from riskflows.bench import (
    StatementLog,
    StatementTiming,
    attribute_statements,
    busiest_day,
    median_run,
    statement_label,
)
from riskflows.campaigns import Campaign
from riskflows.warehouse import make_engine

pytestmark = pytest.mark.pipeline  # whole pipelines through Dagster: `make test-fast` skips them


def _campaign(campaign_id: str, starts: str, ends: str | None) -> Campaign:
    return Campaign(
        campaign_id,
        None,
        "airdrop",
        dt.datetime.fromisoformat(starts),
        dt.datetime.fromisoformat(ends) if ends else None,
        None,
        None,
    )


def test_busiest_day_is_the_latest_day_with_most_campaigns_live():
    campaigns = [
        _campaign("a", "2026-09-01 10:00", "2026-09-05 12:00"),
        _campaign("b", "2026-09-03 08:00", "2026-09-09 00:00"),
        _campaign("c", "2026-09-04 23:00", "2026-09-07 01:00"),
    ]
    day, live = busiest_day(campaigns)
    assert day == dt.date(2026, 9, 5)
    assert live == ["a", "b", "c"]


def test_statements_are_charged_to_the_step_they_started_in():
    timings = [
        StatementTiming(10.5, 2.0, "INSERT INTO risk.user_features"),
        StatementTiming(10.6, 0.1, "DELETE FROM risk.user_features"),
        StatementTiming(20.5, 1.0, "INSERT INTO risk.rule_hits"),
        StatementTiming(30.0, 0.5, "SELECT 1"),
    ]
    per_asset, top = attribute_statements(timings, [("user_features", 10.0, 13.0), ("rule_hits", 20.0, 21.6)])
    assert per_asset == {"user_features": 2.1, "rule_hits": 1.0, "(outside steps)": 0.5}
    assert [(c.asset, c.label) for c in top] == [
        ("user_features", "INSERT INTO risk.user_features"),
        ("rule_hits", "INSERT INTO risk.rule_hits"),
        ("(outside steps)", "SELECT 1"),
        ("user_features", "DELETE FROM risk.user_features"),
    ]
    assert statement_label("  INSERT   INTO risk.x (a, b)\n SELECT") == "INSERT INTO risk.x"


def test_statement_log_sees_the_warehouse_engines_only(tmp_path):
    log = StatementLog().install()
    try:
        with make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}").connect() as conn:
            conn.exec_driver_sql("SELECT 42")
        with sa.create_engine(f"sqlite:///{tmp_path / 'dagster.db'}").connect() as conn:
            conn.exec_driver_sql("SELECT 7")  # an engine of Dagster's storage
    finally:
        log.remove()
    with make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}").connect() as conn:
        conn.exec_driver_sql("SELECT 43")  # after remove(): not logged
    assert [t.label for t in log.timings] == ["SELECT 42"]


def test_benchmark_runs_a_tiny_world_end_to_end(tmp_path):
    out = tmp_path / "report" / "xs.md"
    result, (md_path, json_path) = run_benchmark(
        "XS", "duckdb", out=out, workdir=tmp_path, repeats=2, progress=lambda _: None
    )

    assert result.users == 2_000
    assert result.campaigns_live and len(result.campaigns_live) == result.campaigns_total
    # every asset of the graph timed from Dagster's step stats, one step per campaign below the daily ones
    assert [a.asset for a in result.assets] == ASSET_ORDER
    steps = {a.asset: a.steps for a in result.assets}
    assert steps["user_features"] == 1
    assert steps["participant_features"] == len(result.campaigns_live)
    assert all(a.seconds > 0 and 0 <= a.sql_seconds <= a.seconds for a in result.assets)
    assert result.day_seconds >= result.steps_seconds
    # the bare SQL: the contract check the features rely on, user features, link table, one
    # participant SELECT per campaign; every feature query produced rows (the world is clean: no rejects)
    names = [(q.name, q.campaign_id) for q in result.bare]
    assert names == [("source_quarantine", None), ("account_links", None), ("user_features", None)] + [
        ("participant_features", c) for c in result.campaigns_live
    ]
    assert result.bare[0].rows == 0 and all(q.rows > 0 for q in result.bare[1:])
    metrics = result.metrics()
    assert metrics["ratio"] == result.day_seconds / result.bare_seconds
    # two repeats, each from the sources alone: the report takes the slower day and the faster bare SQL
    assert len(result.day_seconds_runs) == len(result.bare_seconds_runs) == 2
    assert result.day_seconds == max(result.day_seconds_runs)
    assert result.bare_seconds == pytest.approx(min(result.bare_seconds_runs))
    # and pairs each day with the bare SQL run right after it
    assert result.paired_ratios == pytest.approx(
        [d / b for d, b in zip(result.day_seconds_runs, result.bare_seconds_runs)]
    )
    assert result.peak_rss > 100 * 2**20  # a Python process with Dagster loaded is never this small

    report = md_path.read_text()
    for asset in ASSET_ORDER:
        assert f"| {asset} |" in report
    assert "pipeline / bare feature SQL" in report and "peak RSS" in report and "the day ran 2 times" in report
    assert "each repeat's day over the bare SQL run right after it" in report
    saved = json.loads(json_path.read_text())
    assert saved["metrics"]["ratio"] == metrics["ratio"]
    assert saved["pipeline_rss"]["self"] == result.pipeline_rss["self"]
    assert {t["metric"] for t in saved["targets"]} == {"day_seconds", "peak_rss_gib", "ratio"}


def test_median_run_of_an_odd_number_is_the_median_and_of_an_even_one_the_worse_for_the_ratio():
    assert median_run([3.0, 1.0, 2.0], float, conservative_high=True) == 2.0
    assert median_run([3.0, 1.0, 2.0], float, conservative_high=False) == 2.0
    assert median_run([4.0, 1.0], float, conservative_high=True) == 4.0  # the slower day
    assert median_run([4.0, 1.0], float, conservative_high=False) == 1.0  # the faster bare SQL

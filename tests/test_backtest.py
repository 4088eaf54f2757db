"""Backtests on a seeded exchange: a looser pack lists more honest users (precision drops),
a cosmetically edited copy of the active pack changes nothing, nothing published is touched,
and the same SQL gives the same report on PostgreSQL. Also the CLI and the Dagster job."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest

from app.cli import main as cli_main
from app.runner import materialize_range
from assets.definitions import build_resources
from assets.partitions import daily_partitions
from assets.pipeline import build_pipeline_assets
from assets.rule_tuning import build_rule_tuning
from riskflows.backtest import ALL_CAMPAIGNS, ALL_TIERS, BacktestError, backtest
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.output_tables import create_output_tables
from riskflows.rule_packs import TIERS, load_pack, load_packs
from riskflows.synthetic import seed_warehouse
from riskflows.warehouse import load_frame, make_engine, read_frame

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "backtest"
LOOSER = FIXTURES / "looser_referral.yaml"
FIRST, LAST = "2026-09-10", "2026-09-11"
CAMPAIGNS = ["ref-2026-09", "dep-2026-09"]  # referral (the packs under test) and one other kind
REFERRAL = "ref-2026-09"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """2000 synthetic users, the pipeline run through Dagster for two days of two campaigns."""
    home = tmp_path_factory.mktemp("backtest_world")
    url = f"duckdb:///{home / 'warehouse.duckdb'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RISKFLOWS_WAREHOUSE_URL", url)
        env.setenv("DAGSTER_HOME", str(home / "dagster_home"))
        env.setenv("RISKFLOWS_RULES_DIR", str(REPO / "rules"))
        env.setenv("RISKFLOWS_EARLIEST_DATE", "2026-08-01")
        engine = make_engine(url)
        seed_warehouse(engine, seed=7, users=2000)
        outcome = materialize_range(FIRST, LAST, campaign_ids=CAMPAIGNS, notify=False, progress=lambda _: None)
        assert outcome.success, outcome.failure
        yield SimpleNamespace(url=url, engine=engine, home=home, active=load_packs(REPO / "rules", RULE_COLUMN_KINDS))


@pytest.fixture(scope="module")
def same_pack(tmp_path_factory):
    """The shipped rules/referral.yaml with only comments and layout changed: same version."""
    import yaml

    content = yaml.safe_load((REPO / "rules" / "referral.yaml").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("same_pack") / "same_referral.yaml"
    path.write_text(
        "# a cosmetic copy: comments and layout do not change a pack's version\n"
        + yaml.safe_dump(content, allow_unicode=True, sort_keys=True, indent=4),
        encoding="utf-8",
    )
    return path


def _published(engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        return {
            table: read_frame(conn, f"SELECT * FROM risk.{table} ORDER BY {order}")
            for table, order in (
                ("rule_hits", "date, campaign_id, user_id, rule_id"),
                ("high_risk_users", "date, campaign_id, user_id"),
                ("campaign_summary", "date, campaign_id"),
            )
        }


def _run(world, pack_path, engine=None, **kwargs):
    return backtest(
        engine or world.engine,
        load_pack(pack_path, RULE_COLUMN_KINDS),
        date_from=FIRST,
        date_to=LAST,
        active_packs=world.active,
        **kwargs,
    )


def test_identical_pack_changes_nothing_and_matches_the_published_list(world, same_pack):
    report = _run(world, same_pack)
    assert report.candidate_version == report.partitions["active_version"].iloc[0]
    assert set(report.partitions["campaign_id"]) == {REFERRAL}  # the pack applies to referral campaigns only
    assert len(report.partitions) == 2
    summary = report.summary
    assert (summary["added"] == 0).all() and (summary["removed"] == 0).all()
    assert (summary["active_users"] == summary["candidate_users"]).all()
    assert (summary["kept"] == summary["active_users"]).all()
    assert (summary["active_reward_usd_at_risk"] == summary["candidate_reward_usd_at_risk"]).all()
    pd.testing.assert_series_equal(
        summary["active_precision_labels"], summary["candidate_precision_labels"], check_names=False
    )
    assert set(report.users["change"]) == {"kept"}
    assert report.row(REFERRAL)["active_users"] > 0

    # Evaluating the active pack afresh gives exactly the published list of those days.
    with world.engine.connect() as conn:
        published = read_frame(
            conn,
            "SELECT campaign_id, user_id, tier FROM risk.high_risk_users "
            "WHERE campaign_id = :c AND date BETWEEN :f AND :t",
            {"c": REFERRAL, "f": FIRST, "t": LAST},
        )
    published["rank"] = published["tier"].map(TIERS.index)
    highest = published.sort_values("rank").groupby("user_id")["tier"].last()
    mine = report.users.set_index("user_id")["active_tier"]
    assert highest.sort_index().to_dict() == mine.sort_index().to_dict()


def test_looser_pack_adds_users_and_loses_precision_without_touching_published_tables(world):
    before = _published(world.engine)
    report = _run(world, LOOSER)
    after = _published(world.engine)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table])

    overall = report.row(ALL_CAMPAIGNS, ALL_TIERS)
    assert overall["added"] > 0 and overall["removed"] == 0
    assert overall["candidate_users"] == overall["active_users"] + overall["added"]
    assert overall["candidate_reward_usd_at_risk"] > overall["active_reward_usd_at_risk"]
    assert overall["candidate_reviewed"] > overall["active_reviewed"]
    assert overall["candidate_precision_reviews"] < overall["active_precision_reviews"]
    assert overall["candidate_precision_labels"] < overall["active_precision_labels"]
    added = report.users[report.users["change"] == "added"]
    assert len(added) == overall["added"] and added["active_tier"].isna().all()
    # per tier: the users added to a tier and kept in it make up the candidate's count
    for tier in TIERS:
        row = report.row(REFERRAL, tier)
        assert row["kept"] + row["added"] == row["candidate_users"]
        assert row["kept"] + row["removed"] == row["active_users"]

    markdown = report.to_markdown()
    assert "| ref-2026-09" in markdown and "precision reviews (candidate)" in markdown
    changed = int((report.users["change"] != "kept").sum())
    assert f"### Changed participants ({changed}, first 20)" in markdown


def test_report_writes_csv(world, tmp_path):
    report = _run(world, LOOSER)
    paths = report.to_csv(tmp_path / "out")
    assert [p.name for p in paths] == ["backtest_summary.csv", "backtest_users.csv", "backtest_partitions.csv"]
    summary = pd.read_csv(paths[0])
    assert len(summary) == len(report.summary)
    assert (
        int(summary.query("campaign_id == @REFERRAL and tier == 'any'")["added"].iloc[0])
        == report.row(REFERRAL)["added"]
    )


def test_explicit_campaigns_and_errors(world):
    # Any campaign may be named explicitly: the looser referral pack run over the deposit campaign too.
    report = _run(world, LOOSER, campaign_ids=CAMPAIGNS)
    assert set(report.partitions["campaign_id"]) == set(CAMPAIGNS)
    assert set(report.partitions.query("campaign_id == 'dep-2026-09'")["active_pack_id"]) == {"deposit_bonus_default"}
    with pytest.raises(BacktestError, match="unknown campaign"):
        _run(world, LOOSER, campaign_ids=["nope"])
    with pytest.raises(BacktestError, match="no stored participant features"):
        backtest(
            world.engine,
            load_pack(LOOSER, RULE_COLUMN_KINDS),
            date_from="2026-09-20",
            date_to="2026-09-21",
            active_packs=world.active,
        )


def test_backtest_sql_on_postgres_gives_the_same_report(world, pg_engine, same_pack):
    """The same world on PostgreSQL, with the stored features copied over: same report."""
    seed_warehouse(pg_engine, seed=7, users=2000)
    create_output_tables(pg_engine)
    with world.engine.connect() as conn:
        features = read_frame(
            conn, "SELECT * FROM risk.participant_features WHERE date BETWEEN :f AND :t", {"f": FIRST, "t": LAST}
        )
    with pg_engine.begin() as conn:
        load_frame(conn, "risk.participant_features", features)
    for pack in (LOOSER, same_pack):
        on_duckdb = _run(world, pack, campaign_ids=CAMPAIGNS)
        on_postgres = _run(world, pack, engine=pg_engine, campaign_ids=CAMPAIGNS)
        pd.testing.assert_frame_equal(on_duckdb.summary, on_postgres.summary)
        pd.testing.assert_frame_equal(on_duckdb.users, on_postgres.users)
    assert on_postgres.row(REFERRAL)["active_users"] > 0


def test_cli_backtest(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", world.url)
    out = tmp_path / "csv"
    code = cli_main(
        [
            "backtest",
            "--pack",
            str(LOOSER),
            "--from",
            FIRST,
            "--to",
            LAST,
            "--campaign",
            REFERRAL,
            "--out",
            str(out),
            "--rules",
            str(REPO / "rules"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "## Backtest of referral_default@" in printed and "| ref-2026-09" in printed
    assert (out / "backtest_users.csv").exists()
    code = cli_main(
        [
            "backtest",
            "--pack",
            str(REPO / "tests/fixtures/rules/bad_misspelt.yaml"),
            "--from",
            FIRST,
            "--to",
            LAST,
            "--out",
            str(out),
            "--rules",
            str(REPO / "rules"),
        ]
    )
    assert code == 1
    assert "backtest not run" in capsys.readouterr().err


def test_backtest_job_in_dagster_shows_the_report(world, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", world.url)
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", str(REPO / "rules"))
    daily = daily_partitions("2026-08-01")
    tuning = build_rule_tuning(daily)
    defs = dg.Definitions.merge(
        dg.Definitions(assets=build_pipeline_assets(daily), resources=build_resources()), tuning
    )
    job = defs.get_job_def("rule_backtest")
    config = {
        "pack_path": str(LOOSER),
        "date_from": FIRST,
        "date_to": LAST,
        "campaign_ids": [REFERRAL],
        "out_dir": str(tmp_path / "job_csv"),
    }
    result = job.execute_in_process(
        run_config={"ops": {"backtest_candidate_pack": {"config": config}}}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    outputs = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = outputs[0].event_specific_data.metadata
    assert "| ref-2026-09" in metadata["report"].value
    assert metadata["added"].value > 0 and metadata["removed"].value == 0
    assert metadata["candidate_precision_reviews"].value < metadata["active_precision_reviews"].value
    assert (tmp_path / "job_csv" / "backtest_summary.csv").exists()

    bad = {**config, "campaign_ids": ["nope"]}
    failed = job.execute_in_process(
        run_config={"ops": {"backtest_candidate_pack": {"config": bad}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not failed.success

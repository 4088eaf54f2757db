"""`riskflows evaluate --rescore`: a world the pipeline ran, re-scored with the code and rules as
they are now, without Dagster."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from app.runner import materialize_range
from app.world_matrix import rescore_worlds
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.rescore import RescoreError, rescore_warehouse
from riskflows.rule_packs import load_packs, pack_for_campaign
from riskflows.synthetic import seed_warehouse
from riskflows.warehouse import make_engine, read_frame

pytestmark = pytest.mark.pipeline  # runs the pipeline first: `make test-fast` skips it

REBUILT = ("user_features", "account_links", "participant_features", "rule_hits", "high_risk_users")


def _default_pack_for():
    packs = load_packs("rules", RULE_COLUMN_KINDS)
    return lambda campaign: pack_for_campaign(packs, campaign)


def _scored(url: str) -> dict[str, pd.DataFrame]:
    engine = make_engine(url)
    with engine.connect() as conn:
        frames = {
            "listed": read_frame(
                conn,
                "SELECT date, campaign_id, user_id, tier, score FROM risk.high_risk_users "
                "ORDER BY date, campaign_id, user_id",
            ),
            "features": read_frame(
                conn,
                "SELECT date, campaign_id, user_id, cluster_size, lockstep_peers FROM risk.participant_features "
                "ORDER BY date, campaign_id, user_id",
            ),
            "links": read_frame(conn, "SELECT date, COUNT(*) AS n FROM risk.account_links GROUP BY date ORDER BY date"),
        }
    engine.dispose()
    return frames


@pytest.fixture
def pipeline_world(tmp_path, monkeypatch) -> Path:
    """A generated world, two campaign days run through Dagster, in a matrix folder as
    `riskflows evaluate --worlds generator:3` leaves it."""
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("RISKFLOWS_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", str(Path("rules").resolve()))
    warehouse = tmp_path / "matrix" / "generator_3.duckdb"
    warehouse.parent.mkdir()
    url = f"duckdb:///{warehouse}"
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", url)
    engine = make_engine(url)
    seed_warehouse(engine, seed=3, users=2000)
    engine.dispose()
    outcome = materialize_range(
        "2026-09-10", "2026-09-11", instance=dg.DagsterInstance.ephemeral(), progress=lambda _: None
    )
    assert outcome.success, outcome.failure
    return warehouse


def test_rescoring_rebuilds_what_the_pipeline_wrote(pipeline_world):
    url = f"duckdb:///{pipeline_world}"
    before = _scored(url)
    assert len(before["listed"]) > 0 and len(before["features"]) > 0
    engine = make_engine(url)
    with engine.begin() as conn:  # what the pipeline wrote is gone
        for table in REBUILT:
            conn.execute(sa.text(f"DELETE FROM risk.{table}"))
    engine.dispose()

    rows, report = rescore_worlds(pipeline_world.parent, progress=lambda _: None)

    after = _scored(url)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, check_dtype=False, obj=name)
    (row,) = rows
    assert row["world"] == "generator:3" and "failed" not in row
    assert row["listed"] == before["listed"][["campaign_id", "user_id"]].drop_duplicates().shape[0]
    assert "| generator:3 |" in report.read_text()


def test_rescoring_follows_the_rule_packs_as_they_are_now(pipeline_world, tmp_path, monkeypatch):
    url = f"duckdb:///{pipeline_world}"
    before = _scored(url)["listed"]
    strict = tmp_path / "strict_rules"
    shutil.copytree("rules", strict)
    default = "thresholds: {review: 40, hold: 60, block: 85}"
    for pack in strict.glob("*.yaml"):
        if default in pack.read_text():
            pack.write_text(pack.read_text().replace(default, "thresholds: {review: 100, hold: 100, block: 100}"))
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", str(strict))

    rows, _ = rescore_worlds(pipeline_world.parent, progress=lambda _: None)

    after = _scored(url)["listed"]
    assert len(after) < len(before)
    assert (after["score"] >= 100).all(), after
    assert rows[0]["listed"] == after[["campaign_id", "user_id"]].drop_duplicates().shape[0]


def test_a_partition_that_breaks_its_model_stops_the_rescore_naming_it(pipeline_world, monkeypatch):
    """A step that leaves rows its Pandera model rejects (here: a tier no pack has) is named, with
    the table, the partition and the failing value, and the re-score stops there."""
    url = f"duckdb:///{pipeline_world}"
    engine = make_engine(url)

    def leaves_a_bad_tier(engine, date, campaign_id, pack):
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE risk.high_risk_users SET tier = 'ban' WHERE date = :d AND campaign_id = :c"),
                {"d": date, "c": campaign_id},
            )

    import riskflows.rescore as rescore

    monkeypatch.setattr(rescore, "build_high_risk_users", leaves_a_bad_tier)
    with pytest.raises(
        RescoreError, match=r"(?s)date=2026-09-1[01], campaign_id=\S+ of risk\.high_risk_users.*tier.*'ban'"
    ):
        rescore_warehouse(engine, _default_pack_for())
    engine.dispose()


def test_a_day_whose_source_broke_since_stops_the_rescore_as_it_fails_the_pipeline(pipeline_world):
    """Logins of 2026-09-11 that lost their user after the pipeline ran: the re-score stops on that
    day naming src.logins, and keeps the rejected rows in quarantine."""
    engine = make_engine(f"duckdb:///{pipeline_world}")
    with engine.begin() as conn:  # three in five of the day's logins
        conn.execute(sa.text("ALTER TABLE src.logins ALTER COLUMN user_id DROP NOT NULL"))
        broken = conn.execute(
            sa.text(
                "UPDATE src.logins SET user_id = NULL "
                "WHERE ts >= '2026-09-11' AND ts < '2026-09-12' AND login_id % 5 < 3"
            )
        ).rowcount
    with pytest.raises(RescoreError, match=r"src\.logins on 2026-09-11: \d+ of the day's \d+ rows rejected"):
        rescore_warehouse(engine, _default_pack_for())
    with engine.connect() as conn:
        kept = read_frame(
            conn, "SELECT COUNT(*) AS n FROM risk.quarantine WHERE date = '2026-09-11' AND table_name = 'logins'"
        )
    engine.dispose()
    assert broken > 20 and int(kept["n"][0]) == broken


def test_a_warehouse_the_pipeline_never_ran_is_refused(duckdb_engine):
    seed_warehouse(duckdb_engine, seed=3, users=1000)
    with pytest.raises(RescoreError, match="run the pipeline first"):
        rescore_warehouse(duckdb_engine, _default_pack_for())

"""Rule performance on a tiny hand-made case whose every number is worked out below,
on DuckDB and PostgreSQL; plus the Dagster asset and its blocking Pandera check."""

from __future__ import annotations

import datetime as dt
import math

import dagster as dg
import pandas as pd
import pytest

from assets.partitions import daily_partitions
from assets.pipeline import build_pipeline_assets
from assets.rule_tuning import RULE_PERFORMANCE_KEY, build_rule_tuning
from resources.rules import RulePacksResource
from resources.slack import SlackResource
from resources.warehouse import WarehouseResource
from riskflows.output_tables import create_output_tables, validate_frame
from riskflows.rule_performance import RULE_PERFORMANCE, build_rule_performance, rule_performance
from riskflows.warehouse import load_frame, read_frame
from tests.source_tables import write_source

DAY = dt.date(2026, 6, 10)
BEFORE = DAY - dt.timedelta(days=1)


def _at(day: dt.date, hour: int) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(hours=hour)


def _hits(day, campaign_id, version, by_user):
    return [
        {
            "date": day,
            "campaign_id": campaign_id,
            "user_id": user,
            "rule_id": rule,
            "rule_pack_version": version,
            "evidence": "",
        }
        for user, rules in by_user.items()
        for rule in rules
    ]


def write_case(engine) -> None:
    """Version v1 runs on campaigns c1 (10 participants) and c2 (5); v2 on c3 (4).

    Hits on DAY:  c1: u1 a,b  u2 a,b  u3 a,c  u4 a  u5 b     c2: u1 a  u2 c     c3 (v2): u1 a
    Verdicts known by the end of DAY: c1/u1 confirmed; c1/u2 false positive (its confirmation
    comes the next day); c1/u3 inconclusive only; c1/u4 confirmed then false positive (latest
    wins); c2/u1 false positive (verdicts are per campaign: c1/u1's does not count for it).
    """
    create_output_tables(engine)
    features = pd.DataFrame(
        [{"date": DAY, "campaign_id": "c1", "user_id": u} for u in range(1, 11)]
        + [{"date": DAY, "campaign_id": "c2", "user_id": u} for u in range(1, 6)]
        + [{"date": DAY, "campaign_id": "c3", "user_id": u} for u in range(1, 5)]
        + [{"date": BEFORE, "campaign_id": "c1", "user_id": u} for u in range(1, 9)]
    )
    hits = pd.DataFrame(
        _hits(DAY, "c1", "v1", {1: "ab", 2: "ab", 3: "ac", 4: "a", 5: "b"})
        + _hits(DAY, "c2", "v1", {1: "a", 2: "c"})
        + _hits(DAY, "c3", "v2", {1: "a"})
        + _hits(BEFORE, "c1", "v1", {1: "a", 6: "a"})
    )
    with engine.begin() as conn:
        load_frame(conn, "risk.participant_features", features)
        load_frame(conn, "risk.rule_hits", hits)
    reviews = pd.DataFrame(
        [
            ("c1", 1, _at(DAY, 10), "confirmed_abuse"),
            ("c1", 2, _at(BEFORE, 9), "false_positive"),
            ("c1", 2, _at(DAY + dt.timedelta(days=1), 1), "confirmed_abuse"),
            ("c1", 3, _at(DAY, 8), "inconclusive"),
            ("c1", 4, _at(BEFORE - dt.timedelta(days=1), 12), "confirmed_abuse"),
            ("c1", 4, _at(DAY, 23), "false_positive"),
            ("c2", 1, _at(DAY, 11), "false_positive"),
        ],
        columns=["campaign_id", "user_id", "reviewed_at", "verdict"],
    ).assign(reviewer="li.wei")
    write_source(engine, {"reviews": reviews})


EXPECTED_DAY = {
    # (version, rule): campaigns, participants, hits, reviewed, confirmed, solo_hits, top co-rule, its hits
    ("v1", "a"): (2, 15, 5, 4, 1, 2, "b", 2),
    ("v1", "b"): (2, 15, 3, 2, 1, 1, "a", 2),
    ("v1", "c"): (2, 15, 2, 0, 0, 1, "a", 1),
    ("v2", "a"): (1, 4, 1, 0, 0, 1, None, 0),
}


def _check_day(frame: pd.DataFrame) -> None:
    assert len(frame) == len(EXPECTED_DAY)
    for row in frame.to_dict("records"):
        campaigns, participants, hits, reviewed, confirmed, solo, co_rule, co_hits = EXPECTED_DAY[
            (row["rule_pack_version"], row["rule_id"])
        ]
        assert (row["campaigns"], row["participants"], row["hits"]) == (campaigns, participants, hits), row
        assert (row["reviewed"], row["confirmed"], row["solo_hits"], row["top_co_hits"]) == (
            reviewed,
            confirmed,
            solo,
            co_hits,
        ), row
        assert row["hit_rate"] == pytest.approx(hits / participants)
        assert row["solo_share"] == pytest.approx(solo / hits)
        assert row["top_co_share"] == pytest.approx(co_hits / hits)
        if reviewed:
            assert row["review_precision"] == pytest.approx(confirmed / reviewed)
        else:
            assert row["review_precision"] is None or math.isnan(row["review_precision"])
        assert (row["top_co_rule_id"] if isinstance(row["top_co_rule_id"], str) else None) == co_rule


def test_numbers_on_a_hand_made_day(engine):
    write_case(engine)
    frame = rule_performance(engine, DAY, DAY)
    _check_day(frame)
    assert list(frame["rule_id"][:3]) == ["a", "b", "c"]  # by version, then most hits first


def test_build_writes_a_valid_partition_idempotently(engine):
    write_case(engine)
    assert build_rule_performance(engine, DAY) == 4
    assert build_rule_performance(engine, DAY) == 4  # a re-run replaces, never duplicates
    assert build_rule_performance(engine, BEFORE) == 1
    with engine.connect() as conn:
        stored = read_frame(
            conn, "SELECT * FROM risk.rule_performance WHERE date = :d ORDER BY rule_pack_version, rule_id", {"d": DAY}
        )
        before = read_frame(conn, "SELECT * FROM risk.rule_performance WHERE date = :d", {"d": BEFORE})
    _check_day(stored)
    assert validate_frame(RULE_PERFORMANCE, stored).passed
    # The day before: rule a fired for c1/u1 and c1/u6 out of 8; c1/u4's confirmation was the
    # only verdict known by then, and u4 was not hit that day.
    row = before.iloc[0]
    assert (row["rule_id"], row["hits"], row["participants"], row["reviewed"], row["solo_hits"]) == ("a", 2, 8, 0, 2)


def test_pooled_over_a_range_counts_participant_days(engine):
    write_case(engine)
    pooled = rule_performance(engine, BEFORE, DAY, per_date=False).set_index(["rule_pack_version", "rule_id"])
    a = pooled.loc[("v1", "a")]
    assert (a["hits"], a["participants"], a["campaigns"], a["solo_hits"]) == (7, 23, 2, 4)
    assert (a["reviewed"], a["confirmed"]) == (4, 1)
    assert a["date_from"] == BEFORE and a["date_to"] == DAY


def test_pandera_model_refuses_impossible_numbers():
    bad = pd.DataFrame(
        [
            {
                "date": DAY,
                "rule_pack_version": "v1",
                "rule_id": "a",
                "campaigns": 1,
                "participants": 3,
                "hits": 5,
                "hit_rate": 1.6,
                "reviewed": 6,
                "confirmed": 1,
                "review_precision": 0.2,
                "solo_hits": 0,
                "solo_share": 0.0,
                "top_co_rule_id": None,
                "top_co_hits": 0,
                "top_co_share": 0.0,
            }
        ]
    )
    validation = validate_frame(RULE_PERFORMANCE, bad)
    assert not validation.passed
    assert "hit_rate" in set(validation.failure_cases["column"])
    assert validation.failure_cases["check"].astype(str).str.contains("counts_nest").any()


def test_asset_materializes_with_a_passing_blocking_check(duckdb_engine, duckdb_url):
    write_case(duckdb_engine)
    daily = daily_partitions("2026-06-01")
    tuning = build_rule_tuning(daily)
    (asset,) = tuning.assets
    assert dg.AssetKey(["risk", "rule_hits"]) in asset.asset_deps[RULE_PERFORMANCE_KEY]
    assert asset.check_specs and all(spec.blocking for spec in asset.check_specs)
    result = dg.materialize(
        [*build_pipeline_assets(daily), asset],
        selection=[RULE_PERFORMANCE_KEY],
        partition_key=DAY.isoformat(),
        resources={
            "warehouse": WarehouseResource(url=duckdb_url),
            "rules": RulePacksResource(),
            "slack": SlackResource(),
        },
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("risk__rule_performance")
    assert materialization.metadata["dagster/row_count"].value == 4
    assert "| v1" in materialization.metadata["preview"].value
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed

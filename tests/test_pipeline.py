"""The whole daily pipeline through Dagster, on DuckDB and on PostgreSQL, on generated and
on sparse hand-made data."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pandas as pd
import pytest

from app.runner import materialize_range
from riskflows.synthetic import seed_warehouse
from riskflows.warehouse import make_engine, read_frame
from tests.source_tables import write_source

pytestmark = pytest.mark.pipeline  # whole pipelines through Dagster: `make test-fast` skips them


@pytest.fixture
def local_env(tmp_path, monkeypatch):
    """Outbox and Slack settings of a machine without a Slack token."""
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("RISKFLOWS_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("RISKFLOWS_RULES_DIR", "rules")
    return tmp_path


def _counts(engine, date) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: int(read_frame(conn, f"SELECT COUNT(*) AS n FROM risk.{table} WHERE date = :d", {"d": date})["n"][0])
            for table in (
                "user_features",
                "account_clusters",
                "participant_features",
                "rule_hits",
                "high_risk_users",
                "campaign_summary",
            )
        }


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"])
def test_generated_world_end_to_end(warehouse, local_env, monkeypatch, request):
    url = request.getfixturevalue("duckdb_url" if warehouse == "duckdb" else "pg_database")
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", url)
    engine = make_engine(url)
    seed_warehouse(engine, seed=3, users=2000)
    instance = dg.DagsterInstance.ephemeral()

    # A DuckDB file stays open for a day's runs and is free when the day is done, so a
    # daemon's sensor that met the lock gets the file on its next tick.
    free_after_day = []
    progress = (lambda _: free_after_day.append(_other_process_can_open(url))) if warehouse == "duckdb" else None
    outcome = materialize_range("2026-09-10", "2026-09-11", instance=instance, progress=progress or (lambda _: None))
    assert outcome.success, outcome.failure
    assert outcome.daily_partitions == ["2026-09-10", "2026-09-11"]
    assert free_after_day == ([True, True] if warehouse == "duckdb" else [])

    with engine.connect() as conn:
        listed = read_frame(conn, "SELECT * FROM risk.high_risk_users WHERE date = '2026-09-11'")
        summary = read_frame(conn, "SELECT * FROM risk.campaign_summary WHERE date = '2026-09-11'")
    assert len(listed) > 0
    assert set(listed["tier"]) <= {"review", "hold", "block"}
    assert listed["reasons_zh"].str.len().min() > 0
    assert set(summary["campaign_id"]) == {k.split("|")[0] for k in outcome.campaign_partitions if "2026-09-11" in k}
    # a digest per campaign-day went to the outbox (no token on this machine)
    digests = list((local_env / "outbox").glob("*_digest_*.json"))
    assert len(digests) == len(outcome.campaign_partitions)

    # re-running the same day replaces its partitions: same counts, no duplicates
    before = _counts(engine, "2026-09-11")
    assert materialize_range("2026-09-11", "2026-09-11", instance=instance, progress=lambda _: None).success
    assert _counts(engine, "2026-09-11") == before
    with engine.connect() as conn:
        duplicates = read_frame(
            conn,
            "SELECT campaign_id, user_id, COUNT(*) AS n FROM risk.high_risk_users "
            "WHERE date = '2026-09-11' GROUP BY campaign_id, user_id HAVING COUNT(*) > 1",
        )
    assert duplicates.empty
    # and the re-run did not post the digests again
    assert len(list((local_env / "outbox").glob("*_digest_*.json"))) == len(digests)


def _other_process_can_open(duckdb_url: str) -> bool:
    path = duckdb_url.removeprefix("duckdb:///")
    code = f"import duckdb; duckdb.connect({path!r}).execute('SELECT COUNT(*) FROM src.users').fetchall()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def _sparse_world() -> dict[str, pd.DataFrame]:
    """An airdrop in 2022 known only from transfers: no logins, no trades, NULL devices and IPs.

    A funder seeds six fresh accounts, each claims the airdrop and sweeps it to one collector.
    """
    start = pd.Timestamp("2022-03-01")
    farm = list(range(100, 106))
    honest = list(range(200, 230))
    users = pd.DataFrame(
        {
            "user_id": [1, 2, *farm, *honest],
            "registered_at": [start - pd.Timedelta(days=400)] * 2
            + [start - pd.Timedelta(hours=h) for h in range(6)]
            + [start - pd.Timedelta(days=30 + 7 * i) for i in range(30)],
            "country": None,
            "kyc_level": 0,
            "referrer_id": None,
            "registration_ip": None,
            "registration_device_id": None,
            "email_domain": None,
        }
    )
    participants = farm + honest
    enrollments = pd.DataFrame(
        {
            "campaign_id": "drop-2022",
            "user_id": participants,
            "enrolled_at": [start + pd.Timedelta(hours=2 + i) for i in range(len(participants))],
            "referrer_id": None,
        }
    )
    rewards = pd.DataFrame(
        {
            "reward_id": [f"r{u}" for u in participants],
            "campaign_id": "drop-2022",
            "user_id": participants,
            "granted_at": [start + pd.Timedelta(hours=30 + i) for i in range(len(participants))],
            "amount_usd": 25.0,
            "status": "pending",
        }
    )
    transfers = pd.DataFrame(
        {
            "transfer_id": [f"in{u}" for u in farm] + [f"out{u}" for u in farm],
            "from_user_id": [1] * len(farm) + farm,
            "to_user_id": farm + [2] * len(farm),
            "ts": [start + pd.Timedelta(hours=1)] * len(farm) + [start + pd.Timedelta(hours=40)] * len(farm),
            "asset": "USDT",
            "amount_usd": [5.0] * len(farm) + [29.0] * len(farm),
        }
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["drop-2022"],
            "name": ["Spring airdrop"],
            "kind": ["airdrop"],
            "starts_at": [start],
            "ends_at": [start + pd.Timedelta(days=3)],
            "reward_budget_usd": [None],
            "rule_pack": [None],
        }
    )
    empty_logins = pd.DataFrame(
        {
            "login_id": pd.Series(dtype="str"),
            "user_id": pd.Series(dtype="int64"),
            "ts": pd.Series(dtype="datetime64[ns]"),
            "ip": pd.Series(dtype="str"),
            "device_id": pd.Series(dtype="str"),
            "user_agent": pd.Series(dtype="str"),
        }
    )
    return {
        "campaigns": campaigns,
        "users": users,
        "enrollments": enrollments,
        "rewards": rewards,
        "transfers": transfers,
        "logins": empty_logins,
    }


def test_sparse_world_from_2022_runs_and_finds_the_transfer_farm(duckdb_url, local_env, monkeypatch):
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", duckdb_url)
    engine = make_engine(duckdb_url)
    write_source(engine, _sparse_world())  # trades, deposits, withdrawals, reviews: absent altogether

    outcome = materialize_range(
        "2022-03-01", "2022-03-03", instance=dg.DagsterInstance.ephemeral(), progress=lambda _: None
    )
    assert outcome.success, outcome.failure
    with engine.connect() as conn:
        clusters = read_frame(conn, "SELECT * FROM risk.account_clusters WHERE date = '2022-03-03'")
        listed = read_frame(conn, "SELECT user_id, tier FROM risk.high_risk_users WHERE date = '2022-03-03'")
        features = read_frame(conn, "SELECT * FROM risk.participant_features WHERE date = '2022-03-03'")
    farm_cluster = clusters[clusters["user_id"] == 100]["cluster_id"].iloc[0]
    assert set(clusters[clusters["cluster_id"] == farm_cluster]["user_id"]) == {1, 2, *range(100, 106)}
    assert len(features) == 36
    assert set(listed["user_id"]) == set(range(100, 106))  # the honest claimers are left alone


def test_a_day_whose_logins_are_mostly_broken_fails_naming_logins_and_publishes_nothing(
    duckdb_url, local_env, monkeypatch
):
    """Weeks of good logins, then a day on which 60 % arrive without a user: that day fails
    naming src.logins and the day, its rows stay in quarantine, and no list is published for it."""
    monkeypatch.setenv("RISKFLOWS_WAREHOUSE_URL", duckdb_url)
    engine = make_engine(duckdb_url)
    world = _sparse_world()
    users = list(world["users"]["user_id"])
    stamps = pd.date_range("2022-02-01", "2022-03-02 23:45", freq="15min")
    logins = pd.DataFrame(
        {
            "login_id": [f"l{i}" for i in range(len(stamps))],
            "user_id": [users[i % len(users)] for i in range(len(stamps))],
            "ts": stamps,
            "ip": "10.0.0.1",
            "device_id": None,
            "user_agent": None,
        }
    )
    logins["user_id"] = logins["user_id"].astype("object")
    broken_day = logins.index[logins["ts"] >= pd.Timestamp("2022-03-02")]
    logins.loc[broken_day[:58], "user_id"] = None  # 58 of the day's 96
    write_source(engine, {**world, "logins": logins})

    outcome = materialize_range(
        "2022-03-01", "2022-03-02", instance=dg.DagsterInstance.ephemeral(), progress=lambda _: None
    )
    assert not outcome.success
    assert "src.logins on 2022-03-02: 58 of the day's 96 rows rejected" in outcome.failure, outcome.failure
    assert "user_id is NULL" in outcome.failure
    with engine.connect() as conn:
        listed = read_frame(
            conn, "SELECT CAST(date AS VARCHAR) AS day, COUNT(*) AS n FROM risk.high_risk_users GROUP BY 1"
        )
        kept = read_frame(
            conn, "SELECT COUNT(*) AS n FROM risk.quarantine WHERE date = '2022-03-02' AND table_name = 'logins'"
        )
    assert "2022-03-02" not in set(listed["day"])
    assert int(kept["n"][0]) == 58

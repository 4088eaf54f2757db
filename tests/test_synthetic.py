"""The synthetic exchange: deterministic, contract-shaped, realistic enough to tune rules on."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from riskflows.synthetic import SyntheticWorld, generate_world, seed_warehouse, write_world
from riskflows.synthetic.editions import APAC_COUNTRIES, APAC_SUFFIX
from riskflows.synthetic.schema import (
    ALL_TABLES,
    BIGINT,
    CAMPAIGN_KINDS,
    DOUBLE,
    HARD_NEGATIVE_GROUPS,
    INTEGER,
    KEYS,
    PATTERNS,
    REWARD_STATUSES,
    TEXT,
    TIMESTAMP,
    TRADE_SIDES,
    VERDICTS,
)

START, DAYS = dt.date(2026, 9, 1), 35


@pytest.fixture(scope="module")
def world() -> SyntheticWorld:
    return generate_world(11, 5000)


def test_same_seed_same_world_and_other_seed_other_world(world):
    again = generate_world(11, 5000)
    for name, frame in world.tables().items():
        pd.testing.assert_frame_equal(frame, again.tables()[name], obj=name)
    other = generate_world(12, 5000)
    assert not world.users.equals(other.users)
    assert not world.logins.equals(other.logins)


def test_frames_follow_the_contract(world):
    for name, spec in ALL_TABLES.items():
        frame = world.tables()[name]
        assert list(frame.columns) == [c.name for c in spec], name
        for col in spec:
            s = frame[col.name]
            if col.sql_type == TIMESTAMP:
                assert s.dtype == "datetime64[ns]", (name, col.name)
            elif col.sql_type == DOUBLE:
                assert s.dtype == np.float64, (name, col.name)
            elif col.sql_type in (BIGINT, INTEGER):
                assert s.dtype == (pd.Int64Dtype() if col.nullable else np.int64), (name, col.name, s.dtype)
            elif col.sql_type == TEXT:
                assert pd.api.types.is_string_dtype(s.dtype), (name, col.name, s.dtype)
            if not col.nullable:
                assert s.notna().all(), (name, col.name)
        assert not frame.duplicated(list(KEYS[name])).any(), name
        assert len(frame) > 0, name


def test_enumerations_and_amounts(world):
    assert set(world.campaigns.kind) == set(CAMPAIGN_KINDS)
    assert world.campaigns.rule_pack.isna().all()
    assert set(world.rewards.status) <= set(REWARD_STATUSES) and "held" in set(world.rewards.status)
    assert set(world.trades.side) == set(TRADE_SIDES)
    assert set(world.reviews.verdict) == set(VERDICTS)
    assert world.users.kyc_level.between(0, 3).all()
    for frame, col in [
        (world.rewards, "amount_usd"),
        (world.deposits, "amount_usd"),
        (world.withdrawals, "amount_usd"),
        (world.trades, "notional_usd"),
        (world.transfers, "amount_usd"),
        (world.campaigns, "reward_budget_usd"),
    ]:
        assert (frame[col].dropna() >= 0).all(), col
    # Amounts come from spreads, not constants.
    assert world.deposits.amount_usd.nunique() > 0.9 * len(world.deposits)


def test_every_pattern_and_look_alike_group_is_present(world):
    assert set(world.labels.pattern) == set(PATTERNS)
    assert set(world.hard_negatives.group) == set(HARD_NEGATIVE_GROUPS)
    per_pattern = world.labels.groupby("pattern").user_id.nunique()
    assert (per_pattern >= 3).all(), per_pattern
    # Look-alikes are honest: never labelled.
    assert not set(world.hard_negatives.user_id) & set(world.labels.user_id)


def test_abuse_is_a_minority_of_participants_in_every_campaign(world):
    share = len(world.labels) / len(world.enrollments)
    assert 0.04 <= share <= 0.12, share
    per_campaign = world.labels.groupby("campaign_id").size() / world.enrollments.groupby("campaign_id").size()
    assert (per_campaign.reindex(world.campaigns.campaign_id).fillna(0) > 0).all()
    assert (per_campaign < 0.35).all(), per_campaign


def test_labels_only_reference_enrolled_users(world):
    joined = world.labels.merge(world.enrollments, on=["campaign_id", "user_id"], how="left", indicator=True)
    assert (joined["_merge"] == "both").all()


def test_references_point_at_existing_rows(world):
    users = set(world.users.user_id)
    for frame, cols in [
        (world.logins, ["user_id"]),
        (world.enrollments, ["user_id"]),
        (world.rewards, ["user_id"]),
        (world.deposits, ["user_id"]),
        (world.withdrawals, ["user_id"]),
        (world.trades, ["user_id", "counterparty_user_id"]),
        (world.transfers, ["from_user_id", "to_user_id"]),
        (world.reviews, ["user_id"]),
        (world.hard_negatives, ["user_id"]),
    ]:
        for col in cols:
            assert set(frame[col].dropna()) <= users, col
    campaigns = set(world.campaigns.campaign_id)
    for frame in (world.enrollments, world.rewards, world.reviews, world.labels):
        assert set(frame.campaign_id) <= campaigns


def test_every_trade_is_matched_with_its_mirror(world):
    t = world.trades
    assert t.counterparty_user_id.notna().all()
    assert (t.user_id != t.counterparty_user_id).all()
    mirror = t.merge(
        t,
        left_on=["user_id", "counterparty_user_id", "ts", "notional_usd", "symbol"],
        right_on=["counterparty_user_id", "user_id", "ts", "notional_usd", "symbol"],
    )
    assert len(mirror.drop_duplicates("trade_id_x")) == len(t)
    assert (mirror.side_x != mirror.side_y).all()


def test_times_stay_inside_history_and_campaigns(world):
    start = pd.Timestamp(START)
    end, history = start + pd.Timedelta(days=DAYS), start - pd.Timedelta(days=730)
    for name, frame in world.tables().items():
        for col in frame.select_dtypes("datetime64[ns]").columns:
            s = frame[col].dropna()
            assert (s >= history).all() and (s < end).all(), (name, col)
    camp = world.campaigns.set_index("campaign_id")
    assert (camp.starts_at >= start).all() and (camp.ends_at <= end).all()
    assert ((camp.ends_at - camp.starts_at) >= pd.Timedelta(days=5)).all()
    e = world.enrollments.join(camp, on="campaign_id")
    assert ((e.enrolled_at >= e.starts_at) & (e.enrolled_at < e.ends_at)).all()
    e = e.merge(world.users[["user_id", "registered_at"]], on="user_id")
    assert (e.enrolled_at >= e.registered_at).all()
    r = world.rewards.merge(world.enrollments, on=["campaign_id", "user_id"], how="left")
    assert r.enrolled_at.notna().all(), "every reward belongs to an enrolment"
    assert (r.granted_at > r.enrolled_at).all()


def test_abusers_ids_are_scattered_among_honest_ids(world):
    ids = np.sort(world.users.user_id.to_numpy())
    for pattern, grp in world.labels.groupby("pattern"):
        ranks = np.searchsorted(ids, np.unique(grp.user_id))
        span = ranks.max() - ranks.min() + 1
        assert span > 10 * len(ranks), (pattern, span, len(ranks))
    # Surrogate keys are numbered by time, not by who made the row.
    assert world.logins.ts.is_monotonic_increasing
    assert world.logins.login_id.is_monotonic_increasing


def test_world_looks_like_an_exchange_not_like_its_labels(world):
    u = world.users
    for col in ("country", "registration_ip", "registration_device_id", "email_domain"):
        assert u[col].notna().all(), col
    # Honest look-alikes really look alike: families share devices, NAT users share IPs.
    hn = world.hard_negatives
    fam = u[u.user_id.isin(hn[hn.group == "family_device"].user_id)]
    assert fam.registration_device_id.duplicated().any()
    nat = u[u.user_id.isin(hn[hn.group == "carrier_nat"].user_id)]
    assert nat.registration_ip.duplicated().any()
    shared = world.withdrawals.groupby("to_address").user_id.nunique()
    assert shared.max() >= 10
    api = world.logins[world.logins.user_id.isin(hn[hn.group == "api_trader"].user_id)]
    assert api.user_agent.str.contains("python-requests|ccxt|okhttp|Go-http", regex=True).mean() > 0.9
    mm = hn[hn.group == "market_maker"].user_id
    assert world.trades[world.trades.user_id.isin(mm)].counterparty_user_id.nunique() > 500
    # Logins follow a day/night rhythm overall, not a flat clock.
    hours = world.logins.ts.dt.hour.value_counts(normalize=True)
    assert hours.max() > 1.5 * hours.min()
    assert world.enrollments.groupby("campaign_id").size().min() > 100
    assert len(world.logins) / len(u) > 10


def test_reviews_are_a_biased_imperfect_sample(world):
    rv = world.reviews.merge(world.labels, on=["campaign_id", "user_id"], how="left")
    abusive = rv.pattern.notna()
    assert abusive.mean() > len(world.labels) / len(world.enrollments)  # suspicious cases get reviewed more
    wrong = (abusive & (rv.verdict == "false_positive")) | (~abusive & (rv.verdict == "confirmed_abuse"))
    assert 0.02 < wrong.mean() < 0.25


def _check_round_trip(engine: sa.Engine, world: SyntheticWorld) -> None:
    counts = write_world(engine, world)
    assert counts == {name: len(frame) for name, frame in world.tables().items()}
    with engine.connect() as conn:
        src = {
            r[0]
            for r in conn.exec_driver_sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'src'")
        }
        truth = {
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'synthetic'"
            )
        }
        assert src == set(ALL_TABLES) - {"labels", "hard_negatives"}
        assert truth == {"labels", "hard_negatives"}
        back = pd.read_sql("SELECT * FROM src.trades ORDER BY trade_id LIMIT 50", conn)
        got = conn.exec_driver_sql("SELECT COUNT(*) FROM src.users WHERE referrer_id IS NULL").scalar_one()
        assert got == world.users.referrer_id.isna().sum()
        ts = conn.exec_driver_sql("SELECT MIN(ts), MAX(ts) FROM src.logins").one()
    expected = world.trades.sort_values("trade_id").head(50).reset_index(drop=True)
    assert back.trade_id.tolist() == expected.trade_id.tolist()
    assert np.allclose(back.notional_usd, expected.notional_usd)
    assert pd.Timestamp(ts[0]) == world.logins.ts.min() and pd.Timestamp(ts[1]) == world.logins.ts.max()
    # Writing again replaces, never appends.
    assert write_world(engine, world) == counts


def test_write_world_round_trips_on_duckdb(tmp_path, world):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    _check_round_trip(engine, world)
    engine.dispose()


def test_write_world_on_postgres_drops_and_recreates_src_and_synthetic_schemas(world, pg_engine):
    _check_round_trip(pg_engine, world)


def test_seed_warehouse_generates_and_writes(tmp_path):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 's.duckdb'}")
    counts = seed_warehouse(engine, seed=3, users=2000, start=dt.date(2026, 3, 1), days=21)
    assert counts["users"] == 2000 and counts["labels"] > 0
    with engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT MIN(starts_at) FROM src.campaigns").scalar_one()
    assert pd.Timestamp(first) >= pd.Timestamp("2026-03-01")
    engine.dispose()


def test_timing_200k_users_generate_and_write(tmp_path):
    t0 = time.perf_counter()
    w = generate_world(5, 200_000)
    t1 = time.perf_counter()
    counts = write_world(sa.create_engine(f"duckdb:///{tmp_path / 't.duckdb'}"), w)
    t2 = time.perf_counter()
    print(f"\n200k users: generate {t1 - t0:.1f}s, write {t2 - t1:.1f}s, rows {sum(counts.values()):,}")
    assert counts["users"] == 200_000


def test_regional_editions_double_the_campaigns_and_move_apac_accounts(world):
    editions = generate_world(11, 5000, editions=True)
    assert len(editions.campaigns) == 2 * len(world.campaigns)
    assert editions.campaigns.groupby("kind").size().eq(2).all()
    country = editions.users.set_index("user_id")["country"]
    for name in ("enrollments", "rewards", "labels"):
        frame = getattr(editions, name)
        apac = frame["user_id"].map(country).isin(APAC_COUNTRIES).to_numpy()
        assert frame["campaign_id"].str.endswith(APAC_SUFFIX).to_numpy().tolist() == apac.tolist(), name
        assert len(frame) == len(getattr(world, name)), name  # moved, never dropped or copied
    assert editions.rewards.groupby("campaign_id").size().index.nunique() == 10
    original = world.campaigns["reward_budget_usd"].sum()
    assert editions.campaigns["reward_budget_usd"].sum() == pytest.approx(original, rel=0.01)


def test_onchain_view_links_accounts_by_transfers_only(world):
    onchain = generate_world(11, 5000, onchain=True)
    for name in ("logins", "trades", "deposits", "withdrawals"):
        assert getattr(onchain, name).empty, name
        assert list(getattr(onchain, name).columns) == list(getattr(world, name).columns), name
    for column in ("country", "referrer_id", "registration_ip", "registration_device_id", "email_domain"):
        assert onchain.users[column].isna().all(), column
    assert onchain.enrollments["referrer_id"].isna().all()
    # Every external address is one account, and every deposit and withdrawal one transfer.
    addresses = set(world.deposits["from_address"].dropna()) | set(world.withdrawals["to_address"].dropna())
    assert len(onchain.users) == len(world.users) + len(addresses)
    assert len(onchain.transfers) == len(world.transfers) + len(world.deposits) + len(world.withdrawals)
    assert onchain.transfers["transfer_id"].is_unique
    users = set(onchain.users["user_id"])
    assert set(onchain.transfers["from_user_id"]) | set(onchain.transfers["to_user_id"]) <= users
    # A customer's deposits arrive from the account of the address they came from.
    customer = world.deposits["user_id"].iloc[0]
    received = onchain.transfers[onchain.transfers["to_user_id"] == customer]
    assert len(received) >= (world.deposits["user_id"] == customer).sum()
    # The campaign side and the ground truth are untouched.
    for name in ("campaigns", "enrollments", "rewards", "reviews", "labels", "hard_negatives"):
        frame = getattr(onchain, name)
        expected = getattr(world, name)
        if name == "enrollments":
            frame, expected = frame.drop(columns="referrer_id"), expected.drop(columns="referrer_id")
        pd.testing.assert_frame_equal(frame, expected, obj=name)
    # Same dtypes as the contract, so the writer and the source checks take it as any world.
    for name, frame in onchain.tables().items():
        assert frame.dtypes.to_dict() == world.tables()[name].dtypes.to_dict(), name

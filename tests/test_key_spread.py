"""Coordination over days: the holders of one money key bunching in time and amount.

A farm staggers its accounts over a couple of days (so no two act within the same hour) but
still funds them from one source, in near-equal amounts, within a window far narrower than the
campaign's own spread. A P2P merchant's new customers share a source too, but come on their own
days with their own amounts; an OTC desk's customers have lives of their own, so its address is
a service and links nobody.
"""

from __future__ import annotations

import random

import pandas as pd

from tests.test_features import T0, World, _participant_features

FARM = list(range(100, 108))
MERCHANT_CUSTOMERS = list(range(200, 208))
DESK_CUSTOMERS = list(range(300, 308))
CROWD = list(range(1000, 1080))


def _world() -> World:
    rng = random.Random(7)
    w = World()
    for user_id in CROWD:  # the campaign's own spread: enrolled any day of its first nine, any amount
        enrolled = T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(days=rng.uniform(20, 400)))
        w.add(
            "deposits",
            user_id=user_id,
            from_address=f"own-{user_id}",
            ts=enrolled - pd.Timedelta(days=30),
            amount_usd=round(rng.uniform(20, 2000), 2),
        )
        w.add(
            "deposits",
            user_id=user_id,
            from_address=f"own-{user_id}",
            ts=enrolled + pd.Timedelta(hours=2),
            amount_usd=round(rng.lognormvariate(5, 1.2), 2),
        )
        w.enroll(user_id, enrolled)
    for i, user_id in enumerate(FARM):  # hollow, about three hours apart over a day, ~50 USD each
        enrolled = T0 + pd.Timedelta(days=3, hours=3 * i + rng.uniform(0, 1))
        w.user(user_id, enrolled - pd.Timedelta(days=2, hours=3 * i))
        w.add(
            "deposits",
            user_id=user_id,
            from_address="farm-funder",
            ts=enrolled + pd.Timedelta(hours=1.5),
            amount_usd=round(50 + rng.uniform(-0.5, 0.5), 2),
        )
        w.enroll(user_id, enrolled)
    for user_id in MERCHANT_CUSTOMERS:  # hollow too, but their own days and amounts
        enrolled = T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(hours=rng.uniform(1, 48)))
        w.add(
            "deposits",
            user_id=user_id,
            from_address="p2p-merchant",
            ts=enrolled + pd.Timedelta(hours=1),
            amount_usd=round(rng.lognormvariate(5, 1.2), 2),
        )
        w.enroll(user_id, enrolled)
    for i, user_id in enumerate(DESK_CUSTOMERS):  # bunched like the farm, but each with months of trading
        enrolled = T0 + pd.Timedelta(days=6, hours=3 * i)
        w.user(user_id, T0 - pd.Timedelta(days=300 + 20 * i))
        for day in range(5, 60, 7):
            w.add(
                "trades",
                user_id=user_id,
                ts=enrolled - pd.Timedelta(days=day),
                side="buy",
                price=60000.0,
                quantity=0.001,
                notional_usd=60.0,
            )
        w.add(
            "deposits",
            user_id=user_id,
            from_address="otc-desk",
            ts=enrolled + pd.Timedelta(hours=1),
            amount_usd=round(50 + rng.uniform(-0.5, 0.5), 2),
        )
        w.enroll(user_id, enrolled)
    return w


def test_a_farm_staggered_over_days_bunches_on_its_funder_and_a_merchant_crowd_does_not(engine):
    f = _participant_features(engine, _world())
    farm = f.loc[FARM]
    assert (farm["key_spread_chance"] <= 0.01).all(), farm[["key_spread_chance", "key_spread_kind"]]
    assert farm["key_spread_kind"].str.startswith("source:").all()
    assert farm["key_spread_holders"].tolist() == [len(FARM)] * len(FARM)
    assert farm["key_spread_hollow_share"].tolist() == [1.0] * len(FARM)
    assert (farm["lockstep_chance"] > 1e-6).all()  # no two act within the hour: the pairwise test misses them
    merchant = f.loc[MERCHANT_CUSTOMERS]
    assert (merchant["key_spread_holders"] == len(MERCHANT_CUSTOMERS)).all()  # judged ...
    assert (merchant["key_spread_chance"] > 0.01).all(), merchant[
        ["key_spread_chance", "key_spread_kind"]
    ]  # ... cleared
    desk = f.loc[DESK_CUSTOMERS]
    assert (desk["key_spread_holders"] == 0).all()  # a service links nobody
    assert (desk["key_spread_chance"] == 1.0).all()

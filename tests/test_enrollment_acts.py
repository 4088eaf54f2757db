"""Where joining a campaign is a payment, the payment is the enrollment: one act, not two.

On chain, an airdrop's participant enrolls by its first qualifying deposit into the protocol's
bridge: a transfer out at the enrollment's own second. Counted as "the first money out after
enrolling" too, it made every pair that enrolled within the hour coincide on two behaviours
(enrolled and cashed_out), so a launch hour's newcomers, friends or a workshop's attendees who
each bridged once looked like a farm that enrolls and cashes out together. The first money out
is now the first after the enrollment's second; a farm that later sweeps together still shows it.
"""

from __future__ import annotations

import random

import pandas as pd

from tests.test_features import T0, World, _participant_features
from tests.test_key_spread import _crowd, _deposit, _withdraw

BRIDGE = "protocol-bridge"
RUSH = list(range(400, 406))
FARM = list(range(450, 456))


def _bridge_in(w: World, user_id: int, at, amount: float) -> None:
    """Enroll by depositing into the protocol's bridge (money out at the enrollment's second)."""
    w.enroll(user_id, at)
    _withdraw(w, user_id, BRIDGE, at, amount)


def _world() -> World:
    rng = random.Random(11)
    w = World()
    _crowd(w, rng)
    crowd_enrollments = [row for row in w.rows["enrollments"]]
    for row in crowd_enrollments:  # the crowd bridged in too, on its own days
        _withdraw(w, row["user_id"], BRIDGE, row["enrolled_at"], rng.lognormvariate(4, 1))
    launch = T0 + pd.Timedelta(days=4, hours=15)
    for user_id in RUSH:  # new wallets, each funded from its own exchange account, bridged in the launch hour
        at = launch + pd.Timedelta(minutes=rng.uniform(0, 50))
        w.user(user_id, at - pd.Timedelta(hours=3))
        _deposit(w, user_id, f"own-{user_id}", at - pd.Timedelta(hours=rng.uniform(1, 3)), rng.lognormvariate(4, 1))
        _bridge_in(w, user_id, at, rng.lognormvariate(4, 1))
    sweep = T0 + pd.Timedelta(days=7, hours=2)
    for i, user_id in enumerate(FARM):  # a farm: bridged in over a day, swept to one collector together later
        at = T0 + pd.Timedelta(days=5, hours=4 * i + rng.uniform(0, 1))
        w.user(user_id, at - pd.Timedelta(hours=6))
        _deposit(w, user_id, f"farm-hop-{user_id}", at - pd.Timedelta(hours=2), 30 + rng.uniform(-3, 3))
        _bridge_in(w, user_id, at, 25 + rng.uniform(-3, 3))
        _withdraw(w, user_id, f"farm-exit-{user_id}", sweep + pd.Timedelta(minutes=4 * i), 20 + rng.uniform(-0.2, 0.2))
    return w


def test_a_bridge_deposit_that_enrolls_is_no_cash_out(engine):
    f = _participant_features(engine, _world())
    rush = f.loc[RUSH, "lockstep_signature"].fillna("")
    assert not rush.str.contains("cashed_out").any(), f.loc[RUSH, ["lockstep_signature", "lockstep_chance"]]
    farm = f.loc[FARM, "lockstep_signature"].fillna("")
    assert farm.str.contains("cashed_out").all(), f.loc[FARM, ["lockstep_signature", "lockstep_chance"]]

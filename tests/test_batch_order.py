"""Batch order: a script walks its list of accounts in one order, every time it runs.

Twelve accounts registered minutes apart that enroll, three months later, minutes apart in the
order they were made are one script's batch. Twelve people who registered in the same hour and
enrolled in the same hour in any order are not; nor is a stranger who fell into the batch's two
hours out of its order, nor a crowd that enrolled minutes after its money landed (a quick second act
carries the first one's order along for anyone), nor a DAO's contributors, whom its payroll pays in one
order every month (being paid is the payer's act; only an act of the account's own is compared).
"""

from __future__ import annotations

import pandas as pd

from tests.test_features import T0, World, _participant_features

BATCH = list(range(100, 112))
STRANGER = 112
CROWD = list(range(200, 212))
CROWD_ENROLL_ORDER = [5, 0, 9, 3, 11, 7, 1, 10, 4, 8, 2, 6]  # the crowd's places in the enrollment hour
QUICK = list(range(300, 312))
DAO, CONTRIBUTORS = 400, list(range(401, 413))


def _world() -> World:
    w = World()
    made = T0 - pd.Timedelta(days=90)
    for i, user_id in enumerate(BATCH):
        w.user(user_id, made + pd.Timedelta(minutes=4 * i))
        w.enroll(user_id, at=T0 + pd.Timedelta(hours=2, minutes=3 * i))
    # registered amid the batch, enrolled before all of it
    w.user(STRANGER, made + pd.Timedelta(minutes=4 * 6 + 1))
    w.enroll(STRANGER, at=T0 + pd.Timedelta(hours=1, minutes=50))
    signed_up = T0 - pd.Timedelta(days=60)
    for i, user_id in enumerate(CROWD):
        w.user(user_id, signed_up + pd.Timedelta(minutes=4 * i))
        w.enroll(user_id, at=T0 + pd.Timedelta(hours=8, minutes=4 * CROWD_ENROLL_ORDER[i]))
    for i, user_id in enumerate(QUICK):
        # registered on days of their own; funded by an exchange minutes apart, each enrolling on arrival
        w.user(user_id, T0 - pd.Timedelta(days=30 + 3 * i))
        funded = T0 + pd.Timedelta(hours=14, minutes=3 * i)
        w.add("deposits", user_id=user_id, ts=funded, amount_usd=100.0 + i, from_address=f"hot-wallet-{i}")
        w.enroll(user_id, at=funded + pd.Timedelta(minutes=5))
    w.user(DAO, T0 - pd.Timedelta(days=400))
    for i, user_id in enumerate(CONTRIBUTORS):
        # first seen when the payroll first paid them, paid again a month later in the list's order; each
        # enrolls on a day of its own
        first_paid = T0 - pd.Timedelta(days=40) + pd.Timedelta(minutes=2 * i)
        w.user(user_id, first_paid)
        for month in (0, 30):
            w.add(
                "transfers",
                from_user_id=DAO,
                to_user_id=user_id,
                ts=first_paid + pd.Timedelta(days=month),
                amount_usd=500.0,
            )
        w.enroll(user_id, at=T0 + pd.Timedelta(hours=1 + 7 * i))
    return w


def test_a_batch_walked_in_one_order_is_one_script_and_crowds_are_not(engine):
    f = _participant_features(engine, _world())
    batch = f.loc[BATCH]
    assert (batch["batch_order_chance"] <= 0.01).all()
    assert (batch["batch_order_acts"] == "registered+enrolled").all()
    assert (batch["batch_order_peers"] >= 10).all()  # the batch; the stranger's order keeps it out of some
    assert f.loc[STRANGER, "batch_order_chance"] == 1.0  # out of the batch's order itself
    assert (f.loc[CROWD, "batch_order_chance"] > 0.01).all()
    assert (f.loc[QUICK, "batch_order_chance"] == 1.0).all()  # funded and enrolled minutes apart: not judged
    assert f.loc[QUICK, "batch_order_acts"].isna().all()
    assert (f.loc[CONTRIBUTORS, "batch_order_chance"] == 1.0).all()  # the payroll's order is the DAO's

"""Batch size: the same accounts moved twice, days apart, in whatever order.

Twelve old wallets withdrawn to from one exchange hot wallet in a quarter of an hour, enrolling
together three days later in another order, share both hours with far more of each other than the
two hours' crowds explain. Twelve people of a marketing hour's fifty sign-ups who enrolled in a
launch hour with seventy others are what such crowds bring, and are not a batch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.test_features import T0, World, _participant_features

BACKGROUND = list(range(1000, 1400))
BURST = list(range(100, 112))
BURST_ENROLL_ORDER = [7, 2, 10, 0, 5, 11, 3, 8, 1, 9, 4, 6]  # the burst's places in its enrollment quarter hour
WAVE = list(range(200, 250))  # signed up in one marketing hour
WAVE_AT_LAUNCH = WAVE[:12]  # ... and enrolled in the launch hour
LAUNCH = list(range(300, 368))  # enrolled in the launch hour, registered on days of their own


def _world() -> World:
    w = World()
    rng = np.random.default_rng(5)
    for i, user_id in enumerate(BACKGROUND):
        # people on days of their own: registered over months, funded and enrolling over the campaign's days
        w.user(user_id, T0 - pd.Timedelta(days=200) + pd.Timedelta(hours=11 * i))
        enrolled = T0 + pd.Timedelta(hours=2) + pd.Timedelta(minutes=int(rng.integers(0, 8 * 24 * 60)))
        funded = enrolled - pd.Timedelta(minutes=int(rng.integers(2 * 24 * 60, 20 * 24 * 60)))
        w.add("deposits", user_id=user_id, ts=funded, amount_usd=float(rng.integers(20, 900)), from_address=f"own-{i}")
        w.enroll(user_id, at=enrolled)
    burst_at = T0 + pd.Timedelta(days=1, hours=3)
    for i, user_id in enumerate(BURST):
        w.user(user_id, T0 - pd.Timedelta(days=100 + 3 * i))
        w.add(
            "deposits",
            user_id=user_id,
            ts=burst_at + pd.Timedelta(minutes=i),
            amount_usd=154.79,
            from_address="hot-wallet",
        )
        w.enroll(user_id, at=burst_at + pd.Timedelta(days=3, hours=8, minutes=BURST_ENROLL_ORDER[i]))
    signed_up = T0 - pd.Timedelta(days=60)
    for i, user_id in enumerate(WAVE):
        w.user(user_id, signed_up + pd.Timedelta(minutes=i))
        at_launch = user_id in WAVE_AT_LAUNCH
        w.enroll(
            user_id,
            at=T0 + pd.Timedelta(minutes=5 * i) if at_launch else T0 + pd.Timedelta(days=1 + i % 7, hours=i % 24),
        )
    for i, user_id in enumerate(LAUNCH):
        w.user(user_id, T0 - pd.Timedelta(days=150) + pd.Timedelta(hours=37 * i))
        w.enroll(user_id, at=T0 + pd.Timedelta(seconds=50 * i))
    return w


def test_a_burst_moved_twice_in_any_order_is_a_batch_and_a_launch_crowd_is_not(engine):
    f = _participant_features(engine, _world())
    burst = f.loc[BURST]
    assert (burst["batch_size_chance"] <= 0.01).all()
    assert (burst["batch_size_peers"] == 11).all()
    assert (burst["batch_order_chance"] > 0.01).all()  # out of order: only its size tells
    crowd = f.loc[WAVE_AT_LAUNCH]
    assert (crowd["batch_size_peers"] >= 11).all()  # they did share both hours ...
    assert (crowd["batch_size_chance"] > 0.01).all()  # ... with the crowds of both
    assert (f.loc[BACKGROUND, "batch_size_chance"] > 0.01).all()

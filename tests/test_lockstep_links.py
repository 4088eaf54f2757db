"""What links a pair for the lockstep test: a phone or money, not a shared referrer, nor a
computer that accounts registered months apart have used (a café's, a campus's).

An influencer posts a link and a handful of followers sign up, enroll and fund within the hour
after it: the same hour is exactly what a shared referrer predicts, so it proves nothing. A ring's
referees coinciding the same way on two racked phones are linked by the phones, and that does.
"""

from __future__ import annotations

import random

import pandas as pd

from tests.test_features import T0, World, _participant_features
from tests.test_key_spread import _crowd, _deposit

INFLUENCER, FOLLOWERS = 500, list(range(501, 507))
RING_REFERRER, RING = 600, list(range(601, 609))


def _referee(w: World, user_id: int, referrer: int, at, source: str, amount: float, device: str) -> None:
    w.user(user_id, at - pd.Timedelta(minutes=5), referrer_id=referrer)
    w.add("logins", user_id=user_id, ts=at - pd.Timedelta(minutes=4), device_id=device, ip=f"10.{user_id}.0.1")
    w.enroll(user_id, at, referrer_id=referrer)
    _deposit(w, user_id, source, at + pd.Timedelta(minutes=20), amount)


def _world() -> World:
    rng = random.Random(5)
    w = World()
    _crowd(w, rng)
    for referrer in (INFLUENCER, RING_REFERRER):
        w.user(referrer, T0 - pd.Timedelta(days=400))
    post = T0 + pd.Timedelta(days=2, hours=18)
    for user_id in FOLLOWERS:  # their own phones, their own wallets, their own amounts
        at = post + pd.Timedelta(minutes=rng.uniform(0, 50))
        _referee(w, user_id, INFLUENCER, at, f"own-{user_id}", rng.lognormvariate(5, 1.2), f"phone-{user_id}")
    start = T0 + pd.Timedelta(days=5, hours=3)
    for i, user_id in enumerate(RING):  # two racked phones, four accounts each, cashed out together
        at = start + pd.Timedelta(minutes=8 * i)
        _referee(w, user_id, RING_REFERRER, at, f"ring-wallet-{user_id}", 20 + rng.uniform(-0.2, 0.2), f"rack-{i % 2}")
        w.add(
            "withdrawals",
            user_id=user_id,
            ts=start + pd.Timedelta(days=1, minutes=6 * i),
            amount_usd=round(19.5 + rng.uniform(-0.1, 0.1), 2),
            to_address=f"ring-cash-{user_id}",
        )
    return w


def test_a_shared_referrer_is_no_link_and_a_shared_phone_is(engine):
    f = _participant_features(engine, _world())
    followers = f.loc[FOLLOWERS]
    assert (followers["linked_lockstep_chance"] == 1.0).all(), followers[
        ["linked_lockstep_chance", "lockstep_signature"]
    ]
    ring = f.loc[RING]
    # judged among the accounts on its phone (how strongly depends on the campaign's size; the
    # pipeline worlds of the evaluation matrix measure that)
    assert (ring["linked_lockstep_chance"] < 0.5).all(), ring[["linked_lockstep_chance", "lockstep_signature"]]
    assert ring["lockstep_signature"].str.contains("device").all()
    assert not f["lockstep_signature"].fillna("").str.contains("referral").any()


CAFE_REGULARS, RACK = list(range(700, 706)), list(range(800, 806))


def test_a_cafe_computer_links_nobody_and_a_racked_phone_does(engine):
    """Six accounts on a café's computer, registered over two years; six on a racked phone, registered
    within two days. Four of each joined the campaign, all hollow. The computer's regulars share
    a keyboard, not a hand: a device whose accounts were registered months apart is a hub, so it
    links nobody, neither as peers nor into a cluster."""
    rng = random.Random(9)
    w = World()
    _crowd(w, rng)
    for group, device, spread_days in ((CAFE_REGULARS, "cafe-pc", 730), (RACK, "rack-phone", 2)):
        for i, user_id in enumerate(group):
            registered = T0 - pd.Timedelta(days=spread_days * i / len(group))
            w.user(user_id, registered, registration_device_id=device)
            w.add("logins", user_id=user_id, ts=registered + pd.Timedelta(minutes=1), device_id=device)
            if i < 4:
                enrolled = T0 + pd.Timedelta(days=1 + 2 * i, hours=rng.uniform(0, 20))
                w.enroll(user_id, enrolled)
                _deposit(w, user_id, f"own-{user_id}", enrolled + pd.Timedelta(hours=1), rng.lognormvariate(4, 1))
    f = _participant_features(engine, w)
    assert (f.loc[CAFE_REGULARS[:4], "personal_peers"] == 0).all(), f.loc[CAFE_REGULARS[:4], ["personal_peers"]]
    assert (f.loc[RACK[:4], "personal_peers"] == 3).all(), f.loc[RACK[:4], ["personal_peers"]]
    assert (f.loc[CAFE_REGULARS[:4], "cluster_size"] == 1).all(), f.loc[CAFE_REGULARS[:4], ["cluster_size"]]
    assert (f.loc[RACK[:4], "cluster_size"] == len(RACK)).all(), f.loc[RACK[:4], ["cluster_size"]]

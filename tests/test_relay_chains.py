"""Relay chains: seed money passed hand to hand down a line of participants.

Twelve addresses each paid by the one before and paying the one after, each passing the money on
within hours, form one chain; so do twelve that each wait a day and a half (bridging, swapping,
waiting for gas) before passing it on. Friends paying each other back and forth, a funder paying a
crowd (a star, not a chain), and a line of payments each made a week after the one before (every
payment its own decision) do not. Nor does a line paid backwards in time: money cannot be passed on
before it came.
"""

from __future__ import annotations

import pandas as pd

from tests.test_features import T0, World, _participant_features

CHAIN = list(range(100, 112))
FRIENDS = [200, 201, 202]
STAR_FUNDER, STAR = 300, list(range(301, 313))
SLOW_LINE = list(range(400, 412))
BACKWARDS_LINE = list(range(500, 512))
PATIENT_CHAIN = list(range(600, 612))


def _pay_down(w: World, line: list[int], first: pd.Timestamp, gap: pd.Timedelta) -> None:
    """Each account of the line pays the next $100, hop k at first + k * gap."""
    for hop, (payer, payee) in enumerate(zip(line, line[1:])):
        w.add("transfers", from_user_id=payer, to_user_id=payee, ts=first + hop * gap, amount_usd=100.0)


def _world() -> World:
    w = World()
    for user_id in CHAIN + FRIENDS + [STAR_FUNDER] + STAR + SLOW_LINE + BACKWARDS_LINE + PATIENT_CHAIN:
        w.user(user_id, T0 - pd.Timedelta(days=100))
        w.enroll(user_id)
    _pay_down(w, CHAIN, first=T0 + pd.Timedelta(hours=2), gap=pd.Timedelta(hours=1))
    for i, (payer, payee) in enumerate([(200, 201), (201, 200), (201, 202), (202, 200)] * 3):
        w.add("transfers", from_user_id=payer, to_user_id=payee, ts=T0 + pd.Timedelta(days=i), amount_usd=20.0 + i)
    for i, payee in enumerate(STAR):
        w.add("transfers", from_user_id=STAR_FUNDER, to_user_id=payee, ts=T0 + pd.Timedelta(hours=i), amount_usd=50.0)
    _pay_down(w, SLOW_LINE, first=T0 - pd.Timedelta(days=80), gap=pd.Timedelta(days=7))
    _pay_down(w, PATIENT_CHAIN, first=T0 - pd.Timedelta(days=20), gap=pd.Timedelta(hours=36))
    _pay_down(w, BACKWARDS_LINE, first=T0 + pd.Timedelta(hours=30), gap=pd.Timedelta(hours=-2))
    return w


def test_a_long_line_of_transfers_is_a_chain_and_friends_or_a_star_are_not(engine):
    f = _participant_features(engine, _world())
    reach = f["relay_chain_reach"]
    # each end reaches the six hops it is followed along; the middle reaches six each way
    assert reach.loc[CHAIN].tolist() == [6, 7, 8, 9, 10, 11, 11, 10, 9, 8, 7, 6]
    assert reach.loc[PATIENT_CHAIN].tolist() == [6, 7, 8, 9, 10, 11, 11, 10, 9, 8, 7, 6]
    assert reach.loc[FRIENDS].tolist() == [2, 2, 2]  # a triangle of friends reaches only itself
    assert reach.loc[[STAR_FUNDER, *STAR]].tolist() == [0] * (1 + len(STAR))  # a star has no thin links
    # each payment in these lines is a hop of its own: it comes a week after the money arrived, or before it
    assert reach.loc[SLOW_LINE].tolist() == [1] + [2] * 10 + [1]
    assert reach.loc[BACKWARDS_LINE].tolist() == [1] + [2] * 10 + [1]

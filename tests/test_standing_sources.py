"""A payroll is not a farm's funder: a money source with a standing relationship links nobody.

A DAO pays its eight contributors every month, in the same minutes and the same amounts, and its
last run before the airdrop lands the evening before they all claim in the same hour: as tight as
any farm. What tells it apart is that the relationship is older than the campaign: the treasury
paid each of them on six days over five months before they enrolled. A farm's funder seeds its
accounts for the campaign, and topping them up once a month before, or weekly in the run-up, does
not make it a payroll.
"""

from __future__ import annotations

import random

import pandas as pd

from tests.test_features import T0, World, _participant_features
from tests.test_key_spread import _assert_all_linked, _crowd

TREASURY, CONTRIBUTORS = 900, list(range(910, 918))
FUNDER, FARM = 901, list(range(920, 928))
TOPPED_UP_FUNDER, TOPPED_UP_FARM = 902, list(range(930, 938))
WEEKLY_FUNDER, WEEKLY_FARM = 903, list(range(940, 948))


def _paid_together(w: World, payer: int, payees: list[int], at: pd.Timestamp) -> None:
    for i, payee in enumerate(payees):
        w.add("transfers", from_user_id=payer, to_user_id=payee, ts=at + pd.Timedelta(minutes=i), amount_usd=500.0)


def _world() -> World:
    w = World()
    _crowd(w, random.Random(7))
    for group, (payer, payees, earlier_runs) in enumerate(
        (
            (TREASURY, CONTRIBUTORS, [150, 120, 90, 60, 30]),  # a monthly payroll
            (FUNDER, FARM, []),  # seeded once, for the campaign
            (TOPPED_UP_FUNDER, TOPPED_UP_FARM, [40]),  # seeded, then topped up
            (WEEKLY_FUNDER, WEEKLY_FARM, [10, 5]),  # paid on three days, but all within the campaign's run-up
        )
    ):
        claim = T0 + pd.Timedelta(days=1 + 2 * group, hours=1)  # each group claims on a day of its own
        w.user(payer, T0 - pd.Timedelta(days=400))
        for i, payee in enumerate(payees):
            w.user(payee, T0 - pd.Timedelta(days=200 + 23 * i))
            w.enroll(payee, claim + pd.Timedelta(minutes=i))
        for days_before in earlier_runs:
            _paid_together(w, payer, payees, claim - pd.Timedelta(days=days_before, hours=6))
        _paid_together(w, payer, payees, claim - pd.Timedelta(hours=6))
    return w


def test_a_source_that_paid_its_holders_for_months_links_nobody_and_a_farms_funder_does(engine):
    f = _participant_features(engine, _world())
    _assert_all_linked(f, FARM)
    _assert_all_linked(f, TOPPED_UP_FARM)
    _assert_all_linked(f, WEEKLY_FARM)
    contributors = f.loc[CONTRIBUTORS]
    assert contributors["personal_peers"].tolist() == [0] * len(CONTRIBUTORS), contributors["personal_peers"]
    assert (contributors["linked_lockstep_chance"] == 1.0).all(), contributors["linked_lockstep_chance"]


MERCHANT, REGULARS, NEWCOMERS = 904, list(range(950, 958)), [960, 961]


def test_a_merchant_paying_its_regulars_is_a_service_to_the_newcomers_it_also_pays(engine):
    """A P2P merchant has paid eight regulars for months (registered a year apart, with lives of
    their own) and pays two new customers on the campaign's eve. The regulars' standing relationship
    takes the merchant out of their keys, but the merchant is still a service: judged on all its
    holders, not on the two left, it links the newcomers to nobody."""
    w = World()
    _crowd(w, random.Random(7))
    w.user(MERCHANT, T0 - pd.Timedelta(days=600))
    claim = T0 + pd.Timedelta(days=3, hours=1)
    for i, regular in enumerate(REGULARS):
        w.user(regular, T0 - pd.Timedelta(days=100 + 45 * i))
        for days_before in (150, 100, 55, 40, 25, 12):
            w.add(
                "transfers",
                from_user_id=MERCHANT,
                to_user_id=regular,
                ts=T0 - pd.Timedelta(days=days_before, hours=3 * i),
                amount_usd=100.0 + 37 * i,
            )
        w.enroll(regular, T0 + pd.Timedelta(days=1 + i, hours=5 + i))
    for i, newcomer in enumerate(NEWCOMERS):
        w.user(newcomer, claim - pd.Timedelta(days=1))
        _paid_together(w, MERCHANT, [newcomer], claim - pd.Timedelta(hours=6, minutes=-i))
        w.enroll(newcomer, claim + pd.Timedelta(minutes=i))

    f = _participant_features(engine, w)

    assert f.loc[NEWCOMERS, "personal_peers"].tolist() == [0, 0], f.loc[NEWCOMERS, ["personal_peers"]]
    assert f.loc[REGULARS, "personal_peers"].tolist() == [0] * len(REGULARS)

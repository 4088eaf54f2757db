"""Fresh collectors: a money destination made for the campaign, paid by several participants.

A farm that warms its accounts up (a deposit and a trade in the weeks before) and cashes them out
one at a time, each on a day of its own, shows neither hollowness nor timing. Its collector does:
no one paid it or was paid by it before the campaign started. An OTC desk's address was paid
before the campaign, a merchant's account registered before it, and a couple's new shared wallet
has two payers, not five. A farm whose collector is an internal account registered during the
campaign is caught the same way. An address the participants paid only before enrolling is no
cash-out of theirs.
"""

from __future__ import annotations

import pandas as pd

from tests.test_default_packs import _listed
from tests.test_features import T0, World, _participant_features
from tests.test_key_spread import _withdraw

FARM = list(range(100, 106))
DESK_CUSTOMERS = list(range(200, 206))
MERCHANT, MERCHANT_CUSTOMERS = 300, list(range(301, 307))
INTERNAL_COLLECTOR, INTERNAL_FARM = 400, list(range(401, 407))
COUPLE = [500, 501]
EARLY_PAYERS = list(range(600, 606))


def _warmed_up(w: World, user_id: int, enrolled_at: pd.Timestamp) -> None:
    """An account registered months ago with a life of its own: a deposit and a trade on each of
    four days in the weeks before it enrolled."""
    w.user(user_id, T0 - pd.Timedelta(days=150 + 7 * (user_id % 10)))
    for days_before in (40, 30, 20, 10):
        ts = enrolled_at - pd.Timedelta(days=days_before, hours=user_id % 7)
        w.add("deposits", user_id=user_id, from_address=f"own-{user_id}", ts=ts, amount_usd=50.0 + user_id % 13)
        w.add("trades", user_id=user_id, ts=ts + pd.Timedelta(hours=1), side="buy", notional_usd=40.0)
    w.enroll(user_id, enrolled_at)


def _own_day(i: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(days=i, hours=3 + 2 * i)


def _cash_out(w: World, user_id: int, address: str, ts: pd.Timestamp) -> None:
    _withdraw(w, user_id, address, ts, 200.0 + 17 * (user_id % 9))


def _world() -> World:
    w = World()
    for i, user_id in enumerate(FARM):
        _warmed_up(w, user_id, _own_day(i))
        _cash_out(w, user_id, "farm-collector", _own_day(i) + pd.Timedelta(hours=5))
    w.user(999, T0 - pd.Timedelta(days=300))  # a non-participant who used the desk long before
    _cash_out(w, 999, "otc-desk", T0 - pd.Timedelta(days=90))
    for i, user_id in enumerate(DESK_CUSTOMERS):
        _warmed_up(w, user_id, _own_day(i))
        _cash_out(w, user_id, "otc-desk", _own_day(i) + pd.Timedelta(hours=5))
    w.user(MERCHANT, T0 - pd.Timedelta(days=200))
    w.user(INTERNAL_COLLECTOR, T0 + pd.Timedelta(days=1))  # an account made during the campaign
    for payee, payers in ((MERCHANT, MERCHANT_CUSTOMERS), (INTERNAL_COLLECTOR, INTERNAL_FARM)):
        for i, user_id in enumerate(payers):
            _warmed_up(w, user_id, _own_day(i))
            w.add(
                "transfers",
                from_user_id=user_id,
                to_user_id=payee,
                ts=_own_day(i) + pd.Timedelta(hours=6),
                amount_usd=150.0 + user_id % 11,
            )
    for i, user_id in enumerate(COUPLE):
        _warmed_up(w, user_id, _own_day(i))
        _cash_out(w, user_id, "couple-new-wallet", _own_day(i) + pd.Timedelta(hours=8))
    for i, user_id in enumerate(EARLY_PAYERS):  # paid a fresh address, but before they enrolled
        _warmed_up(w, user_id, _own_day(i + 2))
        _cash_out(w, user_id, "paid-before-enrolling", _own_day(i + 2) - pd.Timedelta(hours=2))
    return w


def test_a_collector_made_for_the_campaign_counts_its_payers_and_a_service_does_not(engine):
    f = _participant_features(engine, _world())
    peers = f["fresh_collector_peers"]
    assert peers.loc[FARM].tolist() == [5] * 6
    assert peers.loc[INTERNAL_FARM].tolist() == [5] * 6
    assert peers.loc[COUPLE].tolist() == [1, 1]
    for honest in (DESK_CUSTOMERS, MERCHANT_CUSTOMERS, EARLY_PAYERS):
        assert peers.loc[honest].tolist() == [0] * 6, honest
    # the farm is warmed up and staggered: nothing else about it stands out
    assert (f.loc[FARM, "active_days_before_enroll"] >= 3).all()


def test_the_default_packs_list_a_fresh_collectors_payers_and_not_a_couple(engine):
    listed = _listed(
        engine,
        {
            1: {"fresh_collector_peers": 5, "active_days_before_enroll": 4},  # one of the farm's six
            2: {"fresh_collector_peers": 1, "active_days_before_enroll": 4},  # half of the couple
        },
    )
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)

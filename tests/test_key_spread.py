"""Coordination over days: the holders of one money key bunching in time and amount.

A farm staggers its accounts over a couple of days (so no two act within the same hour) but
still funds them from one source, in near-equal amounts, within a window far narrower than the
campaign's own spread. A P2P merchant's new customers share a source too, but come on their own
days with their own amounts; an OTC desk's customers registered years apart and have lives of
their own, so its address is a service and links nobody. A farm that warms its accounts up (a few
small trades in the weeks before enrolling) has lives of a sort, but accounts made together:
its funder is judged by how its holders bunch, like any farm's.
"""

from __future__ import annotations

import random

import pandas as pd

from tests.test_features import T0, World, _participant_features

FARM = list(range(100, 108))
MERCHANT_CUSTOMERS = list(range(200, 208))
DESK_CUSTOMERS = list(range(300, 308))
WARMED_FARM = list(range(700, 708))
CROWD = list(range(1000, 1080))


def _deposit(w: World, user_id: int, source: str, ts, amount: float) -> None:
    w.add("deposits", user_id=user_id, from_address=source, ts=ts, amount_usd=round(amount, 2))


def _withdraw(w: World, user_id: int, address: str, ts, amount: float) -> None:
    w.add("withdrawals", user_id=user_id, to_address=address, ts=ts, amount_usd=round(amount, 2))


def _on_their_own_days(i: int, n: int, stride: int) -> pd.Timestamp:
    """When the i-th of n accounts enrolled: each on a day of its own, evenly over the campaign's first
    nine days, in an order (stride coprime with n) that is not the accounts' own."""
    return T0 + pd.Timedelta(hours=(i * stride % n + 0.5) * (9 * 24 - 4) / n)


def _assert_all_linked(f: pd.DataFrame, users: list[int]) -> None:
    """Every one of ``users`` is a personal peer of all the others."""
    accounts = f.loc[users]
    assert accounts["personal_peers"].tolist() == [len(users) - 1] * len(users), accounts[
        ["personal_peers", "key_spread_kind", "key_spread_chance"]
    ]


def _crowd(w: World, rng: random.Random) -> None:
    """The campaign's own spread: accounts registered any time in the last year, enrolled any day of
    the campaign's first nine, with amounts of their own."""
    for user_id in CROWD:
        enrolled = T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(days=rng.uniform(20, 400)))
        for ts, amount in (
            (enrolled - pd.Timedelta(days=30), rng.uniform(20, 2000)),
            (enrolled + pd.Timedelta(hours=2), rng.lognormvariate(5, 1.2)),
        ):
            _deposit(w, user_id, f"own-{user_id}", ts, amount)
        w.enroll(user_id, enrolled)


def _world() -> World:
    rng = random.Random(7)
    w = World()
    _crowd(w, rng)
    for i, user_id in enumerate(FARM):  # hollow, about three hours apart over a day, ~50 USD each
        enrolled = T0 + pd.Timedelta(days=3, hours=3 * i + rng.uniform(0, 1))
        w.user(user_id, enrolled - pd.Timedelta(days=2, hours=3 * i))
        _deposit(w, user_id, "farm-funder", enrolled + pd.Timedelta(hours=1.5), 50 + rng.uniform(-0.5, 0.5))
        w.enroll(user_id, enrolled)
    for user_id in MERCHANT_CUSTOMERS:  # hollow too, but their own days and amounts
        enrolled = T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(hours=rng.uniform(1, 48)))
        _deposit(w, user_id, "p2p-merchant", enrolled + pd.Timedelta(hours=1), rng.lognormvariate(5, 1.2))
        w.enroll(user_id, enrolled)
    for i, user_id in enumerate(DESK_CUSTOMERS):  # bunched like the farm, but registered years apart and trading
        enrolled = T0 + pd.Timedelta(days=6, hours=3 * i)
        w.user(user_id, T0 - pd.Timedelta(days=100 + 120 * i))
        _trade_on(w, user_id, [enrolled - pd.Timedelta(days=day) for day in range(5, 60, 7)])
        _deposit(w, user_id, "otc-desk", enrolled + pd.Timedelta(hours=1), 50 + rng.uniform(-0.5, 0.5))
        w.enroll(user_id, enrolled)
    for i, user_id in enumerate(WARMED_FARM):  # made one evening, a trade on each of four days, then the farm's run
        enrolled = T0 + pd.Timedelta(days=7, hours=3 * i + rng.uniform(0, 1))
        w.user(user_id, T0 - pd.Timedelta(days=30, minutes=-9 * i))
        _trade_on(w, user_id, [T0 - pd.Timedelta(days=day, hours=i) for day in (25, 20, 15, 10)])
        _deposit(w, user_id, "warm-farm-funder", enrolled + pd.Timedelta(hours=1.5), 40 + rng.uniform(-0.4, 0.4))
        w.enroll(user_id, enrolled)
    return w


def _trade_on(w: World, user_id: int, times) -> None:
    for ts in times:
        w.add("trades", user_id=user_id, ts=ts, side="buy", price=60000.0, quantity=0.001, notional_usd=60.0)


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
    assert (desk["personal_peers"] == 0).all()


def test_a_warmed_up_farm_is_no_service(engine):
    """Four active days each: not hollow, so most holders of the funder 'have lives'. But the accounts
    were made within an hour of each other, and their funding bunches: the funder links them."""
    f = _participant_features(engine, _world())
    farm = f.loc[WARMED_FARM]
    assert (farm["active_days_before_enroll"] == 4).all()
    assert farm["personal_peers"].tolist() == [len(WARMED_FARM) - 1] * len(WARMED_FARM)
    assert farm["personal_peer_hollow_share"].tolist() == [0.0] * len(WARMED_FARM)


def test_a_regional_edition_runs_on_its_own_calendar(engine):
    """A merchant whose customers all joined the regional edition, which opened six days after the
    main one, does not bunch: they came on the edition's own days, spread over all of them."""
    rng = random.Random(11)
    w = World()
    edition_start = T0 + pd.Timedelta(days=6)
    w.add(
        "campaigns",
        campaign_id="promo-1-id",
        name="Promo ID",
        kind="airdrop",
        starts_at=edition_start,
        ends_at=edition_start + pd.Timedelta(days=14),
    )
    _crowd(w, rng)  # the main edition's crowd, all nine days
    for user_id in range(2000, 2030):  # the regional edition's crowd, its three days so far
        enrolled = edition_start + pd.Timedelta(hours=rng.uniform(1, 3 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(days=rng.uniform(20, 400)))
        _deposit(w, user_id, f"own-{user_id}", enrolled + pd.Timedelta(hours=2), rng.lognormvariate(5, 1.2))
        w.add("enrollments", campaign_id="promo-1-id", user_id=user_id, enrolled_at=enrolled)
    customers = list(range(400, 412))
    for user_id in customers:  # the merchant's customers: old accounts, the edition's days, their own amounts
        enrolled = edition_start + pd.Timedelta(hours=rng.uniform(1, 3 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(days=rng.uniform(20, 400)))
        _deposit(w, user_id, "id-merchant", enrolled + pd.Timedelta(hours=1), rng.lognormvariate(5, 1.2))
        w.add("enrollments", campaign_id="promo-1-id", user_id=user_id, enrolled_at=enrolled)
    w.enroll(customers[0], edition_start + pd.Timedelta(hours=5))  # one of them joined the main edition too
    f = _participant_features(engine, w)
    assert f.loc[customers[0], "key_spread_holders"] == len(customers)
    judged = f.loc[customers[0], ["key_spread_chance", "key_spread_kind"]]
    # on the campaigns' joint calendar their funding times would bunch (chance about 0.2); on the
    # edition's own, no time of theirs does
    assert not any(action in judged["key_spread_kind"] for action in ("enrolled", "funded", "traded")), judged
    assert judged["key_spread_chance"] > 0.5, judged


def test_personal_peers_count_a_phone_rack_and_a_household(engine):
    w = World()
    _crowd(w, random.Random(5))
    rack, household = list(range(500, 506)), [600, 601, 602]
    for i, user_id in enumerate(rack):  # six fresh accounts made on one phone one evening, enrolled one morning
        w.user(user_id, T0 - pd.Timedelta(days=3, minutes=-7 * i), registration_device_id="rack-phone")
        w.enroll(user_id, T0 + pd.Timedelta(days=1, hours=i))
    for i, user_id in enumerate(household):  # a family's shared tablet, each with years of trading
        w.user(user_id, T0 - pd.Timedelta(days=900 + 100 * i), registration_device_id="family-tablet")
        for day in range(5, 60, 6):
            w.add("trades", user_id=user_id, ts=T0 - pd.Timedelta(days=day), side="buy", notional_usd=40.0)
        w.enroll(user_id, T0 + pd.Timedelta(days=2 + 3 * i))
    f = _participant_features(engine, w)
    assert f.loc[rack, "personal_peers"].tolist() == [5] * 6
    assert f.loc[rack, "personal_peer_hollow_share"].tolist() == [1.0] * 6
    assert f.loc[household, "personal_peers"].tolist() == [2] * 3
    assert f.loc[household, "personal_peer_hollow_share"].tolist() == [0.0] * 3


def test_a_faucet_whose_farm_users_cash_out_together_links_nobody(engine):
    """A gas faucet paid sixteen hollow accounts on their own days. Eight of them are a farm's, and cash
    out within three hours in equal amounts; nothing else about the faucet's users bunches. Their
    cash-out's time and amount are one act, so the faucet is judged to bunch on one thing, like a crowd
    brought by one event: it links nobody, and the ten who merely used the faucet are not the farm's
    peers. (Before, time and amount counted as two things and the faucet linked all sixteen.)"""
    rng = random.Random(3)
    w = World()
    _crowd(w, rng)
    for user_id in range(3000, 3300):  # a larger campaign than the other tests', cashing out on its own days
        enrolled = T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4))
        w.user(user_id, enrolled - pd.Timedelta(days=rng.uniform(20, 400)))
        _deposit(w, user_id, f"own-{user_id}", enrolled - pd.Timedelta(days=30), rng.uniform(20, 2000))
        w.enroll(user_id, enrolled)
    for user_id in [*CROWD, *range(3000, 3300)]:  # the campaign's own cash-outs: any day, their own amounts
        _withdraw(
            w,
            user_id,
            f"own-out-{user_id}",
            T0 + pd.Timedelta(hours=rng.uniform(1, 9 * 24 - 4)),
            rng.lognormvariate(5, 1.2),
        )
    faucet_users, farm = list(range(800, 816)), list(range(808, 816))
    for i, user_id in enumerate(faucet_users):  # gas weeks ago, then money of their own, evenly over the days
        enrolled = _on_their_own_days(i, len(faucet_users), stride=7)
        w.user(user_id, enrolled - pd.Timedelta(days=40 + 22 * i))
        _deposit(w, user_id, "gas-faucet", enrolled - pd.Timedelta(days=rng.uniform(31, 39)), 2.0)
        _deposit(w, user_id, f"own-{user_id}", enrolled - pd.Timedelta(days=30), rng.uniform(20, 2000))
        w.enroll(user_id, enrolled)
    for i, user_id in enumerate(farm):
        _withdraw(
            w,
            user_id,
            f"farm-out-{user_id}",
            T0 + pd.Timedelta(days=7, minutes=45 * i),
            120.0 * rng.uniform(0.85, 1.15),
        )
    f = _participant_features(engine, w)
    users = f.loc[faucet_users]
    assert users["key_spread_kind"].str.startswith("source:").all()  # judged ...
    assert (users["key_spread_chance"] > 0.01).all(), users[["key_spread_chance", "key_spread_kind"]]  # ... cleared
    assert (users["personal_peers"] == 0).all()


def test_a_funder_paying_on_one_evening_links_accounts_that_enrolled_on_their_own_days(engine):
    """A farm's accounts registered and enrolled on their own days, but one funder paid all eight within
    three hours, about 75 USD each. When and how much a funder pays are two choices of one hand (unlike a
    cash-out's time and amount, which a faucet's users make on their own), so the funder bunches on two
    things and links them."""
    rng = random.Random(5)
    w = World()
    _crowd(w, rng)
    farm = list(range(900, 908))
    for i, user_id in enumerate(farm):
        enrolled = _on_their_own_days(i, len(farm), stride=3)
        w.user(user_id, enrolled - pd.Timedelta(days=30 + 41 * i))
        _deposit(
            w, user_id, "evening-funder", T0 + pd.Timedelta(days=9, minutes=-20 * i - 60), 75 + rng.uniform(-0.5, 0.5)
        )
        w.enroll(user_id, enrolled)
    f = _participant_features(engine, w)
    accounts = f.loc[farm]
    assert accounts["key_spread_kind"].str.startswith("source:").all(), accounts["key_spread_kind"]
    assert (accounts["key_spread_chance"] <= 0.01).all(), accounts[["key_spread_chance", "key_spread_kind"]]
    _assert_all_linked(f, farm)


def test_a_ring_funded_together_links_through_the_address_it_cashes_out_to(engine):
    """Eight hollow accounts that joined on their own days, each funded from an address of its own
    within two hours in equal amounts, all cash out to one address on their own days. Every holder of
    that address was funded, so when and how much they were funded are two things the address's
    holders did together (unlike a faucet's few farm users among many), and the address links them."""
    rng = random.Random(17)
    w = World()
    _crowd(w, rng)
    ring = list(range(1300, 1308))
    for i, user_id in enumerate(ring):
        enrolled = _on_their_own_days(i, len(ring), stride=5)
        w.user(user_id, enrolled - pd.Timedelta(hours=2))
        _deposit(
            w, user_id, f"ring-source-{i}", T0 + pd.Timedelta(days=8, minutes=15 * i), 100 + rng.uniform(-0.3, 0.3)
        )
        w.enroll(user_id, enrolled)
        _withdraw(
            w, user_id, "ring-master", T0 + pd.Timedelta(days=8, hours=3 + rng.uniform(0, 20)), rng.uniform(20, 95)
        )
    _assert_all_linked(_participant_features(engine, w), ring)


def test_a_phone_shared_by_seven_links_them_when_three_are_funded_together(engine):
    """Seven hollow accounts on one phone, joined on their own days; three of them so far were funded
    within the hour in equal amounts. A phone is one hand's, not a service: its holders' funding time
    and amount are two things they did together, however few of them have been funded yet."""
    rng = random.Random(19)
    w = World()
    _crowd(w, rng)
    phone = list(range(1400, 1407))
    for i, user_id in enumerate(phone):
        enrolled = _on_their_own_days(i, len(phone), stride=3)
        w.user(user_id, enrolled - pd.Timedelta(hours=1), registration_device_id="ring-phone")
        if i < 3:
            _deposit(
                w, user_id, f"ring-source-{i}", T0 + pd.Timedelta(days=8, minutes=20 * i), 60 + rng.uniform(-0.2, 0.2)
            )
        w.enroll(user_id, enrolled)
    _assert_all_linked(_participant_features(engine, w), phone)

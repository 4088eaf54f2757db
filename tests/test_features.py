"""Individual features on tiny hand-made worlds, on DuckDB and PostgreSQL alike.

Each test builds the few source rows that make one behaviour visible (a farm's burst of
sign-ups, a hot wallet, a login timer, a referral chain, a wash trade) next to an honest
look-alike, runs the real feature SQL for one day and checks the values an analyst would
read in risk.user_features / risk.participant_features.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from riskflows.account_clusters import build_account_clusters
from riskflows.account_links import build_account_links
from riskflows.output_tables import create_output_tables
from riskflows.participant_features import build_participant_features
from riskflows.quarantine import check_source_contract
from riskflows.source_contract import SOURCE_TABLES
from riskflows.user_features import build_user_features
from riskflows.warehouse import read_frame
from tests.source_tables import write_source

DAY = "2024-05-10"
T0 = pd.Timestamp("2024-05-01 00:00")  # campaign start
CAMPAIGN = "promo-1"
_ids = itertools.count(1)


class World:
    """Rows per source table; every contract column present, NULL where a row says nothing."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {name: [] for name in SOURCE_TABLES}
        self.add(
            "campaigns",
            campaign_id=CAMPAIGN,
            name="Promo",
            kind="airdrop",
            starts_at=T0,
            ends_at=T0 + pd.Timedelta(days=20),
        )

    def add(self, table: str, **row) -> None:
        if table in ("logins", "rewards", "deposits", "withdrawals", "trades", "transfers"):
            row.setdefault(f"{table[:-1]}_id" if table != "logins" else "login_id", f"{table}-{next(_ids)}")
        if table in ("deposits", "withdrawals", "transfers", "trades"):
            row.setdefault("asset" if table != "trades" else "symbol", "USDT" if table != "trades" else "BTCUSDT")
        self.rows[table].append(row)

    def user(self, user_id: int, registered_at, **row) -> None:
        self.add(
            "users",
            user_id=user_id,
            registered_at=pd.Timestamp(registered_at),
            kyc_level=row.pop("kyc_level", 1),
            **row,
        )

    def enroll(self, user_id: int, at=None, **row) -> None:
        at = T0 + pd.Timedelta(hours=1) if at is None else at
        self.add("enrollments", campaign_id=CAMPAIGN, user_id=user_id, enrolled_at=pd.Timestamp(at), **row)

    def frames(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name, table in SOURCE_TABLES.items():
            frame = pd.DataFrame(self.rows[name], columns=table.columns)
            out[name] = frame.astype({c: "object" for c in frame.columns if frame[c].isna().all()})
        return out


def _user_features(engine, world: World) -> pd.DataFrame:
    write_source(engine, world.frames(), only=False)
    create_output_tables(engine)
    check_source_contract(engine, DAY)  # the features read the duplicates it records
    build_account_links(engine, DAY)  # user features read the day's links
    build_user_features(engine, DAY)
    with engine.connect() as conn:
        return read_frame(conn, "SELECT * FROM risk.user_features WHERE date = :d", {"d": DAY}).set_index("user_id")


def _participant_features(engine, world: World) -> pd.DataFrame:
    _user_features(engine, world)
    build_account_clusters(engine, DAY)
    build_participant_features(engine, DAY, CAMPAIGN)
    with engine.connect() as conn:
        return read_frame(
            conn,
            "SELECT * FROM risk.participant_features WHERE date = :d AND campaign_id = :c",
            {"d": DAY, "c": CAMPAIGN},
        ).set_index("user_id")


def test_burst_peers_count_accounts_sharing_a_device_created_within_two_days(engine):
    w = World()
    for i, user_id in enumerate((1, 2, 3)):  # a farm: one phone, three sign-ups an hour apart
        w.user(user_id, T0 - pd.Timedelta(days=5) + pd.Timedelta(hours=i), registration_device_id="phone-A")
    w.user(4, T0 - pd.Timedelta(days=400), registration_device_id="phone-A")  # the phone's old owner
    w.user(5, T0 - pd.Timedelta(days=5), registration_device_id="phone-B")  # alone on its phone
    for user_id in (1, 2, 3, 4, 5):
        w.enroll(user_id)
    f = _user_features(engine, w)
    assert f.loc[[1, 2, 3], "burst_device_peers"].tolist() == [2, 2, 2]
    assert f.loc[4, "burst_device_peers"] == 0  # shares the device, but was created long before
    assert f.loc[5, "burst_device_peers"] == 0
    assert f.loc[1, "accounts_per_device"] == 4 and f.loc[5, "accounts_per_device"] == 1


def test_a_deposit_source_shared_by_customers_created_years_apart_is_a_hub(engine):
    w = World()
    hot, farm_wallet = "0xhotwallet", "0xfarmwallet"
    for i in range(30):  # another exchange's hot wallet: customers registered over four years
        user_id = 100 + i
        w.user(user_id, T0 - pd.Timedelta(days=50 * i + 10))
        w.add("deposits", user_id=user_id, ts=T0 + pd.Timedelta(hours=i), amount_usd=50.0, from_address=hot)
        w.enroll(user_id)
    for i in range(30):  # a farm's wallet: thirty accounts registered the same day
        user_id = 200 + i
        w.user(user_id, T0 - pd.Timedelta(days=3, minutes=i))
        w.add("deposits", user_id=user_id, ts=T0 + pd.Timedelta(hours=i), amount_usd=50.0, from_address=farm_wallet)
        w.enroll(user_id)
    f = _user_features(engine, w)
    assert f.loc[100, "accounts_per_deposit_source"] == 1  # hub: links nobody
    assert f.loc[200, "accounts_per_deposit_source"] == 30
    assert f.loc[200, "burst_device_peers"] == 29  # deposit sources count as device-grade evidence


def _money_star_world() -> World:
    """Funder 1 pays five participants, who sweep to collector 2; address X also pays 40 outsiders."""
    w = World()
    w.user(1, T0 - pd.Timedelta(days=300))
    w.user(2, T0 - pd.Timedelta(days=300))
    farm = [10, 11, 12, 13, 14]
    for user_id in farm:
        w.user(user_id, T0 - pd.Timedelta(days=100 + user_id))
        w.enroll(user_id)
        w.add("transfers", from_user_id=1, to_user_id=user_id, ts=T0, amount_usd=60.0)
        w.add(
            "rewards",
            campaign_id=CAMPAIGN,
            user_id=user_id,
            granted_at=T0 + pd.Timedelta(days=1),
            amount_usd=10.0,
            status="paid",
        )
        w.add("transfers", from_user_id=user_id, to_user_id=2, ts=T0 + pd.Timedelta(days=1, hours=3), amount_usd=68.0)
    w.add("transfers", from_user_id=1, to_user_id=3, ts=T0, amount_usd=60.0)  # one non-participant funded too
    w.user(3, T0 - pd.Timedelta(days=90))
    # A popular address (another exchange) that paid 4 participants and 40 other customers.
    for i in range(44):
        user_id = 500 + i
        w.user(user_id, T0 - pd.Timedelta(days=10 + 20 * i))
        w.add("deposits", user_id=user_id, ts=T0 + pd.Timedelta(hours=2), amount_usd=80.0, from_address="0xpopular")
        if i < 4:
            w.enroll(user_id)
    return w


def test_funder_and_collector_stars(engine):
    f = _participant_features(engine, _money_star_world())
    farm = [10, 11, 12, 13, 14]
    assert f.loc[farm, "funder_fanout"].tolist() == [6] * 5  # user feature: funder 1 paid six accounts
    assert f.loc[farm, "collector_fanin"].tolist() == [5] * 5
    assert f.loc[farm, "funder_campaign_fanout"].tolist() == [5] * 5  # five of its six accounts joined
    assert f.loc[farm, "collector_campaign_fanin"].tolist() == [5] * 5
    # Four participants share the popular address, but it mostly pays outsiders: not the campaign's own.
    assert f.loc[[500, 501, 502, 503], "funder_campaign_fanout"].tolist() == [0] * 4
    assert f.loc[farm, "cluster_cash_out_share"].tolist() == [1.0] * 5
    assert f.loc[500, "cluster_cash_out_share"] == 0.0


def test_a_money_loop_runs_through_a_funder_and_a_collector_not_through_a_payment(engine):
    """The farm's five share funder 1 and collector 2: each has four loop peers. Participant 20 paid
    participants 21 and 22 (a gift, a split bill): one payment makes payer and payee share the
    payer's outflow and the payee's inflow, which is no loop."""
    w = _money_star_world()
    for user_id in (20, 21, 22):
        w.user(user_id, T0 - pd.Timedelta(days=200))
        w.enroll(user_id)
    for payee in (21, 22):
        w.add("transfers", from_user_id=20, to_user_id=payee, ts=T0 + pd.Timedelta(hours=5), amount_usd=25.0)
    f = _participant_features(engine, w)
    assert f.loc[[10, 11, 12, 13, 14], "money_loop_peers"].tolist() == [4] * 5
    assert f.loc[[20, 21, 22], "money_loop_peers"].tolist() == [0] * 3
    assert f.loc[[20, 21, 22], "personal_peers"].tolist() == [2] * 3  # still linked, for the lockstep test


@pytest.mark.parametrize(
    "kind, starts, expected",
    [
        ("airdrop", T0 + pd.Timedelta(days=2), 6),  # a regional edition of the same airdrop
        ("deposit_bonus", T0 + pd.Timedelta(days=2), 3),  # a different promotion at the same time
        ("airdrop", T0 - pd.Timedelta(days=60), 3),  # the same kind, but over before this one began
    ],
)
def test_a_farm_split_over_a_sister_campaign_is_still_one_farm(engine, kind, starts, expected):
    w = World()
    w.add(
        "campaigns",
        campaign_id="promo-1-apac",
        name="Promo APAC",
        kind=kind,
        starts_at=starts,
        ends_at=starts + pd.Timedelta(days=20),
    )
    w.user(1, T0 - pd.Timedelta(days=300))
    for i, user_id in enumerate([10, 11, 12, 20, 21, 22]):  # one funder, half the farm in each campaign
        w.user(user_id, T0 - pd.Timedelta(days=100 + user_id))
        w.add("transfers", from_user_id=1, to_user_id=user_id, ts=T0, amount_usd=60.0)
        if i < 3:
            w.enroll(user_id)
        else:
            w.add(
                "enrollments", campaign_id="promo-1-apac", user_id=user_id, enrolled_at=starts + pd.Timedelta(hours=1)
            )
    f = _participant_features(engine, w)
    assert sorted(f.index) == [10, 11, 12]  # the participants stay this campaign's own
    assert f.loc[[10, 11, 12], "funder_campaign_fanout"].tolist() == [expected] * 3
    assert f.loc[[10, 11, 12], "cluster_participants"].tolist() == [expected] * 3


def test_payment_regularity_spots_a_bridging_bot_and_not_a_person_or_a_short_history(engine):
    w = World()
    day_end = pd.Timestamp(DAY) + pd.Timedelta(days=1)
    for user_id in (1, 2, 3, 4):
        w.user(user_id, T0 - pd.Timedelta(days=200))
        w.enroll(user_id)
    w.user(9, T0 - pd.Timedelta(days=200))  # the bridge / the recipient
    # a bot bridging every 12 hours, a few seconds late or early; an old payment outside the 30 days does not count
    w.add("transfers", from_user_id=1, to_user_id=9, ts=day_end - pd.Timedelta(days=90), amount_usd=5.0)
    for k, jitter in enumerate([0, 4, -3, 2, -1, 3, 0, -2]):
        ts = day_end - pd.Timedelta(hours=12 * (k + 1), seconds=jitter)
        w.add("transfers", from_user_id=1, to_user_id=9, ts=ts, amount_usd=5.0)
    # a person: withdrawals and payments when needed
    t = day_end - pd.Timedelta(days=25)
    for k, gap in enumerate([1, 30, 2, 50, 9, 70, 3]):
        t = t + pd.Timedelta(hours=gap)
        if k % 2:
            w.add("withdrawals", user_id=2, ts=t, amount_usd=40.0, to_address="0xbank")
        else:
            w.add("transfers", from_user_id=2, to_user_id=9, ts=t, amount_usd=12.0)
    # six regular payments are too few to call a schedule (a person's five gaps can look this regular by
    # chance); money coming in is no payment out
    for k in range(6):
        w.add("transfers", from_user_id=3, to_user_id=9, ts=day_end - pd.Timedelta(hours=12 * (k + 1)), amount_usd=5.0)
    for k in range(8):
        w.add("transfers", from_user_id=9, to_user_id=4, ts=day_end - pd.Timedelta(hours=12 * (k + 1)), amount_usd=5.0)
    f = _user_features(engine, w)
    assert f.loc[1, "money_out_gap_cv"] < 0.01
    assert f.loc[2, "money_out_gap_cv"] > 0.5
    assert pd.isna(f.loc[3, "money_out_gap_cv"]) and pd.isna(f.loc[4, "money_out_gap_cv"])


def test_login_regularity_survives_an_old_sign_up_and_spots_fresh_fingerprints(engine):
    w = World()
    w.user(1, T0 - pd.Timedelta(days=200))  # an aged bot account: sign-up long ago, then a timer
    w.add("logins", user_id=1, ts=T0 - pd.Timedelta(days=200), device_id="d-signup", ip="1.2.3.4")
    jitter = [0, 3, -2, 4, -1, 2, -3, 1]
    for k in range(40):
        w.add(
            "logins",
            user_id=1,
            ts=T0 + pd.Timedelta(hours=6 * k, minutes=jitter[k % 8]),
            device_id=f"spoof-{k}",
            ip="45.1.2.3",
        )
    w.user(2, T0 - pd.Timedelta(days=200))  # a person: irregular sessions on one or two devices
    gaps_hours = [1, 30, 2, 50, 9, 70, 3, 20, 40, 5]  # all inside the day evaluated
    t = T0
    for k, gap in enumerate(gaps_hours):
        t = t + pd.Timedelta(hours=gap)
        w.add("logins", user_id=2, ts=t, device_id="phone" if k % 3 else "laptop", ip="81.2.3.4")
    for user_id in (1, 2):
        w.enroll(user_id)
    f = _user_features(engine, w)
    assert f.loc[1, "login_gap_cv"] < 0.05
    assert f.loc[2, "login_gap_cv"] > 0.5
    assert f.loc[1, "login_count"] == 41 and f.loc[1, "device_churn"] == pytest.approx(41 / 41)
    assert f.loc[2, "device_churn"] == pytest.approx(2 / 10)


def test_referral_depth_and_campaign_referral_chain(engine):
    w = World()
    w.user(1, T0 - pd.Timedelta(days=300))  # root, not in the campaign
    w.user(2, T0 - pd.Timedelta(days=3), referrer_id=1)
    w.user(3, T0 - pd.Timedelta(days=2), referrer_id=2)
    w.user(4, T0 - pd.Timedelta(days=1), referrer_id=3)
    w.user(5, T0 - pd.Timedelta(days=1), referrer_id=2)
    for user_id, referrer in ((2, 1), (3, 2), (4, 3), (5, 2)):
        w.enroll(user_id, referrer_id=referrer)
    w.user(20, T0 - pd.Timedelta(days=300))  # an influencer and two real referees
    w.user(21, T0 - pd.Timedelta(days=1), referrer_id=20)
    w.user(22, T0 - pd.Timedelta(days=1), referrer_id=20)
    w.enroll(20)
    w.enroll(21, referrer_id=20)
    w.enroll(22, referrer_id=20)
    f = _participant_features(engine, w)
    assert f.loc[4, "referral_depth"] == 3  # 3 <- 2 <- 1 above it
    assert f.loc[[2, 3, 4, 5], "campaign_referral_depth"].tolist() == [0, 1, 2, 1]
    assert f.loc[2, "referees"] == 2 and f.loc[2, "campaign_referees"] == 2
    assert f.loc[[2, 3, 4, 5], "cluster_referral_depth"].tolist() == [2, 2, 2, 2]
    assert f.loc[[20, 21, 22], "cluster_referral_depth"].tolist() == [1, 1, 1]


def test_campaign_counterparty_share_and_wash_trading_net_position(engine):
    w = World()
    for user_id in (1, 2, 3, 9):
        w.user(user_id, T0 - pd.Timedelta(days=100))
    for user_id in (1, 2, 3):
        w.enroll(user_id)

    def match(a, b, at, notional, a_side):
        b_side = "sell" if a_side == "buy" else "buy"
        w.add("trades", user_id=a, ts=at, side=a_side, notional_usd=notional, counterparty_user_id=b)
        w.add("trades", user_id=b, ts=at, side=b_side, notional_usd=notional, counterparty_user_id=a)

    for k in range(5):  # 1 and 2 trade back and forth: every buy unwound minutes later
        at = T0 + pd.Timedelta(hours=2 + k)
        match(1, 2, at, 1000.0, "buy")
        match(1, 2, at + pd.Timedelta(minutes=5), 1000.0, "sell")
    match(3, 9, T0 + pd.Timedelta(hours=3), 300.0, "buy")  # 3 buys from the market (9 did not join)
    match(3, 2, T0 + pd.Timedelta(hours=4), 100.0, "buy")  # and once from a participant
    match(1, 9, T0 - pd.Timedelta(days=2), 500.0, "buy")  # before the campaign: not counted in the share
    f = _participant_features(engine, w)
    assert f.loc[1, "campaign_counterparty_share"] == pytest.approx(1.0)
    assert f.loc[3, "campaign_counterparty_share"] == pytest.approx(100 / 400)
    assert f.loc[3, "net_position_ratio"] == pytest.approx(1.0)  # only bought
    assert f.loc[1, "net_position_ratio"] == pytest.approx(500 / 10500)  # flat but for the old buy
    assert f.loc[1, "top_counterparty_share"] == pytest.approx(10000 / 10500)


def test_a_duplicated_source_key_counts_once_in_the_features(engine):
    """The features read the duplicates the day's quarantine recorded: the extra copy is not counted."""
    w = World()
    w.user(1, T0 - pd.Timedelta(days=30))
    w.enroll(1)
    for k in range(3):
        w.add("logins", login_id=900 + k, user_id=1, ts=T0 + pd.Timedelta(hours=k), device_id="phone", ip="81.2.3.4")
    # login 900 arrives twice, the copy from another device (a replayed event)
    w.add("logins", login_id=900, user_id=1, ts=T0, device_id="tablet", ip="81.2.3.4")
    w.add("trades", trade_id=77, user_id=1, ts=T0 + pd.Timedelta(hours=5), side="buy", notional_usd=50.0)
    w.add("trades", trade_id=77, user_id=1, ts=T0 + pd.Timedelta(hours=5), side="buy", notional_usd=50.0)
    f = _user_features(engine, w)
    assert f.loc[1, "login_count"] == 3
    assert f.loc[1, "distinct_devices"] == 1  # the kept copy is the first by column order: "phone"
    assert f.loc[1, "trade_count"] == 1 and f.loc[1, "trade_volume_usd"] == pytest.approx(50.0)


def test_an_enrolment_recorded_twice_is_one_participant(engine):
    """A duplicated two-column key (campaign_id, user_id) is read back from the quarantine too."""
    w = World()
    for user_id in (1, 2):
        w.user(user_id, T0 - pd.Timedelta(days=30))
        w.enroll(user_id)
    w.enroll(1, at=T0 + pd.Timedelta(hours=5))  # the enrolment event replayed hours later
    f = _participant_features(engine, w)
    assert sorted(f.index) == [1, 2]
    assert f.loc[1, "enroll_delay_hours"] == pytest.approx(30 * 24 + 1)  # the first copy is kept

"""The default packs (rules/*.yaml) on hand-made participant rows, scored as the pipeline scores them.

A login script alone is a hobbyist's as often as a farm's, and a hollow crowd can gather by chance:
neither lists anyone. A script that idles and moves with a hollow crowd does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.high_risk import score_participants
from riskflows.output_tables import OUTPUT_TABLES, create_output_tables
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_packs import load_packs
from riskflows.rule_sql import compile_rule_hits, sql_dialect

RULES = Path(__file__).resolve().parent.parent / "rules"
DAY, CAMPAIGN = date(2026, 3, 10), "c1"

IDLE_SCRIPT = {"login_count": 45, "login_gap_cv": 0.2, "trade_count": 2, "active_days_before_enroll": 0}
HOLLOW_CROWD = {"lockstep_peers": 5, "lockstep_hollow_share": 1.0, "lockstep_chance": 1.0}
PARTICIPANTS = {
    1: {**IDLE_SCRIPT, **HOLLOW_CROWD},  # a farm's script among the farm's other accounts
    2: {**IDLE_SCRIPT, "lockstep_peers": 0},  # a hobbyist's script, on its own hours
    3: {**IDLE_SCRIPT, "lockstep_peers": 4, "lockstep_hollow_share": 0.4},  # a launch rush of real traders
    4: {"login_count": 45, "login_gap_cv": 0.2, "trade_count": 30, **HOLLOW_CROWD},  # a bot that trades
}


def _listed(engine: sa.Engine, participants: dict[int, dict] = PARTICIPANTS) -> dict[str, dict[int, str]]:
    """Every default pack's tier per listed participant, the rows written to the pipeline's own
    participant_features table (other features left NULL)."""
    create_output_tables(engine, [OUTPUT_TABLES["participant_features"]])
    with engine.begin() as conn:
        for user_id, values in participants.items():
            names = ", ".join(values)
            binds = ", ".join(f":{n}" for n in values)
            conn.execute(
                sa.text(
                    f'INSERT INTO {PARTICIPANT_FEATURES_TABLE} ("date", campaign_id, user_id, {names}) '
                    f"VALUES (:d, :c, :u, {binds})"
                ),
                {"d": DAY, "c": CAMPAIGN, "u": user_id, **values},
            )
    listed = {}
    for pack in load_packs(RULES, RULE_COLUMN_KINDS):
        sql = compile_rule_hits(pack, PARTICIPANT_FEATURES_TABLE, sql_dialect(engine.dialect.name))
        with engine.connect() as conn:
            rows = conn.execute(sa.text(sql), {"date": DAY, "campaign_id": CAMPAIGN}).all()
        hits = pd.DataFrame(rows, columns=["user_id", "rule_id", "evidence"])
        scored = score_participants(hits, pack)
        listed[pack.pack_id] = dict(zip(scored["user_id"].astype(int), scored["tier"]))
    return listed


def test_an_idle_script_moving_with_a_hollow_crowd_is_listed_and_either_alone_is_not(engine):
    listed = _listed(engine)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)


FRESH_BATCH = {  # a rack of phones: hollow accounts on shared devices, their whole cluster made in one week
    "personal_peers": 2,
    "personal_peer_hollow_share": 1.0,
    "cluster_participants": 6,
    "cluster_participant_share": 1.0,
    "cluster_registration_spread_days": 5.0,
    "cluster_hollow_share": 1.0,
    "active_days_before_enroll": 0,
}
LINKED_CLUSTERS = {
    1: FRESH_BATCH,
    2: {**FRESH_BATCH, "cluster_registration_spread_days": 900.0},  # a household: accounts made years apart
    3: {**FRESH_BATCH, "personal_peers": 0, "personal_peer_hollow_share": None},  # an influencer's audience
    4: {**FRESH_BATCH, "cluster_participant_share": 0.3},  # most of the cluster never joined
    5: {**FRESH_BATCH, "cluster_participants": 2},  # a couple who signed up together: too few to tell from chance
    6: {**FRESH_BATCH, "active_days_before_enroll": 9},  # a participant with a life of its own
}


def test_a_fresh_hollow_batch_of_linked_accounts_is_listed_and_an_older_or_looser_cluster_is_not(engine):
    listed = _listed(engine, LINKED_CLUSTERS)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)


ONE_HAND_PAIR = {  # two hollow accounts on one phone, funded and cashing out minutes apart
    "lockstep_peers": 1,
    "lockstep_signature": "funded,cashed_out,funded_minutes,cashed_out_minutes,fund_amount,device,network",
    "lockstep_hollow_share": 1.0,
    "active_days_before_enroll": 0,
}
LINKED_PAIRS = {
    1: ONE_HAND_PAIR,
    # strangers a faucet or an exchange paid in the same minutes: one source, no phone, no cash-out address
    2: {**ONE_HAND_PAIR, "lockstep_signature": "funded,cashed_out,funded_minutes,cashed_out_minutes,source"},
    # a family on one phone, cashing out the same evening: the same hour, not the same minutes
    3: {**ONE_HAND_PAIR, "lockstep_signature": "funded,cashed_out,device"},
    # registering is no step of its own (on chain an address is first seen when it is first funded)
    4: {
        **ONE_HAND_PAIR,
        "lockstep_signature": "registered,cashed_out,registered_minutes,cashed_out_minutes,destination",
    },
    5: {**ONE_HAND_PAIR, "active_days_before_enroll": 12},  # a life of its own
    6: {**ONE_HAND_PAIR, "lockstep_hollow_share": 0.5},  # its peer has a life of its own
    # funded, then claimed in a launch's first minutes: arriving together, moving nothing together
    7: {**ONE_HAND_PAIR, "lockstep_signature": "enrolled,funded,enrolled_minutes,funded_minutes,destination"},
}


def test_a_hollow_pair_on_one_phone_acting_minutes_apart_is_listed_and_strangers_or_a_family_are_not(engine):
    listed = _listed(engine, LINKED_PAIRS)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)


BOT_ON_SCHEDULE = {
    "money_out_gap_cv": 0.05,
    "lockstep_peers": 40,
    "lockstep_chance": 0.001,
    "active_days_before_enroll": 8,
}
SCHEDULED_PAYERS = {
    1: BOT_ON_SCHEDULE,  # a seasoned farm bot: its schedule, and a crowd moving with it
    2: {**BOT_ON_SCHEDULE, "lockstep_chance": 0.5},  # a savings plan or a market maker's rebalancer: alone
    3: {**BOT_ON_SCHEDULE, "money_out_gap_cv": 0.9},  # a person in a launch crowd, paying when needed
    4: {**BOT_ON_SCHEDULE, "money_out_gap_cv": None},  # too few payments to tell a schedule
}


def test_a_bot_paying_on_a_schedule_in_step_with_others_is_listed_and_a_lone_schedule_is_not(engine):
    listed = _listed(engine, SCHEDULED_PAYERS)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)


BATCH_MEMBER = {"batch_order_peers": 11, "batch_order_acts": "registered+enrolled", "active_days_before_enroll": 5}
BATCH_ORDERS = {
    1: {**BATCH_MEMBER, "batch_order_chance": 3e-7},  # a warmed-up farm's wallet, walked in its list's order
    2: {**BATCH_MEMBER, "batch_order_chance": 0.2},  # people who came in the same two hours, in any order
}


def test_a_wallet_walked_in_its_batch_order_is_listed_and_a_crowd_in_any_order_is_not(engine):
    listed = _listed(engine, BATCH_ORDERS)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)


BATCH_SIZED = {"batch_size_peers": 11, "batch_size_chance": 2e-6, "active_days_before_enroll": 1}
BATCH_SIZES = {
    1: BATCH_SIZED,  # a hollow wallet of a burst that enrolled together days later, in any order
    2: {**BATCH_SIZED, "batch_size_chance": 0.3},  # a launch's sign-ups in a hype hour: both hours were crowded
    3: {**BATCH_SIZED, "active_days_before_enroll": 9},  # a lived-in account sharing both hours
}


def test_a_hollow_wallet_moved_twice_with_one_batch_is_listed_and_a_crowd_or_a_life_is_not(engine):
    listed = _listed(engine, BATCH_SIZES)
    assert len(listed) >= 5, listed
    for pack_id, tiers in listed.items():
        assert tiers == {1: "review"}, (pack_id, tiers)

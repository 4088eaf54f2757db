"""Meridian: a regulated exchange for Europe and Latin America, one campaign season.

generate(path, seed, users, end) writes schema `src` (what the exchange stores) and schema
`synthetic` (the truth) into a new DuckDB file and returns row counts per table.
"""

from __future__ import annotations

import os

import duckdb

from . import _abuse, _finalize, _honest, _honest_campaigns
from ._world import World

DEFAULT_USERS = 30000

DDL = {
    "src.campaigns": "campaign_id VARCHAR, name VARCHAR, kind VARCHAR, starts_at TIMESTAMP, ends_at TIMESTAMP, "
    "reward_budget_usd DOUBLE, rule_pack VARCHAR",
    "src.users": "user_id BIGINT, registered_at TIMESTAMP, country VARCHAR, kyc_level INTEGER, referrer_id BIGINT, "
    "registration_ip VARCHAR, registration_device_id VARCHAR, email_domain VARCHAR",
    "src.logins": "login_id BIGINT, user_id BIGINT, ts TIMESTAMP, ip VARCHAR, device_id VARCHAR, user_agent VARCHAR",
    "src.enrollments": "campaign_id VARCHAR, user_id BIGINT, enrolled_at TIMESTAMP, referrer_id BIGINT",
    "src.rewards": "reward_id BIGINT, campaign_id VARCHAR, user_id BIGINT, granted_at TIMESTAMP, amount_usd DOUBLE, "
    "status VARCHAR",
    "src.deposits": "deposit_id BIGINT, user_id BIGINT, ts TIMESTAMP, asset VARCHAR, amount_usd DOUBLE, from_address VARCHAR",
    "src.withdrawals": "withdrawal_id BIGINT, user_id BIGINT, ts TIMESTAMP, asset VARCHAR, amount_usd DOUBLE, "
    "to_address VARCHAR",
    "src.trades": "trade_id BIGINT, user_id BIGINT, ts TIMESTAMP, symbol VARCHAR, side VARCHAR, notional_usd DOUBLE, "
    "counterparty_user_id BIGINT",
    "src.transfers": "transfer_id BIGINT, from_user_id BIGINT, to_user_id BIGINT, ts TIMESTAMP, asset VARCHAR, "
    "amount_usd DOUBLE",
    "src.reviews": "campaign_id VARCHAR, user_id BIGINT, reviewed_at TIMESTAMP, verdict VARCHAR, reviewer VARCHAR",
    "synthetic.labels": "campaign_id VARCHAR, user_id BIGINT, pattern VARCHAR",
    "synthetic.hard_negatives": '"group" VARCHAR, user_id BIGINT',
}


def build(seed: int = 1, users: int = DEFAULT_USERS, end: str | None = None) -> World:
    W = World(seed, users, end)
    ops = _abuse.plan_ops(W)
    n_abuse = sum(o["n"] for o in ops)
    if n_abuse > 0.2 * users:
        raise ValueError("too few users for this world")
    _honest.build_population(W, users - n_abuse)
    _honest_campaigns.social_registrations(W)
    _honest.base_history(W)
    _honest.social_money(W)
    _honest.machine_traders(W)
    _honest.copy_trading(W)
    _honest_campaigns.campaign_actions(W)
    _abuse.build_ops(W, ops)
    _finalize.build_logins(W)
    _finalize.clean_enrollments(W)
    _finalize.build_money(W)
    _finalize.build_trades(W)
    _finalize.campaign_rewards(W)
    _finalize.reviews(W)
    _finalize.truth(W)
    return W


def generate(path: str, seed: int = 1, users: int = DEFAULT_USERS, end: str | None = None) -> dict[str, int]:
    W = build(seed, users, end)
    tabs = _finalize.tables(W)
    if os.path.exists(path):
        os.remove(path)
    for ext in (".wal",):
        if os.path.exists(path + ext):
            os.remove(path + ext)
    con = duckdb.connect(path)
    try:
        con.execute("CREATE SCHEMA src; CREATE SCHEMA synthetic;")
        counts = {}
        for name, cols in DDL.items():
            con.execute(f"CREATE TABLE {name} ({cols})")
            df = tabs[name]
            con.register("_df", df)
            con.execute(f"INSERT INTO {name} SELECT * FROM _df")
            con.unregister("_df")
            counts[name.split(".", 1)[1] if name.startswith("src.") else name] = len(df)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts

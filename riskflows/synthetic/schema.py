"""Column layout of the source contract and of the generator's ground truth.

One place that says, for every table the generator writes, which columns exist, in which
order, with which SQL type and whether a NULL is allowed. The frame builder, the writer's DDL
and the tests all read it, so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

# The values the source contract allows, in its order (the generator codes them by position).
from riskflows.source_contract import CAMPAIGN_KINDS, REWARD_STATUSES, TRADE_SIDES, VERDICTS  # noqa: F401

TEXT = "TEXT"
BIGINT = "BIGINT"
INTEGER = "INTEGER"
DOUBLE = "DOUBLE PRECISION"
TIMESTAMP = "TIMESTAMP"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    nullable: bool = False


def _cols(*spec: tuple) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in spec)


SRC_SCHEMA = "src"
TRUTH_SCHEMA = "synthetic"

SRC_TABLES: dict[str, tuple[Column, ...]] = {
    "campaigns": _cols(
        ("campaign_id", TEXT),
        ("name", TEXT),
        ("kind", TEXT),
        ("starts_at", TIMESTAMP),
        ("ends_at", TIMESTAMP, True),
        ("reward_budget_usd", DOUBLE, True),
        ("rule_pack", TEXT, True),
    ),
    "users": _cols(
        ("user_id", BIGINT),
        ("registered_at", TIMESTAMP),
        ("country", TEXT, True),
        ("kyc_level", INTEGER),
        ("referrer_id", BIGINT, True),
        ("registration_ip", TEXT, True),
        ("registration_device_id", TEXT, True),
        ("email_domain", TEXT, True),
    ),
    "logins": _cols(
        ("login_id", BIGINT),
        ("user_id", BIGINT),
        ("ts", TIMESTAMP),
        ("ip", TEXT, True),
        ("device_id", TEXT, True),
        ("user_agent", TEXT, True),
    ),
    "enrollments": _cols(
        ("campaign_id", TEXT),
        ("user_id", BIGINT),
        ("enrolled_at", TIMESTAMP),
        ("referrer_id", BIGINT, True),
    ),
    "rewards": _cols(
        ("reward_id", BIGINT),
        ("campaign_id", TEXT),
        ("user_id", BIGINT),
        ("granted_at", TIMESTAMP),
        ("amount_usd", DOUBLE),
        ("status", TEXT),
    ),
    "deposits": _cols(
        ("deposit_id", BIGINT),
        ("user_id", BIGINT),
        ("ts", TIMESTAMP),
        ("asset", TEXT),
        ("amount_usd", DOUBLE),
        ("from_address", TEXT, True),
    ),
    "withdrawals": _cols(
        ("withdrawal_id", BIGINT),
        ("user_id", BIGINT),
        ("ts", TIMESTAMP),
        ("asset", TEXT),
        ("amount_usd", DOUBLE),
        ("to_address", TEXT, True),
    ),
    "trades": _cols(
        ("trade_id", BIGINT),
        ("user_id", BIGINT),
        ("ts", TIMESTAMP),
        ("symbol", TEXT),
        ("side", TEXT),
        ("notional_usd", DOUBLE),
        ("counterparty_user_id", BIGINT, True),
    ),
    "transfers": _cols(
        ("transfer_id", BIGINT),
        ("from_user_id", BIGINT),
        ("to_user_id", BIGINT),
        ("ts", TIMESTAMP),
        ("asset", TEXT),
        ("amount_usd", DOUBLE, True),
    ),
    "reviews": _cols(
        ("campaign_id", TEXT),
        ("user_id", BIGINT),
        ("reviewed_at", TIMESTAMP),
        ("verdict", TEXT),
        ("reviewer", TEXT),
    ),
}

TRUTH_TABLES: dict[str, tuple[Column, ...]] = {
    "labels": _cols(("campaign_id", TEXT), ("user_id", BIGINT), ("pattern", TEXT)),
    "hard_negatives": _cols(("group", TEXT), ("user_id", BIGINT)),
}

# Keys as the contract states them; the generator guarantees they are unique.
KEYS: dict[str, tuple[str, ...]] = {
    "campaigns": ("campaign_id",),
    "users": ("user_id",),
    "logins": ("login_id",),
    "enrollments": ("campaign_id", "user_id"),
    "rewards": ("reward_id",),
    "deposits": ("deposit_id",),
    "withdrawals": ("withdrawal_id",),
    "trades": ("trade_id",),
    "transfers": ("transfer_id",),
    "reviews": ("campaign_id", "user_id", "reviewed_at"),
    "labels": ("campaign_id", "user_id"),
    "hard_negatives": ("group", "user_id"),
}

PATTERNS = ("sybil_farm", "stealth_farm", "referral_ring", "wash_trading", "bot_farm", "bonus_hunter")
HARD_NEGATIVE_GROUPS = (
    "family_device",
    "carrier_nat",
    "exchange_deposit_address",
    "influencer_referees",
    "market_maker",
    "marketing_burst",
    "api_trader",
)

ALL_TABLES: dict[str, tuple[Column, ...]] = {**SRC_TABLES, **TRUTH_TABLES}


def schema_of(table: str) -> str:
    """Schema a table lives in: source tables in `src`, ground truth in `synthetic`."""
    return SRC_SCHEMA if table in SRC_TABLES else TRUTH_SCHEMA

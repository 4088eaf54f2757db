"""The source data contract: one Pandera model per `src` table.

The models are the single statement of what a valid source row is (types, keys,
nullability, allowed values, ranges). `riskflows.quarantine` turns the same models into
SQL so the warehouse, not Python, sorts millions of rows into clean and rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

# Exchanges did not exist before the Bitcoin genesis block; nothing happens in the future.
EARLIEST_VALID_TS = pd.Timestamp("2009-01-03")
LATEST_VALID_TS = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize() + pd.Timedelta(days=2)

CAMPAIGN_KINDS = ["referral", "trading_competition", "airdrop", "deposit_bonus", "new_user"]
REWARD_STATUSES = ["pending", "paid", "held"]
TRADE_SIDES = ["buy", "sell"]
VERDICTS = ["confirmed_abuse", "false_positive", "inconclusive"]


def _ts(nullable: bool = False):
    return pa.Field(
        nullable=nullable,
        in_range={"min_value": EARLIEST_VALID_TS, "max_value": LATEST_VALID_TS},
    )


def _amount(nullable: bool = False):
    return pa.Field(ge=0, nullable=nullable)


class Campaigns(pa.DataFrameModel):
    """A promotional campaign; `rule_pack` overrides the pack chosen by kind."""

    campaign_id: Series[str]
    name: Series[str] = pa.Field(nullable=True)
    kind: Series[str] = pa.Field(isin=CAMPAIGN_KINDS)
    starts_at: Series[pd.Timestamp] = _ts()
    ends_at: Series[pd.Timestamp] = _ts(nullable=True)
    reward_budget_usd: Series[float] = _amount(nullable=True)
    rule_pack: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Users(pa.DataFrameModel):
    """An exchange account as registered."""

    user_id: Series[int]
    registered_at: Series[pd.Timestamp] = _ts()
    country: Series[str] = pa.Field(nullable=True)
    kyc_level: Series[int] = pa.Field(in_range={"min_value": 0, "max_value": 3})
    referrer_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    registration_ip: Series[str] = pa.Field(nullable=True)
    registration_device_id: Series[str] = pa.Field(nullable=True)
    email_domain: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Logins(pa.DataFrameModel):
    """One session start: where from (IP) and on what (device fingerprint)."""

    login_id: Series[str]
    user_id: Series[int]
    ts: Series[pd.Timestamp] = _ts()
    ip: Series[str] = pa.Field(nullable=True)
    device_id: Series[str] = pa.Field(nullable=True)
    user_agent: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Enrollments(pa.DataFrameModel):
    """A user joining a campaign, with the referrer credited for it."""

    campaign_id: Series[str]
    user_id: Series[int]
    enrolled_at: Series[pd.Timestamp] = _ts()
    referrer_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Rewards(pa.DataFrameModel):
    """A campaign reward granted to a user; pending and held rewards can still be stopped."""

    reward_id: Series[str]
    campaign_id: Series[str]
    user_id: Series[int]
    granted_at: Series[pd.Timestamp] = _ts()
    amount_usd: Series[float] = _amount()
    status: Series[str] = pa.Field(isin=REWARD_STATUSES)

    class Config:
        coerce = True


class Deposits(pa.DataFrameModel):
    """Money in; `from_address` is the sending wallet or bank reference."""

    deposit_id: Series[str]
    user_id: Series[int]
    ts: Series[pd.Timestamp] = _ts()
    asset: Series[str]
    amount_usd: Series[float] = _amount()
    from_address: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Withdrawals(pa.DataFrameModel):
    """Money out; `to_address` is the receiving wallet."""

    withdrawal_id: Series[str]
    user_id: Series[int]
    ts: Series[pd.Timestamp] = _ts()
    asset: Series[str]
    amount_usd: Series[float] = _amount()
    to_address: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Trades(pa.DataFrameModel):
    """One fill; `counterparty_user_id` is the account on the other side when matched internally."""

    trade_id: Series[str]
    user_id: Series[int]
    ts: Series[pd.Timestamp] = _ts()
    symbol: Series[str]
    side: Series[str] = pa.Field(isin=TRADE_SIDES)
    notional_usd: Series[float] = _amount()
    counterparty_user_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        coerce = True


class Transfers(pa.DataFrameModel):
    """An internal transfer between two accounts of the exchange."""

    transfer_id: Series[str]
    from_user_id: Series[int]
    to_user_id: Series[int]
    ts: Series[pd.Timestamp] = _ts()
    asset: Series[str]
    amount_usd: Series[float] = _amount(nullable=True)

    class Config:
        coerce = True


class Reviews(pa.DataFrameModel):
    """An analyst's verdict on a flagged participant: the ground truth we have in production."""

    campaign_id: Series[str]
    user_id: Series[int]
    reviewed_at: Series[pd.Timestamp] = _ts()
    verdict: Series[str] = pa.Field(isin=VERDICTS)
    reviewer: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True


@dataclass(frozen=True)
class SourceTable:
    """A `src` table: its model, its key, and the column that places a row in time."""

    name: str
    model: type[pa.DataFrameModel]
    key: tuple[str, ...]
    time_column: str

    @property
    def schema(self) -> pa.DataFrameSchema:
        return self.model.to_schema()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    def sql_type(self, column: str) -> str:
        return SQL_TYPES[str(self.schema.columns[column].dtype)]


# Pandera dtype -> portable SQL type used when a nullable column is absent from the source.
SQL_TYPES = {
    "int64": "BIGINT",
    "Int64": "BIGINT",
    "float64": "DOUBLE PRECISION",
    "str": "VARCHAR",
    "string[python]": "VARCHAR",
    "string": "VARCHAR",
    "datetime64[ns]": "TIMESTAMP",
}

SOURCE_TABLES: dict[str, SourceTable] = {
    t.name: t
    for t in [
        SourceTable("campaigns", Campaigns, ("campaign_id",), "starts_at"),
        SourceTable("users", Users, ("user_id",), "registered_at"),
        SourceTable("logins", Logins, ("login_id",), "ts"),
        SourceTable("enrollments", Enrollments, ("campaign_id", "user_id"), "enrolled_at"),
        SourceTable("rewards", Rewards, ("reward_id",), "granted_at"),
        SourceTable("deposits", Deposits, ("deposit_id",), "ts"),
        SourceTable("withdrawals", Withdrawals, ("withdrawal_id",), "ts"),
        SourceTable("trades", Trades, ("trade_id",), "ts"),
        SourceTable("transfers", Transfers, ("transfer_id",), "ts"),
        SourceTable("reviews", Reviews, ("campaign_id", "user_id", "reviewed_at"), "reviewed_at"),
    ]
}

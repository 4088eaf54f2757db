"""The tables riskflows writes (schema `risk`): one Pandera model each, and their DDL.

The models state what a valid partition is; `read_partition` reads a written partition
back and `validate_frame` checks it, which is what the blocking Dagster asset checks run.
The DDL is derived from the same models so the warehouse and the contract cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
import sqlalchemy as sa
from pandera.typing import Series

from riskflows.feature_catalog import ALL_FEATURES, USER_FEATURES, Feature
from riskflows.rule_packs import TIERS
from riskflows.source_contract import SOURCE_TABLES
from riskflows.warehouse import dialect_of, ensure_schema, partition_predicate, read_frame, schema_columns

RISK_SCHEMA = "risk"


class Quarantine(pa.DataFrameModel):
    """Source rows that broke the contract, kept whole (row_data JSON) with every reason."""

    date: Series[pd.Timestamp]
    table_name: Series[str] = pa.Field(isin=list(SOURCE_TABLES))
    row_key: Series[str]
    reasons: Series[str] = pa.Field(str_length={"min_value": 1})
    row_data: Series[str]
    # the row's own timestamp; NULL when it has none usable (missing, before 2009, in the future):
    # such a row belongs to no day, so every day answers for it
    row_ts: Series[pd.Timestamp] = pa.Field(nullable=True)

    class Config:
        coerce = True


class AccountLinks(pa.DataFrameModel):
    """What each account shares with others as of the day: a device, an IP or /24, a deposit or
    withdrawal address (hubs cut), a referrer, a transfer counterparty. Accounts holding the same
    (link_kind, key) are linked; `riskflows.clustering` groups them, coordination reads them."""

    date: Series[pd.Timestamp]
    user_id: Series[int]
    link_kind: Series[str] = pa.Field(
        isin=["device", "ip", "ip24", "deposit_source", "withdrawal_address", "referral", "transfer"]
    )
    key: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        coerce = True
        unique = ["date", "user_id", "link_kind", "key"]


class AccountClusters(pa.DataFrameModel):
    """Accounts linked by shared devices, IPs, addresses, referrals or transfers (singletons omitted)."""

    date: Series[pd.Timestamp]
    cluster_id: Series[int]
    user_id: Series[int]
    link_kinds: Series[str] = pa.Field(str_length={"min_value": 1})
    cluster_size: Series[int] = pa.Field(ge=2)

    class Config:
        coerce = True
        unique = ["date", "user_id"]


class RuleHits(pa.DataFrameModel):
    """One row per participant and rule that fired, with the evidence values."""

    date: Series[pd.Timestamp]
    campaign_id: Series[str]
    user_id: Series[int]
    rule_id: Series[str]
    rule_pack_version: Series[str] = pa.Field(str_length={"min_value": 1})
    evidence: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        unique = ["date", "campaign_id", "user_id", "rule_id"]


class HighRiskUsers(pa.DataFrameModel):
    """The published list: who to review, hold or block, why, and what reward is at stake."""

    date: Series[pd.Timestamp]
    campaign_id: Series[str]
    user_id: Series[int]
    score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    tier: Series[str] = pa.Field(isin=TIERS)
    rule_ids: Series[str] = pa.Field(str_length={"min_value": 1})
    reasons: Series[str] = pa.Field(str_length={"min_value": 1})
    reasons_zh: Series[str] = pa.Field(str_length={"min_value": 1})
    cluster_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    cluster_size: Series[int] = pa.Field(ge=1)
    reward_usd: Series[float] = pa.Field(ge=0)
    rule_pack_version: Series[str] = pa.Field(str_length={"min_value": 1})
    first_flagged_date: Series[pd.Timestamp]

    class Config:
        coerce = True
        unique = ["date", "campaign_id", "user_id"]

    @pa.dataframe_check
    def first_flagged_not_after_date(cls, df: pd.DataFrame) -> Series[bool]:
        return df["first_flagged_date"] <= df["date"]


CASE_STATUSES = ["open", "confirmed_abuse", "false_positive", "inconclusive"]


class CaseMembers(pa.DataFrameModel):
    """Who is in which case on the day: one row per flagged participant (user and campaign)."""

    date: Series[pd.Timestamp]
    case_id: Series[str] = pa.Field(str_length={"min_value": 1})
    user_id: Series[int]
    campaign_id: Series[str]
    tier: Series[str] = pa.Field(isin=TIERS)
    score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    rule_ids: Series[str]
    cluster_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    reward_usd: Series[float] = pa.Field(ge=0)

    class Config:
        coerce = True
        unique = ["date", "user_id", "campaign_id"]


class Cases(pa.DataFrameModel):
    """One row per case on the day: a flagged cluster (or a flagged account in no cluster) across
    campaigns, with a case id that survives re-runs and the cluster's growth, its status from
    the analysts' verdicts and what changed since the day before."""

    date: Series[pd.Timestamp]
    case_id: Series[str] = pa.Field(str_length={"min_value": 1})
    cluster_id: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    cluster_size: Series[int] = pa.Field(ge=1)
    campaigns: Series[str]  # campaign ids, comma-separated, sorted
    campaign_count: Series[int] = pa.Field(ge=0)
    members: Series[int] = pa.Field(ge=0)  # distinct flagged accounts today
    block_members: Series[int] = pa.Field(ge=0)
    hold_members: Series[int] = pa.Field(ge=0)
    max_score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    reward_usd_at_risk: Series[float] = pa.Field(ge=0)
    first_flagged_date: Series[pd.Timestamp]
    last_flagged_date: Series[pd.Timestamp]
    status: Series[str] = pa.Field(isin=CASE_STATUSES)
    flagged_today: Series[bool]
    new_members: Series[int] = pa.Field(ge=0)  # accounts not in the case the day before
    new_campaigns: Series[str]  # campaigns the case did not touch the day before
    reward_change_share: Series[float] = pa.Field(nullable=True)  # vs the day before; NULL for a new case
    merged_case_ids: Series[str]  # earlier cases this one absorbed today
    changes: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        coerce = True
        unique = ["date", "case_id"]

    @pa.dataframe_check
    def first_flagged_not_after_last(cls, df: pd.DataFrame) -> Series[bool]:
        return df["first_flagged_date"] <= df["last_flagged_date"]


PAYOUT_HOLD_STATUSES = ["held", "released"]


class PayoutHolds(pa.DataFrameModel):
    """What the rewards system must not pay, per campaign and user on the day: hold/block-tier
    accounts with pending rewards (held), and those whose case was closed as a false positive
    (released, nothing held). riskflows.payout_holds writes it."""

    date: Series[pd.Timestamp]
    campaign_id: Series[str] = pa.Field(str_length={"min_value": 1})
    user_id: Series[int]
    status: Series[str] = pa.Field(isin=PAYOUT_HOLD_STATUSES)
    held_usd: Series[float] = pa.Field(ge=0)  # pending rewards held; 0 when released
    pending_usd: Series[float] = pa.Field(ge=0)  # the user's pending rewards in the campaign
    pending_rewards: Series[int] = pa.Field(ge=1)
    tier: Series[str] = pa.Field(isin=["hold", "block"])
    score: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 100})
    rule_ids: Series[str] = pa.Field(str_length={"min_value": 1})
    case_id: Series[str] = pa.Field(str_length={"min_value": 1})
    case_status: Series[str] = pa.Field(isin=CASE_STATUSES)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        coerce = True
        unique = ["date", "campaign_id", "user_id"]

    @pa.dataframe_check
    def held_is_what_is_pending(cls, df: pd.DataFrame) -> Series[bool]:
        held = df["status"] == "held"
        return (held & ((df["held_usd"] - df["pending_usd"]).abs() < 1e-6)) | (~held & (df["held_usd"] == 0))

    @pa.dataframe_check
    def released_only_for_false_positives(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] == "released") == (df["case_status"] == "false_positive")


VERDICTS = ["confirmed_abuse", "false_positive", "inconclusive"]


class Verdicts(pa.DataFrameModel):
    """Verdicts given on a case's escalation in Slack (riskflows.verdicts): one row per account and
    campaign of the case when it was decided. Read together with src.reviews as "all verdicts";
    action_key (the Slack user and action_ts of the click) makes a redelivered action count once."""

    case_id: Series[str] = pa.Field(str_length={"min_value": 1})
    campaign_id: Series[str]
    user_id: Series[int]
    verdict: Series[str] = pa.Field(isin=VERDICTS)
    reviewer: Series[str] = pa.Field(str_length={"min_value": 1})  # Slack user id
    reviewer_name: Series[str] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)
    decided_at: Series[pd.Timestamp]  # naive UTC
    action_key: Series[str] = pa.Field(str_length={"min_value": 1})
    envelope_id: Series[str] = pa.Field(nullable=True)
    channel: Series[str] = pa.Field(nullable=True)
    message_ts: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        unique = ["action_key", "campaign_id", "user_id"]


class CampaignSummary(pa.DataFrameModel):
    """Per campaign and day: the figures a BI dashboard and the Slack digest show."""

    date: Series[pd.Timestamp]
    campaign_id: Series[str]
    campaign_name: Series[str] = pa.Field(nullable=True)
    campaign_kind: Series[str]
    participants: Series[int] = pa.Field(ge=0)
    flagged: Series[int] = pa.Field(ge=0)
    review: Series[int] = pa.Field(ge=0)
    hold: Series[int] = pa.Field(ge=0)
    block: Series[int] = pa.Field(ge=0)
    new_flagged: Series[int] = pa.Field(ge=0)
    flagged_change: Series[int]
    reward_usd_total: Series[float] = pa.Field(ge=0)
    reward_usd_at_risk: Series[float] = pa.Field(ge=0)
    reward_budget_usd: Series[float] = pa.Field(nullable=True, ge=0)
    rule_pack_version: Series[str]
    top_rules: Series[str]
    largest_cluster_size: Series[int] = pa.Field(ge=0)

    class Config:
        coerce = True
        unique = ["date", "campaign_id"]

    @pa.dataframe_check
    def tiers_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        return df["review"] + df["hold"] + df["block"] == df["flagged"]

    @pa.dataframe_check
    def flagged_within_participants(cls, df: pd.DataFrame) -> Series[bool]:
        return df["flagged"] <= df["participants"]

    @pa.dataframe_check
    def at_risk_within_total(cls, df: pd.DataFrame) -> Series[bool]:
        return df["reward_usd_at_risk"] <= df["reward_usd_total"] + 1e-6


def _feature_column(feature: Feature) -> pa.Column:
    checks = []
    if feature.min_value is not None:
        checks.append(pa.Check.ge(feature.min_value))
    if feature.max_value is not None:
        checks.append(pa.Check.le(feature.max_value))
    # Pulled back through SQL, integer columns with NULLs arrive as floats: validate as numbers.
    dtype = "float64" if feature.kind in ("number", "integer") else "str"
    return pa.Column(dtype, checks=checks, nullable=True, coerce=True)


def feature_schema(
    name: str, keys: list[str], features: tuple[Feature, ...], extra: Mapping[str, pa.Column]
) -> pa.DataFrameSchema:
    columns = {"date": pa.Column("datetime64[ns]", coerce=True)}
    columns.update({k: pa.Column("int64" if k == "user_id" else "str", coerce=True) for k in keys if k != "date"})
    columns.update({f.name: _feature_column(f) for f in features})
    columns.update(extra)
    return pa.DataFrameSchema(columns, unique=keys, name=name, strict=True)


USER_FEATURES_SCHEMA = feature_schema("user_features", ["date", "user_id"], USER_FEATURES, {})
PARTICIPANT_FEATURES_SCHEMA = feature_schema(
    "participant_features",
    ["date", "campaign_id", "user_id"],
    ALL_FEATURES,
    {"cluster_id": pa.Column("Int64", nullable=True, coerce=True)},
)


@dataclass(frozen=True)
class OutputTable:
    """A `risk` table: its Pandera schema and the columns that form its partition."""

    name: str
    schema: pa.DataFrameSchema
    partition_columns: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{RISK_SCHEMA}.{self.name}"


OUTPUT_TABLES: dict[str, OutputTable] = {
    t.name: t
    for t in [
        OutputTable("quarantine", Quarantine.to_schema(), ("date",)),
        OutputTable("user_features", USER_FEATURES_SCHEMA, ("date",)),
        OutputTable("account_links", AccountLinks.to_schema(), ("date",)),
        OutputTable("account_clusters", AccountClusters.to_schema(), ("date",)),
        OutputTable("participant_features", PARTICIPANT_FEATURES_SCHEMA, ("date", "campaign_id")),
        OutputTable("rule_hits", RuleHits.to_schema(), ("date", "campaign_id")),
        OutputTable("high_risk_users", HighRiskUsers.to_schema(), ("date", "campaign_id")),
        OutputTable("campaign_summary", CampaignSummary.to_schema(), ("date", "campaign_id")),
        OutputTable("case_members", CaseMembers.to_schema(), ("date",)),
        OutputTable("cases", Cases.to_schema(), ("date",)),
        OutputTable("verdicts", Verdicts.to_schema(), ("case_id",)),
        OutputTable("payout_holds", PayoutHolds.to_schema(), ("date",)),
    ]
}

_DATE_COLUMNS = {"date", "first_flagged_date", "last_flagged_date"}


def _sql_type(column: str, dtype: Any) -> str:
    if column in _DATE_COLUMNS:
        return "DATE"
    text = str(dtype)
    if text in ("int64", "Int64"):
        return "BIGINT"
    if text.startswith("float"):
        return "DOUBLE PRECISION"
    if text.startswith("datetime"):
        return "TIMESTAMP"
    if text == "bool":
        return "BOOLEAN"
    return "VARCHAR"


def create_table_ddl(table: OutputTable) -> str:
    columns = ",\n    ".join(f"{name} {_sql_type(name, col.dtype)}" for name, col in table.schema.columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table.qualified} (\n    {columns}\n)"


def create_output_tables(engine: sa.Engine, tables: list[OutputTable] | None = None) -> None:
    """Create schema `risk` and its tables; add columns a newer release introduced.

    A new feature becomes a new nullable column of existing tables: earlier partitions keep
    NULL there until they are re-materialized.
    """
    with engine.begin() as conn:
        ensure_schema(conn, RISK_SCHEMA)
        existing = schema_columns(conn, RISK_SCHEMA)
        for table in tables or list(OUTPUT_TABLES.values()):
            if table.name not in existing:
                conn.exec_driver_sql(create_table_ddl(table))
            else:
                for name, column in table.schema.columns.items():
                    if name not in existing[table.name]:
                        conn.exec_driver_sql(
                            f"ALTER TABLE {table.qualified} ADD COLUMN {name} {_sql_type(name, column.dtype)}"
                        )
            if dialect_of(conn) == "postgres":
                conn.exec_driver_sql(partition_index_ddl(table))


def partition_index_ddl(table: OutputTable) -> str:
    """PostgreSQL index on the partition columns (then user_id), so replacing or reading one
    day's partition does not scan every day kept. DuckDB's per-block min/max already skips
    other days' rows, and an index would slow its bulk inserts."""
    columns = [*table.partition_columns, *(["user_id"] if "user_id" in table.schema.columns else [])]
    return f"CREATE INDEX IF NOT EXISTS {table.name}_by_partition ON {table.qualified} ({', '.join(columns)})"


@dataclass
class PartitionValidation:
    """The outcome of validating one written partition against its Pandera model."""

    table: str
    rows: int
    failure_cases: pd.DataFrame

    @property
    def passed(self) -> bool:
        return self.failure_cases.empty

    def describe(self, limit: int = 5) -> str:
        if self.passed:
            return f"{self.table}: {self.rows} rows valid"
        lines = [f"{self.table}: {len(self.failure_cases)} failures in {self.rows} rows"]
        for case in self.failure_cases.head(limit).to_dict("records"):
            lines.append(
                f"- column {case.get('column')}, check {case.get('check')}, row {case.get('index')}: "
                f"value {case.get('failure_case')!r}"
            )
        return "\n".join(lines)


def validate_frame(table: OutputTable, frame: pd.DataFrame) -> PartitionValidation:
    try:
        table.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases[["schema_context", "column", "check", "failure_case", "index"]].copy()
        cases["failure_case"] = cases["failure_case"].astype(str)
        return PartitionValidation(table.name, len(frame), cases.reset_index(drop=True))
    return PartitionValidation(table.name, len(frame), pd.DataFrame())


def read_partition(engine: sa.Engine, table: OutputTable, partition: Mapping[str, Any]) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(
            conn, f"SELECT * FROM {table.qualified} WHERE {partition_predicate(partition)}", partition, columnar=True
        )

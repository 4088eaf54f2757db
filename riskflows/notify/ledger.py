"""risk.notifications: what the pipeline has told Slack, so a re-run never tells it twice.

One row per (campaign_id, date, kind, finding_key): kind is digest, escalation, chart,
csv, run_failure, or for a case (campaign_id '', finding_key the case id, date the day it was
escalated) case, case_graph (the link picture in its thread) and case_update (a reply in the
thread on a later day); finding_key tells escalations apart ('' for the others). message_ts
is the Slack ts of a posted message (the file id for uploads). A row is written 'pending'
before the send and 'sent' with its ts after; a send that fails marks it 'failed'. A row
without message_ts is sent again by the next run; a row with one is updated in place.

Each write is its own short transaction: DuckDB admits one writing process, so the
ledger never holds a connection across a network call to Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from riskflows.days import as_date

KINDS = ("digest", "escalation", "chart", "csv", "run_failure", "case", "case_graph", "case_update")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def checked_identifier(name: str) -> str:
    """A schema name from configuration, refused unless it is a plain identifier."""
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class LedgerKey:
    campaign_id: str
    date: Date
    kind: str
    finding_key: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class LedgerRow:
    key: LedgerKey
    channel: str | None
    message_ts: str | None
    content_hash: str | None
    status: str
    attempts: int


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, like every table here


class NotificationLedger:
    """The notifications table in `schema` of the warehouse behind `engine`."""

    def __init__(self, engine: Engine, schema: str = "risk") -> None:
        self.engine = engine
        self.schema = checked_identifier(schema)
        self.table = f"{self.schema}.notifications"

    def ensure(self) -> None:
        """Create the schema and table if absent (portable DDL: DuckDB and PostgreSQL)."""
        ddl = f"""
            CREATE TABLE IF NOT EXISTS {self.table} (
                campaign_id  VARCHAR NOT NULL,
                date         DATE NOT NULL,
                kind         VARCHAR NOT NULL,
                finding_key  VARCHAR NOT NULL,
                channel      VARCHAR,
                message_ts   VARCHAR,
                content_hash VARCHAR,
                status       VARCHAR NOT NULL,
                attempts     INTEGER NOT NULL,
                sent_at      TIMESTAMP,
                updated_at   TIMESTAMP NOT NULL,
                PRIMARY KEY (campaign_id, date, kind, finding_key)
            )"""
        for statement in (f"CREATE SCHEMA IF NOT EXISTS {self.schema}", ddl):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text(statement))
            except DBAPIError:
                # Two runs creating it at once on PostgreSQL: one wins, the other sees a
                # duplicate in the catalog. Fine as long as the table is there now.
                if not sa.inspect(self.engine).has_table("notifications", schema=self.schema):
                    raise

    _KEY_WHERE = "campaign_id = :campaign_id AND date = :date AND kind = :kind AND finding_key = :finding_key"

    @staticmethod
    def _key_params(key: LedgerKey) -> dict:
        return {"campaign_id": key.campaign_id, "date": key.date, "kind": key.kind, "finding_key": key.finding_key}

    def get(self, key: LedgerKey) -> LedgerRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    f"SELECT channel, message_ts, content_hash, status, attempts FROM {self.table} "
                    f"WHERE {self._KEY_WHERE}"
                ),
                self._key_params(key),
            ).first()
        if row is None:
            return None
        return LedgerRow(key, row.channel, row.message_ts, row.content_hash, row.status, int(row.attempts))

    def first(self, kind: str, finding_key: str, campaign_id: str = "") -> LedgerRow | None:
        """The earliest row of a kind for a finding on any day: has this case been escalated, and where."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    f"SELECT date, channel, message_ts, content_hash, status, attempts FROM {self.table} "
                    f"WHERE campaign_id = :campaign_id AND kind = :kind AND finding_key = :finding_key "
                    f"ORDER BY date LIMIT 1"
                ),
                {"campaign_id": campaign_id, "kind": kind, "finding_key": finding_key},
            ).first()
        if row is None:
            return None
        key = LedgerKey(campaign_id, as_date(row.date), kind, finding_key)
        return LedgerRow(key, row.channel, row.message_ts, row.content_hash, row.status, int(row.attempts))

    def mark_pending(self, key: LedgerKey, *, channel: str, content_hash: str | None = None) -> None:
        """Record that a send is about to start (insert, or bump attempts of the existing row).

        An existing row keeps its message_ts and content_hash: until the update succeeds,
        Slack still shows the old content.
        """
        params = {**self._key_params(key), "channel": channel, "content_hash": content_hash, "now": _now()}
        with self.engine.begin() as conn:
            updated = conn.execute(
                sa.text(
                    f"UPDATE {self.table} SET status = 'pending', attempts = attempts + 1, "
                    f"channel = COALESCE(channel, :channel), updated_at = :now WHERE {self._KEY_WHERE}"
                ),
                params,
            ).rowcount
            if not updated:
                conn.execute(
                    sa.text(
                        f"INSERT INTO {self.table} (campaign_id, date, kind, finding_key, channel, message_ts, "
                        f"content_hash, status, attempts, sent_at, updated_at) VALUES (:campaign_id, :date, "
                        f":kind, :finding_key, :channel, NULL, :content_hash, 'pending', 1, NULL, :now)"
                    ),
                    params,
                )

    def mark_sent(self, key: LedgerKey, *, channel: str, message_ts: str, content_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"UPDATE {self.table} SET status = 'sent', channel = :channel, message_ts = :ts, "
                    f"content_hash = :hash, sent_at = :now, updated_at = :now WHERE {self._KEY_WHERE}"
                ),
                {**self._key_params(key), "channel": channel, "ts": message_ts, "hash": content_hash, "now": _now()},
            )

    def mark_failed(self, key: LedgerKey) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(f"UPDATE {self.table} SET status = 'failed', updated_at = :now WHERE {self._KEY_WHERE}"),
                {**self._key_params(key), "now": _now()},
            )

    def rows(self, campaign_id: str, date: Date) -> list[LedgerRow]:
        """Everything recorded for one partition, for run metadata and tests."""
        with self.engine.connect() as conn:
            result = conn.execute(
                sa.text(
                    f"SELECT kind, finding_key, channel, message_ts, content_hash, status, attempts "
                    f"FROM {self.table} WHERE campaign_id = :c AND date = :d ORDER BY kind, finding_key"
                ),
                {"c": campaign_id, "d": date},
            ).all()
        return [
            LedgerRow(
                LedgerKey(campaign_id, date, r.kind, r.finding_key),
                r.channel,
                r.message_ts,
                r.content_hash,
                r.status,
                int(r.attempts),
            )
            for r in result
        ]

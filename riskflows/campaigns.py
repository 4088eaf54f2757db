"""Campaigns as the source describes them: which exist, which are live on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from riskflows.quarantine import SourceLayout, clean_relation
from riskflows.warehouse import read_frame


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str | None
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    reward_budget_usd: float | None
    rule_pack: str | None

    def live_on(self, day: dt.date) -> bool:
        """Live on a day: started before it ended, not ended before it began."""
        day_start = dt.datetime.combine(day, dt.time())
        return self.starts_at < day_start + dt.timedelta(days=1) and (self.ends_at is None or self.ends_at >= day_start)

    def days(self, until: dt.date) -> list[dt.date]:
        """Every day the campaign was live, up to `until` (inclusive)."""
        first = self.starts_at.date()
        last = min(self.ends_at.date(), until) if self.ends_at is not None else until
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _none_if_na(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def load_campaigns(engine: sa.Engine) -> list[Campaign]:
    """All campaigns that pass the source contract, ordered by start."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
        frame = read_frame(
            conn, f"SELECT * FROM {clean_relation('campaigns', layout)} c ORDER BY starts_at, campaign_id"
        )
    return [
        Campaign(
            campaign_id=str(row["campaign_id"]),
            name=_none_if_na(row["name"]),
            kind=str(row["kind"]),
            starts_at=pd.Timestamp(row["starts_at"]).to_pydatetime(),
            ends_at=None if _none_if_na(row["ends_at"]) is None else pd.Timestamp(row["ends_at"]).to_pydatetime(),
            reward_budget_usd=_none_if_na(row["reward_budget_usd"]),
            rule_pack=_none_if_na(row["rule_pack"]),
        )
        for row in frame.to_dict("records")
    ]


def campaign_by_id(engine: sa.Engine, campaign_id: str) -> Campaign:
    for campaign in load_campaigns(engine):
        if campaign.campaign_id == campaign_id:
            return campaign
    raise KeyError(f"campaign {campaign_id!r} is not in src.campaigns (or was quarantined)")

"""The promotional calendar: one campaign of each kind, staggered and overlapping.

Ids follow the marketing team's naming (`ref-2026-09`), names read like the banner on the app.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskflows.synthetic.schema import CAMPAIGN_KINDS
from riskflows.synthetic.timeline import DAY, HOUR, Window

_PREFIX = {"referral": "ref", "trading_competition": "tc", "airdrop": "air", "deposit_bonus": "dep", "new_user": "nu"}
_NAME = {
    "referral": "Invite Friends, Earn Together",
    "trading_competition": "Futures Trading Championship",
    "airdrop": "Community Token Airdrop",
    "deposit_bonus": "Deposit Bonus Week",
    "new_user": "New User Welcome Rewards",
}
# Where in the window each kind starts (fraction of the window), so campaigns overlap.
_START_AT = {"referral": 0.0, "deposit_bonus": 0.08, "trading_competition": 0.15, "airdrop": 0.3, "new_user": 0.4}
# Budget per exchange user, dollars: scales campaigns with the exchange.
_BUDGET_PER_USER = {"referral": 0.6, "trading_competition": 0.8, "airdrop": 0.4, "deposit_bonus": 0.7, "new_user": 0.5}


@dataclass(frozen=True)
class Campaign:
    code: int  # index into the campaign vocabulary
    campaign_id: str
    kind: str
    starts_at: int
    ends_at: int
    budget_usd: float


def plan_campaigns(rng: np.random.Generator, window: Window, users: int) -> dict[str, Campaign]:
    """Campaign per kind; each lasts ~10-20 days (less if the window is short) and ends inside it."""
    month = pd.Timestamp(window.start).strftime("%Y-%m")
    out = {}
    for code, kind in enumerate(CAMPAIGN_KINDS):
        offset = int(_START_AT[kind] * window.days) * DAY + int(rng.integers(8, 16)) * HOUR
        starts = window.start + min(offset, (window.days - 1) * DAY)
        length = int(rng.uniform(10, 20) * DAY)
        ends = min(starts + length, window.end - int(rng.integers(1, 12)) * HOUR)
        ends = max(ends, starts + 6 * HOUR)
        budget = round(users * _BUDGET_PER_USER[kind] * rng.uniform(0.8, 1.4), -2) + 5000.0
        out[kind] = Campaign(code, f"{_PREFIX[kind]}-{month}", kind, starts, ends, budget)
    return out


def campaigns_frame(campaigns: dict[str, Campaign]) -> pd.DataFrame:
    rows = sorted(campaigns.values(), key=lambda c: c.code)
    return pd.DataFrame(
        {
            "campaign_id": pd.array([c.campaign_id for c in rows], dtype="str"),
            "name": pd.array([_NAME[c.kind] for c in rows], dtype="str"),
            "kind": pd.array([c.kind for c in rows], dtype="str"),
            "starts_at": np.array([c.starts_at for c in rows], dtype=np.int64).view("datetime64[ns]"),
            "ends_at": np.array([c.ends_at for c in rows], dtype=np.int64).view("datetime64[ns]"),
            "reward_budget_usd": np.array([c.budget_usd for c in rows], dtype=np.float64),
            "rule_pack": pd.array([None] * len(rows), dtype="str"),
        }
    )

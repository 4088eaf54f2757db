"""Regional editions: the same promotion run a second time for Asia-Pacific users.

Exchanges often run a promotion globally and again as a regional edition with its own id,
budget and terms. `regional_editions` turns a world with one campaign per kind into one with
two per kind: enrolments, rewards, reviews and labels of users registered in an Asia-Pacific
country move to the `-apac` edition. The split follows the account, so a farm whose members
share a country stays in one campaign (three farms in four do), and nothing else about the
world changes. The benchmark's size L (10 campaigns) is built this way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

APAC_COUNTRIES = ("IN", "VN", "ID", "PH", "KR", "JP", "SG", "TH")
APAC_SUFFIX = "-apac"
CAMPAIGN_TABLES = ("enrollments", "rewards", "reviews", "labels")


def regional_editions(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A copy of `tables` with an `-apac` edition of every campaign (see the module docstring)."""
    users = tables["users"]
    apac_users = users.loc[users["country"].isin(APAC_COUNTRIES), "user_id"].to_numpy()
    out = dict(tables)
    for name in CAMPAIGN_TABLES:
        frame = tables[name].copy()
        moves = np.isin(frame["user_id"].to_numpy(), apac_users)
        frame["campaign_id"] = frame["campaign_id"].where(~moves, frame["campaign_id"] + APAC_SUFFIX)
        out[name] = frame.sort_values(["campaign_id", "user_id"], ignore_index=True) if name == "labels" else frame
    out["campaigns"] = _with_editions(tables["campaigns"], tables["rewards"], apac_users)
    return out


def _with_editions(campaigns: pd.DataFrame, rewards: pd.DataFrame, apac_users: np.ndarray) -> pd.DataFrame:
    """Each campaign followed by its edition; the budget is split as the rewards were."""
    paid = rewards.groupby("campaign_id")["amount_usd"].sum().to_dict()
    moved = np.isin(rewards["user_id"].to_numpy(), apac_users)
    moved_reward = rewards.loc[moved].groupby("campaign_id")["amount_usd"].sum().to_dict()
    rows = []
    for campaign in campaigns.to_dict("records"):
        share = (
            moved_reward.get(campaign["campaign_id"], 0.0) / paid[campaign["campaign_id"]]
            if paid.get(campaign["campaign_id"])
            else 0.5
        )
        budget = campaign["reward_budget_usd"]
        edition = {
            **campaign,
            "campaign_id": campaign["campaign_id"] + APAC_SUFFIX,
            "name": f"{campaign['name']} (Asia-Pacific)",
        }
        if budget is not None and not pd.isna(budget):
            edition["reward_budget_usd"] = round(budget * share, -2)
            campaign["reward_budget_usd"] = budget - edition["reward_budget_usd"]
        rows += [campaign, edition]
    return pd.DataFrame(rows).astype(campaigns.dtypes.to_dict())

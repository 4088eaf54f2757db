"""The published high-risk list: score, tier, reasons, cluster and reward at stake.

A participant's score is the sum of the scores of the rules it hit, capped at 100; the
pack's thresholds turn it into a tier. Allowlisted users and clusters (unexpired) are
left off. Only flagged participants are pulled into Python: a few percent of a campaign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from riskflows.days import day_params
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_hits import RULE_HITS_TABLE
from riskflows.rule_packs import RulePack, tier_for
from riskflows.rule_sql import reason_phrases
from riskflows.warehouse import prefer_hash_joins, read_frame, replace_partition

HIGH_RISK_TABLE = "risk.high_risk_users"
HIGH_RISK_COLUMNS = [
    "date",
    "campaign_id",
    "user_id",
    "score",
    "tier",
    "rule_ids",
    "reasons",
    "reasons_zh",
    "cluster_id",
    "cluster_size",
    "reward_usd",
    "rule_pack_version",
    "first_flagged_date",
]


def score_participants(hits: pd.DataFrame, pack: RulePack) -> pd.DataFrame:
    """(user_id, rule_id, evidence) hits -> (user_id, score, tier, rule_ids, reasons, reasons_zh), flagged only.

    Rules are listed by score, highest first (then by id), in rule_ids and in the reasons.
    """
    columns = ["user_id", "score", "tier", "rule_ids", "reasons", "reasons_zh"]
    if hits.empty:
        return pd.DataFrame(columns=columns)
    rule_score = {r.id: float(r.score) for r in pack.rules}
    hits = hits.assign(rule_score=hits["rule_id"].map(rule_score)).sort_values(
        ["user_id", "rule_score", "rule_id"], ascending=[True, False, True]
    )
    score = hits.groupby("user_id", sort=True)["rule_score"].sum().clip(upper=100.0)
    tier = score.map(lambda s: tier_for(float(s), pack.thresholds)).dropna()
    if tier.empty:
        return pd.DataFrame(columns=columns)
    flagged = hits[hits["user_id"].isin(tier.index)]
    english, chinese = reason_phrases(pack, flagged["rule_id"], flagged["evidence"])
    # The hits are sorted by user: each user's rows are one run, joined in Python lists (a
    # pandas string aggregation slices a Series per user, 20x slower on a big campaign).
    users = flagged["user_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    runs = list(zip(starts.tolist(), [*starts[1:].tolist(), len(users)]))

    def joined(values: pd.Series, separator: str) -> list[str]:
        items = values.tolist()
        return [separator.join(items[a:b]) for a, b in runs]

    user_ids = users[starts].astype("int64")
    out = pd.DataFrame(
        {
            "user_id": user_ids,
            "score": score.loc[user_ids].astype(float).to_numpy(),
            "tier": tier.loc[user_ids].to_numpy(),
            "rule_ids": joined(flagged["rule_id"], ","),
            "reasons": joined(english, "; "),
            "reasons_zh": joined(chinese, "；"),
        }
    )
    return out[columns]


def listed_participants(hits: pd.DataFrame, context: pd.DataFrame, pack: RulePack, day) -> pd.DataFrame:
    """The list as it is published, before its partition columns: the (user_id, rule_id,
    evidence) hits scored by ``score_participants``, joined to each flagged participant's
    ``context`` (user_id, cluster_id and whatever else the caller shows), without the users
    and clusters the pack's allowlist clears on ``day``. The pipeline and the backtest both
    list participants through here."""
    listed = score_participants(hits, pack).merge(context, on="user_id", how="left")
    users, clusters = pack.allowlisted(day)
    return listed[~listed["user_id"].isin(users) & ~listed["cluster_id"].isin(clusters)]


def build_high_risk_users(engine: sa.Engine, date, campaign_id: str, pack: RulePack) -> pd.DataFrame:
    """Replace the (day, campaign) list and return it."""
    params = day_params(date)
    partition = {"date": params["date"], "campaign_id": campaign_id}
    with engine.connect() as conn:
        prefer_hash_joins(conn)  # PostgreSQL has no statistics yet on the partitions just written
        hits = read_frame(
            conn,
            f"SELECT user_id, rule_id, evidence FROM {RULE_HITS_TABLE} WHERE date = :date AND campaign_id = :campaign_id",
            partition,
        )
        context = read_frame(
            conn,
            f"SELECT f.user_id, f.cluster_id, f.cluster_size, f.reward_usd FROM {PARTICIPANT_FEATURES_TABLE} f "
            "WHERE f.date = :date AND f.campaign_id = :campaign_id AND f.user_id IN "
            f"(SELECT user_id FROM {RULE_HITS_TABLE} WHERE date = :date AND campaign_id = :campaign_id)",
            partition,
        )
        earlier = read_frame(
            conn,
            f"SELECT user_id, MIN(date) AS first_flagged_date FROM {HIGH_RISK_TABLE} "
            "WHERE campaign_id = :campaign_id AND date < :date GROUP BY user_id",
            partition,
        )
    listed = listed_participants(hits, context, pack, params["date"])
    listed = listed.merge(earlier, on="user_id", how="left")
    listed["first_flagged_date"] = listed["first_flagged_date"].fillna(params["date"])
    listed = listed.assign(
        date=params["date"],
        campaign_id=campaign_id,
        rule_pack_version=pack.version,
        cluster_id=listed["cluster_id"].astype("Int64"),
        cluster_size=listed["cluster_size"].fillna(1).astype("int64"),
        reward_usd=listed["reward_usd"].fillna(0.0).astype("float64"),
    )[HIGH_RISK_COLUMNS].sort_values(["score", "reward_usd", "user_id"], ascending=[False, False, True])
    replace_partition(engine, HIGH_RISK_TABLE, partition, frame=listed.reset_index(drop=True))
    return listed

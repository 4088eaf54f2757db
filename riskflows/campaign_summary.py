"""Per campaign and day: counts, reward at risk, top rules and change since yesterday.

This is the table BI tools read and the Slack digest is written from.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import sqlalchemy as sa

from riskflows.campaigns import Campaign
from riskflows.days import day_params
from riskflows.high_risk import HIGH_RISK_TABLE
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_hits import RULE_HITS_TABLE
from riskflows.rule_packs import TIERS, RulePack
from riskflows.warehouse import read_frame, replace_partition

CAMPAIGN_SUMMARY_TABLE = "risk.campaign_summary"
TOP_RULES = 10


def build_campaign_summary(engine: sa.Engine, date, campaign: Campaign, pack: RulePack) -> dict:
    """Replace the (day, campaign) summary row and return it."""
    params = day_params(date)
    partition = {"date": params["date"], "campaign_id": campaign.campaign_id}
    yesterday = {"date": params["date"] - dt.timedelta(days=1), "campaign_id": campaign.campaign_id}
    with engine.connect() as conn:
        participants = conn.execute(
            sa.text(
                "SELECT COUNT(*), COALESCE(SUM(reward_usd), 0), COALESCE(MAX(cluster_size), 0) "
                f"FROM {PARTICIPANT_FEATURES_TABLE} WHERE date = :date AND campaign_id = :campaign_id"
            ),
            partition,
        ).one()
        tiers = read_frame(
            conn,
            f"SELECT tier, COUNT(*) AS n, COALESCE(SUM(reward_usd), 0) AS reward_usd, "
            f"SUM(CASE WHEN first_flagged_date = date THEN 1 ELSE 0 END) AS new_flagged "
            f"FROM {HIGH_RISK_TABLE} WHERE date = :date AND campaign_id = :campaign_id GROUP BY tier",
            partition,
        )
        rule_counts = read_frame(
            conn,
            f"SELECT rule_id, COUNT(*) AS hits FROM {RULE_HITS_TABLE} "
            "WHERE date = :date AND campaign_id = :campaign_id GROUP BY rule_id ORDER BY COUNT(*) DESC, rule_id",
            partition,
        )
        previous = conn.execute(
            sa.text(f"SELECT flagged FROM {CAMPAIGN_SUMMARY_TABLE} WHERE date = :date AND campaign_id = :campaign_id"),
            yesterday,
        ).scalar_one_or_none()

    per_tier = {t: 0 for t in TIERS}
    per_tier.update({row["tier"]: int(row["n"]) for row in tiers.to_dict("records")})
    flagged = sum(per_tier.values())
    titles = {r.id: r for r in pack.rules}
    top_rules = [
        {
            "rule_id": rid,
            "title_en": titles[rid].title_en if rid in titles else rid,
            "title_zh": titles[rid].title_zh if rid in titles else rid,
            "hits": int(hits),
        }
        for rid, hits in zip(rule_counts["rule_id"], rule_counts["hits"])
    ][:TOP_RULES]
    row = {
        **partition,
        "campaign_name": campaign.name,
        "campaign_kind": campaign.kind,
        "participants": int(participants[0]),
        "flagged": flagged,
        **per_tier,
        "new_flagged": int(pd.to_numeric(tiers["new_flagged"]).sum()) if len(tiers) else 0,
        "flagged_change": flagged - int(previous or 0),
        "reward_usd_total": float(participants[1]),
        "reward_usd_at_risk": float(pd.to_numeric(tiers["reward_usd"]).sum()) if len(tiers) else 0.0,
        "reward_budget_usd": campaign.reward_budget_usd,
        "rule_pack_version": pack.version,
        "top_rules": json.dumps(top_rules, ensure_ascii=False),
        "largest_cluster_size": int(participants[2]),
    }
    replace_partition(engine, CAMPAIGN_SUMMARY_TABLE, partition, frame=pd.DataFrame([row]))
    return row

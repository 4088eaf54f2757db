"""Evaluate a campaign's rule pack over its participants' features, in one SQL pass."""

from __future__ import annotations

import sqlalchemy as sa

from riskflows.days import day_params
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_packs import RulePack
from riskflows.rule_sql import compile_rule_hits
from riskflows.warehouse import dialect_of, replace_partition

RULE_HITS_TABLE = "risk.rule_hits"


def rule_hits_insert(pack: RulePack, dialect: str, features_relation: str = PARTICIPANT_FEATURES_TABLE) -> str:
    hits = compile_rule_hits(pack, features_relation, dialect)
    return (
        f"INSERT INTO {RULE_HITS_TABLE} (date, campaign_id, user_id, rule_id, rule_pack_version, evidence) "
        f"SELECT CAST(:date AS DATE), CAST(:campaign_id AS VARCHAR), h.user_id, h.rule_id, "
        f"CAST(:rule_pack_version AS VARCHAR), h.evidence FROM ({hits}) h"
    )


def build_rule_hits(engine: sa.Engine, date, campaign_id: str, pack: RulePack) -> int:
    """Replace the (day, campaign) rule hits; returns the number of hits."""
    params = day_params(date)
    return replace_partition(
        engine,
        RULE_HITS_TABLE,
        {"date": params["date"], "campaign_id": campaign_id},
        insert_sql=rule_hits_insert(pack, dialect_of(engine)),
        params={"rule_pack_version": pack.version},
    )

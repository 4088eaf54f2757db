"""How good is the list? Precision and recall against the synthetic world's ground truth.

`synthetic.labels` (campaign_id, user_id, pattern) exists only in generated worlds; the
pipeline never reads it. Evaluation compares each campaign's list on its last evaluated
day with the abusers enrolled by then, per campaign, per abuse pattern, and reports how
much of each honest-but-suspicious-looking group (`synthetic.hard_negatives`) was flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from riskflows.output_tables import RISK_SCHEMA
from riskflows.warehouse import load_frame, read_frame, schema_columns

LAST_DAYS = f"""
last_day AS (
    SELECT campaign_id, MAX(date) AS date FROM {RISK_SCHEMA}.campaign_summary GROUP BY campaign_id
),
listed AS (
    SELECT h.campaign_id, h.user_id, h.tier FROM {RISK_SCHEMA}.high_risk_users h
    JOIN last_day d ON d.campaign_id = h.campaign_id AND d.date = h.date
),
participants AS (
    SELECT f.campaign_id, f.user_id FROM {RISK_SCHEMA}.participant_features f
    JOIN last_day d ON d.campaign_id = f.campaign_id AND d.date = f.date
)"""


EVALUATION_TABLE = f"{RISK_SCHEMA}.detection_evaluation"


@dataclass
class Evaluation:
    per_campaign: pd.DataFrame
    per_pattern: pd.DataFrame
    hard_negatives: pd.DataFrame
    overall: dict

    def long_rows(self, evaluated_at: pd.Timestamp) -> pd.DataFrame:
        """Every figure as (evaluated_at, scope, name, metric, value): one table for all runs."""
        rows = [("overall", "all", metric, value) for metric, value in self.overall.items()]
        for scope, frame, name in (("campaign", self.per_campaign, "campaign_id"),
                                   ("pattern", self.per_pattern, "pattern"),
                                   ("hard_negative", self.hard_negatives, "group")):
            for record in frame.to_dict("records"):
                rows += [(scope, str(record[name]), metric, value) for metric, value in record.items()
                         if metric not in (name, "date") and value is not None and not pd.isna(value)]
        frame = pd.DataFrame(rows, columns=["scope", "name", "metric", "value"])
        frame["value"] = frame["value"].astype("float64")
        return frame.assign(evaluated_at=evaluated_at)[["evaluated_at", "scope", "name", "metric", "value"]]


def store_evaluation(engine: sa.Engine, result: Evaluation) -> pd.Timestamp:
    """Append the evaluation to risk.detection_evaluation, so detection can be compared over time."""
    evaluated_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {EVALUATION_TABLE} (evaluated_at TIMESTAMP, scope VARCHAR, "
            "name VARCHAR, metric VARCHAR, value DOUBLE PRECISION)"
        )
        load_frame(conn, EVALUATION_TABLE, result.long_rows(evaluated_at))
    return evaluated_at


def has_ground_truth(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return "labels" in schema_columns(conn, "synthetic")


def _ratio(numerator, denominator) -> float | None:
    return round(float(numerator) / float(denominator), 4) if denominator else None


def evaluate(engine: sa.Engine) -> Evaluation:
    """Score each campaign's latest list against synthetic.labels (and hard negatives)."""
    with engine.connect() as conn:
        tables = schema_columns(conn, "synthetic")
        per_campaign = read_frame(conn, f"""
WITH {LAST_DAYS},
truth AS (
    SELECT DISTINCT l.campaign_id, l.user_id FROM synthetic.labels l
    JOIN participants p ON p.campaign_id = l.campaign_id AND p.user_id = l.user_id
)
SELECT d.campaign_id, d.date,
       (SELECT COUNT(*) FROM participants p WHERE p.campaign_id = d.campaign_id) AS participants,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id) AS flagged,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'review') AS review,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'hold') AS hold,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'block') AS block,
       (SELECT COUNT(*) FROM truth t WHERE t.campaign_id = d.campaign_id) AS abusers,
       (SELECT COUNT(*) FROM listed x JOIN truth t ON t.campaign_id = x.campaign_id AND t.user_id = x.user_id
        WHERE x.campaign_id = d.campaign_id) AS caught,
       (SELECT COALESCE(SUM(reward_usd_at_risk), 0) FROM {RISK_SCHEMA}.campaign_summary s
        WHERE s.campaign_id = d.campaign_id AND s.date = d.date) AS reward_usd_at_risk
FROM last_day d ORDER BY d.campaign_id
""")
        per_pattern = read_frame(conn, f"""
WITH {LAST_DAYS}
SELECT l.pattern, COUNT(*) AS abusers,
       SUM(CASE WHEN x.user_id IS NOT NULL THEN 1 ELSE 0 END) AS caught
FROM synthetic.labels l
JOIN participants p ON p.campaign_id = l.campaign_id AND p.user_id = l.user_id
LEFT JOIN listed x ON x.campaign_id = l.campaign_id AND x.user_id = l.user_id
GROUP BY l.pattern ORDER BY l.pattern
""")
        hard_negatives = pd.DataFrame(columns=["group", "participations", "flagged"])
        if "hard_negatives" in tables:
            hard_negatives = read_frame(conn, f"""
WITH {LAST_DAYS}
SELECT h."group" AS "group", COUNT(*) AS participations,
       SUM(CASE WHEN x.user_id IS NOT NULL THEN 1 ELSE 0 END) AS flagged
FROM synthetic.hard_negatives h
JOIN participants p ON p.user_id = h.user_id
LEFT JOIN listed x ON x.campaign_id = p.campaign_id AND x.user_id = h.user_id
GROUP BY h."group" ORDER BY h."group"
""")
    for frame in (per_campaign, per_pattern, hard_negatives):
        for column in frame.columns:
            if column not in ("campaign_id", "date", "pattern", "group"):
                frame[column] = pd.to_numeric(frame[column])
    per_campaign["precision"] = [_ratio(c, f) for c, f in zip(per_campaign["caught"], per_campaign["flagged"])]
    per_campaign["recall"] = [_ratio(c, a) for c, a in zip(per_campaign["caught"], per_campaign["abusers"])]
    per_pattern["recall"] = [_ratio(c, a) for c, a in zip(per_pattern["caught"], per_pattern["abusers"])]
    hard_negatives["flagged_share"] = [
        _ratio(f, n) for f, n in zip(hard_negatives["flagged"], hard_negatives["participations"])
    ]
    flagged, caught, abusers = (int(per_campaign[c].sum()) for c in ("flagged", "caught", "abusers"))
    overall = {"flagged": flagged, "caught": caught, "abusers": abusers,
               "precision": _ratio(caught, flagged), "recall": _ratio(caught, abusers)}
    return Evaluation(per_campaign, per_pattern, hard_negatives, overall)

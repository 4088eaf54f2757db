"""How good is the list? Precision and recall against a world's ground truth.

`synthetic.labels` (campaign_id, user_id, pattern) exists only in generated worlds; the
pipeline never reads it. Counted as the risk team experiences a list: an enrollment is
*listed* when it appears in `risk.high_risk_users` on any day of its campaign, in any tier
(a hold lifted later still held someone's reward). Precision and recall are over
enrollments; an honest look-alike group's share (`synthetic.hard_negatives`) is the share
of its members' enrollments that were listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from riskflows.output_tables import RISK_SCHEMA
from riskflows.warehouse import load_frame, read_frame, schema_columns

EVALUATED = f"""
evaluated AS (
    SELECT campaign_id, MIN(date) AS first_date, MAX(date) AS last_date, COUNT(DISTINCT date) AS days
    FROM {RISK_SCHEMA}.campaign_summary GROUP BY campaign_id
),
participants AS (
    SELECT DISTINCT f.campaign_id, f.user_id FROM {RISK_SCHEMA}.participant_features f
    JOIN evaluated d ON d.campaign_id = f.campaign_id
),
listed_days AS (
    SELECT h.campaign_id, h.user_id, MAX(CASE h.tier WHEN 'block' THEN 3 WHEN 'hold' THEN 2 ELSE 1 END) AS top_tier
    FROM {RISK_SCHEMA}.high_risk_users h JOIN evaluated d ON d.campaign_id = h.campaign_id
    GROUP BY h.campaign_id, h.user_id
),
listed AS (
    SELECT campaign_id, user_id, CASE top_tier WHEN 3 THEN 'block' WHEN 2 THEN 'hold' ELSE 'review' END AS tier
    FROM listed_days
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
        rows = [
            ("overall", "all", metric, value)
            for metric, value in self.overall.items()
            if isinstance(value, (int, float)) and value is not None
        ]
        for scope, frame, name in (
            ("campaign", self.per_campaign, "campaign_id"),
            ("pattern", self.per_pattern, "pattern"),
            ("hard_negative", self.hard_negatives, "group"),
        ):
            for record in frame.to_dict("records"):
                rows += [
                    (scope, str(record[name]), metric, value)
                    for metric, value in record.items()
                    if metric not in (name, "first_date", "last_date") and value is not None and not pd.isna(value)
                ]
        frame = pd.DataFrame(rows, columns=["scope", "name", "metric", "value"])
        frame["value"] = frame["value"].astype("float64")
        return frame.assign(evaluated_at=evaluated_at)[["evaluated_at", "scope", "name", "metric", "value"]]

    @property
    def weakest_pattern(self) -> tuple[str, float] | None:
        """The abuse pattern with the lowest recall."""
        known = self.per_pattern.dropna(subset=["recall"])
        if known.empty:
            return None
        row = known.sort_values(["recall", "pattern"]).iloc[0]
        return str(row["pattern"]), float(row["recall"])

    @property
    def most_listed_group(self) -> tuple[str, float] | None:
        """The honest look-alike group with the highest listed share."""
        known = self.hard_negatives.dropna(subset=["flagged_share"])
        if known.empty:
            return None
        row = known.sort_values(["flagged_share", "group"], ascending=[False, True]).iloc[0]
        return str(row["group"]), float(row["flagged_share"])


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
    """Score every campaign's lists (all evaluated days) against synthetic.labels and hard negatives."""
    with engine.connect() as conn:
        tables = schema_columns(conn, "synthetic")
        per_campaign = read_frame(
            conn,
            f"""
WITH {EVALUATED},
truth AS (
    SELECT DISTINCT l.campaign_id, l.user_id FROM synthetic.labels l
    JOIN participants p ON p.campaign_id = l.campaign_id AND p.user_id = l.user_id
)
SELECT d.campaign_id, d.first_date, d.last_date, d.days,
       (SELECT COUNT(*) FROM participants p WHERE p.campaign_id = d.campaign_id) AS participants,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id) AS flagged,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'review') AS review,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'hold') AS hold,
       (SELECT COUNT(*) FROM listed x WHERE x.campaign_id = d.campaign_id AND x.tier = 'block') AS block,
       (SELECT COUNT(*) FROM truth t WHERE t.campaign_id = d.campaign_id) AS abusers,
       (SELECT COUNT(*) FROM listed x JOIN truth t ON t.campaign_id = x.campaign_id AND t.user_id = x.user_id
        WHERE x.campaign_id = d.campaign_id) AS caught
FROM evaluated d ORDER BY d.campaign_id
""",
        )
        per_pattern = read_frame(
            conn,
            f"""
WITH {EVALUATED}
SELECT l.pattern, COUNT(*) AS abusers,
       SUM(CASE WHEN x.user_id IS NOT NULL THEN 1 ELSE 0 END) AS caught
FROM (SELECT DISTINCT campaign_id, user_id, pattern FROM synthetic.labels) l
JOIN participants p ON p.campaign_id = l.campaign_id AND p.user_id = l.user_id
LEFT JOIN listed x ON x.campaign_id = l.campaign_id AND x.user_id = l.user_id
GROUP BY l.pattern ORDER BY l.pattern
""",
        )
        hard_negatives = pd.DataFrame(columns=["group", "participations", "flagged"])
        if "hard_negatives" in tables:
            hard_negatives = read_frame(
                conn,
                f"""
WITH {EVALUATED}
SELECT h."group" AS "group", COUNT(*) AS participations,
       SUM(CASE WHEN x.user_id IS NOT NULL THEN 1 ELSE 0 END) AS flagged
FROM (SELECT DISTINCT "group", user_id FROM synthetic.hard_negatives) h
JOIN participants p ON p.user_id = h.user_id
LEFT JOIN listed x ON x.campaign_id = p.campaign_id AND x.user_id = h.user_id
GROUP BY h."group" ORDER BY h."group"
""",
            )
    for frame in (per_campaign, per_pattern, hard_negatives):
        for column in frame.columns:
            if column not in ("campaign_id", "first_date", "last_date", "pattern", "group"):
                frame[column] = pd.to_numeric(frame[column])
    per_campaign["precision"] = [_ratio(c, f) for c, f in zip(per_campaign["caught"], per_campaign["flagged"])]
    per_campaign["recall"] = [_ratio(c, a) for c, a in zip(per_campaign["caught"], per_campaign["abusers"])]
    per_pattern["recall"] = [_ratio(c, a) for c, a in zip(per_pattern["caught"], per_pattern["abusers"])]
    hard_negatives["flagged_share"] = [
        _ratio(f, n) for f, n in zip(hard_negatives["flagged"], hard_negatives["participations"])
    ]
    flagged, caught, abusers = (int(per_campaign[c].sum()) for c in ("flagged", "caught", "abusers"))
    overall = {
        "flagged": flagged,
        "caught": caught,
        "abusers": abusers,
        "precision": _ratio(caught, flagged),
        "recall": _ratio(caught, abusers),
    }
    return Evaluation(per_campaign, per_pattern, hard_negatives, overall)

"""Rule performance: how each rule of each pack version behaves, day by day.

For every rule and pack version that fired on a day (risk.rule_hits), across the campaigns
that version ran on:

- hits and hit rate: participants it fired for / participants of those campaigns;
- precision on reviewed users: of the participants it fired for that analysts had given a
  decisive verdict by the end of the day (src.reviews, contract-clean rows, and risk.verdicts, latest
  confirmed_abuse or false_positive; inconclusive ignored), the share confirmed as abuse;
- co-occurrence: the other rule it most often fired together with (same participant, same
  day) and in what share of its hits;
- solo share: the share of its hits where it was the participant's only rule, i.e. where
  the rule alone carries the decision, and a loose rule does the most damage.

Everything is computed in one SQL statement in the warehouse. The unit is the participant-day:
over a range, a participant flagged on three days counts three times. Verdicts are those
known by the end of each day, so a partition re-run later gives the same numbers (the house
rule: a partition holds data up to the end of its day). A campaign-day on which no rule of
its pack fired is invisible in risk.rule_hits, so its participants are not counted in the
hit-rate denominator.

The table ``risk.rule_performance`` is partitioned by date and written with
``warehouse.replace_partition``; its Pandera model is ``RulePerformance``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
import sqlalchemy as sa
from pandera.typing import Series

from riskflows.days import as_date
from riskflows.output_tables import RISK_SCHEMA, OutputTable, create_table_ddl
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_hits import RULE_HITS_TABLE
from riskflows.verdicts import all_verdicts_relation
from riskflows.warehouse import ensure_schema, read_frame, replace_partition

RULE_PERFORMANCE_TABLE = f"{RISK_SCHEMA}.rule_performance"
METRIC_COLUMNS = [
    "rule_pack_version",
    "rule_id",
    "campaigns",
    "participants",
    "hits",
    "hit_rate",
    "reviewed",
    "confirmed",
    "review_precision",
    "solo_hits",
    "solo_share",
    "top_co_rule_id",
    "top_co_hits",
    "top_co_share",
]


class RulePerformance(pa.DataFrameModel):
    """Per day, pack version and rule: how often it fires, how often it is right, and with whom."""

    date: Series[pd.Timestamp]
    rule_pack_version: Series[str] = pa.Field(str_length={"min_value": 1})
    rule_id: Series[str] = pa.Field(str_length={"min_value": 1})
    campaigns: Series[int] = pa.Field(ge=1, description="campaigns this pack version ran on that day")
    participants: Series[int] = pa.Field(ge=0, description="participants of those campaigns")
    hits: Series[int] = pa.Field(ge=1, description="participants the rule fired for")
    hit_rate: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 1}, description="hits / participants")
    reviewed: Series[int] = pa.Field(ge=0, description="hits with a decisive analyst verdict by the end of the day")
    confirmed: Series[int] = pa.Field(ge=0, description="of those, verdict confirmed_abuse")
    review_precision: Series[float] = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 1},
        description="confirmed / reviewed; empty when nobody was reviewed",
    )
    solo_hits: Series[int] = pa.Field(ge=0, description="hits where it was the participant's only rule")
    solo_share: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 1})
    top_co_rule_id: Series[str] = pa.Field(nullable=True, description="the rule it most often fired together with")
    top_co_hits: Series[int] = pa.Field(ge=0, description="hits where that rule fired too")
    top_co_share: Series[float] = pa.Field(in_range={"min_value": 0, "max_value": 1})

    class Config:
        coerce = True
        unique = ["date", "rule_pack_version", "rule_id"]

    @pa.dataframe_check
    def counts_nest(cls, df: pd.DataFrame) -> Series[bool]:
        return (
            (df["hits"] <= df["participants"])
            & (df["reviewed"] <= df["hits"])
            & (df["confirmed"] <= df["reviewed"])
            & (df["solo_hits"] <= df["hits"])
            & (df["top_co_hits"] <= df["hits"])
        )


RULE_PERFORMANCE = OutputTable("rule_performance", RulePerformance.to_schema(), ("date",))


def create_rule_performance_table(engine: sa.Engine) -> None:
    """Create risk.rule_performance if it does not exist (DDL derived from the Pandera model)."""
    with engine.begin() as conn:
        ensure_schema(conn, RISK_SCHEMA)
        conn.exec_driver_sql(create_table_ddl(RULE_PERFORMANCE))


def rule_performance_select(reviews_relation: str, *, per_date: bool = True) -> str:
    """The one SELECT computing every metric for :date_from..:date_to.

    ``per_date``: one row per day, version and rule (the table's shape); otherwise one row
    per version and rule over the whole range, dated :date_from. ``reviews_relation`` is
    ``verdicts.all_verdicts_relation(conn)``, supplied by code.
    """
    period = "h.date" if per_date else "CAST(:date_from AS DATE)"
    return f"""
WITH hits AS (
    SELECT h.date, {period} AS period, h.campaign_id, h.user_id, h.rule_id, h.rule_pack_version
    FROM {RULE_HITS_TABLE} h
    WHERE h.date BETWEEN :date_from AND :date_to
),
runs AS (
    SELECT DISTINCT date, period, campaign_id, rule_pack_version FROM hits
),
participants AS (
    SELECT r.period, r.rule_pack_version, COUNT(DISTINCT r.campaign_id) AS campaigns,
           COUNT(f.user_id) AS participants
    FROM runs r
    LEFT JOIN {PARTICIPANT_FEATURES_TABLE} f ON f.date = r.date AND f.campaign_id = r.campaign_id
    GROUP BY r.period, r.rule_pack_version
),
fired AS (
    SELECT date, campaign_id, user_id, rule_pack_version, COUNT(*) AS rules_fired
    FROM hits GROUP BY date, campaign_id, user_id, rule_pack_version
),
verdicts AS (
    SELECT date, campaign_id, user_id, verdict FROM (
        SELECT p.date, p.campaign_id, p.user_id, v.verdict,
               ROW_NUMBER() OVER (PARTITION BY p.date, p.campaign_id, p.user_id
                                  ORDER BY v.reviewed_at DESC, v.verdict) AS latest
        FROM (SELECT DISTINCT date, campaign_id, user_id FROM hits) p
        JOIN {reviews_relation} v ON v.campaign_id = p.campaign_id AND v.user_id = p.user_id
        WHERE v.verdict IN ('confirmed_abuse', 'false_positive')
          AND v.reviewed_at < CAST(p.date AS TIMESTAMP) + INTERVAL '1 day'
    ) ranked WHERE latest = 1
),
per_rule AS (
    SELECT h.period, h.rule_pack_version, h.rule_id, COUNT(*) AS hits,
           SUM(CASE WHEN f.rules_fired = 1 THEN 1 ELSE 0 END) AS solo_hits,
           SUM(CASE WHEN v.verdict IS NOT NULL THEN 1 ELSE 0 END) AS reviewed,
           SUM(CASE WHEN v.verdict = 'confirmed_abuse' THEN 1 ELSE 0 END) AS confirmed
    FROM hits h
    JOIN fired f ON f.date = h.date AND f.campaign_id = h.campaign_id AND f.user_id = h.user_id
                AND f.rule_pack_version = h.rule_pack_version
    LEFT JOIN verdicts v ON v.date = h.date AND v.campaign_id = h.campaign_id AND v.user_id = h.user_id
    GROUP BY h.period, h.rule_pack_version, h.rule_id
),
pairs AS (
    SELECT a.period, a.rule_pack_version, a.rule_id, b.rule_id AS co_rule_id, COUNT(*) AS co_hits
    FROM hits a
    JOIN hits b ON b.date = a.date AND b.campaign_id = a.campaign_id AND b.user_id = a.user_id
               AND b.rule_pack_version = a.rule_pack_version AND b.rule_id <> a.rule_id
    GROUP BY a.period, a.rule_pack_version, a.rule_id, b.rule_id
),
top_pair AS (
    SELECT period, rule_pack_version, rule_id, co_rule_id, co_hits,
           ROW_NUMBER() OVER (PARTITION BY period, rule_pack_version, rule_id
                              ORDER BY co_hits DESC, co_rule_id) AS pair_rank
    FROM pairs
)
SELECT r.period AS date, r.rule_pack_version, r.rule_id, p.campaigns, p.participants, r.hits,
       CAST(r.hits AS DOUBLE PRECISION) / NULLIF(p.participants, 0) AS hit_rate,
       r.reviewed, r.confirmed,
       CAST(r.confirmed AS DOUBLE PRECISION) / NULLIF(r.reviewed, 0) AS review_precision,
       r.solo_hits, CAST(r.solo_hits AS DOUBLE PRECISION) / r.hits AS solo_share,
       t.co_rule_id AS top_co_rule_id, COALESCE(t.co_hits, 0) AS top_co_hits,
       CAST(COALESCE(t.co_hits, 0) AS DOUBLE PRECISION) / r.hits AS top_co_share
FROM per_rule r
JOIN participants p ON p.period = r.period AND p.rule_pack_version = r.rule_pack_version
LEFT JOIN top_pair t ON t.period = r.period AND t.rule_pack_version = r.rule_pack_version
                    AND t.rule_id = r.rule_id AND t.pair_rank = 1
"""


def _reviews(conn: sa.Connection) -> str:
    """Every verdict: src.reviews (contract-clean) and the verdicts given in Slack (risk.verdicts)."""
    return all_verdicts_relation(conn)


def rule_performance(
    engine: sa.Engine, date_from: dt.date | str, date_to: dt.date | str, *, per_date: bool = True
) -> pd.DataFrame:
    """Rule performance over a range, computed on the fly (nothing written).

    ``per_date=True``: the rows risk.rule_performance holds for each day. ``per_date=False``:
    one row per version and rule pooled over the range (participant-days), with
    ``date_from``/``date_to`` columns instead of ``date``.
    """
    params = {"date_from": as_date(date_from), "date_to": as_date(date_to)}
    with engine.connect() as conn:
        frame = read_frame(
            conn, rule_performance_select(_reviews(conn), per_date=per_date) + " ORDER BY 1, 2, 6 DESC, 3", params
        )
    frame = frame.astype({c: "float64" for c in ("hit_rate", "review_precision", "solo_share", "top_co_share")})
    if not per_date:
        frame = frame.drop(columns="date").assign(date_from=params["date_from"], date_to=params["date_to"])
        return frame[["date_from", "date_to", *METRIC_COLUMNS]]
    return frame[["date", *METRIC_COLUMNS]]


def build_rule_performance(engine: sa.Engine, date: dt.date | str) -> int:
    """Replace the day's partition of risk.rule_performance in the warehouse; returns rows written."""
    day = as_date(date)
    create_rule_performance_table(engine)
    with engine.connect() as conn:
        select = rule_performance_select(_reviews(conn), per_date=True)
    columns = ", ".join(["date", *METRIC_COLUMNS])
    return replace_partition(
        engine,
        RULE_PERFORMANCE_TABLE,
        {"date": day},
        insert_sql=f"INSERT INTO {RULE_PERFORMANCE_TABLE} ({columns}) SELECT {columns} FROM ({select}) m",
        params={"date_from": day, "date_to": day},
    )


def rules_below_precision(
    engine: sa.Engine, day: dt.date | str, campaign_id: str, *, below: float, min_reviews: int, days: int
) -> pd.DataFrame:
    """Rules of a campaign whose precision on reviewed participants, over the last `days` days up to
    `day`, fell below `below` on at least `min_reviews` reviews: rule_id, reviewed, confirmed,
    precision. A participant counts once per rule (its latest decisive verdict by the day's end)."""
    day = as_date(day)
    params = {
        "c": campaign_id,
        "date_from": day - dt.timedelta(days=days - 1),
        "date": day,
        "day_end": dt.datetime.combine(day + dt.timedelta(days=1), dt.time()),
    }
    with engine.connect() as conn:
        verdicts = _reviews(conn)
        frame = read_frame(
            conn,
            f"""
WITH hits AS (
    SELECT DISTINCT user_id, rule_id FROM {RULE_HITS_TABLE}
    WHERE campaign_id = :c AND date BETWEEN :date_from AND :date
),
latest AS (
    SELECT user_id, verdict FROM (
        SELECT v.user_id, v.verdict,
               ROW_NUMBER() OVER (PARTITION BY v.user_id ORDER BY v.reviewed_at DESC, v.verdict) AS rn
        FROM {verdicts} v
        WHERE v.campaign_id = :c AND v.reviewed_at < :day_end
          AND v.verdict IN ('confirmed_abuse', 'false_positive')
    ) r WHERE rn = 1
)
SELECT h.rule_id, COUNT(*) AS reviewed,
       SUM(CASE WHEN l.verdict = 'confirmed_abuse' THEN 1 ELSE 0 END) AS confirmed
FROM hits h JOIN latest l ON l.user_id = h.user_id
GROUP BY h.rule_id ORDER BY h.rule_id""",
            params,
        )
    frame["precision"] = frame["confirmed"] / frame["reviewed"]
    weak = frame[(frame["reviewed"] >= min_reviews) & (frame["precision"] < below)]
    return weak.sort_values(["precision", "rule_id"]).reset_index(drop=True)

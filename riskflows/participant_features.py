"""Per campaign participant features: the account's features plus what the campaign adds.

For one (day, campaign): every account enrolled by the end of the day, its user features
of that day, the campaign's rewards and what happened to the money after them, the
referees it brought into this campaign, and its linked-account cluster seen from this
campaign (how many of the cluster joined, how much they were granted, whether it trades
with itself). Column meanings: `feature_catalog.ALL_FEATURES`.
"""

from __future__ import annotations

import sqlalchemy as sa

from riskflows.days import day_params
from riskflows.feature_catalog import CAMPAIGN_FEATURES, USER_FEATURES
from riskflows.quarantine import SourceLayout, clean_relation
from riskflows.warehouse import replace_partition

PARTICIPANT_FEATURES_TABLE = "risk.participant_features"


def participant_features_select(layout: SourceLayout) -> str:
    """SELECT date, campaign_id, user_id, <ALL_FEATURES> for bound :date, :day_end, :campaign_id."""
    c = {n: clean_relation(n, layout) for n in ("campaigns", "users", "enrollments", "rewards", "withdrawals",
                                                  "transfers", "trades")}
    user_columns = ",\n    ".join(f"uf.{f.name}" for f in USER_FEATURES)
    return f"""
WITH
campaign AS (
    SELECT campaign_id, starts_at FROM {c['campaigns']} x WHERE campaign_id = :campaign_id
),
enrolled AS (
    SELECT user_id, enrolled_at, referrer_id FROM {c['enrollments']} x
    WHERE campaign_id = :campaign_id AND enrolled_at < :day_end
),
registered AS (
    SELECT user_id, registered_at FROM {c['users']} x
),
rewards AS (
    SELECT user_id, SUM(amount_usd) AS reward_usd, MIN(granted_at) AS first_reward_at
    FROM {c['rewards']} x WHERE campaign_id = :campaign_id AND granted_at < :day_end
    GROUP BY user_id
),
money_out AS (
    SELECT user_id, ts, amount_usd FROM {c['withdrawals']} x WHERE ts < :day_end
    UNION ALL
    SELECT from_user_id, ts, COALESCE(amount_usd, 0) FROM {c['transfers']} x
    WHERE ts < :day_end AND from_user_id <> to_user_id
),
after_reward AS (
    SELECT o.user_id, MIN(o.ts) AS first_out_at, SUM(o.amount_usd) AS out_usd
    FROM money_out o JOIN rewards r ON r.user_id = o.user_id AND o.ts >= r.first_reward_at
    GROUP BY o.user_id
),
campaign_trades AS (
    SELECT t.user_id, SUM(t.notional_usd) AS volume
    FROM {c['trades']} t JOIN enrolled e ON e.user_id = t.user_id
    CROSS JOIN campaign cp
    WHERE t.ts >= cp.starts_at AND t.ts < :day_end
    GROUP BY t.user_id
),
campaign_counterparties AS (
    SELECT t.user_id,
           SUM(CASE WHEN other.user_id IS NOT NULL THEN t.notional_usd ELSE 0 END)
               / NULLIF(SUM(t.notional_usd), 0) AS campaign_counterparty_share
    FROM {c['trades']} t JOIN enrolled e ON e.user_id = t.user_id
    CROSS JOIN campaign cp
    LEFT JOIN enrolled other ON other.user_id = t.counterparty_user_id
    WHERE t.ts >= cp.starts_at AND t.ts < :day_end AND t.counterparty_user_id IS NOT NULL
    GROUP BY t.user_id
),
features AS (
    SELECT * FROM risk.user_features WHERE date = :date
),
campaign_referees AS (
    SELECT e.referrer_id AS user_id, COUNT(*) AS campaign_referees,
           AVG(CASE WHEN f.deposit_count > 0 THEN 1.0 ELSE 0.0 END) AS campaign_referee_deposit_share
    FROM enrolled e LEFT JOIN features f ON f.user_id = e.user_id
    WHERE e.referrer_id IS NOT NULL
    GROUP BY e.referrer_id
),
clusters AS (
    SELECT user_id, cluster_id, cluster_size FROM risk.account_clusters WHERE date = :date
),
cluster_view AS (
    SELECT k.cluster_id,
           COUNT(e.user_id) AS cluster_participants,
           CAST(EXTRACT(EPOCH FROM (MAX(g.registered_at) - MIN(g.registered_at))) AS DOUBLE PRECISION) / 86400.0
               AS cluster_registration_spread_days,
           COALESCE(SUM(r.reward_usd), 0) AS cluster_reward_usd
    FROM clusters k
    LEFT JOIN enrolled e ON e.user_id = k.user_id
    LEFT JOIN registered g ON g.user_id = k.user_id
    LEFT JOIN rewards r ON r.user_id = k.user_id
    GROUP BY k.cluster_id
),
in_cluster_trading AS (
    SELECT t.user_id,
           SUM(CASE WHEN kc.cluster_id = ku.cluster_id THEN t.notional_usd ELSE 0 END)
               / NULLIF(SUM(t.notional_usd), 0) AS cluster_trade_share
    FROM {c['trades']} t
    JOIN enrolled e ON e.user_id = t.user_id
    JOIN clusters ku ON ku.user_id = t.user_id
    LEFT JOIN clusters kc ON kc.user_id = t.counterparty_user_id
    WHERE t.ts < :day_end AND t.counterparty_user_id IS NOT NULL
    GROUP BY t.user_id
)
SELECT
    CAST(:date AS DATE) AS date,
    CAST(:campaign_id AS VARCHAR) AS campaign_id,
    e.user_id,
    {user_columns},
    CAST(EXTRACT(EPOCH FROM (e.enrolled_at - g.registered_at)) AS DOUBLE PRECISION) / 3600.0 AS enroll_delay_hours,
    COALESCE(r.reward_usd, 0) AS reward_usd,
    CAST(EXTRACT(EPOCH FROM (a.first_out_at - r.first_reward_at)) AS DOUBLE PRECISION) / 3600.0
        AS hours_reward_to_withdrawal,
    CASE WHEN r.user_id IS NULL THEN 0
         ELSE COALESCE(a.out_usd, 0) / NULLIF(COALESCE(uf.deposit_usd, 0) + r.reward_usd, 0) END
        AS withdrawn_share_after_reward,
    COALESCE(ct.volume, 0) AS campaign_trade_volume_usd,
    COALESCE(cc.campaign_counterparty_share, 0) AS campaign_counterparty_share,
    COALESCE(cr.campaign_referees, 0) AS campaign_referees,
    cr.campaign_referee_deposit_share,
    COALESCE(k.cluster_size, 1) AS cluster_size,
    COALESCE(cv.cluster_participants, 1) AS cluster_participants,
    CASE WHEN k.cluster_id IS NULL THEN 1.0
         ELSE CAST(cv.cluster_participants AS DOUBLE PRECISION) / k.cluster_size END AS cluster_participant_share,
    COALESCE(cv.cluster_registration_spread_days, 0) AS cluster_registration_spread_days,
    COALESCE(cv.cluster_reward_usd, r.reward_usd, 0) AS cluster_reward_usd,
    COALESCE(ict.cluster_trade_share, 0) AS cluster_trade_share,
    k.cluster_id
FROM enrolled e
LEFT JOIN features uf ON uf.user_id = e.user_id
LEFT JOIN registered g ON g.user_id = e.user_id
LEFT JOIN rewards r ON r.user_id = e.user_id
LEFT JOIN after_reward a ON a.user_id = e.user_id
LEFT JOIN campaign_trades ct ON ct.user_id = e.user_id
LEFT JOIN campaign_counterparties cc ON cc.user_id = e.user_id
LEFT JOIN campaign_referees cr ON cr.user_id = e.user_id
LEFT JOIN clusters k ON k.user_id = e.user_id
LEFT JOIN cluster_view cv ON cv.cluster_id = k.cluster_id
LEFT JOIN in_cluster_trading ict ON ict.user_id = e.user_id
"""


def participant_feature_columns() -> list[str]:
    return ["date", "campaign_id", "user_id", *(f.name for f in USER_FEATURES + CAMPAIGN_FEATURES), "cluster_id"]


def participant_features_insert(layout: SourceLayout) -> str:
    columns = ", ".join(participant_feature_columns())
    return f"INSERT INTO {PARTICIPANT_FEATURES_TABLE} ({columns}) {participant_features_select(layout)}"


def build_participant_features(engine: sa.Engine, date, campaign_id: str) -> int:
    """Replace the (day, campaign) participant features; returns participants written."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    params = day_params(date)
    return replace_partition(
        engine, PARTICIPANT_FEATURES_TABLE, {"date": params["date"], "campaign_id": campaign_id},
        insert_sql=participant_features_insert(layout), params=params,
    )

"""Per-account behavioural features as of the end of a day, computed in the warehouse.

One INSERT ... SELECT per day over all history up to its end: farms are built over months,
so nothing here looks only at the day itself. Features are computed for every account
enrolled in any campaign by then; the whole population still counts when judging how
widely a device, IP or address is shared. That sharing is read from the day's
risk.account_links (every holder of a non-hub shared key), so the links of the day are
built first. Column meanings: `feature_catalog.USER_FEATURES`.
"""

from __future__ import annotations

import sqlalchemy as sa

from riskflows.account_links import day_shared_keys_cte, registered_users_cte
from riskflows.days import day_params
from riskflows.feature_catalog import USER_FEATURES
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.warehouse import replace_partition

USER_FEATURES_TABLE = "risk.user_features"
# A rhythm is read over the last RHYTHM_DAYS only: one long gap from an aged account's sign-up would hide a timer.
RHYTHM_DAYS = 30
LOGIN_RHYTHM_MIN_GAPS = 3  # gaps before the regularity of logins means anything
# Payments are rarer than logins: a person paying at random moments has four gaps this regular (coefficient
# of variation under 0.25) one time in forty, six one time in four hundred.
MONEY_RHYTHM_MIN_GAPS = 6


def _rhythm_cte(name: str, events: str, cv_column: str, min_gaps: int) -> str:
    """CTE `name` (user_id, `cv_column`): the coefficient of variation of the gaps between an account's
    events (`events`: a SELECT of user_id, ts before the day's end) of the last RHYTHM_DAYS days, for
    accounts with at least `min_gaps` gaps; near 0 is a timer."""
    return f"""{name} AS (
    SELECT user_id, STDDEV_POP(gap) / NULLIF(AVG(gap), 0) AS {cv_column}
    FROM (
        SELECT user_id,
               CAST(EXTRACT(EPOCH FROM (ts - LAG(ts) OVER (PARTITION BY user_id ORDER BY ts))) AS DOUBLE PRECISION)
                   AS gap
        FROM ({events}) e WHERE ts >= CAST(:day_end AS TIMESTAMP) - INTERVAL '{RHYTHM_DAYS} days'
    ) g
    WHERE gap IS NOT NULL GROUP BY user_id HAVING COUNT(*) >= {min_gaps}
)"""


def user_features_select(layout: SourceLayout) -> str:
    """SELECT date, user_id, <USER_FEATURES> for bound :date and :day_end; reads the day's account links."""
    c = {
        name: day_clean_relation(name, layout)
        for name in ("enrollments", "logins", "deposits", "withdrawals", "trades", "transfers")
    }
    # payments out, for their rhythm: withdrawals and transfers to other accounts (the `transfers` CTE)
    payments_out = (
        f"SELECT x.user_id, x.ts FROM {c['withdrawals']} x JOIN population p ON p.user_id = x.user_id "
        "WHERE x.ts < :day_end UNION ALL "
        "SELECT t.from_user_id, t.ts FROM transfers t JOIN population p ON p.user_id = t.from_user_id"
    )
    return f"""
WITH {registered_users_cte(layout)},{day_shared_keys_cte()},
population AS (
    SELECT DISTINCT user_id FROM {c["enrollments"]} x WHERE enrolled_at < :day_end
),
logins AS (
    SELECT l.user_id, l.ts, l.ip, l.device_id, l.user_agent FROM {c["logins"]} l
    JOIN population p ON p.user_id = l.user_id WHERE l.ts < :day_end
),
login_counts AS (
    SELECT user_id, COUNT(*) AS login_count, COUNT(DISTINCT device_id) AS distinct_devices,
           COUNT(DISTINCT ip) AS distinct_ips
    FROM logins GROUP BY user_id
),
{_rhythm_cte("login_rhythm", "SELECT user_id, ts FROM logins", "login_gap_cv", LOGIN_RHYTHM_MIN_GAPS)},
login_hours AS (
    SELECT user_id, EXTRACT(HOUR FROM ts) AS hour, COUNT(*) AS n FROM logins GROUP BY user_id, EXTRACT(HOUR FROM ts)
),
login_entropy AS (
    SELECT user_id, -SUM(p * LN(p)) / LN(2.0) AS login_hour_entropy
    FROM (SELECT user_id, CAST(n AS DOUBLE PRECISION) / SUM(n) OVER (PARTITION BY user_id) AS p FROM login_hours) h
    GROUP BY user_id
),
agent_share AS (
    SELECT user_id, CAST(MAX(n) AS DOUBLE PRECISION) / SUM(n) AS top_user_agent_share
    FROM (SELECT user_id, user_agent, COUNT(*) AS n FROM logins GROUP BY user_id, user_agent) a
    GROUP BY user_id
),
sharing AS (
    SELECT k.user_id,
           MAX(CASE WHEN link_kind = 'device' THEN degree END) AS accounts_per_device,
           MAX(CASE WHEN link_kind = 'ip' THEN degree END) AS accounts_per_ip,
           MAX(CASE WHEN link_kind = 'ip24' THEN degree END) AS accounts_per_ip24,
           MAX(CASE WHEN link_kind = 'deposit_source' THEN degree END) AS accounts_per_deposit_source,
           MAX(CASE WHEN link_kind = 'withdrawal_address' THEN degree END) AS accounts_per_withdrawal_address
    FROM shared_keys k JOIN population p ON p.user_id = k.user_id
    GROUP BY k.user_id
),
burst AS (
    -- accounts created within 48 h of each other that share something: a farm's signature
    SELECT a.user_id,
           COUNT(DISTINCT CASE WHEN a.link_kind IN ('device', 'deposit_source', 'withdrawal_address')
                               THEN b.user_id END) AS burst_device_peers,
           COUNT(DISTINCT CASE WHEN a.link_kind IN ('ip', 'ip24') THEN b.user_id END) AS burst_network_peers
    FROM shared_keys a
    JOIN population p ON p.user_id = a.user_id
    JOIN shared_keys b ON b.link_kind = a.link_kind AND b.key = a.key AND b.user_id <> a.user_id
    JOIN reg_users ra ON ra.user_id = a.user_id
    JOIN reg_users rb ON rb.user_id = b.user_id
    WHERE ABS(EXTRACT(EPOCH FROM (ra.registered_at - rb.registered_at))) <= 172800
    GROUP BY a.user_id
),
deposits AS (
    SELECT user_id, COUNT(*) AS deposit_count, SUM(amount_usd) AS deposit_usd, MAX(amount_usd) AS max_deposit_usd
    FROM {c["deposits"]} x WHERE ts < :day_end GROUP BY user_id
),
withdrawals AS (
    SELECT user_id, COUNT(*) AS withdrawal_count, SUM(amount_usd) AS withdrawal_usd
    FROM {c["withdrawals"]} x WHERE ts < :day_end GROUP BY user_id
),
transfers AS (
    SELECT from_user_id, to_user_id, ts, COALESCE(amount_usd, 0) AS amount_usd
    FROM {c["transfers"]} x WHERE ts < :day_end AND from_user_id <> to_user_id
),
{_rhythm_cte("money_rhythm", payments_out, "money_out_gap_cv", MONEY_RHYTHM_MIN_GAPS)},
transfer_flows AS (
    SELECT user_id, SUM(in_usd) AS transfer_in_usd, SUM(out_usd) AS transfer_out_usd,
           COUNT(DISTINCT counterparty) AS transfer_counterparties
    FROM (
        SELECT to_user_id AS user_id, from_user_id AS counterparty, amount_usd AS in_usd, 0 AS out_usd FROM transfers
        UNION ALL
        SELECT from_user_id, to_user_id, 0, amount_usd FROM transfers
    ) f GROUP BY user_id
),
funders AS (
    SELECT from_user_id AS funder, COUNT(DISTINCT to_user_id) AS fanout FROM transfers GROUP BY from_user_id
),
funder_star AS (
    SELECT t.to_user_id AS user_id, MAX(f.fanout) AS funder_fanout
    FROM transfers t JOIN funders f ON f.funder = t.from_user_id GROUP BY t.to_user_id
),
collectors AS (
    SELECT to_user_id AS collector, COUNT(DISTINCT from_user_id) AS fanin FROM transfers GROUP BY to_user_id
),
collector_star AS (
    SELECT t.from_user_id AS user_id, MAX(c.fanin) AS collector_fanin
    FROM transfers t JOIN collectors c ON c.collector = t.to_user_id GROUP BY t.from_user_id
),
traders AS (
    SELECT DISTINCT user_id FROM {c["trades"]} x WHERE ts < :day_end
),
referees AS (
    SELECT r.referrer_id AS user_id, COUNT(*) AS referees,
           AVG(CASE WHEN d.user_id IS NOT NULL THEN 1.0 ELSE 0.0 END) AS referee_deposit_share,
           AVG(CASE WHEN t.user_id IS NOT NULL THEN 1.0 ELSE 0.0 END) AS referee_trade_share,
           AVG(CASE WHEN r.kyc_level >= 1 THEN 1.0 ELSE 0.0 END) AS referee_kyc_share
    FROM reg_users r
    LEFT JOIN deposits d ON d.user_id = r.user_id
    LEFT JOIN traders t ON t.user_id = r.user_id
    WHERE r.referrer_id IS NOT NULL
    GROUP BY r.referrer_id
),
referral_chain AS (
    -- a ring (A refers B refers A) reads as the maximum depth
    SELECT a.user_id,
           (CASE WHEN a.referrer_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN b.referrer_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN c.referrer_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN d.referrer_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN e.referrer_id IS NOT NULL THEN 1 ELSE 0 END) AS referral_depth
    FROM reg_users a
    JOIN population p ON p.user_id = a.user_id
    LEFT JOIN reg_users b ON b.user_id = a.referrer_id
    LEFT JOIN reg_users c ON c.user_id = b.referrer_id
    LEFT JOIN reg_users d ON d.user_id = c.referrer_id
    LEFT JOIN reg_users e ON e.user_id = d.referrer_id
),
trades AS (
    SELECT t.user_id, t.side, t.notional_usd, t.counterparty_user_id FROM {c["trades"]} t
    JOIN population p ON p.user_id = t.user_id WHERE t.ts < :day_end
),
trading AS (
    SELECT user_id, COUNT(*) AS trade_count, SUM(notional_usd) AS trade_volume_usd,
           COUNT(DISTINCT counterparty_user_id) AS trade_counterparties,
           ABS(SUM(CASE WHEN side = 'buy' THEN notional_usd ELSE -notional_usd END))
               / NULLIF(SUM(notional_usd), 0) AS net_position_ratio
    FROM trades GROUP BY user_id
),
counterparty_volume AS (
    SELECT user_id, counterparty_user_id, SUM(notional_usd) AS volume
    FROM trades WHERE counterparty_user_id IS NOT NULL GROUP BY user_id, counterparty_user_id
),
top_counterparty AS (
    SELECT user_id, MAX(volume) / NULLIF(SUM(volume), 0) AS top_counterparty_share
    FROM counterparty_volume GROUP BY user_id
)
SELECT
    CAST(:date AS DATE) AS date,
    p.user_id,
    CAST(EXTRACT(EPOCH FROM (CAST(:day_end AS TIMESTAMP) - r.registered_at)) AS DOUBLE PRECISION) / 86400.0
        AS account_age_days,
    r.kyc_level,
    CASE WHEN r.referrer_id IS NOT NULL THEN 1 ELSE 0 END AS has_referrer,
    COALESCE(lc.login_count, 0) AS login_count,
    COALESCE(lc.distinct_devices, 0) AS distinct_devices,
    COALESCE(lc.distinct_ips, 0) AS distinct_ips,
    CAST(lc.distinct_devices AS DOUBLE PRECISION) / NULLIF(lc.login_count, 0) AS device_churn,
    lr.login_gap_cv,
    le.login_hour_entropy,
    ag.top_user_agent_share,
    COALESCE(sh.accounts_per_device, 1) AS accounts_per_device,
    COALESCE(sh.accounts_per_ip, 1) AS accounts_per_ip,
    COALESCE(sh.accounts_per_ip24, 1) AS accounts_per_ip24,
    COALESCE(sh.accounts_per_deposit_source, 1) AS accounts_per_deposit_source,
    COALESCE(sh.accounts_per_withdrawal_address, 1) AS accounts_per_withdrawal_address,
    COALESCE(bu.burst_device_peers, 0) AS burst_device_peers,
    COALESCE(bu.burst_network_peers, 0) AS burst_network_peers,
    COALESCE(de.deposit_count, 0) AS deposit_count,
    COALESCE(de.deposit_usd, 0) AS deposit_usd,
    COALESCE(de.max_deposit_usd, 0) AS max_deposit_usd,
    COALESCE(wd.withdrawal_count, 0) AS withdrawal_count,
    COALESCE(wd.withdrawal_usd, 0) AS withdrawal_usd,
    COALESCE(tf.transfer_in_usd, 0) AS transfer_in_usd,
    COALESCE(tf.transfer_out_usd, 0) AS transfer_out_usd,
    COALESCE(tf.transfer_counterparties, 0) AS transfer_counterparties,
    COALESCE(fs.funder_fanout, 0) AS funder_fanout,
    COALESCE(cs.collector_fanin, 0) AS collector_fanin,
    mr.money_out_gap_cv,
    COALESCE(rf.referees, 0) AS referees,
    rf.referee_deposit_share,
    rf.referee_trade_share,
    rf.referee_kyc_share,
    COALESCE(rc.referral_depth, 0) AS referral_depth,
    COALESCE(tr.trade_count, 0) AS trade_count,
    COALESCE(tr.trade_volume_usd, 0) AS trade_volume_usd,
    COALESCE(tr.trade_counterparties, 0) AS trade_counterparties,
    tc.top_counterparty_share,
    tr.net_position_ratio
FROM population p
LEFT JOIN reg_users r ON r.user_id = p.user_id
LEFT JOIN login_counts lc ON lc.user_id = p.user_id
LEFT JOIN login_rhythm lr ON lr.user_id = p.user_id
LEFT JOIN money_rhythm mr ON mr.user_id = p.user_id
LEFT JOIN login_entropy le ON le.user_id = p.user_id
LEFT JOIN agent_share ag ON ag.user_id = p.user_id
LEFT JOIN sharing sh ON sh.user_id = p.user_id
LEFT JOIN burst bu ON bu.user_id = p.user_id
LEFT JOIN deposits de ON de.user_id = p.user_id
LEFT JOIN withdrawals wd ON wd.user_id = p.user_id
LEFT JOIN transfer_flows tf ON tf.user_id = p.user_id
LEFT JOIN funder_star fs ON fs.user_id = p.user_id
LEFT JOIN collector_star cs ON cs.user_id = p.user_id
LEFT JOIN referees rf ON rf.user_id = p.user_id
LEFT JOIN referral_chain rc ON rc.user_id = p.user_id
LEFT JOIN trading tr ON tr.user_id = p.user_id
LEFT JOIN top_counterparty tc ON tc.user_id = p.user_id
"""


def user_features_insert(layout: SourceLayout) -> str:
    columns = ", ".join(["date", "user_id", *(f.name for f in USER_FEATURES)])
    return f"INSERT INTO {USER_FEATURES_TABLE} ({columns}) {user_features_select(layout)}"


def build_user_features(engine: sa.Engine, date) -> int:
    """Replace the day's user features (the day's account links must be built); returns the
    number of accounts written."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    params = day_params(date)
    return replace_partition(
        engine,
        USER_FEATURES_TABLE,
        {"date": params["date"]},
        insert_sql=user_features_insert(layout),
        params=params,
    )

"""Per campaign participant features: the account's features plus what the campaign adds.

For one (day, campaign): every account enrolled by the end of the day, its user features
of that day, the campaign's rewards and what happened to the money after them, the
referees it brought into this campaign, and its linked-account cluster seen from this
campaign (how many of the cluster joined, how much they were granted, whether it trades
with itself). Column meanings: `feature_catalog.ALL_FEATURES`.

"Joined" means joined this campaign or a sister campaign: one of the same kind whose window
overlaps it, such as the same promotion run again for another region. A farm that spreads
its accounts over both editions is still one farm, and its accounts still fund, refer,
trade with and cash out to each other. With no sister campaign, the participants are the
campaign's own.
"""

from __future__ import annotations

import math

import sqlalchemy as sa

from riskflows.batch_order import batch_order_ctes
from riskflows.coordination import PERSONAL_LINK_MASK, coordination_ctes
from riskflows.days import day_params
from riskflows.feature_catalog import CAMPAIGN_FEATURES, USER_FEATURES
from riskflows.fresh_collectors import fresh_collector_ctes
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.relay_chains import relay_chain_ctes
from riskflows.warehouse import replace_partition

PARTICIPANT_FEATURES_TABLE = "risk.participant_features"
# A money source or destination counts as the campaign's own when at least this share of the
# accounts it touches joined the campaign; below that it is a hub (another exchange, a service).
CAMPAIGN_CONCENTRATION = 0.5
# A counterparty met so often that a randomly matching book would do it with chance below 1e-6.
LIFT_SURPRISE_NATS = round(6 * math.log(10), 3)


def participant_features_select(layout: SourceLayout) -> str:
    """SELECT date, campaign_id, user_id, <ALL_FEATURES> for bound :date, :day_end, :campaign_id."""
    c = {
        n: day_clean_relation(n, layout)
        for n in (
            "campaigns",
            "users",
            "enrollments",
            "rewards",
            "deposits",
            "withdrawals",
            "transfers",
            "trades",
            "logins",
        )
    }
    user_columns = ",\n    ".join(f"uf.{f.name}" for f in USER_FEATURES)
    concentration = float(CAMPAIGN_CONCENTRATION)  # a number from code, safe to inline
    return f"""
WITH
campaign AS (
    SELECT campaign_id, kind, starts_at, ends_at FROM {c["campaigns"]} x WHERE campaign_id = :campaign_id
),
enrolled AS (
    SELECT user_id, enrolled_at FROM {c["enrollments"]} x
    WHERE campaign_id = :campaign_id AND enrolled_at < :day_end
),
sister_campaigns AS (
    -- this campaign and every campaign of its kind whose window overlaps it
    SELECT x.campaign_id FROM {c["campaigns"]} x CROSS JOIN campaign cp
    WHERE x.kind = cp.kind AND x.starts_at < :day_end
      AND (x.ends_at IS NULL OR x.ends_at >= cp.starts_at)
      AND (cp.ends_at IS NULL OR x.starts_at <= cp.ends_at)
),
joined AS (
    -- participants of this campaign or a sister one: the peers a farm member funds, refers,
    -- trades with and sweeps to (one row per account)
    -- and the campaign it joined first (its edition: a regional edition has its own calendar)
    SELECT user_id, referrer_id, enrolled_at, campaign_id AS edition FROM (
        SELECT x.user_id, MIN(x.referrer_id) OVER (PARTITION BY x.user_id) AS referrer_id, x.enrolled_at,
               x.campaign_id, ROW_NUMBER() OVER (PARTITION BY x.user_id ORDER BY x.enrolled_at, x.campaign_id) AS rn
        FROM {c["enrollments"]} x
        JOIN sister_campaigns s ON s.campaign_id = x.campaign_id
        WHERE x.enrolled_at < :day_end
    ) f WHERE rn = 1
),
registered AS (
    SELECT user_id, registered_at FROM {c["users"]} x
),{coordination_ctes(c)},{relay_chain_ctes(c["transfers"])},{fresh_collector_ctes(c["campaigns"])},{batch_order_ctes()},
rewards AS (
    SELECT user_id, SUM(amount_usd) AS reward_usd, MIN(granted_at) AS first_reward_at
    FROM {c["rewards"]} x WHERE campaign_id = :campaign_id AND granted_at < :day_end
    GROUP BY user_id
),
all_rewards AS (
    -- rewards of every campaign: money that came in without a deposit
    SELECT x.user_id, SUM(x.amount_usd) AS reward_usd FROM {c["rewards"]} x
    JOIN enrolled e ON e.user_id = x.user_id WHERE x.granted_at < :day_end
    GROUP BY x.user_id
),
money_out AS (
    SELECT user_id, ts, amount_usd FROM {c["withdrawals"]} x WHERE ts < :day_end
    UNION ALL
    SELECT from_user_id, ts, COALESCE(amount_usd, 0) FROM {c["transfers"]} x
    WHERE ts < :day_end AND from_user_id <> to_user_id
),
after_reward AS (
    SELECT o.user_id, MIN(o.ts) AS first_out_at, SUM(o.amount_usd) AS out_usd
    FROM money_out o JOIN rewards r ON r.user_id = o.user_id AND o.ts >= r.first_reward_at
    GROUP BY o.user_id
),
money_key_rows AS (
    -- where each account's money came from ('in') and went to ('out'): an address or another account
    SELECT user_id, 'in' AS direction, 'addr:' || from_address AS key FROM {c["deposits"]} x
        WHERE ts < :day_end AND from_address IS NOT NULL
    UNION ALL SELECT to_user_id, 'in', 'acct:' || CAST(from_user_id AS VARCHAR) FROM {c["transfers"]} x
        WHERE ts < :day_end AND from_user_id <> to_user_id
    UNION ALL SELECT user_id, 'out', 'addr:' || to_address FROM {c["withdrawals"]} x
        WHERE ts < :day_end AND to_address IS NOT NULL
    UNION ALL SELECT from_user_id, 'out', 'acct:' || CAST(to_user_id AS VARCHAR) FROM {c["transfers"]} x
        WHERE ts < :day_end AND from_user_id <> to_user_id
),
joined_money_keys AS MATERIALIZED (
    SELECT DISTINCT m.user_id, m.direction, m.key FROM money_key_rows m JOIN joined j ON j.user_id = m.user_id
),
key_reach AS (
    -- how many accounts each participant's source / destination touches, and how many of them joined
    SELECT m.direction, m.key, COUNT(DISTINCT m.user_id) AS accounts, COUNT(DISTINCT j.user_id) AS participants
    FROM money_key_rows m
    JOIN (SELECT DISTINCT direction, key FROM joined_money_keys) k ON k.direction = m.direction AND k.key = m.key
    LEFT JOIN joined j ON j.user_id = m.user_id
    GROUP BY m.direction, m.key
    HAVING COUNT(DISTINCT j.user_id) >= 2
),
money_stars AS (
    -- a source or destination whose accounts are mostly outside the campaign (an exchange's hot
    -- wallet, a popular service) says nothing about it: only campaign-concentrated ones count
    SELECT m.user_id,
           MAX(CASE WHEN m.direction = 'in' THEN k.participants END) AS funder_campaign_fanout,
           MAX(CASE WHEN m.direction = 'out' THEN k.participants END) AS collector_campaign_fanin
    FROM joined_money_keys m
    JOIN enrolled e ON e.user_id = m.user_id
    JOIN key_reach k ON k.direction = m.direction AND k.key = m.key
    WHERE k.participants >= {concentration} * k.accounts
    GROUP BY m.user_id
),
cash_out AS (
    -- participants that took the money out after their reward: the farm's payday
    SELECT r.user_id,
           COALESCE(a.out_usd, 0)
               / NULLIF(COALESCE(uf.deposit_usd, 0) + COALESCE(uf.transfer_in_usd, 0) + r.reward_usd, 0)
               AS withdrawn_share
    FROM rewards r
    JOIN enrolled e ON e.user_id = r.user_id
    LEFT JOIN after_reward a ON a.user_id = r.user_id
    LEFT JOIN risk.user_features uf ON uf.user_id = r.user_id AND uf.date = :date
),
campaign_referral_chain AS (
    -- consecutive referrers above a participant who joined too (capped at 5), for every
    -- account that joined: the cluster view takes the longest chain among them
    SELECT e.user_id,
           (CASE WHEN e1.user_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN e2.user_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN e3.user_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN e4.user_id IS NOT NULL THEN 1 ELSE 0 END
            + CASE WHEN e5.user_id IS NOT NULL THEN 1 ELSE 0 END) AS campaign_referral_depth
    FROM joined e
    JOIN {c["users"]} u0 ON u0.user_id = e.user_id
    LEFT JOIN joined e1 ON e1.user_id = u0.referrer_id
    LEFT JOIN {c["users"]} u1 ON u1.user_id = e1.user_id
    LEFT JOIN joined e2 ON e2.user_id = u1.referrer_id
    LEFT JOIN {c["users"]} u2 ON u2.user_id = e2.user_id
    LEFT JOIN joined e3 ON e3.user_id = u2.referrer_id
    LEFT JOIN {c["users"]} u3 ON u3.user_id = e3.user_id
    LEFT JOIN joined e4 ON e4.user_id = u3.referrer_id
    LEFT JOIN {c["users"]} u4 ON u4.user_id = e4.user_id
    LEFT JOIN joined e5 ON e5.user_id = u4.referrer_id
),
campaign_trades AS (
    SELECT t.user_id, SUM(t.notional_usd) AS volume
    FROM {c["trades"]} t JOIN enrolled e ON e.user_id = t.user_id
    CROSS JOIN campaign cp
    WHERE t.ts >= cp.starts_at AND t.ts < :day_end
    GROUP BY t.user_id
),
campaign_fills AS (
    SELECT t.user_id, t.counterparty_user_id AS counterparty, t.symbol, t.side, t.notional_usd
    FROM {c["trades"]} t CROSS JOIN campaign cp WHERE t.ts >= cp.starts_at AND t.ts < :day_end
),
symbol_fills AS (
    SELECT symbol, COUNT(*) AS fills FROM campaign_fills WHERE counterparty IS NOT NULL GROUP BY symbol
),
pair_fills AS MATERIALIZED (
    SELECT f.user_id, f.counterparty, f.symbol, COUNT(*) AS fills, SUM(f.notional_usd) AS volume,
           SUM(CASE WHEN f.side = 'buy' THEN f.notional_usd ELSE -f.notional_usd END) AS net
    FROM campaign_fills f JOIN enrolled e ON e.user_id = f.user_id
    WHERE f.counterparty IS NOT NULL AND f.counterparty <> f.user_id
    GROUP BY f.user_id, f.counterparty, f.symbol
),
account_fills AS (
    -- fills per account and symbol, for the participants' accounts and their counterparties
    SELECT f.user_id, f.symbol, COUNT(*) AS fills FROM campaign_fills f
    JOIN (SELECT user_id FROM pair_fills UNION SELECT counterparty FROM pair_fills) a ON a.user_id = f.user_id
    WHERE f.counterparty IS NOT NULL
    GROUP BY f.user_id, f.symbol
),
pair_expectation AS (
    -- fills a participant would have against this counterparty if the book matched it at random,
    -- in proportion to the counterparty's share of the symbol's fills
    SELECT p.user_id, p.volume, p.net, p.fills,
           CAST(u.fills AS DOUBLE PRECISION) * v.fills / s.fills AS expected
    FROM pair_fills p
    JOIN account_fills u ON u.user_id = p.user_id AND u.symbol = p.symbol
    JOIN account_fills v ON v.user_id = p.counterparty AND v.symbol = p.symbol
    JOIN symbol_fills s ON s.symbol = p.symbol
),
lifted_counterparties AS (
    -- volume against counterparties met far more often than the market explains (Poisson
    -- chance below 1e-6, Chernoff bound): a ring trading with itself, not a crowd on a thin book
    SELECT p.user_id,
           SUM(CASE WHEN p.fills > p.expected
                     AND p.fills * LN(p.fills / p.expected) - p.fills + p.expected >= {LIFT_SURPRISE_NATS}
                    THEN p.volume ELSE 0 END) AS lifted_volume,
           ABS(SUM(CASE WHEN p.fills > p.expected
                         AND p.fills * LN(p.fills / p.expected) - p.fills + p.expected >= {LIFT_SURPRISE_NATS}
                        THEN p.net ELSE 0 END)) AS lifted_net,
           SUM(p.volume) AS matched_volume
    FROM pair_expectation p GROUP BY p.user_id
),
campaign_counterparties AS (
    SELECT t.user_id,
           SUM(CASE WHEN other.user_id IS NOT NULL THEN t.notional_usd ELSE 0 END)
               / NULLIF(SUM(t.notional_usd), 0) AS campaign_counterparty_share
    FROM {c["trades"]} t JOIN enrolled e ON e.user_id = t.user_id
    CROSS JOIN campaign cp
    LEFT JOIN joined other ON other.user_id = t.counterparty_user_id
    WHERE t.ts >= cp.starts_at AND t.ts < :day_end AND t.counterparty_user_id IS NOT NULL
    GROUP BY t.user_id
),
features AS (
    SELECT * FROM risk.user_features WHERE date = :date
),
linked_referees AS (
    -- referees linked to another referee of the same referrer by a device or money (not by the
    -- referral itself, nor by a network a campus or a carrier shares): a ring's fakes share phones
    -- and a funder; an influencer's audience shares nothing but the link they clicked
    SELECT a.referrer_id, a.user_id FROM joined a
    JOIN both_ways w ON w.user_id = a.user_id AND (w.mask & {PERSONAL_LINK_MASK}) > 0
    JOIN joined b ON b.user_id = w.peer AND b.referrer_id = a.referrer_id
    WHERE a.referrer_id IS NOT NULL
    GROUP BY a.referrer_id, a.user_id
),
campaign_referees AS (
    SELECT e.referrer_id AS user_id, COUNT(*) AS campaign_referees,
           AVG(CASE WHEN f.deposit_count > 0 THEN 1.0 ELSE 0.0 END) AS campaign_referee_deposit_share,
           AVG(CASE WHEN cd.user_id IS NOT NULL THEN 1.0 ELSE 0.0 END) AS referee_coordinated_share,
           AVG(CASE WHEN lr.user_id IS NOT NULL THEN 1.0 ELSE 0.0 END) AS referee_linked_share,
           AVG(CAST(h.is_hollow AS DOUBLE PRECISION)) AS referee_hollow_share
    FROM joined e LEFT JOIN features f ON f.user_id = e.user_id
    LEFT JOIN coordinated cd ON cd.user_id = e.user_id
    LEFT JOIN linked_referees lr ON lr.referrer_id = e.referrer_id AND lr.user_id = e.user_id
    LEFT JOIN hollow h ON h.user_id = e.user_id
    WHERE e.referrer_id IS NOT NULL
    GROUP BY e.referrer_id
),
clusters AS (
    SELECT user_id, cluster_id, cluster_size FROM risk.account_clusters WHERE date = :date
),
cluster_view AS (
    SELECT k.cluster_id,
           COUNT(e.user_id) AS cluster_participants,
           AVG(CASE WHEN co.withdrawn_share >= 0.5 THEN 1.0 WHEN co.user_id IS NOT NULL THEN 0.0 END)
               AS cluster_cash_out_share,
           MAX(rc.campaign_referral_depth) AS cluster_referral_depth,
           CAST(EXTRACT(EPOCH FROM (MAX(g.registered_at) - MIN(g.registered_at))) AS DOUBLE PRECISION) / 86400.0
               AS cluster_registration_spread_days,
           COALESCE(SUM(r.reward_usd), 0) AS cluster_reward_usd,
           CAST(COUNT(cd.user_id) AS DOUBLE PRECISION) / NULLIF(COUNT(e.user_id), 0) AS cluster_coordinated_share,
           AVG(CASE WHEN e.user_id IS NOT NULL THEN CAST(h.is_hollow AS DOUBLE PRECISION) END) AS cluster_hollow_share
    FROM clusters k
    LEFT JOIN joined e ON e.user_id = k.user_id
    LEFT JOIN coordinated cd ON cd.user_id = e.user_id
    LEFT JOIN hollow h ON h.user_id = e.user_id
    LEFT JOIN registered g ON g.user_id = k.user_id
    LEFT JOIN rewards r ON r.user_id = k.user_id
    LEFT JOIN cash_out co ON co.user_id = k.user_id
    LEFT JOIN campaign_referral_chain rc ON rc.user_id = k.user_id
    GROUP BY k.cluster_id
),
in_cluster_trading AS (
    SELECT t.user_id,
           SUM(CASE WHEN kc.cluster_id = ku.cluster_id THEN t.notional_usd ELSE 0 END)
               / NULLIF(SUM(t.notional_usd), 0) AS cluster_trade_share
    FROM {c["trades"]} t
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
         ELSE COALESCE(a.out_usd, 0)
              / NULLIF(COALESCE(uf.deposit_usd, 0) + COALESCE(uf.transfer_in_usd, 0) + r.reward_usd, 0) END
        AS withdrawn_share_after_reward,
    (COALESCE(uf.deposit_usd, 0) + COALESCE(uf.transfer_in_usd, 0) + COALESCE(ar.reward_usd, 0)
     - COALESCE(uf.withdrawal_usd, 0) - COALESCE(uf.transfer_out_usd, 0))
        / NULLIF(COALESCE(uf.deposit_usd, 0) + COALESCE(uf.transfer_in_usd, 0) + COALESCE(ar.reward_usd, 0), 0)
        AS money_left_share,
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
    COALESCE(ms.funder_campaign_fanout, 0) AS funder_campaign_fanout,
    COALESCE(ms.collector_campaign_fanin, 0) AS collector_campaign_fanin,
    COALESCE(crc.campaign_referral_depth, 0) AS campaign_referral_depth,
    COALESCE(cv.cluster_referral_depth, crc.campaign_referral_depth, 0) AS cluster_referral_depth,
    COALESCE(cv.cluster_cash_out_share,
             CASE WHEN co.withdrawn_share >= 0.5 THEN 1.0 ELSE 0.0 END) AS cluster_cash_out_share,
    COALESCE(lf.active_days_before_enroll, 0) AS active_days_before_enroll,
    COALESCE(lf.active_days_since_enroll, 0) AS active_days_since_enroll,
    COALESCE(lv.lockstep_peers, 0) AS lockstep_peers,
    COALESCE(lv.lockstep_chance, 1.0) AS lockstep_chance,
    COALESCE(lv.linked_lockstep_chance, 1.0) AS linked_lockstep_chance,
    lv.lockstep_hollow_share,
    lv.lockstep_signature,
    COALESCE(ks.key_spread_chance, 1.0) AS key_spread_chance,
    COALESCE(ks.key_spread_holders, 0) AS key_spread_holders,
    ks.key_spread_kind,
    ks.key_spread_width,
    ks.key_spread_hollow_share,
    COALESCE(rcv.relay_chain_reach, 0) AS relay_chain_reach,
    COALESCE(fcv.fresh_collector_peers, 0) AS fresh_collector_peers,
    COALESCE(bo.batch_order_peers, 0) AS batch_order_peers,
    COALESCE(bo.batch_order_chance, 1.0) AS batch_order_chance,
    bo.batch_order_acts,
    COALESCE(bs.batch_size_peers, 0) AS batch_size_peers,
    COALESCE(bs.batch_size_chance, 1.0) AS batch_size_chance,
    COALESCE(pp.personal_peers, 0) AS personal_peers,
    pp.personal_peer_hollow_share,
    COALESCE(ml.money_loop_peers, 0) AS money_loop_peers,
    ml.money_loop_hollow_share,
    cv.cluster_coordinated_share,
    cv.cluster_hollow_share,
    cr.referee_coordinated_share,
    cr.referee_linked_share,
    COALESCE(sib.campaign_referees - 1, 0) AS sibling_referees,
    sib.referee_coordinated_share AS sibling_coordinated_share,
    sib.referee_linked_share AS sibling_linked_share,
    COALESCE(lc.lifted_volume / NULLIF(lc.matched_volume, 0), 0) AS lifted_counterparty_share,
    lc.lifted_net / NULLIF(lc.lifted_volume, 0) AS lifted_counterparty_net,
    k.cluster_id
FROM enrolled e
LEFT JOIN features uf ON uf.user_id = e.user_id
LEFT JOIN registered g ON g.user_id = e.user_id
LEFT JOIN rewards r ON r.user_id = e.user_id
LEFT JOIN after_reward a ON a.user_id = e.user_id
LEFT JOIN all_rewards ar ON ar.user_id = e.user_id
LEFT JOIN campaign_trades ct ON ct.user_id = e.user_id
LEFT JOIN campaign_counterparties cc ON cc.user_id = e.user_id
LEFT JOIN campaign_referees cr ON cr.user_id = e.user_id
LEFT JOIN joined je ON je.user_id = e.user_id
LEFT JOIN campaign_referees sib ON sib.user_id = je.referrer_id
LEFT JOIN clusters k ON k.user_id = e.user_id
LEFT JOIN cluster_view cv ON cv.cluster_id = k.cluster_id
LEFT JOIN in_cluster_trading ict ON ict.user_id = e.user_id
LEFT JOIN money_stars ms ON ms.user_id = e.user_id
LEFT JOIN campaign_referral_chain crc ON crc.user_id = e.user_id
LEFT JOIN cash_out co ON co.user_id = e.user_id
LEFT JOIN life lf ON lf.user_id = e.user_id
LEFT JOIN lockstep_view lv ON lv.user_id = e.user_id
LEFT JOIN key_spread_view ks ON ks.user_id = e.user_id
LEFT JOIN relay_chain_view rcv ON rcv.user_id = e.user_id
LEFT JOIN fresh_collector_view fcv ON fcv.user_id = e.user_id
LEFT JOIN batch_order_view bo ON bo.user_id = e.user_id
LEFT JOIN batch_size_view bs ON bs.user_id = e.user_id
LEFT JOIN personal_peer_view pp ON pp.user_id = e.user_id
LEFT JOIN money_loop_view ml ON ml.user_id = e.user_id
LEFT JOIN lifted_counterparties lc ON lc.user_id = e.user_id
"""


def participant_feature_columns() -> list[str]:
    return ["date", "campaign_id", "user_id", *(f.name for f in USER_FEATURES + CAMPAIGN_FEATURES), "cluster_id"]


def participant_features_insert(layout: SourceLayout) -> str:
    columns = ", ".join(participant_feature_columns())  # by name, so the SELECT's order cannot misplace one
    return f"INSERT INTO {PARTICIPANT_FEATURES_TABLE} ({columns}) SELECT {columns} FROM ({participant_features_select(layout)}) f"


def build_participant_features(engine: sa.Engine, date, campaign_id: str) -> int:
    """Replace the (day, campaign) participant features; returns participants written."""
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
    params = day_params(date)
    return replace_partition(
        engine,
        PARTICIPANT_FEATURES_TABLE,
        {"date": params["date"], "campaign_id": campaign_id},
        insert_sql=participant_features_insert(layout),
        params=params,
    )

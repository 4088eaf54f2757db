"""Fresh collectors: a money destination that did not exist before the campaign, paid by several participants.

A service, an exchange's deposit address, a merchant or a friend's wallet has a life before the
campaign: someone paid it, it paid someone, or (an account) it registered. A farm's collector is
made for the campaign: it is first seen after the campaign starts, and those who pay it are the
farm's accounts cashing out. The collector's hollowness is the farm's, even where the accounts
paying it were warmed up with lives of their own (a few trades and transfers in the weeks
before) and cash out one at a time over days, so that neither their hollowness nor their timing
gives them away.

``fresh_collector_peers`` counts the other participants (this campaign or a sister) that paid
the same destination, after enrolling, where that destination was first seen on or after the
first day of the campaign or its earliest sister, by anyone: as a withdrawal address, a deposit
address or an internal account (its registration counts as a sighting). Only the data up to the
day counts, so an address first seen today is fresh today and stays fresh. A destination paid by
more than ``MAX_KEY_PARTICIPANTS`` participants is a contract or a service launched with the
campaign, not a collector.
"""

from __future__ import annotations

from riskflows.account_links import account_key
from riskflows.coordination import MAX_KEY_PARTICIPANTS


def fresh_collector_ctes(campaigns: str) -> str:
    """CTEs over `joined` (user_id, enrolled_at), `sister_campaigns` (campaign_id), `registered`
    (user_id, registered_at) and coordination's `money_in` / `money_out_all` (user_id, ts, key);
    ``campaigns`` is the day's clean campaigns relation. Defines `fresh_collector_view`
    (user_id, fresh_collector_peers)."""
    return f"""
destination_payers AS MATERIALIZED (
    -- each participant's money destinations after it enrolled
    SELECT DISTINCT m.key, m.user_id FROM money_out_all m JOIN joined j ON j.user_id = m.user_id
    WHERE m.ts >= j.enrolled_at
),
shared_destinations AS MATERIALIZED (
    SELECT key, COUNT(*) AS payers FROM destination_payers GROUP BY key
    HAVING COUNT(*) >= 2 AND COUNT(*) <= {MAX_KEY_PARTICIPANTS}
),
destination_sightings AS (
    -- the first time anyone is seen paying, being paid by, or (an account) registering as the destination
    SELECT m.key, MIN(m.ts) AS seen_at FROM money_out_all m JOIN shared_destinations d ON d.key = m.key GROUP BY m.key
    UNION ALL
    SELECT m.key, MIN(m.ts) FROM money_in m JOIN shared_destinations d ON d.key = m.key GROUP BY m.key
    UNION ALL
    SELECT d.key, r.registered_at FROM shared_destinations d
    JOIN registered r ON {account_key("acct", "r.user_id")} = d.key
),
campaign_start AS (
    SELECT MIN(x.starts_at) AS starts_at FROM {campaigns} x JOIN sister_campaigns s ON s.campaign_id = x.campaign_id
),
fresh_collectors AS (
    SELECT d.key, d.payers FROM shared_destinations d
    JOIN destination_sightings s ON s.key = d.key
    CROSS JOIN campaign_start cs
    GROUP BY d.key, d.payers, cs.starts_at
    HAVING MIN(s.seen_at) >= cs.starts_at
),
fresh_collector_view AS (
    SELECT p.user_id, MAX(f.payers) - 1 AS fresh_collector_peers
    FROM destination_payers p JOIN fresh_collectors f ON f.key = p.key
    GROUP BY p.user_id
)"""

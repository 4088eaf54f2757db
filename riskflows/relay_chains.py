"""Relay chains: money passed hand to hand along a line of participants (A -> B -> C -> ...).

An airdrop farm that wants no shared funder passes its seed money down a chain: each address
receives from the one before and pays the one after. Each address looks ordinary on its own
(one payer, one payee), and no key is shared by more than two of them. What gives the chain
away is its length and its pace: each address passes the money on soon after it arrives.
Honest participants pay each other too (friends, a family, one person's wallets), but each
payment is its own decision on its own day, so their money paths among participants end after
a hop or two, and a line of payments a week or more apart is no relay however long it is.

A *thin link* is a transfer between two participants (this campaign or a sister) from an
account that pays at most ``THIN_DEGREE`` participants to one paid by at most that many: a
funder paying a crowd or a collector sweeping one is a star, which the key tests judge, not
a chain. ``relay_chain_reach`` counts the participants a participant reaches, upstream and
downstream, along thin links within ``CHAIN_HOPS`` hops, each hop paid within ``RELAY_WINDOW``
after the hop before it arrived (a path that respects time: money cannot be passed on before it
came, and money passed on a week later was not relayed).
"""

from __future__ import annotations

THIN_DEGREE = 2  # a link in a chain passes money from one account to at most this many, and back
CHAIN_HOPS = 6  # hops followed each way
# a hop relays the one before it when paid within three days after it arrived: a farm passing seed
# money on bridges, swaps and waits for gas first, so its hops come hours to days apart; an honest
# participant's next payment to another participant comes a week or more later
RELAY_WINDOW = "3 days"


def relay_chain_ctes(transfers: str) -> str:
    """CTEs over `joined` (user_id: participants of the campaign and its sisters) and the day's clean
    `transfers` relation; defines `relay_chain_view` (user_id, relay_chain_reach)."""
    hops = ["SELECT DISTINCT a AS s, b AS t, ts FROM thin_links"]
    hops += [
        f"SELECT DISTINCT h.s, l.b AS t, l.ts FROM chain_hop_{k - 1} h JOIN thin_links l ON l.a = h.t\n"
        f"    WHERE l.ts >= h.ts AND l.ts <= h.ts + INTERVAL '{RELAY_WINDOW}' AND l.b <> h.s"
        for k in range(2, CHAIN_HOPS + 1)
    ]
    hop_ctes = ",\n".join(f"chain_hop_{k + 1} AS ({sql})" for k, sql in enumerate(hops))
    reached = "\n    UNION ".join(f"SELECT s, t FROM chain_hop_{k + 1}" for k in range(CHAIN_HOPS))
    return f"""
participant_transfers AS (
    SELECT x.from_user_id AS a, x.to_user_id AS b, x.ts FROM {transfers} x
    JOIN joined ja ON ja.user_id = x.from_user_id
    JOIN joined jb ON jb.user_id = x.to_user_id
    WHERE x.ts < :day_end AND x.from_user_id <> x.to_user_id
),
thin_links AS MATERIALIZED (
    SELECT p.a, p.b, p.ts FROM participant_transfers p
    JOIN (SELECT a, COUNT(DISTINCT b) AS payees FROM participant_transfers GROUP BY a) o ON o.a = p.a
    JOIN (SELECT b, COUNT(DISTINCT a) AS payers FROM participant_transfers GROUP BY b) i ON i.b = p.b
    WHERE o.payees <= {THIN_DEGREE} AND i.payers <= {THIN_DEGREE}
),
{hop_ctes},
chain_reached AS (
    {reached}
),
relay_chain_view AS (
    -- participants reached downstream plus those reaching this one upstream
    SELECT u AS user_id, COUNT(*) AS relay_chain_reach FROM (
        SELECT s AS u, t AS other FROM chain_reached UNION SELECT t, s FROM chain_reached
    ) r WHERE u <> other GROUP BY u
)"""

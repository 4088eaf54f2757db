"""Batch order: a script walks its list of accounts in one order, every time it runs.

A farm's operator makes (or first funds) its wallets one after another from a list, and days or
months later the claiming script walks the same list again: the accounts enroll in the order they
were made (or funded), minutes apart. People who happened to register in the same hour and to
enroll in the same hour months later come in any order. The order is evidence that does not
depend on how common such coincidences are in the campaign, so it holds where a farm's own pairs
make the coincidence look common (most same-hour pairs of a campaign can be farms'), and where the
farm warmed its accounts up with a few trades so that they are not hollow.

For each participant and each pair of acts a day or more apart that ends in its own act (registered
then enrolled, funded then enrolled: ACT_PAIRS), its *batch* is itself and the participants (this
campaign or a sister) that did both acts within the hour of it. Among the batch's n accounts, d
pairs did the second act out of the first's order (ties count as out of order). Independent
accounts keep their order that well with a chance of at most C(d + n - 1, n - 1) / n! (the orders
with at most d inversions number at most that), or the normal tail of Kendall's S where that bound
is looser; ``batch_order_chance`` is that chance times the campaign's participants and the pairs of
acts tried: how many participants would see such a batch by accident. Eight accounts in perfect
order give 2.5e-5 per participant, ten 2.8e-7. The participant must keep the order with all but a
tenth of its peers itself: a stranger who fell into a farm's two hours sits anywhere in the second
order. A batch of more than ``MAX_KEY_PARTICIPANTS`` peers is a crowd and is not judged.

The batch's size is evidence too (``batch_size_chance``). Were the two acts of people a day or more
apart independent of each other, a participant with c1 others doing the first act within its hour and
c2 the second, among N, would share both hours with about c1 c2 / N of them. A farm's two bursts crowd
both hours, yet its own k accounts raise that expectation only to about k^2 / N: twelve wallets withdrawn
from an exchange in one quiet hour and enrolling together days later stand out, in whatever order they
come. Crowds that two events brought (a launch's sign-ups enrolling in a hype hour) fill both hours and
raise the expectation with them. The count is judged by the negative binomial tail the lockstep test
uses, times the campaign's participants and the pairs of acts tried.

Registered then funded is not compared: on chain both are a payer's acts, and an honest payer walks a
list too (a DAO's payroll pays its contributors in one order every month). Nor is a cash-out: a
campaign's payouts run in the order people enrolled, so a crowd that sells on arrival cashes out in
that order. Acts minutes apart carry their order along for anyone (funded, then enrolled as soon as
the money landed), hence the day between them.
"""

from __future__ import annotations

import math

from riskflows.coordination import MAX_KEY_PARTICIPANTS, WINDOW_SECONDS, neighbour_buckets, tail_log10

MIN_GAP_SECONDS = 86400  # the two acts a batch is judged on are a day or more apart, for every account
# the participant itself keeps the batch's order with all but this share of its peers: a stranger who fell
# into a farm's two hours by chance sits anywhere in the second order
OWN_ORDER_SLACK = 0.1
# (name, act, act) of `acts` columns. The second act is the account's own (enrolling): registering (on chain,
# first being funded) and being funded are a payer's acts, and an honest payer walks a list too (a DAO's payroll
# pays its contributors in the same order every month). A cash-out is not among them: a campaign's payouts run
# in the order people enrolled, so everyone who sells on arrival cashes out in that order.
ACT_PAIRS = (
    ("registered+enrolled", "registered_at", "enrolled_at"),
    ("funded+enrolled", "fund_at", "enrolled_at"),
)


def _act_pair_times() -> str:
    """UNION of (user_id, pair, first_t, second_t) for every pair of acts a day or more apart."""
    selects = []
    for name, first, second in ACT_PAIRS:
        first_t, second_t = (f"CAST(EXTRACT(EPOCH FROM {act}) AS DOUBLE PRECISION)" for act in (first, second))
        selects.append(
            f"SELECT user_id, '{name}' AS pair, {first_t} AS first_t, {second_t} AS second_t FROM acts "
            f"WHERE {first} IS NOT NULL AND {second} IS NOT NULL AND ABS({second_t} - {first_t}) >= {MIN_GAP_SECONDS}"
        )
    return "\n    UNION ALL ".join(selects)


def _window() -> str:
    """The hour either side, typed as the act times are (a RANGE frame's offset must match its ORDER BY)."""
    return f"CAST({WINDOW_SECONDS} AS DOUBLE PRECISION)"


def _out_of_order(a: str, b: str) -> str:
    """SQL 1 where accounts `a` and `b` (rows of `batch_acts`) did the second act out of the first's order
    or tied (a tie proves no order), else 0."""
    return f"CASE WHEN ({a}.first_t - {b}.first_t) * ({a}.second_t - {b}.second_t) > 0 THEN 0 ELSE 1 END"


def _least_likely_batch(tail: str) -> str:
    """SELECT (user_id, pair, peers, chance) of each participant's least likely batch in `tail` (user_id, pair,
    peers, log_tail: log10 of its chance per participant); the chance is paid for by the campaign's participants
    and the pairs of acts tried."""
    return f"""
        SELECT user_id, pair, peers, chance FROM (
            SELECT t.user_id, t.pair, t.peers,
                   LEAST(1.0, pop.participants * {len(ACT_PAIRS)} * POWER(10.0, GREATEST(t.log_tail, -300))) AS chance,
                   ROW_NUMBER() OVER (PARTITION BY t.user_id ORDER BY t.log_tail, t.pair) AS pick
            FROM {tail} t CROSS JOIN population pop
        ) least_likely WHERE pick = 1"""


def _ln_factorial(m: str, upper: bool = False) -> str:
    """SQL ln(m!) by Stirling: a lower bound, or with upper=True an upper bound (within 1 / 12m)."""
    correction = f" + 1.0 / (12 * {m})" if upper else ""
    return f"(CASE WHEN {m} < 1 THEN 0.0 ELSE {m} * LN({m}) - {m} + 0.5 * LN({2 * math.pi} * {m}){correction} END)"


def batch_order_ctes() -> str:
    """CTEs over coordination's `acts` (user_id, registered_at, fund_at, enrolled_at; registered_at only
    when a day or more before enrolling and funding) and `population` (participants). Defines
    `batch_order_view` (user_id, batch_order_peers, batch_order_chance, batch_order_acts) and
    `batch_size_view` (user_id, batch_size_peers, batch_size_chance)."""
    return f"""
batch_acts AS MATERIALIZED (
    SELECT user_id, pair, first_t, second_t,
           FLOOR(first_t / {WINDOW_SECONDS}) AS first_b, FLOOR(second_t / {WINDOW_SECONDS}) AS second_b
    FROM ({_act_pair_times()}) t
),
batch_marginals AS (
    -- for each participant and pair of acts: the others that did the first act within its hour, the others
    -- that did the second, and all the others with that pair
    SELECT user_id, pair,
           COUNT(*) OVER (PARTITION BY pair ORDER BY first_t RANGE BETWEEN {_window()} PRECEDING AND {_window()} FOLLOWING)
               - 1 AS first_near,
           COUNT(*) OVER (PARTITION BY pair ORDER BY second_t RANGE BETWEEN {_window()} PRECEDING AND {_window()} FOLLOWING)
               - 1 AS second_near,
           COUNT(*) OVER (PARTITION BY pair) - 1 AS others
    FROM batch_acts
),
batch_pairs AS MATERIALIZED (
    -- participants doing both acts within the hour of each other, and whether the pair kept its order
    SELECT x.user_id, x.pair, y.user_id AS peer,
           {_out_of_order("x", "y")} AS out_of_order
    FROM batch_acts x
    JOIN ({neighbour_buckets("batch_acts", ("first_b", "second_b"))}) y
      ON y.pair = x.pair AND y.first_b_n = x.first_b AND y.second_b_n = x.second_b
    WHERE y.user_id <> x.user_id
      AND ABS(x.first_t - y.first_t) <= {WINDOW_SECONDS} AND ABS(x.second_t - y.second_t) <= {WINDOW_SECONDS}
),
batch_peer_counts AS MATERIALIZED (
    -- each participant's peers in both hours, and those it is out of order with
    SELECT user_id, pair, COUNT(*) AS peers, SUM(out_of_order) AS out_of_order FROM batch_pairs GROUP BY user_id, pair
),
batch_sizes AS (
    -- the batches judged by order: not a crowd, and the participant itself keeps the order (only these are
    -- worth pairing every member of: a sign-up wave enrolling in a launch hour makes batches of dozens)
    SELECT user_id, pair, peers FROM batch_peer_counts
    WHERE peers <= {MAX_KEY_PARTICIPANTS} AND out_of_order <= FLOOR({OWN_ORDER_SLACK} * peers)
),
batch_members AS MATERIALIZED (
    -- each judged participant's batch: itself and its peers
    SELECT p.user_id, p.pair, p.peer AS member FROM batch_pairs p
    JOIN batch_sizes s ON s.user_id = p.user_id AND s.pair = p.pair
    UNION ALL SELECT user_id, pair, user_id FROM batch_sizes
),
batch_kept_order AS (
    -- per batch: pairs that did the second act out of the first's order (the rest, of the n (n - 1) / 2, kept it)
    SELECT g.user_id, g.pair, SUM({_out_of_order("a", "b")}) AS broken
    FROM batch_members g
    JOIN batch_members h ON h.user_id = g.user_id AND h.pair = g.pair AND h.member > g.member
    JOIN batch_acts a ON a.user_id = g.member AND a.pair = g.pair
    JOIN batch_acts b ON b.user_id = h.member AND b.pair = g.pair
    GROUP BY g.user_id, g.pair
),
batch_order_tail AS (
    -- log10 of the chance that n accounts acting independently keep their order this well: the smaller of
    -- two upper bounds, the count of orders with at most `broken` inversions over all n! orders
    -- (C(broken + n - 1, n - 1) / n!), and the normal tail of Kendall's S
    SELECT k.user_id, k.pair, s.peers,
           -- Kendall's S: pairs kept minus pairs broken, (n (n - 1) / 2 - broken) - broken with n = peers + 1
           LEAST(0.0,
                 ({_ln_factorial("(k.broken + s.peers)", upper=True)} - {_ln_factorial("k.broken")}
                  - {_ln_factorial("s.peers")} - {_ln_factorial("(s.peers + 1)")}) / {math.log(10)},
                 CASE WHEN (s.peers + 1) * s.peers / 2 - 2 * k.broken > 1
                      THEN {math.log10(0.5)} - POWER(((s.peers + 1) * s.peers / 2 - 2 * k.broken - 1.0)
                           / SQRT((s.peers + 1) * s.peers * (2 * s.peers + 7) / 18.0), 2) / {2 * math.log(10)}
                      ELSE 0.0 END) AS log_tail
    FROM batch_kept_order k JOIN batch_sizes s ON s.user_id = k.user_id AND s.pair = k.pair
),
batch_size_tail AS (
    -- log10 of the chance that this many others share both hours, were the two acts independent
    SELECT b.user_id, b.pair, b.peers, -({tail_log10("b.peers", "b.expected")}) AS log_tail FROM (
        SELECT m.user_id, m.pair, p.peers, CAST(m.first_near AS DOUBLE PRECISION) * m.second_near / m.others AS expected
        FROM batch_marginals m JOIN batch_peer_counts p ON p.user_id = m.user_id AND p.pair = m.pair
        WHERE m.others > 0 AND p.peers <= {MAX_KEY_PARTICIPANTS}
    ) b
),
batch_size_view AS (
    -- each participant's least likely batch by its size
    SELECT user_id, peers AS batch_size_peers, chance AS batch_size_chance FROM ({_least_likely_batch("batch_size_tail")}) b
),
batch_order_view AS (
    -- each participant's most faithful batch
    SELECT user_id, peers AS batch_order_peers, pair AS batch_order_acts, chance AS batch_order_chance
    FROM ({_least_likely_batch("batch_order_tail")}) b
)"""

"""Coordination and hollowness: what tells a farm from a crowd, as SQL over one campaign's participants.

Real crowds share things (a carrier's NAT, a café PC, an exchange's deposit address, a P2P
merchant, a launch-hour rush), so sharing alone is not evidence. A farm gives itself away by
acting in lockstep and by having little life outside the campaign. Both are measured against
the campaign's own population, not against constants fit to one world:

* **Signatures.** For every pair of participants (this campaign and its sisters) a
  *signature* records what they have in common: actions within an hour of each other
  (registration, enrollment, first funding, first trade after enrolling, first money out
  after enrolling), near-equal amounts (first funding, first money out) and links (a
  device, a network, a deposit or withdrawal address, a funder, a collector, a referrer,
  internal transfers). Links held by a *service* link nobody: a key that many participants
  share, or that five or more share who registered months apart while most of them have lives
  of their own, is an OTC desk, a merchant, a NAT or an exchange, however many participants
  use it. A key of five or more holders links them only where its holders bunch over days.
* **Lockstep.** For a participant and a signature with at least two coinciding
  *behaviours* (a link alone is co-use, not coordination), ``k`` peers share at least that
  signature while the campaign's own pairs say ``E`` would by chance. The Chernoff bound of
  the Poisson tail, ``P(X >= k) <= exp(-(k ln(k/E) - k + E))``, times the number of
  participants, is ``lockstep_chance``: how many participants of this campaign would look
  this coordinated by accident. ``E`` is the campaign's rate for the signature scaled by how
  crowded the participant's hour was, so people inside a marketing burst or a launch rush
  are compared with the burst, not with the quiet weeks around it. A launch-hour rush or a minimum-deposit crowd makes its
  coincidences common, so they stop counting; twelve accounts that registered, were funded
  by one source and traded within the same hour never are. Each participant keeps its
  least likely signature.
* **Hollowness.** Active days (logins, trades, money movements) in the 60 days before
  enrolling, not counting the two days right before it: a farm account has none, or only an
  earlier owner's life before it went quiet.

Candidate pairs come from equi-joins on hour buckets (neighbouring buckets included) and on
shared keys held by at most ``MAX_KEY_PARTICIPANTS`` participants, so the statement never
forms all pairs of a large campaign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from riskflows.account_links import HubPolicy, account_key, registration_spread_days

WINDOW_SECONDS = 3600  # two actions "coincide" within an hour of each other
TIGHT_WINDOW_SECONDS = 600  # ... and "coincide closely" within ten minutes (scripts act seconds apart)
AMOUNT_TOLERANCE = 0.05  # amounts "match" within 5 % of the larger
MIN_BEHAVIOURS = 2  # coincident actions or amounts a lockstep signature needs
MAX_KEY_PARTICIPANTS = 200  # a key held by more participants links nobody; timing still counts
SERVICE_MIN_HOLDERS = 5  # a key held by this many participants, most with lives of their own, is a service ...
SERVICE_SPREAD_DAYS = HubPolicy().diverse_spread_days  # ... when they registered months apart (the hub test's measure)
HOLLOW_MAX_ACTIVE_DAYS = 2  # at most this many active days in the 60 before enrolling
LOOKBACK_DAYS = 60
# a money source that paid a holder on this many days, spanning at least LOOKBACK_DAYS, before the
# holder enrolled has a standing relationship with it (a payroll, a family's card, one's own savings)
STANDING_PAYMENT_DAYS = 3
FUNDING_LOOKBACK_DAYS = 30  # the funding that set an account up can come weeks before it enrolls
QUIET_DAYS_BEFORE_ENROLL = 2  # a farm's set-up right before enrolling is not a life
_LOG_AMOUNT_TOLERANCE = round(-math.log(1 - AMOUNT_TOLERANCE), 6)  # the same match on a log scale
OVERDISPERSION = 10  # shape of the negative binomial that chance coincidences are counted with
LOCKSTEP_CHANCE = 0.01  # participants, in the whole campaign, expected to look this coordinated by accident
# Unlinked accounts coinciding with a crowd need far stronger evidence: a launch hour's early sellers
# all claim, fund and sell within minutes of each other, and nothing but timing ties them.
CROWD_LOCKSTEP_CHANCE = 1e-6

# (name, column of `acts`) of the timed actions, and of the amounts compared
ACTIONS = (
    ("registered", "registered_at"),
    ("enrolled", "enrolled_at"),
    ("funded", "fund_at"),
    ("traded", "trade_at"),
    ("cashed_out", "out_at"),
)
AMOUNTS = (("fund_amount", "fund_usd"), ("out_amount", "out_usd"))
# the action each amount is the amount of: on a money key, an amount only some of its holders moved is
# one act with its time, one piece of evidence (_act_of)
AMOUNT_ACTS = {"fund_amount": "funded", "out_amount": "cashed_out"}
# except a key's own payments: a funder chooses when to pay and how much, a collector when to be paid and
# how much to take; for that key the two are two choices (the keys named here are the money keys)
KEY_OWN_AMOUNTS = {"source": "fund_amount", "destination": "out_amount"}
# What links a pair for the lockstep test. Not a shared referrer: referees come when their referrer
# shares the link, so the same hour is what a referral predicts, for an influencer's audience as for
# a ring (a ring's referees are judged by their devices, money and coordination instead).
LINKS = ("device", "network", "source", "destination")
# personal links: a device, a money source or destination (a network is a campus, a carrier or a café:
# its crowds sign up together on purpose); their holders' spread over days is evidence
PERSONAL_LINKS = ("device", "source", "destination")
SPREAD_OUTLIER_SHARE = 0.25  # a key's tightest window may leave this share of its holders out
SPREAD_MIN_HOLDERS = 3  # holders a key's window must hold to be judged
KEY_BUNCH_CHANCE = 0.01  # a key of five or more holders links them only if they bunch at least this unusually
SPREAD_HOLLOW_SHARE = 0.8  # a bunching key counts as a farm's when this share of its holders is hollow


@dataclass(frozen=True)
class SignatureBit:
    bit: int
    name: str
    behaviour: bool


def _signature_bits() -> tuple[SignatureBit, ...]:
    names = [name for name, _ in ACTIONS] + [f"{name}_minutes" for name, _ in ACTIONS] + [name for name, _ in AMOUNTS]
    bits = [SignatureBit(1 << i, name, True) for i, name in enumerate(names)]
    return (*bits, *(SignatureBit(1 << (len(names) + i), name, False) for i, name in enumerate(LINKS)))


SIGNATURE = _signature_bits()
BIT = {s.name: s.bit for s in SIGNATURE}
PERSONAL_LINK_MASK = sum(BIT[name] for name in PERSONAL_LINKS)
BEHAVIOUR_MASK = sum(s.bit for s in SIGNATURE if s.behaviour)
LINK_MASK = sum(s.bit for s in SIGNATURE if not s.behaviour)
TIMED_MASK = sum(BIT[name] for name, _ in ACTIONS)
AMOUNT_MASK = sum(BIT[name] for name, _ in AMOUNTS)
LINK_BITS = {name: BIT[name] for name in LINKS}


def signature_text(mask: int) -> str:
    """The names of a signature's bits, comma-separated (what an analyst reads in evidence)."""
    return ",".join(s.name for s in SIGNATURE if mask & s.bit)


def _behaviours(mask: str) -> str:
    """SQL count of the distinct behaviours in a mask: each timed action once (within minutes is still
    the same action), and like amounts once (someone who withdraws what they deposited matches on both
    amounts by one decision)."""
    actions = " + ".join(f"(CASE WHEN ({mask} & {BIT[name]}) > 0 THEN 1 ELSE 0 END)" for name, _ in ACTIONS)
    return f"{actions} + (CASE WHEN ({mask} & {AMOUNT_MASK}) > 0 THEN 1 ELSE 0 END)"


def _signature_names(mask: str) -> str:
    parts = [f"CASE WHEN ({mask} & {s.bit}) > 0 THEN '{s.name},' ELSE '' END" for s in SIGNATURE]
    return f"RTRIM({' || '.join(parts)}, ',')"


def tail_log10(k: str, mean: str) -> str:
    """SQL for -log10 of the Chernoff bound on P(X >= k), X negative binomial with this mean and shape
    OVERDISPERSION; 0 when k is not above the mean.

    With shape r the rate function is k ln(k (r + m) / (m (k + r))) + r ln((r + m) / (k + r)); as r grows
    it becomes the Poisson's k ln(k / m) - k + m. A crowd's coincidences vary far more than a Poisson's
    (a launch hour's early sellers all sell at once), so a count three times its mean is ordinary for a
    mean of hundreds and extraordinary for a mean of one.
    """
    r = float(OVERDISPERSION)
    return (
        f"CASE WHEN {k} > {mean} AND {mean} > 0 THEN "
        f"({k} * LN({k} * ({r} + {mean}) / ({mean} * ({k} + {r}))) + {r} * LN(({r} + {mean}) / ({k} + {r})))"
        f" / {math.log(10)} ELSE 0 END"
    )


def neighbour_buckets(relation: str, buckets: tuple[str, ...]) -> str:
    """UNION ALL of `relation` with its bucket columns shifted by -1, 0 and +1 (every combination),
    so an equi-join on the buckets finds every pair within one bucket width."""
    shifts = [()]
    for _ in buckets:
        shifts = [previous + (step,) for previous in shifts for step in (-1, 0, 1)]
    selects = []
    for combination in shifts:
        moved = ", ".join(f"{b} + {step} AS {b}_n" for b, step in zip(buckets, combination))
        selects.append(f"SELECT *, {moved} FROM {relation}")
    return " UNION ALL ".join(selects)


def _window_log_chance(width: str) -> str:
    """SQL log10 chance of `m` of a key's `n` holders inside a window covering `width` of the campaign:
    the negative-binomial tail at n * width expected, times the 1 / width places it could sit."""
    w = f"GREATEST({width}, 1e-9)"
    return f"(LN(1.0 / {w}) / {math.log(10)} - {tail_log10('m', f'(n * {w})')})"


def _joint_of_best_two(value: str, rank: str, columns: str = "") -> str:
    """SELECT over `key_window_chance`: per key, `value` of its first dimension by `rank` plus that of
    its second (only when it adds evidence), times the choice of that second dimension."""
    return (
        f"SELECT b.link_kind, b.key, {columns}\n"
        f"           b.{value} + LEAST(COALESCE(s.{value}, 0), 0) + LN(b.dimensions) / {math.log(10)} AS {value}\n"
        f"    FROM key_window_chance b\n"
        f"    LEFT JOIN key_window_chance s ON s.link_kind = b.link_kind AND s.key = b.key AND s.{rank} = 2\n"
        f"    WHERE b.{rank} = 1"
    )


def _action_name(column: str) -> str:
    """SQL naming an action or amount bit."""
    cases = " ".join(f"WHEN {BIT[name]} THEN '{name}'" for name in (*(n for n, _ in ACTIONS), *(n for n, _ in AMOUNTS)))
    return f"CASE {column} {cases} END"


def _act_of(column: str, link_kind: str, most_did_it: str) -> str:
    """SQL: the act an action or amount bit of a key of ``link_kind`` belongs to.

    On a money key (a funder, a faucet, a payroll, a collector), an amount done by only some of the
    key's holders (``most_did_it`` false) is one act with its time: a few of a faucet's users who cash
    out together in equal amounts show they are one hand, not that the faucet is theirs. Where most
    holders did it, where the amount is the key's own payment (KEY_OWN_AMOUNTS: a funder chooses when
    to pay and how much), or on a device or network, it is a choice of its own.
    """
    own = " ".join(
        f"WHEN {link_kind} = '{kind}' AND {column} = {BIT[amount]} THEN {column}"
        for kind, amount in KEY_OWN_AMOUNTS.items()
    )
    cases = " ".join(f"WHEN {column} = {BIT[amount]} THEN {BIT[act]}" for amount, act in AMOUNT_ACTS.items())
    money = ", ".join(f"'{kind}'" for kind in KEY_OWN_AMOUNTS)
    return f"CASE WHEN {most_did_it} OR {link_kind} NOT IN ({money}) THEN {column} {own} {cases} ELSE {column} END"


def _transfer_keys_of(user_id: str) -> str:
    """SQL list of the two transfer keys named after an account: its outflow and its inflow."""
    return f"{account_key('from', user_id)}, {account_key('to', user_id)}"


def _epoch(column: str) -> str:
    return f"EXTRACT(EPOCH FROM {column})"


def _near(a: str, b: str, window: int) -> str:
    return f"ABS({_epoch(a)} - {_epoch(b)}) <= {window}"


def _pair_behaviours() -> str:
    """SQL sum of the behaviour bits of a pair of `acts` rows x and y."""
    terms = []
    for name, column in ACTIONS:
        terms.append(f"(CASE WHEN {_near('x.' + column, 'y.' + column, WINDOW_SECONDS)} THEN {BIT[name]} ELSE 0 END)")
        terms.append(
            f"(CASE WHEN {_near('x.' + column, 'y.' + column, TIGHT_WINDOW_SECONDS)} "
            f"THEN {BIT[name + '_minutes']} ELSE 0 END)"
        )
    for name, column in AMOUNTS:
        terms.append(f"(CASE WHEN {_same_amount('x.' + column, 'y.' + column)} THEN {BIT[name]} ELSE 0 END)")
    return "\n           + ".join(terms)


def _amount_values() -> str:
    """UNION of (user_id, amount bit, log amount) for every positive amount of `acts`."""
    return "\n    UNION ALL ".join(
        f"SELECT user_id, {BIT[name]} AS action, LN({column}) AS v FROM acts WHERE {column} > 0"
        for name, column in AMOUNTS
    )


def _action_times() -> str:
    """UNION of (user_id, action bit, epoch seconds) for every timed action of `acts`."""
    return "\n    UNION ALL ".join(
        f"SELECT user_id, {BIT[name]} AS action, {_epoch(column)} AS t FROM acts WHERE {column} IS NOT NULL"
        for name, column in ACTIONS
    )


def _same_amount(a: str, b: str) -> str:
    return f"ABS({a} - {b}) <= {AMOUNT_TOLERANCE} * GREATEST({a}, {b}) AND GREATEST({a}, {b}) > 0"


def coordination_ctes(c: dict[str, str]) -> str:
    """CTEs over `joined` (user_id, enrolled_at: participants of the campaign and its sisters)
    and `registered` (user_id, registered_at).

    `c` maps source table names to their clean relations for the day. Defines, among others,
    `acts` (per joined participant: when it registered, enrolled, was funded, first traded and
    first moved money out, with keys and amounts), `life` (active days before and since
    enrolling), `hollow`, `lockstep_view` (per participant: its least likely signature, the
    peers sharing it, their hollow share, the chance) and `coordinated` (participants whose
    lockstep_chance is at most LOCKSTEP_CHANCE).
    """
    link_bits = " ".join(f"WHEN '{kind}' THEN {bit}" for kind, bit in LINK_BITS.items())
    return f"""
money_in AS (
    SELECT user_id, ts, amount_usd, 'addr:' || from_address AS key FROM {c["deposits"]} x WHERE ts < :day_end
    UNION ALL SELECT to_user_id, ts, amount_usd, 'acct:' || CAST(from_user_id AS VARCHAR) FROM {c["transfers"]} x
        WHERE ts < :day_end AND from_user_id <> to_user_id
),
money_out_all AS (
    SELECT user_id, ts, amount_usd, 'addr:' || to_address AS key FROM {c["withdrawals"]} x WHERE ts < :day_end
    UNION ALL SELECT from_user_id, ts, amount_usd, 'acct:' || CAST(to_user_id AS VARCHAR) FROM {c["transfers"]} x
        WHERE ts < :day_end AND from_user_id <> to_user_id
),
first_fund AS (
    -- the money that set the participant up: the last in before enrolling (within 30 days), else
    -- the first after it (a deposit bonus is earned by depositing after enrolling)
    SELECT user_id, ts AS fund_at, key AS fund_key, amount_usd AS fund_usd FROM (
        SELECT m.user_id, m.ts, m.key, m.amount_usd,
               ROW_NUMBER() OVER (PARTITION BY m.user_id
                                  ORDER BY CASE WHEN m.ts <= j.enrolled_at THEN 0 ELSE 1 END,
                                           CASE WHEN m.ts <= j.enrolled_at THEN -{_epoch("m.ts")} ELSE {_epoch("m.ts")} END,
                                           m.key) AS rn
        FROM money_in m JOIN joined j ON j.user_id = m.user_id
        WHERE m.ts >= j.enrolled_at - INTERVAL '{FUNDING_LOOKBACK_DAYS} days'
    ) f WHERE rn = 1
),
first_out AS (
    -- the first money out after enrolling; not at the enrollment's own second: where joining is a
    -- payment (an airdrop's qualifying bridge deposit), that payment is the enrollment, one act, and
    -- counting it again as a cash-out would make every pair that enrolled together coincide twice
    SELECT user_id, ts AS out_at, key AS out_key, amount_usd AS out_usd FROM (
        SELECT m.user_id, m.ts, m.key, m.amount_usd,
               ROW_NUMBER() OVER (PARTITION BY m.user_id ORDER BY m.ts, m.key) AS rn
        FROM money_out_all m JOIN joined j ON j.user_id = m.user_id
        WHERE m.ts > j.enrolled_at
    ) f WHERE rn = 1
),
first_trade AS (
    SELECT t.user_id, MIN(t.ts) AS trade_at FROM {c["trades"]} t JOIN joined j ON j.user_id = t.user_id
    WHERE t.ts >= j.enrolled_at AND t.ts < :day_end GROUP BY t.user_id
),
acts AS MATERIALIZED (
    -- registering counts as its own action only for an account registered at least a day before it
    -- enrolled and was funded: a sign-up that leads straight into the campaign, or an address first
    -- seen when it was funded, is one event, not two
    SELECT j.user_id, j.enrolled_at,
           CASE WHEN r.registered_at < j.enrolled_at - INTERVAL '1 day'
                 AND (ff.fund_at IS NULL OR r.registered_at < ff.fund_at - INTERVAL '1 day')
                THEN r.registered_at END AS registered_at,
           ff.fund_at, ff.fund_key, ff.fund_usd, ft.trade_at,
           fo.out_at, fo.out_key, fo.out_usd
    FROM joined j
    LEFT JOIN registered r ON r.user_id = j.user_id
    LEFT JOIN first_fund ff ON ff.user_id = j.user_id
    LEFT JOIN first_trade ft ON ft.user_id = j.user_id
    LEFT JOIN first_out fo ON fo.user_id = j.user_id
),
activity AS (
    -- economic activity: trades and money movements (logins are free, so a farm keeps them up)
    SELECT user_id, ts FROM {c["trades"]} x WHERE ts < :day_end
    UNION ALL SELECT user_id, ts FROM money_in
    UNION ALL SELECT user_id, ts FROM money_out_all
),
life AS (
    SELECT j.user_id,
           COUNT(DISTINCT CASE WHEN a.ts < j.enrolled_at - INTERVAL '{QUIET_DAYS_BEFORE_ENROLL} days'
                               THEN CAST(a.ts AS DATE) END) AS active_days_before_enroll,
           COUNT(DISTINCT CASE WHEN a.ts >= j.enrolled_at THEN CAST(a.ts AS DATE) END) AS active_days_since_enroll
    FROM joined j JOIN activity a ON a.user_id = j.user_id AND a.ts >= j.enrolled_at - INTERVAL '{LOOKBACK_DAYS} days'
    GROUP BY j.user_id
),
hollow AS MATERIALIZED (
    SELECT j.user_id, CASE WHEN COALESCE(l.active_days_before_enroll, 0) <= {HOLLOW_MAX_ACTIVE_DAYS}
                           THEN 1 ELSE 0 END AS is_hollow
    FROM joined j LEFT JOIN life l ON l.user_id = j.user_id
),
act_times AS MATERIALIZED (
    {_action_times()}
),
amount_values AS MATERIALIZED (
    {_amount_values()}
),
action_density AS MATERIALIZED (
    -- how many participants acted within the hour of each participant's action, or moved an amount
    -- within 5 % of its own (a popular amount, like a campaign minimum, makes matches cheap)
    SELECT user_id, action,
           COUNT(*) OVER (PARTITION BY action ORDER BY t RANGE BETWEEN {WINDOW_SECONDS} PRECEDING
                          AND {WINDOW_SECONDS} FOLLOWING) - 1 AS near
    FROM act_times
    UNION ALL
    SELECT user_id, action,
           COUNT(*) OVER (PARTITION BY action ORDER BY v RANGE BETWEEN {_LOG_AMOUNT_TOLERANCE} PRECEDING
                          AND {_LOG_AMOUNT_TOLERANCE} FOLLOWING) - 1
    FROM amount_values
),
action_crowding AS (
    -- each participant's crowding on each dimension against the campaign's average
    SELECT d.user_id, d.action, (d.near + 1.0) / (a.mean_near + 1.0) AS ratio
    FROM action_density d JOIN (SELECT action, AVG(near) AS mean_near FROM action_density GROUP BY action) a
      ON a.action = d.action
),
dense_dimensions AS (
    -- the two actions or amounts most participants share (the enrollment rush, the campaign minimum):
    -- a pair coinciding on two behaviours coincides on some other dimension, where it is found, or
    -- on exactly these two, where it is found by joining on both at once
    SELECT action, ROW_NUMBER() OVER (ORDER BY SUM(near) DESC, action) AS rank
    FROM action_density GROUP BY action
),
dimension_values AS MATERIALIZED (
    SELECT user_id, action, t AS v, {WINDOW_SECONDS} AS width FROM act_times
    UNION ALL SELECT user_id, action, v, {_LOG_AMOUNT_TOLERANCE} FROM amount_values
),
dimension_buckets AS MATERIALIZED (
    SELECT d.user_id, d.action, d.v, d.width, FLOOR(d.v / d.width) AS bucket
    FROM dimension_values d JOIN dense_dimensions r ON r.action = d.action AND r.rank > 2
),
dense_buckets AS MATERIALIZED (
    -- each participant's bucket on both dense dimensions (a participant without either is in no such pair)
    SELECT d.user_id,
           MAX(CASE WHEN r.rank = 1 THEN d.v END) AS v1, MAX(CASE WHEN r.rank = 1 THEN d.width END) AS w1,
           MAX(CASE WHEN r.rank = 1 THEN FLOOR(d.v / d.width) END) AS b1,
           MAX(CASE WHEN r.rank = 2 THEN d.v END) AS v2, MAX(CASE WHEN r.rank = 2 THEN d.width END) AS w2,
           MAX(CASE WHEN r.rank = 2 THEN FLOOR(d.v / d.width) END) AS b2
    FROM dimension_values d JOIN dense_dimensions r ON r.action = d.action AND r.rank <= 2
    GROUP BY d.user_id
    HAVING COUNT(*) = 2
),
standing_sources AS MATERIALIZED (
    -- (holder, source) pairs with a standing relationship: the source paid the holder on
    -- {STANDING_PAYMENT_DAYS} or more days spanning {LOOKBACK_DAYS} or more before the holder enrolled (an
    -- employer's payroll, a family's card, one's own savings); a farm's funder seeds its accounts for
    -- the campaign, and a top-up or two before does not make a payroll
    -- money_in's keys spelled as account_links spells them: the raw address, 'from:<account>'
    SELECT m.user_id,
           CASE WHEN m.key LIKE 'addr:%' THEN SUBSTR(m.key, 6) ELSE {account_key("from", "SUBSTR(m.key, 6)")} END AS key
    FROM money_in m JOIN joined j ON j.user_id = m.user_id
    WHERE m.ts < j.enrolled_at AND m.key IS NOT NULL
    GROUP BY m.user_id, m.key
    HAVING COUNT(DISTINCT CAST(m.ts AS DATE)) >= {STANDING_PAYMENT_DAYS}
       AND MAX(m.ts) >= MIN(m.ts) + INTERVAL '{LOOKBACK_DAYS} days'
),
held_keys AS MATERIALIZED (
    -- the day's account links (hubs, shared computers among them, cut) as device, network, money
    -- source and money destination
    SELECT l.user_id,
           CASE WHEN l.link_kind IN ('ip', 'ip24') THEN 'network'
                WHEN l.link_kind = 'deposit_source' OR (l.link_kind = 'transfer' AND l.key LIKE 'from:%') THEN 'source'
                WHEN l.link_kind IN ('withdrawal_address', 'transfer') THEN 'destination'
                ELSE l.link_kind END AS link_kind,
           l.key
    FROM risk.account_links l JOIN joined j ON j.user_id = l.user_id
    WHERE l.date = :date AND l.link_kind <> 'referral'
),
participant_keys AS MATERIALIZED (
    -- a source a holder has a standing relationship with is no link of that holder's (a DAO's
    -- monthly payroll lands in the same minutes as a farm's seed money)
    SELECT k.user_id, k.link_kind, k.key FROM held_keys k
    LEFT JOIN standing_sources s ON k.link_kind = 'source' AND s.user_id = k.user_id AND s.key = k.key
    WHERE s.user_id IS NULL
),
linking_keys AS (
    -- keys that link their holders: not a service (too many participants, or five or more most of
    -- whom have lives of their own and who registered months apart); lived_in: most holders have
    -- lives of their own (such a key links only where its holders are seen to bunch). A key is judged
    -- on all its holders, those it has a standing relationship with included: a merchant paying its
    -- regulars for months is a service, or a key of many holders, to the newcomers it also pays
    SELECT link_kind, key, holders, lived_in FROM (
        SELECT k.link_kind, k.key, COUNT(*) AS holders,
               CASE WHEN 2 * SUM(h.is_hollow) < COUNT(*) THEN 1 ELSE 0 END AS lived_in,
               COALESCE({registration_spread_days("r.registered_at")}, 0) AS reg_spread_days
        FROM held_keys k JOIN hollow h ON h.user_id = k.user_id
        LEFT JOIN registered r ON r.user_id = k.user_id
        GROUP BY k.link_kind, k.key
    ) s
    WHERE holders >= 2 AND holders <= {MAX_KEY_PARTICIPANTS}
      AND NOT (holders >= {SERVICE_MIN_HOLDERS} AND lived_in = 1 AND reg_spread_days > {SERVICE_SPREAD_DAYS})
),{key_spread_ctes()},
pair_linking_keys AS (
    -- keys that link pairs for the lockstep test: a few holders (a household, a farm's phone), or
    -- more whose holders bunch, or whose bunching this campaign cannot judge; many holders who are
    -- seen to come on their own days and with their own amounts are a service's customers, a
    -- campus or an influencer's audience, however hollow they are
    SELECT l.link_kind, l.key FROM linking_keys l
    LEFT JOIN key_joint_chance c ON c.link_kind = l.link_kind AND c.key = l.key
    LEFT JOIN key_power p ON p.link_kind = l.link_kind AND p.key = l.key
    WHERE l.holders < {SERVICE_MIN_HOLDERS} OR c.log_chance <= {math.log10(KEY_BUNCH_CHANCE)}
       OR (l.lived_in = 0 AND COALESCE(p.best_possible, 0) > {math.log10(KEY_BUNCH_CHANCE)})
),
linked_pairs AS MATERIALIZED (
    -- loop_mask: the links through a third party, not through a transfer between the two (a transfer
    -- from u to v makes them share u's outflow and v's inflow: one payment, not a loop)
    SELECT a.user_id AS u, b.user_id AS v,
           CAST(SUM(DISTINCT CASE a.link_kind {link_bits} ELSE 0 END) AS BIGINT) AS link_mask,
           CAST(SUM(DISTINCT CASE WHEN a.key NOT IN ({_transfer_keys_of("a.user_id")}, {_transfer_keys_of("b.user_id")})
                                  THEN CASE a.link_kind {link_bits} ELSE 0 END ELSE 0 END) AS BIGINT) AS loop_mask
    FROM participant_keys a
    JOIN pair_linking_keys k ON k.link_kind = a.link_kind AND k.key = a.key
    JOIN participant_keys b ON b.link_kind = a.link_kind AND b.key = a.key AND a.user_id < b.user_id
    GROUP BY a.user_id, b.user_id
),
candidate_pairs AS (
    -- equi-joins on buckets, each side's neighbouring buckets spelled out (a join on bucket + shift
    -- makes engines fall back to nested loops)
    SELECT x.user_id AS u, y.user_id AS v FROM ({neighbour_buckets("dimension_buckets", ("bucket",))}) x
    JOIN dimension_buckets y ON y.action = x.action AND y.bucket = x.bucket_n
    WHERE x.user_id < y.user_id AND ABS(x.v - y.v) <= x.width
    UNION
    SELECT x.user_id, y.user_id FROM ({neighbour_buckets("dense_buckets", ("b1", "b2"))}) x
    JOIN dense_buckets y ON y.b1 = x.b1_n AND y.b2 = x.b2_n
    WHERE x.user_id < y.user_id AND ABS(x.v1 - y.v1) <= x.w1 AND ABS(x.v2 - y.v2) <= x.w2
    UNION SELECT u, v FROM linked_pairs
),
pair_masks AS MATERIALIZED (
    SELECT p.u, p.v,
           {_pair_behaviours()}
           + COALESCE(lp.link_mask, 0) AS mask
    FROM candidate_pairs p
    JOIN acts x ON x.user_id = p.u
    JOIN acts y ON y.user_id = p.v
    LEFT JOIN linked_pairs lp ON lp.u = p.u AND lp.v = p.v
),
both_ways AS MATERIALIZED (
    -- pairs that share two behaviours or a link; a lone coincidence is no signature
    SELECT u AS user_id, v AS peer, mask FROM pair_masks
    WHERE (mask & {LINK_MASK}) > 0 OR {_behaviours("mask")} >= {MIN_BEHAVIOURS}
    UNION ALL SELECT v, u, mask FROM pair_masks
    WHERE (mask & {LINK_MASK}) > 0 OR {_behaviours("mask")} >= {MIN_BEHAVIOURS}
),
user_pairs AS MATERIALIZED (
    -- per participant: each pair's coinciding behaviours, and whether the pair is linked
    SELECT user_id, mask & {BEHAVIOUR_MASK} AS behaviour,
           CASE WHEN (mask & {LINK_MASK}) > 0 THEN 1 ELSE 0 END AS linked, COUNT(*) AS peers
    FROM both_ways GROUP BY user_id, mask & {BEHAVIOUR_MASK}, CASE WHEN (mask & {LINK_MASK}) > 0 THEN 1 ELSE 0 END
),
linked_degree AS (
    SELECT user_id, SUM(peers) AS linked_peers FROM user_pairs WHERE linked = 1 GROUP BY user_id
),
user_signatures AS (
    SELECT DISTINCT user_id, behaviour AS signature FROM user_pairs WHERE {_behaviours("behaviour")} >= {MIN_BEHAVIOURS}
),
signature_peers AS MATERIALIZED (
    SELECT s.user_id, s.signature, SUM(p.peers) AS peers, SUM(p.peers * p.linked) AS linked_peers
    FROM user_signatures s
    JOIN user_pairs p ON p.user_id = s.user_id AND (p.behaviour & s.signature) = s.signature
    GROUP BY s.user_id, s.signature
),
behaviour_counts AS (
    SELECT mask & {BEHAVIOUR_MASK} AS behaviour, COUNT(*) AS pairs FROM pair_masks GROUP BY mask & {BEHAVIOUR_MASK}
),
signature_support AS (
    -- pairs of the whole campaign coinciding on at least the signature's behaviours
    SELECT s.signature, SUM(c.pairs) AS pairs
    FROM (SELECT DISTINCT signature FROM user_signatures) s
    JOIN behaviour_counts c ON (c.behaviour & s.signature) = s.signature
    GROUP BY s.signature
),
population AS (
    SELECT COUNT(*) AS participants, COUNT(*) * (COUNT(*) - 1) / 2.0 AS pairs FROM joined
),
local_crowding AS (
    -- how crowded the participant's moment and amount were: the busiest of the signature's timed
    -- actions (they are one sequence, so the largest counts) times the busiest of its amounts
    -- (a popular amount is popular at any hour); never below the campaign's average
    SELECT p.user_id, p.signature,
           GREATEST(COALESCE(MAX(CASE WHEN (c.action & {TIMED_MASK}) > 0 THEN c.ratio END), 1.0), 1.0)
           * GREATEST(COALESCE(MAX(CASE WHEN (c.action & {AMOUNT_MASK}) > 0 THEN c.ratio END), 1.0), 1.0) AS ratio
    FROM signature_peers p LEFT JOIN action_crowding c ON c.user_id = p.user_id AND (p.signature & c.action) > 0
    GROUP BY p.user_id, p.signature
),
expectations AS (
    -- peers expected to share the behaviours by chance: the campaign's rate for them over all pairs,
    -- scaled by how crowded the participant's moment and amount were (a launch rush, a marketing
    -- burst, a campaign minimum); among linked accounts, the same rate for as many peers as the
    -- participant is linked to
    SELECT p.user_id, p.signature, p.peers, p.linked_peers,
           (pop.participants - 1) * s.pairs / pop.pairs * lc.ratio AS crowd_expected,
           COALESCE(dg.linked_peers, 0) * s.pairs / pop.pairs * lc.ratio AS linked_expected
    FROM signature_peers p
    JOIN signature_support s ON s.signature = p.signature
    JOIN local_crowding lc ON lc.user_id = p.user_id AND lc.signature = p.signature
    LEFT JOIN linked_degree dg ON dg.user_id = p.user_id
    CROSS JOIN population pop
),
signature_surprise AS MATERIALIZED (
    -- how unlikely k peers are where E were expected, in log10: the Chernoff bound of a negative
    -- binomial tail (a Poisson whose rate itself varies between participants: crowds are uneven)
    SELECT user_id, signature, 0 AS linked, peers, {tail_log10("peers", "crowd_expected")} AS surprise
    FROM expectations
    UNION ALL
    SELECT user_id, signature, 1, linked_peers, {tail_log10("linked_peers", "linked_expected")}
    FROM expectations WHERE linked_peers > 0
),
ranked_signatures AS (
    SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.user_id ORDER BY s.surprise DESC, s.peers DESC, s.signature, s.linked)
               AS overall_rank,
           ROW_NUMBER() OVER (PARTITION BY s.user_id, s.linked ORDER BY s.surprise DESC, s.peers DESC, s.signature)
               AS kind_rank
    FROM signature_surprise s
),
best_signature AS (
    SELECT user_id, signature, linked, peers, surprise FROM ranked_signatures WHERE overall_rank = 1
),
chances AS (
    -- in the crowd and among linked peers, each participant's least likely signature as a chance
    SELECT r.user_id,
           MIN(CASE WHEN r.linked = 0 THEN LEAST(1.0, pop.participants * POWER(10.0, -LEAST(r.surprise, 300))) END)
               AS crowd_chance,
           MIN(CASE WHEN r.linked = 1 THEN LEAST(1.0, pop.participants * POWER(10.0, -LEAST(r.surprise, 300))) END)
               AS linked_chance
    FROM ranked_signatures r CROSS JOIN population pop
    WHERE r.kind_rank = 1
    GROUP BY r.user_id
),
best_peers AS (
    SELECT b.user_id, w.peer, w.mask FROM best_signature b
    JOIN both_ways w ON w.user_id = b.user_id AND (w.mask & b.signature) = b.signature
                    AND (b.linked = 0 OR (w.mask & {LINK_MASK}) > 0)
),
best_peer_view AS (
    SELECT p.user_id, AVG(CAST(h.is_hollow AS DOUBLE PRECISION)) AS peer_hollow_share, BIT_OR(p.mask) AS mask
    FROM best_peers p JOIN hollow h ON h.user_id = p.peer
    GROUP BY p.user_id
),
personal_peer_view AS (
    -- participants sharing a device, a money source or a money destination with this one (keys of
    -- five or more holders only when those holders bunch), and how many of them are hollow
    SELECT w.user_id, COUNT(*) AS personal_peers,
           AVG(CAST(h.is_hollow AS DOUBLE PRECISION)) AS personal_peer_hollow_share
    FROM both_ways w JOIN hollow h ON h.user_id = w.peer
    WHERE (w.mask & {PERSONAL_LINK_MASK}) > 0
    GROUP BY w.user_id
),
money_loops AS (
    -- participants sharing both a money source and a money destination with this one through third
    -- parties (a funder and a collector): the farm's loop, whatever the timing
    SELECT w.user_id, COUNT(*) AS loop_peers, AVG(CAST(h.is_hollow AS DOUBLE PRECISION)) AS peer_hollow_share
    FROM (SELECT u AS user_id, v AS peer, loop_mask FROM linked_pairs
          UNION ALL SELECT v, u, loop_mask FROM linked_pairs) w
    JOIN hollow h ON h.user_id = w.peer
    WHERE (w.loop_mask & {BIT["source"]}) > 0 AND (w.loop_mask & {BIT["destination"]}) > 0
    GROUP BY w.user_id
),
money_loop_view AS (
    SELECT m.user_id, m.loop_peers AS money_loop_peers,
           (m.peer_hollow_share * m.loop_peers + h.is_hollow) / (m.loop_peers + 1) AS money_loop_hollow_share
    FROM money_loops m JOIN hollow h ON h.user_id = m.user_id
),
lockstep_view AS MATERIALIZED (
    SELECT b.user_id, b.peers AS lockstep_peers,
           (v.peer_hollow_share * b.peers + h.is_hollow) / (b.peers + 1) AS lockstep_hollow_share,
           {_signature_names(f"(b.signature | (v.mask & {LINK_MASK}))")} AS lockstep_signature,
           COALESCE(ch.crowd_chance, 1.0) AS lockstep_chance,
           COALESCE(ch.linked_chance, 1.0) AS linked_lockstep_chance
    FROM best_signature b
    JOIN best_peer_view v ON v.user_id = b.user_id
    JOIN hollow h ON h.user_id = b.user_id
    JOIN chances ch ON ch.user_id = b.user_id
),
coordinated AS (
    -- in lockstep with linked accounts, or with a crowd beyond what any crowd explains, or a hollow
    -- holder of a key whose mostly hollow holders bunch over days
    SELECT user_id FROM lockstep_view
    WHERE linked_lockstep_chance <= {LOCKSTEP_CHANCE} OR lockstep_chance <= {CROWD_LOCKSTEP_CHANCE}
    UNION
    SELECT k.user_id FROM key_spread_view k JOIN hollow h ON h.user_id = k.user_id
    WHERE k.key_spread_chance <= {LOCKSTEP_CHANCE} AND k.key_spread_hollow_share >= {SPREAD_HOLLOW_SHARE}
      AND h.is_hollow = 1
)"""


def key_spread_ctes() -> str:
    """CTEs over `held_keys`, `participant_keys`, `linking_keys`, `dimension_values`, `hollow` and `joined`: how
    tightly the holders of each linking key move together over days, not just within the hour.

    Each action and amount is put on the campaign's own scale: a participant's place in the
    campaign's distribution of it (times within the participant's own edition, since a regional
    edition runs on its own calendar). For a key with ``n`` holders, the narrowest window holding
    ``m`` of them (all but a quarter) covers a share ``p`` of the campaign. ``m`` holders where
    ``n p`` are expected is judged with the negative-binomial tail the lockstep test uses, times
    the ``1 / p`` places such a window could sit. A key's tightest dimension counts with its next
    one of another act: a crowd brought by one event (a post, a launch) bunches on one thing, a
    farm run by one hand on several. On a money key, an amount only some holders moved is judged
    with its action (the cash-outs of a farm that shares a faucet with a crowd bunch in time and
    amount, one act of a few of the faucet's users), except the key's own payments: a funder
    chooses both when it pays and how much (_act_of). A farm staggered over a day or two of a
    month-long campaign, or funded with amounts only its own members use, is far beyond chance; a
    launch rush or a campaign minimum covers much of the campaign, so it is not.

    ``key_spread_view`` gives each participant its personal key (device, money source or
    destination) least likely to bunch so by chance, with ``key_spread_chance``: that chance
    times the number of keys and dimensions tested, i.e. how many such keys the campaign would
    show by accident. Every linking key is judged, so `pair_linking_keys` can tell a key of
    many holders who bunch (a farm's) from one whose holders come on their own days.
    """
    personal_kinds = ", ".join(f"'{kind}'" for kind in PERSONAL_LINKS)
    return f"""
dimension_quantiles AS MATERIALIZED (
    -- each action or amount as a share of the campaign: below (strictly earlier or smaller) and up to it;
    -- a time within the participant's own edition (a regional edition runs on its own calendar)
    SELECT user_id, action,
           (RANK() OVER (PARTITION BY action, scale ORDER BY v) - 1.0)
               / COUNT(*) OVER (PARTITION BY action, scale) AS q_below,
           CUME_DIST() OVER (PARTITION BY action, scale ORDER BY v) AS q_upto,
           COUNT(*) OVER (PARTITION BY action, scale) AS total
    FROM (
        SELECT d.user_id, d.action, d.v, CASE WHEN (d.action & {TIMED_MASK}) > 0 THEN j.edition ELSE '' END AS scale
        FROM dimension_values d JOIN joined j ON j.user_id = d.user_id
    ) s
),
key_holders AS (
    -- every holder of a linking key, standing ones included: a key's bunching is judged on them all
    SELECT k.link_kind, k.key, k.user_id FROM held_keys k
    JOIN linking_keys l ON l.link_kind = k.link_kind AND l.key = k.key
),
key_dimension AS MATERIALIZED (
    -- n holders of the key did the thing; a window must hold m of them (all but a quarter)
    SELECT link_kind, key, action, q_below, q_upto, total, n, rn,
           n - CAST(FLOOR(n * {SPREAD_OUTLIER_SHARE}) AS INTEGER) AS m
    FROM (
        SELECT h.link_kind, h.key, d.action, d.q_below, d.q_upto, d.total,
               COUNT(*) OVER (PARTITION BY h.link_kind, h.key, d.action) AS n,
               ROW_NUMBER() OVER (PARTITION BY h.link_kind, h.key, d.action
                                  ORDER BY d.q_below, d.q_upto, h.user_id) AS rn
        FROM key_holders h JOIN dimension_quantiles d ON d.user_id = h.user_id
    ) k
),
key_windows AS (
    -- per key and dimension: the narrowest share of the campaign holding m of the holders, and the
    -- narrowest the campaign allows (the m holders alone in it)
    SELECT a.link_kind, a.key, a.action, a.n, a.m, MIN(b.q_upto - a.q_below) AS width,
           a.m * 1.0 / MAX(a.total) AS narrowest
    FROM key_dimension a
    JOIN key_dimension b ON b.link_kind = a.link_kind AND b.key = a.key AND b.action = a.action
     AND b.rn = a.rn + a.m - 1
    WHERE a.m >= {SPREAD_MIN_HOLDERS}
    GROUP BY a.link_kind, a.key, a.action, a.n, a.m
),
key_window_chance AS (
    -- log10 of the chance of so many holders inside a window where n p are expected (the negative
    -- binomial tail the lockstep test uses), times the 1 / p places such a window could sit
    -- (and the same for the narrowest window the campaign allows: the holders alone in it).
    -- rank 1 is the tightest dimension; rank 2 the tightest of another act (an amount only some
    -- holders moved is one act with its time: _act_of)
    SELECT c.*,
           ROW_NUMBER() OVER (PARTITION BY link_kind, key
                              ORDER BY CASE WHEN act_rank = 1 THEN 0 ELSE 1 END, log_chance, action) AS rank,
           ROW_NUMBER() OVER (PARTITION BY link_kind, key
                              ORDER BY CASE WHEN possible_act_rank = 1 THEN 0 ELSE 1 END, best_possible, action)
               AS possible_rank,
           COUNT(*) OVER (PARTITION BY link_kind, key) AS dimensions
    FROM (
        SELECT w.*,
               ROW_NUMBER() OVER (PARTITION BY link_kind, key, act ORDER BY log_chance, action) AS act_rank,
               ROW_NUMBER() OVER (PARTITION BY link_kind, key, act ORDER BY best_possible, action) AS possible_act_rank
        FROM (
            SELECT w.link_kind, w.key, w.action, w.n, w.width,
                   {_act_of("w.action", "w.link_kind", f"w.n >= l.holders - FLOOR(l.holders * {SPREAD_OUTLIER_SHARE})")}
                       AS act,
                   {_window_log_chance("w.width")} AS log_chance, {_window_log_chance("w.narrowest")} AS best_possible
            FROM key_windows w JOIN linking_keys l ON l.link_kind = w.link_kind AND l.key = w.key
        ) w
    ) c
),
key_power AS (
    -- the joint chance a key would show if its holders bunched as tightly as the campaign allows:
    -- where its holders are most of those who did a thing (a small campaign, a rare action), even
    -- perfect bunching proves nothing, and the key is not judged
    {_joint_of_best_two("best_possible", "possible_rank")}
),
key_joint_chance AS (
    -- a key's tightest dimension, and its tightest of another act as further evidence (a crowd
    -- brought by one event bunches on one thing; a farm run by one hand bunches on several), times
    -- the choice of that second dimension
    {_joint_of_best_two("log_chance", "rank", "b.action, b.n, b.width, s.action AS second_action,")}
),
spread_keys AS (
    -- keys whose bunching is evidence by itself: the personal ones
    SELECT * FROM key_joint_chance WHERE link_kind IN ({personal_kinds})
),
key_tests AS (
    -- personal keys and dimensions judged in this campaign: the multiple tests the chance pays for
    SELECT COUNT(*) AS tests FROM key_window_chance WHERE link_kind IN ({personal_kinds})
),
key_hollow AS (
    SELECT h.link_kind, h.key, AVG(CAST(w.is_hollow AS DOUBLE PRECISION)) AS hollow_share
    FROM key_holders h JOIN hollow w ON w.user_id = h.user_id GROUP BY h.link_kind, h.key
),
key_spread_view AS (
    -- per participant, its key least likely to bunch so tightly by chance
    SELECT user_id, key_spread_chance, key_spread_holders, key_spread_kind, key_spread_width,
           key_spread_hollow_share FROM (
        SELECT h.user_id, LEAST(1.0, t.tests * POWER(10.0, GREATEST(c.log_chance, -300))) AS key_spread_chance,
               c.n AS key_spread_holders,
               c.link_kind || ':' || {_action_name("c.action")}
                   || COALESCE('+' || {_action_name("c.second_action")}, '') AS key_spread_kind,
               c.width AS key_spread_width, kh.hollow_share AS key_spread_hollow_share,
               ROW_NUMBER() OVER (PARTITION BY h.user_id ORDER BY c.log_chance, c.link_kind, c.key) AS pick
        FROM participant_keys h
        JOIN spread_keys c ON c.link_kind = h.link_kind AND c.key = h.key
        JOIN key_hollow kh ON kh.link_kind = h.link_kind AND kh.key = h.key
        CROSS JOIN key_tests t
    ) b WHERE pick = 1
)"""

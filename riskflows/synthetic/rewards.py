"""Enrolments and reward grants, the part of a campaign that costs the exchange money.

Shared by honest and abusive participants: both enrol the same way and are paid by the same
rules; only what they do around it differs.
"""

from __future__ import annotations

import numpy as np

from riskflows.synthetic.campaigns import Campaign
from riskflows.synthetic.population import NO, Context
from riskflows.synthetic.schema import REWARD_STATUSES
from riskflows.synthetic.timeline import DAY, HOUR

PAID, PENDING, HELD = (REWARD_STATUSES.index(s) for s in ("paid", "pending", "held"))
MIN_QUALIFYING_DEPOSIT = 100.0  # deposit_bonus terms: first deposit of at least $100
DEPOSIT_BONUS_RATE, DEPOSIT_BONUS_CAP = 0.10, 300.0


def enroll(
    ctx: Context, camp: Campaign, users: np.ndarray, at: np.ndarray, referrer: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Enrol users at the given times; drops enrolments that would fall outside the campaign."""
    ok = (at >= camp.starts_at) & (at < min(camp.ends_at, ctx.window.end)) & (at >= ctx.pop.reg[users])
    users, at = users[ok], at[ok]
    ref = np.full(len(users), NO, dtype=np.int64) if referrer is None else referrer[ok]
    ctx.rows.add(
        "enrollments", campaign_id=np.full(len(users), camp.code), user_id=users, enrolled_at=at, referrer_id=ref
    )
    return users, at


def grant(
    ctx: Context,
    rng: np.random.Generator,
    camp: Campaign,
    users: np.ndarray,
    after: np.ndarray,
    amount: np.ndarray,
    median_delay: int = 18 * HOUR,
    held_share: float = 0.03,
) -> tuple[np.ndarray, np.ndarray]:
    """Grant rewards some time after the qualifying action; those not yet due stay ungranted."""
    at = after + (median_delay * rng.lognormal(0, 0.8, len(users))).astype(np.int64)
    ok = at < ctx.window.end
    users, at, amount = users[ok], at[ok], np.round(amount[ok], 2)
    age = ctx.window.end - at
    r = rng.random(len(users))
    status = np.where(r < held_share, HELD, np.where((age > 3 * DAY) & (r < 0.9), PAID, PENDING))
    ctx.rows.add(
        "rewards",
        campaign_id=np.full(len(users), camp.code),
        user_id=users,
        granted_at=at,
        amount_usd=amount,
        status=status,
    )
    return users, at


def trading_competition_payouts(ctx: Context, rng: np.random.Generator, camp: Campaign, held_share_of) -> None:
    """Volume rebates and prizes for the trading competition, from the trades actually made.

    Paid on each participant's volume between enrolment and the payout cut-off; the top ten by
    volume share a prize pool. `held_share_of(users)` gives the ops team's hold rate per user.
    """
    rows = ctx.rows
    enr_c = rows.column("enrollments", "campaign_id")
    sel = enr_c == camp.code
    users = rows.column("enrollments", "user_id")[sel].astype(np.int64)
    at = rows.column("enrollments", "enrolled_at")[sel].astype(np.int64)
    if not len(users):
        return
    cutoff = min(camp.ends_at, ctx.window.end - int(rng.integers(6, 30)) * HOUR)
    pos = np.full(ctx.pop.n, -1, dtype=np.int64)
    pos[users] = np.arange(len(users))
    t_user = rows.column("trades", "user_id").astype(np.int64)
    t_ts = rows.column("trades", "ts").astype(np.int64)
    t_notional = rows.column("trades", "notional_usd")
    p = pos[t_user]
    counted = (p >= 0) & (t_ts < cutoff)
    counted[counted] &= t_ts[counted] >= at[p[counted]]
    volume = np.bincount(p[counted], weights=t_notional[counted], minlength=len(users))
    has = volume > 0
    rebate = volume * 0.0004 * rng.uniform(0.9, 1.1, len(users))
    top = np.argsort(-volume)[:10]
    rebate[top] += np.linspace(5000, 500, len(top)) * (ctx.pop.n / 100_000) ** 0.5
    winners = np.flatnonzero(has & (rebate >= 1.0))
    held = held_share_of(users[winners])
    r = rng.random(len(winners))
    base = np.full(len(winners), cutoff, dtype=np.int64)
    for hold in (True, False):
        m = (r < held) == hold
        grant(
            ctx,
            rng,
            camp,
            users[winners[m]],
            base[m],
            rebate[winners[m]],
            median_delay=4 * HOUR,
            held_share=1.0 if hold else 0.0,
        )

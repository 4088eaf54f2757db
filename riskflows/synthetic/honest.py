"""What honest customers do: log in, move money, trade, and take part in campaigns."""

from __future__ import annotations

import numpy as np

from riskflows.synthetic import events as ev
from riskflows.synthetic.population import NO, Context
from riskflows.synthetic.rewards import DEPOSIT_BONUS_CAP, DEPOSIT_BONUS_RATE, MIN_QUALIFYING_DEPOSIT, enroll, grant
from riskflows.synthetic.timeline import DAY, HOUR, MINUTE, human_times

TRADE_MATCHES_PER_USER = 1.4  # each match is two trade rows


def honest_activity(ctx: Context, rng: np.random.Generator, idx: np.ndarray) -> None:
    """Logins, deposits, withdrawals, transfers and everyday trading for accounts idx."""
    ev.everyday_logins(ctx, rng, idx)
    ev.scheduled_logins(ctx, rng, idx)
    ev.everyday_money(ctx, rng, idx)
    ev.everyday_transfers(ctx, rng, idx)
    pop, w = ctx.pop, ctx.window
    weights = pop.taker_weight[idx]
    n = int(TRADE_MATCHES_PER_USER * ctx.pop.n)
    cdf = np.cumsum(weights)
    takers = idx[np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")]
    lo = np.full(n, w.start - ev.HISTORY_DAYS * DAY, dtype=np.int64)
    ev.market(ctx, rng, takers, lo, np.int64(w.end))


def _active(ctx: Context, idx: np.ndarray, before: int) -> np.ndarray:
    return idx[(ctx.pop.reg[idx] < before) & (ctx.pop.activity[idx] + (ctx.pop.clock_period[idx] > 0) > 0.05)]


def _after(rng, ctx, users, lo, hi):
    """Human-time moment in [lo, hi) per user."""
    return human_times(rng, lo, np.broadcast_to(hi, np.shape(lo)), ctx.pop.tz_of(users))


def honest_campaigns(ctx: Context, rng: np.random.Generator, idx: np.ndarray) -> None:
    """Honest participation in each campaign, with the deposits and trades that earn the rewards."""
    pop, w, c = ctx.pop, ctx.window, ctx.campaigns

    # Referral: recently referred customers join with their referrer, who joins to collect.
    ref = c["referral"]
    new_ref = idx[(pop.referrer[idx] != NO) & (pop.reg[idx] >= ref.starts_at) & (pop.reg[idx] < ref.ends_at)]
    at = pop.reg[new_ref] + (rng.lognormal(0, 1.2, len(new_ref)) * 20 * MINUTE).astype(np.int64)
    referees, at_r = enroll(ctx, ref, new_ref, at, pop.referrer[new_ref])
    referrers = np.unique(pop.referrer[referees])
    others = _active(ctx, idx, ref.ends_at)
    others = others[rng.random(len(others)) < 0.035]
    joiners = np.setdiff1d(np.union1d(referrers[rng.random(len(referrers)) < 0.85], others), referees)
    lo = np.maximum(pop.reg[joiners], ref.starts_at)
    enrolled_referrers, at_j = enroll(ctx, ref, joiners, _after(rng, ctx, joiners, lo, ref.ends_at))
    deposit_ok = rng.random(len(referees)) < 0.75
    dep_at = at_r[deposit_ok] + (rng.lognormal(0, 1, deposit_ok.sum()) * 6 * HOUR).astype(np.int64)
    _qualifying_deposit(ctx, rng, referees[deposit_ok], dep_at, np.log(200))
    grant(ctx, rng, ref, referees[deposit_ok], dep_at, rng.lognormal(np.log(10), 0.3, deposit_ok.sum()))
    referral_commissions(ctx, rng, ref, referees[deposit_ok], dep_at, enrolled_referrers, at_j)

    # Trading competition: active traders, API desks and a market maker or two.
    tc = c["trading_competition"]
    cand = _active(ctx, idx, tc.ends_at)
    cand = cand[pop.taker_weight[cand] > 0]
    p = np.where(pop.clock_period[cand] > 0, 0.5, np.minimum(0.04 * pop.taker_weight[cand], 0.5))
    joiners = cand[rng.random(len(cand)) < p]
    lo = np.maximum(pop.reg[joiners], tc.starts_at)
    joiners, at = enroll(ctx, tc, joiners, _after(rng, ctx, joiners, lo, tc.ends_at))
    # Competitors trade more while it runs.
    k = rng.poisson(12 * np.minimum(pop.taker_weight[joiners], 8))
    takers = np.repeat(joiners, k)
    ev.market(ctx, rng, takers, np.repeat(at, k), np.int64(min(tc.ends_at, w.end)), median_notional=300.0)

    # Airdrop: a broad slice of the active base; most receive the drop.
    air = c["airdrop"]
    cand = _active(ctx, idx, air.ends_at)
    joiners = cand[rng.random(len(cand)) < 0.06]
    lo = np.maximum(pop.reg[joiners], air.starts_at)
    joiners, at = enroll(ctx, air, joiners, _after(rng, ctx, joiners, lo, air.ends_at))
    ok = rng.random(len(joiners)) < 0.85
    grant(ctx, rng, air, joiners[ok], at[ok], rng.lognormal(np.log(12), 0.5, ok.sum()), median_delay=2 * DAY)

    # Deposit bonus: depositors topping up; most make the qualifying deposit.
    dep = c["deposit_bonus"]
    cand = _active(ctx, idx, dep.ends_at)
    cand = cand[pop.deposit_rate[cand] > 0]
    joiners = cand[rng.random(len(cand)) < 0.05]
    lo = np.maximum(pop.reg[joiners], dep.starts_at)
    joiners, at = enroll(ctx, dep, joiners, _after(rng, ctx, joiners, lo, dep.ends_at))
    ok = rng.random(len(joiners)) < 0.8
    d_at = at[ok] + (rng.lognormal(0, 1.2, ok.sum()) * 5 * HOUR).astype(np.int64)
    amount = MIN_QUALIFYING_DEPOSIT + rng.lognormal(np.log(300), 1.1, ok.sum())
    _qualifying_deposit(ctx, rng, joiners[ok], d_at, amount=amount)
    grant(ctx, rng, dep, joiners[ok], d_at, np.minimum(DEPOSIT_BONUS_RATE * amount, DEPOSIT_BONUS_CAP))

    # New-user rewards: most fresh sign-ups join within hours; most of those deposit.
    nu = c["new_user"]
    fresh = idx[(pop.reg[idx] >= nu.starts_at - 3 * DAY) & (pop.reg[idx] < nu.ends_at)]
    fresh = fresh[rng.random(len(fresh)) < 0.75]
    at = np.maximum(pop.reg[fresh], nu.starts_at) + (rng.lognormal(0, 1.3, len(fresh)) * 2 * HOUR).astype(np.int64)
    joiners, at = enroll(ctx, nu, fresh, at)
    ok = rng.random(len(joiners)) < 0.7
    d_at = at[ok] + (rng.lognormal(0, 1.2, ok.sum()) * 8 * HOUR).astype(np.int64)
    _qualifying_deposit(ctx, rng, joiners[ok], d_at, np.log(150))
    grant(ctx, rng, nu, joiners[ok], d_at, rng.lognormal(np.log(20), 0.4, ok.sum()))


def referral_commissions(
    ctx: Context,
    rng: np.random.Generator,
    camp,
    referees: np.ndarray,
    qualified_at: np.ndarray,
    referrers: np.ndarray,
    referrers_at: np.ndarray,
    held_share: float = 0.03,
):
    """Referrers earn a commission per qualified referee, once both have joined the programme."""
    ref = ctx.pop.referrer[referees]
    if not len(referrers):
        ref, qualified_at = ref[:0], qualified_at[:0]
        referrers, referrers_at = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    order = np.argsort(referrers)
    pos = np.minimum(np.searchsorted(referrers[order], ref), len(referrers) - 1)
    ok = referrers[order][pos] == ref
    after = np.maximum(qualified_at[ok], referrers_at[order][pos[ok]])
    return grant(ctx, rng, camp, ref[ok], after, rng.lognormal(np.log(8), 0.35, ok.sum()), held_share=held_share)


def _qualifying_deposit(ctx, rng, users, ts, log_median=None, amount=None) -> None:
    keep = ts < ctx.window.end
    users, ts = users[keep], ts[keep]
    if amount is None:
        amount = rng.lognormal(log_median, 0.9, len(users)) + rng.uniform(20, 40, len(users))
    else:
        amount = amount[keep]
    ev.deposit_rows(
        ctx, users, ts, amount, ev.chain_assets(rng, ctx.pop.chain[users]), ev.deposit_sources(ctx, rng, users)
    )

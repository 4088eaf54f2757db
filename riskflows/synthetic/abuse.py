"""Abusive participants: farms, rings, bots and hunters, each adapting a little.

Each pattern draws its own spreads (sizes, delays, amounts, how many collectors, whether
accounts were aged or bought) so no single constant separates it from honest customers;
what separates them is behaviour across accounts, as in real investigations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from riskflows.synthetic import events as ev
from riskflows.synthetic import identity as ident
from riskflows.synthetic.campaigns import Campaign
from riskflows.synthetic.honest import referral_commissions
from riskflows.synthetic.population import Context, give_identity
from riskflows.synthetic.rewards import DEPOSIT_BONUS_CAP, DEPOSIT_BONUS_RATE, MIN_QUALIFYING_DEPOSIT, enroll, grant
from riskflows.synthetic.schema import PATTERNS
from riskflows.synthetic.timeline import DAY, HOUR, MINUTE, human_times

# Share of abusive participant accounts per pattern, and group size range.
_MIX = {
    "sybil_farm": (0.30, 8, 40),
    "stealth_farm": (0.14, 5, 15),
    "referral_ring": (0.14, 6, 25),
    "wash_trading": (0.10, 3, 6),
    "bot_farm": (0.17, 8, 30),
    "bonus_hunter": (0.15, 2, 4),
}
# Extra accounts per group that run the scheme but never enrol (funders, collectors).
_INFRA = {"sybil_farm": 1, "stealth_farm": 3}
ABUSER_SHARE_OF_USERS = 0.014
HELD = 0.06  # ops already hold a few more abusive rewards than honest ones, by luck or by hand

# Abusers skew to privacy mail and low KYC, but overlap honest customers.
_EMAIL_P = ident.EMAIL_WEIGHTS * np.array([1, 1, 1, 0.6, 0.8, 3, 1, 1, 1.5, 1.5, 0.5, 0.5, 3, 3, 0.5])
_EMAIL_P /= _EMAIL_P.sum()
_KYC_P = [0.4, 0.45, 0.15, 0.0]


@dataclass
class Group:
    pattern: str
    members: np.ndarray  # accounts that enrol
    infra: np.ndarray  # funders / collectors that never enrol


def plan_abuse(rng: np.random.Generator, users: int, first_index: int) -> list[Group]:
    """Group sizes per pattern; indices start at first_index (after the honest accounts)."""
    target = max(48, int(ABUSER_SHARE_OF_USERS * users))
    groups, pos = [], first_index
    for pattern in PATTERNS:
        share, lo, hi = _MIX[pattern]
        budget = max(lo * (2 if lo == 1 else 1), int(share * target))
        while budget >= lo:
            size = min(int(rng.integers(lo, hi + 1)), budget)
            budget -= size
            infra = _INFRA.get(pattern, 0)
            groups.append(Group(pattern, np.arange(pos, pos + size), np.arange(pos + size, pos + size + infra)))
            pos += size + infra
    return groups


def abusive_accounts(groups: list[Group]) -> int:
    return sum(len(g.members) + len(g.infra) for g in groups)


def run_abuse(ctx: Context, rng: np.random.Generator, groups: list[Group]) -> None:
    handlers = {
        "sybil_farm": sybil_farm,
        "stealth_farm": stealth_farm,
        "referral_ring": referral_ring,
        "wash_trading": wash_trading,
        "bot_farm": bot_farm,
        "bonus_hunter": bonus_hunters,
    }
    for g in groups:
        handlers[g.pattern](ctx, rng, g)


# --- shared moves ---------------------------------------------------------------------------


def _join(ctx: Context, camp: Campaign, users, at, pattern: str, referrer=None):
    users, at = enroll(ctx, camp, users, at, referrer)
    ctx.rows.add(
        "labels",
        campaign_id=np.full(len(users), camp.code),
        user_id=users,
        pattern=np.full(len(users), PATTERNS.index(pattern)),
    )
    return users, at


def _aged(ctx: Context, rng, idx, lo_days=60, hi_days=400) -> None:
    """Accounts registered (or bought) long before the campaign, with some ordinary history."""
    w, pop = ctx.window, ctx.pop
    day = w.start - rng.integers(lo_days, hi_days, len(idx)) * DAY
    pop.reg[idx] = human_times(rng, day, day + DAY, pop.tz_of(idx))
    pop.activity[idx] = rng.uniform(0.1, 0.4, len(idx))


def _burst(ctx: Context, rng, idx, around: int) -> None:
    """Scripted sign-ups within a few hours."""
    pop = ctx.pop
    t = around + np.sort((rng.lognormal(0, 0.8, len(idx)) * rng.uniform(20, 90) * MINUTE).astype(np.int64))
    pop.reg[idx] = np.minimum(t, ctx.window.end - 2 * HOUR)


def _few_logins(ctx: Context, rng, users, ips, devices, near: np.ndarray, spread=6 * HOUR) -> None:
    """Sessions around the moments that matter (enrolment, claim, cash-out)."""
    ts = np.clip(
        near + (rng.normal(0, 1, len(users)) * spread).astype(np.int64), ctx.pop.reg[users], ctx.window.end - 1
    )
    ev.login_rows(ctx, users, ts, ips, devices)


def _small_deposits(ctx, rng, users, ts, lo, hi, source=None):
    ok = ts < ctx.window.end
    users, ts = users[ok], ts[ok]
    amount = rng.uniform(lo, hi, len(users)) * rng.lognormal(0, 0.05, len(users))
    src = ctx.new_wallets(rng, ctx.pop.chain[users]) if source is None else np.full(len(users), source)
    ev.deposit_rows(ctx, users, ts, amount, ev.chain_assets(rng, ctx.pop.chain[users]), src)
    return users, ts, amount


def _token_trades(ctx, rng, users, lo, hi, per_user=(1, 4), median=40.0):
    k = rng.integers(per_user[0], per_user[1] + 1, len(users))
    takers = np.repeat(users, k)
    ev.market(ctx, rng, takers, np.repeat(lo, k), np.int64(hi), median_notional=median)


def _sweep(ctx, rng, users, after, amount, collectors_addr=None, collector_accounts=None):
    """Move the proceeds out: to collector addresses, or by internal transfer to collector accounts."""
    at = after + (rng.lognormal(0, 0.9, len(users)) * rng.uniform(2, 12) * HOUR).astype(np.int64)
    ok = at < ctx.window.end
    users, at, amount = users[ok], at[ok], amount[ok] * rng.uniform(0.9, 0.99, ok.sum())
    if collector_accounts is not None:
        dst = rng.choice(collector_accounts, len(users))
        ev.transfer_rows(ctx, users, dst, at, amount, np.zeros(len(users), dtype=np.int64))
        return dst, at, amount
    dst = rng.choice(collectors_addr, len(users))
    ev.withdrawal_rows(ctx, users, at, amount, ev.chain_assets(rng, ctx.pop.chain[users]), dst)
    return None, at, amount


def _collector_accounts(ctx, rng, infra) -> None:
    """Collectors and funders look like ordinary, older customers."""
    give_identity(ctx, rng, infra)
    _aged(ctx, rng, infra, 90, 600)
    ctx.pop.deposit_rate[infra] = 1.0


def _cash_out_collector(ctx, rng, collector, received_at, received) -> None:
    if not len(received_at):
        return
    at = received_at.max() + (rng.lognormal(0, 0.7) * 12 * HOUR)
    if at < ctx.window.end:
        c = np.array([collector])
        ev.withdrawal_rows(
            ctx,
            c,
            np.array([int(at)]),
            np.array([received.sum() * 0.98]),
            ev.chain_assets(rng, ctx.pop.chain[c]),
            ctx.new_wallets(rng, ctx.pop.chain[c]),
        )


def _grant_all(ctx, rng, camp, users, at, amount, **kw):
    return grant(ctx, rng, camp, users, at, amount, held_share=HELD, **kw)


# --- patterns -------------------------------------------------------------------------------


def sybil_farm(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """Many accounts from few devices and one IP range, rewards swept to a collector."""
    pop, w, c = ctx.pop, ctx.window, ctx.campaigns
    m, s = g.members, len(g.members)
    adaptive = rng.random() < 0.4
    aged = rng.random() < 0.3
    country = np.where(
        rng.random(s) < 0.75,
        rng.choice(len(ident.COUNTRIES), p=ident.COUNTRY_WEIGHTS),
        rng.choice(len(ident.COUNTRIES), s, p=ident.COUNTRY_WEIGHTS),
    )
    give_identity(ctx, rng, m, kyc_p=_KYC_P, email_p=_EMAIL_P, country=country)
    nu, air, dep = c["new_user"], c["airdrop"], c["deposit_bonus"]
    if aged:
        _aged(ctx, rng, m, 40, 300)
    else:
        around = nu.starts_at + int(rng.uniform(-2, max(0.5, (nu.ends_at - nu.starts_at) / DAY - 3)) * DAY)
        _burst(ctx, rng, m, around)
    # Few devices, one (or, adapting, two) /24 blocks.
    n_dev = max(1, s // int(rng.integers(3, 6) if adaptive else rng.integers(5, 12)))
    farm_dev = ctx.devices.new(rng, n_dev, rng.choice(ident.UA_HUMAN, n_dev, p=ident.UA_HUMAN_WEIGHTS))
    pop.reg_device[m] = farm_dev[rng.integers(0, n_dev, s)]
    blocks = ident.random_slash24(rng, 2 if adaptive else 1, datacenter=rng.random() < 0.5)

    def farm_ips(k):
        return ctx.ips.add(rng.choice(blocks, k) | rng.integers(2, 255, k).astype(np.uint32))

    pop.reg_ip[m] = farm_ips(s)
    pop.home_ip[m] = pop.reg_ip[m]
    pop.alt_share[m] = 0.0
    if aged:
        ev.everyday_logins(ctx, rng, m, per_day=0.04)
    else:
        ev.login_rows(
            ctx, m, pop.reg[m] + (rng.lognormal(0, 1, s) * MINUTE).astype(np.int64), pop.reg_ip[m], pop.reg_device[m]
        )

    targets = [air] + ([nu] if not aged else []) + ([dep] if aged and rng.random() < 0.3 else [])
    collectors_addr = ctx.new_wallets(rng, np.full(int(rng.integers(2, 4)) if adaptive else 1, pop.chain[m[0]]))
    use_transfers = rng.random() < 0.5
    _collector_accounts(ctx, rng, g.infra)  # exists either way: an older account of the organiser
    ev.everyday_logins(ctx, rng, g.infra, per_day=0.1)
    moved_at, moved = [], []
    for camp in targets:
        speed = rng.uniform(10, 120) * MINUTE
        at = np.maximum(pop.reg[m], camp.starts_at) + (rng.lognormal(0, 0.9, s) * speed).astype(np.int64)
        users, at = _join(ctx, camp, m, at, "sybil_farm")
        if not len(users):
            continue
        _few_logins(ctx, rng, users, farm_ips(len(users)), pop.reg_device[users], at, spread=30 * MINUTE)
        stake = np.zeros(len(users))
        if camp is nu or camp is dep:
            lo, hi = (MIN_QUALIFYING_DEPOSIT, MIN_QUALIFYING_DEPOSIT * 1.15) if camp is dep else (20, 60)
            d_at = at + (rng.lognormal(0, 0.8, len(users)) * HOUR).astype(np.int64)
            users, at, stake = _small_deposits(ctx, rng, users, d_at, lo, hi)
            _token_trades(ctx, rng, users, at, w.end, (0, 2))
        amount = (
            np.minimum(DEPOSIT_BONUS_RATE * stake, DEPOSIT_BONUS_CAP)
            if camp is dep
            else rng.lognormal(np.log(20 if camp is nu else 12), 0.3, len(users))
        )
        gu, g_at = _grant_all(ctx, rng, camp, users, at, amount)
        value = (amount + stake)[np.searchsorted(users, gu)]
        if not len(gu):
            continue
        _few_logins(ctx, rng, gu, farm_ips(len(gu)), pop.reg_device[gu], g_at + 3 * HOUR, spread=2 * HOUR)
        dst, s_at, s_amt = _sweep(ctx, rng, gu, g_at, value, collectors_addr, g.infra if use_transfers else None)
        moved_at.append(s_at)
        moved.append(s_amt)
    if use_transfers and moved:
        _cash_out_collector(ctx, rng, int(g.infra[0]), np.concatenate(moved_at), np.concatenate(moved))


def stealth_farm(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """Distinct devices and IPs; linked only by money: one funder in, one or two collectors out."""
    pop, w, c = ctx.pop, ctx.window, ctx.campaigns
    m, s = g.members, len(g.members)
    give_identity(ctx, rng, m, kyc_p=[0.25, 0.45, 0.3, 0.0])
    _aged(ctx, rng, m, 20, 300)
    pop.taker_weight[m] = 0.0
    funder, collectors = g.infra[0], g.infra[1:]
    _collector_accounts(ctx, rng, g.infra)
    if rng.random() < 0.5:
        collectors = collectors[:1]
    ev.everyday_logins(ctx, rng, m, per_day=0.1)
    ev.everyday_logins(ctx, rng, g.infra, per_day=0.08)
    via_deposits = rng.random() < 0.5
    targets = (
        [c["deposit_bonus"]] + ([c["airdrop"]] if rng.random() < 0.5 else [])
        if via_deposits
        else [c["airdrop"], c["referral"]]
    )
    first = min(t.starts_at for t in targets)
    fund_at = first - (rng.uniform(0.2, 4, s) * DAY).astype(np.int64)
    fund_at = np.maximum(fund_at, pop.reg[m] + HOUR)
    if via_deposits:
        # One external wallet pays every member's deposit.
        source = ctx.new_wallets(rng, np.array([pop.chain[funder]]))[0]
        lo = MIN_QUALIFYING_DEPOSIT * rng.uniform(1.0, 1.1)
        du, _, amount = _small_deposits(ctx, rng, m, fund_at, lo, lo * rng.uniform(1.05, 1.3), source=source)
        stake = np.zeros(s)
        stake[np.searchsorted(m, du)] = amount
        collector_addrs = ctx.new_wallets(rng, np.full(len(collectors), pop.chain[collectors[0]]))
    else:
        stake = rng.lognormal(np.log(60), 0.4, s)
        ev.transfer_rows(ctx, np.full(s, funder), m, fund_at, stake, np.zeros(s, dtype=np.int64))
    collected_at, collected = [], []
    for camp in targets:
        lo = np.maximum(np.maximum(fund_at, camp.starts_at), pop.reg[m])
        at = human_times(rng, lo, np.full(s, min(camp.ends_at, w.end)), pop.tz_of(m))
        users, at = _join(ctx, camp, m, at, "stealth_farm")
        if not len(users):
            continue
        pos = np.searchsorted(m, users)
        if camp.kind == "deposit_bonus":
            amount = np.minimum(DEPOSIT_BONUS_RATE * stake[pos], DEPOSIT_BONUS_CAP)
            at = np.maximum(at, fund_at[pos])
        else:
            amount = rng.lognormal(np.log(12), 0.4, len(users))
        _token_trades(ctx, rng, users, at, w.end, (0, 3))
        gu, g_at = _grant_all(ctx, rng, camp, users, at, amount)
        if not len(gu):
            continue
        value = amount[np.searchsorted(users, gu)] + stake[np.searchsorted(m, gu)]
        if via_deposits:
            _sweep(ctx, rng, gu, g_at, value, collectors_addr=collector_addrs)
        else:
            _, s_at, s_amt = _sweep(ctx, rng, gu, g_at, value, collector_accounts=collectors)
            collected_at.append(s_at)
            collected.append(s_amt)
    if collected:
        _cash_out_collector(ctx, rng, int(collectors[0]), np.concatenate(collected_at), np.concatenate(collected))


def referral_ring(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """Chains of fake referees who join the referral programme and never really trade."""
    pop, w = ctx.pop, ctx.window
    ref = ctx.campaigns["referral"]
    m, s = g.members, len(g.members)
    n_roots = 1 if s < 10 else 2
    roots, fakes = m[:n_roots], m[n_roots:]
    give_identity(ctx, rng, m, kyc_p=_KYC_P, email_p=_EMAIL_P)
    _aged(ctx, rng, roots, 60, 500)
    pop.kyc[roots] = rng.choice([1, 2], n_roots)
    ev.everyday_logins(ctx, rng, roots, per_day=0.1)
    # Fake referees sign up in waves during the programme.
    span = max(min(ref.ends_at, w.end) - ref.starts_at - DAY, HOUR)
    waves = ref.starts_at + (rng.random(int(rng.integers(1, 4))) * span).astype(np.int64)
    t = rng.choice(waves, len(fakes)) + (rng.lognormal(0, 1, len(fakes)) * 40 * MINUTE).astype(np.int64)
    order = np.argsort(t)
    fakes = fakes[order]
    pop.reg[fakes] = np.minimum(np.sort(t), w.end - 2 * HOUR)
    # Referrer: a root or an earlier fake (chains and trees).
    k = np.arange(len(fakes))
    pick = (rng.random(len(fakes)) * (n_roots + k)).astype(np.int64)
    pop.referrer[fakes] = np.concatenate([roots, fakes])[pick]
    # Few devices, a couple of home IPs (or, adapting, one device each).
    if rng.random() < 0.6:
        n_dev = int(rng.integers(1, 4))
        devs = ctx.devices.new(rng, n_dev, rng.choice(ident.UA_HUMAN, n_dev, p=ident.UA_HUMAN_WEIGHTS))
        pop.reg_device[fakes] = rng.choice(devs, len(fakes))
    homes = ctx.ips.add(ident.residential_ips(rng, int(rng.integers(1, 4))))
    pop.reg_ip[fakes] = rng.choice(homes, len(fakes))
    pop.home_ip[fakes] = pop.reg_ip[fakes]
    pop.alt_share[fakes] = 0.0
    ev.login_rows(
        ctx,
        fakes,
        pop.reg[fakes] + (rng.lognormal(0, 1, len(fakes)) * MINUTE).astype(np.int64),
        pop.reg_ip[fakes],
        pop.reg_device[fakes],
    )

    r_at = np.maximum(pop.reg[roots], ref.starts_at) + (rng.lognormal(0, 1, n_roots) * HOUR).astype(np.int64)
    roots_in, roots_at = _join(ctx, ref, roots, r_at, "referral_ring")
    at = pop.reg[fakes] + (rng.lognormal(0, 1, len(fakes)) * 10 * MINUTE).astype(np.int64)
    fk, at = _join(ctx, ref, fakes, at, "referral_ring", pop.referrer[fakes])
    # About half put in a token deposit to unlock the referee reward.
    dep = rng.random(len(fk)) < 0.55
    source = ctx.new_wallets(rng, np.array([pop.chain[roots[0]]]))[0] if rng.random() < 0.5 else None
    d_at = at[dep] + (rng.lognormal(0, 1, dep.sum()) * 2 * HOUR).astype(np.int64)
    du, d_at, _ = _small_deposits(ctx, rng, fk[dep], d_at, 10, 35, source=source)
    grant(ctx, rng, ref, du, d_at, rng.lognormal(np.log(10), 0.3, len(du)), held_share=HELD)
    # Commission per qualified referee to the ring member who referred them.
    cu, c_at = referral_commissions(
        ctx, rng, ref, du, d_at, np.concatenate([roots_in, fk]), np.concatenate([roots_at, at]), held_share=HELD
    )
    if len(cu):
        # Each earner cashes out after its last commission, all to the ring's address.
        earners, inv = np.unique(cu, return_inverse=True)
        last = np.zeros(len(earners), dtype=np.int64)
        np.maximum.at(last, inv, c_at)
        total = np.bincount(inv, minlength=len(earners)) * rng.lognormal(np.log(8), 0.2, len(earners))
        addr = ctx.new_wallets(rng, np.array([pop.chain[roots[0]]]))
        _sweep(ctx, rng, earners, last, total, collectors_addr=addr)


def wash_trading(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """A ring trades against itself in the competition: big volume, net position about zero."""
    pop, w = ctx.pop, ctx.window
    tc = ctx.campaigns["trading_competition"]
    m, s = g.members, len(g.members)
    give_identity(ctx, rng, m, kyc_p=[0.1, 0.4, 0.4, 0.1])
    _aged(ctx, rng, m, 30, 400)
    if rng.random() < 0.5:  # less careful rings share a laptop or a connection
        pop.reg_device[m[1]] = pop.reg_device[m[0]]
        pop.home_ip[m[-1]] = pop.home_ip[m[0]]
    ev.everyday_logins(ctx, rng, m, per_day=0.15)
    capital = rng.lognormal(np.log(5000), 0.6, s)
    cap_at = tc.starts_at - (rng.uniform(0.1, 5, s) * DAY).astype(np.int64)
    cap_at = np.maximum(cap_at, pop.reg[m] + HOUR)
    ev.deposit_rows(ctx, m, cap_at, capital, ev.chain_assets(rng, pop.chain[m]), ev.deposit_sources(ctx, rng, m))
    at = np.maximum(tc.starts_at, pop.reg[m]) + (rng.lognormal(0, 1.2, s) * 3 * HOUR).astype(np.int64)
    users, at = _join(ctx, tc, m, at, "wash_trading")
    if len(users) < 2:
        return
    n = int(rng.integers(30, 120)) * len(users) // 3
    a = rng.integers(0, len(users), n)
    b = (a + rng.integers(1, len(users), n)) % len(users)
    lo = np.maximum(at[a], at[b])
    hi = min(tc.ends_at, w.end) - 2 * HOUR
    ts = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    notional = rng.lognormal(np.log(6000), 0.5, n)
    symbol = rng.choice(len(ev.SYMBOLS), n, p=ev.SYMBOL_WEIGHTS)
    buys = rng.random(n) < 0.5
    ev.trade_pairs(ctx, rng, users[a], users[b], ts, notional, symbol, buys)
    # Unwind: the same pair reverses the position minutes later at nearly the same size.
    back = ts + (rng.lognormal(0, 0.8, n) * 8 * MINUTE).astype(np.int64)
    ok = back < w.end
    ev.trade_pairs(
        ctx,
        rng,
        users[a][ok],
        users[b][ok],
        back[ok],
        notional[ok] * (1 + rng.normal(0, 0.002, ok.sum())),
        symbol[ok],
        ~buys[ok],
    )
    _token_trades(ctx, rng, users, at, hi, (2, 10), median=300.0)  # a little real flow as cover
    out_at = np.maximum(tc.ends_at, w.end - DAY) + (rng.random(s) * HOUR).astype(np.int64)
    keep = out_at < w.end
    ev.withdrawal_rows(
        ctx,
        m[keep],
        out_at[keep],
        capital[keep] * rng.uniform(0.9, 1.0, keep.sum()),
        ev.chain_assets(rng, pop.chain[m[keep]]),
        pop.wallet[m[keep]],
    )


def bot_farm(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """Scripted accounts: logins on a timer, spoofed fingerprints, rotating proxies, instant enrolment."""
    pop, w, c = ctx.pop, ctx.window, ctx.campaigns
    m, s = g.members, len(g.members)
    give_identity(ctx, rng, m, kyc_p=[0.5, 0.45, 0.05, 0.0], email_p=_EMAIL_P)
    nu, air = c["new_user"], c["airdrop"]
    aged = rng.random() < 0.5
    if aged:
        _aged(ctx, rng, m, 30, 200)
        pop.activity[m] = 0.0
    else:
        _burst(ctx, rng, m, nu.starts_at - int(rng.uniform(0.2, 2) * DAY))
    proxies = ident.random_slash24(rng, int(rng.integers(2, 6)), datacenter=True) & np.uint32(0xFFFF0000)

    def proxy_ips(k):
        return ctx.ips.add(rng.choice(proxies, k) | rng.integers(256, 65535, k).astype(np.uint32))

    pop.reg_ip[m] = proxy_ips(s)
    pop.home_ip[m] = pop.reg_ip[m]
    # Clockwork sessions with jitter; each session spoofs a fresh fingerprint and user agent.
    period = int(rng.uniform(3, 12) * HOUR)
    jitter = rng.uniform(2, 12) * MINUTE
    lo = np.maximum(pop.reg[m], w.end - 21 * DAY) + (rng.random(s) * period).astype(np.int64)
    counts = np.maximum((w.end - lo) // period, 0)
    users = np.repeat(m, counts)
    k = np.arange(len(users)) - np.repeat(np.cumsum(counts) - counts, counts)
    ts = np.clip(
        np.repeat(lo, counts) + k * period + (rng.normal(0, 1, len(users)) * jitter).astype(np.int64), 0, w.end - 1
    )
    spoof = ctx.devices.new(rng, len(users), np.zeros(len(users), dtype=np.int64))
    ua = rng.choice(ident.UA_HUMAN, len(users))
    ev.login_rows(ctx, users, ts, proxy_ips(len(users)), spoof, ua)
    ev.login_rows(ctx, m, pop.reg[m], pop.reg_ip[m], pop.reg_device[m])

    collectors = ctx.new_wallets(rng, np.full(int(rng.integers(2, 5)), pop.chain[m[0]]))
    for camp in [air] + ([nu] if not aged else []):
        # The script fires as soon as the campaign opens (or the account exists).
        at = np.maximum(pop.reg[m], camp.starts_at) + (rng.lognormal(0, 1, s) * rng.uniform(1, 6) * MINUTE).astype(
            np.int64
        )
        users, at = _join(ctx, camp, m, at, "bot_farm")
        if not len(users):
            continue
        stake = np.zeros(len(users))
        if camp is nu:
            d_at = at + (rng.lognormal(0, 0.5, len(users)) * 20 * MINUTE).astype(np.int64)
            users, at, stake = _small_deposits(ctx, rng, users, d_at, 20, 50)
        amount = rng.lognormal(np.log(20 if camp is nu else 12), 0.3, len(users))
        gu, g_at = _grant_all(ctx, rng, camp, users, at, amount)
        if len(gu):
            pos = np.searchsorted(users, gu)
            _sweep(ctx, rng, gu, g_at, amount[pos] + stake[pos], collectors_addr=collectors)


def bonus_hunters(ctx: Context, rng: np.random.Generator, g: Group) -> None:
    """One person, two to four accounts: the same home and a phone or two, one wallet that pays every
    account's minimum deposit and receives every withdrawal, the bonus claimed on each within a day or
    two, everything withdrawn within hours of the reward.

    A lone account doing the same (minimum deposit, bonus, straight out) is what the promotion offers
    and what many honest savers do; the abuse is the extra accounts, so that is what is generated.
    """
    pop, w, c = ctx.pop, ctx.window, ctx.campaigns
    m, s = g.members, len(g.members)
    give_identity(ctx, rng, m, kyc_p=[0.2, 0.5, 0.3, 0.0])
    home = ctx.ips.add(ident.datacenter_ips(rng, 1) if rng.random() < 0.3 else ident.residential_ips(rng, 1))
    pop.home_ip[m] = home[0]
    pop.reg_ip[m] = home[0]
    if rng.random() < 0.7:  # careless: the same phone or two for every account; else one each
        n_phones = int(rng.integers(1, 3))
        phones = ctx.devices.new(rng, n_phones, rng.choice(ident.UA_HUMAN, n_phones, p=ident.UA_HUMAN_WEIGHTS))
        pop.reg_device[m] = rng.choice(phones, s)
    pop.chain[m] = pop.chain[m[0]]
    wallet = pop.wallet[m[0]]
    pop.wallet[m] = wallet
    nu, dep = c["new_user"], c["deposit_bonus"]
    fresh = rng.random() < 0.5
    if fresh:  # new accounts for the welcome pack, opened over a day or two
        first = nu.starts_at + int(rng.uniform(0, max(min(nu.ends_at, w.end) - nu.starts_at - 3 * DAY, HOUR)))
        pop.reg[m] = human_times(rng, np.full(s, first), np.full(s, first + 2 * DAY), pop.tz_of(m))
        pop.activity[m] = rng.uniform(0.1, 0.3, s)
        plans = [nu] + ([dep] if rng.random() < 0.4 else [])
    else:
        _aged(ctx, rng, m, 30, 500)
        plans = [dep]
    ev.everyday_logins(ctx, rng, m, per_day=0.12)
    for camp in plans:
        lo = np.maximum(pop.reg[m], camp.starts_at)
        start = int(lo.max())
        if start >= min(camp.ends_at, w.end):
            continue
        # the accounts are worked one after another within a day or two
        at = human_times(rng, np.full(s, start), np.full(s, min(start + 2 * DAY, camp.ends_at, w.end)), pop.tz_of(m))
        users, at = _join(ctx, camp, m, np.maximum(at, lo), "bonus_hunter")
        if not len(users):
            continue
        d_at = at + (rng.lognormal(0, 1, len(users)) * HOUR).astype(np.int64)
        if camp is dep:
            users, d_at, stake = _small_deposits(
                ctx,
                rng,
                users,
                d_at,
                MIN_QUALIFYING_DEPOSIT,
                MIN_QUALIFYING_DEPOSIT * rng.uniform(1.02, 1.2),
                source=wallet,
            )
            amount = np.minimum(DEPOSIT_BONUS_RATE * stake, DEPOSIT_BONUS_CAP)
        else:
            users, d_at, stake = _small_deposits(ctx, rng, users, d_at, 20, 60, source=wallet)
            amount = rng.lognormal(np.log(20), 0.4, len(users))
        traders = rng.random(len(users)) < 0.3
        _token_trades(ctx, rng, users[traders], d_at[traders], w.end, (1, 2), median=30.0)
        gu, g_at = _grant_all(ctx, rng, camp, users, d_at, amount, median_delay=6 * HOUR)
        if len(gu):
            pos = np.searchsorted(users, gu)
            at_out = g_at + (rng.lognormal(0, 0.8, len(gu)) * 2 * HOUR).astype(np.int64)
            ok = at_out < w.end
            value = (stake[pos] + amount[pos])[ok] * rng.uniform(0.95, 0.995, ok.sum())
            ev.withdrawal_rows(
                ctx, gu[ok], at_out[ok], value, ev.chain_assets(rng, pop.chain[gu[ok]]), np.full(ok.sum(), wallet)
            )

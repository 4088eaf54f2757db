"""Row emitters shared by honest and abusive behaviour: logins, money movements, trades.

Both kinds of account go through the same functions, so a column can only differ between
them where behaviour differs, never because two code paths format it differently.
"""

from __future__ import annotations

import numpy as np

from riskflows.synthetic import identity as ident
from riskflows.synthetic.population import NO, Context
from riskflows.synthetic.timeline import DAY, HOUR, MINUTE, human_times

ASSETS = ("USDT", "BTC", "ETH", "USDC", "SOL", "TRX", "BNB")
# Asset codes that move on each chain (same order as identity.CHAINS).
CHAIN_ASSET_CODES = [np.array([ASSETS.index(a) for a in ident.CHAIN_ASSETS[c]]) for c in ident.CHAINS]
SYMBOLS = (
    "BTCUSDT",
    "ETHUSDT",
    "SOLUSDT",
    "BNBUSDT",
    "XRPUSDT",
    "DOGEUSDT",
    "TONUSDT",
    "PEPEUSDT",
    "ADAUSDT",
    "TRXUSDT",
)
SYMBOL_WEIGHTS = np.array([30, 22, 12, 6, 8, 7, 4, 5, 3, 3], dtype=float) / 100

HISTORY_DAYS = 120  # how far back detailed activity (logins, trades) is kept


def chain_assets(rng: np.random.Generator, chains: np.ndarray) -> np.ndarray:
    """An asset that moves on each row's chain."""
    out = np.empty(len(chains), dtype=np.int64)
    for c, codes in enumerate(CHAIN_ASSET_CODES):
        sel = np.flatnonzero(chains == c)
        out[sel] = rng.choice(codes, len(sel))
    return out


# --- logins ---------------------------------------------------------------------------------


def login_rows(
    ctx: Context, users: np.ndarray, ts: np.ndarray, ip: np.ndarray, device: np.ndarray, ua: np.ndarray | None = None
) -> None:
    """Emit logins; the user agent is the device's own unless a spoofed one is given."""
    if ua is None:
        ua = ctx.devices.ua_of(device)
    ctx.rows.add("logins", user_id=users, ts=ts, ip=ip, device_id=device, user_agent=ua)


def everyday_logins(ctx: Context, rng: np.random.Generator, idx: np.ndarray, per_day: float = 0.12) -> None:
    """Human sessions: count by activity, evening-heavy local times, home / mobile / travel IPs."""
    pop, w = ctx.pop, ctx.window
    idx = idx[pop.activity[idx] > 0]
    lo = np.maximum(pop.reg[idx], w.start - HISTORY_DAYS * DAY)
    days = (w.end - lo) / DAY
    counts = rng.poisson(per_day * days * pop.activity[idx])
    users = np.repeat(idx, counts)
    ts = human_times(rng, np.repeat(lo, counts), np.full(len(users), w.end), pop.tz_of(users))
    _emit_routine(ctx, rng, users, ts)
    # The sign-up session itself, from the registration IP and device.
    fresh = idx[pop.reg[idx] >= w.start - HISTORY_DAYS * DAY]
    t0 = np.minimum(pop.reg[fresh] + (rng.lognormal(0, 1, len(fresh)) * MINUTE).astype(np.int64), w.end - 1)
    login_rows(ctx, fresh, t0, pop.reg_ip[fresh], pop.reg_device[fresh])


def _emit_routine(ctx: Context, rng: np.random.Generator, users: np.ndarray, ts: np.ndarray) -> None:
    pop, n = ctx.pop, len(users)
    r = rng.random(n)
    alt = r < pop.alt_share[users]
    ip = pop.home_ip[users].copy()
    sel = np.flatnonzero(alt)
    ip[sel] = pop.alt_ip_lo[users[sel]] + (rng.random(len(sel)) * pop.alt_ip_n[users[sel]]).astype(np.int64)
    travel = np.flatnonzero((r > 0.98) & ~alt)  # hotel wifi, a friend's place
    ip[travel] = ctx.ips.add(ident.residential_ips(rng, len(travel)))
    d2 = pop.device2[users]
    use2 = (d2 != NO) & (rng.random(n) < pop.device2_share[users])
    device = np.where(use2, d2, pop.reg_device[users])
    login_rows(ctx, users, ts, ip, device)


def scheduled_logins(
    ctx: Context, rng: np.random.Generator, idx: np.ndarray, days: int = 45, jitter_min: float = 2.0
) -> None:
    """Programs that re-authenticate on a timer (API keys, market-making engines)."""
    pop, w = ctx.pop, ctx.window
    idx = idx[pop.clock_period[idx] > 0]
    period = pop.clock_period[idx]
    lo = np.maximum(pop.reg[idx], w.end - days * DAY) + (rng.random(len(idx)) * period).astype(np.int64)
    counts = np.maximum((w.end - lo) // period, 0)
    users = np.repeat(idx, counts)
    k = np.arange(len(users)) - np.repeat(np.cumsum(counts) - counts, counts)
    ts = np.repeat(lo, counts) + k * np.repeat(period, counts)
    ts = np.clip(
        ts + (rng.normal(0, jitter_min, len(ts)) * MINUTE).astype(np.int64), lo.min(initial=w.start), w.end - 1
    )
    device = np.where(pop.device2[users] != NO, pop.device2[users], pop.reg_device[users])
    login_rows(ctx, users, ts, pop.home_ip[users], device)


# --- money ----------------------------------------------------------------------------------


def deposit_rows(ctx, users, ts, amount, asset, from_address) -> None:
    ctx.rows.add(
        "deposits", user_id=users, ts=ts, asset=asset, amount_usd=np.round(amount, 2), from_address=from_address
    )


def withdrawal_rows(ctx, users, ts, amount, asset, to_address) -> None:
    ctx.rows.add(
        "withdrawals", user_id=users, ts=ts, asset=asset, amount_usd=np.round(amount, 2), to_address=to_address
    )


def transfer_rows(ctx, src, dst, ts, amount, asset) -> None:
    ctx.rows.add("transfers", from_user_id=src, to_user_id=dst, ts=ts, asset=asset, amount_usd=np.round(amount, 2))


def deposit_sources(ctx: Context, rng: np.random.Generator, users: np.ndarray) -> np.ndarray:
    """Where a customer's coins come from: own wallet, another exchange's hot wallet, a new wallet."""
    pop, n = ctx.pop, len(users)
    r = rng.random(n)
    out = pop.wallet[users].copy()
    hot = np.flatnonzero((r >= 0.6) & (r < 0.9))
    for c in range(len(ident.CHAINS)):
        sel = hot[pop.chain[users[hot]] == c]
        out[sel] = rng.choice(ctx.hot_wallets[c], len(sel))
    fresh = np.flatnonzero(r >= 0.9)
    out[fresh] = ctx.new_wallets(rng, pop.chain[users[fresh]])
    return out


def everyday_money(ctx: Context, rng: np.random.Generator, idx: np.ndarray) -> None:
    """Deposits and withdrawals of ordinary customers over the last months."""
    pop, w = ctx.pop, ctx.window
    idx = idx[pop.deposit_rate[idx] > 0]
    lo = np.maximum(pop.reg[idx], w.start - 180 * DAY)
    frac = (w.end - lo) / (w.end - (w.start - 180 * DAY))
    nd = rng.poisson(pop.deposit_rate[idx] * (0.4 + 0.6 * frac))
    users = np.repeat(idx, nd)
    ts = human_times(rng, np.repeat(lo, nd), np.full(len(users), w.end), pop.tz_of(users))
    amount = rng.lognormal(np.log(250), 1.3, len(users)) + rng.uniform(10, 30, len(users))
    deposit_rows(ctx, users, ts, amount, chain_assets(rng, pop.chain[users]), deposit_sources(ctx, rng, users))

    nw = rng.poisson(0.75 * pop.deposit_rate[idx] * (0.4 + 0.6 * frac))
    users = np.repeat(idx, nw)
    ts = human_times(
        rng, np.repeat(np.minimum(lo + DAY, w.end - HOUR), nw), np.full(len(users), w.end), pop.tz_of(users)
    )
    amount = rng.lognormal(np.log(200), 1.3, len(users)) + rng.uniform(5, 20, len(users))
    to = pop.wallet[users].copy()
    elsewhere = np.flatnonzero(rng.random(len(users)) < 0.35)  # own deposit address at another exchange
    to[elsewhere] = ctx.new_wallets(rng, pop.chain[users[elsewhere]])
    shared = np.flatnonzero((pop.shared_payout[users] != NO) & (rng.random(len(users)) < 0.9))
    to[shared] = pop.shared_payout[users[shared]]
    withdrawal_rows(ctx, users, ts, amount, chain_assets(rng, pop.chain[users]), to)


def everyday_transfers(ctx: Context, rng: np.random.Generator, idx: np.ndarray) -> None:
    """Internal transfers between people who know each other (referrer and referee, households)."""
    pop, w = ctx.pop, ctx.window
    referred = idx[pop.referrer[idx] != NO]
    pick = referred[rng.random(len(referred)) < 0.12]
    src = pop.referrer[pick]
    flip = rng.random(len(pick)) < 0.4
    a, b = np.where(flip, pick, src), np.where(flip, src, pick)
    lo = np.maximum(np.maximum(pop.reg[a], pop.reg[b]), w.start - 180 * DAY)
    ts = human_times(rng, lo, np.full(len(a), w.end), pop.tz_of(a))
    transfer_rows(ctx, a, b, ts, rng.lognormal(np.log(60), 1.1, len(a)), np.zeros(len(a), dtype=np.int64))


# --- trades ---------------------------------------------------------------------------------


def trade_pairs(
    ctx: Context,
    rng: np.random.Generator,
    taker: np.ndarray,
    maker: np.ndarray,
    ts: np.ndarray,
    notional: np.ndarray,
    symbol: np.ndarray | None = None,
    taker_buys: np.ndarray | None = None,
) -> None:
    """Matched trades: both sides appear, each naming the other as counterparty."""
    n = len(taker)
    if n == 0:
        return
    if symbol is None:
        symbol = rng.choice(len(SYMBOLS), n, p=SYMBOL_WEIGHTS)
    if taker_buys is None:
        taker_buys = rng.random(n) < 0.5
    side_t = np.where(taker_buys, 0, 1)
    inter = lambda a, b: np.column_stack([a, b]).ravel()  # noqa: E731
    notional = np.round(notional, 2)
    ctx.rows.add(
        "trades",
        user_id=inter(taker, maker),
        ts=inter(ts, ts),
        symbol=inter(symbol, symbol),
        side=inter(side_t, 1 - side_t),
        notional_usd=inter(notional, notional),
        counterparty_user_id=inter(maker, taker),
    )


def draw_makers(rng: np.random.Generator, weights_cdf: np.ndarray, taker: np.ndarray) -> np.ndarray:
    """Counterparties by liquidity provided; never the taker itself."""
    maker = np.searchsorted(weights_cdf, rng.random(len(taker)) * weights_cdf[-1], side="right")
    for _ in range(4):
        same = np.flatnonzero(maker == taker)
        if not len(same):
            break
        maker[same] = np.searchsorted(weights_cdf, rng.random(len(same)) * weights_cdf[-1], side="right")
    same = maker == taker
    maker[same] = (maker[same] + 1) % len(weights_cdf)
    return maker


def market(
    ctx: Context,
    rng: np.random.Generator,
    takers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    median_notional: float = 120.0,
) -> None:
    """Honest order flow: given takers and time bounds, match against liquidity providers."""
    pop = ctx.pop
    maker = draw_makers(rng, ctx.maker_cdf, takers)
    lo = np.maximum(np.maximum(lo, pop.reg[takers]), pop.reg[maker])
    ok = lo < hi  # both accounts must exist before the period ends
    takers, maker, lo, hi = takers[ok], maker[ok], lo[ok], np.broadcast_to(hi, ok.shape)[ok]
    ts = lo + (rng.random(len(takers)) * (hi - lo)).astype(np.int64)
    notional = rng.lognormal(np.log(median_notional), 1.4, len(takers))
    trade_pairs(ctx, rng, takers, maker, ts, notional)

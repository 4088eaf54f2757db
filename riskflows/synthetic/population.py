"""Who is on the exchange: per-account attributes as parallel numpy arrays.

Internal index i is an account; its public user_id is drawn at the end (a random, unordered
id), so neither index nor id says which generator made the account. Honest accounts occupy
the first slots, abusive ones the rest; assembly never leaks that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from riskflows.synthetic import identity as ident
from riskflows.synthetic.campaigns import Campaign
from riskflows.synthetic.identity import AddressRegistry, DeviceRegistry, IpRegistry
from riskflows.synthetic.tables import Rows
from riskflows.synthetic.timeline import DAY, HOUR, Window

NO = -1


@dataclass
class Population:
    """Account attributes. Login/market behaviour fields drive the generic activity generator."""

    n: int
    reg: np.ndarray = field(init=False)  # registered_at, ns
    country: np.ndarray = field(init=False)
    kyc: np.ndarray = field(init=False)
    referrer: np.ndarray = field(init=False)  # population index or NO
    reg_ip: np.ndarray = field(init=False)  # ip code
    reg_device: np.ndarray = field(init=False)  # device code
    email: np.ndarray = field(init=False)
    # How the account logs in: its home IP, an alternative pool (carrier NAT / office) used
    # with probability alt_share, and an optional second device.
    home_ip: np.ndarray = field(init=False)
    alt_ip_lo: np.ndarray = field(init=False)
    alt_ip_n: np.ndarray = field(init=False)
    alt_share: np.ndarray = field(init=False)
    device2: np.ndarray = field(init=False)
    device2_share: np.ndarray = field(init=False)
    activity: np.ndarray = field(init=False)  # human logins multiplier; 0 = someone else writes them
    clock_period: np.ndarray = field(init=False)  # >0: logs in on a schedule (API / market making)
    # Money and market behaviour.
    chain: np.ndarray = field(init=False)
    wallet: np.ndarray = field(init=False)  # own external wallet (address code)
    deposit_rate: np.ndarray = field(init=False)  # expected deposits over the active period
    shared_payout: np.ndarray = field(init=False)  # withdraws to another exchange's shared address, or NO
    taker_weight: np.ndarray = field(init=False)
    maker_weight: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        z = lambda dtype=np.int64: np.zeros(n, dtype=dtype)  # noqa: E731
        self.reg, self.country, self.kyc = z(), z(np.int16), z(np.int8)
        self.referrer = np.full(n, NO, dtype=np.int64)
        self.reg_ip, self.reg_device, self.email = z(), z(), z(np.int16)
        self.home_ip, self.alt_ip_lo, self.alt_ip_n = z(), z(), z()
        self.alt_share, self.device2 = z(np.float64), np.full(n, NO, dtype=np.int64)
        self.device2_share, self.activity, self.clock_period = z(np.float64), z(np.float64), z()
        self.chain, self.wallet, self.deposit_rate = z(np.int8), z(), z(np.float64)
        self.shared_payout = np.full(n, NO, dtype=np.int64)
        self.taker_weight, self.maker_weight = z(np.float64), z(np.float64)

    def tz_of(self, idx: np.ndarray) -> np.ndarray:
        """Time zone (hours from UTC) of each account in idx, from its country."""
        return ident.COUNTRY_TZ_HOURS[self.country[idx]]


@dataclass
class Context:
    """Everything generators share: calendar, registries, population and the row buffer."""

    window: Window
    campaigns: dict[str, Campaign]
    pop: Population
    n_honest: int
    ips: IpRegistry = field(default_factory=IpRegistry)
    devices: DeviceRegistry = field(default_factory=DeviceRegistry)
    addresses: AddressRegistry = field(default_factory=AddressRegistry)
    rows: Rows = field(default_factory=Rows)
    carrier_lo: np.ndarray | None = None  # per (country, carrier): first NAT ip code
    carrier_n: np.ndarray | None = None
    hot_wallets: dict[int, np.ndarray] = field(default_factory=dict)  # chain -> other exchanges' hot wallets
    hard_negatives: list[tuple[int, np.ndarray]] = field(default_factory=list)
    maker_cdf: np.ndarray | None = None  # cumulative liquidity weights, for drawing counterparties

    def mark(self, group: str, members: np.ndarray) -> None:
        from riskflows.synthetic.schema import HARD_NEGATIVE_GROUPS

        self.hard_negatives.append((HARD_NEGATIVE_GROUPS.index(group), np.unique(members)))

    def new_wallets(self, rng: np.random.Generator, chains: np.ndarray) -> np.ndarray:
        """One fresh external wallet per row, on the row's chain."""
        out = np.empty(len(chains), dtype=np.int64)
        for c, name in enumerate(ident.CHAINS):
            sel = np.flatnonzero(chains == c)
            if len(sel):
                out[sel] = self.addresses.new(rng, len(sel), name)
        return out


CARRIERS_PER_COUNTRY = 3


def build_carrier_nat(ctx: Context, rng: np.random.Generator) -> None:
    """Mobile carriers put thousands of subscribers behind a few dozen public IPs in one /24."""
    k = len(ident.COUNTRIES) * CARRIERS_PER_COUNTRY
    nets = ident.random_slash24(rng, k)
    sizes = rng.integers(16, 64, k)
    lo = np.empty(k, dtype=np.int64)
    for j in range(k):
        hosts = rng.choice(np.arange(1, 255, dtype=np.uint32), sizes[j], replace=False)
        lo[j] = ctx.ips.add(nets[j] | hosts)[0]
    ctx.carrier_lo, ctx.carrier_n = lo, sizes.astype(np.int64)


def build_hot_wallets(ctx: Context, rng: np.random.Generator) -> None:
    """Other exchanges' withdrawal hot wallets: one address funds deposits of countless customers."""
    for c, name in enumerate(ident.CHAINS):
        ctx.hot_wallets[c] = ctx.addresses.new(rng, 6, name)


def nat_host(ctx: Context, rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    carrier = country.astype(np.int64) * CARRIERS_PER_COUNTRY + rng.integers(0, CARRIERS_PER_COUNTRY, len(country))
    return ctx.carrier_lo[carrier] + (rng.random(len(country)) * ctx.carrier_n[carrier]).astype(np.int64)


def give_identity(
    ctx: Context, rng: np.random.Generator, idx: np.ndarray, *, ua=None, kyc_p=None, email_p=None, country=None
) -> None:
    """Ordinary identity for accounts idx: country, KYC, email, own device, home IP, wallet."""
    pop, n = ctx.pop, len(idx)
    pop.country[idx] = rng.choice(len(ident.COUNTRIES), n, p=ident.COUNTRY_WEIGHTS) if country is None else country
    pop.kyc[idx] = rng.choice(4, n, p=kyc_p if kyc_p is not None else [0.2, 0.35, 0.33, 0.12])
    pop.email[idx] = rng.choice(len(ident.EMAIL_DOMAINS), n, p=email_p if email_p is not None else ident.EMAIL_WEIGHTS)
    if ua is None:
        ua = rng.choice(ident.UA_HUMAN, n, p=ident.UA_HUMAN_WEIGHTS)
    pop.reg_device[idx] = ctx.devices.new(rng, n, ua)
    pop.home_ip[idx] = ctx.ips.add(ident.residential_ips(rng, n))
    pop.reg_ip[idx] = pop.home_ip[idx]
    pop.chain[idx] = rng.choice(len(ident.CHAINS), n, p=ident.CHAIN_WEIGHTS)
    pop.wallet[idx] = ctx.new_wallets(rng, pop.chain[idx])


def _groups(rng: np.random.Generator, members: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Split members into consecutive groups of lo..hi; returns each member's group leader."""
    sizes = rng.integers(lo, hi + 1, len(members))
    starts = np.concatenate([[0], np.cumsum(sizes)])
    starts = starts[starts < len(members)]
    gid = np.searchsorted(starts, np.arange(len(members)), side="right") - 1
    return members[starts[gid]]


def populate_honest(ctx: Context, rng: np.random.Generator) -> None:
    """Honest customers, including the ones that look suspicious on one signal (hard negatives)."""
    pop, w, h = ctx.pop, ctx.window, ctx.n_honest
    idx = np.arange(h)
    give_identity(ctx, rng, idx)

    # Registrations over two years, denser lately (the exchange grows).
    u = rng.random(h) ** (1 / 1.6)
    day = w.history_start + (u * (w.end - w.history_start)).astype(np.int64)
    day -= day % DAY
    from riskflows.synthetic.timeline import human_times

    pop.reg[idx] = human_times(rng, day, np.minimum(day + DAY, w.end), pop.tz_of(idx))

    # Mobile logins go out through the carrier's NAT pool.
    mobile = rng.random(h) < 0.55
    carrier = pop.country[idx].astype(np.int64) * CARRIERS_PER_COUNTRY + rng.integers(0, CARRIERS_PER_COUNTRY, h)
    pop.alt_ip_lo[idx] = np.where(mobile, ctx.carrier_lo[carrier], 0)
    pop.alt_ip_n[idx] = np.where(mobile, ctx.carrier_n[carrier], 0)
    pop.alt_share[idx] = np.where(mobile, rng.uniform(0.1, 0.5, h), 0.0)
    reg_on_mobile = mobile & (rng.random(h) < 0.3)
    pop.reg_ip[idx[reg_on_mobile]] = nat_host(ctx, rng, pop.country[idx[reg_on_mobile]])

    second = np.flatnonzero(rng.random(h) < 0.35)
    pop.device2[second] = ctx.devices.new(
        rng, len(second), rng.choice(ident.UA_HUMAN, len(second), p=ident.UA_HUMAN_WEIGHTS)
    )
    pop.device2_share[second] = rng.uniform(0.1, 0.5, len(second))

    pop.activity[idx] = np.where(rng.random(h) < 0.2, 0.08, rng.lognormal(0, 0.9, h))
    traders = rng.random(h) < 0.45
    pop.taker_weight[idx] = np.where(traders, rng.lognormal(0, 1.3, h), 0.0)
    pop.maker_weight[idx] = pop.taker_weight[idx] * 0.5
    pop.deposit_rate[idx] = np.where(rng.random(h) < 0.7, rng.lognormal(0, 0.7, h), 0.0)
    pop.deposit_rate[idx[traders]] += 0.5

    # Ordinary referrals: the referrer registered earlier.
    by_time = np.argsort(pop.reg[idx])
    referred = np.flatnonzero(rng.random(h) < 0.12)
    rank = np.empty(h, dtype=np.int64)
    rank[by_time] = np.arange(h)
    referred = referred[rank[referred] > 0]
    pop.referrer[referred] = by_time[(rng.random(len(referred)) * rank[referred]).astype(np.int64)]

    pool = rng.permutation(h)
    take = _Taker(pool)
    _families_and_cafes(ctx, rng, take)
    _shared_ips(ctx, rng, take)
    _marketing_bursts(ctx, rng, take)
    _influencers(ctx, rng, take)
    _market_makers(ctx, rng, take)
    _api_traders(ctx, rng, take)
    _exchange_payouts(ctx, rng, take)


class _Taker:
    """Hands out distinct honest accounts to the hard-negative groups."""

    def __init__(self, pool: np.ndarray) -> None:
        self.pool, self.pos = pool, 0

    def __call__(self, k: int) -> np.ndarray:
        k = int(min(k, len(self.pool) - self.pos))
        out = self.pool[self.pos : self.pos + k]
        self.pos += k
        return out


def _families_and_cafes(ctx: Context, rng, take) -> None:
    pop, h = ctx.pop, ctx.n_honest
    fam = take(max(12, int(0.012 * h)))
    leader = _groups(rng, fam, 2, 5)
    # One household: one shared phone or laptop, one home connection, one country.
    for attr in ("reg_device", "home_ip", "country"):
        getattr(pop, attr)[fam] = getattr(pop, attr)[leader]
    pop.reg_ip[fam] = pop.home_ip[fam]
    pop.reg[fam] = np.maximum(pop.reg[fam], pop.reg[leader])
    # Internet cafés: one public machine used now and then by many regulars.
    cafe = take(max(10, int(0.005 * h)))
    n_cafes = max(1, len(cafe) // 10)
    cafe_dev = ctx.devices.new(rng, n_cafes, rng.choice([8, 9, 10, 11], n_cafes))
    pop.device2[cafe] = cafe_dev[rng.integers(0, n_cafes, len(cafe))]
    pop.device2_share[cafe] = rng.uniform(0.2, 0.6, len(cafe))
    ctx.mark("family_device", np.concatenate([fam, cafe]))


def _shared_ips(ctx: Context, rng, take) -> None:
    pop, h = ctx.pop, ctx.n_honest
    # Mobile-only customers: registered and always log in through carrier NAT.
    mob = take(max(20, int(0.03 * h)))
    pop.reg_ip[mob] = nat_host(ctx, rng, pop.country[mob])
    pop.home_ip[mob] = pop.reg_ip[mob]
    pop.alt_share[mob] = 1.0
    carrier = pop.country[mob].astype(np.int64) * CARRIERS_PER_COUNTRY + rng.integers(0, CARRIERS_PER_COUNTRY, len(mob))
    pop.alt_ip_lo[mob], pop.alt_ip_n[mob] = ctx.carrier_lo[carrier], ctx.carrier_n[carrier]
    # Offices: colleagues behind one corporate IP during working hours.
    office = take(max(16, int(0.015 * h)))
    leader = _groups(rng, office, 8, 40)
    leaders = np.unique(leader)
    office_ip = dict(zip(leaders.tolist(), ctx.ips.add(ident.residential_ips(rng, len(leaders))).tolist()))
    pop.alt_ip_lo[office] = np.array([office_ip[x] for x in leader.tolist()], dtype=np.int64)
    pop.alt_ip_n[office] = 1
    pop.alt_share[office] = rng.uniform(0.3, 0.6, len(office))
    pop.country[office] = pop.country[leader]
    some = office[rng.random(len(office)) < 0.4]
    pop.reg_ip[some] = pop.alt_ip_lo[some]
    ctx.mark("carrier_nat", np.concatenate([mob, office]))


def _marketing_bursts(ctx: Context, rng, take) -> None:
    """A marketing push (influencer video, TV spot) brings hundreds of real sign-ups within hours."""
    pop, w = ctx.pop, ctx.window
    nu = ctx.campaigns["new_user"]
    pushes = [
        w.start - int(rng.integers(300, 500)) * DAY,
        w.start - int(rng.integers(60, 150)) * DAY,
        nu.starts_at + int(rng.integers(6, 40)) * HOUR,
    ]
    members = []
    for t in pushes:
        m = take(max(10, int(0.004 * ctx.n_honest)))
        pop.reg[m] = np.minimum(t + (2 * HOUR * rng.lognormal(0, 0.9, len(m))).astype(np.int64), w.end - HOUR)
        members.append(m)
    ctx.mark("marketing_burst", np.concatenate(members))


def _influencers(ctx: Context, rng, take) -> None:
    """Creators whose many referees are real customers who deposit and trade."""
    pop, w, h = ctx.pop, ctx.window, ctx.n_honest
    ref = ctx.campaigns["referral"]
    k = max(2, h // 25_000)
    infl = take(k)
    pop.reg[infl] = w.start - rng.integers(200, 700, k) * DAY
    pop.kyc[infl] = rng.choice([2, 3], k)
    pop.activity[infl] = rng.uniform(2, 4, k)
    referees = take(max(2 * k * 25, int(0.008 * h)))
    share = rng.dirichlet(np.ones(k) * 2)
    pop.referrer[referees] = infl[rng.choice(k, len(referees), p=share)]
    recent = rng.random(len(referees)) < 0.45
    lo = np.where(recent, ref.starts_at, pop.reg[pop.referrer[referees]] + DAY)
    hi = np.where(recent, ref.ends_at - DAY, w.start)
    from riskflows.synthetic.timeline import human_times

    pop.reg[referees] = human_times(rng, lo, np.maximum(hi, lo + DAY), pop.tz_of(referees))
    pop.activity[referees] = rng.lognormal(0.3, 0.6, len(referees))
    pop.taker_weight[referees] = rng.lognormal(0, 1.0, len(referees))
    pop.deposit_rate[referees] = rng.lognormal(0.3, 0.5, len(referees))
    ctx.mark("influencer_referees", np.concatenate([infl, referees]))


def _server_identity(ctx: Context, rng, idx: np.ndarray) -> None:
    """Trading bots run on a rented server: datacenter IP, HTTP-library user agent."""
    pop = ctx.pop
    pop.home_ip[idx] = ctx.ips.add(ident.datacenter_ips(rng, len(idx)))
    pop.device2[idx] = ctx.devices.new(rng, len(idx), rng.choice(ident.UA_API, len(idx)))
    pop.device2_share[idx] = 1.0  # the server does the logging in
    pop.alt_share[idx] = 0.0


def _market_makers(ctx: Context, rng, take) -> None:
    pop, h = ctx.pop, ctx.n_honest
    mm = take(max(3, 2 + h // 150_000))
    pop.reg[mm] = ctx.window.start - rng.integers(300, 700, len(mm)) * DAY
    pop.kyc[mm] = 3
    _server_identity(ctx, rng, mm)
    pop.clock_period[mm] = (rng.uniform(20, 60, len(mm)) * 60e9).astype(np.int64)
    pop.activity[mm] = 0.0
    total = pop.maker_weight[:h].sum()
    # Market makers sit on the other side of a large share of all trades.
    pop.maker_weight[mm] = total * 0.6 / 0.4 * rng.dirichlet(np.ones(len(mm)) * 3)
    pop.taker_weight[mm] = pop.taker_weight[:h].sum() * 0.05 / len(mm)
    pop.deposit_rate[mm] = 8.0
    ctx.mark("market_maker", mm)


def _api_traders(ctx: Context, rng, take) -> None:
    pop, h = ctx.pop, ctx.n_honest
    api = take(max(8, int(0.003 * h)))
    _server_identity(ctx, rng, api)
    pop.clock_period[api] = (rng.uniform(1, 6, len(api)) * HOUR).astype(np.int64)
    pop.activity[api] = 0.0
    pop.taker_weight[api] = rng.lognormal(2.0, 0.8, len(api))
    pop.maker_weight[api] = pop.taker_weight[api] * 0.5
    pop.deposit_rate[api] = rng.lognormal(0.8, 0.5, len(api))
    ctx.mark("api_trader", api)


def _exchange_payouts(ctx: Context, rng, take) -> None:
    """Customers cashing out to another exchange that uses one shared deposit address (memo-tagged)."""
    pop, h = ctx.pop, ctx.n_honest
    users = take(max(20, int(0.025 * h)))
    shared = {c: ctx.addresses.new(rng, 3, name) for c, name in enumerate(ident.CHAINS)}
    pop.shared_payout[users] = [
        shared[int(c)][int(j)] for c, j in zip(pop.chain[users], rng.integers(0, 3, len(users)))
    ]
    pop.deposit_rate[users] = np.maximum(pop.deposit_rate[users], rng.lognormal(0.3, 0.5, len(users)))
    ctx.mark("exchange_deposit_address", users)

"""Abuse operations: people running many accounts, each with its own tools and habits."""

from __future__ import annotations

import numpy as np

from ._common import DAY, HOUR, MIN, US, addr_key, heavy_sizes, hkey, hsh, human_times, rand_times
from ._honest import R_ABUSE, fav_symbols, honest_deposits
from ._infra import (
    CH_TRON,
    COUNTRIES,
    CWEIGHT,
    DESK_PLATS,
    FIAT,
    FIAT_STEP,
    FX,
    P_AND_APP,
    P_GO,
    P_NODE,
    P_PY,
    P_WIN_CHROME,
    TZ,
    A,
    C,
    S,
)
from ._names import DISPOSABLE, custom_domain, pick_emails
from ._world import AIR, CLOUD, COMP, DCPROXY, DEP, HOME, MOBILE, NCTX, NEW, REF, RESI, VPN, World

PATTERNS = [
    "competition_wash_ring",
    "referral_hollow_ring",
    "household_bonus_hunter",
    "deposit_bonus_carousel",
    "airdrop_sybil_farm",
    "scripted_bot_farm",
    "phone_rack_welcome_farm",
]


def plan_ops(W: World):
    """Decide operations and their sizes (heavy-tailed), before anyone is created."""
    rng = W.rng("abuse-plan")
    f = W.f
    ops = []

    def n_ops(base):
        return max(1, int(round(base * f)))

    wr = heavy_sizes(rng, n_ops(13), 2, 26, alpha=1.15)
    if f >= 0.5:
        wr[np.argmax(wr)] = max(wr.max(), int(rng.integers(14, 27)))
    for s in wr:
        ops.append(dict(pattern="competition_wash_ring", n=int(s)))
    for s in heavy_sizes(rng, n_ops(10), 4, 90, alpha=0.95):
        n_sub = 0 if s < 30 else int(rng.integers(1, 4))
        ops.append(dict(pattern="referral_hollow_ring", n=int(s) + 1 + n_sub, n_ref=int(s), n_sub=n_sub))
    for s in rng.choice([2, 2, 3, 3, 3, 4, 5], n_ops(27)):
        ops.append(dict(pattern="household_bonus_hunter", n=int(s)))
    for s in heavy_sizes(rng, n_ops(7), 4, 36, alpha=1.0):
        ops.append(dict(pattern="deposit_bonus_carousel", n=int(s) + 1))
    sy = heavy_sizes(rng, n_ops(6), 6, 140, alpha=0.75)
    if f >= 0.5:
        sy[np.argmax(sy)] = max(sy.max(), int(rng.integers(80, 140) * min(f, 1.5)))
    for s in sy:
        ops.append(dict(pattern="airdrop_sybil_farm", n=int(s)))
    for s in heavy_sizes(rng, n_ops(3), 12, 55, alpha=1.0):
        ops.append(dict(pattern="scripted_bot_farm", n=int(s)))
    for s in heavy_sizes(rng, n_ops(6), 6, 30, alpha=1.2):
        ops.append(dict(pattern="phone_rack_welcome_farm", n=int(s)))
    # earlier season operations, retired: present in history only
    ops.append(dict(pattern="retired_bot", n=max(6, int(24 * f))))
    ops.append(dict(pattern="retired_wash", n=max(3, int(6 * f))))
    ops.append(dict(pattern="retired_referral", n=max(8, int(32 * f))))
    for i, o in enumerate(ops):
        o["id"] = i
        o["skill"] = rng.choice(["sloppy", "medium", "careful"], p=[0.25, 0.47, 0.28])
    return ops


class Op:
    """Helpers shared by all operations."""

    def __init__(self, W: World, spec: dict, users: np.ndarray, rng):
        self.W, self.spec, self.u, self.rng = W, spec, users, rng
        self.id = spec["id"]
        self.skill = spec["skill"]
        W.is_abuse[users] = True
        W.pattern[users] = spec["pattern"]
        W.op_id[users] = self.id
        W.skill[users] = self.skill
        W.role[users] = R_ABUSE
        self.home_country = int(rng.choice(len(COUNTRIES), p=CWEIGHT))
        self.collectors = addr_key(CH_TRON, hkey(9900, W.seed, self.id, np.arange(4)))
        self.funder = addr_key(CH_TRON, hkey(9901, W.seed, self.id))
        self.ex = int(rng.choice(W.infra.n_ex, p=W.infra.ex_w))

    # ---------------------------------------------------------------- identity
    def identities(self, users, country, reg_ts, kyc=None, email_mode="free", referrer=-1):
        W, rng = self.W, self.rng
        n = len(users)
        W.country[users] = country
        W.reg_ts[users] = reg_ts
        W.kyc[users] = rng.choice([1, 1, 1, 2], n) if kyc is None else kyc
        if email_mode == "catchall":
            d = W.dom(custom_domain(rng))
            W.email[users] = np.where(rng.random(n) < 0.85, d, pick_emails(W, rng, country))
        elif email_mode == "disposable":
            dd = np.array([W.dom(x) for x in DISPOSABLE])
            W.email[users] = np.where(
                rng.random(n) < 0.75, dd[rng.integers(0, len(dd), n)], pick_emails(W, rng, country)
            )
        else:
            W.email[users] = pick_emails(W, rng, country)
        W.referrer[users] = referrer
        W.wealth[users] = rng.lognormal(np.log(150), 0.5, n)
        W.fav[users] = fav_symbols(rng, np.asarray(country))
        W.pref_ex[users] = self.ex

    def profiles(self, users, country, dev="own", net="resi", extra=None):
        """Connection profiles of the op's accounts; one row per account (profile index == user index)."""
        W, rng = self.W, self.rng
        n = len(users)
        assert W.n_prof == users[0], "abuse profiles must be created in user order"
        kw = {}
        w = np.zeros((n, NCTX))
        opk = hkey(9700, W.seed, self.id)[0]
        if net == "home":
            w[:, HOME] = 0.88
            w[:, MOBILE] = 0.12
            kw["household"] = np.full(n, opk)
            kw["hh_country"] = np.full(n, self.home_country)
            kw["carrier"] = np.full(n, W.infra.carrier_for(rng, [self.home_country])[0])
        elif net == "vpn":
            w[:, VPN] = 0.85
            w[:, HOME] = 0.15
            kw["vpn"] = np.full(n, rng.integers(0, 4))
            kw["household"] = np.full(n, opk)
            kw["hh_country"] = np.full(n, self.home_country)
        elif net == "dcproxy":
            w[:, DCPROXY] = 1.0
            kw["dcpool"] = np.full(n, W.new_dc_pool(rng, int(rng.integers(1, 5)), int(rng.integers(40, 220))))
        elif net == "mobile":
            w[:, MOBILE] = 1.0
            car = W.infra.carrier_for(rng, [self.home_country])[0]
            kw["carrier"] = np.full(n, car)
        elif net == "mixed":
            w[:, RESI] = 0.8
            w[:, HOME] = 0.2
            kw["household"] = np.full(n, opk)
            kw["hh_country"] = np.full(n, self.home_country)
            kw["sticky_h"] = rng.uniform(1, 24, n)
        elif net == "resi":
            w[:, RESI] = 1.0
            kw["sticky_h"] = rng.uniform(0.5, 30, n)
        else:  # own: honest-like, each account its own life (aged masters, own phones)
            w = None
        if w is not None:
            kw["w"] = w
        if dev == "laptop":
            kw.update(
                dev_desk=np.full(n, hkey(9710, W.seed, self.id)[0]),
                p_desk=np.full(n, 0.85),
                dev_phone=np.full(n, hkey(9711, W.seed, self.id)[0]),
                desk_T=np.zeros(n),
                phone_T=np.zeros(n),
                plat_desk=np.full(n, DESK_PLATS[rng.integers(0, 4)]),
                dev_tab=np.full(n, -1),
            )
        elif dev == "rack":
            per = int(rng.integers(3, 9))
            phone = np.arange(n) // per
            kw.update(
                dev_phone=hkey(9720, W.seed, self.id, phone),
                p_desk=np.zeros(n),
                phone_T=np.zeros(n),
                plat_phone=np.full(n, P_AND_APP),
                model=np.full(n, rng.integers(0, 16)),
                dev_tab=np.full(n, -1),
            )
        elif dev == "emulator":
            kw.update(
                dev_phone=hkey(9730, W.seed, self.id, np.arange(n)),
                p_desk=np.zeros(n),
                phone_T=np.zeros(n),
                plat_phone=np.full(n, P_AND_APP),
                model=np.full(n, rng.integers(0, 16)),
                dev_tab=np.full(n, -1),
                ua_lag=np.zeros(n, np.int64),
            )
        elif dev == "antidetect_acct":
            kw.update(
                dev_desk=hkey(9740, W.seed, self.id, np.arange(n)),
                p_desk=np.full(n, 0.95),
                desk_T=np.zeros(n),
                plat_desk=DESK_PLATS[rng.integers(0, 5, n)],
                dev_tab=np.full(n, -1),
            )
        elif dev == "antidetect_session":
            kw.update(
                dev_desk=hkey(9750, W.seed, self.id, np.arange(n)),
                p_desk=np.ones(n),
                fresh_desk=np.ones(n, bool),
                ua_rand=np.ones(n, bool),
                dev_tab=np.full(n, -1),
            )
        elif dev == "shared_phone":
            kw.update(
                dev_phone=np.full(n, hkey(9760, W.seed, self.id)[0]),
                p_desk=np.full(n, 0.5),
                dev_desk=np.full(n, hkey(9761, W.seed, self.id)[0]),
                phone_T=np.zeros(n),
                desk_T=np.zeros(n),
                dev_tab=np.full(n, -1),
            )
        elif dev == "family_devices":
            k = int(rng.integers(1, 3))
            kw.update(
                dev_desk=np.full(n, hkey(9770, W.seed, self.id)[0]),
                p_desk=np.full(n, 0.45),
                dev_phone=hkey(9771, W.seed, self.id, np.arange(n) % k),
                phone_T=np.zeros(n),
                desk_T=np.zeros(n),
                dev_tab=np.full(n, -1),
            )
        if extra:
            kw.update(extra)
        p = W.add_profiles(country, rng, **kw)
        tz = W.prof_get("tz", p)
        W.tz_u[users] = tz
        W.peak_u[users] = W.prof_get("peak", p)
        return p

    # ---------------------------------------------------------------- timing
    def times(self, n, t0, span, mode=None):
        """When the operator acts on n accounts: script seconds apart, manual minutes apart, careful spread out."""
        rng = self.rng
        mode = mode or {"sloppy": "script", "medium": "manual", "careful": "careful"}[self.skill]
        if mode == "script":
            t = t0 + np.cumsum(rng.exponential(25, n) + 2) * US
        elif mode == "manual":
            t = t0 + np.cumsum(rng.lognormal(np.log(170), 0.6, n)) * US
        else:
            t = human_times(
                rng,
                np.full(n, t0),
                np.full(n, t0 + span),
                np.full(n, TZ[self.home_country]),
                np.full(n, float(rng.uniform(9, 23))),
            )
            t = t[rng.permutation(n)]
        return np.minimum(t.astype(np.int64), t0 + max(span, 1)).astype(np.int64)

    def login_before(self, users, t, p=1.0):
        m = self.rng.random(len(users)) < p
        self.W.login(users[m], t[m] - self.rng.integers(5, 240, m.sum()) * US)

    def idle_logins(self, users, lo, hi, rate_per_day=0.15):
        W, rng = self.W, self.rng
        lo = np.broadcast_to(np.asarray(lo, np.int64), users.shape)
        hi = np.broadcast_to(np.asarray(hi, np.int64), users.shape)
        k = rng.poisson(np.maximum(hi - lo, 0) / DAY * rate_per_day)
        uu = np.repeat(users, k)
        t = rand_times(rng, np.repeat(lo, k), np.repeat(hi, k))
        W.login(uu, t)

    # ---------------------------------------------------------------- money
    def fund(self, users, t, amt, mode, master=None):
        W, rng = self.W, self.rng
        n = len(users)
        amt = np.round(np.asarray(amt, float), 2)
        if mode == "funder":
            W.deposit(users, t, A["USDT"], amt, self.funder)
        elif mode == "hot":
            ex = np.where(rng.random(n) < 0.8, self.ex, rng.choice(W.infra.n_ex, n, p=W.infra.ex_w))
            W.deposit(users, t, A["USDT"], amt, W.infra.hot_wallet(ex, CH_TRON, rng.integers(0, 1 << 40, n)))
        elif mode == "p2p":
            merch = self._merchant(users)
            W.transfer(merch, users, t, A["USDT"], amt)
        elif mode == "master":
            W.transfer(np.full(n, master), users, t, A["USDT"], amt)
        elif mode == "chain":
            src = np.r_[master if master is not None else users[0], users[:-1]]
            first = np.zeros(n, bool)
            first[0] = master is None
            W.deposit(users[first], t[first], A["USDT"], amt[first], self.funder)
            W.transfer(src[~first], users[~first], t[~first], A["USDT"], amt[~first])
        elif mode == "chain":
            # each account passes everything on to the next one; the last one withdraws the lot
            o = np.argsort(t, kind="stable")
            us, ts_, cum = users[o], t[o], np.round(np.cumsum(amt[o]), 2)
            if n > 1:
                W.transfer(us[:-1], us[1:], ts_[:-1] + US, A["USDT"], cum[:-1])
            W.withdraw(us[-1:], ts_[-1:] + int(rng.integers(5, 120)) * MIN, A["USDT"], cum[-1:], self.collectors[0])
        elif mode == "otc":
            desk = W.otc[self.id % len(W.otc)]
            W.withdraw(users, t, A["USDT"], amt, addr_key(CH_TRON, hkey(9600, W.seed, desk, CH_TRON)))
        elif mode == "fiat":
            cc = np.array(COUNTRIES)[W.country[users]]
            fn = np.array([FIAT.get(c, "") for c in cc])
            has = fn != ""
            for f_ in np.unique(fn[has]):
                m = fn == f_
                local = np.ceil(amt[m] / FX[f_] / (FIAT_STEP[f_] / 5)) * (FIAT_STEP[f_] / 5)
                W.deposit(users[m], t[m], A[f_], np.round(local * FX[f_] * (1 + rng.normal(0, 0.01, m.sum())), 2), -1)
            if (~has).any():
                self.fund(users[~has], t[~has], amt[~has], "hot")
        elif mode == "own_wallet":
            W.deposit(users, t, A["USDT"], amt, addr_key(CH_TRON, hkey(9902, W.seed, self.id)))

    def cashout(self, users, t, amt, mode, master=None):
        W, rng = self.W, self.rng
        ok = (t < W.data_end) & (W.kyc[users] >= 1)
        users, t, amt = users[ok], t[ok], np.round(np.asarray(amt, float)[ok], 2)
        n = len(users)
        if n == 0 or mode == "stay":
            return
        if mode == "collector":
            W.withdraw(users, t, A["USDT"], amt, self.collectors[0])
        elif mode == "few":
            W.withdraw(users, t, A["USDT"], amt, self.collectors[rng.integers(0, 3, n)])
        elif mode == "memo":
            asset = rng.choice([A["XRP"], A["XLM"]], n)
            chain = np.where(asset == A["XRP"], 4, 5)
            W.withdraw(users, t, asset, amt, W.infra.memo_address(self.ex, chain))
        elif mode == "p2p":
            W.transfer(users, self._merchant(users), t, A["USDT"], amt)
        elif mode == "master":
            W.transfer(users, np.full(n, master), t, A["USDT"], amt)
        elif mode == "own_wallet":
            W.withdraw(users, t, A["USDT"], amt, addr_key(CH_TRON, hkey(9902, W.seed, self.id)))
        elif mode == "fiat":
            cc = np.array(COUNTRIES)[np.maximum(W.country[users], 0)]
            fn = np.array([FIAT.get(c, "") for c in cc])
            has = fn != ""
            for f_ in np.unique(fn[has]):
                m = fn == f_
                W.withdraw(users[m], t[m], A[f_], amt[m], -1)
            if (~has).any():
                W.withdraw(users[~has], t[~has], A["USDT"], amt[~has], addr_key(CH_TRON, hkey(9902, W.seed, self.id)))
        for_login = rng.random(n) < 0.9
        W.login(users[for_login], t[for_login] - rng.integers(5, 200, for_login.sum()) * US)

    def _merchant(self, users):
        W = self.W
        cands = [m for m in W.p2p if W.country[m] == self.home_country] or list(W.p2p)
        k = int(hsh(self.id, 3)[0] % np.uint64(len(cands)))
        return np.full(len(users), cands[k])

    def trade(self, users, t, sym, side, notional, maker=None):
        rng = self.rng
        n = len(users)
        if maker is None:
            maker = np.where(rng.random(n) < 0.75, -2, -1)
        ok = t < self.W.data_end
        self.W.fill(
            users[ok],
            np.broadcast_to(maker, (n,))[ok],
            t[ok],
            sym,
            np.broadcast_to(side, (n,))[ok],
            np.round(np.broadcast_to(notional, (n,))[ok], 2),
        )


# =====================================================================================
def build_ops(W: World, ops):
    """Create every operation's accounts and behaviour (accounts occupy the tail of the user range)."""
    rng_all = W.rng("abuse-build")
    cursor = len(W.honest)
    W.aged = []  # (users, shadow?) requests processed after all ops
    W.ops = ops
    for spec in ops:
        rng = np.random.default_rng([W.seed, 555, spec["id"]])
        users = np.arange(cursor, cursor + spec["n"])
        cursor += spec["n"]
        op = Op(W, spec, users, rng)
        BUILD[spec["pattern"]](op)
    assert cursor == W.N, (cursor, W.N)
    _aged_histories(W, rng_all)


def _aged(op: Op, users, shadow: bool, sale_t=None):
    """Accounts with an earlier life: bought from their first owner (shadow) or the operator's own old account."""
    W, rng = op.W, op.rng
    n = len(users)
    reg = W.S0 - (rng.uniform(120, 1100, n) * DAY).astype(np.int64)
    W.reg_ts[users] = reg
    if sale_t is None:
        sale_t = W.S0 - (rng.uniform(8, 70, n) * DAY).astype(np.int64)
    W.aged.append((users, shadow, np.asarray(sale_t, np.int64), W.country[users].copy()))
    return reg


def _aged_histories(W: World, rng):
    for users, shadow, sale_t, country in W.aged:
        n = len(users)
        if shadow:
            prev_country = np.where(rng.random(n) < 0.6, country, rng.choice(len(COUNTRIES), n, p=CWEIGHT))
            sp = W.add_profiles(prev_country, rng)
            W.reg_prof[users] = sp
            W.country[users] = np.where(rng.random(n) < 0.7, prev_country, country)
            end_hist = sale_t - (rng.uniform(20, 200, n) * DAY).astype(np.int64)
            prof = sp
        else:
            end_hist = sale_t
            prof = users
        lo = np.maximum(W.reg_ts[users], W.H)
        hi = np.maximum(end_hist, lo)
        lam = rng.lognormal(np.log(0.15), 0.8, n)
        k = rng.poisson(np.maximum(hi - lo, 0) / DAY * lam)
        uu = np.repeat(users, k)
        pp = np.repeat(prof, k)
        t = human_times(rng, np.repeat(lo, k), np.repeat(hi, k), W.tz_u[uu], W.peak_u[uu])
        W.login(uu, t, prof=pp)
        # a handful of trades and deposits from the earlier life
        sel = rng.random(len(uu)) < 0.25
        W.fill(
            uu[sel],
            np.where(rng.random(sel.sum()) < 0.6, -2, -1),
            t[sel] + 60 * US,
            W.fav[uu[sel], 0],
            rng.integers(0, 2, sel.sum()),
            np.round(rng.lognormal(4.5, 0.9, sel.sum()), 2),
        )
        sel = rng.random(len(uu)) < 0.06
        honest_deposits(W, rng, uu[sel], t[sel] + 30 * US, rng.lognormal(5, 0.8, sel.sum()))


# ------------------------------------------------------------------------------ patterns
def _skill_pick(op, table):
    return table[op.skill][op.rng.integers(len(table[op.skill]))]


def build_wash_ring(op: Op):
    W, rng, u = op.W, op.rng, op.u
    Cc = W.camps[COMP]
    n = len(u)
    country = np.where(rng.random(n) < 0.7, op.home_country, rng.choice(len(COUNTRIES), n, p=CWEIGHT))
    dev = _skill_pick(
        op,
        {
            "sloppy": ["laptop", "shared_phone"],
            "medium": ["antidetect_acct", "rack", "own"],
            "careful": ["own", "antidetect_acct"],
        },
    )
    net = _skill_pick(op, {"sloppy": ["home", "vpn"], "medium": ["mixed", "resi", "vpn"], "careful": ["resi", "own"]})
    op.identities(u, country, 0, email_mode="free" if op.skill != "sloppy" else rng.choice(["free", "catchall"]))
    op.profiles(u, country, dev=dev, net=net)
    aged = rng.random(n) < 0.5
    if aged.any():
        _aged(op, u[aged], shadow=bool(rng.random() < 0.5))
    fresh = u[~aged]
    lead = {"sloppy": 6, "medium": 20, "careful": 45}[op.skill]
    reg0 = Cc.start - int(rng.uniform(2, lead)) * DAY
    W.reg_ts[fresh] = op.times(
        len(fresh), reg0, int(rng.uniform(1, 14)) * DAY, mode="manual" if op.skill == "sloppy" else None
    )
    W.login(fresh, W.reg_ts[fresh] + 30 * US)
    # working capital arrives before the cup
    ft = op.times(n, Cc.start - int(rng.uniform(1, 6)) * DAY, 4 * DAY)
    ft = np.maximum(ft, W.reg_ts[u] + HOUR)
    cap = rng.uniform(400, 3000) * rng.uniform(0.9, 1.1, n)
    fmode = _skill_pick(op, {"sloppy": ["funder", "chain"], "medium": ["hot", "funder", "p2p"], "careful": ["hot"]})
    op.fund(u, ft, cap, fmode, master=None)
    op.login_before(u, ft)
    et = op.times(n, Cc.start + int(rng.uniform(0, 1.5 * DAY / US)) * US, int(rng.uniform(0.3, 4)) * DAY)
    et = np.clip(et, Cc.start, Cc.end - DAY)
    W.enroll(COMP, u, et)
    op.login_before(u, et)
    # volume targets: clear a tier, one star account aims at the prize table
    tier = rng.choice([26000, 105000, 520000], p=[0.35, 0.45, 0.2])
    vol = tier * rng.uniform(1.03, 1.5, n)
    if n >= 6 and rng.random() < 0.7:
        vol[rng.integers(n)] = rng.uniform(1.2e6, 3.5e6)
    tick = rng.uniform(700, 4500)
    total = vol.sum() / 2
    nfill = int(np.clip(total / tick, 10, 12000))
    nfill += nfill % 2
    npair = nfill // 2
    p = vol / vol.sum()
    a = rng.choice(n, npair, p=p)
    b = rng.choice(n - 1, npair, p=None)
    b = np.where(b >= a, b + 1, b)
    # round trips: a buys from b, later sells back to b at (almost) the same size
    span_lo = int(et.max()) if op.skill == "sloppy" else int(np.median(et))
    mode = {"sloppy": "burst", "medium": "sessions", "careful": "spread"}[op.skill]
    if mode == "spread":
        t1 = human_times(
            rng,
            np.full(npair, span_lo),
            np.full(npair, Cc.end - HOUR),
            np.full(npair, TZ[op.home_country]),
            np.full(npair, 21.0),
        )
        back = rng.exponential(25 * MIN, npair).astype(np.int64) + 20 * US
    else:
        nsess = max(1, npair // (60 if mode == "burst" else 15))
        ss = human_times(
            rng,
            np.full(nsess, span_lo),
            np.full(nsess, Cc.end - 3 * HOUR),
            np.full(nsess, TZ[op.home_country]),
            np.full(nsess, 22.0),
        )
        si = rng.integers(0, nsess, npair)
        t1 = ss[si] + (rng.random(npair) * (40 if mode == "burst" else 90) * MIN).astype(np.int64)
        back = (rng.exponential(40 if mode == "burst" else 240, npair) * US).astype(np.int64) + 3 * US
    t1 = np.maximum(t1, np.maximum(et[a], et[b]) + MIN)
    t2 = t1 + back
    notional = np.round(tick * rng.lognormal(0, 0.25, npair), 2)
    n2 = np.round(notional * rng.uniform(0.995, 1.005, npair), 2)
    ok = t2 < Cc.end
    a, b, t1, t2, notional, n2 = a[ok], b[ok], t1[ok], t2[ok], notional[ok], n2[ok]
    W.fill(u[a], u[b], t1, S["INJ/USDT"], 0, notional)
    W.fill(u[a], u[b], t2, S["INJ/USDT"], 1, n2)
    # cover trades with the outside world (careful rings look busier and less closed)
    cov = int(len(a) * {"sloppy": 0.02, "medium": 0.12, "careful": 0.35}[op.skill])
    if cov:
        cu = u[rng.integers(0, n, cov)]
        ct = rand_times(rng, np.full(cov, span_lo), np.full(cov, Cc.end - HOUR))
        op.trade(
            cu,
            ct,
            S["INJ/USDT"],
            rng.integers(0, 2, cov),
            tick * rng.lognormal(-0.6, 0.5, cov),
            maker=np.where(rng.random(cov) < 0.6, -4, -2),
        )
    # sessions need logins
    sess = np.unique(np.c_[np.r_[a, b], np.r_[t1, t1] // (2 * HOUR)], axis=0)
    W.login(u[sess[:, 0]], sess[:, 1] * 2 * HOUR + rng.integers(0, 600, len(sess)) * US)
    op.idle_logins(u, W.reg_ts[u], W.data_end, 0.12)
    # side campaigns: the deposit boost and the airdrop, with the same accounts
    D = W.camps[DEP]
    dm = rng.random(n) < 0.3
    if dm.any():
        dt = np.clip(op.times(dm.sum(), D.start + int(rng.uniform(0, 3)) * DAY, 3 * DAY), D.start, D.end - HOUR)
        W.enroll(DEP, u[dm], dt)
        op.fund(
            u[dm],
            dt + rng.integers(60, 3600, dm.sum()) * US,
            rng.uniform(100, 135, dm.sum()),
            "hot" if fmode != "funder" else "funder",
        )
        op.login_before(u[dm], dt)
    # after the cup: capital leaves or stays
    co = _skill_pick(
        op,
        {
            "sloppy": ["collector", "collector", "stay", "fiat"],
            "medium": ["few", "stay", "p2p", "fiat", "otc"],
            "careful": ["memo", "stay", "few"],
        },
    )
    ct = op.times(n, Cc.end + int(rng.uniform(2, 30)) * HOUR, 2 * DAY)
    op.cashout(u, ct, cap * rng.uniform(0.9, 0.99, n), co)


def build_referral_ring(op: Op):
    W, rng, u = op.W, op.rng, op.u
    R, NW = W.camps[REF], W.camps[NEW]
    spec = op.spec
    master = u[:1]
    subs = u[1 : 1 + spec["n_sub"]]
    refs = u[1 + spec["n_sub"] :]
    n = len(u)
    country = np.where(rng.random(n) < 0.8, op.home_country, rng.choice(len(COUNTRIES), n, p=CWEIGHT))
    country[0] = op.home_country
    dev = _skill_pick(
        op,
        {
            "sloppy": ["laptop", "rack", "shared_phone"],
            "medium": ["rack", "emulator", "antidetect_acct"],
            "careful": ["antidetect_acct", "antidetect_session", "emulator"],
        },
    )
    net = _skill_pick(
        op,
        {"sloppy": ["home", "mobile"], "medium": ["mobile", "mixed", "dcproxy", "vpn"], "careful": ["resi", "mobile"]},
    )
    em = _skill_pick(
        op, {"sloppy": ["catchall", "disposable"], "medium": ["catchall", "free", "disposable"], "careful": ["free"]}
    )
    op.identities(u, country, 0, email_mode=em)
    W.kyc[master] = 2
    # master: the operator's own aged account with a normal history, his own devices
    op.profiles(master, country[:1], dev="own", net="own")
    op.profiles(np.r_[subs, refs], country[1:], dev=dev, net=net)
    W.email[master] = pick_emails(W, rng, country[:1])
    _aged(op, master, shadow=False, sale_t=np.array([W.S0]))
    W.wealth[master] = rng.lognormal(np.log(800), 0.5)
    mt = R.start + int(rng.uniform(1, 30)) * HOUR + int(rng.integers(0, 3600)) * US
    W.enroll(REF, master, np.array([mt]))
    W.login(master, np.array([mt - 60 * US]))
    # sub-masters: early referees who recruit further
    st = op.times(len(subs), mt + HOUR, 2 * DAY) if len(subs) else np.zeros(0, np.int64)
    W.reg_ts[subs] = st
    W.referrer[subs] = master[0]
    W.enroll(REF, subs, st + rng.integers(5, 120, len(subs)) * US, master[0])
    parents = np.r_[master, subs]
    sponsor = parents[rng.integers(0, len(parents), len(refs))]
    # some referees are bought aged accounts, bound by a win-back code
    bought = rng.random(len(refs)) < {"sloppy": 0.05, "medium": 0.15, "careful": 0.3}[op.skill]
    fresh = refs[~bought]
    # fresh referees: batches (sloppy), days (medium), weeks (careful)
    r0 = max(int(st.max()) if len(st) else mt, mt) + HOUR
    span = {"sloppy": 3 * DAY, "medium": 10 * DAY, "careful": 20 * DAY}[op.skill]
    if op.skill == "sloppy":
        nb = max(1, len(fresh) // 25)
        b0 = rand_times(rng, np.full(nb, r0), np.full(nb, r0 + span))
        bi = rng.integers(0, nb, len(fresh))
        rt = np.empty(len(fresh), np.int64)
        for k in range(nb):
            m = bi == k
            rt[m] = op.times(m.sum(), int(b0[k]), HOUR, mode="script")
    else:
        rt = op.times(len(fresh), r0, span)
    rt = np.minimum(rt, R.end - 2 * HOUR)
    W.reg_ts[fresh] = rt
    W.referrer[fresh] = sponsor[~bought]
    W.enroll(REF, fresh, rt + rng.integers(3, 90, len(fresh)) * US, sponsor[~bought])
    if bought.any():
        _aged(op, refs[bought], shadow=True)
        bt = op.times(bought.sum(), r0, span)
        bt = np.minimum(bt, R.end - 2 * HOUR)
        W.enroll(REF, refs[bought], bt, sponsor[bought])
        W.login(refs[bought], bt - 60 * US)
        reg_like = bt
    else:
        reg_like = np.zeros(0, np.int64)
    act0 = np.zeros(len(refs), np.int64)
    act0[~bought] = rt
    act0[bought] = reg_like
    # the minimum: deposit just above $50, one trade just above $50, then silence
    both = rng.random() < 0.35  # the op also harvests the welcome pack
    tgt = 100 if both else 50
    fmode = _skill_pick(
        op,
        {
            "sloppy": ["funder", "master", "chain"],
            "medium": ["funder", "hot", "p2p", "master"],
            "careful": ["hot", "p2p"],
        },
    )
    delay = {"sloppy": 20 * MIN, "medium": 6 * HOUR, "careful": 2 * DAY}[op.skill]
    dt = act0 + rng.exponential(delay, len(refs)).astype(np.int64) + MIN
    if op.skill == "sloppy":
        order = np.argsort(dt)
        dt[order] = op.times(len(refs), int(dt.min()), span, mode="script")
    amt = tgt * rng.uniform(1.0, 1.12, len(refs))
    op.fund(refs, dt, amt, fmode, master=master[0])
    op.login_before(refs, dt, p=0.9)
    tt = dt + rng.exponential(delay, len(refs)).astype(np.int64) + 30 * US
    op.trade(refs, tt, W.fav[refs, 0], 0, tgt * rng.uniform(1.0, 1.1, len(refs)))
    op.login_before(refs, tt, p=0.7)
    if both:
        rr_ = W.reg_ts[refs]
        nw = ~bought & (rr_ >= NW.start) & (rr_ < NW.end)
        W.enroll(NEW, refs[nw], rr_[nw] + rng.integers(60, 1800, nw.sum()) * US)
    op.idle_logins(refs, tt, W.data_end, 0.05)
    # money out: swept back to the master after the hold, or left in place
    co = _skill_pick(
        op,
        {"sloppy": ["master", "collector"], "medium": ["master", "stay", "few"], "careful": ["stay", "memo", "chain"]},
    )
    ct = tt + (rng.uniform(8, 16, len(refs)) * DAY).astype(np.int64)
    op.cashout(refs, ct, amt * rng.uniform(0.95, 1.0, len(refs)), co, master=master[0])
    # master: ordinary activity plus withdrawal of commissions
    k = rng.poisson(25)
    mt2 = rand_times(rng, np.full(k, mt), np.full(k, W.data_end))
    W.login(np.full(k, master[0]), mt2)
    op.trade(
        np.full(k // 2, master[0]),
        mt2[: k // 2] + 60 * US,
        W.fav[master[0], 0],
        rng.integers(0, 2, k // 2),
        rng.lognormal(np.log(300), 0.8, k // 2),
    )
    op.cashout(
        master,
        np.array([W.data_end - int(rng.uniform(1, 5)) * DAY]),
        np.array([15.0 * len(refs) * 0.8]),
        rng.choice(["own_wallet", "fiat"]),
    )
    # sub-masters fund themselves too
    if len(subs):
        op.fund(subs, st + HOUR, rng.uniform(50, 60, len(subs)), "master", master=master[0])
        op.trade(subs, st + 2 * HOUR, W.fav[subs, 0], 0, rng.uniform(50, 58, len(subs)))


def build_household(op: Op):
    W, rng, u = op.W, op.rng, op.u
    NW, D, Ad = W.camps[NEW], W.camps[DEP], W.camps[AIR]
    n = len(u)
    country = np.full(n, op.home_country)
    op.identities(u, country, 0, email_mode="free")
    dev = rng.choice(["family_devices", "shared_phone", "laptop"], p=[0.6, 0.25, 0.15])
    op.profiles(u, country, dev=dev, net="home")
    main = u[:1]
    _aged(op, main, shadow=False, sale_t=np.array([W.S0]))
    W.kyc[u] = rng.choice([1, 1, 2], n)
    others = u[1:]
    # other "family members": fresh for the welcome pack, or prepared months ago
    fresh = rng.random(len(others)) < 0.65
    careful = op.skill == "careful"
    evening = human_times(
        rng, np.array([NW.start + DAY]), np.array([D.end - 3 * DAY]), np.array([TZ[op.home_country]]), np.array([21.0])
    )[0]
    fr = others[fresh]
    if careful:
        rt = human_times(
            rng,
            np.full(len(fr), NW.start),
            np.full(len(fr), D.end - 3 * DAY),
            np.full(len(fr), TZ[op.home_country]),
            np.full(len(fr), 21.0),
        )
    else:
        rt = op.times(len(fr), evening, 3 * HOUR, mode="manual")
    W.reg_ts[fr] = rt
    prep = others[~fresh]
    W.reg_ts[prep] = W.S0 - (rng.uniform(30, 240, len(prep)) * DAY).astype(np.int64)
    op.idle_logins(prep, W.reg_ts[prep], W.S0, 0.03)
    enr_new = fr[(rt >= NW.start) & (rt < NW.end)]
    W.enroll(NEW, enr_new, W.reg_ts[enr_new] + rng.integers(60, 1500, len(enr_new)) * US)
    # deposit boost: everyone, the same money moved around the family
    t0 = max(int(rt.max()) if len(rt) else D.start, D.start) + HOUR
    dt = op.times(n, min(t0, D.end - DAY), 2 * DAY if careful else 2 * HOUR, mode="careful" if careful else "manual")
    dt = np.clip(dt, D.start, D.end - HOUR)
    dt = np.maximum(dt, W.reg_ts[u] + 10 * MIN)
    W.enroll(DEP, u, dt)
    op.login_before(u, dt)
    tier = rng.choice([100, 1000], p=[0.7, 0.3])
    amt = tier * rng.uniform(1.0, 1.15, n)
    ft = dt + rng.integers(60, 1800, n) * US
    op.fund(main, ft[:1], amt[:1] * (n if tier == 100 else 1), rng.choice(["fiat", "own_wallet"]))
    how = rng.choice(["master", "own_wallet", "fiat"], p=[0.5, 0.25, 0.25])
    if len(others):
        op.fund(others, ft[1:] + 5 * MIN, amt[1:], how, master=main[0])
        if how == "master" and tier == 1000:
            # the same thousand passes from one member to the next
            W.transfer(
                others, np.full(len(others), main[0]), ft[1:] + 40 * MIN, A["USDT"], np.round(amt[1:] * 0.999, 2)
            )
    # welcome pack: fresh members also trade the minimum
    op.trade(
        enr_new,
        W.reg_ts[enr_new] + rng.integers(2, 30, len(enr_new)) * HOUR,
        W.fav[enr_new, 0],
        0,
        100 * rng.uniform(1.0, 1.15, len(enr_new)),
    )
    # airdrop for half of the households: each account buys a little ONDO, minutes apart
    if rng.random() < 0.55:
        at = op.times(
            n,
            human_times(
                rng, np.array([Ad.start]), np.array([Ad.end - DAY]), np.array([TZ[op.home_country]]), np.array([21.0])
            )[0],
            3 * HOUR if not careful else 4 * DAY,
            mode="careful" if careful else "manual",
        )
        at = np.clip(at, Ad.start, Ad.end - HOUR)
        at = np.maximum(at, W.reg_ts[u] + HOUR)
        W.enroll(AIR, u, at)
        op.trade(u, at + rng.integers(30, 900, n) * US, S["ONDO/USDT"], 0, 50 * rng.uniform(1.0, 1.15, n))
        op.login_before(u, at)
    # after the bonuses: everything back to the main account, then out
    bt = W.grant_base[DEP] + int(rng.uniform(2, 40)) * HOUR + rng.integers(0, 3600, len(others)) * US
    op.cashout(others, bt, amt[1:] * rng.uniform(0.95, 1.05, len(others)), "master", master=main[0])
    op.cashout(
        main,
        np.array([W.grant_base[DEP] + int(rng.uniform(50, 120)) * HOUR]),
        np.array([amt.sum()]),
        rng.choice(["own_wallet", "fiat"]),
    )
    op.idle_logins(u, W.reg_ts[u] + DAY, W.data_end, 0.1)


def build_carousel(op: Op):
    W, rng, u = op.W, op.rng, op.u
    D = W.camps[DEP]
    n = len(u)
    master, accts = u[:1], u[1:]
    country = np.where(rng.random(n) < 0.75, op.home_country, rng.choice(len(COUNTRIES), n, p=CWEIGHT))
    dev = _skill_pick(
        op,
        {
            "sloppy": ["laptop", "shared_phone"],
            "medium": ["antidetect_acct", "rack", "emulator"],
            "careful": ["antidetect_acct", "antidetect_session"],
        },
    )
    net = _skill_pick(
        op, {"sloppy": ["home", "vpn"], "medium": ["mixed", "vpn", "dcproxy"], "careful": ["resi", "mobile"]}
    )
    op.identities(
        u,
        country,
        0,
        email_mode=_skill_pick(op, {"sloppy": ["catchall"], "medium": ["catchall", "free"], "careful": ["free"]}),
    )
    op.profiles(master, country[:1], dev="own", net="own")
    op.profiles(accts, country[1:], dev=dev, net=net)
    _aged(op, master, shadow=False, sale_t=np.array([W.S0]))
    W.kyc[master] = 2
    aged = rng.random(len(accts)) < 0.3
    if aged.any():
        _aged(op, accts[aged], shadow=True)
    fr = accts[~aged]
    W.reg_ts[fr] = op.times(len(fr), D.start - int(rng.uniform(5, 40)) * DAY, int(rng.uniform(1, 10)) * DAY)
    W.login(fr, W.reg_ts[fr] + 40 * US)
    big = rng.random() < 0.25
    hop = (5000 if big else 1000) * rng.uniform(1.005, 1.08)
    # the master brings the capital in once
    c0 = D.start + int(rng.uniform(2, 30)) * HOUR
    nchains = 1 if len(accts) < 10 else int(rng.integers(1, 4))
    op.fund(master, np.array([c0]), np.array([hop * nchains * 1.02]), rng.choice(["hot", "own_wallet"]))
    W.login(master, np.array([c0 - 90 * US]))
    et = op.times(
        len(accts), c0 - int(rng.uniform(1, 20)) * HOUR, {"sloppy": HOUR, "medium": DAY, "careful": 4 * DAY}[op.skill]
    )
    et = np.clip(et, D.start, D.end - DAY)
    et = np.maximum(et, W.reg_ts[accts] + HOUR)
    W.enroll(DEP, accts, et)
    op.login_before(accts, et)
    if rng.random() < 0.5:
        W.enroll(DEP, master, np.array([max(D.start, c0 - HOUR)]))
    # hops: master -> a1 -> a2 ... (or via a P2P merchant), the last one returns the money
    via_p2p = op.skill != "sloppy" and rng.random() < 0.35
    step = {"sloppy": 4 * MIN, "medium": 50 * MIN, "careful": 14 * HOUR}[op.skill]
    chain_of = np.arange(len(accts)) % nchains
    for c in range(nchains):
        ch = accts[chain_of == c]
        t = max(c0 + 10 * MIN, int(et[chain_of == c].max()) + MIN) if op.skill == "sloppy" else c0 + 10 * MIN
        prev = master[0]
        amt = hop
        for a in ch:
            t = max(t + int(rng.exponential(step)) + 30 * US, int(et[np.searchsorted(accts, a)]) + MIN)
            if t >= D.end - 2 * HOUR:
                break
            if via_p2p and prev != master[0]:
                mch = op._merchant(np.array([a]))[0]
                W.transfer(np.array([prev]), np.array([mch]), np.array([t]), A["USDT"], np.array([round(amt, 2)]))
                t2 = t + int(rng.uniform(5, 90)) * MIN
                amt = amt * rng.uniform(0.992, 0.999)
                W.transfer(np.array([mch]), np.array([a]), np.array([t2]), A["USDT"], np.array([round(amt, 2)]))
                t = t2
            else:
                W.transfer(np.array([prev]), np.array([a]), np.array([t]), A["USDT"], np.array([round(amt, 2)]))
            W.login(np.array([a]), np.array([t + int(rng.uniform(1, 20)) * MIN]))
            prev = a
        W.transfer(
            np.array([prev]),
            master,
            np.array([t + int(rng.exponential(step)) + MIN]),
            A["USDT"],
            np.array([round(amt * 0.999, 2)]),
        )
    # after the bonus clears: sweep the bonuses to the master (internal), master withdraws
    sweep = W.grant_base[DEP] + 7 * DAY + int(rng.uniform(1, 30)) * HOUR
    bonus = (250 if big else 60) * np.ones(len(accts))
    op.cashout(
        accts, op.times(len(accts), sweep, DAY), bonus * rng.uniform(0.98, 1.0, len(accts)), "master", master=master[0]
    )
    op.cashout(
        master,
        np.array([sweep + 2 * DAY]),
        np.array([hop * nchains + 60.0 * len(accts)]),
        rng.choice(["own_wallet", "memo", "collector", "fiat", "otc"]),
    )
    op.idle_logins(accts, W.reg_ts[accts] + HOUR, W.data_end, 0.08)


def build_sybil(op: Op):
    W, rng, u = op.W, op.rng, op.u
    Ad, NW = W.camps[AIR], W.camps[NEW]
    n = len(u)
    # KYC'd with documents from several countries, proxies placed accordingly
    country = rng.choice(len(COUNTRIES), n, p=CWEIGHT)
    dev = rng.choice(["antidetect_acct", "antidetect_session", "emulator"], p=[0.55, 0.3, 0.15])
    net = (
        rng.choice(["resi", "mobile", "dcproxy"], p=[0.72, 0.18, 0.10])
        if op.skill != "sloppy"
        else rng.choice(["dcproxy", "resi"], p=[0.5, 0.5])
    )
    em = rng.choice(["free", "disposable", "catchall"], p=[0.6, 0.2, 0.2]) if op.skill != "careful" else "free"
    op.identities(u, country, 0, email_mode=em)
    op.profiles(u, country, dev=dev, net=net, extra=dict(proxy_country=country))
    # registered ahead, in waves, some during the welcome-pack window
    lead = int(rng.uniform(10, 60)) * DAY
    r0 = Ad.start - lead
    span = int(rng.uniform(2, 30)) * DAY if op.skill != "sloppy" else int(rng.uniform(1, 3)) * DAY
    rt = op.times(n, r0, span)
    W.reg_ts[u] = np.minimum(rt, Ad.start + DAY)
    W.login(u, W.reg_ts[u] + rng.integers(20, 200, n) * US)
    op.idle_logins(u, W.reg_ts[u] + HOUR, Ad.start, 0.08)
    in_new = (W.reg_ts[u] >= NW.start) & (W.reg_ts[u] < NW.end)
    # funding: near-equal amounts, one after the other
    fmode = {"sloppy": "funder", "medium": rng.choice(["hot", "funder", "chain"]), "careful": "hot"}[op.skill]
    hold = rng.random() < 0.45
    base_amt = 100 if hold else 55
    f0 = Ad.start + int(rng.uniform(0, 6)) * DAY
    ft = op.times(n, f0, int(rng.uniform(0.2, 5) * DAY), mode=None if op.skill != "medium" else "manual")
    ft = np.clip(ft, Ad.start + MIN, Ad.end - 2 * HOUR)
    amt = base_amt * rng.uniform(1.02, 1.18, n)
    op.fund(u, ft, amt, fmode)
    op.login_before(u, ft)
    et = ft + rng.integers(60, 3 * 3600, n) * US
    et = np.minimum(et, Ad.end - HOUR)
    W.enroll(AIR, u, et)
    op.login_before(u, et, p=0.6)
    if hold:
        W.balance_flag(u, np.ones(n, bool))
    else:
        tt = et + rng.integers(30, 1800, n) * US
        op.trade(u, tt, S["ONDO/USDT"], 0, 50 * rng.uniform(1.0, 1.12, n))
    if in_new.any():
        nu = u[in_new]
        W.enroll(NEW, nu, W.reg_ts[nu] + rng.integers(60, 3600, len(nu)) * US)
    # after the drop: sell the tokens, move everything out
    g = W.grant_base[AIR]
    st = op.times(n, g + int(rng.uniform(0.5, 30)) * HOUR, int(rng.uniform(0.1, 3) * DAY))
    op.trade(u, st, S["ONDO/USDT"], 1, rng.uniform(30, 40, n))
    co = _skill_pick(
        op,
        {"sloppy": ["collector"], "medium": ["few", "memo", "collector"], "careful": ["memo", "memo", "few", "chain"]},
    )
    op.cashout(u, st + rng.integers(2, 90, n) * MIN, amt + 30, co)


def build_bot_farm(op: Op):
    W, rng, u = op.W, op.rng, op.u
    NW, Ad = W.camps[NEW], W.camps[AIR]
    n = len(u)
    country = np.where(rng.random(n) < 0.6, op.home_country, rng.choice(len(COUNTRIES), n, p=CWEIGHT))
    dev = rng.choice(["emulator", "antidetect_session", "antidetect_acct"], p=[0.4, 0.35, 0.25])
    net = rng.choice(["dcproxy", "resi"], p=[0.7, 0.3])
    op.identities(u, country, 0, email_mode=rng.choice(["catchall", "disposable"]))
    api = rng.random() < 0.5
    extra = dict(plat_desk=np.full(n, P_WIN_CHROME), ua_lag=np.zeros(n, np.int64))
    if api:
        pool = W.infra.dc_pool(rng, int(rng.integers(1, 4)), 64)
        extra.update(
            cloud_ip=pool[rng.integers(0, 64, n)],
            cloud_ip2=pool[rng.integers(0, 64, n)],
            plat_api=np.full(n, rng.choice([P_PY, P_NODE, P_GO])),
        )
    op.profiles(u, country, dev=dev, net=net, extra=extra)
    # scripted sign-ups in waves, inside the welcome-pack window
    nb = max(1, n // int(rng.integers(6, 20)))
    waves = rand_times(rng, np.full(nb, NW.start + DAY), np.full(nb, min(NW.end, Ad.start + 5 * DAY) - DAY))
    wi = rng.integers(0, nb, n)
    rt = np.empty(n, np.int64)
    for k in range(nb):
        m = wi == k
        rt[m] = op.times(m.sum(), int(waves[k]), HOUR, mode="script")
    W.reg_ts[u] = rt
    W.login(u, rt + rng.integers(3, 30, n) * US)
    # keep-alive logins on a timer, around the clock
    per = float(rng.choice([2, 3, 4, 6])) * HOUR
    stop = np.where(rng.random(n) < 0.8, W.data_end, rt + int(rng.uniform(10, 25)) * DAY)
    k = ((stop - rt) // int(per)).astype(np.int64)
    uu = np.repeat(u, k)
    j = np.arange(len(uu)) - np.repeat(np.r_[0, np.cumsum(k)[:-1]], k)
    lt = np.repeat(rt, k) + ((j + 1) * per).astype(np.int64) + rng.normal(0, 4 * MIN, len(uu)).astype(np.int64)
    ok = lt < W.data_end
    W.login(uu[ok], lt[ok], ctx=CLOUD if api else -1)
    # welcome pack: deposit and trade just above the minimum, scripted
    e = u[(rt >= NW.start) & (rt < NW.end)]
    et = W.reg_ts[e] + rng.integers(20, 600, len(e)) * US
    W.enroll(NEW, e, et)
    ft = et + rng.integers(60, 1800, len(e)) * US
    op.fund(e, ft, 100 * rng.uniform(1.0, 1.08, len(e)), rng.choice(["funder", "chain"]))
    op.trade(e, ft + rng.integers(30, 900, len(e)) * US, S["BTC/USDT"], 0, 100 * rng.uniform(1.0, 1.07, len(e)))
    # airdrop: the balance is already there
    at = op.times(n, Ad.start + int(rng.uniform(1, 30)) * HOUR, HOUR, mode="script")
    at = np.maximum(at, W.reg_ts[u] + HOUR)
    at = np.minimum(at, Ad.end - HOUR)
    W.enroll(AIR, u, at)
    W.balance_flag(u, np.isin(u, e) | (rng.random(n) < 0.2))
    nf = u[~np.isin(u, e)]
    op.trade(
        nf,
        at[~np.isin(u, e)] + rng.integers(10, 300, len(nf)) * US,
        S["ONDO/USDT"],
        0,
        50 * rng.uniform(1.0, 1.06, len(nf)),
    )
    op.fund(
        nf, at[~np.isin(u, e)] - rng.integers(60, 600, len(nf)) * US, 55 * rng.uniform(1.0, 1.05, len(nf)), "funder"
    )
    g = W.grant_base[AIR]
    op.cashout(
        u, op.times(n, g + int(rng.uniform(1, 12)) * HOUR, HOUR, mode="script"), rng.uniform(120, 160, n), "collector"
    )


def build_phone_rack(op: Op):
    W, rng, u = op.W, op.rng, op.u
    NW, D = W.camps[NEW], W.camps[DEP]
    n = len(u)
    op.home_country = int(rng.choice([C[c] for c in ("BR", "AR", "CO", "MX", "PE", "PL", "ES")]))
    country = np.full(n, op.home_country)
    op.identities(u, country, 0, email_mode="free", kyc=np.ones(n, np.int64))
    net = rng.choice(["mobile", "home"], p=[0.7, 0.3])
    op.profiles(u, country, dev="rack", net=net)
    days = int(rng.integers(1, 5))
    d0 = NW.start + int(rng.uniform(0, max(NW.end - NW.start - (days + 2) * DAY, DAY) / US)) * US
    rt = op.times(n, d0, days * DAY, mode="manual" if op.skill != "careful" else "careful")
    W.reg_ts[u] = np.minimum(rt, NW.end - HOUR)
    W.login(u, W.reg_ts[u] + rng.integers(10, 60, n) * US)
    et = W.reg_ts[u] + rng.integers(60, 1200, n) * US
    W.enroll(NEW, u, et)
    fmode = rng.choice(["p2p", "fiat"], p=[0.6, 0.4])
    ft = et + rng.integers(5, 240, n) * MIN
    amt = 100 * rng.uniform(1.0, 1.15, n)
    op.fund(u, ft, amt, fmode)
    op.login_before(u, ft)
    tt = ft + rng.integers(5, 180, n) * MIN
    op.trade(u, tt, W.fav[u, 0], 0, 100 * rng.uniform(1.0, 1.1, n))
    dm = (rng.random(n) < 0.7) & (W.reg_ts[u] < D.end - DAY)
    if dm.any():
        dt = np.clip(
            np.maximum(op.times(dm.sum(), max(D.start, int(W.reg_ts[u].min())) + HOUR, DAY), W.reg_ts[u[dm]] + HOUR),
            D.start,
            D.end - HOUR,
        )
        W.enroll(DEP, u[dm], dt)
        op.login_before(u[dm], dt)
    co = rng.choice(["p2p", "memo", "fiat"], p=[0.5, 0.25, 0.25])
    ct = np.maximum(tt + (rng.uniform(8, 15, n) * DAY).astype(np.int64), W.grant_base[DEP] + 3 * HOUR)
    op.cashout(u, ct, amt * rng.uniform(0.95, 1.12, n), co)
    op.idle_logins(u, W.reg_ts[u] + DAY, W.data_end, 0.04)


# ------------------------------------------------------------------ retired (earlier season)
def build_retired_bot(op: Op):
    W, rng, u = op.W, op.rng, op.u
    n = len(u)
    country = np.full(n, op.home_country)
    op.identities(u, country, 0, email_mode="catchall")
    op.profiles(u, country, dev="emulator", net="dcproxy")
    t0 = W.S0 - int(rng.uniform(120, 220)) * DAY
    rt = op.times(n, t0, 2 * HOUR, mode="script")
    W.reg_ts[u] = rt
    W.login(u, rt + 20 * US)
    per = 3 * HOUR
    k = int(rng.uniform(20, 50)) * DAY // per
    uu = np.repeat(u, k)
    j = np.tile(np.arange(k), n)
    W.login(uu, np.repeat(rt, k) + (j + 1) * per + rng.normal(0, 3 * MIN, len(uu)).astype(np.int64))
    op.fund(u, rt + HOUR, 100 * rng.uniform(1, 1.06, n), "funder")
    op.cashout(u, rt + 30 * DAY, rng.uniform(105, 125, n), "collector")


def build_retired_wash(op: Op):
    W, rng, u = op.W, op.rng, op.u
    n = len(u)
    country = np.full(n, op.home_country)
    op.identities(u, country, 0)
    op.profiles(u, country, dev="laptop", net="home")
    t0 = W.S0 - int(rng.uniform(90, 200)) * DAY
    W.reg_ts[u] = op.times(n, t0 - 20 * DAY, 3 * DAY, mode="manual")
    op.fund(u, W.reg_ts[u] + DAY, rng.uniform(500, 1500, n), "funder")
    npair = int(rng.integers(150, 600))
    a = rng.integers(0, n, npair)
    b = (a + rng.integers(1, n, npair)) % n
    t1 = rand_times(rng, np.full(npair, t0), np.full(npair, t0 + 14 * DAY))
    sym = S["SUI/USDT"]
    tick = rng.uniform(500, 2000)
    W.fill(u[a], u[b], t1, sym, 0, np.round(tick * rng.lognormal(0, 0.2, npair), 2))
    W.fill(u[a], u[b], t1 + rng.integers(5, 120, npair) * US, sym, 1, np.round(tick * rng.lognormal(0, 0.2, npair), 2))
    W.login(u[a[::5]], t1[::5] - 60 * US)
    op.cashout(u, np.full(n, t0 + 16 * DAY), rng.uniform(400, 1400, n), "collector")


def build_retired_referral(op: Op):
    W, rng, u = op.W, op.rng, op.u
    n = len(u)
    country = np.full(n, op.home_country)
    op.identities(u, country, 0, email_mode="disposable")
    op.profiles(u[:1], country[:1], dev="own", net="own")
    op.profiles(u[1:], country[1:], dev="rack", net="mobile")
    _aged(op, u[:1], shadow=False, sale_t=np.array([W.data_end]))
    t0 = W.S0 - int(rng.uniform(100, 250)) * DAY
    W.reg_ts[u[1:]] = op.times(n - 1, t0, 5 * DAY, mode="manual")
    W.referrer[u[1:]] = u[0]
    ft = W.reg_ts[u[1:]] + rng.integers(10, 300, n - 1) * MIN
    op.fund(u[1:], ft, 50 * rng.uniform(1, 1.1, n - 1), "master", master=u[0])
    op.trade(u[1:], ft + 20 * MIN, W.fav[u[1:], 0], 0, 50 * rng.uniform(1, 1.1, n - 1))
    op.login_before(u[1:], ft)


BUILD = {
    "competition_wash_ring": build_wash_ring,
    "referral_hollow_ring": build_referral_ring,
    "household_bonus_hunter": build_household,
    "deposit_bonus_carousel": build_carousel,
    "airdrop_sybil_farm": build_sybil,
    "scripted_bot_farm": build_bot_farm,
    "phone_rack_welcome_farm": build_phone_rack,
    "retired_bot": build_retired_bot,
    "retired_wash": build_retired_wash,
    "retired_referral": build_retired_referral,
}

"""Honest people: the ordinary crowd, its shared infrastructure and its campaign behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _campaigns as C
from ._world import (
    AIDX,
    AIRSYM,
    CIDX,
    COUNTRIES,
    CW,
    DAY,
    DISPOSABLE,
    FREE_MAIL,
    FREE_W,
    HOUR,
    MIN,
    SYM_W,
    SYMBOLS,
    THIN,
    TZ,
    custom_domains,
    ragged_arange,
)

_COMPANY = {}


def company_domains(n_pool):
    """A fixed pool of employer / small-business domains (colleagues share one)."""
    if n_pool not in _COMPANY:
        _COMPANY[n_pool] = custom_domains(np.random.default_rng(n_pool + 7), n_pool)
    return _COMPANY[n_pool]


def emails(rng, n, campus_domain=None, campus_p=0.0):
    e = np.array(FREE_MAIL, dtype=object)[rng.choice(len(FREE_MAIL), n, p=FREE_W)]
    u = rng.random(n)
    cust = u < 0.03
    pool = company_domains(400)
    w = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
    e[cust] = pool[rng.choice(len(pool), int(cust.sum()), p=w / w.sum())]
    disp = (u >= 0.03) & (u < 0.04)
    e[disp] = np.array(DISPOSABLE, dtype=object)[rng.integers(0, len(DISPOSABLE), int(disp.sum()))]
    if campus_domain is not None:
        cm = (rng.random(n) < campus_p) & pd.notna(campus_domain)
        e[cm] = np.asarray(campus_domain, dtype=object)[cm]
    e[rng.random(n) < 0.14] = None
    return e


def kyc_draw(rng, n, p):
    return rng.choice(4, n, p=p).astype(np.int8)


def money_habits(W, u, rng, p2p=None, otc=None, hot=None, memo=None):
    """Funding / payout mix of ordinary people."""
    U = W.U
    n = len(u)
    U.hx[u] = rng.choice(W.n_exch, n, p=[0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05])
    U.mx[u] = rng.choice(W.n_memo_exch, n, p=[0.4, 0.3, 0.2, 0.1])
    U.desk[u] = rng.integers(0, W.n_desk, n)
    fp = np.zeros((n, 5))
    fp[:, 0] = rng.uniform(0.1, 0.5, n)
    fp[:, 1] = np.where(rng.random(n) < 0.35 if hot is None else hot, rng.uniform(0.3, 0.8, n), 0)
    fp[:, 2] = np.where(p2p if p2p is not None else False, rng.uniform(0.5, 0.9, n), 0)
    fp[:, 3] = np.where(otc if otc is not None else False, rng.uniform(0.4, 0.8, n), 0)
    fp[:, 4] = rng.uniform(0.05, 0.4, n)
    U.fund_p[u] = fp
    pp = np.zeros((n, 6))
    pp[:, 0] = rng.uniform(0.1, 0.5, n)
    pp[:, 1] = rng.uniform(0.1, 0.5, n)
    pp[:, 2] = np.where(rng.random(n) < 0.15 if memo is None else memo, rng.uniform(0.4, 1.2, n), 0)
    pp[:, 3] = np.where(p2p if p2p is not None else False, rng.uniform(0.5, 0.9, n), 0)
    pp[:, 4] = np.where(otc if otc is not None else False, rng.uniform(0.4, 0.8, n), 0)
    pp[:, 5] = rng.uniform(0.05, 0.4, n)
    U.pay_p[u] = pp


def pick_kind(rng, p):
    c = np.cumsum(p, 1)
    r = rng.random(len(p)) * c[:, -1]
    return np.minimum((r[:, None] > c).sum(1), p.shape[1] - 1)


def roundish(rng, x, p=0.5):
    """People type round numbers in fiat/P2P apps."""
    r = rng.random(len(x)) < p
    step = np.where(x < 60, 5.0, np.where(x < 500, 10.0, 50.0))
    x = x.copy()
    x[r] = np.maximum(step[r], np.round(x[r] / step[r]) * step[r])
    return x


# ---------------------------------------------------------------------- background activity
def background(W, u, a, ws, we, lrate, tint, drate, wrate, rng, src=0):
    """Ordinary life between ws and we: logins, trades (inside sessions), deposits, withdrawals."""
    U = W.U
    days = np.maximum(we - ws, 0) / DAY
    nl = np.minimum(rng.poisson(lrate * days), 6000)
    nl = np.where((nl == 0) & (days > 3) & (rng.random(len(u)) < 0.5), 1, nl)
    i = np.repeat(np.arange(len(u)), nl)
    t = W.diurnal(ws[i], we[i], W.A.tz[a[i]], rng)
    o = np.lexsort((t, i))
    i, t = i[o], t[o]
    W.logins(u[i], a[i], t, rng, src=src)
    starts = np.cumsum(nl) - nl
    end_of = np.minimum(we, W.de - 1)
    # trades inside sessions
    nt = rng.poisson(tint[i])
    ti = np.repeat(np.arange(len(i)), nt)
    k = ragged_arange(nt)
    tt = t[ti] + rng.exponential(200, len(ti)) + k * rng.exponential(90, len(ti))
    tu = i[ti]
    ok = tt < end_of[tu]
    ti, tt, tu = ti[ok], tt[ok], tu[ok]
    nT = len(tt)
    fav = rng.choice(len(SYMBOLS), len(u), p=SYM_W)
    sym = np.where(rng.random(nT) < 0.45, fav[tu], rng.choice(len(SYMBOLS), nT, p=SYM_W))
    wealth = U.wealth[u[tu]]
    notional = np.maximum(1.0, wealth * 0.3 * rng.lognormal(0, 0.9, nT))
    r = rng.random(nT)
    cp = np.full(nT, -1, np.int64)
    mm = r < 0.33
    cp[mm] = W.mm_users[rng.integers(0, len(W.mm_users), int(mm.sum()))]
    ot = (r >= 0.33) & (r < 0.36)
    cp[ot] = W.old_pool[rng.integers(0, len(W.old_pool), int(ot.sum()))]
    cp[cp == u[tu]] = -1
    W.trade(u[tu], tt, sym, rng.integers(0, 2, nT), np.round(notional, 2), cp)
    # deposits and withdrawals, each in one of the person's sessions
    has = nl > 0
    nd = np.where(has, rng.poisson(drate * days), 0)
    di = np.repeat(np.arange(len(u)), nd)
    li = starts[di] + (rng.random(len(di)) * nl[di]).astype(np.int64)
    dt = t[li] + rng.uniform(30, 900, len(di))
    ok = dt < end_of[di]
    di, dt = di[ok], dt[ok]
    kind = pick_kind(rng, U.fund_p[u[di]])
    amt = U.wealth[u[di]] * rng.lognormal(0, 0.7, len(di))
    amt = np.where(np.isin(kind, [2, 4]), roundish(rng, amt, 0.6), amt)
    W.fund(u[di], dt, np.round(amt, 2), kind, rng)
    first_dep = pd.Series(dt).groupby(di).min()
    nw = np.where(has, rng.poisson(wrate * days), 0)
    wi = np.repeat(np.arange(len(u)), nw)
    li = starts[wi] + (rng.random(len(wi)) * nl[wi]).astype(np.int64)
    wt = t[li] + rng.uniform(30, 900, len(wi))
    fd = first_dep.reindex(wi).to_numpy()
    ok = (wt < end_of[wi]) & ((U.reg[u[wi]] < W.ds) | (wt > np.nan_to_num(fd, nan=np.inf)))
    wi, wt = wi[ok], wt[ok]
    kind = pick_kind(rng, U.pay_p[u[wi]])
    amt = U.wealth[u[wi]] * rng.lognormal(-0.2, 0.8, len(wi))
    amt = np.where(np.isin(kind, [3, 5]), roundish(rng, amt, 0.5), amt)
    W.payout(u[wi], wt, np.round(amt, 2), kind, rng)
    return nl


def timer_logins(W, u, a, ws, we, period, jitter, rng, src=2):
    n = np.maximum(((we - ws) / period).astype(np.int64), 0)
    i = np.repeat(np.arange(len(u)), n)
    k = ragged_arange(n)
    t = ws[i] + k * period[i] + rng.normal(0, jitter[i]) + rng.uniform(0, period[i])
    ok = (t > ws[i]) & (t < np.minimum(we[i], W.de - 1))
    W.logins(u[i][ok], a[i][ok], t[ok], rng, src=src)
    return i[ok], t[ok]


# ---------------------------------------------------------------------- the honest population
def build(W, n_h):
    rng = W.child("honest")
    S = W.sched
    U, A = W.U, W.A
    R = S.region
    ds, de = W.ds, W.de
    cw0 = S.start(C.REF) - 2 * DAY
    n_infl = max(3, round(n_h / 7000))
    n_infl_ref = round(0.02 * n_h)
    n_mkt = round(0.014 * n_h)
    n_waves = max(2, round(n_h / 10000))
    wave_sz = rng.integers(18, 46, n_waves)
    n_org = round(0.12 * n_h)
    n_fam_new = max(10, round(0.003 * n_h))
    n_base = n_h - n_infl_ref - n_mkt - int(wave_sz.sum()) - n_org - n_fam_new
    cat = np.r_[
        np.zeros(n_base, int),
        np.full(n_org, 1),
        np.full(n_infl_ref, 2),
        np.full(n_mkt, 3),
        np.full(int(wave_sz.sum()), 4),
        np.full(n_fam_new, 5),
    ]
    n = len(cat)
    u = U.add(n)
    a = A.add(n)
    U.actor[u] = a
    country = rng.choice(len(COUNTRIES), n, p=CW)
    reg = np.zeros(n)
    # base: 30 % registered before the data window, the rest during ordinary history (growing)
    b = np.where(cat == 0)[0]
    pre = rng.random(len(b)) < 0.3
    reg[b[pre]] = ds - np.minimum(rng.exponential(420 * DAY, int(pre.sum())), 6 * 365 * DAY)
    reg[b[~pre]] = ds + (cw0 - ds) * np.sqrt(rng.random(int((~pre).sum())))
    # organic new users during the campaign month (boosted during the starter packs)
    o = np.where(cat == 1)[0]
    r = rng.random(len(o))
    reg[o] = cw0 + rng.random(len(o)) * (de - 2 * HOUR - cw0)
    inu = r < 0.4
    reg[o[inu]] = S.start(C.NU) + rng.random(int(inu.sum())) * (S.end(C.NU) - S.start(C.NU))
    inr = r > 0.85
    reg[o[inr]] = S.start(C.NUR) + rng.random(int(inr.sum())) * (S.end(C.NUR) - S.start(C.NUR))
    country[o[inr]] = R
    # marketing push in the regional country: a burst within hours
    mk = np.where(cat == 3)[0]
    t_m = S.start(C.NUR) + DAY + rng.random() * (S.end(C.NUR) - S.start(C.NUR) - 5 * DAY)
    t_m = np.floor(t_m / DAY) * DAY + (19 - TZ[R]) * HOUR  # 19:00 local prime time ad slot
    reg[mk] = t_m + rng.exponential(1.6 * HOUR, len(mk))
    country[mk] = R
    # campus sign-up events
    campuses = np.where(W.ven_kind == 1)[0]
    wv = np.where(cat == 4)[0]
    wave_of = np.repeat(np.arange(n_waves), wave_sz)
    wave_campus = rng.choice(campuses, n_waves)
    wave_t = S.start(C.NU) + rng.uniform(1, 16, n_waves) * DAY
    wave_t = np.floor(wave_t / DAY) * DAY + (14 - TZ[W.ven_country[wave_campus]]) * HOUR
    reg[wv] = wave_t[wave_of] + rng.uniform(0, 2.5 * HOUR, len(wv))
    country[wv] = W.ven_country[wave_campus[wave_of]]
    # influencers
    cand = b[pre & np.isin(country[b], [CIDX[c] for c in ["VN", "ID", "PH", "IN", "TH"]])]
    infl = rng.choice(cand, n_infl, replace=False)
    post_t = S.start(C.REF) + rng.uniform(2, 20, n_infl) * DAY
    post_t = np.floor(post_t / DAY) * DAY + (20 - TZ[country[infl]]) * HOUR
    ir = np.where(cat == 2)[0]
    share = rng.dirichlet(np.ones(n_infl) * 1.5)
    infl_of = rng.choice(n_infl, len(ir), p=share)
    lag = np.where(rng.random(len(ir)) < 0.7, rng.exponential(5 * HOUR, len(ir)), rng.exponential(2 * DAY, len(ir)))
    reg[ir] = np.minimum(post_t[infl_of] + lag, S.end(C.REF) - HOUR * rng.uniform(1, 30, len(ir)))
    country[ir] = np.where(rng.random(len(ir)) < 0.85, country[infl[infl_of]], country[ir])
    # family members joining during the referral season: placed below, after households
    fn = np.where(cat == 5)[0]
    reg[fn] = S.start(C.REF) + rng.uniform(0.2, 0.95, len(fn)) * (S.end(C.REF) - S.start(C.REF))

    # households: a share of people live together (shared home line, often one shared phone)
    pool = np.where((cat <= 1) & (reg < S.start(C.REF)))[0]
    pool = np.setdiff1d(pool, infl)
    k = rng.choice(pool, int(0.09 * n), replace=False)
    k = k[np.argsort(country[k], kind="stable")]
    sizes = rng.choice([2, 3, 4, 5], len(k), p=[0.45, 0.3, 0.17, 0.08])
    cs = np.cumsum(sizes)
    sizes = sizes[cs <= len(k)]
    hh_of = np.full(n, -1)
    hh_of[k[: sizes.sum()]] = np.repeat(np.arange(len(sizes)), sizes)
    n_hh = len(sizes)
    mem = np.where(hh_of >= 0)[0]
    first = pd.Series(mem).groupby(hh_of[mem]).first()
    country[mem] = country[first.loc[hh_of[mem]].values]
    # head = earliest registered member
    dfh = pd.DataFrame({"i": mem, "hh": hh_of[mem], "reg": reg[mem]}).sort_values(["hh", "reg"])
    head = dfh.groupby("hh").i.first().reindex(np.arange(n_hh)).values
    # new family members during the season join existing (mostly shared-phone) households
    shared_phone = rng.random(n_hh) < 0.5
    pref = np.where(shared_phone, 3.0, 1.0)
    fam_hh = rng.choice(n_hh, len(fn), p=pref / pref.sum())
    hh_of[fn] = fam_hh
    country[fn] = country[head[fam_hh]]
    U.reg[u] = reg
    U.country[u] = country
    U.farm[u] = False

    # ------------------------------------------------------------------ profiles
    collide = np.where(cat == 3, 0.25, 0.1)
    W.ordinary_profiles(a, country, rng, collide_p=0.1)
    mkr = a[mk]
    # marketing push ran with the country's largest carrier (top-up promo): mobile-only sign-ups
    big = W.car_of_country[R][np.argmax(W.car_w[W.car_of_country[R]])]
    A.carrier[mkr] = np.where(rng.random(len(mk)) < 0.7, big, A.carrier[mkr])
    A.carrier[mkr] = np.where(A.carrier[mkr] < 0, big, A.carrier[mkr])
    m = rng.uniform(0.8, 1, len(mk))
    v6 = np.where(A.v6_n[mkr] > 0, W.car_v6[A.carrier[mkr]], 0)
    A.pch[mkr] = 0
    A.pch[mkr, 0] = m * (1 - v6)
    A.pch[mkr, 1] = m * v6
    A.pch[mkr, 2] = 1 - m
    A.dev[mkr, 0] = W.new_devices(len(mk), "android", rng, collide_p=0.3)
    # households: shared home line; half share one phone
    hm = np.where(hh_of >= 0)[0]
    hd = head[hh_of[hm]]
    A.home0[a[hm]] = A.home0[a[hd]]
    A.home1[a[hm]] = A.home1[a[hd]]
    A.home_sw[a[hm]] = A.home_sw[a[hd]]
    samec = rng.random(len(hm)) < 0.6
    A.carrier[a[hm[samec]]] = A.carrier[a[hd[samec]]]
    sp = hm[shared_phone[hh_of[hm]]]
    shd = head[hh_of[sp]]
    A.dev[a[sp], 0] = A.dev[a[shd], 0]
    A.devw[a[sp], 0] = 1.0
    A.pch[a[hm], 2] += 0.25  # more time on the home line
    # venues: cafe regulars and students
    venue = np.full(n, -1)
    elig = np.where(np.isin(country, np.unique(W.ven_country)) & (cat <= 1))[0]
    sel = rng.choice(elig, int(0.07 * n), replace=False)
    is_campus = rng.random(len(sel)) < 0.57
    for grp, kindv in ((sel[~is_campus], 0), (sel[is_campus], 1)):
        for c in np.unique(country[grp]):
            g = grp[country[grp] == c]
            vs = W.ven_of_country[c][W.ven_kind[W.ven_of_country[c]] == kindv]
            if len(vs) == 0:
                continue
            venue[g] = rng.choice(vs, len(g))
    venue[wv] = wave_campus[wave_of]
    vu = np.where(venue >= 0)[0]
    A.venue[a[vu]] = venue[vu]
    vshare = np.where(W.ven_kind[venue[vu]] == 0, rng.uniform(0.25, 0.65, len(vu)), rng.uniform(0.3, 0.7, len(vu)))
    A.pch[a[vu]] *= (1 - vshare)[:, None]
    A.pch[a[vu], 3] = vshare
    A.venue_pc_p[a[vu]] = np.where(W.ven_kind[venue[vu]] == 0, 0.75, 0.3)
    # VPN users and privacy browsers (fresh fingerprint per session)
    vpn = rng.random(n) < 0.06
    x = rng.uniform(0.2, 0.9, int(vpn.sum()))
    A.pch[a[vpn]] *= (1 - x)[:, None]
    A.pch[a[vpn], 4] = x
    priv = rng.random(n) < 0.02
    A.dev_mode[a[priv]] = 1
    A.fresh_style[a[priv]] = rng.integers(0, 2, int(priv.sum()))

    # ------------------------------------------------------------------ special accounts
    old = np.where((cat == 0) & (reg < ds))[0]
    old = np.setdiff1d(old, np.r_[infl, mem])
    n_mm = max(6, round(0.0006 * n_h))
    mmi = rng.choice(old, n_mm, replace=False)
    firm = np.repeat(np.arange(n_mm), 1)
    fs = rng.choice([1, 2, 3], n_mm, p=[0.5, 0.3, 0.2])
    firm = np.repeat(np.arange(n_mm), fs)[:n_mm]
    n_firm = firm.max() + 1
    for f in range(n_firm):
        g = a[mmi[firm == f]]
        ips = W.cloud_ips(int(rng.integers(2, 7)), 1, rng)
        A.cloud_base[g] = ips[0]
        A.cloud_n[g] = len(ips)
        A.pch[g] = 0
        A.pch[g, 5] = 0.97
        A.pch[g, 2] = 0.03
        api = W.new_devices(1, "api", rng, has_id=bool(rng.random() < 0.25))[0]
        A.dev[g, 0] = api
        A.devw[g, 0] = 0.95
        A.dev[g, 1] = W.new_devices(len(g), "desktop", rng)
        A.devw[g, 1] = 0.05
        A.dev[g, 2] = -1
        A.devw[g, 2] = 0
        A.venue[g] = -1
        A.dev_mode[g] = 0
    country[mmi] = rng.choice([CIDX["SG"], CIDX["VN"], CIDX["MY"], CIDX["TH"]], n_mm)
    U.country[u[mmi]] = country[mmi]
    W.mm_users = u[mmi]
    W.mm_firm = firm
    rest = np.setdiff1d(old, mmi)
    W.old_pool = u[rest]
    n_merch = max(5, round(0.0005 * n_h))
    mc = rest[np.isin(country[rest], [CIDX[c] for c in ["VN", "ID", "IN", "PH", "TH"]])]
    merch = rng.choice(mc, n_merch, replace=False)
    W.merchants = u[merch]
    # retail trading-bot users, OTC clients, P2P customers
    pool2 = np.setdiff1d(np.where(cat <= 1)[0], np.r_[mmi, merch])
    botu = rng.choice(pool2, int(0.015 * n), replace=False)
    vendor = rng.choice(3, len(botu), p=[0.5, 0.3, 0.2])
    otc = rng.choice(np.setdiff1d(pool2, botu), int(0.012 * n), replace=False)
    apit = rng.choice(
        np.setdiff1d(pool2[reg[pool2] < S.start(C.REF) - 30 * DAY], np.r_[botu, otc]), int(0.006 * n), replace=False
    )
    cust_w = np.where(np.isin(country, [CIDX["VN"], CIDX["ID"], CIDX["IN"]]), 1.6, 1.0)
    cust_w[np.r_[mmi, merch]] = 0
    cust_w[cat == 2] *= 0.5
    cust = rng.choice(n, int(0.09 * n), replace=False, p=cust_w / cust_w.sum())
    cust = np.r_[cust, mk[rng.random(len(mk)) < 0.45]]
    cust = np.unique(cust)
    is_cust = np.zeros(n, bool)
    is_cust[cust] = True
    is_otc = np.zeros(n, bool)
    is_otc[otc] = True
    hot = rng.random(n) < 0.35
    hot[mk] = rng.random(len(mk)) < 0.5
    memo = rng.random(n) < 0.25
    money_habits(W, u, rng, p2p=is_cust, otc=is_otc, hot=hot, memo=memo)
    # merchant per customer: same country if possible
    mcountry = country[merch]
    for c in np.unique(country[cust]):
        g = cust[country[cust] == c]
        opts = np.where(mcountry == c)[0]
        if len(opts) == 0:
            opts = np.arange(len(merch))
        pw = rng.pareto(1.2, len(opts)) + 0.2
        U.merchant[u[g]] = W.merchants[rng.choice(opts, len(g), p=pw / pw.sum())]
    # wealth, activity
    wealth = rng.lognormal(np.log(140), 1.05, n)
    wealth[otc] *= 15
    wealth[apit] *= 6
    wealth[merch] = rng.uniform(5000, 40000, len(merch))
    wealth[mmi] = rng.uniform(20000, 200000, n_mm)
    wealth[cat >= 2] *= 0.6
    U.wealth[u] = wealth
    lrate = np.clip(rng.lognormal(np.log(0.13), 1.1, n), 0.004, 6)
    lrate[cat == 1] = np.clip(rng.lognormal(np.log(0.14), 1.1, int((cat == 1).sum())), 0.004, 6)
    lrate[cat >= 2] = np.clip(rng.lognormal(np.log(0.05), 1.0, int((cat >= 2).sum())), 0.004, 3)
    lrate[merch] = rng.uniform(2, 5, len(merch))
    lrate[infl] = rng.uniform(0.8, 2.5, len(infl))
    lrate[mmi] = 0.05
    tint = np.clip(rng.lognormal(np.log(0.12), 1.0, n), 0, 6)
    tint[mmi] = 0
    ws = np.maximum(reg, ds)
    we = np.full(n, de)
    churn = rng.random(n) < np.where(cat == 0, 0.55, 0.5)
    life = np.where(cat == 0, rng.exponential(160 * DAY, n), rng.exponential(20 * DAY, n))
    we[churn] = np.minimum(de, ws[churn] + life[churn])
    we[np.r_[mmi, merch, infl]] = de
    we = np.maximum(we, ws)
    drate = 0.012 * np.clip(rng.lognormal(0, 0.7, n), 0.1, 8)
    wrate = 0.008 * np.clip(rng.lognormal(0, 0.7, n), 0.1, 8)
    drate[merch] *= 3
    wrate[merch] *= 3
    drate[cust] *= 2.5
    wrate[cust] *= 2.5
    # KYC and e-mail
    kyc = kyc_draw(rng, n, [0.28, 0.47, 0.2, 0.05])
    kyc[cat >= 1] = kyc_draw(rng, int((cat >= 1).sum()), [0.55, 0.4, 0.05, 0])
    kyc[np.r_[mmi, merch, otc]] = np.maximum(kyc[np.r_[mmi, merch, otc]], 2)
    U.kyc[u] = kyc
    camp_dom = np.where(venue >= 0, W.ven_domain[np.maximum(venue, 0)], None)
    cp = np.where(cat == 4, 0.8, 0.55)
    U.email[u] = emails(rng, n, camp_dom, cp)
    # historical referral links (invite codes existed before this season)
    refd = np.where((cat == 0) & (rng.random(n) < 0.12))[0]
    older = np.argsort(reg)
    for_ref = np.searchsorted(reg[older], reg[refd])
    ok = for_ref > 10
    refd = refd[ok]
    U.referrer[u[refd]] = u[older[(rng.random(len(refd)) * for_ref[ok]).astype(int)]]
    hmr = hm[(hm != hd) & (rng.random(len(hm)) < 0.5) & (reg[hm] > reg[hd])]
    U.referrer[u[hmr]] = u[head[hh_of[hmr]]]
    U.claim_delay[u] = np.where(rng.random(n) < 0.12, np.inf, rng.exponential(3 * HOUR, n) + 20)

    H = dict(
        u=u,
        a=a,
        cat=cat,
        reg=reg,
        country=country,
        hh_of=hh_of,
        head=head,
        shared_phone=shared_phone,
        venue=venue,
        vpn=vpn,
        priv=priv,
        mmi=mmi,
        merch=merch,
        infl=infl,
        infl_of=infl_of,
        ir=ir,
        mk=mk,
        wv=wv,
        wave_of=wave_of,
        wave_campus=wave_campus,
        fn=fn,
        fam_hh=fam_hh,
        botu=botu,
        vendor=vendor,
        otc=otc,
        cust=cust,
        apit=apit,
        ws=ws,
        we=we,
        lrate=lrate,
        tint=tint,
        drate=drate,
        wrate=wrate,
        post_t=post_t,
    )
    return H


def registration(W, u, rng, force_ch=None):
    """Registration login (for people registered inside the data window) and registration ip/device."""
    U = W.U
    reg = U.reg[u]
    inwin = reg >= W.ds
    ip, dev = W.logins(
        u[inwin],
        U.actor[u[inwin]],
        reg[inwin],
        rng,
        src=3,
        force_ch=None if force_ch is None else np.asarray(force_ch)[inwin],
    )
    ip0, dev0 = W.logins(u[~inwin], U.actor[u[~inwin]], reg[~inwin], rng, emit=False)
    rip = np.zeros(len(u), np.int64)
    rdev = np.zeros(len(u), np.int64)
    rip[inwin], rip[~inwin] = ip, ip0
    rdev[inwin], rdev[~inwin] = dev, dev0
    rip[rng.random(len(u)) < 0.02] = -1
    rdev[rng.random(len(u)) < 0.06] = -1
    U.reg_ip[u] = rip
    U.reg_dev[u] = rdev


def activity(W, H):
    rng = W.child("honest-activity")
    U, A = W.U, W.A
    u, a = H["u"], H["a"]
    fc = np.full(len(u), -1)
    fc[H["wv"]] = 3  # students sign up on campus wifi
    registration(W, u, rng, force_ch=fc)
    background(W, u, a, H["ws"], H["we"], H["lrate"], H["tint"], H["drate"], H["wrate"], rng)
    # market makers: API sessions around the clock on a machine schedule
    mmi = H["mmi"]
    per = rng.uniform(50, 150, len(W.mm_firm))[W.mm_firm] * MIN
    timer_logins(W, u[mmi], a[mmi], np.maximum(H["reg"][mmi], W.ds), np.full(len(mmi), W.de), per, per * 0.03, rng)
    # MM firms move inventory between their accounts; MMs also rebalance with deposits/withdrawals
    for f in np.unique(W.mm_firm):
        g = u[mmi[W.mm_firm == f]]
        if len(g) < 2:
            continue
        k = int((W.de - W.ds) / (7 * DAY))
        t = W.ds + np.arange(k) * 7 * DAY + rng.uniform(0, 2 * DAY, k)
        fr = g[rng.integers(0, len(g), k)]
        to = g[rng.integers(0, len(g), k)]
        ok = fr != to
        W.emit(
            "transfers",
            frm=fr[ok],
            to=to[ok],
            ts=t[ok],
            asset=np.full(ok.sum(), AIDX["USDT"]),
            amount=np.round(rng.uniform(5000, 80000, ok.sum()), 2),
        )
    k = len(mmi) * int((W.de - W.ds) / (10 * DAY))
    mu = np.repeat(u[mmi], k // len(mmi))
    t = W.ds + rng.random(len(mu)) * (W.de - W.ds - DAY)
    W.fund(mu, t, np.round(rng.uniform(2e4, 3e5, len(mu)), 2), rng.choice([0, 1], len(mu)), rng)
    t = W.ds + rng.random(len(mu)) * (W.de - W.ds - DAY)
    W.payout(mu, t, np.round(rng.uniform(2e4, 3e5, len(mu)), 2), rng.choice([0, 1], len(mu)), rng)
    # retail trading bots: the vendor logs in on a timer from its cloud pool and trades a grid
    botu = H["botu"]
    vend_actor = A.add(3)
    for v in range(3):
        va = vend_actor[v]
        A.cloud_base[va] = W.vendor_ip_base[v]
        A.cloud_n[va] = W.vendor_ip_n[v]
        A.pch[va] = 0
        A.pch[va, 5] = 1
        A.dev[va, 0] = W.vendor_dev[v]
        A.devw[va, 0] = 1
        A.dev_null_p[va] = 0.02
    W.vendor_actor = vend_actor
    b0 = W.ds + rng.random(len(botu)) * (W.de - W.ds)
    tcov = rng.random(len(botu)) < 0.4
    b0[tcov] = W.sched.start(C.TC) - rng.uniform(5, 60, int(tcov.sum())) * DAY
    b0 = np.maximum(b0, np.maximum(H["reg"][botu], W.ds) + DAY)
    b1 = np.minimum(b0 + rng.uniform(30, 150, len(botu)) * DAY, W.de)
    H["bot_win"] = (b0, b1)
    per = rng.uniform(3, 8, len(botu)) * HOUR
    ii, tt = timer_logins(W, u[botu], vend_actor[H["vendor"]], b0, b1, per, per * 0.08, rng)
    keep = rng.random(len(ii)) < 0.45
    ii, tt = ii[keep], tt[keep] + rng.uniform(1, 40, keep.sum())
    bu = u[botu][ii]
    bsym = rng.choice([0, 1, 2, 3], len(botu), p=[0.5, 0.25, 0.15, 0.1])[ii]
    notional = np.round(U.wealth[bu] * rng.uniform(0.03, 0.08, len(bu)), 2) + 1
    cp = np.where(rng.random(len(bu)) < 0.5, W.mm_users[rng.integers(0, len(W.mm_users), len(bu))], -1)
    W.trade(bu, tt, bsym, rng.integers(0, 2, len(bu)), notional, cp)
    # API traders: own scripts on a rented VPS, polling on a timer, trading small and often
    apit = H["apit"]
    api_actor = A.add(len(apit))
    A.country[api_actor] = A.country[a[apit]]
    A.tz[api_actor] = A.tz[a[apit]]
    for j in range(len(apit)):
        ips = W.cloud_ips(int(rng.integers(1, 3)), 1, rng)
        A.cloud_base[api_actor[j]] = ips[0]
        A.cloud_n[api_actor[j]] = len(ips)
    A.pch[api_actor, 5] = 1
    A.dev[api_actor, 0] = W.new_devices(len(apit), "api", rng, has_id=rng.random(len(apit)) < 0.15)
    A.devw[api_actor, 0] = 1
    A.dev_null_p[api_actor] = 0.03
    a0 = np.maximum(H["reg"][apit], W.ds) + rng.uniform(1, 60, len(apit)) * DAY
    tcov = rng.random(len(apit)) < 0.6
    a0[tcov] = np.maximum(
        np.maximum(H["reg"][apit[tcov]], W.ds) + DAY, W.sched.start(C.REF) - rng.uniform(10, 120, int(tcov.sum())) * DAY
    )
    a1 = np.where(tcov, W.de, np.minimum(a0 + rng.uniform(30, 200, len(apit)) * DAY, W.de))
    H["api_win"] = (a0, a1)
    per = rng.uniform(60, 360, len(apit)) * MIN
    ii, tt = timer_logins(W, u[apit], api_actor, a0, a1, per, per * rng.uniform(0.01, 0.2, len(apit)), rng)
    keep = rng.random(len(ii)) < 0.4
    ii, tt = ii[keep], tt[keep] + rng.uniform(0.2, 5, keep.sum())
    au = u[apit][ii]
    asym = rng.choice(len(SYMBOLS), len(apit), p=SYM_W)[ii]
    cp = np.where(rng.random(len(au)) < 0.5, W.mm_users[rng.integers(0, len(W.mm_users), len(au))], -1)
    W.trade(
        au, tt, asym, rng.integers(0, 2, len(au)), np.round(U.wealth[au] * rng.lognormal(-2.5, 0.6, len(au)), 2) + 1, cp
    )
    # family transfers (parents top up children), friends settling up
    hh_of, head = H["hh_of"], H["head"]
    hm = np.where(hh_of >= 0)[0]
    hm = hm[hm != head[hh_of[hm]]]
    k = rng.poisson(3, len(hm))
    i = np.repeat(hm, k)
    hd = head[hh_of[i]]
    lo = np.maximum(H["ws"][i], H["ws"][hd])
    hi = np.minimum(H["we"][i], W.de - DAY)
    ok = hi > lo
    i, hd, lo, hi = i[ok], hd[ok], lo[ok], hi[ok]
    t = lo + rng.random(len(i)) * (hi - lo)
    amt = roundish(rng, U.wealth[u[hd]] * rng.lognormal(-0.7, 0.6, len(i)), 0.7)
    W.emit("transfers", frm=u[hd], to=u[i], ts=t, asset=np.full(len(i), AIDX["USDT"]), amount=np.round(amt, 2))
    fr = rng.choice(W.old_pool, int(0.12 * len(u)))
    to = W.old_pool[rng.integers(0, len(W.old_pool), len(fr))]
    ok = fr != to
    t = W.ds + rng.random(ok.sum()) * (W.de - W.ds - DAY)
    W.emit(
        "transfers",
        frm=fr[ok],
        to=to[ok],
        ts=t,
        asset=np.full(ok.sum(), AIDX["USDT"]),
        amount=np.round(rng.lognormal(3.5, 1, ok.sum()), 2),
    )


# ---------------------------------------------------------------------- campaign behaviour
def newbie_flow(W, users, rng, min_amt, mintaker_p, p_dep, p_trade, p_kyc):
    """A newly registered person trying the offer: KYC, a deposit, a first trade, in their own time."""
    U = W.U
    n = len(users)
    if n == 0:
        return
    reg = U.reg[users]
    dep = rng.random(n) < p_dep
    kyc_ok = np.where(dep, rng.random(n) < p_kyc, rng.random(n) < 0.25)
    U.kyc[users] = np.where(kyc_ok, np.maximum(U.kyc[users], 1), U.kyc[users])
    fast = rng.random(n) < 0.45
    dt = reg + np.where(fast, rng.uniform(5 * MIN, 90 * MIN, n), rng.exponential(1.8 * DAY, n))
    mint = rng.random(n) < mintaker_p
    amt = np.where(mint, min_amt * rng.uniform(1, 1.35, n), np.maximum(5, rng.lognormal(np.log(90), 0.9, n)))
    kind = pick_kind(rng, U.fund_p[users])
    amt = np.where(np.isin(kind, [2, 4]) | (rng.random(n) < 0.3), roundish(rng, amt, 0.75), amt)
    below = mint & (rng.random(n) < 0.06)  # misread the rules: a bit under the minimum
    amt[below] = (min_amt * np.ones(n))[below] * rng.uniform(0.5, 0.95, int(below.sum()))
    ok = dep & (dt < W.de - 60)
    W.session(users[ok], dt[ok], rng)
    W.fund(users[ok], dt[ok], np.round(amt[ok], 2), kind[ok], rng)
    tr = ok & (rng.random(n) < p_trade)
    tt = dt + np.where(rng.random(n) < 0.5, rng.uniform(60, 1800, n), rng.exponential(1.5 * DAY, n))
    tr &= tt < W.de - 60
    notional = np.where(mint, np.minimum(amt, min_amt * rng.uniform(0.85, 1.4, n)), amt * rng.uniform(0.3, 1, n))
    sym = rng.choice(len(SYMBOLS), n, p=SYM_W)
    cp = np.where(rng.random(n) < 0.35, W.mm_users[rng.integers(0, len(W.mm_users), n)], -1)
    W.session(users[tr], tt[tr], rng)
    W.trade(users[tr], tt[tr], sym[tr], 0, np.round(notional[tr], 2), cp[tr])
    W.newbie_dep = getattr(W, "newbie_dep", []) + [(users[ok], amt[ok], mint[ok])]


def campaigns(W, H):
    rng = W.child("honest-campaigns")
    S = W.sched
    U = W.U
    u = H["u"]
    cat, reg, country = H["cat"], H["reg"], H["country"]
    ws, we = H["ws"], H["we"]
    R = S.region
    # ------------------------------------------------------------ referral season
    t0, t1 = S.start(C.REF), S.end(C.REF)
    act = np.where((ws < t0) & (we > t0 + 3 * DAY) & (cat == 0))[0]
    act = np.setdiff1d(act, np.r_[H["mmi"], H["infl"]])
    ordinary = rng.choice(act, int(0.013 * len(u)), replace=False)
    heads = np.unique(H["head"][H["fam_hh"]])
    # campus ambassadors: a student of the campus who registered earlier
    amb = []
    for w, v in enumerate(H["wave_campus"]):
        cands = np.where((H["venue"] == v) & (cat <= 1) & (reg < t0))[0]
        amb.append(rng.choice(cands) if len(cands) else rng.choice(act))
    amb = np.array(amb)
    referrers = np.unique(np.r_[H["infl"], ordinary, heads, amb])
    enr_t = np.full(len(u), np.nan)
    enr_t[referrers] = t0 + rng.exponential(2 * DAY, len(referrers))
    enr_t[H["infl"]] = np.minimum(enr_t[H["infl"]], H["post_t"] - rng.uniform(1, 20, len(H["infl"])) * HOUR)
    referrer = np.full(len(u), -1)
    ir = H["ir"]
    referrer[ir] = H["infl"][H["infl_of"]]
    o = np.where((cat == 1) & (reg >= t0) & (reg <= t1))[0]
    o = o[rng.random(len(o)) < 0.28]
    reach = rng.pareto(1.5, len(ordinary)) + 0.3
    referrer[o] = ordinary[rng.choice(len(ordinary), len(o), p=reach / reach.sum())]
    wv = H["wv"]
    ww = wv[rng.random(len(wv)) < 0.6]
    wave_amb = amb[H["wave_of"][np.searchsorted(wv, ww)]]
    referrer[ww] = wave_amb
    fn = H["fn"]
    referrer[fn] = H["head"][H["fam_hh"]]
    rees = np.where(referrer >= 0)[0]
    rees = rees[(reg[rees] >= t0) & (reg[rees] <= t1)]
    # referrer must have joined the programme before their first referee
    first = pd.Series(reg[rees]).groupby(referrer[rees]).min()
    rr = first.index.values
    enr_t[rr] = np.maximum(
        t0, np.minimum(np.nan_to_num(enr_t[rr], nan=t1), first.values - rng.uniform(0.5, 30, len(rr)) * HOUR)
    )
    refs = np.where(~np.isnan(enr_t))[0]
    W.session(u[refs], enr_t[refs], rng)
    W.enroll(C.REF, u[refs], enr_t[refs])
    U.referrer[u[rees]] = u[referrer[rees]]
    et = reg[rees] + rng.uniform(5, 200, len(rees))
    W.enroll(C.REF, u[rees], et, referrer=u[referrer[rees]])
    H["referrers"] = refs
    # ------------------------------------------------------------ starter packs (main + regional)
    newreg = np.where(cat >= 1)[0]
    p_nu = np.select([cat == 1, cat == 2, cat == 3, cat == 4, cat == 5], [0.72, 0.45, 0.3, 0.9, 0.5], 0)
    in_nu = (reg >= S.start(C.NU)) & (reg <= S.end(C.NU))
    in_nur = (reg >= S.start(C.NUR)) & (reg <= S.end(C.NUR)) & (country == R)
    p_nur = np.select([cat == 1, cat == 3], [0.75, 0.92], 0.5)
    e_nu = newreg[in_nu[newreg] & (rng.random(len(newreg)) < p_nu[newreg])]
    e_nur = newreg[in_nur[newreg] & (rng.random(len(newreg)) < p_nur[newreg])]
    both = in_nur[e_nu]
    e_nu = e_nu[~both | (rng.random(len(e_nu)) < 0.4)]  # some regional users click both banners
    for c, e in ((C.NU, e_nu), (C.NUR, e_nur)):
        t = reg[e] + np.where(rng.random(len(e)) < 0.6, rng.uniform(10, 600, len(e)), rng.exponential(6 * HOUR, len(e)))
        t = np.minimum(t, S.end(c))
        W.session(u[e], t, rng, 5, 300)
        W.enroll(c, u[e], t)
    # everybody new who took an offer tries it in their own way
    takers = np.unique(np.r_[e_nu, e_nur, rees])
    pc = cat[takers]
    p_dep = np.select([pc == 1, pc == 2, pc == 3, pc == 4, pc == 5], [0.6, 0.3, 0.75, 0.6, 0.7], 0.5)
    p_kyc = np.select([pc == 1, pc == 2, pc == 3, pc == 4, pc == 5], [0.85, 0.7, 0.9, 0.85, 0.9], 0.8)
    mint = np.select([pc == 1, pc == 2, pc == 3, pc == 4, pc == 5], [0.35, 0.5, 0.75, 0.5, 0.4], 0.4)
    isref = np.isin(takers, rees)
    for m in (isref, ~isref):
        tk = takers[m]
        newbie_flow(W, u[tk], rng, np.where(isref[m], C.REF_MIN_DEP, C.NU_MIN_DEP), mint[m], p_dep[m], 0.85, p_kyc[m])
    H["nu_takers"] = takers
    # ------------------------------------------------------------ deposit bonus
    t0, t1 = S.start(C.DB), S.end(C.DB)
    act = np.where((ws < t0) & (we > t0) & ~np.isin(np.arange(len(u)), H["mmi"]))[0]
    e_old = act[rng.random(len(act)) < 0.1]
    nw = np.where((cat >= 1) & (reg < t1 - 2 * DAY))[0]
    e_new = nw[rng.random(len(nw)) < 0.1]
    e = np.unique(np.r_[e_old, e_new])
    lo = np.maximum(t0, reg[e] + HOUR)
    t = W.diurnal(lo, np.full(len(e), t1 - DAY), W.A.tz[H["a"][e]], rng)
    W.session(u[e], t, rng)
    W.enroll(C.DB, u[e], t)
    n = len(e)
    mint = rng.random(n) < 0.4
    capm = ~mint & (rng.random(n) < 0.12)
    amt = np.maximum(10, U.wealth[u[e]] * rng.lognormal(0.6, 0.8, n))
    amt[mint] = C.DB_MIN * rng.uniform(1, 1.15, int(mint.sum()))
    amt[capm] = (C.DB_CAP / C.DB_RATE) * rng.uniform(1, 1.08, int(capm.sum()))
    kind = pick_kind(rng, U.fund_p[u[e]])
    kind = np.where(kind == 2, 7, kind)
    amt = np.where(np.isin(kind, [4, 7]) | (rng.random(n) < 0.35), roundish(rng, amt, 0.7), amt)
    amt[mint] = np.maximum(amt[mint], C.DB_MIN)
    dt = t + np.where(rng.random(n) < 0.5, rng.uniform(60, 3600, n), rng.exponential(1.5 * DAY, n))
    ok = (rng.random(n) < 0.9) & (dt < W.de - 60)
    W.session(u[e[ok]], dt[ok], rng, 10, 200)
    W.fund(u[e[ok]], dt[ok], np.round(amt[ok], 2), kind[ok], rng)
    H["db_e"], H["db_mint"] = e, mint & ok
    # ------------------------------------------------------------ airdrop
    t0, t1 = S.start(C.AD), S.end(C.AD)
    act = np.where((ws < t0) & (we > t0))[0]
    pe = np.full(len(act), 0.12)
    pe[np.isin(act, H["botu"])] = 0.3
    pe[np.isin(act, H["apit"])] = 0.35
    pe[np.isin(act, H["mmi"])] = 0.3
    e_old = act[rng.random(len(act)) < pe]
    nw = np.where((cat >= 1) & (reg < t1 - DAY))[0]
    e_new = nw[rng.random(len(nw)) < 0.2]
    e = np.unique(np.r_[e_old, e_new])
    lo = np.maximum(t0, reg[e] + 600)
    t = W.diurnal(lo, np.full(len(e), t1 - 6 * HOUR), W.A.tz[H["a"][e]], rng)
    W.session(u[e], t, rng)
    W.enroll(C.AD, u[e], t)
    n = len(e)
    do = rng.random(n) < 0.88
    tt = t + np.where(rng.random(n) < 0.5, rng.uniform(30, 1800, n), rng.exponential(8 * HOUR, n))
    do &= tt < t1
    mint = rng.random(n) < 0.6
    notional = np.where(mint, C.AD_MIN_TRADE * rng.uniform(0.9, 1.6, n), rng.lognormal(np.log(40), 0.8, n))
    cp = np.where(rng.random(n) < 0.5, W.mm_users[rng.integers(0, len(W.mm_users), n)], -1)
    W.session(u[e[do]], tt[do], rng, 10, 200)
    W.trade(u[e[do]], tt[do], AIRSYM, 0, np.round(notional[do], 2), cp[do])
    # ------------------------------------------------------------ trading competition
    t0, t1 = S.start(C.TC), S.end(C.TC)
    act = np.where((ws < t0) & (we > t0 + 2 * DAY) & (cat <= 1))[0]
    tw = H["tint"][act] * H["lrate"][act]
    pe = np.minimum(0.5, 0.035 * tw / np.mean(tw))
    e_tr = act[rng.random(len(act)) < pe]
    b0, b1 = H["bot_win"]
    botu = H["botu"]
    bon = botu[(b0 < t0) & (b1 > t0 + 3 * DAY)]
    e_bot = bon[rng.random(len(bon)) < 0.5]
    e_mm = rng.choice(H["mmi"], max(2, len(H["mmi"]) // 5), replace=False)
    a0, a1 = H["api_win"]
    apit = H["apit"]
    aon = apit[(a0 < t0) & (a1 > t0 + 3 * DAY)]
    e_api = aon[rng.random(len(aon)) < 0.4]
    e = np.unique(np.r_[e_tr, e_bot, e_mm, e_api])
    et = np.minimum(t0 + rng.exponential(2 * DAY, len(e)), t1 - DAY)
    W.session(u[e], et, rng)
    W.enroll(C.TC, u[e], et)
    H["tc_e"] = e
    # honest fills on the thin pair: competitors meet each other and the market makers
    human = np.setdiff1d(e, np.r_[e_mm, e_bot])
    wgt = rng.pareto(1.3, len(human)) + 0.2
    wgt[np.isin(human, e_api)] *= 4
    F = 28 * len(human)
    ti = rng.choice(len(human), F, p=wgt / wgt.sum())
    taker = human[ti]
    r = rng.random(F)
    maker = np.full(F, -1)
    mmk = r < 0.42
    maker[mmk] = rng.choice(e_mm, int(mmk.sum()))
    mmk2 = (r >= 0.42) & (r < 0.5)
    maker[mmk2] = rng.choice(H["mmi"], int(mmk2.sum()))
    hk = r >= 0.58
    maker[hk] = human[rng.choice(len(human), int(hk.sum()), p=wgt / wgt.sum())]
    maker[maker == taker] = -1
    etk = et[np.searchsorted(e, taker)]
    tt = W.diurnal(np.maximum(etk, t0), np.full(F, t1), W.A.tz[H["a"][taker]], rng)
    pb = rng.beta(2, 2, len(human))
    pb[rng.random(len(human)) < 0.2] = 0.5  # scalpers: in and out all day, flat at the close
    pbuy = pb[ti]
    side = (rng.random(F) > pbuy).astype(np.int8)
    notional = np.round(np.clip(U.wealth[u[taker]] * rng.lognormal(-0.6, 0.8, F), 5, 20000), 2)
    cpu = np.where(maker >= 0, u[np.maximum(maker, 0)], -1)
    W.trade(u[taker], tt, THIN, side, notional, cpu)
    sess = rng.random(F) < 0.12
    W.session(u[taker[sess]], tt[sess], rng)
    # bot users' vendors trade the pair on timers
    for b in e_bot:
        k = int(rng.integers(15, 80))
        tt = np.sort(et[np.searchsorted(e, b)] + rng.random(k) * (t1 - et[np.searchsorted(e, b)]))
        cpb = np.where(rng.random(k) < 0.6, rng.choice(H["mmi"], k), -1)
        W.trade(
            np.full(k, u[b]),
            tt,
            THIN,
            rng.integers(0, 2, k),
            np.round(U.wealth[u[b]] * rng.uniform(0.05, 0.15, k) + 5, 2),
            cpb,
        )


def after_rewards(W, H, rw):
    """What honest people do once a reward is paid: many leave it, some withdraw at once."""
    rng = W.child("honest-after")
    U = W.U
    paid = rw[(rw.status == "paid") & ~U.farm[rw.user.values]]
    g = paid.groupby("user").agg(pay_t=("pay_t", "min"), amt=("amount", "sum"))
    users = g.index.values
    n = len(users)
    mk = np.isin(users, H["u"][H["mk"]])
    dbm = np.isin(users, H["u"][H["db_e"][H["db_mint"]]])
    p_fast = 0.12 + 0.25 * dbm + 0.15 * mk
    fast = rng.random(n) < p_fast
    slow = ~fast & (rng.random(n) < 0.25)
    t = np.where(fast, g.pay_t.values + rng.uniform(2 * MIN, 58 * MIN, n), g.pay_t.values + rng.exponential(4 * DAY, n))
    ok = (fast | slow) & (t < W.de - 60)
    amt = g.amt.values + np.where(dbm, C.DB_MIN * rng.uniform(1, 1.15, n), U.wealth[users] * rng.uniform(0, 1, n))
    kind = pick_kind(rng, U.pay_p[users])
    W.session(users[ok], t[ok], rng, 30, 600)
    W.payout(users[ok], t[ok], np.round(amt[ok] * rng.uniform(0.9, 1, ok.sum()), 2), kind[ok], rng)
    W.fast_withdrawers = users[fast & ok]

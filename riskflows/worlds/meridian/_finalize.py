"""Turn the simulated world into the exchange's tables: logins' network data, matched fills,
campaign accounting (qualification, payouts, legacy holds), analysts' reviews and the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import CH_EOS, CH_TON, CH_XLM, CH_XRP, DAY, HOUR, US, render_addresses, render_hex
from ._infra import ASSETS, COUNTRIES, SYMBOLS, S, render_ips, render_ua
from ._world import AIR, COMP, DEP, NEW, REF, World, login_attrs


# ------------------------------------------------------------------------------ logins
def build_logins(W: World):
    rng = W.rng("finalize-logins")
    W.freeze_profiles()
    N = W.N
    # registration: the first session, recorded on the user row too
    rip, rdev, rua, _ = login_attrs(W, W.reg_prof, W.reg_ts, W.reg_ctx, rng)
    rdev = np.where(W.reg_ts < W.fp_since, -1, rdev)
    W.reg_ip = np.where(rng.random(N) < 0.02, -1, rip)
    W.reg_dev = rdev
    u, t, p, c = W.cat("login", [np.int64] * 4)
    # activity cannot precede registration and the data window is [H, end]
    t = np.maximum(t, W.reg_ts[u] + rng.integers(1, 120, len(u)) * US)
    keep = (t >= W.H) & (t <= W.data_end)
    u, t, p, c = u[keep], t[keep], p[keep], c[keep]
    ip, dev, ua, _ = login_attrs(W, p, t, c, rng)
    inwin = (W.reg_ts >= W.H) & (W.reg_ts <= W.data_end)
    L = dict(
        u=np.r_[np.arange(N)[inwin], u],
        t=np.r_[W.reg_ts[inwin], t],
        ip=np.r_[rip[inwin], ip],
        dev=np.r_[rdev[inwin], dev],
        ua=np.r_[rua[inwin], ua],
    )
    o = np.lexsort((L["u"], L["t"]))
    W.L = {k: v[o] for k, v in L.items()}


# ------------------------------------------------------------------------------ money & trades
def _clean(W: World, name, cols, tcol=1, ucols=(0,)):
    arrs = W.cat(name, cols)
    t = arrs[tcol]
    ok = (t >= W.H) & (t <= W.data_end)
    for uc in ucols:
        ok &= t >= W.reg_ts[arrs[uc]]
    return [a[ok] for a in arrs]


def build_money(W: World):
    rng = W.rng("finalize-money")
    u, t, a, amt, addr = _clean(W, "dep", [np.int64, np.int64, np.int64, float, np.int64])
    crypto = addr >= 0
    addr = np.where(crypto & (rng.random(len(u)) < 0.05), -1, addr)
    W.D = dict(u=u, t=t, a=a, amt=amt, addr=addr)
    u, t, a, amt, addr = _clean(W, "wd", [np.int64, np.int64, np.int64, float, np.int64])
    ok = W.kyc[u] >= 1
    W.Wd = dict(u=u[ok], t=t[ok], a=a[ok], amt=amt[ok], addr=addr[ok])
    fa, fb, t, a, amt = _clean(W, "xfer", [np.int64, np.int64, np.int64, np.int64, float], tcol=2, ucols=(0, 1))
    ok = fa != fb
    W.X = dict(a=fa[ok], b=fb[ok], t=t[ok], asset=a[ok], amt=amt[ok], amt_null=rng.random(ok.sum()) < 0.015)


def build_trades(W: World):
    rng = W.rng("finalize-trades")
    taker, maker, t, sym, side, notional = W.cat("fill", [np.int64, np.int64, np.int64, np.int64, np.int64, float])
    ok = (t >= W.H) & (t <= W.data_end) & (t >= W.reg_ts[taker]) & (notional > 0)
    taker, maker, t, sym, side, notional = taker[ok], maker[ok], t[ok], sym[ok], side[ok], notional[ok]
    n = len(taker)
    # market makers
    m = maker == -2
    maker[m] = W.mm[rng.choice(len(W.mm), m.sum(), p=W.mm_w)]
    # resting orders of ordinary active traders
    pool = W.h_pre[(W.persona[W.h_pre] >= 1) & (W.reg_ts[W.h_pre] < W.H)]
    pw = W.wealth[pool] * np.where(W.persona[pool] == 2, 3, 1)
    m = maker == -3
    maker[m] = pool[rng.choice(len(pool), m.sum(), p=pw / pw.sum())]
    # the cup pair is thin: most of its liquidity is the competitors themselves
    enr_c, enr_u, enr_t, _ = W.E
    comp_u = enr_u[enr_c == COMP]
    cw = np.full(len(comp_u), np.median(W.comp_weight_v) if len(W.comp_weight_v) else 1000.0)
    vmap = dict(zip(W.comp_weight_u.tolist(), W.comp_weight_v.tolist()))
    cw = np.array([vmap.get(x, c) for x, c in zip(comp_u.tolist(), cw)]) + 200
    m = np.where(maker == -4)[0]
    if len(m):
        pick = comp_u[rng.choice(len(comp_u), len(m), p=cw / cw.sum())]
        maker[m] = pick
    # no self-matching for honest flow; makers must exist at that time
    bad = (maker >= 0) & ((maker == taker) | (W.reg_ts[np.maximum(maker, 0)] > t))
    maker[bad] = W.mm[rng.choice(len(W.mm), bad.sum(), p=W.mm_w)]
    has = maker >= 0
    fid = np.arange(n)
    rows_u = np.r_[taker, maker[has]]
    rows_cp = np.r_[np.where(has, maker, -1), taker[has]]
    rows_side = np.r_[side, 1 - side[has]]
    rows_t = np.r_[t, t[has]]
    rows_sym = np.r_[sym, sym[has]]
    rows_n = np.r_[notional, notional[has]]
    rows_f = np.r_[fid, fid[has]]
    rows_k = np.r_[np.zeros(n, np.int64), np.ones(has.sum(), np.int64)]
    o = np.lexsort((rows_k, rows_f, rows_t))
    W.T = dict(u=rows_u[o], cp=rows_cp[o], side=rows_side[o], t=rows_t[o], sym=rows_sym[o], n=rows_n[o])


def clean_enrollments(W: World):
    c, u, t, r = W.cat("enr", [np.int64] * 4)
    st = np.array([W.camps[k].start for k in range(5)])[c]
    en = np.array([W.camps[k].end for k in range(5)])[c]
    t = np.clip(np.maximum(t, W.reg_ts[u] + US), st, en)
    ok = (W.reg_ts[u] <= en) & (t <= W.data_end)
    df = pd.DataFrame(dict(c=c[ok], u=u[ok], t=t[ok], r=r[ok])).sort_values("t")
    df = df.drop_duplicates(["c", "u"], keep="first")
    df.loc[df.r == df.u, "r"] = -1
    W.E = (df.c.to_numpy(), df.u.to_numpy(), df.t.to_numpy(), df.r.to_numpy())
    bu, bok = W.cat("bal", [np.int64, bool])
    W.bal = set(bu[bok].tolist())


# ------------------------------------------------------------------------------ campaign accounting
def _cross_time(enr_u, start, horizon_end, ev_u, ev_t, ev_amt, thr):
    """First time each enrolment's cumulative amount of events in [start, end] reaches thr (or -1)."""
    e = pd.DataFrame(dict(k=np.arange(len(enr_u)), u=enr_u, s=start, e=horizon_end))
    v = pd.DataFrame(dict(u=ev_u, t=ev_t, a=ev_amt))
    m = e.merge(v, on="u")
    m = m[(m.t >= m.s) & (m.t <= m.e)].sort_values(["k", "t"])
    m["c"] = m.groupby("k").a.cumsum()
    hit = m[m.c >= thr].groupby("k").t.min()
    out = np.full(len(enr_u), -1, np.int64)
    out[hit.index.to_numpy()] = hit.to_numpy()
    tot = m.groupby("k").a.sum()
    s = np.zeros(len(enr_u))
    s[tot.index.to_numpy()] = tot.to_numpy()
    return out, s


def campaign_rewards(W: World):
    rng = W.rng("finalize-rewards")
    c, u, t, r = W.E
    D, T, X, Wd = W.D, W.T, W.X, W.Wd
    rows = []  # (camp, user, granted, amount, hold_days)
    # ---- referral: referee and referrer, after a qualifying deposit and trade within 14 days
    m = (c == REF) & (r >= 0)
    ru, rt, rr = u[m], t[m], r[m]
    hz = rt + 14 * DAY
    td, _ = _cross_time(ru, rt, hz, D["u"], D["t"], D["amt"], 50)
    tt, _ = _cross_time(ru, rt, hz, T["u"], T["t"], T["n"], 50)
    q = (td >= 0) & (tt >= 0) & (W.kyc[ru] >= 1)
    qt = np.maximum(td, tt)[q] + rng.integers(2 * 60, 40 * 60, q.sum()) * US
    rows.append((np.full(q.sum(), REF), ru[q], qt, np.full(q.sum(), 10.0), 7))
    ref_u, ref_t = rr[q], qt + rng.integers(1, 30, q.sum()) * US
    order = np.lexsort((ref_t, ref_u))
    ref_u, ref_t = ref_u[order], ref_t[order]
    rank = np.arange(len(ref_u)) - np.searchsorted(ref_u, ref_u)
    cap = rank < 200
    rows.append((np.full(cap.sum(), REF), ref_u[cap], ref_t[cap], np.full(cap.sum(), 15.0), 7))
    # ---- welcome pack: deposit and trade >= $100 within 14 days of sign-up
    NW = W.camps[NEW]
    m = (c == NEW) & (W.reg_ts[u] >= NW.start) & (W.reg_ts[u] <= NW.end)
    nu = u[m]
    st = W.reg_ts[nu]
    td, _ = _cross_time(nu, st, st + 14 * DAY, D["u"], D["t"], D["amt"], 100)
    tt, _ = _cross_time(nu, st, st + 14 * DAY, T["u"], T["t"], T["n"], 100)
    q = (td >= 0) & (tt >= 0) & (W.kyc[nu] >= 1)
    qt = np.maximum(np.maximum(td, tt), t[m])[q] + rng.integers(60, 20 * 60, q.sum()) * US
    rows.append((np.full(q.sum(), NEW), nu[q], qt, np.full(q.sum(), 20.0), 7))
    # ---- deposit boost: inflow (deposits and incoming transfers) during the window; withdrawals void it
    Dp = W.camps[DEP]
    m = c == DEP
    du, dt = u[m], t[m]
    ev_u = np.r_[D["u"], X["b"]]
    ev_t = np.r_[D["t"], X["t"]]
    ev_a = np.r_[D["amt"], np.where(X["amt_null"], 0, X["amt"])]
    _, inflow = _cross_time(du, dt, np.full(len(du), Dp.end), ev_u, ev_t, ev_a, 1e18)
    g = W.grant_base[DEP]
    _, outw = _cross_time(du, dt, np.full(len(du), g), Wd["u"], Wd["t"], Wd["amt"], 1e18)
    bonus = np.select([inflow >= 5000, inflow >= 1000, inflow >= 100], [250.0, 60.0, 10.0], 0.0)
    q = (bonus > 0) & (outw < 0.5 * inflow) & (W.kyc[du] >= 1)
    rows.append((np.full(q.sum(), DEP), du[q], g + rng.integers(0, 90 * 60, q.sum()) * US, bonus[q], 7))
    # ---- trading cup: volume tiers and the prize table
    Cc = W.camps[COMP]
    m = c == COMP
    cu, ct = u[m], t[m]
    cm = T["sym"] == S["INJ/USDT"]
    _, vol = _cross_time(
        cu, np.maximum(ct, Cc.start), np.full(len(cu), Cc.end), T["u"][cm], T["t"][cm], T["n"][cm], 1e18
    )
    tier = np.select([vol >= 500000, vol >= 100000, vol >= 25000, vol >= 5000], [600.0, 200.0, 50.0, 10.0], 0.0)
    g = W.grant_base[COMP]
    q = tier > 0
    rows.append((np.full(q.sum(), COMP), cu[q], g + rng.integers(0, 3600, q.sum()) * US, tier[q], 5))
    top = np.argsort(-vol)[:10]
    prizes = np.array([5000, 3000, 2000, 1000, 1000, 500, 500, 500, 500, 500], float)[: len(top)]
    top_ok = vol[top] > 0
    rows.append(
        (
            np.full(top_ok.sum(), COMP),
            cu[top][top_ok],
            g + 2 * HOUR + rng.integers(0, 600, top_ok.sum()) * US,
            prizes[top_ok],
            5,
        )
    )
    W.comp_volume = dict(zip(cu.tolist(), vol.tolist()))
    # ---- airdrop: balance at the snapshot or a qualifying ONDO purchase
    Ad = W.camps[AIR]
    m = c == AIR
    au, at = u[m], t[m]
    om = (T["sym"] == S["ONDO/USDT"]) & (T["side"] == 0)
    to, _ = _cross_time(au, at, np.full(len(au), Ad.end), T["u"][om], T["t"][om], T["n"][om], 50)
    q = (to >= 0) | np.isin(au, np.fromiter(W.bal, np.int64, len(W.bal)))
    price = float(rng.uniform(0.7, 1.6))
    amt = np.round(40 * price, 2)
    g = W.grant_base[AIR]
    rows.append((np.full(q.sum(), AIR), au[q], g + rng.integers(0, 3 * 3600, q.sum()) * US, np.full(q.sum(), amt), 0))
    # ---- assemble
    rc = np.concatenate([x[0] for x in rows])
    ru_ = np.concatenate([x[1] for x in rows])
    rg = np.concatenate([x[2] for x in rows])
    ra = np.concatenate([x[3] for x in rows])
    rh = np.concatenate([np.full(len(x[0]), x[4]) for x in rows])
    ok = rg <= W.data_end
    rc, ru_, rg, ra, rh = rc[ok], ru_[ok], rg[ok], ra[ok], rh[ok]
    # ---- legacy hold rule (imperfect): a registration IP shared by 3-25 enrollees of the campaign,
    #      or a withdrawal within two hours after the reward was credited
    enr = pd.DataFrame(dict(c=c, u=u, ip=W.reg_ip[u]))
    enr = enr[(enr.ip >= 0) & (t - W.reg_ts[u] < 60 * DAY)]
    cnt = enr.groupby(["c", "ip"]).u.transform("count")
    flag = set(zip(enr.c[(cnt >= 3) & (cnt <= 25)].tolist(), enr.u[(cnt >= 3) & (cnt <= 25)].tolist()))
    f1 = np.array([(a, b) in flag for a, b in zip(rc.tolist(), ru_.tolist())], bool)
    wdf = pd.DataFrame(dict(u=Wd["u"], t=Wd["t"])).sort_values("t")
    rdf = pd.DataFrame(dict(i=np.arange(len(ru_)), u=ru_, t=rg)).sort_values("t")
    mm = pd.merge_asof(
        rdf,
        wdf.rename(columns={"t": "wt"}),
        left_on="t",
        right_on="wt",
        by="u",
        direction="forward",
        tolerance=2 * HOUR,
    )
    f2 = np.zeros(len(ru_), bool)
    f2[mm.i[mm.wt.notna()].to_numpy()] = True
    held = f1 | f2 | (rng.random(len(ru_)) < 0.004)
    pending = rg + rh * DAY > W.data_end
    status = np.where(held, "held", np.where(pending, "pending", "paid"))
    W.R = dict(c=rc, u=ru_, t=rg, amt=ra, status=status)
    W.held_users = set(zip(rc[held].tolist(), ru_[held].tolist()))


def reviews(W: World):
    rng = W.rng("finalize-reviews")
    c, u, t, _ = W.E
    ab = W.is_abuse[u]
    sk = W.skill[u]
    w = np.where(ab, np.select([sk == "sloppy", sk == "medium"], [7.0, 2.5], 1.0), 1.0)
    held = np.array([(a, b) in W.held_users for a, b in zip(c.tolist(), u.tolist())], bool)
    w = w * np.where(held, 4.0, 1.0)
    k = min(len(u), int(0.035 * len(u)))
    pick = rng.choice(len(u), k, replace=False, p=w / w.sum())
    r = rng.random(k)
    truth = ab[pick]
    verdict = np.where(
        truth,
        np.where(r < 0.81, "confirmed_abuse", np.where(r < 0.9, "inconclusive", "false_positive")),
        np.where(r < 0.8, "false_positive", np.where(r < 0.9, "inconclusive", "confirmed_abuse")),
    )
    rt = np.maximum(t[pick], W.camps[0].start) + (rng.uniform(0.05, 9, k) * DAY).astype(np.int64)
    ok = rt <= W.data_end
    analysts = np.array(["a.moreau", "j.kowalczyk", "l.fernandez", "m.rossi", "t.becker", "c.oliveira", "s.herrera"])
    W.V = dict(
        c=c[pick][ok], u=u[pick][ok], t=rt[ok], verdict=verdict[ok], reviewer=analysts[rng.integers(0, 7, ok.sum())]
    )


# ------------------------------------------------------------------------------ truth
def truth(W: World):
    c, u, t, _ = W.E
    ab = W.is_abuse[u] & ~np.char.startswith(W.pattern[u].astype(str), "retired")
    W.labels = pd.DataFrame(dict(c=c[ab], u=u[ab], pattern=W.pattern[u][ab]))
    part = np.unique(u[~W.is_abuse[u]])
    groups = {k: np.unique(np.concatenate(v)) for k, v in W.groups.items()}
    # computed groups: payouts to another exchange's single memo address; mobile sign-ups behind CGNAT
    memo = np.isin((W.Wd["addr"] >> 56) & 0x3F, [CH_XRP, CH_XLM, CH_TON, CH_EOS]) & (W.Wd["addr"] >= 0)
    memo_users = np.unique(W.Wd["u"][memo])
    groups["shared_exchange_memo_payout"] = memo_users
    car = np.isin(W.reg_ip, W.infra.car_ips)
    groups["mobile_carrier_cgnat"] = np.where(car)[0]
    rows = []
    for g, us in sorted(groups.items()):
        us = np.intersect1d(us, part)
        us = us[~W.is_abuse[us]]
        rows.append(pd.DataFrame({"group": g, "u": us}))
    W.hard = pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------------------------ tables
def tables(W: World) -> dict[str, pd.DataFrame]:
    rng = W.rng("finalize-ids")
    N = W.N
    order = np.argsort(W.reg_ts, kind="stable")
    gaps = np.where(rng.random(N) < 0.85, 1, rng.integers(2, 6, N))
    uid = np.empty(N, np.int64)
    uid[order] = 1_000_000 + int(rng.integers(0, 50000)) + np.cumsum(gaps)

    def ids(u):
        return uid[np.asarray(u, np.int64)]

    def opt_ids(u):
        u = np.asarray(u, np.int64)
        s = pd.Series(np.where(u >= 0, uid[np.maximum(u, 0)], 0), dtype="Int64")
        s[u < 0] = pd.NA
        return s.to_numpy(dtype=object) if False else s.array

    def ts(x):
        return pd.to_datetime(np.asarray(x, np.int64), unit="us")

    def strs(keys, renderer):
        keys = np.asarray(keys, np.int64)
        out = pd.Series(pd.NA, index=range(len(keys)), dtype="object")
        ok = keys >= 0
        if ok.any():
            uq, inv = np.unique(keys[ok], return_inverse=True)
            out[ok] = renderer(uq)[inv]
        return out.astype("string")

    camps = pd.DataFrame(
        dict(
            campaign_id=[c.cid for c in W.camps],
            name=[c.name for c in W.camps],
            kind=[c.kind for c in W.camps],
            starts_at=ts([c.start for c in W.camps]),
            ends_at=ts([c.end for c in W.camps]),
            reward_budget_usd=[c.budget for c in W.camps],
            rule_pack=[None] * 5,
        )
    )
    cid = np.array([c.cid for c in W.camps], dtype=object)
    country = np.where(rng.random(N) < 0.008, -1, W.country)
    users = pd.DataFrame(
        dict(
            user_id=ids(np.arange(N)),
            registered_at=ts(W.reg_ts),
            country=pd.Series(
                np.where(country >= 0, np.array(COUNTRIES, dtype=object)[np.maximum(country, 0)], None), dtype="string"
            ),
            kyc_level=W.kyc.astype(np.int32),
            referrer_id=opt_ids(W.referrer),
            registration_ip=strs(W.reg_ip, render_ips),
            registration_device_id=strs(W.reg_dev, render_hex),
            email_domain=pd.Series(
                np.where(W.email >= 0, np.array(W.domains + [""], dtype=object)[W.email], None), dtype="string"
            ),
        )
    )
    users = users.sort_values("user_id").reset_index(drop=True)
    L = W.L
    logins = pd.DataFrame(
        dict(
            login_id=np.arange(len(L["u"])) + 50_000_000 + int(rng.integers(0, 10**6)),
            user_id=ids(L["u"]),
            ts=ts(L["t"]),
            ip=strs(L["ip"], render_ips),
            device_id=strs(L["dev"], render_hex),
            user_agent=strs(L["ua"], render_ua),
        )
    )
    c, u, t, r = W.E
    enr = pd.DataFrame(dict(campaign_id=cid[c], user_id=ids(u), enrolled_at=ts(t), referrer_id=opt_ids(r)))
    R = W.R
    o = np.argsort(R["t"], kind="stable")
    rewards = pd.DataFrame(
        dict(
            reward_id=np.arange(len(o)) + 700_000 + int(rng.integers(0, 10**5)),
            campaign_id=cid[R["c"][o]],
            user_id=ids(R["u"][o]),
            granted_at=ts(R["t"][o]),
            amount_usd=R["amt"][o].astype(float),
            status=R["status"][o],
        )
    )
    assets = np.array(ASSETS, dtype=object)
    D = W.D
    o = np.argsort(D["t"], kind="stable")
    deposits = pd.DataFrame(
        dict(
            deposit_id=np.arange(len(o)) + 3_000_000 + int(rng.integers(0, 10**5)),
            user_id=ids(D["u"][o]),
            ts=ts(D["t"][o]),
            asset=assets[D["a"][o]],
            amount_usd=np.round(D["amt"][o], 2),
            from_address=strs(D["addr"][o], render_addresses),
        )
    )
    Wd = W.Wd
    o = np.argsort(Wd["t"], kind="stable")
    withdrawals = pd.DataFrame(
        dict(
            withdrawal_id=np.arange(len(o)) + 4_000_000 + int(rng.integers(0, 10**5)),
            user_id=ids(Wd["u"][o]),
            ts=ts(Wd["t"][o]),
            asset=assets[Wd["a"][o]],
            amount_usd=np.round(Wd["amt"][o], 2),
            to_address=strs(Wd["addr"][o], render_addresses),
        )
    )
    T = W.T
    trades = pd.DataFrame(
        dict(
            trade_id=np.arange(len(T["u"])) + 90_000_000 + int(rng.integers(0, 10**6)),
            user_id=ids(T["u"]),
            ts=ts(T["t"]),
            symbol=np.array(SYMBOLS, dtype=object)[T["sym"]],
            side=np.where(T["side"] == 0, "buy", "sell"),
            notional_usd=np.round(T["n"], 2),
            counterparty_user_id=opt_ids(T["cp"]),
        )
    )
    X = W.X
    o = np.argsort(X["t"], kind="stable")
    amt = pd.array(np.round(X["amt"][o], 2), dtype="Float64")
    amt[X["amt_null"][o]] = pd.NA
    transfers = pd.DataFrame(
        dict(
            transfer_id=np.arange(len(o)) + 8_000_000 + int(rng.integers(0, 10**5)),
            from_user_id=ids(X["a"][o]),
            to_user_id=ids(X["b"][o]),
            ts=ts(X["t"][o]),
            asset=assets[X["asset"][o]],
            amount_usd=amt,
        )
    )
    V = W.V
    reviews_df = pd.DataFrame(
        dict(
            campaign_id=cid[V["c"]],
            user_id=ids(V["u"]),
            reviewed_at=ts(V["t"]),
            verdict=V["verdict"],
            reviewer=V["reviewer"],
        )
    )
    reviews_df = reviews_df.drop_duplicates(["campaign_id", "user_id", "reviewed_at"])
    labels = pd.DataFrame(
        dict(
            campaign_id=cid[W.labels.c.to_numpy()],
            user_id=ids(W.labels.u.to_numpy()),
            pattern=W.labels.pattern.to_numpy().astype(str),
        )
    )
    hard = pd.DataFrame({"group": W.hard["group"].to_numpy(), "user_id": ids(W.hard.u.to_numpy())})
    return {
        "src.campaigns": camps,
        "src.users": users,
        "src.logins": logins,
        "src.enrollments": enr,
        "src.rewards": rewards,
        "src.deposits": deposits,
        "src.withdrawals": withdrawals,
        "src.trades": trades,
        "src.transfers": transfers,
        "src.reviews": reviews_df,
        "synthetic.labels": labels,
        "synthetic.hard_negatives": hard,
    }

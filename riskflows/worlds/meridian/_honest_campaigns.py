"""How honest people find, join and use the campaigns."""

from __future__ import annotations

import numpy as np

from ._common import DAY, HOUR, MIN, US, human_times
from ._honest import (
    R_ACTIVE,
    R_API,
    R_CASUAL,
    R_FOLLOW,
    R_FRIEND,
    R_INFL,
    R_INFREF,
    R_LEADER,
    R_NEW,
    R_OTC,
    R_P2P,
    R_PUSH,
    R_REG,
    R_TPBOT,
    honest_deposits,
    honest_withdrawals,
    set_windows,
)
from ._infra import A, S
from ._world import AIR, COMP, DEP, HOME, MOBILE, NCTX, NEW, OFFICE, REF, TRAVEL, World


def _burst_or_spread(rng, n, start, end, tz, peak, burst_share, burst_scale):
    """Enrollment times: a burst right after the announcement, the rest spread over the window."""
    b = rng.random(n) < burst_share
    tb = start + rng.exponential(burst_scale, n).astype(np.int64)
    ts = human_times(rng, np.full(n, start), np.full(n, end), tz, peak)
    t = np.where(b, tb, ts)
    return np.minimum(t, end - MIN)


def _action_logins(W: World, rng, u, t, p=0.7):
    m = rng.random(len(u)) < p
    W.login(u[m], t[m] - rng.exponential(90 * US, m.sum()).astype(np.int64) - US)


def social_registrations(W: World):
    """New sign-ups of the campaign season: friends, influencer audiences, a country push, organic."""
    rng = W.rng("honest-social-reg")
    R, NW = W.camps[REF], W.camps[NEW]
    pre = W.h_pre
    set_windows(W, pre)
    alive = pre[
        (W.a_end[pre] > R.start + 3 * DAY)
        & (W.persona[pre] >= 1)
        & (W.kyc[pre] >= 1)
        & np.isin(W.role[pre], [R_REG, R_ACTIVE, R_LEADER, R_FOLLOW, R_TPBOT])
    ]
    # ---------------- ordinary affiliates and their friends
    n_aff = min(len(alive), round(0.016 * W.N))
    aff = np.sort(rng.choice(alive, n_aff, replace=False))
    aff_t = _burst_or_spread(rng, n_aff, R.start, R.end - 5 * DAY, W.tz_u[aff], W.peak_u[aff], 0.4, 10 * HOUR)
    W.enroll(REF, aff, aff_t)
    _action_logins(W, rng, aff, aff_t)
    W.affiliates, W.affiliate_t = aff, aff_t
    fr = W.h_friend
    aw = rng.gamma(0.5, 1.0, n_aff)
    same = W.country[aff][None, :] == W.country[fr][:, None]
    pw = aw[None, :] * np.where(same, 1.0, 0.02)
    pw /= pw.sum(1, keepdims=True)
    cum = np.cumsum(pw, 1)
    who = np.minimum((rng.random(len(fr))[:, None] > cum).sum(1), n_aff - 1)
    sponsor = aff[who]
    rt = aff_t[who] + rng.exponential(4 * DAY, len(fr)).astype(np.int64) + rng.integers(10, 600, len(fr)) * US
    rt = np.where(rt >= R.end - HOUR, aff_t[who] + rng.integers(1, 48, len(fr)) * HOUR, rt)
    rt = np.minimum(rt, R.end - HOUR)
    W.reg_ts[fr] = rt
    W.country[fr] = W.country[sponsor]
    W.prof_set(fr, country=W.country[fr], hh_country=W.country[fr], proxy_country=W.country[fr])
    W.referrer[fr] = sponsor
    # colleagues share the office, relatives the home
    col = (W.office_u[sponsor] >= 0) & (rng.random(len(fr)) < 0.4)
    if col.any():
        w = np.zeros((col.sum(), NCTX))
        w[:, OFFICE] = 0.45
        w[:, MOBILE] = 0.35
        w[:, HOME] = 0.2
        W.office_u[fr[col]] = W.office_u[sponsor[col]]
        W.prof_set(fr[col], office=W.office_u[fr[col]], w=w, dev_work=fr[col] * 7919 + 17)
        W.reg_ctx[fr[col]] = OFFICE
        W.group("office_colleagues_nat", fr[col])
    rel = (W.fam[sponsor] >= 0) & (rng.random(len(fr)) < 0.35)
    if rel.any():
        W.prof_set(
            fr[rel],
            household=W.prof_get("household", sponsor[rel]),
            dev_tab=W.prof_get("dev_tab", sponsor[rel]),
            p_tab=np.full(rel.sum(), 0.3),
        )
        W.fam[fr[rel]] = W.fam[sponsor[rel]]
        W.reg_ctx[fr[rel]] = HOME
        W.group("family_shared_device_wallet", fr[rel])
    et = rt + rng.integers(5, 240, len(fr)) * US
    W.enroll(REF, fr, et, sponsor)
    # ---------------- influencers: a post, then hundreds of sign-ups within hours
    infl = W.infl
    it = R.start + rng.integers(0, 3 * 24, len(infl)) * HOUR + rng.integers(0, 3600, len(infl)) * US
    W.enroll(REF, infl, it)
    posts, post_owner = [], []
    for i, u in enumerate(infl):
        k = int(rng.integers(1, 4))
        pt = human_times(rng, np.full(k, it[i]), np.full(k, R.end - 4 * DAY), np.full(k, W.tz_u[u]), np.full(k, 20.0))
        posts.extend(pt.tolist())
        post_owner.extend([i] * k)
    posts = np.array(posts, np.int64)
    post_owner = np.array(post_owner)
    ir = W.h_infref
    iw = rng.lognormal(0, 0.9, len(infl))
    same = W.country[infl][None, :] == W.country[ir][:, None]
    pw = iw[None, :] * np.where(same, 1.0, 0.07)
    pw /= pw.sum(1, keepdims=True)
    who = np.minimum((rng.random(len(ir))[:, None] > np.cumsum(pw, 1)).sum(1), len(infl) - 1)
    # which of the influencer's posts brought them
    post_idx = np.array([rng.choice(np.where(post_owner == w_)[0]) for w_ in who])
    lag = np.where(rng.random(len(ir)) < 0.75, rng.exponential(2.5 * HOUR, len(ir)), rng.exponential(4 * DAY, len(ir)))
    rt = np.minimum(posts[post_idx] + lag.astype(np.int64) + rng.integers(30, 900, len(ir)) * US, R.end - 10 * MIN)
    W.reg_ts[ir] = rt
    W.referrer[ir] = infl[who]
    w = np.zeros((len(ir), NCTX))
    w[:, MOBILE] = 0.8
    w[:, HOME] = 0.18
    w[:, TRAVEL] = 0.02
    W.prof_set(ir, w=w)
    W.reg_ctx[ir] = MOBILE
    W.enroll(REF, ir, rt + rng.integers(3, 120, len(ir)) * US, infl[who])
    W.group("influencer_referees", np.concatenate([ir, infl]))
    # ---------------- a marketing push in one country: sign-ups within hours of the ad
    pu = W.h_push
    push_t = human_times(
        rng, np.array([NW.start + 2 * DAY]), np.array([NW.end - 9 * DAY]), np.array([W.tz_u[pu[0]]]), np.array([20.5])
    )[0]
    W.push_t = push_t
    lag = np.where(rng.random(len(pu)) < 0.8, rng.exponential(1.8 * HOUR, len(pu)), rng.exponential(3 * DAY, len(pu)))
    W.reg_ts[pu] = np.minimum(push_t + lag.astype(np.int64) + rng.integers(0, US, len(pu)), W.data_end - 2 * DAY)
    w = np.zeros((len(pu), NCTX))
    w[:, MOBILE] = 0.82
    w[:, HOME] = 0.16
    w[:, TRAVEL] = 0.02
    W.prof_set(pu, w=w)
    W.reg_ctx[pu] = MOBILE
    W.group("country_push_signups", pu)
    # ---------------- organic sign-ups
    og = W.h_org
    W.reg_ts[og] = human_times(
        rng, np.full(len(og), W.S0 - 3 * DAY), np.full(len(og), W.data_end - DAY), W.tz_u[og], W.peak_u[og]
    )
    # family members who join now (spouse sees the welcome offer)
    fm = og[W.fam[og] >= 0]
    for u in fm:
        W.reg_ts[u] = max(W.reg_ts[u], W.S0 - 2 * DAY)
    newu = np.concatenate([W.h_infref, W.h_friend, W.h_push, W.h_org])
    W.loyal[newu] = rng.random(len(newu)) < np.where(W.role[newu] == R_INFREF, 0.12, 0.35)
    W.lifetime[newu] = rng.exponential(40, len(newu))
    # ---------------- dormant users returning for the season
    dormant = pre[(W.a_end[pre] < R.start - 90 * DAY) & (W.reg_ts[pre] < R.start - 200 * DAY) & (W.kyc[pre] >= 1)]
    n_ret = min(len(dormant), round(0.006 * W.N))
    ret = np.sort(rng.choice(dormant, n_ret, replace=False))
    W.returning = ret
    W.return_t = human_times(
        rng, np.full(n_ret, R.start), np.full(n_ret, W.camps[AIR].end - DAY), W.tz_u[ret], W.peak_u[ret]
    )
    W.group("returning_dormant_users", ret)
    # some come back through a friend's win-back invite code
    wb = ret[(rng.random(n_ret) < 0.45) & (W.return_t < R.end - DAY)]
    if len(wb):
        same = W.country[aff][None, :] == W.country[wb][:, None]
        pw = np.where(same, 1.0, 0.01)
        pw /= pw.sum(1, keepdims=True)
        who = np.minimum((rng.random(len(wb))[:, None] > np.cumsum(pw, 1)).sum(1), n_aff - 1)
        tt = W.return_t[np.searchsorted(ret, wb)]
        W.enroll(REF, wb, tt + rng.integers(20, 600, len(wb)) * US, aff[who])
        W.winback = wb


def _new_user_funding(W: World, rng):
    """First deposit and first trade of the season's new sign-ups (serves referral and welcome pack)."""
    newu = np.concatenate([W.h_infref, W.h_friend, W.h_push, W.h_org])
    role = W.role[newu]
    n = len(newu)
    p_fund = np.select([role == R_INFREF, role == R_FRIEND, role == R_PUSH], [0.48, 0.68, 0.62], 0.6)
    fund = (rng.random(n) < p_fund) & (W.kyc[newu] >= 0)
    minimal = rng.random(n) < np.select([role == R_INFREF, role == R_PUSH], [0.7, 0.8], 0.35)
    target = np.where(role == R_NEW, 100, np.where(role == R_PUSH, 100, 50))
    # some referees aim at the welcome pack too
    target = np.where((role != R_NEW) & (role != R_PUSH) & (rng.random(n) < 0.45), 100, target)
    amt = np.where(
        minimal, target * rng.uniform(1.0, 1.3, n), np.maximum(W.wealth[newu] * rng.lognormal(0.4, 0.8, n), 20)
    )
    u = newu[fund]
    dt = (
        W.reg_ts[u]
        + np.where(
            rng.random(len(u)) < 0.55, rng.exponential(40 * MIN, len(u)), rng.exponential(3 * DAY, len(u))
        ).astype(np.int64)
        + 5 * US
    )
    keep = dt < W.data_end
    u, dt, a = u[keep], dt[keep], amt[fund][keep]
    honest_deposits(W, rng, u, dt, a, fiat_share=0.6)
    _action_logins(W, rng, u, dt)
    W.new_funded = u
    trade = rng.random(len(u)) < 0.85
    tu = u[trade]
    tt = dt[trade] + rng.exponential(6 * HOUR, len(tu)).astype(np.int64) + 20 * US
    tn = np.where(
        minimal[fund][keep][trade],
        target[fund][keep][trade] * rng.uniform(1.0, 1.25, len(tu)),
        a[trade] * rng.uniform(0.3, 1.0, len(tu)),
    )
    keep = tt < W.data_end
    W.fill(
        tu[keep],
        np.where(rng.random(keep.sum()) < 0.75, -2, -1),
        tt[keep],
        W.fav[tu[keep], 0],
        np.zeros(keep.sum(), np.int64),
        np.round(tn[keep], 2),
    )
    _action_logins(W, rng, tu[keep], tt[keep])
    W.minimal_new = newu[minimal & fund]
    # welcome pack: new accounts claim it in the app shortly after sign-up
    NW = W.camps[NEW]
    inwin = (W.reg_ts[newu] >= NW.start) & (W.reg_ts[newu] < NW.end)
    pc = np.select([role == R_PUSH, role == R_INFREF], [0.92, 0.7], 0.78)
    e = newu[inwin & (rng.random(n) < pc)]
    et = (
        W.reg_ts[e]
        + np.where(
            rng.random(len(e)) < 0.7, rng.exponential(25 * MIN, len(e)), rng.exponential(2 * DAY, len(e))
        ).astype(np.int64)
        + 3 * US
    )
    et = np.minimum(et, NW.end - MIN)
    W.enroll(NEW, e, et)
    # the first deposit of minimal new users often is the bonus and nothing more
    W.group("minimum_bonus_savers", np.intersect1d(W.minimal_new, e))


def campaign_actions(W: World):
    rng = W.rng("honest-campaigns")
    _new_user_funding(W, rng)
    hon = W.honest
    pre = W.h_pre
    newu = np.concatenate([W.h_infref, W.h_friend, W.h_push, W.h_org])
    # returning dormant users: a few sessions again
    ret = W.returning
    k = rng.poisson(6, len(ret)) + 1
    ru = np.repeat(ret, k)
    rt = human_times(rng, np.repeat(W.return_t, k), np.full(len(ru), W.data_end), W.tz_u[ru], W.peak_u[ru])
    W.login(ru, rt)
    W.login(ret, W.return_t)
    honest_deposits(
        W,
        rng,
        ret,
        W.return_t + rng.integers(60, 3600, len(ret)) * US,
        W.wealth[ret] * rng.lognormal(0.2, 0.7, len(ret)),
    )
    W.fill(
        ret,
        -2,
        W.return_t + rng.integers(2, 30, len(ret)) * HOUR,
        W.fav[ret, 0],
        0,
        np.round(np.maximum(W.wealth[ret] * rng.lognormal(0, 0.6, len(ret)), 55), 2),
    )
    alive_at = lambda u, t: ((W.a_end[u] > t) & (W.a_start[u] < t)) | np.isin(u, ret)
    _deposit_bonus(W, rng, hon, alive_at)
    _competition(W, rng, hon, alive_at)
    _airdrop(W, rng, hon, alive_at)
    _referee_followups(W, rng)


def _deposit_bonus(W: World, rng, hon, alive_at):
    D = W.camps[DEP]
    role = W.role[hon]
    p = np.select(
        [
            role == R_CASUAL,
            role == R_REG,
            role == R_ACTIVE,
            role == R_LEADER,
            role == R_FOLLOW,
            role == R_TPBOT,
            np.isin(role, [R_NEW, R_PUSH, R_FRIEND, R_INFREF]),
            role == R_P2P,
        ],
        [0.07, 0.26, 0.42, 0.45, 0.3, 0.24, 0.26, 0.15],
        0.0,
    )
    otc = np.concatenate(list(W.otc_clients.values())) if W.otc_clients else np.zeros(0, np.int64)
    p2pc = np.concatenate(list(W.p2p_customers.values())) if W.p2p_customers else np.zeros(0, np.int64)
    p = np.where(np.isin(hon, otc), 0.35, p)
    p = np.where(np.isin(hon, p2pc), np.maximum(p, 0.2), p)
    p = np.where(np.isin(hon, W.returning), 0.4, p)
    ok = alive_at(hon, D.start + DAY) & (W.reg_ts[hon] < D.end - 2 * DAY) & (W.kyc[hon] >= 1)
    e = rng.random(len(hon)) < p * ok
    # word of mouth in families
    fam_in = np.unique(W.fam[hon[e & (W.fam[hon] >= 0)]])
    e |= np.isin(W.fam[hon], fam_in) & (W.fam[hon] >= 0) & ok & (rng.random(len(hon)) < 0.5)
    u = hon[e]
    lo = np.maximum(D.start, W.reg_ts[u] + MIN)
    lo = np.where(
        np.isin(u, W.returning),
        np.maximum(
            lo,
            W.return_t[np.clip(np.searchsorted(W.returning, u), 0, max(len(W.returning) - 1, 0))]
            if len(W.returning)
            else lo,
        ),
        lo,
    )
    t = np.where(
        rng.random(len(u)) < 0.35,
        D.start + rng.exponential(3 * HOUR, len(u)).astype(np.int64),
        human_times(rng, lo, np.full(len(u), D.end - HOUR), W.tz_u[u], W.peak_u[u]),
    )
    t = np.clip(np.maximum(t, lo), D.start, D.end - 30 * MIN)
    W.enroll(DEP, u, t)
    _action_logins(W, rng, u, t)
    n = len(u)
    r = rng.random(n)
    kind = np.where(r < 0.3, 0, np.where(r < 0.76, 1, np.where(r < 0.86, 2, 3)))  # min saver, normal, big, idle
    kind = np.where(np.isin(u, otc) & (kind != 3), 2, kind)
    # minimum savers
    m = kind == 0
    mu = u[m]
    dt = t[m] + rng.exponential(30 * MIN, m.sum()).astype(np.int64) + US
    amt = 100 * np.where(rng.random(m.sum()) < 0.4, 1.0, rng.uniform(1.0, 1.35, m.sum()))
    p2p_pay = np.isin(mu, p2pc) & (rng.random(m.sum()) < 0.5)
    honest_deposits(W, rng, mu[~p2p_pay], dt[~p2p_pay], amt[~p2p_pay], fiat_share=0.55)
    _p2p_inflow(W, rng, mu[p2p_pay], dt[p2p_pay], amt[p2p_pay])
    _action_logins(W, rng, mu, dt)
    quick = rng.random(m.sum()) < 0.32
    g = W.grant_base[DEP] + rng.integers(0, 90 * 60, quick.sum()) * US
    wt = g + rng.exponential(50 * MIN, quick.sum()).astype(np.int64) + 2 * MIN
    wu = mu[quick]
    ok = (wt < W.data_end) & (W.kyc[wu] >= 1)
    honest_withdrawals(W, rng, wu[ok], wt[ok], amt[quick][ok] * rng.uniform(0.1, 1.1, ok.sum()))
    _action_logins(W, rng, wu[ok], wt[ok], p=0.9)
    W.group("minimum_bonus_savers", mu)
    # normal and big depositors
    for kd, scale in ((1, 1.0), (2, 12.0)):
        m = kind == kd
        uu = u[m]
        nd = rng.integers(1, 4, m.sum())
        du = np.repeat(uu, nd)
        dt = human_times(rng, np.repeat(t[m], nd), np.full(len(du), D.end), W.tz_u[du], W.peak_u[du])
        amt = np.maximum(W.wealth[du] * scale * rng.lognormal(0.8, 0.9, len(du)), 30)
        if kd == 2:
            isotc = np.isin(du, otc)
            for desk, cl in W.otc_clients.items():
                mm = np.isin(du, cl)
                W.transfer(np.full(mm.sum(), desk), du[mm], dt[mm], A["USDT"], np.round(amt[mm] * 3, 2))
            du, dt, amt = du[~isotc], dt[~isotc], amt[~isotc]
        p2p_pay = np.isin(du, p2pc) & (rng.random(len(du)) < 0.4)
        honest_deposits(W, rng, du[~p2p_pay], dt[~p2p_pay], amt[~p2p_pay])
        _p2p_inflow(W, rng, du[p2p_pay], dt[p2p_pay], amt[p2p_pay])
        _action_logins(W, rng, du, dt)
    W.dep_enrolled = u


def _p2p_inflow(W: World, rng, u, t, amt):
    for mch, cust in W.p2p_customers.items():
        m = np.isin(u, cust)
        if m.any():
            W.transfer(
                np.full(m.sum(), mch), u[m], t[m], A["USDT"], np.round(amt[m] * rng.uniform(1.0, 1.02, m.sum()), 2)
            )
    rest = ~np.isin(u, np.concatenate(list(W.p2p_customers.values()))) if W.p2p_customers else np.ones(len(u), bool)
    if rest.any():
        honest_deposits(W, rng, u[rest], t[rest], amt[rest])


def _competition(W: World, rng, hon, alive_at):
    Cc = W.camps[COMP]
    role = W.role[hon]
    lead_big = np.isin(W.follow_leader, [0, 1])
    fol_ok = np.isin(hon, W.followers[lead_big])
    p = np.select(
        [
            role == R_CASUAL,
            role == R_REG,
            role == R_ACTIVE,
            role == R_API,
            role == R_TPBOT,
            np.isin(role, [R_NEW, R_PUSH, R_FRIEND]),
            role == R_INFL,
        ],
        [0.02, 0.1, 0.45, 0.55, 0.07, 0.05, 0.3],
        0.0,
    )
    p = np.where(fol_ok, 0.5, p)
    p = np.where(np.isin(hon, W.leaders[:2]), 1.0, p)
    ok = alive_at(hon, Cc.start + DAY) & (W.reg_ts[hon] < Cc.end - DAY)
    e = rng.random(len(hon)) < p * ok
    u = hon[e]
    lo = np.maximum(Cc.start, W.reg_ts[u] + MIN)
    t = np.where(
        rng.random(len(u)) < 0.45,
        Cc.start + rng.exponential(5 * HOUR, len(u)).astype(np.int64),
        human_times(rng, lo, np.full(len(u), Cc.end - DAY), W.tz_u[u], W.peak_u[u]),
    )
    t = np.clip(np.maximum(t, lo), Cc.start, Cc.end - HOUR)
    W.enroll(COMP, u, t)
    _action_logins(W, rng, u, t)
    W.comp_honest = u
    # own trading on the cup pair (copy followers' volume comes from the copied trades)
    own = ~np.isin(u, W.followers) & ~np.isin(u, W.leaders[:2])
    uu, tt = u[own], t[own]
    rl = W.role[uu]
    med = np.select([rl == R_CASUAL, rl == R_REG, rl == R_API, rl == R_ACTIVE], [900, 3500, 70000, 14000], 4000)
    vol = med * rng.lognormal(0, 1.35, len(uu))
    vol = np.where(rng.random(len(uu)) < 0.15, 0, vol)
    avg = np.clip(W.wealth[uu] * rng.lognormal(0.6, 0.5, len(uu)), 25, 25000)
    nf = np.minimum(np.ceil(vol / avg), np.where(rl == R_API, 1500, 600)).astype(np.int64)
    W.comp_weight_u, W.comp_weight_v = uu, vol
    sz = np.where(rl == R_API, 40, rng.integers(3, 15, len(uu)))
    nsess = np.ceil(nf / sz).astype(np.int64)
    su = np.repeat(np.arange(len(uu)), nsess)
    sst = human_times(
        rng, np.maximum(tt[su], Cc.start), np.full(len(su), Cc.end - 10 * MIN), W.tz_u[uu[su]], W.peak_u[uu[su]]
    )
    sst = np.maximum(sst, tt[su] + MIN)
    first_sess = np.concatenate([[0], np.cumsum(nsess)[:-1]])
    fu = np.repeat(np.arange(len(uu)), nf)
    rank = np.arange(len(fu)) - np.repeat(np.concatenate([[0], np.cumsum(nf)[:-1]]), nf)
    sidx = first_sess[fu] + rank // sz[fu]
    gap = rng.exponential(np.where(rl[fu] == R_API, 8, 55), len(fu)) * US
    gap_c = np.cumsum(gap)
    # restart the cumulative gap at each session
    sess_first = np.r_[True, sidx[1:] != sidx[:-1]]
    base = np.maximum.accumulate(np.where(sess_first, np.arange(len(fu)), 0))
    within = gap_c - gap_c[base] + gap[base]
    ft = (sst[sidx] + within).astype(np.int64)
    scalper = rng.random(len(uu)) < 0.4
    side = np.where(scalper[fu], rank % 2, rng.integers(0, 2, len(fu)))
    notional = np.round(avg[fu] * rng.lognormal(0, 0.45, len(fu)), 2)
    r = rng.random(len(fu))
    maker = np.where(r < 0.58, -4, np.where(r < 0.92, -2, -1))
    keep = ft < min(Cc.end, W.data_end)
    W.fill(uu[fu][keep], maker[keep], ft[keep], S["INJ/USDT"], side[keep], notional[keep])
    sl = rng.random(len(sst)) < 0.8
    W.login(uu[su][sl], sst[sl] - rng.integers(5, 300, sl.sum()) * US)
    W.group("competition_regulars", u)


def _airdrop(W: World, rng, hon, alive_at):
    Ad = W.camps[AIR]
    role = W.role[hon]
    p = np.select(
        [
            role == R_CASUAL,
            role == R_REG,
            role == R_ACTIVE,
            role == R_API,
            role == R_FOLLOW,
            role == R_TPBOT,
            np.isin(role, [R_NEW, R_PUSH, R_FRIEND, R_INFREF]),
            role == R_LEADER,
            role == R_OTC,
            role == R_P2P,
            role == R_INFL,
        ],
        [0.14, 0.42, 0.56, 0.25, 0.4, 0.4, 0.34, 0.55, 0.35, 0.35, 0.5],
        0.0,
    )
    p = np.where(np.isin(hon, W.returning), 0.5, p)
    ok = alive_at(hon, Ad.start + DAY) & (W.reg_ts[hon] < Ad.end - HOUR)
    e = rng.random(len(hon)) < p * ok
    e[np.isin(hon, W.mm[:2])] = True
    u = hon[e]
    lo = np.maximum(Ad.start, W.reg_ts[u] + MIN)
    t = np.where(
        rng.random(len(u)) < 0.4,
        Ad.start + rng.exponential(6 * HOUR, len(u)).astype(np.int64),
        human_times(rng, lo, np.full(len(u), Ad.end - HOUR), W.tz_u[u], W.peak_u[u]),
    )
    t = np.clip(np.maximum(t, lo), Ad.start, Ad.end - 30 * MIN)
    W.enroll(AIR, u, t)
    _action_logins(W, rng, u, t)
    pb = np.select([W.persona[u] == 0, W.persona[u] == 1], [0.35, 0.65], 0.8)
    pb = np.where(np.isin(W.role[u], [R_NEW, R_PUSH, R_INFREF, R_FRIEND]), 0.25, pb)
    bal = rng.random(len(u)) < pb
    W.balance_flag(u, bal)
    tr = (~bal & (rng.random(len(u)) < 0.62)) | (bal & (rng.random(len(u)) < 0.15))
    tu = u[tr]
    tt = t[tr] + rng.exponential(20 * MIN, len(tu)).astype(np.int64) + 10 * US
    tt = np.where(tt < Ad.end, tt, t[tr] + rng.integers(10, 600, len(tu)) * US)
    amt = np.where(
        rng.random(len(tu)) < 0.4,
        50 * rng.uniform(1.0, 1.3, len(tu)),
        np.maximum(W.wealth[tu] * rng.lognormal(0, 0.8, len(tu)), 12),
    )
    W.fill(tu, np.where(rng.random(len(tu)) < 0.7, -2, -3), tt, S["ONDO/USDT"], 0, np.round(amt, 2))
    _action_logins(W, rng, tu, tt)
    # after the distribution: some sell the tokens, a few move them out
    g = W.grant_base[AIR]
    qual = np.union1d(u[bal], tu[amt >= 50])
    sell = qual[rng.random(len(qual)) < 0.3]
    st = g + rng.integers(0, 3 * 3600, len(sell)) * US + rng.exponential(14 * HOUR, len(sell)).astype(np.int64)
    ok = st < W.data_end
    W.fill(sell[ok], -2, st[ok], S["ONDO/USDT"], 1, np.round(rng.uniform(20, 45, ok.sum()), 2))
    _action_logins(W, rng, sell[ok], st[ok])
    out = qual[(rng.random(len(qual)) < 0.06) & (W.kyc[qual] >= 1)]
    ot = g + rng.exponential(8 * HOUR, len(out)).astype(np.int64) + HOUR
    ok = ot < W.data_end
    honest_withdrawals(W, rng, out[ok], ot[ok], W.wealth[out[ok]] * rng.lognormal(0, 0.7, ok.sum()))
    W.air_honest = u


def _referee_followups(W: World, rng):
    """Win-back referees fund and trade again."""
    wb = getattr(W, "winback", np.zeros(0, np.int64))
    if len(wb):
        t = W.return_t[np.searchsorted(W.returning, wb)] + rng.integers(600, 3 * 86400, len(wb)) * US
        ok = t < W.data_end
        W.fill(wb[ok], -2, t[ok], W.fav[wb[ok], 0], 0, np.round(np.maximum(W.wealth[wb[ok]], 60), 2))
        _action_logins(W, rng, wb[ok], t[ok])

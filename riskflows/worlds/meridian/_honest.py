"""The honest crowd: who they are, how they connect, and their ordinary history."""

from __future__ import annotations

import numpy as np

from ._common import DAY, HOUR, MIN, US, addr_key, heavy_sizes, hkey, hsh, human_times, rand_times
from ._infra import (
    API_PLATS,
    CHAIN_OF,
    COUNTRIES,
    CWEIGHT,
    FIAT,
    FIAT_STEP,
    FX,
    LATAM,
    P_AND_APP,
    P_CCXT,
    P_GO,
    P_IOS_SAFARI,
    P_LINUX_FF,
    P_NODE,
    P_PY,
    P_WIN_CHROME,
    P_WIN_FF,
    SYM_W,
    A,
    C,
    S,
)
from ._names import PRIVACY, custom_domain, pick_emails
from ._world import CAFE, CLOUD, HOME, NCTX, OFFICE, VPN, World

(
    R_CASUAL,
    R_REG,
    R_ACTIVE,
    R_MM,
    R_API,
    R_OTC,
    R_P2P,
    R_INFL,
    R_LEADER,
    R_TPBOT,
    R_FOLLOW,
    R_NEW,
    R_INFREF,
    R_FRIEND,
    R_PUSH,
    R_ABUSE,
) = range(16)

CRYPTO_DEP = ["USDT", "BTC", "ETH", "USDC", "SOL", "XRP", "TRX", "TON", "XLM"]
CRYPTO_DEP_W = np.array([46, 16, 11, 8, 6, 6, 3, 2, 2], float)
MEMO_WD = ["XRP", "XLM", "TON", "EOS"]


def init_user_arrays(W: World):
    N = W.N
    W.role = np.full(N, R_ABUSE, np.int64)
    W.persona = np.zeros(N, np.int64)
    W.wealth = np.ones(N)
    W.a_start = np.zeros(N, np.int64)
    W.a_end = np.zeros(N, np.int64)
    W.tz_u = np.zeros(N)
    W.peak_u = np.full(N, 20.0)
    W.fam = np.full(N, -1, np.int64)
    W.office_u = np.full(N, -1, np.int64)
    W.pref_ex = np.zeros(N, np.int64)
    W.memo_pref = np.zeros(N, bool)
    W.fav = np.zeros((N, 3), np.int64)
    W.reg_ctx = np.full(N, -1, np.int64)


def fav_symbols(rng, country):
    n = len(country)
    w = np.tile(SYM_W, (n, 1))
    cc = np.array(COUNTRIES)[country]
    eu = np.isin(cc, ["DE", "FR", "ES", "IT", "PT", "NL", "AT", "BE", "RO", "CZ"])
    w[:, S["BTC/EUR"]] *= np.where(eu, 3, 0.05)
    w[:, S["ETH/EUR"]] *= np.where(eu, 3, 0.05)
    w[:, S["USDC/EUR"]] *= np.where(eu, 2, 0.05)
    w[:, S["BTC/BRL"]] *= np.where(cc == "BR", 8, 0.02)
    w[:, S["USDT/BRL"]] *= np.where(cc == "BR", 8, 0.02)
    w[:, S["BTC/MXN"]] *= np.where(cc == "MX", 10, 0.02)
    w[:, S["BTC/PLN"]] *= np.where(cc == "PL", 10, 0.02)
    w[:, S["USDT/COP"]] *= np.where(cc == "CO", 10, 0.02)
    g = np.log(w) - np.log(-np.log(rng.random(w.shape)))
    return np.argsort(-g, axis=1)[:, :3]


def build_population(W: World, n_h: int):
    rng = W.rng("honest-pop")
    f = W.f
    N = W.N
    init_user_arrays(W)
    n_mm = int(rng.integers(4, 7))
    n_api = max(8, round(60 * f))
    n_otc = max(1, round(3 * f))
    n_p2p = max(3, round(16 * f))
    n_infl = max(2, round(6 * f))
    n_lead = max(2, round(5 * f))
    n_tp = round(300 * f)
    n_fol = round(480 * f)
    n_infref = round(0.034 * N)
    n_friend = round(0.014 * N)
    n_push = round(0.012 * N)
    n_org = round(0.066 * N)
    n_pre = n_h - (n_infref + n_friend + n_push + n_org)
    o = 0
    W.h_pre = np.arange(0, n_pre)
    o = n_pre
    W.h_infref = np.arange(o, o + n_infref)
    o += n_infref
    W.h_friend = np.arange(o, o + n_friend)
    o += n_friend
    W.h_push = np.arange(o, o + n_push)
    o += n_push
    W.h_org = np.arange(o, o + n_org)
    o += n_org
    W.honest = np.arange(n_h)
    assert o == n_h
    # ---- countries
    country = rng.choice(len(COUNTRIES), n_h, p=CWEIGHT)
    W.push_country = C[["CO", "PL", "MX", "AR", "IT", "PE"][rng.integers(0, 6)]]
    country[W.h_push] = np.where(rng.random(n_push) < 0.93, W.push_country, country[W.h_push])
    # ---- roles among pre-existing
    role = rng.choice([R_CASUAL, R_REG, R_ACTIVE], n_pre, p=[0.46, 0.38, 0.16])
    perm = rng.permutation(n_pre)
    cursor = 0

    def take(k, r):
        nonlocal cursor
        ids = perm[cursor : cursor + k]
        cursor += k
        role[ids] = r
        return np.sort(ids)

    W.mm = take(n_mm, R_MM)
    W.api = take(n_api, R_API)
    W.otc = take(n_otc, R_OTC)
    W.p2p = take(n_p2p, R_P2P)
    W.infl = take(n_infl, R_INFL)
    W.leaders = take(n_lead, R_LEADER)
    W.tpbot = take(n_tp, R_TPBOT)
    W.followers = take(n_fol, R_FOLLOW)
    country[W.p2p] = rng.choice([C[c] for c in ("BR", "AR", "CO", "MX", "PE", "PL", "ES", "CL")], n_p2p)
    country[W.otc] = rng.choice([C["ES"], C["DE"], C["BR"], C["AR"]], n_otc)
    country[W.mm] = rng.choice([C["NL"], C["DE"], C["ES"], C["PT"]], n_mm)
    country[W.infl] = rng.choice(
        [C[c] for c in ("BR", "ES", "MX", "AR", "PL", "IT", "CO", "DE")], n_infl, replace=n_infl > 8
    )
    W.role[:n_pre] = role
    W.role[W.h_infref] = R_INFREF
    W.role[W.h_friend] = R_FRIEND
    W.role[W.h_push] = R_PUSH
    W.role[W.h_org] = R_NEW
    W.country[:n_h] = country
    persona = np.where(role == R_CASUAL, 0, np.where(role == R_REG, 1, 2))
    persona = np.where(np.isin(role, [R_TPBOT, R_FOLLOW, R_INFL]), rng.choice([1, 2], n_pre, p=[0.6, 0.4]), persona)
    W.persona[:n_pre] = persona
    newu = np.arange(n_pre, n_h)
    W.persona[newu] = rng.choice([0, 1, 2], len(newu), p=[0.6, 0.3, 0.1])
    W.persona[W.h_infref] = rng.choice([0, 1, 2], n_infref, p=[0.82, 0.15, 0.03])
    # wealth (typical USD ticket)
    base = np.array([90.0, 220.0, 700.0])[W.persona[:n_h]]
    W.wealth[:n_h] = base * rng.lognormal(0, 1.0, n_h)
    W.wealth[W.otc] *= 60
    W.wealth[W.p2p] *= 8
    W.wealth[W.api] *= 6
    W.wealth[W.mm] *= 200
    # ---- registration times (pre-existing)
    H, S0 = W.H, W.S0
    span = 3.5 * 365 * DAY
    old = rng.random(n_pre) < 0.33
    t_old = H - (span * rng.random(n_pre) ** 1.4).astype(np.int64)
    t_new = H + ((S0 - 3 * DAY - H) * rng.random(n_pre) ** 0.8).astype(np.int64)
    reg = np.where(old, t_old, t_new)
    # historical marketing bursts: a country, a day, sign-ups within hours
    for b in range(4):
        bc = rng.integers(0, len(COUNTRIES))
        bt = rand_times(rng, H + 20 * DAY, S0 - 20 * DAY, 1)[0]
        cand = np.where((country[:n_pre] == bc) & ~old & (role == R_CASUAL))[0]
        k = min(len(cand), int(0.012 * n_pre))
        sel = rng.choice(cand, k, replace=False)
        reg[sel] = bt + rng.exponential(2.5 * HOUR, k).astype(np.int64)
    spec = np.concatenate([W.mm, W.api, W.otc, W.p2p, W.infl, W.leaders])
    reg[spec] = H - (span * rng.random(len(spec)) ** 0.7).astype(np.int64)
    reg[W.mm] = np.minimum(reg[W.mm], H - 200 * DAY)
    W.reg_ts[:n_pre] = reg + rng.integers(0, US, n_pre)
    # earlier referral seasons: some of the crowd came in through someone's invite link
    order = np.argsort(W.reg_ts[:n_pre], kind="stable")
    rank = np.empty(n_pre, np.int64)
    rank[order] = np.arange(n_pre)
    invited = (rng.random(n_pre) < 0.13) & (rank > 50)
    src_rank = (rng.random(invited.sum()) ** 1.6 * rank[invited]).astype(np.int64)
    W.referrer[np.where(invited)[0]] = order[src_rank]
    # new users get their registration time from the social processes later
    # ---- kyc
    k_pre = rng.choice([0, 1, 2, 3], n_pre, p=[0.08, 0.52, 0.37, 0.03])
    k_pre[np.isin(role, [R_MM, R_OTC])] = 3
    k_pre[np.isin(role, [R_API, R_P2P, R_INFL, R_LEADER])] = np.maximum(
        k_pre[np.isin(role, [R_API, R_P2P, R_INFL, R_LEADER])], 2
    )
    W.kyc[:n_pre] = k_pre
    W.kyc[newu] = rng.choice([0, 1, 2], len(newu), p=[0.28, 0.57, 0.15])
    W.kyc[W.h_infref] = rng.choice([0, 1, 2], n_infref, p=[0.45, 0.5, 0.05])
    # ---- e-mail
    W.email[:n_h] = pick_emails(W, rng, country)
    W.email[W.mm] = [W.dom(custom_domain(rng)) for _ in W.mm]
    # ---- activity windows
    lifetime = rng.exponential(np.array([110.0, 260.0, 380.0])[W.persona[:n_h]] * DAY)
    loyal = rng.random(n_h) < np.array([0.12, 0.35, 0.55])[W.persona[:n_h]]
    W.loyal = np.zeros(N, bool)
    W.loyal[:n_h] = loyal
    W.lifetime = np.zeros(N)
    W.lifetime[:n_h] = lifetime
    keep = np.isin(W.role[:n_h], [R_MM, R_API, R_OTC, R_P2P, R_INFL, R_LEADER, R_TPBOT, R_FOLLOW])
    W.loyal[:n_h] |= keep
    W.pref_ex[:n_h] = rng.choice(W.infra.n_ex, n_h, p=W.infra.ex_w)
    W.memo_pref[:n_h] = rng.random(n_h) < 0.2
    W.fav[:n_h] = fav_symbols(rng, country)
    # ---- profiles
    prof = W.add_profiles(country, rng)
    assert prof[0] == 0 and len(prof) == n_h
    W.tz_u[:n_h] = W.prof_get("tz", prof)
    W.peak_u[:n_h] = W.prof_get("peak", prof)
    _groups_infrastructure(W, rng, n_pre)
    _special_profiles(W, rng)


def set_windows(W: World, users):
    """Activity window from registration, lifetime and loyalty (after reg_ts is final)."""
    u = np.asarray(users)
    st = np.maximum(W.reg_ts[u], W.H)
    en = np.where(W.loyal[u], W.data_end, W.reg_ts[u] + (W.lifetime[u] * 1).astype(np.int64))
    W.a_start[u] = st
    W.a_end[u] = np.minimum(en, W.data_end)


def _groups_infrastructure(W: World, rng, n_pre):
    I = W.infra
    n_h = len(W.honest)
    country = W.country[:n_h]
    pre = W.h_pre
    free = np.ones(n_h, bool)
    free[np.concatenate([W.mm, W.api, W.otc, W.p2p])] = False
    # ---------------- offices (colleagues behind one NAT, work PCs, a company domain)
    n_off_users = int(0.045 * n_pre)
    sizes = heavy_sizes(rng, max(3, n_off_users // 9), 3, 60, alpha=1.1)
    office_ips = []
    members_all = []
    oid = 0
    for s in sizes:
        c = rng.choice(len(COUNTRIES), p=CWEIGHT)
        cand = pre[(country[pre] == c) & free[pre] & (W.office_u[pre] < 0)]
        if len(cand) < s:
            continue
        mem = rng.choice(cand, s, replace=False)
        W.office_u[mem] = oid
        ip = I.resi_ip(np.array([c, c]), hsh(np.array([oid, oid]), np.array([1, 2]), 515))
        office_ips.append(ip)
        corp = W.dom(custom_domain(rng))
        W.email[mem[rng.random(s) < 0.3]] = corp
        # some colleagues signed up from the office network
        W.reg_ctx[mem[rng.random(s) < 0.3]] = OFFICE
        members_all.append(mem)
        oid += 1
    W.office_ips = np.array(office_ips, np.int64).reshape(-1, 2)
    if members_all:
        mem = np.concatenate(members_all)
        w = W.prof_get("w", mem)
        share = rng.uniform(0.3, 0.6, len(mem))
        w = w * (1 - share)[:, None]
        w[:, OFFICE] = share
        W.prof_set(mem, office=W.office_u[mem], w=w, dev_work=hkey(8600, W.seed, mem))
        W.group("office_colleagues_nat", mem)
    # ---------------- families: one home, one tablet, often one wallet
    n_fam_users = int(0.07 * n_h)
    fam_sizes = rng.choice([2, 3, 4, 5], n_fam_users // 2, p=[0.55, 0.26, 0.14, 0.05])
    fam_sizes = fam_sizes[np.cumsum(fam_sizes) <= n_fam_users]
    cand_all = np.concatenate([pre, W.h_org])
    cand_all = cand_all[free[cand_all]]
    used = np.zeros(n_h, bool)
    fams = []
    for fid, s in enumerate(fam_sizes):
        head = cand_all[rng.integers(len(cand_all))]
        if used[head]:
            continue
        c = country[head]
        pool = cand_all[(country[cand_all] == c) & ~used[cand_all]]
        if len(pool) < s:
            continue
        mem = np.unique(np.concatenate([[head], rng.choice(pool, s - 1, replace=False)]))
        if len(mem) < 2:
            continue
        used[mem] = True
        W.fam[mem] = len(fams)
        fams.append(mem)
    W.families = fams
    if fams:
        mem = np.concatenate(fams)
        fid = W.fam[mem]
        hh = hkey(8700, W.seed, fid)
        tab = np.where(hsh(fid, 3) % np.uint64(10) < np.uint64(7), hkey(8800, W.seed, fid), -1)
        W.prof_set(
            mem,
            household=hh,
            dev_tab=tab,
            p_tab=np.full(len(mem), 0.3),
            plat_tab=np.where(hsh(fid, 4) % np.uint64(3) == 0, P_AND_APP, 10),
        )
        # family members often signed up close together (one shows the other)
        for m_ in fams:
            m_ = m_[m_ < n_pre]
            if len(m_) > 1 and rng.random() < 0.35:
                W.reg_ts[m_[1:]] = np.minimum(
                    W.reg_ts[m_[0]] + rng.exponential(4 * DAY, len(m_) - 1).astype(np.int64), W.S0 - 3 * DAY
                )
            if rng.random() < 0.04:
                W.email[m_] = W.dom(custom_domain(rng))
        W.group("family_shared_device_wallet", mem)
    # ---------------- internet cafés / campus labs (shared PCs behind one IP)
    n_cafe = max(4, round(45 * W.f))
    cafe_ips, cafe_npc, patrons = [], [], []
    lat = np.where(LATAM)[0]
    for k in range(n_cafe):
        c = rng.choice(lat) if rng.random() < 0.75 else rng.choice(len(COUNTRIES), p=CWEIGHT)
        cand = np.concatenate([pre, W.h_org, W.h_push, W.h_infref])
        cand = cand[(country[cand] == c) & free[cand]]
        s = int(rng.integers(6, 26))
        if len(cand) < s:
            continue
        mem = rng.choice(cand, s, replace=False)
        W.prof_set(mem, cafe=np.full(s, len(cafe_ips)))
        w = W.prof_get("w", mem)
        share = rng.uniform(0.3, 0.75, s)
        w = w * (1 - share)[:, None]
        w[:, CAFE] = share
        W.prof_set(mem, w=w)
        W.reg_ctx[mem[rng.random(s) < 0.4]] = CAFE
        cafe_ips.append(int(I.resi_ip(np.array([c]), hsh(np.array([k]), 616))[0]))
        cafe_npc.append(int(rng.integers(2, 7)))
        patrons.append(mem)
    W.cafe_ips = np.array(cafe_ips, np.int64)
    W.cafe_npc = np.array(cafe_npc, np.int64)
    if patrons:
        W.group("internet_cafe_shared_pc", np.concatenate(patrons))
    # ---------------- commercial VPN users
    vpn = np.where((rng.random(n_h) < 0.055) & free)[0]
    w = W.prof_get("w", vpn)
    share = rng.uniform(0.45, 0.95, len(vpn))
    w = w * (1 - share)[:, None]
    w[:, VPN] = share
    W.prof_set(vpn, vpn=rng.choice(4, len(vpn), p=I.vpn_w), w=w)
    W.reg_ctx[vpn[rng.random(len(vpn)) < 0.5]] = VPN
    W.group("commercial_vpn_users", vpn)
    # ---------------- privacy browsers: a fresh fingerprint every session
    priv = np.where((rng.random(n_h) < 0.03) & free)[0]
    W.prof_set(
        priv,
        fresh_desk=np.ones(len(priv), bool),
        dev_desk=hkey(8101, W.seed, priv),
        p_desk=rng.uniform(0.5, 0.9, len(priv)),
        plat_desk=rng.choice([P_WIN_FF, P_LINUX_FF, P_WIN_CHROME], len(priv)),
    )
    pv = priv[rng.random(len(priv)) < 0.45]
    w = W.prof_get("w", pv)
    share = rng.uniform(0.4, 0.9, len(pv))
    w = w * (1 - share)[:, None]
    w[:, VPN] = share
    W.prof_set(pv, vpn=rng.choice(4, len(pv), p=I.vpn_w), w=w)
    pe = priv[rng.random(len(priv)) < 0.5]
    pdom = np.array([W.dom(d) for d in PRIVACY])
    W.email[pe] = pdom[rng.integers(0, len(pdom), len(pe))]
    W.group("privacy_browser_fresh_fingerprint", priv)
    # ---------------- iPhone Safari: identical fingerprints across strangers
    plat_phone = W.prof_get("plat_phone", np.arange(n_h))
    ios_web = np.where(plat_phone == P_IOS_SAFARI)[0]
    n_fp = 16
    fpw = 1.0 / np.arange(1, n_fp + 1) ** 0.9
    fp = rng.choice(n_fp, len(ios_web), p=fpw / fpw.sum())
    W.prof_set(ios_web, dev_phone=hkey(9300, W.seed, fp), phone_T=np.zeros(len(ios_web)), model=fp % 4)
    W.group("iphone_fingerprint_collision", ios_web)


def _special_profiles(W: World, rng):
    I = W.infra
    # market makers: API sessions from a couple of cloud hosts, around the clock
    mm = W.mm
    w = np.zeros((len(mm), NCTX))
    w[:, CLOUD] = 0.96
    w[:, HOME] = 0.04
    W.prof_set(
        mm,
        cloud_ip=I.cloud_ip(hsh(mm, 31)),
        cloud_ip2=I.cloud_ip(hsh(mm, 32)),
        w=w,
        plat_api=rng.choice([P_CCXT, P_GO], len(mm)),
        dev_null=np.full(len(mm), 0.05),
    )
    api = W.api
    w = W.prof_get("w", api) * 0.25
    w[:, CLOUD] = 0.75
    W.prof_set(
        api,
        cloud_ip=I.cloud_ip(hsh(api, 33)),
        cloud_ip2=np.where(rng.random(len(api)) < 0.4, I.cloud_ip(hsh(api, 34)), -1),
        w=w,
        plat_api=rng.choice(API_PLATS, len(api), p=[0.35, 0.4, 0.1, 0.15]),
    )
    W.tp_platform = rng.choice(3, len(W.tpbot), p=[0.5, 0.3, 0.2])
    W.prof_set(W.tpbot, cloud_pool=W.tp_platform, plat_api=np.where(W.tp_platform == 1, P_NODE, P_PY))


# =====================================================================================
#                                   ordinary history
# =====================================================================================
def _pick_from_sessions(rng, login_u, login_t, users, n_per_user, spread=2 * MIN):
    """Timestamps near random earlier logins of each user (activity happens in sessions)."""
    order = np.argsort(login_u, kind="stable")
    lu, lt = login_u[order], login_t[order]
    uu, start, cnt = np.unique(lu, return_index=True, return_counts=True)
    pos = np.searchsorted(uu, users)
    pos = np.clip(pos, 0, len(uu) - 1)
    ok = (uu[pos] == users) & (n_per_user > 0)
    users, n_per_user, pos = users[ok], n_per_user[ok], pos[ok]
    u = np.repeat(users, n_per_user)
    p = np.repeat(pos, n_per_user)
    k = start[p] + (rng.random(len(u)) * cnt[p]).astype(np.int64)
    t = lt[k] + rng.exponential(spread, len(u)).astype(np.int64) + 1
    return u, t


def base_history(W: World):
    """Logins, trades, deposits and withdrawals of honest people's everyday lives."""
    rng = W.rng("honest-history")
    hon = W.honest
    n = len(hon)
    set_windows(W, hon)
    days = np.maximum(W.a_end[hon] - W.a_start[hon], 0) / DAY
    lam = np.array([0.045, 0.33, 1.9])[W.persona[hon]] * rng.lognormal(0, 0.65, n)
    lam = np.where(np.isin(W.role[hon], [R_MM, R_API]), 0.12, lam)
    lam = np.where(W.role[hon] == R_P2P, 3.5, lam)
    target = 1.0e6 * W.f
    exp_total = (lam * days).sum()
    lam *= min(1.6, target / max(exp_total, 1))
    cnt = rng.poisson(lam * days)
    u = np.repeat(hon, cnt)
    t = human_times(rng, W.a_start[u], W.a_end[u], W.tz_u[u], W.peak_u[u])
    # registration login happens separately (finalise), keep the rest after registration
    t = np.maximum(t, W.reg_ts[u] + 30 * US)
    keep = t < W.data_end
    u, t = u[keep], t[keep]
    W.login(u, t)
    W.base_login_u, W.base_login_t = u, t
    # ---- trades in sessions
    tpl = np.array([0.3, 0.45, 0.85])[W.persona[hon]] * rng.lognormal(0, 0.5, n)
    tpl = np.where(np.isin(W.role[hon], [R_MM, R_API, R_OTC]), 0.05, tpl)
    ntr = rng.poisson(tpl * cnt * 0.23)
    tu, tt = _pick_from_sessions(rng, u, t, hon, ntr, spread=3 * MIN)
    m = len(tu)
    favk = rng.choice(3, m, p=[0.6, 0.27, 0.13])
    sym = W.fav[tu, favk]
    side = (rng.random(m) < 0.5).astype(np.int64)
    notional = W.wealth[tu] * rng.lognormal(-0.3, 0.9, m)
    notional = np.maximum(notional, 5 + 5 * rng.random(m))
    r = rng.random(m)
    maker = np.where(r < 0.55, -2, np.where(r < 0.78, -3, -1))
    keep = tt < W.data_end
    W.fill(tu[keep], maker[keep], tt[keep], sym[keep], side[keep], np.round(notional[keep], 2))
    # ---- deposits and withdrawals
    period = np.array([70.0, 28.0, 14.0])[W.persona[hon]]
    ndep = rng.poisson(days / period) + (ntr > 0) * (rng.random(n) < 0.5)
    ndep = np.where(cnt > 0, ndep, 0)
    du, dt = _pick_from_sessions(rng, u, t, hon, ndep, spread=MIN)
    keep = dt < W.data_end
    du, dt = du[keep], dt[keep]
    honest_deposits(W, rng, du, dt, W.wealth[du] * rng.lognormal(0.3, 0.9, len(du)))
    nwd = np.where(W.kyc[hon] >= 1, rng.poisson(0.5 * ndep), 0)
    wu, wt = _pick_from_sessions(rng, u, t, hon, nwd, spread=MIN)
    keep = wt < W.data_end
    wu, wt = wu[keep], wt[keep]
    honest_withdrawals(W, rng, wu, wt, W.wealth[wu] * rng.lognormal(0.1, 0.9, len(wu)))


def wallet_key(W: World, u, chain):
    """The person's own wallet on a chain; family members share one."""
    owner = np.where(W.fam[u] >= 0, -1 - W.fam[u], u)
    return addr_key(chain, hkey(9500, W.seed, owner, chain))


def honest_deposits(W: World, rng, u, t, usd, fiat_share=None, src=None):
    """Deposits with a realistic mix of rails and source addresses."""
    n = len(u)
    if n == 0:
        return
    cc = np.array(COUNTRIES)[np.maximum(W.country[u], 0)]
    fiat_name = np.array([FIAT.get(c, "") for c in cc])
    has_fiat = fiat_name != ""
    fs = np.where(LATAM[np.maximum(W.country[u], 0)], 0.55, 0.5) if fiat_share is None else fiat_share
    is_fiat = has_fiat & (rng.random(n) < fs)
    asset = np.full(n, -1, np.int64)
    amt = np.asarray(usd, float).copy()
    for fn in np.unique(fiat_name[is_fiat]):
        m = is_fiat & (fiat_name == fn)
        local = amt[m] / FX[fn]
        step = FIAT_STEP[fn] / 5
        local = np.where(rng.random(m.sum()) < 0.7, np.maximum(np.round(local / step), 1) * step, local)
        amt[m] = local * FX[fn] * (1 + rng.normal(0, 0.012, m.sum()))
        asset[m] = A[fn]
    cm = ~is_fiat
    ca = np.array([A[a] for a in CRYPTO_DEP])[
        rng.choice(len(CRYPTO_DEP), cm.sum(), p=CRYPTO_DEP_W / CRYPTO_DEP_W.sum())
    ]
    asset[cm] = ca
    usdt = cm & (asset == A["USDT"]) & (rng.random(n) < 0.45)
    amt = np.where(usdt, np.maximum(np.round(amt / 50), 1) * 50 * (1 + rng.normal(0, 0.0004, n)), amt)
    chain = CHAIN_OF[asset]
    r = rng.random(n) if src is None else src
    own = wallet_key(W, u, np.maximum(chain, 0))
    hot = W.infra.hot_wallet(
        np.where(rng.random(n) < 0.7, W.pref_ex[u], rng.choice(W.infra.n_ex, n, p=W.infra.ex_w)),
        np.maximum(chain, 0),
        rng.integers(0, 1 << 40, n),
    )
    addr = np.where(r < 0.45, own, hot)
    addr = np.where(is_fiat, -1, addr)
    W.deposit(u, t, asset, np.round(np.maximum(amt, 1.0), 2), addr)


def honest_withdrawals(W: World, rng, u, t, usd):
    n = len(u)
    if n == 0:
        return
    cc = np.array(COUNTRIES)[np.maximum(W.country[u], 0)]
    fiat_name = np.array([FIAT.get(c, "") for c in cc])
    is_fiat = (fiat_name != "") & (rng.random(n) < 0.38)
    asset = np.full(n, A["USDT"], np.int64)
    amt = np.asarray(usd, float).copy()
    for fn in np.unique(fiat_name[is_fiat]):
        m = is_fiat & (fiat_name == fn)
        asset[m] = A[fn]
    cm = ~is_fiat
    memo = cm & W.memo_pref[u] & (rng.random(n) < 0.8)
    asset[memo] = np.array([A[a] for a in MEMO_WD])[hsh(u[memo], 5) % np.uint64(4)]
    other = cm & ~memo
    asset[other] = np.array([A[a] for a in ("USDT", "BTC", "ETH", "USDC", "SOL", "TRX")])[
        rng.choice(6, other.sum(), p=[0.5, 0.18, 0.12, 0.1, 0.06, 0.04])
    ]
    chain = np.maximum(CHAIN_OF[asset], 0)
    own = wallet_key(W, u, chain)
    ex = np.where(rng.random(n) < 0.8, W.pref_ex[u], rng.choice(W.infra.n_ex, n, p=W.infra.ex_w))
    exd = W.infra.exchange_deposit(ex, chain, u)
    r = rng.random(n)
    addr = np.where(memo, exd, np.where(r < 0.42, own, exd))
    # payment processors, card top-ups and bridges: one contract address for everybody
    proc = ~memo & (rng.random(n) < 0.06)
    pid = rng.choice(6, n, p=[0.35, 0.25, 0.15, 0.1, 0.1, 0.05])
    addr = np.where(proc, addr_key(np.where(pid < 3, 2, 1), hkey(7100, pid)), addr)
    asset = np.where(proc, np.where(pid < 3, A["USDT"], A["USDC"]), asset)
    addr = np.where(is_fiat, -1, addr)
    W.withdraw(u, t, asset, np.round(np.maximum(amt, 2.0), 2), addr)


def social_money(W: World):
    """Family transfers, P2P merchants' customers, OTC desks' clients."""
    rng = W.rng("honest-social")
    # ---- families move money between members
    for mem in W.families:
        st = max(W.H, int(W.reg_ts[mem].max()))
        if st >= W.data_end - DAY:
            continue
        k = rng.poisson((W.data_end - st) / DAY / 45)
        if k == 0:
            continue
        a = rng.choice(mem, k)
        b = rng.choice(mem, k)
        ok = a != b
        t = human_times(rng, np.full(k, st), np.full(k, W.data_end), W.tz_u[a], W.peak_u[a])
        amt = np.round(np.minimum(W.wealth[a], 800) * rng.lognormal(-0.5, 0.8, k), 2) + 1
        asset = np.where(rng.random(k) < 0.8, A["USDT"], A["BTC"])
        W.transfer(a[ok], b[ok], t[ok], asset[ok], amt[ok])
    # ---- P2P merchants: buy/sell USDT for local money, settled by internal transfer
    hon = W.honest
    W.p2p_customers = {}
    lat_like = np.isin(W.country[hon], [C[c] for c in ("BR", "AR", "CO", "MX", "PE", "CL", "UY", "PL", "ES")])
    pool = hon[lat_like & np.isin(W.role[hon], [R_CASUAL, R_REG, R_ACTIVE, R_NEW, R_FOLLOW, R_PUSH, R_INFREF])]
    custs_all = []
    for mch in W.p2p:
        same = pool[W.country[pool] == W.country[mch]]
        if len(same) < 10:
            same = pool
        k = min(len(same), int(rng.integers(15, 90) * max(W.f, 0.2)) + 3)
        cust = rng.choice(same, k, replace=False)
        W.p2p_customers[int(mch)] = cust
        custs_all.append(cust)
        lo = np.maximum(W.a_start[cust], W.reg_ts[cust] + HOUR)
        hi = np.maximum(W.a_end[cust], lo + DAY)
        nt = rng.poisson(np.maximum(hi - lo, 0) / DAY / 50) + 1
        cu = np.repeat(cust, nt)
        t = human_times(rng, np.repeat(lo, nt), np.minimum(np.repeat(hi, nt), W.data_end), W.tz_u[cu], W.peak_u[cu])
        amt = np.round(np.clip(W.wealth[cu] * rng.lognormal(0, 0.8, len(cu)), 10, 20000), 2)
        buy = rng.random(len(cu)) < 0.68
        W.transfer(np.where(buy, mch, cu), np.where(buy, cu, mch), t, A["USDT"], amt)
        W.login(cu, t - rng.integers(20, 600, len(cu)) * US)
        # merchant restocks from other exchanges and pays out
        nd = rng.poisson((W.data_end - W.a_start[mch]) / DAY / 4)
        td = rand_times(rng, W.a_start[mch], W.data_end, nd)
        src = W.infra.hot_wallet(rng.choice(W.infra.n_ex, nd, p=W.infra.ex_w), 2, rng.integers(0, 1 << 30, nd))
        W.deposit(np.full(nd, mch), td, A["USDT"], np.round(rng.lognormal(8, 0.8, nd), 2), src)
        tw = rand_times(rng, W.a_start[mch], W.data_end, nd // 2)
        W.withdraw(
            np.full(nd // 2, mch),
            tw,
            A["USDT"],
            np.round(rng.lognormal(7.5, 0.8, nd // 2), 2),
            W.infra.exchange_deposit(W.pref_ex[mch], 2, mch),
        )
    W.group("p2p_merchant_customers", np.concatenate(custs_all + [W.p2p]))
    # ---- OTC desks: large tickets, the desk's wallet pays many clients
    W.otc_clients = {}
    rich = hon[
        (W.wealth[hon] > np.quantile(W.wealth[hon], 0.8))
        & (W.kyc[hon] >= 1)
        & np.isin(W.role[hon], [R_REG, R_ACTIVE, R_LEADER, R_FOLLOW])
    ]
    cl_all = []
    for desk in W.otc:
        k = min(len(rich), int(rng.integers(40, 90) * max(W.f, 0.2)))
        cl = rng.choice(rich, k, replace=False)
        W.otc_clients[int(desk)] = cl
        cl_all.append(cl)
        W.kyc[cl] = np.maximum(W.kyc[cl], 2)
        desk_wallet = {ch: int(addr_key(ch, hkey(9600, W.seed, desk, ch))[0]) for ch in (0, 1, 2)}
        lo = np.maximum(W.a_start[cl], W.reg_ts[cl] + HOUR)
        hi = np.maximum(W.a_end[cl], lo + DAY)
        nt = rng.poisson(np.maximum(hi - lo, 0) / DAY / 40) + 1
        cu = np.repeat(cl, nt)
        t = human_times(rng, np.repeat(lo, nt), np.minimum(np.repeat(hi, nt), W.data_end), W.tz_u[cu], W.peak_u[cu])
        amt = np.round(np.clip(rng.lognormal(9.3, 0.9, len(cu)), 2000, 500000), 2)
        r = rng.random(len(cu))
        ch = rng.choice([0, 1, 2], len(cu), p=[0.3, 0.2, 0.5])
        dw = np.array([desk_wallet[c] for c in (0, 1, 2)])[ch]
        asset = np.array([A["BTC"], A["USDC"], A["USDT"]])[ch]
        m = r < 0.45
        W.transfer(np.full(m.sum(), desk), cu[m], t[m], asset[m], amt[m])
        m = (r >= 0.45) & (r < 0.75)
        W.deposit(cu[m], t[m], asset[m], amt[m], dw[m])
        m = r >= 0.75
        W.withdraw(cu[m], t[m], asset[m], amt[m], dw[m])
        W.login(cu, t - rng.integers(30, 900, len(cu)) * US)
    W.group("otc_desk_clients", np.concatenate(cl_all + [W.otc]))


# =====================================================================================
#                           machines: market makers, API traders, bots
# =====================================================================================
def machine_traders(W: World):
    rng = W.rng("honest-machines")
    # market makers re-authenticate their API sessions on a strict timer
    for mm in W.mm:
        per = int(rng.choice([60, 120, 120, 240])) * MIN
        st = max(W.H, int(W.reg_ts[mm]))
        k = (W.data_end - st) // per
        t = st + np.arange(k) * per + rng.normal(0, 1.5 * US, k).astype(np.int64) + int(rng.integers(0, per))
        t = t[(t < W.data_end) & (rng.random(k) > 0.02)]
        W.login(np.full(len(t), mm), t, ctx=CLOUD)
        W.a_start[mm], W.a_end[mm] = st, W.data_end
    W.mm_w = rng.dirichlet(np.ones(len(W.mm)) * 2)
    # API traders: grid / arbitrage strategies on a clock, around the clock
    for u in W.api:
        st = max(W.H, int(W.reg_ts[u]))
        en = int(W.a_end[u]) if W.a_end[u] > st else W.data_end
        days = (en - st) / DAY
        sess = int(rng.choice([3, 4, 8, 12, 24, 24])) * HOUR
        k = int((en - st) // sess)
        t = st + np.arange(k) * sess + int(rng.integers(0, sess)) + rng.normal(0, 20 * US, k).astype(np.int64)
        down = rng.random(k) < 0.04
        t = t[~down & (t < W.data_end)]
        W.login(np.full(len(t), u), t, ctx=CLOUD)
        interval = int(rng.choice([5, 10, 15, 30, 60])) * MIN
        rate = float(np.clip(rng.lognormal(np.log(1.6), 0.8), 0.2, 20))
        nf = min(rng.poisson(rate * days), 4000)
        slots = int((en - st) // interval)
        if slots <= 0 or nf == 0:
            continue
        idx = np.sort(rng.choice(slots, min(nf, slots), replace=False))
        t = st + idx * interval + np.abs(rng.normal(0, 2.5 * US, len(idx))).astype(np.int64)
        syms = W.fav[u]
        sym = syms[rng.choice(3, len(t), p=[0.7, 0.2, 0.1])]
        side = (rng.random(len(t)) < 0.5).astype(np.int64)
        notional = np.round(W.wealth[u] * rng.lognormal(0, 0.4, len(t)), 2)
        r = rng.random(len(t))
        maker = np.where(r < 0.5, -2, np.where(r < 0.8, -3, -1))
        W.fill(np.full(len(t), u), maker, t, sym, side, notional)
    W.group("api_traders_market_makers", np.concatenate([W.mm, W.api]))
    # retail users running third-party trading bots (DCA / grid) from the bot platform's cloud
    for i, u in enumerate(W.tpbot):
        lo = max(int(W.a_start[u]), W.H)
        if W.a_end[u] <= lo + 5 * DAY:
            continue
        st = rand_times(rng, lo, W.a_end[u] - 5 * DAY, 1)[0]
        en = min(W.a_end[u], st + int(rng.uniform(30, 240)) * DAY, W.data_end)
        per = int(rng.choice([8, 12, 12, 24])) * HOUR
        k = int((en - st) // per)
        t = st + np.arange(k) * per + rng.normal(0, 90 * US, k).astype(np.int64)
        W.login(np.full(k, u), t, ctx=CLOUD)
        dca = int(rng.choice([12, 24, 24, 48])) * HOUR
        k = int((en - st) // dca)
        t = st + np.arange(k) * dca + rng.normal(0, 30 * US, k).astype(np.int64)
        keep = rng.random(k) < 0.92
        t = t[keep]
        amount = float(rng.choice([10, 15, 20, 25, 50, 100])) * (1 if rng.random() < 0.6 else rng.uniform(0.9, 1.3))
        notional = np.round(amount * (1 + rng.normal(0, 0.001, len(t))), 2)
        sym = np.where(rng.random(len(t)) < 0.7, W.fav[u, 0], S["BTC/USDT"])
        W.fill(
            np.full(len(t), u), np.where(rng.random(len(t)) < 0.7, -2, -1), t, sym, np.zeros(len(t), np.int64), notional
        )
    W.group("third_party_bot_users", W.tpbot)


def copy_trading(W: World):
    """Leaders trade; followers' accounts mirror each trade within seconds (honest lockstep)."""
    rng = W.rng("honest-copy")
    comp = W.camps[3]
    fol = W.followers
    lead_of = rng.choice(
        len(W.leaders), len(fol), p=(lambda x: x / x.sum())(1.0 / np.arange(1, len(W.leaders) + 1) ** 0.8)
    )
    W.follow_leader = lead_of
    lo = np.maximum(W.reg_ts[fol] + DAY, W.H)
    fs = rand_times(rng, lo, np.maximum(lo + DAY, W.S0 - 10 * DAY))
    fe = np.where(rng.random(len(fol)) < 0.6, W.data_end, fs + rng.exponential(80 * DAY, len(fol)).astype(np.int64))
    ratio = np.clip(rng.lognormal(np.log(0.04), 0.9, len(fol)), 0.003, 0.5)
    W.follow_start, W.follow_end = fs, fe
    for li, L in enumerate(W.leaders):
        n_sig = int(rng.integers(120, 280))
        t = np.sort(
            human_times(
                rng, np.full(n_sig, max(W.H, int(W.reg_ts[L]))), np.full(n_sig, W.data_end), W.tz_u[L], W.peak_u[L]
            )
        )
        sym = W.fav[L][rng.choice(3, n_sig, p=[0.6, 0.3, 0.1])]
        notional = np.round(rng.lognormal(np.log(2500), 0.7, n_sig), 2)
        if li < 2:
            # the two biggest leaders trade the competition pair hard during the cup
            k = int(rng.integers(40, 110))
            tc = np.sort(human_times(rng, np.full(k, comp.start), np.full(k, comp.end), W.tz_u[L], W.peak_u[L]))
            t = np.concatenate([t, tc])
            sym = np.concatenate([sym, np.full(k, S["INJ/USDT"])])
            notional = np.concatenate([notional, np.round(rng.lognormal(np.log(4000), 0.6, k), 2)])
        side = (rng.random(len(t)) < 0.5).astype(np.int64)
        W.fill(
            np.full(len(t), L),
            np.where(rng.random(len(t)) < 0.5, -2, np.where(sym == S["INJ/USDT"], -4, -3)),
            t,
            sym,
            side,
            notional,
        )
        mine = np.where(lead_of == li)[0]
        if len(mine) == 0:
            continue
        act = (t[None, :] >= fs[mine, None]) & (t[None, :] < fe[mine, None])
        fi, si = np.nonzero(act)
        uu = fol[mine[fi]]
        delay = np.clip(rng.lognormal(np.log(1.3), 0.55, len(fi)), 0.15, 9) * US
        tt = t[si] + delay.astype(np.int64)
        nn = np.round(np.maximum(notional[si] * ratio[mine[fi]], 1.0), 2)
        r = rng.random(len(fi))
        mk = np.where(r < 0.62, -2, np.where(r < 0.88, -1, -3))
        keep = tt < W.data_end
        W.fill(uu[keep], mk[keep], tt[keep], sym[si][keep], side[si][keep], nn[keep])
    W.group("copy_trading_followers", np.concatenate([fol, W.leaders]))

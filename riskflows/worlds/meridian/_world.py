"""World state: clock, campaigns, profiles (how a person connects), users and event logs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import DAY, HOUR, hkey, hsh, hunit
from ._infra import (
    COUNTRIES,
    DESK_PLATS,
    DESK_W,
    LATAM,
    P_AND_APP,
    P_AND_CHROME,
    P_IOS_APP,
    P_IOS_SAFARI,
    P_WIN_CHROME,
    P_WIN_EDGE,
    TZ,
    V6_HOME,
    V6_MOB,
    Infra,
    ua_key,
    ua_version,
)

# login contexts
HOME, MOBILE, OFFICE, VPN, CAFE, TRAVEL, CLOUD, RESI, DCPROXY = range(9)
NCTX = 9

# campaign slots
REF, NEW, DEP, COMP, AIR = range(5)
KINDS = ["referral", "new_user", "deposit_bonus", "trading_competition", "airdrop"]


@dataclass
class Campaign:
    cid: str
    name: str
    kind: str
    start: int
    end: int
    budget: float


class World:
    def __init__(self, seed: int, users: int, end: str | None):
        self.seed = seed
        self.N = int(users)
        self.f = users / 30000.0
        r = self.rng("clock")
        if end is None:
            lo = np.datetime64("2026-06-01").astype("datetime64[D]").astype(np.int64)
            hi = np.datetime64("2026-10-31").astype("datetime64[D]").astype(np.int64)
            end_day = int(r.integers(lo, hi + 1))
        else:
            end_day = int(np.datetime64(end, "D").astype(np.int64))
        self.end_day = end_day
        self.data_end = (end_day + 1) * DAY - 1  # last microsecond of the last day
        gap = int(r.integers(3, 7))
        last_end_day = end_day - gap
        # campaign block: (offset from block start, length) in days
        L_ref = int(r.integers(26, 29))
        L_new = int(r.integers(25, 29))
        L_dep = int(r.integers(13, 16))
        L_comp = int(r.integers(19, 23))
        L_air = int(r.integers(12, 16))
        off = {REF: 0, NEW: int(r.integers(3, 6)), DEP: int(r.integers(8, 11))}
        off[COMP] = 34 - L_comp + int(r.integers(-1, 1))
        off[AIR] = 34 - L_air + int(r.integers(-2, 1))
        lens = {REF: L_ref, NEW: L_new, DEP: L_dep, COMP: L_comp, AIR: L_air}
        block_len = max(off[k] + lens[k] for k in off)
        block_start_day = last_end_day - block_len
        self.S0 = block_start_day * DAY
        hist_months = float(r.uniform(9, 15))
        self.H = self.S0 - int(hist_months * 30.44) * DAY  # start of ordinary history in the data
        self.fp_since = self.H - int(r.integers(200, 500)) * DAY  # device fingerprinting introduced
        ym = np.datetime64(block_start_day, "D").astype(object)
        tag = f"{ym.year % 100:02d}{ym.month:02d}"
        names = {
            REF: "Invite friends, trade together",
            NEW: "Welcome pack for new traders",
            DEP: "Deposit boost",
            COMP: "Meridian Trading Cup INJ/USDT",
            AIR: "ONDO holder airdrop",
        }
        budgets = {REF: 60000.0, NEW: 80000.0, DEP: 150000.0, COMP: 50000.0, AIR: 40000.0}
        letters = r.permutation(list("abcdefgh"))[:5]
        self.camps = []
        for k in range(5):
            st = (block_start_day + off[k]) * DAY + int(r.integers(8, 12)) * HOUR
            en = (block_start_day + off[k] + lens[k]) * DAY + int(r.integers(20, 24)) * HOUR - 1
            self.camps.append(
                Campaign(
                    f"mc-{tag}-{letters[k]}{int(r.integers(10, 99))}",
                    names[k],
                    KINDS[k],
                    st,
                    en,
                    budgets[k] * self.f if k != AIR else None,
                )
            )

        # batch payout jobs (deposit bonus, competition, airdrop) run on fixed mornings after the end
        def _after(k, days, hour):
            return (self.camps[k].end // DAY + days) * DAY + hour * HOUR

        self.grant_base = {DEP: _after(DEP, 1, 9), COMP: _after(COMP, 2, 10), AIR: _after(AIR, 1, 12)}
        self.infra = Infra(self.rng("infra"))
        self.domains: list[str] = []
        self.dom_idx: dict[str, int] = {}
        # profiles (column store, appended in chunks)
        self._prof_chunks: list[dict] = []
        self.n_prof = 0
        # users
        N = self.N
        self.reg_ts = np.zeros(N, np.int64)
        self.country = np.full(N, -1, np.int64)
        self.kyc = np.zeros(N, np.int64)
        self.email = np.full(N, -1, np.int64)
        self.referrer = np.full(N, -1, np.int64)
        self.reg_prof = np.arange(N, dtype=np.int64)
        self.prof_of = np.arange(N, dtype=np.int64)
        self.is_abuse = np.zeros(N, bool)
        self.pattern = np.full(N, "", dtype=object)
        self.op_id = np.full(N, -1, np.int64)
        self.skill = np.full(N, "", dtype=object)
        self.groups: dict[str, list[np.ndarray]] = {}
        # event logs
        self.ev = {k: [] for k in ("login", "dep", "wd", "fill", "xfer", "enr", "bal")}
        self.dc_pools: list[np.ndarray] = []
        self.office_ips = np.zeros((0, 2), np.int64)
        self.cafe_ips = np.zeros(0, np.int64)
        self.cafe_npc = np.zeros(0, np.int64)

    # ------------------------------------------------------------ helpers
    def rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, int(hsh(abs(hash_str(name)))[0] % (1 << 62))])

    def dom(self, name: str) -> int:
        if name not in self.dom_idx:
            self.dom_idx[name] = len(self.domains)
            self.domains.append(name)
        return self.dom_idx[name]

    def group(self, name: str, users) -> None:
        self.groups.setdefault(name, []).append(np.asarray(users, np.int64))

    def new_dc_pool(self, rng, n_subnets, size) -> int:
        self.dc_pools.append(self.infra.dc_pool(rng, n_subnets, size))
        return len(self.dc_pools) - 1

    # ------------------------------------------------------------ profiles
    def add_profiles(self, country, rng, **cols) -> np.ndarray:
        """Create n connection profiles with sensible defaults; cols override defaults."""
        country = np.asarray(country, np.int64)
        n = len(country)
        idx = np.arange(self.n_prof, self.n_prof + n)
        latam = LATAM[country]
        has_desk = rng.random(n) < np.where(latam, 0.5, 0.68)
        pl = DESK_PLATS[rng.choice(len(DESK_PLATS), n, p=DESK_W / DESK_W.sum())]
        # phone platform: iOS app, Android app, iOS Safari, Android Chrome
        pios = np.where(latam, 0.2, 0.33)
        r = rng.random(n)
        phone_plat = np.where(
            r < pios,
            P_IOS_APP,
            np.where(r < pios + 0.47, P_AND_APP, np.where(r < pios + 0.55, P_IOS_SAFARI, P_AND_CHROME)),
        )
        w = np.zeros((n, NCTX))
        mob = np.where(latam, 0.62, 0.48) + rng.normal(0, 0.12, n)
        w[:, MOBILE] = np.clip(mob, 0.05, 0.95)
        w[:, TRAVEL] = 0.02 + 0.03 * rng.random(n)
        w[:, HOME] = 1 - w[:, MOBILE] - w[:, TRAVEL]
        d = dict(
            country=country,
            tz=TZ[country] + np.where(rng.random(n) < 0.03, rng.normal(0, 3, n), 0),
            household=hkey(8000, self.seed, idx),
            hh_country=country.copy(),
            carrier=self.infra.carrier_for(rng, country),
            mob_v6=rng.random(n) < V6_MOB[country],
            office=np.full(n, -1, np.int64),
            cafe=np.full(n, -1, np.int64),
            vpn=np.full(n, -1, np.int64),
            dcpool=np.full(n, -1, np.int64),
            cloud_pool=np.full(n, -1, np.int64),
            proxy_country=country.copy(),
            sticky_h=np.full(n, 6.0),
            dev_desk=np.where(has_desk, hkey(8100, self.seed, idx), -1),
            dev_phone=hkey(8200, self.seed, idx),
            dev_tab=np.where(rng.random(n) < 0.12, hkey(8300, self.seed, idx), -1),
            dev_work=np.full(n, -1, np.int64),
            desk_T=np.where(rng.random(n) < 0.6, rng.uniform(120, 500, n), 0.0),
            phone_T=np.where(rng.random(n) < 0.7, rng.uniform(300, 900, n), 0.0),
            fresh_desk=np.zeros(n, bool),
            fresh_phone=np.zeros(n, bool),
            ua_rand=np.zeros(n, bool),
            plat_desk=pl,
            plat_phone=phone_plat,
            plat_tab=np.full(n, 10, np.int64),
            plat_work=np.where(rng.random(n) < 0.7, P_WIN_CHROME, P_WIN_EDGE),
            plat_api=np.full(n, 11, np.int64),
            model=rng.integers(0, 16, n),
            ua_lag=rng.choice([0, 0, 0, 1, 1, 2, 3], n),
            w=w,
            p_desk=np.where(has_desk, rng.uniform(0.25, 0.7, n), 0.0),
            p_tab=np.full(n, 0.15),
            cloud_ip=np.full(n, -1, np.int64),
            cloud_ip2=np.full(n, -1, np.int64),
            dev_null=np.full(n, 0.045),
            peak=rng.uniform(7, 23.5, n),
        )
        for k, v in cols.items():
            if k not in d:
                raise KeyError(k)
            if k == "w":
                d["w"] = np.asarray(v, float).reshape(n, NCTX) if np.ndim(v) == 2 else np.tile(v, (n, 1))
            else:
                d[k] = np.broadcast_to(np.asarray(v), (n,)).copy() if np.ndim(v) <= 1 else np.asarray(v)
        self._prof_chunks.append(d)
        self.n_prof += n
        return idx

    def freeze_profiles(self):
        keys = self._prof_chunks[0].keys()
        self.P = {k: np.concatenate([c[k] for c in self._prof_chunks]) for k in keys}
        w = self.P["w"]
        w = w / w.sum(1, keepdims=True)
        self.P["wcum"] = np.cumsum(w, 1)
        self.P["wcum"][:, -1] = 1.0

    def prof_set(self, prof, **cols):
        """Modify already created profiles (before freezing)."""
        prof = np.asarray(prof, np.int64)
        start = 0
        for c in self._prof_chunks:
            n = len(c["country"])
            m = (prof >= start) & (prof < start + n)
            if m.any():
                loc = prof[m] - start
                for k, v in cols.items():
                    v = np.asarray(v)
                    if k == "w":
                        c["w"][loc] = v[m] if v.ndim == 2 else v
                    else:
                        c[k][loc] = v[m] if v.ndim >= 1 and v.shape[0] == len(prof) else v
            start += n

    def prof_get(self, key, prof):
        prof = np.asarray(prof, np.int64)
        full = np.concatenate([c[key] for c in self._prof_chunks])
        return full[prof]

    # ------------------------------------------------------------ events
    def login(self, u, ts, prof=None, ctx=-1):
        u = np.asarray(u, np.int64)
        ts = np.asarray(ts, np.int64)
        u, ts = np.broadcast_arrays(u, ts)
        prof = self.prof_of[u] if prof is None else np.broadcast_to(np.asarray(prof, np.int64), u.shape)
        self.ev["login"].append(
            (u.copy(), ts.copy(), prof.copy(), np.broadcast_to(np.asarray(ctx, np.int64), u.shape).copy())
        )

    def deposit(self, u, ts, asset, amt, addr):
        self.ev["dep"].append(tuple(np.broadcast_arrays(*(np.asarray(x) for x in (u, ts, asset, amt, addr)))))

    def withdraw(self, u, ts, asset, amt, addr):
        self.ev["wd"].append(tuple(np.broadcast_arrays(*(np.asarray(x) for x in (u, ts, asset, amt, addr)))))

    def fill(self, taker, maker, ts, sym, side, notional):
        self.ev["fill"].append(
            tuple(np.broadcast_arrays(*(np.asarray(x) for x in (taker, maker, ts, sym, side, notional))))
        )

    def transfer(self, a, b, ts, asset, amt):
        self.ev["xfer"].append(tuple(np.broadcast_arrays(*(np.asarray(x) for x in (a, b, ts, asset, amt)))))

    def enroll(self, camp, u, ts, ref=-1):
        self.ev["enr"].append(tuple(np.broadcast_arrays(*(np.asarray(x) for x in (camp, u, ts, ref)))))

    def balance_flag(self, u, ok):
        """Airdrop snapshot: user holds the minimum balance at the snapshot."""
        self.ev["bal"].append(tuple(np.broadcast_arrays(np.asarray(u), np.asarray(ok))))

    def cat(self, key, dtypes):
        parts = self.ev[key]
        if not parts:
            return [np.zeros(0, d) for d in dtypes]
        return [np.concatenate([np.asarray(p[i]).astype(d) for p in parts]) for i, d in enumerate(dtypes)]


def hash_str(s: str) -> int:
    h = 1469598103934665603
    for ch in s.encode():
        h = ((h ^ ch) * 1099511628211) & ((1 << 63) - 1)
    return h


# ---------------------------------------------------------------- login attributes
def login_attrs(W: World, prof, ts, ctx_forced, rng):
    """Network address, device fingerprint and user agent of each login, from how the person connects."""
    P = W.P
    I = W.infra
    n = len(prof)
    wc = P["wcum"][prof]
    ctx = np.where(ctx_forced >= 0, ctx_forced, (rng.random(n)[:, None] > wc).sum(1))
    ctx = np.minimum(ctx, NCTX - 1)
    tz = P["tz"][prof]
    local = ts + (tz * HOUR).astype(np.int64)
    lh = (local % DAY) / HOUR
    dow = ((local // DAY) + 3) % 7
    off_ok = (dow < 5) & (lh >= 7.5) & (lh < 19.5) & (P["office"][prof] >= 0)
    ctx = np.where((ctx == OFFICE) & ~off_ok, HOME, ctx)
    ctx = np.where((ctx == CAFE) & (P["cafe"][prof] < 0), HOME, ctx)
    ctx = np.where((ctx == VPN) & (P["vpn"][prof] < 0), HOME, ctx)
    ctx = np.where((ctx == DCPROXY) & (P["dcpool"][prof] < 0), RESI, ctx)
    ctx = np.where((ctx == CLOUD) & (P["cloud_ip"][prof] < 0) & (P["cloud_pool"][prof] < 0), HOME, ctx)
    rbits = rng.integers(0, 1 << 62, n, dtype=np.int64)
    ip = np.full(n, -1, np.int64)
    # home: dynamic address of the household
    m = ctx == HOME
    if m.any():
        hh = P["household"][prof[m]]
        hc = P["hh_country"][prof[m]]
        period = ((2 + hunit(hh, 1) * 55) * DAY).astype(np.int64)
        phase = (hunit(hh, 2) * period).astype(np.int64)
        ep = (ts[m] + phase) // period
        v6 = hunit(hh, 3) < V6_HOME[hc]
        ip[m] = np.where(v6, I.v6_key(hc, hsh(hh, ts[m] // DAY, 5)), I.resi_ip(hc, hsh(hh, ep, 4)))
    m = ctx == MOBILE
    if m.any():
        p = prof[m]
        v6 = P["mob_v6"][p]
        ip[m] = np.where(
            v6,
            I.v6_key(P["country"][p], hsh(p, ts[m] // (6 * HOUR), 6)),
            I.carrier_ip(P["carrier"][p], hsh(p, ts[m] // (2 * HOUR), rbits[m] % 3)),
        )
    m = ctx == OFFICE
    if m.any():
        ip[m] = W.office_ips[P["office"][prof[m]], (hsh(ts[m] // DAY) % np.uint64(2)).astype(np.int64)]
    m = ctx == VPN
    if m.any():
        ip[m] = I.vpn_ips[P["vpn"][prof[m]], rbits[m] % 70]
    m = ctx == CAFE
    if m.any():
        ip[m] = W.cafe_ips[P["cafe"][prof[m]]]
    m = ctx == TRAVEL
    if m.any():
        k = m.sum()
        hot = rbits[m] % 2 == 0
        ip[m] = np.where(
            hot, I.hotel_ips[rbits[m] % len(I.hotel_ips)], I.resi_ip(rbits[m] % len(COUNTRIES), hsh(rbits[m]))
        )
    m = ctx == CLOUD
    if m.any():
        p = prof[m]
        pool = P["cloud_pool"][p]
        alt = (rbits[m] % 5 == 0) & (P["cloud_ip2"][p] >= 0)
        fixed = np.where(alt, P["cloud_ip2"][p], P["cloud_ip"][p])
        pooled = np.zeros(m.sum(), np.int64)
        for q in np.unique(pool[pool >= 0]):
            mm = pool == q
            arr = I.bot_platform_ips[q]
            pooled[mm] = arr[rbits[m][mm] % len(arr)]
        ip[m] = np.where(pool >= 0, pooled, fixed)
    m = ctx == RESI
    if m.any():
        p = prof[m]
        sticky = (P["sticky_h"][p] * HOUR).astype(np.int64)
        ip[m] = I.resi_ip(P["proxy_country"][p], hsh(p, ts[m] // np.maximum(sticky, 1), 77))
    m = ctx == DCPROXY
    if m.any():
        p = prof[m]
        pool = P["dcpool"][p]
        vals = np.zeros(m.sum(), np.int64)
        for q in np.unique(pool):
            mm = pool == q
            arr = W.dc_pools[q]
            vals[mm] = arr[rbits[m][mm] % len(arr)]
        ip[m] = vals
    # ---- device
    r = rng.random(n)
    has_desk = P["dev_desk"][prof] >= 0
    use_desk = (r < P["p_desk"][prof]) & has_desk
    use_tab = (~use_desk) & (r < P["p_desk"][prof] + P["p_tab"][prof]) & (P["dev_tab"][prof] >= 0) & (ctx == HOME)
    kind = np.where(use_desk, 0, np.where(use_tab, 2, 1))  # 0 desk, 1 phone, 2 tablet, 3 work, 4 cafe, 5 none
    kind = np.where(ctx == MOBILE, 1, kind)
    kind = np.where((ctx == OFFICE) & (rng.random(n) < 0.7) & (P["dev_work"][prof] >= 0), 3, kind)
    kind = np.where(ctx == CAFE, 4, kind)
    kind = np.where(ctx == CLOUD, 5, kind)
    kind = np.where((kind == 1) & (P["dev_phone"][prof] < 0), np.where(has_desk, 0, 5), kind)
    dev = np.full(n, -1, np.int64)
    plat = np.zeros(n, np.int64)
    m = kind == 0
    p = prof[m]
    T = (P["desk_T"][p] * DAY).astype(np.int64)
    ep = np.where(T > 0, (ts[m] + hkey(p, 11) % np.maximum(T, 1)) // np.maximum(T, 1), 0)
    dk = np.where(T > 0, hkey(P["dev_desk"][p], ep), P["dev_desk"][p])
    dev[m] = np.where(P["fresh_desk"][p], hkey(rbits[m], 13), dk)
    plat[m] = P["plat_desk"][p]
    m = kind == 1
    p = prof[m]
    T = (P["phone_T"][p] * DAY).astype(np.int64)
    ep = np.where(T > 0, (ts[m] + hkey(p, 12) % np.maximum(T, 1)) // np.maximum(T, 1), 0)
    pk = np.where(T > 0, hkey(P["dev_phone"][p], ep), P["dev_phone"][p])
    dev[m] = np.where(P["fresh_phone"][p], hkey(rbits[m], 14), pk)
    plat[m] = P["plat_phone"][p]
    m = kind == 2
    dev[m] = P["dev_tab"][prof[m]]
    plat[m] = P["plat_tab"][prof[m]]
    m = kind == 3
    dev[m] = P["dev_work"][prof[m]]
    plat[m] = P["plat_work"][prof[m]]
    m = kind == 4
    cafe = P["cafe"][prof[m]]
    pc = rbits[m] % W.cafe_npc[cafe]
    dev[m] = hkey(9400, W.seed, cafe, pc)
    plat[m] = np.where(hsh(cafe, pc) % np.uint64(3) == 0, P_WIN_EDGE, P_WIN_CHROME)
    m = kind == 5
    plat[m] = P["plat_api"][prof[m]]
    rnd = P["ua_rand"][prof] & (kind == 0)
    plat = np.where(rnd, DESK_PLATS[rbits % 5], plat)
    lag = np.where(rnd, rbits % 3, P["ua_lag"][prof])
    ua = ua_key(plat, P["model"][prof], ua_version(ts, lag))
    # realistic gaps: blocked fingerprint scripts, unlogged addresses and agents
    dev = np.where(rng.random(n) < P["dev_null"][prof], -1, dev)
    ip = np.where(rng.random(n) < 0.006, -1, ip)
    ua = np.where(rng.random(n) < 0.015, -1, ua)
    return ip, dev, ua, ctx

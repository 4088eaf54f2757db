"""Abuse operations. Each operation is a small business with its own infrastructure, habits and skill;
most hide some of their coordination, few hide all of it."""

from __future__ import annotations

import numpy as np

from . import _campaigns as C
from ._honest import background, emails, money_habits, registration, roundish, timer_logins
from ._world import (
    AIDX,
    AIRSYM,
    CHEAP,
    CIDX,
    COUNTRIES,
    CW,
    DAY,
    DISPOSABLE,
    HOUR,
    MIN,
    SYM_W,
    SYMBOLS,
    THIN,
    TZ,
    custom_domains,
)

PATTERNS = {
    "phone_rack_signup_farm": 115,
    "referral_ring": 115,
    "multi_account_bonus_hunter": 60,
    "airdrop_funder_collector_farm": 88,
    "airdrop_hotwallet_memo_farm": 58,
    "scripted_login_bots": 52,
    "competition_wash_ring": 46,
    "p2p_merchant_funded_farm": 56,
    "aged_account_farm": 48,
}
RETIRED = 90
SEA = [CIDX[c] for c in ["VN", "ID", "PH", "IN", "TH"]]


def farm_account_total(users: int) -> int:
    s = users / 30000
    return int(sum(max(2 * 4, round(v * s)) for v in PATTERNS.values()) * 1.12 + RETIRED * s + 40 * s)


def op_sizes(rng, total, lo, hi, alpha, big=None):
    """Heavy-tailed operation sizes; `big` = (lo, hi) of one large operation if the total allows."""
    sizes = []
    if big is not None and total >= 2 * big[0]:
        sizes.append(int(rng.integers(big[0], min(big[1], total // 2) + 1)))
    while sum(sizes) < total:
        sizes.append(int(min(hi, lo + np.floor(rng.pareto(alpha) * lo * 0.8))))
    over = sum(sizes) - total
    if over and sizes[-1] - over >= 2:
        sizes[-1] -= over
    return sizes


class Farms:
    def __init__(self, W):
        self.W = W
        self.rng = W.child("abuse")
        self.op = 0
        self.plans = []
        self.s = W.size / 30000
        W.obvious = set()
        W.farm_bal = np.zeros(W.U.cap)
        W.op_pattern = {}

    # ------------------------------------------------------------------ building blocks
    def total(self, pattern):
        return max(8, round(PATTERNS[pattern] * self.s))

    def new_op(self, pattern, skill):
        self.op += 1
        self.W.op_pattern[self.op] = (pattern, skill)
        return self.op

    def accounts(self, op, reg, country, kyc, email):
        W, U, A, rng = self.W, self.W.U, self.W.A, self.rng
        n = len(reg)
        u = U.add(n)
        a = A.add(n)
        U.actor[u] = a
        U.reg[u] = reg
        U.country[u] = country
        U.kyc[u] = kyc
        U.email[u] = email
        U.farm[u] = True
        U.op[u] = op
        money_habits(W, u, rng)
        U.wealth[u] = rng.lognormal(np.log(60), 0.6, n)
        U.claim_delay[u] = rng.uniform(5, 60, n)
        A.country[a] = country
        A.tz[a] = TZ[country]
        A.dev_null_p[a] = rng.uniform(0.02, 0.1, n)
        A.home0[a] = W.home_ips(np.full(n, country), rng)
        A.home1[a] = A.home0[a]
        return u, a

    def email(self, style, n):
        rng = self.rng
        if style == "free":
            return emails(rng, n)
        if style == "catchall":
            doms = custom_domains(rng, int(rng.integers(1, 3)))
            e = doms[rng.integers(0, len(doms), n)]
        elif style == "disposable":
            e = np.array(DISPOSABLE, dtype=object)[rng.integers(0, len(DISPOSABLE), n)]
        else:
            raise ValueError(style)
        e = e.astype(object)
        e[rng.random(n) < 0.14] = None
        return e

    def net(self, a, style, country, carriers=None):
        W, A, rng = self.W, self.W.A, self.rng
        n = len(a)
        A.pch[a] = 0
        if style in ("mobile_proxy",):
            car = W.pick_carrier(np.full(n, country), rng) if carriers is None else rng.choice(carriers, n)
            A.carrier[a] = car
            v6n = np.where(rng.random(n) < 0.7, rng.integers(1, 3, n), 0)
            A.v6_n[a] = v6n
            A.v6_base[a] = W.new_v6(car, v6n, rng)
            v6 = np.where(v6n > 0, W.car_v6[car], 0)
            A.pch[a, 0] = 1 - v6
            A.pch[a, 1] = v6
        elif style == "resi_sticky":
            A.pch[a, 2] = 1
        elif style == "resi_rotating":
            A.pch[a, 6] = 1
        elif style == "dc_proxy":
            ips = W.cloud_ips(int(rng.integers(max(3, n // 3), max(4, n + 2))), int(rng.integers(1, 4)), rng)
            A.cloud_base[a] = ips[0]
            A.cloud_n[a] = len(ips)
            A.pch[a, 5] = 1
        elif style == "home":
            A.home0[a] = A.home0[a[0]]
            A.home1[a] = A.home0[a[0]]
            car = W.pick_carrier(np.array([country]), rng)[0]
            A.carrier[a] = car
            A.pch[a, 2] = 0.75
            A.pch[a, 0] = 0.25
        elif style == "vpn":
            A.home0[a] = A.home0[a[0]]
            A.home1[a] = A.home0[a[0]]
            A.pch[a, 4] = 0.92
            A.pch[a, 2] = 0.08
        else:
            raise ValueError(style)

    def devices(self, a, style, k=None):
        W, A, rng = self.W, self.W.A, self.rng
        n = len(a)
        A.dev[a] = -1
        A.devw[a] = 0
        A.devw[a, 0] = 1
        if style == "antidetect_acct":
            A.dev[a, 0] = W.new_devices(n, "antidetect", rng)
        elif style == "antidetect_session":
            A.dev[a, 0] = W.new_devices(n, "antidetect", rng)
            A.dev_mode[a] = 1
            A.fresh_style[a] = rng.choice([0, 1], p=[0.7, 0.3])
        elif style == "emulator":
            m = max(1, int(np.ceil(n / rng.integers(4, 9))))
            d = W.new_devices(m, "emulator", rng)
            A.dev[a, 0] = d[rng.integers(0, m, n)]
        elif style == "one_laptop":
            A.dev[a, 0] = W.new_devices(1, "desktop", rng)[0]
            if rng.random() < 0.5:
                A.dev[a, 1] = W.new_devices(1, "android", rng, collide_p=0.1)[0]
                A.devw[a, 1] = 0.25
        elif style == "own_phones":
            A.dev[a, 0] = W.new_devices(1, "android" if rng.random() < 0.7 else "ios", rng, collide_p=0.1)[0]
            A.dev[a, 1] = W.new_devices(1, "desktop", rng)[0]
            A.devw[a, 1] = 0.3
        elif style == "api":
            A.dev[a, 0] = W.new_devices(1, "api", rng, has_id=False)[0]
            A.dev_null_p[a] = rng.uniform(0.02, 0.1, n)
        elif style == "rack":
            k = k or int(rng.integers(3, 7))
            m = int(np.ceil(n / k))
            model = int(rng.integers(0, CHEAP))
            d = W.new_devices(m, "android", rng, model=model, collide_p=0.3)
            A.dev[a, 0] = d[np.arange(n) % m]
            return np.arange(n) % m
        else:
            raise ValueError(style)

    def rack_sims(self, a, phone_of, country):
        """Accounts on one rack phone share its SIM: same carrier, same IPv6 addresses."""
        W, A, rng = self.W, self.W.A, self.rng
        m = phone_of.max() + 1
        cars = W.pick_carrier(np.full(int(rng.integers(1, 3)), country), rng)
        pc = cars[rng.integers(0, len(cars), m)]
        v6n = np.where(W.car_v6[pc] > 0.15, 2, 0)
        base = W.new_v6(pc, v6n, rng)
        A.carrier[a] = pc[phone_of]
        A.v6_n[a] = v6n[phone_of]
        A.v6_base[a] = base[phone_of]
        v6 = np.where(v6n[phone_of] > 0, W.car_v6[pc[phone_of]], 0)
        A.pch[a] = 0
        A.pch[a, 0] = 0.93 * (1 - v6)
        A.pch[a, 1] = 0.93 * v6
        A.pch[a, 2] = 0.07
        A.home0[a] = A.home0[a[0]]
        A.home1[a] = A.home0[a[0]]

    def seq(self, T0, n, skill, spread=None):
        """Action times of an operation: scripts seconds apart, people minutes, careful ops days."""
        rng = self.rng
        if skill == "sloppy":
            return T0 + np.cumsum(rng.uniform(3, 45, n))
        if skill == "medium":
            return T0 + np.cumsum(rng.exponential(4 * MIN, n) + 20)
        spread = spread or 4 * DAY
        return T0 + rng.random(n) * spread

    def lead(self, skill):
        return {"sloppy": (2, 25), "medium": (20, 600), "careful": (60, 2400)}[skill]

    def sess(self, u, t, skill):
        lo, hi = self.lead(skill)
        self.W.session(u, t, self.rng, lo, hi)

    def register(self, u):
        registration(self.W, u, self.rng)

    def master_account(self, op, country, reg, skill, fund_total):
        """An operation's bank account: older, funded in bulk from another exchange."""
        W, rng = self.W, self.rng
        mu, ma = self.accounts(op, np.array([reg]), country, np.array([1], np.int8), self.email("free", 1))
        W.ordinary_profiles(ma, np.array([country]), rng)
        self.register(mu)
        background(
            W,
            mu,
            ma,
            np.array([max(reg, W.ds)]),
            np.array([W.sched.start(C.REF) - 10 * DAY]),
            np.array([0.08]),
            np.array([0.3]),
            np.array([0.01]),
            np.array([0.006]),
            rng,
            src=0,
        )
        return mu[0]

    def fund_master(self, master, t, amount):
        W, rng = self.W, self.rng
        k = max(1, int(np.ceil(amount / rng.uniform(400, 1500))))
        tt = t - rng.uniform(2 * HOUR, 3 * DAY, k)
        tt = np.maximum(tt, W.U.reg[master] + HOUR)
        W.session(np.full(k, master), tt, rng)
        W.fund(np.full(k, master), tt, np.round(np.full(k, amount / k) * rng.uniform(1, 1.1, k), 2), 1, rng)

    def funding(self, op, u, t, amt, how, skill, master=-1):
        """Put money into each account the operation's way. Returns nothing; tracks balances."""
        W, rng = self.W, self.rng
        U = W.U
        n = len(u)
        self.sess(u, t, skill)
        if how == "funder":
            code = W.code(6, op * 8, 1)
            W.fund(u, t, amt, 5, rng, asset=AIDX["USDT"], src=code)
        elif how == "hot":
            W.fund(u, t, amt, 1, rng, asset=np.where(rng.random(n) < 0.8, AIDX["USDT"], AIDX["TRX"]))
        elif how == "p2p":
            W.fund(u, t, amt, 2, rng)
        elif how == "p2p_ext":
            W.fund(u, t, amt, 7, rng)
        elif how == "master":
            self.fund_master(master, t.min(), float(np.sum(amt)) * 1.05)
            W.fund(u, t, amt, 6, rng, src=master)
        elif how == "chain":
            # first account is funded from another exchange, then each pays the next
            W.fund(u[:1], t[:1], np.round(amt.sum() * 1.02, 2), 1, rng, asset=AIDX["USDT"])
            rem = amt.sum() * 1.02 - amt[0]
            for i in range(1, n):
                W.fund(u[i : i + 1], t[i : i + 1] + 1, np.round(rem, 2), 6, rng, src=u[i - 1])
                rem -= amt[i]
        elif how == "own_wallet":
            code = W.code(0, u[0], 1)
            W.fund(u, t, amt, 5, rng, asset=AIDX["USDT"], src=code)
        elif how == "fiat":
            W.fund(u, t, amt, 4, rng)
        else:
            raise ValueError(how)
        W.farm_bal[u] += amt

    def trade_min(self, u, t, sym, notional, skill):
        W, rng = self.W, self.rng
        n = len(u)
        self.sess(u, t, "sloppy" if skill == "sloppy" else "medium")
        cp = np.where(rng.random(n) < 0.35, W.mm_users[rng.integers(0, len(W.mm_users), n)], -1)
        W.trade(u, t, sym, 0, np.round(notional, 2), cp)
        W.farm_bal[u] -= notional * 0.001

    def enroll(self, camp, u, t, skill, pattern, referrer=None):
        self.sess(u, t, skill)
        self.W.enroll(camp, u, t, referrer)
        self.W.label(camp, u, pattern)

    def plan(self, op, u, skill, out, master=-1, after=None):
        self.plans.append(dict(op=op, u=np.asarray(u), skill=skill, out=out, master=master, after=after))

    def amount_near(self, base, n, skill, hi=0.12):
        rng = self.rng
        if skill == "sloppy":
            v = base * (1 + (rng.random() < 0.5) * rng.choice([0, 0.05, 0.1]))
            return np.full(n, round(v, 2))
        if skill == "medium":
            return np.round(base * (1 + rng.uniform(0, hi, n)), 2)
        return np.round(base * (1 + rng.uniform(0.02, hi * 4, n)), 2)

    def skill(self, p=(0.3, 0.5, 0.2)):
        return str(self.rng.choice(["sloppy", "medium", "careful"], p=list(p)))

    # ------------------------------------------------------------------ patterns
    def phone_rack_signup_farm(self):
        pat = "phone_rack_signup_farm"
        W, rng, S = self.W, self.rng, self.W.sched
        R = S.region
        for n in op_sizes(rng, self.total(pat), 3, 60, 1.1, big=(40, 70)):
            sk = self.skill()
            op = self.new_op(pat, sk)
            country = R if rng.random() < 0.6 else int(rng.choice([CIDX["VN"], CIDX["ID"], CIDX["PH"], CIDX["IN"]]))
            if country == R:
                w0, w1 = max(S.start(C.NU), S.start(C.NUR)), min(S.end(C.NU), S.end(C.NUR))
            else:
                w0, w1 = S.start(C.NU), S.end(C.NU)
            T0 = w0 + rng.uniform(0.1, max(0.2, (w1 - w0) / DAY - 4)) * DAY
            if sk == "sloppy":
                reg = T0 + np.sort(rng.uniform(0, 2.5 * HOUR, n))
            elif sk == "medium":
                nb = int(np.ceil(n / 8))
                bs = T0 + np.sort(rng.uniform(0, 4 * DAY, nb))
                reg = np.sort(bs[np.arange(n) % nb] + rng.uniform(0, HOUR, n))
            else:
                reg = w0 + np.sort(rng.random(n)) * max(DAY, w1 - w0 - 6 * DAY)
            reg = np.minimum(reg, w1 - 600)
            style = "free" if rng.random() < 0.75 else "catchall"
            kyc = np.where(rng.random(n) < 0.93, 1, 0).astype(np.int8)
            u, a = self.accounts(op, reg, country, kyc, self.email(style, n))
            phone_of = self.devices(a, "rack")
            self.rack_sims(a, phone_of, country)
            self.register(u)
            ed = np.zeros(n, int)
            if country == R:
                ed = rng.choice(3, n, p=[0.3, 0.35, 0.35])
            et = (
                reg
                + {
                    "sloppy": rng.uniform(20, 120, n),
                    "medium": rng.uniform(60, 900, n),
                    "careful": rng.exponential(3 * HOUR, n),
                }[sk]
            )
            for c, m in ((C.NU, ed != 1), (C.NUR, ed >= 1)):
                self.enroll(c, u[m], np.minimum(et[m], S.end(c) - 60), sk, pat)
            how = str(rng.choice(["p2p", "hot", "funder", "master", "fiat"], p=[0.3, 0.2, 0.2, 0.12, 0.18]))
            if how == "p2p":
                mer = W.merchants[np.isin(W.U.country[W.merchants], [country])]
                mer = mer if len(mer) else W.merchants
                W.U.merchant[u] = rng.choice(mer, min(2, len(mer)), replace=False)[rng.integers(0, min(2, len(mer)), n)]
            if how == "hot":
                W.U.hx[u] = rng.integers(0, W.n_exch)
            master = (
                self.master_account(op, country, W.ds + rng.random() * (reg.min() - W.ds - 30 * DAY), sk, 0)
                if how == "master"
                else -1
            )
            amt = self.amount_near(C.NU_MIN_DEP, n, sk)
            if how == "p2p":
                amt = roundish(rng, amt, 0.6)
            dt = (
                et
                + {
                    "sloppy": rng.uniform(60, 600, n),
                    "medium": rng.uniform(600, 3 * HOUR, n),
                    "careful": rng.exponential(1.5 * DAY, n),
                }[sk]
            )
            if sk != "careful":
                o = np.argsort(dt)
                dt[o] = self.seq(dt.min(), n, sk)
            dt = np.minimum(dt, reg + 5 * DAY)
            self.funding(op, u, dt, amt, how, sk, master)
            tt = (
                dt
                + {
                    "sloppy": rng.uniform(20, 300, n),
                    "medium": rng.uniform(300, 3600, n),
                    "careful": rng.exponential(6 * HOUR, n),
                }[sk]
            )
            tt = np.minimum(tt, reg + 6.5 * DAY)
            self.trade_min(u, tt, 0, np.minimum(amt, self.amount_near(C.NU_MIN_TRADE, n, sk)), sk)
            out = str(
                rng.choice(["collector", "few", "memo", "p2p", "master", "fiat"], p=[0.25, 0.12, 0.15, 0.13, 0.15, 0.2])
            )
            if how == "p2p" and rng.random() < 0.5:
                out = "p2p"
            if out == "master" and master < 0:
                out = "collector"
            if out == "p2p" and how != "p2p":
                W.U.merchant[u] = rng.choice(W.merchants)
            self.plan(op, u, sk, out, master)
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def referral_ring(self):
        pat = "referral_ring"
        W, rng, S = self.W, self.rng, self.W.sched
        t0, t1 = S.start(C.REF), S.end(C.REF)
        for n in op_sizes(rng, self.total(pat), 4, 70, 1.0, big=(30, 55)):
            sk = self.skill((0.25, 0.5, 0.25))
            op = self.new_op(pat, sk)
            country = int(rng.choice(SEA))
            # the operator's own, real, older account is the master
            mreg = W.ds - rng.uniform(0, 500) * DAY if rng.random() < 0.5 else W.ds + rng.uniform(0, 0.6) * (t0 - W.ds)
            mu, ma = self.accounts(op, np.array([mreg]), country, np.array([2], np.int8), self.email("free", 1))
            W.ordinary_profiles(ma, np.array([country]), rng)
            W.U.wealth[mu] = rng.uniform(200, 2000)
            self.register(mu)
            background(
                W,
                mu,
                ma,
                np.array([max(mreg, W.ds)]),
                np.array([W.de]),
                np.array([rng.uniform(0.2, 0.8)]),
                np.array([0.4]),
                np.array([0.01]),
                np.array([0.008]),
                rng,
            )
            master = mu[0]
            m_enr = t0 + rng.uniform(0, 2) * DAY
            W.session(mu, np.array([m_enr]), rng)
            W.enroll(C.REF, mu, np.array([m_enr]))
            W.label(C.REF, mu, pat)
            # referees
            lo = m_enr + HOUR
            if sk == "sloppy":
                nb = max(1, n // 10)
                bs = lo + rng.uniform(0, (t1 - lo) * 0.8, nb)
                bs = np.floor(bs / DAY) * DAY + (22 - TZ[country]) * HOUR + rng.uniform(0, 2 * HOUR, nb)
                reg = np.sort(np.clip(bs[np.arange(n) % nb] + rng.uniform(0, HOUR, n), lo, t1 - HOUR))
            elif sk == "medium":
                nb = max(2, n // 5)
                bs = lo + rng.uniform(0, (t1 - lo) * 0.85, nb)
                reg = np.sort(np.clip(bs[np.arange(n) % nb] + rng.exponential(3 * HOUR, n), lo, t1 - HOUR))
            else:
                reg = np.sort(lo + rng.random(n) * (t1 - lo - DAY))
            netst = str(
                rng.choice(
                    ["resi_sticky", "resi_rotating", "mobile_proxy", "home"],
                    p=[0.2, 0.15, 0.25, 0.4] if sk == "sloppy" else [0.4, 0.25, 0.3, 0.05],
                )
            )
            devst = str(
                rng.choice(
                    ["antidetect_acct", "emulator", "antidetect_session", "one_laptop"],
                    p=[0.2, 0.3, 0.1, 0.4] if sk == "sloppy" else [0.4, 0.3, 0.25, 0.05],
                )
            )
            style = str(rng.choice(["catchall", "free", "disposable"], p=[0.4, 0.5, 0.1]))
            u, a = self.accounts(
                op, reg, country, np.where(rng.random(n) < 0.95, 1, 0).astype(np.int8), self.email(style, n)
            )
            self.net(a, netst, country)
            self.devices(a, devst)
            self.register(u)
            # big rings use sub-masters: the first few referees recruit the rest
            ref = np.full(n, master)
            if n > 25:
                k = int(rng.integers(2, 5))
                ref[k:] = u[rng.integers(0, k, n - k)]
            W.U.referrer[u] = ref
            et = reg + rng.uniform(5, 200, n)
            self.enroll(C.REF, u, et, sk, pat, referrer=ref)
            innu = (reg >= S.start(C.NU)) & (reg <= S.end(C.NU)) & (rng.random(n) < 0.3)
            if innu.any():
                self.enroll(C.NU, u[innu], et[innu] + rng.uniform(30, 900, int(innu.sum())), sk, pat)
            how = str(rng.choice(["master", "chain", "hot", "p2p", "fiat"], p=[0.4, 0.15, 0.2, 0.13, 0.12]))
            if how == "p2p":
                W.U.merchant[u] = rng.choice(W.merchants)
            if how == "hot":
                W.U.hx[u] = rng.integers(0, W.n_exch)
            amt = self.amount_near(C.REF_MIN_DEP, n, sk, 0.1)
            dt = (
                et
                + {
                    "sloppy": rng.uniform(60, 900, n),
                    "medium": rng.uniform(600, 6 * HOUR, n),
                    "careful": rng.exponential(2 * DAY, n),
                }[sk]
            )
            dt = np.minimum(dt, reg + 10 * DAY)
            if how == "chain":
                o = np.argsort(dt)
                u_o, dt_o, amt_o = u[o], dt[o], amt[o]
                self.funding(op, u_o, dt_o, amt_o, how, sk)
            else:
                self.funding(op, u, dt, amt, how, sk, master)
            tt = (
                dt
                + {
                    "sloppy": rng.uniform(30, 600, n),
                    "medium": rng.uniform(300, 3 * HOUR, n),
                    "careful": rng.exponential(8 * HOUR, n),
                }[sk]
            )
            tt = np.minimum(tt, reg + 13 * DAY)
            sym = rng.choice(len(SYMBOLS), n, p=SYM_W)
            self.trade_min(u, tt, sym, np.minimum(amt, self.amount_near(C.REF_MIN_TRADE, n, sk, 0.15)), sk)
            out = str(rng.choice(["master", "collector", "leave", "fiat", "chain"], p=[0.4, 0.2, 0.15, 0.13, 0.12]))
            self.plan(op, u, sk, out, master)
            self.plan(op, mu, "careful", "own")
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def multi_account_bonus_hunter(self):
        pat = "multi_account_bonus_hunter"
        W, rng, S = self.W, self.rng, self.W.sched
        A = W.A
        t0, t1 = S.start(C.DB), S.end(C.DB)
        tot, sizes = self.total(pat), []
        while sum(sizes) < tot:
            sizes.append(int(rng.choice([2, 3, 4, 5, 6], p=[0.3, 0.3, 0.2, 0.12, 0.08])))
        for n in sizes:
            sk = self.skill((0.35, 0.55, 0.1))
            op = self.new_op(pat, sk)
            country = int(rng.choice(len(COUNTRIES), p=CW))
            aged = rng.random(n) < 0.5
            reg = np.where(aged, W.ds + rng.random(n) * (t0 - W.ds - 30 * DAY), t0 - rng.uniform(1, 25, n) * DAY)
            u, a = self.accounts(
                op, reg, country, rng.choice([1, 2], n, p=[0.7, 0.3]).astype(np.int8), self.email("free", n)
            )
            # one person: every account lives on the hunter's own phone and home line
            W.ordinary_profiles(a[:1], np.array([country]), rng)
            for f in ("carrier", "v6_base", "v6_n", "home0", "home1", "home_sw", "tz"):
                getattr(A, f)[a] = getattr(A, f)[a[0]]
            A.pch[a] = A.pch[a[0]]
            A.dev[a] = A.dev[a[0]]
            A.devw[a] = A.devw[a[0]]
            if rng.random() < 0.4:  # separate browser profiles for each account
                A.dev[a, 1] = W.new_devices(n, "desktop", rng)
                A.devw[a, 1] = 2.0
            self.register(u)
            au = u[aged]
            if len(au):
                background(
                    W,
                    au,
                    a[aged],
                    np.maximum(reg[aged], W.ds),
                    np.full(len(au), t0 - DAY),
                    np.full(len(au), 0.03),
                    np.full(len(au), 0.3),
                    np.full(len(au), 0.005),
                    np.full(len(au), 0.003),
                    rng,
                )
            T = t0 + rng.uniform(0.2, 8) * DAY
            et = self.seq(T, n, sk, 2 * DAY)
            self.enroll(C.DB, u, et, sk, pat)
            how = str(rng.choice(["own_wallet", "hot", "fiat"], p=[0.5, 0.3, 0.2]))
            W.U.hx[u] = W.U.hx[u[0]]
            capm = rng.random() < 0.6
            base = C.DB_CAP / C.DB_RATE if capm else C.DB_MIN
            amt = self.amount_near(base, n, sk, 0.05)
            if how == "fiat":
                amt = roundish(rng, amt, 0.8)
                amt = np.maximum(amt, base)
            dt = (
                et
                + {
                    "sloppy": rng.uniform(30, 300, n),
                    "medium": rng.uniform(120, 1800, n),
                    "careful": rng.exponential(12 * HOUR, n),
                }[sk]
            )
            dt = np.minimum(dt, t1 - 600)
            self.funding(op, u, dt, amt, how, sk)
            ad = rng.random(n) < 0.4
            if ad.any():
                at = S.start(C.AD) + rng.uniform(0.1, 5) * DAY + np.arange(int(ad.sum())) * rng.uniform(60, 900)
                self.enroll(C.AD, u[ad], at, sk, pat)
                self.trade_min(
                    u[ad],
                    at + rng.uniform(60, 1200, int(ad.sum())),
                    AIRSYM,
                    self.amount_near(C.AD_MIN_TRADE, int(ad.sum()), sk, 0.2),
                    sk,
                )
                W.U.claim_delay[u[ad]] = rng.uniform(60, 3600, int(ad.sum()))
            out = str(rng.choice(["hunter_wallet", "memo", "master"], p=[0.6, 0.2, 0.2]))
            W.U.mx[u] = W.U.mx[u[0]]
            self.plan(op, u, sk, out, u[0] if out == "master" else -1)
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def airdrop_funder_collector_farm(self):
        pat = "airdrop_funder_collector_farm"
        W, rng, S = self.W, self.rng, self.W.sched
        t0, t1 = S.start(C.AD), S.end(C.AD)
        for n in op_sizes(rng, self.total(pat), 6, 80, 1.2, big=(30, 55)):
            sk = self.skill((0.4, 0.45, 0.15))
            op = self.new_op(pat, sk)
            country = int(rng.choice(SEA))
            T0 = t0 - rng.uniform(10, 60) * DAY
            if sk == "sloppy":
                reg = T0 + np.cumsum(rng.uniform(20, 90, n))
            else:
                reg = T0 + np.sort(rng.uniform(0, 5 * DAY, n))
            style = str(rng.choice(["catchall", "disposable", "free"], p=[0.6, 0.2, 0.2]))
            u, a = self.accounts(
                op, reg, country, np.where(rng.random(n) < 0.7, 0, 1).astype(np.int8), self.email(style, n)
            )
            self.net(a, "dc_proxy" if rng.random() < 0.6 else "resi_rotating", country)
            self.devices(a, "antidetect_acct" if rng.random() < 0.5 else "emulator")
            self.register(u)
            k = rng.integers(1, 4, n)
            i = np.repeat(np.arange(n), k)
            W.logins(u[i], a[i], reg[i] + rng.random(len(i)) * (t0 - reg[i]), rng, src=1)
            base = rng.uniform(14, 18)
            amt = np.round(base * (1 + rng.normal(0, 0.01, n)), 2)
            T = t0 + rng.uniform(0, 2) * DAY
            ft = self.seq(T, n, "sloppy" if sk != "careful" else "careful", 3 * DAY) + (
                rng.uniform(0, 60, n) if sk == "medium" else 0
            )
            self.funding(op, u, ft, amt, "funder", sk)
            et = ft + rng.uniform(10, 120, n)
            self.enroll(C.AD, u, et, sk, pat)
            self.trade_min(u, et + rng.uniform(5, 60, n), AIRSYM, self.amount_near(C.AD_MIN_TRADE, n, sk, 0.2), sk)
            W.U.claim_delay[u] = rng.uniform(3, 40, n)
            self.plan(op, u, sk, "collector")
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def airdrop_hotwallet_memo_farm(self):
        pat = "airdrop_hotwallet_memo_farm"
        W, rng, S = self.W, self.rng, self.W.sched
        t0, t1 = S.start(C.AD), S.end(C.AD)
        for n in op_sizes(rng, self.total(pat), 4, 25, 1.1):
            sk = "careful"
            op = self.new_op(pat, sk)
            country = int(rng.choice(SEA))
            aged = rng.random(n) < 0.5
            reg = np.where(aged, t0 - rng.uniform(30, 150, n) * DAY, t0 - rng.uniform(0, 21, n) * DAY)
            u, a = self.accounts(
                op, reg, country, np.where(rng.random(n) < 0.5, 0, 1).astype(np.int8), self.email("free", n)
            )
            self.net(a, "resi_rotating" if rng.random() < 0.5 else "mobile_proxy", country)
            self.devices(a, "antidetect_session" if rng.random() < 0.6 else "antidetect_acct")
            self.register(u)
            k = rng.integers(3, 11, n)
            i = np.repeat(np.arange(n), k)
            W.logins(u[i], a[i], W.diurnal(reg[i] + 600, np.full(len(i), W.de - 600), W.A.tz[a[i]], rng), rng, src=1)
            W.U.hx[u] = rng.integers(0, W.n_exch)
            W.U.mx[u] = rng.integers(0, W.n_memo_exch)
            amt = np.round(rng.uniform(12, 30, n), 2)
            ft = W.diurnal(np.maximum(t0 - 3 * DAY, reg + HOUR), np.full(n, t1 - 2 * DAY), W.A.tz[a], rng)
            self.funding(op, u, ft, amt, "hot", sk)
            et = np.minimum(ft + rng.uniform(HOUR, 2 * DAY, n), t1 - DAY)
            et = np.maximum(et, t0 + rng.uniform(60, 3 * HOUR, n))
            self.enroll(C.AD, u, et, sk, pat)
            tt = np.minimum(et + rng.uniform(600, 18 * HOUR, n), t1 - 600)
            self.trade_min(u, tt, AIRSYM, np.round(rng.uniform(10.2, 20, n), 2), sk)
            W.U.claim_delay[u] = rng.uniform(HOUR, DAY, n)
            self.plan(op, u, sk, "memo")

    def scripted_login_bots(self):
        pat = "scripted_login_bots"
        W, rng, S = self.W, self.rng, self.W.sched
        t0, t1 = S.start(C.AD), S.end(C.AD)
        for n in op_sizes(rng, self.total(pat), 5, 30, 1.2):
            sk = self.skill((0.5, 0.4, 0.1))
            op = self.new_op(pat, sk)
            country = int(rng.choice(SEA))
            T0 = t0 - rng.uniform(20, 90) * DAY
            reg = T0 + np.cumsum(rng.uniform(5, 60, n)) if sk == "sloppy" else T0 + np.sort(rng.uniform(0, 3 * DAY, n))
            u, a = self.accounts(
                op,
                reg,
                country,
                np.where(rng.random(n) < 0.6, 0, 1).astype(np.int8),
                self.email(str(rng.choice(["catchall", "disposable", "free"])), n),
            )
            self.net(a, "dc_proxy", country)
            self.devices(a, "api" if rng.random() < 0.5 else "emulator")
            self.register(u)
            per = np.full(n, rng.uniform(15, 45) * MIN)
            ws = np.maximum(reg + DAY, t0 - rng.uniform(7, 20) * DAY)
            timer_logins(W, u, a, ws, np.full(n, W.de), per, per * 0.1, rng, src=2)
            how = "funder" if rng.random() < 0.5 else "master"
            master = (
                self.master_account(op, country, W.ds + rng.random() * (T0 - W.ds), sk, 0) if how == "master" else -1
            )
            amt = self.amount_near(rng.uniform(15, 25), n, sk)
            ft = self.seq(t0 + rng.uniform(0, 1) * DAY, n, sk, 2 * DAY)
            self.funding(op, u, ft, amt, how, sk, master)
            et = ft + rng.uniform(5, 30, n)
            self.enroll(C.AD, u, et, sk, pat)
            self.trade_min(u, et + rng.uniform(3, 30, n), AIRSYM, self.amount_near(C.AD_MIN_TRADE, n, sk, 0.1), sk)
            W.U.claim_delay[u] = rng.uniform(2, 20, n)
            tc = rng.random(n) < 0.5
            if tc.any():
                m = int(tc.sum())
                tt = self.seq(S.start(C.TC) + rng.uniform(0, 3) * DAY, m, sk, 5 * DAY)
                self.enroll(C.TC, u[tc], tt, sk, pat)
                self.funding(
                    op,
                    u[tc],
                    tt + 30,
                    np.round(np.full(m, rng.uniform(60, 90)), 2),
                    "funder" if how == "funder" else "master",
                    sk,
                    master,
                )
                for j in range(3):
                    tj = tt + 60 + j * rng.uniform(HOUR, DAY, m)
                    W.trade(
                        u[tc],
                        tj,
                        THIN,
                        j % 2,
                        np.round(rng.uniform(70, 95, m), 2),
                        W.mm_users[rng.integers(0, len(W.mm_users), m)],
                    )
            self.plan(op, u, sk, "collector" if how == "funder" else "master", master)
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def competition_wash_ring(self):
        pat = "competition_wash_ring"
        W, rng, S = self.W, self.rng, self.W.sched
        t0, t1 = S.start(C.TC), S.end(C.TC)
        trd = W.table("trades")
        hv = trd[(trd.sym == THIN)].groupby("user").notional.sum()
        top = float(hv.sort_values().iloc[-40:].median()) if len(hv) > 40 else 50000.0
        for n in op_sizes(rng, self.total(pat), 2, 12, 1.3):
            sk = self.skill((0.3, 0.45, 0.25))
            op = self.new_op(pat, sk)
            country = int(rng.choice(len(COUNTRIES), p=CW))
            aged = rng.random(n) < 0.4
            reg = np.where(aged, W.ds + rng.random(n) * (t0 - W.ds - 40 * DAY), t0 - rng.uniform(3, 25, n) * DAY)
            u, a = self.accounts(
                op,
                reg,
                country,
                rng.choice([1, 2], n, p=[0.6, 0.4]).astype(np.int8),
                self.email(str(rng.choice(["free", "catchall"], p=[0.7, 0.3])), n),
            )
            self.net(a, str(rng.choice(["vpn", "resi_sticky", "dc_proxy", "home"], p=[0.3, 0.3, 0.2, 0.2])), country)
            self.devices(a, str(rng.choice(["antidetect_acct", "one_laptop", "own_phones"], p=[0.5, 0.25, 0.25])))
            self.register(u)
            au = u[aged]
            if len(au):
                background(
                    W,
                    au,
                    a[aged],
                    np.maximum(reg[aged], W.ds),
                    np.full(len(au), t0 - 2 * DAY),
                    np.full(len(au), 0.05),
                    np.full(len(au), 0.5),
                    np.full(len(au), 0.006),
                    np.full(len(au), 0.004),
                    rng,
                )
            how = "hot" if rng.random() < 0.5 else "master"
            W.U.hx[u] = rng.integers(0, W.n_exch)
            master = (
                self.master_account(op, country, W.ds + rng.random() * (t0 - W.ds - 60 * DAY), sk, 0)
                if how == "master"
                else -1
            )
            amt = np.round(rng.uniform(800, 4000, n), 2)
            ft = t0 - rng.uniform(0.1, 2, n) * DAY
            self.funding(op, u, ft, amt, how, sk, master)
            et = self.seq(t0 + rng.uniform(0, 1) * DAY, n, sk, 2 * DAY)
            self.enroll(C.TC, u, et, sk, pat)
            # wash fills between accounts of the ring at the same moment and price
            vol = top * rng.uniform(0.4, 2.5) * n
            avg = rng.uniform(300, 1500)
            F = max(10 * n, int(vol / avg))
            ns = max(3, F // int(rng.integers(15, 60)))
            st = W.diurnal(np.full(ns, et.max() + 600), np.full(ns, t1 - 600), np.full(ns, TZ[country]), rng)
            s_of = rng.integers(0, ns, F)
            gap = 3 if sk == "sloppy" else (20 if sk == "medium" else 90)
            tt = np.minimum(st[s_of] + rng.exponential(gap, F) * (1 + np.arange(F) % 25), t1 - 1)
            i = np.arange(F) % n
            j = (i + 1 + (np.arange(F) // n) % max(1, n - 1)) % n
            j = np.where(j == i, (i + 1) % n, j)
            if sk == "sloppy":
                notional = np.full(F, round(avg, -1))
            else:
                notional = np.round(avg * rng.lognormal(0, 0.35 if sk == "medium" else 0.6, F), 2)
            side = ((np.arange(F) // n) % 2).astype(np.int8)
            W.trade(u[i], tt, THIN, side, notional, u[j])
            # some real fills against the book to look alive
            m = max(3, F // 10)
            ti = rng.integers(0, n, m)
            W.trade(
                u[ti],
                W.diurnal(np.full(m, t0), np.full(m, t1), np.full(m, TZ[country]), rng),
                THIN,
                rng.integers(0, 2, m),
                np.round(avg * rng.lognormal(-0.5, 0.5, m), 2),
                W.mm_users[rng.integers(0, len(W.mm_users), m)],
            )
            ns_l = np.unique(np.r_[s_of[:: max(1, F // (3 * n))]])
            for s in ns_l:
                self.sess(u, np.full(n, st[s]), sk)
            self.plan(op, u, sk, "collector" if how == "hot" else "master", master)
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def p2p_merchant_funded_farm(self):
        pat = "p2p_merchant_funded_farm"
        W, rng, S = self.W, self.rng, self.W.sched
        R = S.region
        mc = W.U.country[W.merchants]
        for n in op_sizes(rng, self.total(pat), 3, 40, 1.1):
            sk = self.skill((0.25, 0.55, 0.2))
            op = self.new_op(pat, sk)
            mer = rng.choice(W.merchants)
            country = int(W.U.country[mer])
            mers = W.merchants[mc == country]
            w0, w1 = S.start(C.NU), S.end(C.NU)
            if country == R:
                w0, w1 = max(w0, S.start(C.NUR)), min(w1, S.end(C.NUR))
            nb = max(1, n // 6)
            bs = w0 + rng.uniform(0.1, 0.8, nb) * (w1 - w0)
            reg = np.sort(
                np.minimum(bs[np.arange(n) % nb] + rng.exponential(2 * HOUR if sk != "careful" else DAY, n), w1 - 600)
            )
            u, a = self.accounts(
                op,
                reg,
                country,
                np.where(rng.random(n) < 0.95, 1, 0).astype(np.int8),
                self.email(str(rng.choice(["free", "catchall"], p=[0.7, 0.3])), n),
            )
            netst = str(rng.choice(["mobile_proxy", "rack", "resi_rotating"], p=[0.5, 0.2, 0.3]))
            if netst == "rack":
                phone_of = self.devices(a, "rack")
                self.rack_sims(a, phone_of, country)
            else:
                self.net(a, netst, country)
                self.devices(a, str(rng.choice(["emulator", "antidetect_acct"], p=[0.6, 0.4])))
            self.register(u)
            W.U.merchant[u] = rng.choice(mers, n) if len(mers) > 1 and rng.random() < 0.4 else mer
            ed = rng.choice(3, n, p=[0.3, 0.35, 0.35]) if country == R else np.zeros(n, int)
            et = reg + rng.uniform(30, 1800, n)
            for c, m in ((C.NU, ed != 1), (C.NUR, ed >= 1)):
                self.enroll(c, u[m], np.minimum(et[m], S.end(c) - 60), sk, pat)
            amt = roundish(rng, self.amount_near(C.NU_MIN_DEP, n, sk, 0.3), 0.7)
            dt = np.minimum(et + rng.uniform(300, 6 * HOUR, n), reg + 5 * DAY)
            self.funding(op, u, dt, amt, "p2p", sk)
            tt = np.minimum(dt + rng.uniform(60, 3 * HOUR, n), reg + 6.5 * DAY)
            self.trade_min(
                u, tt, rng.choice([0, 1, 4], n), np.minimum(amt, self.amount_near(C.NU_MIN_TRADE, n, sk, 0.2)), sk
            )
            db = (rng.random(n) < 0.5) & (reg < S.end(C.DB) - 3 * DAY)
            if db.any():
                m = int(db.sum())
                e2 = np.maximum(reg[db] + DAY, S.start(C.DB)) + rng.uniform(0, 2 * DAY, m)
                e2 = np.minimum(e2, S.end(C.DB) - DAY)
                self.enroll(C.DB, u[db], e2, sk, pat)
                self.funding(
                    op,
                    u[db],
                    e2 + rng.uniform(300, 4 * HOUR, m),
                    roundish(rng, self.amount_near(C.DB_MIN, m, sk, 0.1), 0.7),
                    "p2p_ext" if rng.random() < 0.6 else "fiat",
                    sk,
                )
            self.plan(op, u, sk, str(rng.choice(["p2p", "memo", "fiat"], p=[0.6, 0.25, 0.15])))
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def aged_account_farm(self):
        pat = "aged_account_farm"
        W, rng, S = self.W, self.rng, self.W.sched
        A = W.A
        t0, t1 = S.start(C.DB), S.end(C.DB)
        for n in op_sizes(rng, self.total(pat), 3, 30, 1.2):
            sk = self.skill((0.2, 0.55, 0.25))
            op = self.new_op(pat, sk)
            country = int(rng.choice(SEA))
            reg = np.where(
                rng.random(n) < 0.4, W.ds - rng.uniform(0, 700, n) * DAY, W.ds + rng.uniform(0, 0.6, n) * (t0 - W.ds)
            )
            # earlier owners: ordinary people from around the region
            oc = np.where(rng.random(n) < 0.6, country, rng.choice(len(COUNTRIES), n, p=CW))
            u, a = self.accounts(op, reg, country, rng.choice([1, 2], n, p=[0.6, 0.4]).astype(np.int8), emails(rng, n))
            W.U.country[u] = oc
            prev = A.add(n)
            W.ordinary_profiles(prev, oc, rng)
            W.U.actor[u] = prev
            self.register(u)
            sale = t0 - rng.uniform(20, 120, n) * DAY
            background(
                W,
                u,
                prev,
                np.maximum(reg, W.ds),
                np.maximum(sale, np.maximum(reg, W.ds)),
                rng.lognormal(np.log(0.08), 0.8, n),
                np.full(n, 0.3),
                np.full(n, 0.01),
                np.full(n, 0.008),
                rng,
            )
            W.U.actor[u] = a
            self.net(a, str(rng.choice(["vpn", "resi_sticky", "home"], p=[0.4, 0.3, 0.3])), country)
            self.devices(a, "one_laptop" if rng.random() < 0.4 else "antidetect_acct")
            k = rng.integers(1, 4, n)
            i = np.repeat(np.arange(n), k)
            W.logins(u[i], a[i], sale[i] + rng.random(len(i)) * (t0 - sale[i]), rng, src=1)
            how = str(rng.choice(["hot", "funder", "master", "fiat"], p=[0.4, 0.25, 0.15, 0.2]))
            W.U.hx[u] = rng.integers(0, W.n_exch)
            master = (
                self.master_account(op, country, W.ds + rng.random() * (t0 - W.ds - 60 * DAY), sk, 0)
                if how == "master"
                else -1
            )
            et = self.seq(t0 + rng.uniform(0.2, 6) * DAY, n, sk, 6 * DAY)
            et = np.minimum(et, t1 - DAY)
            self.enroll(C.DB, u, et, sk, pat)
            base = C.DB_CAP / C.DB_RATE if rng.random() < 0.5 else C.DB_MIN
            amt = self.amount_near(base, n, sk, 0.05)
            dt = np.minimum(et + rng.uniform(60, 4 * HOUR, n), t1 - 600)
            self.funding(op, u, dt, amt, how, sk, master)
            ad = rng.random(n) < 0.6
            if ad.any():
                m = int(ad.sum())
                at = self.seq(S.start(C.AD) + rng.uniform(0, 4) * DAY, m, sk, 4 * DAY)
                self.enroll(C.AD, u[ad], at, sk, pat)
                self.trade_min(
                    u[ad], at + rng.uniform(30, 1800, m), AIRSYM, self.amount_near(C.AD_MIN_TRADE, m, sk, 0.2), sk
                )
                W.U.claim_delay[u[ad]] = rng.uniform(30, 3 * HOUR, m)
            W.U.desk[u] = rng.integers(0, W.n_desk)
            W.U.mx[u] = rng.integers(0, W.n_memo_exch)
            self.plan(op, u, sk, str(rng.choice(["few", "otc", "memo", "fiat"], p=[0.5, 0.15, 0.2, 0.15])))
            if sk == "sloppy":
                W.obvious.update(u.tolist())

    def retired(self):
        """Operations from an earlier season: batch-made, used, swept, silent. No current enrollment."""
        W, rng = self.W, self.rng
        tot = max(10, round(RETIRED * self.s))
        mid0, mid1 = W.ds + 20 * DAY, W.sched.start(C.REF) - 60 * DAY
        for n in op_sizes(rng, tot, 8, 40, 1.2):
            op = self.new_op("retired", "sloppy")
            country = int(rng.choice(SEA))
            T0 = mid0 + rng.random() * max(DAY, mid1 - mid0)
            reg = T0 + np.cumsum(rng.uniform(20, 300, n))
            u, a = self.accounts(
                op,
                reg,
                country,
                np.where(rng.random(n) < 0.6, 1, 0).astype(np.int8),
                self.email(str(rng.choice(["catchall", "free"])), n),
            )
            self.net(a, str(rng.choice(["dc_proxy", "home", "mobile_proxy"])), country)
            self.devices(a, str(rng.choice(["emulator", "one_laptop", "antidetect_acct"])))
            self.register(u)
            ft = reg + rng.uniform(HOUR, 3 * DAY, n)
            self.funding(op, u, ft, self.amount_near(rng.uniform(15, 60), n, "medium"), "funder", "medium")
            tt = ft + rng.uniform(60, 3600, n)
            self.trade_min(u, tt, 0, np.full(n, rng.uniform(15, 50)), "medium")
            wt = self.seq(ft.max() + rng.uniform(5, 20) * DAY, n, "sloppy")
            W.session(u, wt, rng, 2, 20)
            W.payout(
                u,
                wt,
                np.round(W.farm_bal[u] * rng.uniform(1.02, 1.2, n), 2),
                6,
                rng,
                asset=AIDX["USDT"],
                dst=W.code(7, op * 8, 1),
            )

    # ------------------------------------------------------------------ after rewards
    def cash_out(self, rw):
        """Sweep balances once rewards are paid (or give up on held ones)."""
        W, rng = self.W, self.rng
        U = W.U
        paid = rw[rw.status == "paid"].groupby("user").agg(pay_t=("pay_t", "max"), amt=("amount", "sum"))
        pend = set(rw.user[rw.status == "pending"].tolist())
        for p in self.plans:
            u, sk, out = p["u"], p["skill"], p["out"]
            if out == "leave":
                continue
            pt = paid.pay_t.reindex(u).to_numpy()
            pa = paid.amt.reindex(u).fillna(0).to_numpy()
            waiting = np.array([x in pend for x in u])
            ready = ~np.isnan(pt) & ~waiting
            giveup = np.isnan(pt) & ~waiting & (rng.random(len(u)) < 0.5)
            if out == "own":
                ready &= pa > 0
                giveup[:] = False
            t = np.where(ready, pt, W.sched.end(C.TC) + rng.uniform(1, 4, len(u)) * DAY)
            go = ready | giveup
            if not go.any():
                continue
            u, t, pa = u[go], t[go], pa[go]
            bal = np.maximum(W.farm_bal[u], 0) + pa
            if sk in ("sloppy", "medium") and out != "own":
                o = np.argsort(t)
                u, pa, bal = u[o], pa[o], bal[o]
                t = self.seq(t.max() + rng.uniform(60, 6 * HOUR), len(u), sk)
            else:
                t = t + rng.uniform(0.3, 5, len(u)) * DAY
            ok = t < W.de - 60
            u, t, bal = u[ok], t[ok], bal[ok]
            if len(u) == 0:
                continue
            amt = np.round(bal * rng.uniform(0.97, 0.998, len(u)), 2)
            self.sess(u, t, sk)
            op = p["op"]
            if out == "collector":
                W.payout(u, t, amt, 6, rng, asset=AIDX["USDT"], dst=W.code(7, op * 8, 1))
            elif out == "few":
                W.payout(u, t, amt, 6, rng, asset=AIDX["USDT"], dst=W.code(7, op * 8 + rng.integers(0, 3, len(u)), 1))
            elif out == "memo":
                W.payout(u, t, amt, 2, rng)
            elif out == "p2p":
                W.payout(u, t, amt, 3, rng)
            elif out == "otc":
                W.payout(u, t, amt, 4, rng)
            elif out == "fiat":
                W.payout(u, t, np.floor(amt), 5, rng)
            elif out == "chain":
                # each account pays the next, the last one withdraws everything
                o = np.argsort(t)
                u, t, amt = u[o], t[o], amt[o]
                carry = 0.0
                for i in range(len(u) - 1):
                    carry += amt[i]
                    W.payout(
                        u[i : i + 1], t[i + 1 : i + 2] - rng.uniform(5, 120), np.round(carry, 2), 7, rng, dst=u[i + 1]
                    )
                W.payout(
                    u[-1:],
                    t[-1:] + rng.uniform(60, 600),
                    np.round(carry + amt[-1], 2),
                    6,
                    rng,
                    asset=AIDX["USDT"],
                    dst=W.code(7, op * 8, 1),
                )
            elif out == "master" and p["master"] >= 0:
                m = p["master"]
                sel = u != m
                W.payout(u[sel], t[sel], amt[sel], 7, rng, dst=m)
            elif out == "own":
                W.payout(u, t, amt, np.where(rng.random(len(u)) < 0.6, 0, 2), rng)
            elif out == "hunter_wallet":
                lead = p["u"][0]
                W.payout(u, t, amt, 6, rng, asset=AIDX["USDT"], dst=W.code(0, lead, 1))
            W.farm_bal[u] = 0

    def noise_logins(self):
        """Operators open their accounts now and then (careful ones more, to look lived-in)."""
        W, rng = self.W, self.rng
        U = W.U
        u = np.where(U.farm[: U.n] & (U.op[: U.n] > 0))[0]
        sk = np.array([W.op_pattern[o][1] for o in U.op[u]])
        pat = np.array([W.op_pattern[o][0] for o in U.op[u]])
        lam = np.select([sk == "sloppy", sk == "medium"], [0.5, 2.0], 5.0)
        lam[pat == "retired"] = 0
        k = rng.poisson(lam)
        i = np.repeat(np.arange(len(u)), k)
        lo = np.maximum(np.maximum(U.reg[u[i]], W.ds), W.sched.start(C.REF) - 30 * DAY) + 60
        t = W.diurnal(lo, np.full(len(i), W.de - 60), W.A.tz[U.actor[u[i]]], rng)
        W.logins(u[i], U.actor[u[i]], t, rng, src=1)

    def run(self):
        self.retired()
        for name in PATTERNS:
            getattr(self, name)()
        self.noise_logins()

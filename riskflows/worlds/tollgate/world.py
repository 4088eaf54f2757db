"""Tollgate: public on-chain data around a bridge protocol's retroactive token airdrop.

Everything is an address: people's wallets, exchange hot wallets, exchange deposit
addresses, bridges, routers, the protocol's own contracts, farm funders and collectors.
The generator builds the world as events between internal node indices, then maps the
nodes to random BIGINT user ids.  It is a pure function of (seed, users, end).

Phases
  1. services, farm plans, honest people (with their look-alike crowds), their whole
     on-chain lives before the claim;
  2. eligibility is *derived from the transfers* (a qualifying deposit into the
     protocol's bridge or pool inside the eligibility window), allocations follow the
     protocol's published formula, then claims and what everyone does with the tokens;
  3. exchange deposit-address sweeps, memo batches, spam NFTs, address poisoning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = 86_400
HOUR = 3_600
MIN = 60

NFT_COLLECTIONS = [
    "Driftwood Cats",
    "Layer Punks",
    "Bridge Bunnies",
    "Orbit Keys",
    "Neon Foxes",
    "Pixel Harbors",
    "Chain Gardens",
    "Quiet Moons",
    "Relay Robots",
    "Gate Pass",
    "Tide Tickets",
    "Copper Crowns",
]
SPAM_NFTS = ["Claim Voucher", "Reward Ticket", "Bonus Pass", "Visit Mint Site", "Gift Box"]
ASSETS = (
    ["ETH", "USDC", "USDT", "DAI", "WETH", "TOLL"]
    + ["NFT:" + c for c in NFT_COLLECTIONS]
    + ["NFT:" + s for s in SPAM_NFTS]
)
ETH, USDC, USDT, DAI, WETH, TOLL = range(6)
NFT0 = 6
SPAM0 = NFT0 + len(NFT_COLLECTIONS)
STABLES = np.array([USDC, USDT, DAI])

PATTERNS = [
    "star_funder_sweep",  # one funder -> many near-equal amounts -> act -> sweep to one collector
    "peel_chain",  # A funds B funds C ..., proceeds swept down the chain
    "cex_withdrawal_burst",  # burst of exchange withdrawals; linked by timing/amount/collector only
    "disperse_cadence_bots",  # one disperse call funds a bot farm acting on a fixed cadence
    "refuel_drip_bots",  # gas from a public refuel service, funds from a bridge, cadence bots
    "otc_sourced_farm",  # an OTC desk delivers to the farm and buys the tokens back
    "slow_careful_farm",  # varied funding, random amounts, camouflage, actions spread over days
]
GROUPS = [
    "cex_announcement_wave",
    "faucet_refuel_newcomers",
    "dao_contributors",
    "workshop_cohort",
    "friend_onboarding",
    "multi_wallet_owners",
    "shared_family_deposit",
    "memo_deposit_users",
    "otc_clients",
    "first_hour_claimers",
    "minimal_bridgers",
    "scheduled_bots",
]

TZ_VALS = np.array([-8, -7, -6, -5, -4, -3, 0, 1, 2, 3, 4, 5.5, 7, 8, 9, 10])
TZ_P = np.array([0.05, 0.04, 0.04, 0.10, 0.03, 0.05, 0.08, 0.13, 0.08, 0.07, 0.03, 0.06, 0.07, 0.09, 0.05, 0.03])
TZ_P = TZ_P / TZ_P.sum()

# big exchanges: hot wallets per exchange, customer share; the last three take deposits on
# one memo/tag address on this chain
EX_HOTS = np.array([2, 2, 2, 1, 1, 1, 1, 1, 2, 1])
EX_SHARE = np.array([0.22, 0.16, 0.12, 0.09, 0.08, 0.07, 0.06, 0.09, 0.07, 0.04])
MEMO_EX = np.array([7, 8, 9])

# internal event kinds (never written)
K_GEN, K_FUND, K_PROTO, K_RET, K_CLAIM, K_SWEEP, K_SVC, K_SPAM, K_POISON, K_DEP = range(10)


class Ledger:
    def __init__(self):
        self.parts: list[tuple] = []

    def add(self, f, t, ts, a, u, k=K_GEN):
        f = np.atleast_1d(np.asarray(f, dtype=np.int64))
        t = np.atleast_1d(np.asarray(t, dtype=np.int64))
        ts = np.atleast_1d(np.asarray(ts, dtype=np.float64))
        a = np.atleast_1d(np.asarray(a, dtype=np.int16))
        u = np.atleast_1d(np.asarray(u, dtype=np.float64))
        n = max(f.size, t.size, ts.size, a.size, u.size)
        if min(f.size, t.size, ts.size, a.size, u.size) == 0:
            return
        for x in (f, t, ts, a, u):
            if x.size not in (1, n):
                raise ValueError(f"ledger arrays of sizes {[y.size for y in (f, t, ts, a, u)]}")
        b = lambda x: np.broadcast_to(x, (n,)) if x.size == 1 else x  # noqa: E731
        self.parts.append((b(f), b(t), b(ts).astype(np.int64), b(a), b(u), np.full(n, k, np.int16)))

    def frame(self) -> dict:
        cols = list(zip(*self.parts))
        out = {}
        for name, c in zip(("f", "t", "ts", "a", "u", "k"), cols):
            out[name] = np.concatenate(c)
        return out


def _s(ts: pd.Timestamp) -> int:
    return int(ts.value // 10**9)


class Gen:
    # ------------------------------------------------------------------ setup
    def __init__(self, seed: int, users: int, end: str | None):
        if users < 8000:
            raise ValueError("tollgate needs at least 8000 addresses")
        erng = np.random.default_rng([int(seed), 0x7011])
        if end is None:
            lo = pd.Timestamp("2026-06-01")
            hi = pd.Timestamp("2026-10-31")
            end_day = lo + pd.Timedelta(days=int(erng.integers(0, (hi - lo).days + 1)))
        else:
            end_day = pd.Timestamp(end).normalize()
        self.end_day = end_day
        self.rng = np.random.default_rng([int(seed), int(users), end_day.toordinal(), 0x6A7E])
        self.N = int(users)
        self.f = self.N / 150_000
        self.L = Ledger()
        self.n = 0
        self.roles: list[tuple[str, int, int]] = []
        self.farms: list[dict] = []
        self.ops: list[dict] = []

    def alloc(self, k: int, role: str) -> np.ndarray:
        k = int(k)
        ids = np.arange(self.n, self.n + k, dtype=np.int64)
        self.roles.append((role, self.n, k))
        self.n += k
        return ids

    # ------------------------------------------------------------------ time & prices
    def timeline(self):
        rng = self.rng
        self.t_end = _s(self.end_day) + DAY - 1
        claim_day = self.end_day - pd.Timedelta(days=int(rng.integers(15, 23)))
        self.claim = _s(claim_day) + int(rng.integers(13 * HOUR, 17 * HOUR))
        snap_day = claim_day - pd.Timedelta(days=int(rng.integers(14, 29)))
        self.snap = _s(snap_day)
        self.wlen = int(rng.integers(21, 29)) * DAY
        self.ws = self.snap - self.wlen
        self.launch = self.ws - int(rng.integers(45, 91)) * DAY
        self.t0 = self.ws - int(rng.integers(150, 211)) * DAY
        nh = (self.t_end - self.t0) // HOUR + 3
        r = rng.normal(0.00001, 0.03 / np.sqrt(24), nh)
        self.eth_h = rng.uniform(2200, 4200) * np.exp(np.cumsum(r))
        nt = (self.t_end - self.claim) // HOUR + 3
        rt = rng.normal(-0.012 / 24, 0.08 / np.sqrt(24), nt)
        rt[:8] += rng.normal(0.01, 0.02, 8)
        self.toll_p0 = rng.uniform(0.45, 1.8)
        self.toll_h = self.toll_p0 * np.exp(np.cumsum(rt))

    def eth_px(self, ts):
        i = ((np.asarray(ts, np.int64) - self.t0) // HOUR).clip(0, len(self.eth_h) - 1)
        return self.eth_h[i]

    def toll_px(self, ts):
        i = ((np.asarray(ts, np.int64) - self.claim) // HOUR).clip(0, len(self.toll_h) - 1)
        return self.toll_h[i]

    # ------------------------------------------------------------------ helpers
    def human(self, lo, hi, tz):
        """Times in [lo, hi] preferring the local afternoon/evening of timezone tz."""
        rng = self.rng
        lo = np.asarray(lo, np.float64)
        hi = np.maximum(np.asarray(hi, np.float64), lo + 60)
        n = max(lo.size, hi.size, np.size(tz))
        lo = np.broadcast_to(lo, (n,))
        hi = np.broadcast_to(hi, (n,))
        tz = np.broadcast_to(np.asarray(tz, np.float64), (n,))
        t = lo + rng.random(n) * (hi - lo)
        day = np.floor((t + tz * HOUR) / DAY)
        h = np.where(rng.random(n) < 0.86, rng.normal(15.5, 3.6, n), rng.uniform(0, 24, n)) % 24
        t2 = day * DAY - tz * HOUR + h * HOUR + rng.uniform(0, 60, n)
        ok = (t2 >= lo) & (t2 <= hi)
        return np.where(ok, t2, t).astype(np.int64)

    def eth_usd(self, eth, ts):
        return np.round(np.asarray(eth) * self.eth_px(ts), 2)

    def amount(self, usd, asset, ts, round_p):
        """A human amount: sometimes a round number in the asset's own unit."""
        rng = self.rng
        usd = np.asarray(usd, np.float64)
        n = usd.size
        asset = np.broadcast_to(np.asarray(asset), (n,))
        r = rng.random(n) < round_p
        px = self.eth_px(ts)
        eth = usd / px
        step = np.select([eth < 0.02, eth < 0.1, eth < 1, eth < 10], [0.001, 0.005, 0.05, 0.1], 1.0)
        eth_r = np.maximum(step, np.round(eth / step) * step)
        eth_usd = np.where(r, eth_r, np.round(eth, 5)) * px
        sstep = np.select([usd < 50, usd < 500, usd < 5000], [5, 10, 100], 1000)
        st = np.where(r, np.maximum(sstep, np.round(usd / sstep) * sstep), usd)
        is_eth = (asset == ETH) | (asset == WETH)
        return np.round(np.where(is_eth, eth_usd, st), 2)

    def pick(self, arr, n, p=None):
        return np.asarray(arr)[self.rng.choice(len(arr), size=n, p=p)]

    # ------------------------------------------------------------------ services
    def services(self):
        rng = self.rng
        self.HOT = self.alloc(EX_HOTS.sum(), "cex_hot_wallet")
        self.hot_ex = np.repeat(np.arange(len(EX_HOTS)), EX_HOTS)
        self.ex_hot_start = np.concatenate([[0], np.cumsum(EX_HOTS)[:-1]])
        self.COLD = self.alloc(len(EX_HOTS), "cex_cold_wallet")
        self.MEMO = self.alloc(len(MEMO_EX), "cex_memo_deposit")
        self.SMALLEX = self.alloc(14, "small_exchange")
        self.OTC = self.alloc(20, "otc_desk")
        self.PAY = self.alloc(4, "payment_processor")
        self.MM = self.alloc(6, "market_maker")
        self.BRIDGE = self.alloc(6, "other_bridge")
        self.ROUTER = self.alloc(5, "dex_router")
        self.LEND = self.alloc(3, "lending_pool")
        self.NFTMKT = self.alloc(3, "nft_market")
        self.NFTCOL = self.alloc(len(NFT_COLLECTIONS), "nft_collection")
        self.FAUCET = self.alloc(3, "faucet")
        self.REFUEL = self.alloc(3, "refuel_service")
        self.DISPERSE = self.alloc(2, "disperse_contract")
        (self.P_BRIDGE, self.P_BONDER, self.P_POOL, self.P_STAKE, self.P_DIST, self.P_TREASURY) = self.alloc(
            6, "protocol"
        )
        self.SPAM = self.alloc(5, "spam_airdropper")
        self.POISON = self.alloc(max(8, int(round(30 * self.f))), "address_poisoner")
        self.DAO = self.alloc(10, "dao_multisig")
        self.WORKSHOP = self.alloc(6, "workshop_host")
        self.router_p = np.array([0.42, 0.26, 0.16, 0.1, 0.06])
        z = lambda k, a: (lambda w: w / w.sum())(1.0 / np.arange(1, k + 1) ** a)  # noqa: E731
        self.otc_p = rng.permutation(z(len(self.OTC), 1.1))
        self.smallex_p = rng.permutation(z(len(self.SMALLEX), 0.8))
        self.bridge_p = np.array([0.34, 0.22, 0.16, 0.12, 0.1, 0.06])
        self.mint_eth = rng.choice([0.005, 0.01, 0.02, 0.03, 0.05, 0.08], len(NFT_COLLECTIONS))
        self.faucet_eth = np.array([0.001, 0.0005, 0.002])
        self.refuel_menu = np.array([2, 5, 10, 20, 50])

    def hot_of(self, ex):
        ex = np.asarray(ex)
        k = (self.rng.random(ex.size) * EX_HOTS[ex]).astype(int)
        return self.HOT[self.ex_hot_start[ex] + k]

    # ------------------------------------------------------------------ shared emitters
    def emit_bridge(self, addr, t, usd, asset, k=K_PROTO):
        rng = self.rng
        addr = np.atleast_1d(addr)
        n = addr.size
        t = np.broadcast_to(np.asarray(t, np.int64), (n,))
        usd = np.broadcast_to(np.asarray(usd, np.float64), (n,))
        self.L.add(addr, self.P_BRIDGE, t, asset, usd, k)
        d = (rng.lognormal(np.log(240), 0.7, n)).astype(np.int64) + 25
        fee = usd * rng.uniform(0.0012, 0.004, n) + rng.uniform(0.04, 0.9, n)
        self.L.add(self.P_BONDER, addr, t + d, asset, np.round(np.maximum(usd - fee, 0.01), 2), K_RET)

    def emit_lp(self, addr, t, usd, asset, remove_p, t_hi):
        rng = self.rng
        addr = np.atleast_1d(addr)
        n = addr.size
        t = np.broadcast_to(np.asarray(t, np.int64), (n,))
        self.L.add(addr, self.P_POOL, t, asset, usd, K_PROTO)
        rm = rng.random(n) < remove_p
        tr = t + (rng.exponential(12 * DAY, n) + HOUR).astype(np.int64)
        rm &= tr < np.asarray(t_hi)
        if rm.any():
            uu = np.broadcast_to(np.asarray(usd, np.float64), (n,))[rm] * rng.uniform(0.97, 1.04, rm.sum())
            self.L.add(self.P_POOL, addr[rm], tr[rm], np.broadcast_to(asset, (n,))[rm], np.round(uu, 2), K_RET)

    def emit_swap(self, addr, t, usd, a_in, a_out, router):
        addr = np.atleast_1d(addr)
        n = addr.size
        self.L.add(addr, router, t, a_in, usd)
        out = np.round(np.asarray(usd) * self.rng.uniform(0.992, 0.998, n), 2)
        self.L.add(router, addr, t, a_out, out)

    def emit_mint(self, addr, t, col):
        addr = np.atleast_1d(addr)
        col = np.broadcast_to(np.asarray(col), (addr.size,))
        self.L.add(addr, self.NFTCOL[col], t, ETH, self.eth_usd(self.mint_eth[col], t))
        self.L.add(self.NFTCOL[col], addr, t, NFT0 + col, np.nan)

    # ------------------------------------------------------------------ sizing
    def sizing(self):
        rng = self.rng
        self.E_target = self.N * rng.uniform(0.092, 0.108)
        self.sybil_share = rng.uniform(0.23, 0.31)
        self.F_target = self.E_target * self.sybil_share
        self.H_target = self.E_target - self.F_target

    # ================================================================== FARMS: plan
    def farm_size(self, pat):
        rng = self.rng
        u = rng.random()
        R = lambda a, b: int(rng.integers(a, b + 1))  # noqa: E731
        if pat == "star_funder_sweep":
            return R(3, 10) if u < 0.68 else (R(11, 45) if u < 0.92 else R(50, 300))
        if pat == "peel_chain":
            return R(4, 9) if u < 0.6 else (R(10, 25) if u < 0.95 else R(26, 40))
        if pat == "cex_withdrawal_burst":
            return R(4, 12) if u < 0.55 else (R(13, 50) if u < 0.9 else R(51, 150))
        if pat == "disperse_cadence_bots":
            return R(20, 60) if u < 0.4 else (R(61, 150) if u < 0.85 else R(151, 300))
        if pat == "refuel_drip_bots":
            return R(5, 20) if u < 0.5 else (R(21, 80) if u < 0.9 else R(81, 200))
        if pat == "otc_sourced_farm":
            return R(3, 10) if u < 0.6 else R(11, 60)
        return R(3, 10) if u < 0.7 else R(11, 25)

    STYLE = {
        "star_funder_sweep": ([0.45, 0.4, 0.15]),
        "peel_chain": ([0, 0.6, 0.4]),
        "cex_withdrawal_burst": ([0.3, 0.5, 0.2]),
        "disperse_cadence_bots": ([1, 0, 0]),
        "refuel_drip_bots": ([1, 0, 0]),
        "otc_sourced_farm": ([0, 0.7, 0.3]),
        "slow_careful_farm": ([0, 0, 1]),
    }

    def new_op(self):
        rng = self.rng
        ex = int(rng.choice(len(EX_SHARE), p=EX_SHARE))
        op = dict(id=len(self.ops), tz=float(rng.choice(TZ_VALS, p=TZ_P)), ex=ex, farms=[])
        self.ops.append(op)
        return op

    def plan_farms(self):
        rng = self.rng
        base = np.array([24, 10, 17, 15, 10, 9, 15], float)
        shares = rng.dirichlet(base * 12)
        # retired operations of an earlier season (history only): their addresses may be
        # bought/reused later ("aged" wallets)
        n_ret = max(3, int(round(9 * self.f)))
        self.retired = []
        for _ in range(n_ret):
            s = int(rng.integers(8, 61))
            self.retired.append(
                dict(
                    addrs=self.alloc(s, "farm_addr"),
                    funder=self.alloc(1, "farm_funder")[0],
                    collector=self.alloc(1, "farm_collector")[0],
                    op=self.new_op(),
                )
            )
        aged_pool = np.concatenate([r["addrs"] for r in self.retired])
        aged_pool = aged_pool[rng.permutation(aged_pool.size)]
        aged_pos = 0
        for p, pat in enumerate(PATTERNS):
            budget = max(70, int(round(shares[p] * self.F_target)))
            tot = 0
            while tot < budget:
                s = self.farm_size(pat)
                if budget - tot - s < 3:
                    s = max(3, budget - tot)
                tot += s
                if self.ops and rng.random() < 0.3:
                    op = self.ops[int(rng.integers(n_ret, len(self.ops)))] if len(self.ops) > n_ret else self.new_op()
                else:
                    op = self.new_op()
                style = ["script", "manual", "careful"][int(rng.choice(3, p=self.STYLE[pat]))]
                n_aged = 0
                if pat in ("star_funder_sweep", "otc_sourced_farm", "slow_careful_farm") and rng.random() < 0.22:
                    n_aged = min(int(s * rng.uniform(0.3, 1.0)), aged_pool.size - aged_pos)
                fresh = self.alloc(s - n_aged, "farm_addr")
                addrs = np.concatenate([aged_pool[aged_pos : aged_pos + n_aged], fresh])
                aged_pos += n_aged
                addrs = addrs[rng.permutation(addrs.size)]
                fm = dict(pat=pat, op=op, style=style, addrs=addrs, tz=op["tz"])
                op["farms"].append(fm)
                self.farms.append(fm)
        # per-op infrastructure: a master wallet (when the op's patterns use one) and
        # deposit addresses at the op's exchange (several for careful ops)
        uses_master = {
            "star_funder_sweep",
            "peel_chain",
            "cex_withdrawal_burst",
            "disperse_cadence_bots",
            "otc_sourced_farm",
        }
        for op in self.ops:
            pats = {fm["pat"] for fm in op["farms"]}
            if pats & uses_master or len(op["farms"]) > 1:
                op["master"] = self.alloc(1, "farm_master")[0]
            if op["ex"] in MEMO_EX:
                op["deps"] = np.array([self.MEMO[int(np.flatnonzero(MEMO_EX == op["ex"])[0])]])
            else:
                nd = 1 + (int(self.rng.integers(1, 4)) if "slow_careful_farm" in pats else 0)
                op["deps"] = self.alloc(nd, "deposit_addr")
        self.farm_dep_ex = [(op["deps"], op["ex"]) for op in self.ops if op["ex"] not in MEMO_EX]
        # per-farm nodes
        for fm in self.farms:
            pat = fm["pat"]
            if pat == "star_funder_sweep":
                fm["funder"] = self.alloc(1, "farm_funder")[0]
                fm["sweep_to_funder"] = bool(rng.random() < 0.3)
            if pat == "cex_withdrawal_burst":
                fm["sweep_mode"] = str(rng.choice(["collector", "memo", "deposit"], p=[0.4, 0.35, 0.25]))
            if pat == "otc_sourced_farm":
                fm["otc_direct"] = bool(rng.random() < 0.6)
            if (
                pat in ("disperse_cadence_bots", "refuel_drip_bots", "peel_chain")
                or (pat == "star_funder_sweep" and not fm["sweep_to_funder"])
                or (pat == "cex_withdrawal_burst" and fm["sweep_mode"] == "collector")
                or (pat == "otc_sourced_farm" and not fm["otc_direct"])
            ):
                fm["collector"] = self.alloc(1, "farm_collector")[0]
            if pat == "slow_careful_farm":
                fm["src"] = rng.choice(3, fm["addrs"].size, p=[0.55, 0.2, 0.25])
                k = int(np.ceil((fm["src"] == 2).sum() / 3))
                fm["inter"] = self.alloc(k, "farm_funder")

    # ================================================================== FARMS: phase 1
    def farm_sessions(self, fm, n_rounds, lo, hi):
        """Per round, one time per farm address (scripts loop through a fixed list)."""
        rng = self.rng
        n = fm["addrs"].size
        order = fm.setdefault("order", rng.permutation(n))
        st = fm["style"]
        out = []
        if st == "careful":
            for r in range(n_rounds):
                out.append(self.human(np.full(n, lo), np.full(n, hi), fm["tz"]))
            return out
        if st == "script":
            S = np.sort(rng.uniform(lo, hi, n_rounds))
            gap = fm.setdefault("gap", rng.uniform(6, 90))
            for r in range(n_rounds):
                out.append((S[r] + order * gap + np.abs(rng.normal(0, gap * 0.15, n))).astype(np.int64))
            return out
        S = np.sort(self.human(np.full(n_rounds, lo), np.full(n_rounds, hi), fm["tz"]))
        gap = fm.setdefault("gap", rng.uniform(90, 700))
        for r in range(n_rounds):
            steps = rng.lognormal(np.log(gap), 0.6, n)
            out.append((S[r] + np.cumsum(steps)[order]).astype(np.int64))
        return out

    def farm_tasks(self, fm, lo, hi, base_eth, asset=ETH):
        """The protocol task list, run in rounds; amounts just above what the op thinks counts."""
        rng = self.rng
        a = fm["addrs"]
        n = a.size
        st = fm["style"]
        n_bridge = int(rng.integers(1, 5)) if st != "careful" else int(rng.integers(2, 6))
        kinds = ["bridge"] * n_bridge
        if rng.random() < 0.55:
            kinds.append("swap")
        if rng.random() < 0.3:
            kinds.append("lp")
        if st == "careful":
            kinds += ["mint"] * int(rng.integers(0, 2)) + ["swap"] * int(rng.integers(0, 3))
        if st != "careful":
            rest = kinds[1:]
            rng.shuffle(rest)
            kinds = kinds[:1] + rest
        else:
            rng.shuffle(kinds)
        times = self.farm_sessions(fm, len(kinds), lo, hi)
        router = self.ROUTER[int(rng.choice(5, p=self.router_p))]
        col = int(rng.integers(0, len(NFT_COLLECTIONS)))
        for kind, t in zip(kinds, times):
            if st == "script":
                eth = base_eth * rng.uniform(0.5, 0.8) * np.ones(n)
            elif st == "manual":
                eth = base_eth * rng.uniform(0.45, 0.85, n)
            else:
                eth = base_eth * rng.lognormal(-0.4, 0.45, n)
            usd = self.eth_usd(np.round(eth, 4), t)
            if kind == "bridge":
                self.emit_bridge(a, t, usd, asset)
            elif kind == "swap":
                other = USDC if asset == ETH else ETH
                self.emit_swap(a, t, usd, asset, other, router)
                back = t + (rng.exponential(2 * HOUR, n) + 30).astype(np.int64)
                self.emit_swap(a, back, np.round(usd * 0.99, 2), other, asset, router)
            elif kind == "lp":
                self.emit_lp(a, t, usd, asset, 0.7, self.claim + 10 * DAY)
            elif kind == "mint":
                self.emit_mint(a, t, col)
        fm["n_kinds"] = len(kinds)

    def farm_window(self, fm, early=False):
        rng = self.rng
        lo = rng.uniform(self.ws - 12 * DAY, self.ws + 0.55 * self.wlen)
        if early:
            lo = rng.uniform(self.ws - 20 * DAY, self.ws - 2 * DAY)
        hi = min(lo + rng.uniform(4, 40) * DAY, self.snap + rng.uniform(-4, 12) * DAY)
        hi = max(hi, self.ws + rng.uniform(2, 6) * DAY, lo + 2 * DAY)
        return lo, hi

    def master_topup(self, op, t, usd):
        """The op's master wallet gets money out of its exchange account."""
        h = self.hot_of([op["ex"]])[0]
        self.L.add(h, op["master"], int(t), ETH, np.round(usd, 2), K_FUND)

    def farm_warmup(self, fm):
        """Many ops season their wallets weeks or months ahead (wallet age is a known
        airdrop criterion): a small funding and a few ordinary actions, then silence."""
        rng = self.rng
        st, pat = fm["style"], fm["pat"]
        if rng.random() >= {"script": 0.3, "manual": 0.4, "careful": 0.75}[st]:
            return
        a = fm["addrs"]
        n = a.size
        W = rng.uniform(self.t0 + 5 * DAY, self.ws - 25 * DAY)
        if st == "script":
            t = (W + np.arange(n) * rng.uniform(10, 90)).astype(np.int64)
        else:
            t = self.human(np.full(n, W), np.full(n, W + rng.uniform(1, 12) * DAY), fm["tz"])
        usd = self.amount(rng.uniform(8, 45) * (rng.uniform(0.85, 1.15, n) if st != "script" else 1.0), ETH, t, 0.5)
        if pat == "star_funder_sweep":
            F = fm["funder"]
            self.L.add(
                self.hot_of([fm["op"]["ex"]])[0], F, int(t.min() - HOUR), ETH, float(usd.sum() * 1.1 + 20), K_FUND
            )
            self.L.add(F, a, t, ETH, usd, K_FUND)
        elif pat == "disperse_cadence_bots":
            M = fm["op"]["master"]
            T = int(t.min())
            self.master_topup(fm["op"], T - HOUR, float(usd[0] * n * 1.2))
            self.L.add(M, self.DISPERSE[0], T, ETH, float(usd[0] * n), K_FUND)
            self.L.add(self.DISPERSE[0], a, T, ETH, usd[0], K_FUND)
        elif pat == "refuel_drip_bots":
            self.L.add(
                self.pick(self.REFUEL, n, [0.5, 0.3, 0.2]),
                a,
                t,
                ETH,
                np.round(rng.choice([5, 10, 20], n) * 0.99, 2),
                K_FUND,
            )
        elif st == "careful":
            src = rng.random(n) < 0.7
            self.L.add(
                np.where(
                    src, self.hot_of(rng.choice(len(EX_SHARE), n, p=EX_SHARE)), self.pick(self.BRIDGE, n, self.bridge_p)
                ),
                a,
                t,
                ETH,
                usd,
                K_FUND,
            )
        else:
            self.L.add(self.hot_of(np.full(n, fm["op"]["ex"])), a, t, ETH, usd, K_FUND)
        k = rng.integers(1, 4, n) if st != "script" else np.full(n, int(rng.integers(1, 4)))
        I = np.repeat(np.arange(n), k)
        ta = t[I] + (rng.uniform(0.02, 1, I.size) * rng.uniform(1, 30) * DAY).astype(np.int64)
        kind = rng.choice(3, I.size, p=[0.55, 0.3, 0.15])
        ua = np.round(usd[I] * rng.uniform(0.3, 0.7, I.size), 2)
        s = kind == 0
        self.emit_swap(a[I[s]], ta[s], ua[s], ETH, USDC, self.pick(self.ROUTER, s.sum(), self.router_p))
        s = kind == 1
        b = self.pick(self.BRIDGE, s.sum(), self.bridge_p)
        self.L.add(a[I[s]], b, ta[s], ETH, ua[s])
        self.L.add(b, a[I[s]], ta[s] + rng.integers(120, 1800, s.sum()), ETH, np.round(ua[s] * 0.995, 2))
        s = kind == 2
        self.emit_mint(a[I[s]], ta[s], rng.integers(0, len(NFT_COLLECTIONS), s.sum()))

    def farm_afterlife(self, fm):
        """After the claim, many farm wallets go on farming the next protocol."""
        rng = self.rng
        if rng.random() >= 0.45:
            return
        a = fm["addrs"]
        n = a.size
        st = fm["style"]
        lo = self.claim + rng.uniform(1, 6) * DAY
        if lo >= self.t_end - DAY:
            return
        rounds = int(rng.integers(1, 5))
        b = self.BRIDGE[int(rng.choice(6, p=self.bridge_p))]
        for _ in range(rounds):
            if st == "script":
                T = rng.uniform(lo, self.t_end - HOUR)
                t = (T + np.arange(n) * fm.get("gap", 30) + rng.uniform(0, 5, n)).astype(np.int64)
            else:
                t = self.human(np.full(n, lo), np.full(n, self.t_end - HOUR), fm["tz"])
            ok = t < self.t_end - 1000
            u = self.eth_usd(np.round(rng.uniform(0.003, 0.012) * rng.uniform(0.9, 1.1, n), 4), t)
            self.L.add(a[ok], b, t[ok], ETH, u[ok])
            self.L.add(b, a[ok], t[ok] + 600, ETH, np.round(u[ok] * 0.995, 2))

    def afterlife(self):
        for fm in self.farms:
            self.farm_afterlife(fm)

    def farms_phase1(self):
        rng = self.rng
        for fm in self.farms:
            self.farm_warmup(fm)
            getattr(self, "p1_" + fm["pat"])(fm)
        # ops with several farms: a few transfers between their pieces
        for op in self.ops:
            if len(op["farms"]) < 2:
                continue
            nodes = [op["master"]] if "master" in op else []
            for fm in op["farms"]:
                for key in ("funder", "collector"):
                    if key in fm:
                        nodes.append(fm[key])
            nodes = np.array(nodes)
            if nodes.size < 2:
                continue
            k = int(rng.integers(1, 4))
            for r_ in range(k):
                i, j = rng.choice(nodes.size, 2, replace=False)
                if r_ == 0 and "master" in op:
                    i = 0
                t = int(rng.uniform(self.ws - 20 * DAY, self.claim + 5 * DAY))
                self.L.add(nodes[i], nodes[j], t, ETH, self.eth_usd(rng.uniform(0.01, 0.4), t), K_FUND)

    def p1_star_funder_sweep(self, fm):
        rng = self.rng
        a, n, st = fm["addrs"], fm["addrs"].size, fm["style"]
        lo, hi = self.farm_window(fm)
        T0 = int(lo)
        A = float(rng.choice([0.005, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.08, 0.1]))
        if st == "script":
            gaps = rng.uniform(5, 60, n)
            eth = np.full(n, A)
        elif st == "manual":
            gaps = rng.lognormal(np.log(200), 0.7, n)
            eth = np.round(A * (1 + rng.normal(0, 0.012, n)), 4)
        else:
            gaps = rng.exponential(2.5 * HOUR, n)
            eth = np.round(A * rng.uniform(0.75, 1.3, n), 4)
        t = T0 + np.cumsum(gaps).astype(np.int64)
        F = fm["funder"]
        tf = T0 - int(rng.uniform(HOUR, 3 * DAY))
        tot = float(eth.sum() * 1.06 + 0.01)
        if rng.random() < 0.6:
            self.master_topup(fm["op"], tf - 2 * HOUR, self.eth_usd(tot * 1.3, tf))
            self.L.add(fm["op"]["master"], F, tf, ETH, self.eth_usd(tot, tf), K_FUND)
        else:
            self.L.add(self.hot_of([fm["op"]["ex"]])[0], F, tf, ETH, self.eth_usd(tot, tf), K_FUND)
        self.L.add(F, a, t, ETH, self.eth_usd(eth, t), K_FUND)
        fm["fund_eth"] = eth
        fm["c_lo"] = int(t.max() + 600)
        self.farm_tasks(fm, t.max() + 600, max(hi, t.max() + DAY), A)
        fm["sweep_eth_early"] = rng.random() < 0.35

    def p1_peel_chain(self, fm):
        rng = self.rng
        a, n, st = fm["addrs"], fm["addrs"].size, fm["style"]
        lo, hi = self.farm_window(fm)
        span = max(hi - lo, 3 * DAY)
        step_mean = min(2 * DAY, span / n)
        steps = rng.exponential(step_mean, n)
        steps[0] = 0
        t = (lo + np.cumsum(steps)).astype(np.int64)
        if st == "manual":
            t = self.human(t, t + 6 * HOUR, fm["tz"])
            t = np.maximum.accumulate(t)
        v = rng.uniform(0.05, 0.5)
        src = fm["op"]["master"] if rng.random() < 0.6 else self.hot_of([fm["op"]["ex"]])[0]
        if src == fm["op"]["master"]:
            self.master_topup(fm["op"], t[0] - 3 * HOUR, self.eth_usd(v * 1.2, t[0]))
        self.L.add(src, a[0], t[0], ETH, self.eth_usd(v, t[0]), K_FUND)
        vals = np.empty(n)
        keep = np.round(rng.uniform(0.001, 0.004, n), 4)
        act_t = []
        for i in range(n):
            vals[i] = v
            nb = int(rng.integers(1, 3))
            nxt = t[i + 1] if i + 1 < n else t[i] + int(step_mean)
            for _ in range(nb):
                ta = int(t[i] + rng.uniform(0.05, 0.6) * max(nxt - t[i], 2 * HOUR))
                amt = np.round(v * rng.uniform(0.3, 0.8), 4)
                act_t.append((a[i], ta, self.eth_usd(amt, ta)))
            if rng.random() < 0.3:
                ta = int(t[i] + rng.uniform(0.1, 0.7) * max(nxt - t[i], 2 * HOUR))
                act_t.append((a[i], ta, -self.eth_usd(np.round(v * rng.uniform(0.2, 0.5), 4), ta)))
            if i + 1 < n:
                v = max(v - keep[i] - rng.uniform(0.0002, 0.0008), 0.003)
                self.L.add(a[i], a[i + 1], t[i + 1], ETH, self.eth_usd(v, t[i + 1]), K_FUND)
        arr = np.array(act_t, dtype=object)
        ad = arr[:, 0].astype(np.int64)
        ta = arr[:, 1].astype(np.int64)
        us = arr[:, 2].astype(np.float64)
        br = us > 0
        self.emit_bridge(ad[br], ta[br], us[br], ETH)
        if (~br).any():
            router = self.ROUTER[int(rng.choice(5, p=self.router_p))]
            self.emit_swap(ad[~br], ta[~br], -us[~br], ETH, USDC, router)
            self.emit_swap(ad[~br], ta[~br] + 900, np.round(-us[~br] * 0.99, 2), USDC, ETH, router)
        fm["fund_eth"] = vals
        fm["chain_t"] = t

    def p1_cex_withdrawal_burst(self, fm):
        rng = self.rng
        a, n, st = fm["addrs"], fm["addrs"].size, fm["style"]
        op = fm["op"]
        lo, hi = self.farm_window(fm)
        ex = op["ex"] if rng.random() < 0.7 else int(rng.choice(3))
        if st != "script" and rng.random() < 0.35:
            # hide the burst inside an announcement wave at the same exchange
            wv = self.waves[int(rng.integers(1, 5))]
            ex, lo = wv["ex"], float(wv["T"])
            fm["in_wave"] = wv["hot"]
            hi = max(hi, lo + 5 * DAY)
        A = float(rng.choice([0.01, 0.02, 0.03, 0.05, 0.08, 0.1]))
        fee = float(rng.choice([0.0004, 0.0008, 0.001, 0.0015]))
        chunk = int(rng.integers(12, 46))
        ends = []
        for c0 in range(0, n, chunk):
            idx = np.arange(c0, min(n, c0 + chunk))
            m = idx.size
            if "in_wave" in fm:
                Tb = int(lo + rng.uniform(0, 40 * MIN))
            elif st != "script":
                Tb = int(self.human(lo, lo + 4 * DAY, fm["tz"])[0])
            else:
                Tb = int(rng.uniform(lo, lo + 4 * DAY))
            if st == "script":
                tt = Tb + np.cumsum(rng.uniform(20, 120, m))
                eth = np.full(m, A - fee)
            elif st == "manual":
                tt = Tb + np.cumsum(rng.lognormal(np.log(150), 0.6, m))
                eth = np.round(A * rng.uniform(1.0, 1.25, m), 3) - fee
            else:
                tt = Tb + np.cumsum(rng.exponential(40 * MIN, m))
                eth = np.round(A * rng.lognormal(0, 0.3, m), 3) - fee
            tt = tt.astype(np.int64)
            hot = fm["in_wave"] if "in_wave" in fm else self.hot_of([ex])[0]
            self.L.add(hot, a[idx], tt, ETH, self.eth_usd(eth, tt), K_FUND)
            ends.append(tt.max())
        # the op refilled its exchange account first (through its deposit address)
        dep = op["deps"][0]
        t_in = int(lo - rng.uniform(2 * HOUR, 2 * DAY))
        self.master_topup(op, t_in - DAY, self.eth_usd(n * A * 1.4, t_in))
        self.L.add(op["master"], dep, t_in, ETH, self.eth_usd(n * A * 1.2, t_in), K_DEP)
        self.farm_tasks(fm, max(ends) + 900, max(hi, max(ends) + DAY), A)
        fm["memo"] = self.MEMO[int(rng.choice(len(self.MEMO), p=[0.5, 0.35, 0.15]))]

    def p1_disperse_cadence_bots(self, fm):
        rng = self.rng
        a, n = fm["addrs"], fm["addrs"].size
        op = fm["op"]
        lo, hi = self.farm_window(fm)
        D = self.DISPERSE[0] if rng.random() < 0.75 else self.DISPERSE[1]
        A = float(rng.choice([0.004, 0.005, 0.006, 0.008, 0.01, 0.012, 0.015]))
        chunk = int(rng.integers(60, 160))
        starts = []
        for c0 in range(0, n, chunk):
            idx = np.arange(c0, min(n, c0 + chunk))
            Tc = int(rng.uniform(lo - 2 * DAY, lo + DAY))
            tot = A * idx.size
            self.master_topup(op, Tc - int(rng.uniform(HOUR, DAY)), self.eth_usd(tot * 1.3, Tc))
            self.L.add(op["master"], D, Tc, ETH, self.eth_usd(tot, Tc), K_FUND)
            self.L.add(D, a[idx], Tc, ETH, self.eth_usd(A, Tc), K_FUND)
            starts.append(Tc)
        P = int(rng.choice([8, 12, 24, 24, 48, 72])) * HOUR
        T1 = max(starts) + int(rng.uniform(HOUR, 2 * DAY))
        T2 = max(hi, self.ws + 0.6 * self.wlen)
        rounds = int(min(max(2, (T2 - T1) // P), 30))
        delta = rng.uniform(2, 25)
        order = rng.permutation(n)
        amt_eth = np.round(A * rng.uniform(0.4, 0.7), 4)
        R = np.repeat(np.arange(rounds), n)
        I = np.tile(np.arange(n), rounds)
        keep = rng.random(R.size) > 0.03
        R, I = R[keep], I[keep]
        tt = (T1 + R * P + order[I] * delta + rng.normal(0, 3, R.size)).astype(np.int64)
        self.emit_bridge(a[I], tt, self.eth_usd(amt_eth, tt), ETH)
        fm["cad"] = (T1, P, delta, order)

    def p1_refuel_drip_bots(self, fm):
        rng = self.rng
        a, n = fm["addrs"], fm["addrs"].size
        lo, hi = self.farm_window(fm)
        R_ = self.REFUEL[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
        menu = float(rng.choice([2, 5, 10]))
        if rng.random() < 0.6:
            t = (lo + np.cumsum(rng.uniform(20, 200, n))).astype(np.int64)
        else:
            t = self.human(np.full(n, lo), np.full(n, lo + 3 * DAY), fm["tz"])
        usd = np.round(menu * rng.uniform(0.985, 0.995, n), 2)
        self.L.add(R_, a, t, ETH, usd, K_FUND)
        b = self.BRIDGE[int(rng.choice(6, p=self.bridge_p))]
        tb = t + (rng.uniform(60, 3 * HOUR, n)).astype(np.int64)
        main = np.round(rng.uniform(40, 160, n), 2)
        self.L.add(b, a, tb, USDC, main, K_FUND)
        P = int(rng.choice([6, 8, 12, 24, 24, 36])) * HOUR
        T1 = int(tb.max() + rng.uniform(HOUR, DAY))
        T2 = max(hi, self.ws + 0.6 * self.wlen)
        rounds = int(min(max(2, (T2 - T1) // P), 24))
        delta = rng.uniform(3, 40)
        order = rng.permutation(n)
        amt = float(rng.choice([20, 25, 30, 35, 40]))
        R = np.repeat(np.arange(rounds), n)
        I = np.tile(np.arange(n), rounds)
        keep = rng.random(R.size) > 0.04
        R, I = R[keep], I[keep]
        tt = (T1 + R * P + order[I] * delta + rng.normal(0, 20, R.size)).astype(np.int64)
        self.emit_bridge(a[I], tt, np.round(amt * rng.uniform(0.995, 1.005, R.size), 2), USDC)
        fm["cad"] = (T1, P, delta, order)
        fm["bridge_in"] = b

    def p1_otc_sourced_farm(self, fm):
        rng = self.rng
        a, n, st = fm["addrs"], fm["addrs"].size, fm["style"]
        op = fm["op"]
        lo, hi = self.farm_window(fm)
        O = self.OTC[int(rng.integers(0, len(self.OTC)))]
        fm["otc"] = O
        A_usd = rng.uniform(40, 250)
        T0 = int(self.human(lo, lo + DAY, fm["tz"])[0])
        self.master_topup(op, T0 - 2 * DAY, A_usd * n * 1.3)
        self.L.add(op["master"], O, T0 - int(rng.uniform(HOUR, DAY)), USDT, np.round(A_usd * n * 1.03, 2), K_FUND)
        if st == "manual":
            t = (T0 + np.cumsum(rng.lognormal(np.log(300), 0.8, n))).astype(np.int64)
        else:
            t = self.human(np.full(n, T0), np.full(n, T0 + 2 * DAY), fm["tz"])
        asset = ETH if rng.random() < 0.6 else USDT
        usd = self.amount(A_usd * rng.uniform(0.7, 1.5, n), asset, t, 0.5)
        self.L.add(O, a, t, asset, usd, K_FUND)
        if asset != ETH:  # needs gas too: a refuel or a tiny exchange withdrawal
            tg = t - (rng.uniform(60, 3600, n)).astype(np.int64)
            self.L.add(self.REFUEL[int(rng.integers(0, 3))], a, tg, ETH, float(rng.choice([2, 5])), K_FUND)
        base_eth = float(np.median(usd) / self.eth_px(T0))
        self.farm_tasks(fm, t.max() + 600, max(hi, t.max() + DAY), base_eth, asset)

    def p1_slow_careful_farm(self, fm):
        rng = self.rng
        a, n = fm["addrs"], fm["addrs"].size
        op = fm["op"]
        lo = rng.uniform(self.ws - 25 * DAY, self.ws + 0.2 * self.wlen)
        hi = self.snap - rng.uniform(0, 4) * DAY
        src = fm["src"]
        t = self.human(np.full(n, lo), np.full(n, lo + 8 * DAY), fm["tz"])
        usd = rng.lognormal(np.log(180), 0.6, n)
        inter = fm["inter"]
        k = src == 0
        if k.any():
            ex = rng.choice(len(EX_SHARE), k.sum(), p=EX_SHARE)
            self.L.add(self.hot_of(ex), a[k], t[k], ETH, self.amount(usd[k], ETH, t[k], 0.3), K_FUND)
        k = src == 1
        if k.any():
            b = self.pick(self.BRIDGE, k.sum(), self.bridge_p)
            asset = rng.choice([ETH, USDC], k.sum())
            self.L.add(b, a[k], t[k], asset, self.amount(usd[k], asset, t[k], 0.2), K_FUND)
        k = src == 2
        if k.any():
            iv = inter[np.arange(k.sum()) % inter.size]
            self.L.add(iv, a[k], t[k], ETH, self.amount(usd[k], ETH, t[k], 0.2), K_FUND)
            for j, iv1 in enumerate(inter):
                tj = int(lo - rng.uniform(HOUR, 4 * DAY))
                self.L.add(
                    self.hot_of(rng.choice(len(EX_SHARE), 1, p=EX_SHARE))[0],
                    iv1,
                    tj,
                    ETH,
                    self.amount(rng.uniform(500, 2000), ETH, tj, 0.6),
                    K_FUND,
                )
        # camouflage: ordinary-looking activity spread over weeks
        m = rng.integers(2, 7, n)
        ai = np.repeat(np.arange(n), m)
        tc = self.human(t[ai] + HOUR, np.full(ai.size, self.t_end - 2 * DAY), fm["tz"])
        kind = rng.choice(3, ai.size, p=[0.6, 0.2, 0.2])
        cu = np.round(usd[ai] * rng.lognormal(-1, 0.6, ai.size), 2)
        s = kind == 0
        self.emit_swap(a[ai[s]], tc[s], cu[s], ETH, USDC, self.pick(self.ROUTER, s.sum(), self.router_p))
        s = kind == 1
        self.emit_mint(a[ai[s]], tc[s], rng.integers(0, len(NFT_COLLECTIONS), s.sum()))
        s = kind == 2
        if s.any():
            self.L.add(a[ai[s]], self.pick(self.LEND, s.sum()), tc[s], USDC, cu[s])
        fm["fund_eth"] = usd / self.eth_px(t)
        self.farm_tasks(fm, max(self.ws, t.max() + HOUR), hi, float(np.median(usd) / self.eth_px(t[0])))

    # ------------------------------------------------------------------ retired ops
    def retired_history(self):
        rng = self.rng
        for r in self.retired:
            a = r["addrs"]
            n = a.size
            op = r["op"]
            if rng.random() < 0.5:
                lo = rng.uniform(self.t0 + 5 * DAY, self.launch - 20 * DAY)
                on_protocol = False
            else:
                lo = rng.uniform(self.launch + 2 * DAY, self.ws - 30 * DAY)
                on_protocol = True
            A = float(rng.choice([0.01, 0.02, 0.03, 0.05]))
            t = (lo + np.cumsum(rng.uniform(10, 300, n))).astype(np.int64)
            self.L.add(
                self.hot_of([op["ex"]])[0], r["funder"], int(lo - DAY), ETH, self.eth_usd(A * n * 1.1, lo), K_FUND
            )
            self.L.add(r["funder"], a, t, ETH, self.eth_usd(A, t), K_FUND)
            for rr in range(int(rng.integers(2, 5))):
                tt = (lo + DAY * rng.uniform(1, 15) + np.arange(n) * rng.uniform(20, 200)).astype(np.int64)
                usd = self.eth_usd(A * 0.6, tt)
                if on_protocol:
                    self.emit_bridge(a, tt, usd, ETH)
                else:
                    b = self.BRIDGE[int(rng.integers(0, 6))]
                    self.L.add(a, b, tt, ETH, usd)
                    self.L.add(b, a, tt + 600, ETH, np.round(usd * 0.995, 2))
            ts = (lo + 20 * DAY + np.arange(n) * rng.uniform(20, 200)).astype(np.int64)
            self.L.add(a, r["collector"], ts, ETH, self.eth_usd(A * 0.85, ts), K_SWEEP)
            if op["ex"] in MEMO_EX:
                dep = self.MEMO[int(np.flatnonzero(MEMO_EX == op["ex"])[0])]
            else:
                dep = op["deps"][0]
            self.L.add(r["collector"], dep, int(ts.max() + DAY), ETH, self.eth_usd(A * 0.85 * n, ts.max()), K_DEP)

    # ================================================================== HONEST people
    def alloc_honest(self):
        rng = self.rng
        D = int(round(0.13 * self.N))
        self.DEP = self.alloc(D, "deposit_addr")
        Hw = self.N - self.n
        if Hw < 0.5 * self.N:
            raise ValueError("too few addresses left for people")
        self.W = self.alloc(Hw, "wallet")
        self.w0 = int(self.W[0])
        sizes = rng.choice([1, 2, 3, 4, 5, 6], size=Hw, p=[0.8, 0.125, 0.045, 0.017, 0.008, 0.005])
        cs = np.cumsum(sizes)
        P = int(np.searchsorted(cs, Hw)) + 1
        sizes = sizes[:P].copy()
        sizes[-1] -= cs[P - 1] - Hw
        self.P = P
        self.p_nw = sizes
        self.p_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.w_person = np.repeat(np.arange(P), sizes)
        self.w_rank = np.arange(Hw) - self.p_start[self.w_person]
        self.p_tz = rng.choice(TZ_VALS, P, p=TZ_P)
        self.p_wealth = rng.lognormal(np.log(700), 1.35, P)
        self.p_ex = rng.choice(len(EX_SHARE), P, p=EX_SHARE)
        self.p_smallex = np.where(rng.random(P) < 0.12, rng.choice(len(self.SMALLEX), P, p=self.smallex_p), -1)
        # communities (friends, colleagues, chat groups)
        perm = rng.permutation(P)
        csz = np.maximum(2, rng.lognormal(np.log(35), 0.9, P // 10 + 10).astype(int))
        cc = np.cumsum(csz)
        nc = int(np.searchsorted(cc, P)) + 1
        comm_of_slot = np.repeat(np.arange(nc), csz[:nc])[:P]
        self.p_comm = np.empty(P, np.int64)
        self.p_comm[perm] = comm_of_slot
        order = np.argsort(self.p_comm, kind="stable")
        self.comm_members = order
        cnt = np.bincount(self.p_comm, minlength=nc)
        self.comm_start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
        self.comm_size = cnt
        # deposit-address owners (never at a memo exchange), families sharing them
        nonmemo = np.flatnonzero(~np.isin(self.p_ex, MEMO_EX))
        owners = rng.choice(nonmemo, size=min(D, nonmemo.size), replace=False)
        self.p_dep = np.full(P, -1, np.int64)
        self.p_dep[owners] = self.DEP[: owners.size]
        self.dep_ex = np.full(self.N, -1, np.int64)
        self.dep_ex[self.DEP[: owners.size]] = self.p_ex[owners]
        for deps, ex in self.farm_dep_ex:
            self.dep_ex[deps] = ex
        self.p_shared = np.full(P, -1, np.int64)  # a family member's deposit address
        fam_owners = rng.choice(owners, size=int(0.05 * owners.size), replace=False)
        for o in fam_owners:
            k = int(rng.integers(1, 5))
            c = self.p_comm[o]
            cand = self.comm_members[self.comm_start[c] + rng.integers(0, self.comm_size[c], k)]
            cand = cand[(cand != o) & (self.p_dep[cand] < 0)]
            self.p_shared[cand] = self.p_dep[o]
        self.dep_owner_persons = owners
        # node roles (internal)
        self.role_names = sorted({r for r, _, _ in self.roles})
        self.role = np.empty(self.N, np.int16)
        for r, st, k in self.roles:
            self.role[st : st + k] = self.role_names.index(r)
        actors = [
            self.role_names.index(r)
            for r in ("wallet", "farm_addr", "farm_funder", "farm_collector", "farm_master")
            if r in self.role_names
        ]
        self.actor = np.isin(self.role, actors)

    def wallet_of_person(self, p, rnd=True):
        p = np.asarray(p)
        k = (self.rng.random(p.size) * self.p_nw[p]).astype(int) if rnd else 0
        return self.p_start[p] + k

    def friend_of(self, w):
        """A random wallet of a random other person in w's community (local index)."""
        rng = self.rng
        p = self.w_person[w]
        c = self.p_comm[p]
        q = self.comm_members[self.comm_start[c] + (rng.random(w.size) * self.comm_size[c]).astype(int)]
        same = q == p
        q[same] = rng.integers(0, self.P, same.sum())
        return self.wallet_of_person(q)

    def own_other(self, w):
        p = self.w_person[w]
        nw = self.p_nw[p]
        r = self.w_rank[w]
        k = (r + 1 + (self.rng.random(w.size) * np.maximum(nw - 1, 1)).astype(int)) % np.maximum(nw, 1)
        return self.p_start[p] + k

    def honest_plan(self):
        """Who is who among people: special crowds, eligible users, activity levels."""
        rng = self.rng
        Hw = self.W.size
        H = self.H_target
        kind = np.zeros(Hw, np.int8)  # 0 general 1 wave 2 workshop 3 dao 4 mm_bot 5 dca 6 onboardee 7 onboarder
        pool = rng.permutation(Hw)
        pos = 0

        def take(k, knd):
            nonlocal pos
            s = pool[pos : pos + int(k)]
            pos += int(k)
            kind[s] = knd
            return s

        # waves
        n_wave = int(0.19 * H)
        wsz = np.maximum(20, (rng.dirichlet(np.ones(6) * 4) * n_wave).astype(int))
        self.waves = []
        wave_times = [
            self.launch + rng.uniform(0, 3) * DAY,
            self.ws + rng.uniform(0.3, 2) * DAY,
            self.ws + rng.uniform(0.2, 0.45) * self.wlen,
            self.ws + rng.uniform(0.45, 0.7) * self.wlen,
            self.ws + rng.uniform(0.7, 0.9) * self.wlen,
            self.snap + rng.uniform(1, 8) * DAY,
        ]
        for i in range(6):
            T = int(wave_times[i] // HOUR * HOUR + rng.integers(0, 15 * MIN))
            ex = int(rng.choice(4, p=[0.45, 0.3, 0.15, 0.1]))
            self.waves.append(dict(T=T, ex=ex, hot=int(self.hot_of([ex])[0]), members=take(wsz[i], 1), phase=i))
        # workshops
        self.workshops = []
        for i in range(6):
            m = int(max(10, rng.integers(15, 71) * min(1.0, self.f**0.5)))
            T = self.ws - rng.uniform(20, 40) * DAY if i == 0 else self.ws + rng.uniform(0.05, 0.9) * self.wlen
            T = int(T // DAY * DAY + rng.integers(14, 19) * HOUR)
            self.workshops.append(
                dict(
                    T=T,
                    host=self.WORKSHOP[i],
                    members=take(m, 2),
                    disperse=(i % 3 == 1),
                    A=float(rng.choice([0.005, 0.01, 0.02])),
                )
            )
        # DAO contributors
        self.daos = []
        for i in range(len(self.DAO)):
            m = int(max(5, rng.integers(6, 51) * min(1.0, self.f**0.5)))
            self.daos.append(dict(node=self.DAO[i], members=take(m, 3)))
        # market-maker rebalancing bots and retail DCA automations
        self.mmbots = []
        for i in range(len(self.MM)):
            self.mmbots.append(dict(mm=self.MM[i], members=take(int(rng.integers(2, 11)), 4)))
        self.dca = take(int(0.012 * H), 5)
        # friend onboarding: onboarders give gas to friends' new wallets
        n_onb = int(0.012 * H)
        onb = take(n_onb, 7)
        k = rng.integers(3, 9, n_onb)
        onbe = take(k.sum(), 6)
        self.onb_from = np.repeat(onb, k)
        self.onb_to = onbe
        # general population
        general = pool[pos:]
        self.kind = kind
        # eligibility plans
        elig = np.zeros(Hw, bool)
        for wv in self.waves:
            p = [0.45, 0.9, 0.9, 0.9, 0.88, 0.0][wv["phase"]]
            elig[wv["members"]] = rng.random(wv["members"].size) < p
        for wk in self.workshops:
            p = 0.3 if wk["T"] < self.ws else 0.93
            elig[wk["members"]] = rng.random(wk["members"].size) < p
        for d in self.daos:
            elig[d["members"]] = rng.random(d["members"].size) < 0.65
        for b in self.mmbots:
            elig[b["members"]] = True
        elig[self.dca] = True
        elig[onbe] = rng.random(onbe.size) < 0.55
        n_spec = elig.sum()
        n_gen = max(0, int(H - n_spec))
        # eligible general users are the more active, longer-lived people; families of
        # multi-wallet owners often use the protocol from several wallets
        act = rng.lognormal(0, 1.0, general.size)
        multi = self.p_nw[self.w_person[general]] > 1
        wgt = act * np.where(multi, 1.6, 1.0)
        chosen = rng.choice(general, size=min(n_gen, general.size), replace=False, p=wgt / wgt.sum())
        elig[chosen] = True
        self.elig_plan = elig
        self.general = general

        # timing of lives
        ds, de = self.t0, self.t_end
        span = de - ds
        pers_tz = self.p_tz[self.w_person]
        self.w_tz = pers_tz
        pre = rng.random(Hw) < np.where(elig, 0.45, 0.42)
        tf = np.where(pre, ds, ds + span * rng.beta(1.4, 1.0, Hw)).astype(np.int64)
        # first protocol use inside the window for the eligible
        u1 = np.full(Hw, -1, np.int64)
        g_el = elig & (kind == 0)
        u1[g_el] = self.human(np.full(g_el.sum(), self.ws), np.full(g_el.sum(), self.snap - HOUR), pers_tz[g_el])
        late = g_el & ~pre
        tf[late] = (u1[late] - (u1[late] - ds) * rng.beta(0.7, 2.2, late.sum()) - 10 * MIN).astype(np.int64)
        d_el = elig & (kind == 3)
        u1[d_el] = self.human(np.full(d_el.sum(), self.ws), np.full(d_el.sum(), self.snap - HOUR), pers_tz[d_el])
        te = np.where(rng.random(Hw) < 0.35, de, tf + rng.exponential(110 * DAY, Hw)).astype(np.int64)
        te = np.where(elig, de, te)
        te = np.minimum(np.maximum(te, tf + DAY), de)
        lam = np.where(elig, rng.lognormal(np.log(0.075), 0.9, Hw), rng.lognormal(np.log(0.0125), 1.1, Hw))
        minimal = g_el & (rng.random(Hw) < 0.22)
        lam[minimal] = rng.lognormal(np.log(0.006), 0.6, minimal.sum())
        self.minimal = minimal
        lam[kind == 6] = rng.lognormal(np.log(0.02), 0.9, (kind == 6).sum())
        self.tf, self.te, self.lam, self.pre, self.u1 = tf, te, lam, pre, u1

    # ------------------------------------------------------------------ special crowds
    def honest_specials(self):
        rng = self.rng
        w0 = self.w0
        tz = self.w_tz
        # announcement waves: new wallets withdrawn from one exchange hot wallet within the hour
        for wv in self.waves:
            m = wv["members"]
            k = m.size
            t = wv["T"] + np.minimum(rng.exponential(17 * MIN, k), 58 * MIN).astype(np.int64)
            self.tf[m] = t
            self.pre[m] = False
            self.te[m] = np.maximum(self.te[m], t + DAY)
            usd = rng.lognormal(np.log(350), 1.0, k)
            asset = np.where(rng.random(k) < 0.75, ETH, USDC)
            hot = np.where(rng.random(k) < 0.85, wv["hot"], self.hot_of(np.full(k, wv["ex"])))
            self.L.add(hot, m + w0, t, asset, self.amount(usd, asset, t, 0.5), K_FUND)
            first = t + rng.lognormal(np.log(1.5 * HOUR), 1.1, k).astype(np.int64) + 5 * MIN
            el = self.elig_plan[m]
            inwin = (first >= self.ws) & (first < self.snap)
            # early-wave members who stay eligible come back inside the window
            u = np.where(inwin, first, self.human(np.full(k, self.ws), np.full(k, self.snap - HOUR), tz[m]))
            self.u1[m[el]] = u[el]
            # everyone in a wave tries the protocol right away
            out = ~el | ~inwin
            mo = m[out]
            if mo.size:
                fo = first[out]
                ok = fo < self.t_end
                us = self.amount(usd[out] * rng.uniform(0.3, 0.9, out.sum()), ETH, fo, 0.4)
                self.emit_bridge(mo[ok] + w0, fo[ok], us[ok], ETH)
            self.te[m] = np.where(el, self.t_end, self.te[m])
        # workshops
        for wk in self.workshops:
            m = wk["members"]
            k = m.size
            T = wk["T"]
            host = wk["host"]
            hot = self.hot_of([int(rng.choice(3))])[0]
            self.L.add(
                hot, host, T - int(rng.uniform(DAY, 5 * DAY)), ETH, self.eth_usd(wk["A"] * k * 1.5 + 0.05, T), K_FUND
            )
            if wk["disperse"]:
                t = np.full(k, T + int(rng.integers(5 * MIN, 20 * MIN)))
                self.L.add(host, self.DISPERSE[0], t[0], ETH, self.eth_usd(wk["A"] * k, T), K_FUND)
                self.L.add(self.DISPERSE[0], m + w0, t, ETH, self.eth_usd(wk["A"], t), K_FUND)
            else:
                t = (T + np.sort(rng.uniform(3 * MIN, 45 * MIN, k))).astype(np.int64)
                self.L.add(host, m + w0, t, ETH, self.eth_usd(wk["A"], t), K_FUND)
            self.tf[m] = t
            self.pre[m] = False
            act = T + 20 * MIN + rng.lognormal(np.log(40 * MIN), 0.6, k).astype(np.int64)
            el = self.elig_plan[m]
            if T >= self.ws:
                self.u1[m[el]] = act[el]
            else:
                self.emit_bridge(m + w0, act, self.eth_usd(np.round(wk["A"] * rng.uniform(0.5, 0.9, k), 4), act), ETH)
                self.u1[m[el]] = self.human(np.full(el.sum(), self.ws), np.full(el.sum(), self.snap - HOUR), tz[m[el]])
            wk["act"] = act
            quiet = rng.random(k) < 0.4
            self.lam[m] = np.where(quiet, rng.lognormal(np.log(0.004), 0.5, k), rng.lognormal(np.log(0.05), 0.9, k))
            self.te[m] = np.where(el | ~quiet, self.t_end, np.minimum(self.t_end, T + 20 * DAY))
        # DAO payroll: monthly, same day, from one multisig (token multisend = same second)
        months = pd.date_range(
            pd.Timestamp(self.t0, unit="s").normalize() - pd.offsets.MonthBegin(1),
            pd.Timestamp(self.t_end, unit="s"),
            freq="MS",
        )
        for i, d in enumerate(self.daos):
            m = d["members"]
            k = m.size
            node = d["node"]
            tier = rng.choice([1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000], k)
            joined_pre = rng.random(k) < 0.7
            join = np.where(joined_pre, self.t0 - DAY, self.t0 + rng.uniform(0, 1, k) * (self.ws - self.t0)).astype(
                np.int64
            )
            leave = np.where(rng.random(k) < 0.15, join + rng.uniform(60, 200, k) * DAY, self.t_end + DAY).astype(
                np.int64
            )
            el = self.elig_plan[m]
            leave[el] = self.t_end + DAY
            pay_day = int(rng.integers(0, 27))
            multisend = rng.random() < 0.5
            asset = USDC if rng.random() < 0.8 else DAI
            dtz = float(rng.choice(TZ_VALS, p=TZ_P))
            first_pay = np.full(k, -1, np.int64)
            for mo in months:
                T = _s(mo) + pay_day * DAY
                T = int(self.human(T, T + DAY, dtz)[0])
                if T < self.t0 or T > self.t_end:
                    continue
                act = (join <= T) & (leave > T)
                if not act.any():
                    continue
                if multisend:
                    t = np.full(act.sum(), T)
                else:
                    t = (T + np.cumsum(rng.uniform(20, 240, act.sum()))).astype(np.int64)
                self.L.add(
                    self.P_TREASURY if i < 3 else self.hot_of([int(rng.choice(3))])[0],
                    node,
                    T - int(rng.uniform(DAY, 4 * DAY)),
                    asset,
                    float(tier[act].sum() * 1.05),
                    K_FUND,
                )
                self.L.add(node, m[act] + w0, t, asset, tier[act].astype(float), K_FUND)
                fp = act & (first_pay < 0)
                first_pay[fp] = t[fp[act]]
            new = ~joined_pre & (first_pay > 0)
            self.tf[m[new]] = first_pay[new]
            self.pre[m[new]] = False
            need = el & (self.u1[m] < self.tf[m])
            self.u1[m[need]] = self.human(
                np.maximum(self.tf[m[need]] + HOUR, self.ws), np.full(need.sum(), self.snap - HOUR), tz[m[need]]
            )
            self.te[m] = np.maximum(self.te[m], np.minimum(leave, self.t_end))
        # market-maker rebalancing bots: funded by the MM, bridging on a cron
        for b in self.mmbots:
            m = b["members"]
            k = m.size
            Ts = (self.ws - rng.uniform(5, 35, k) * DAY).astype(np.int64)
            self.tf[m] = Ts
            self.pre[m] = False
            self.te[m] = self.t_end
            asset = USDC if rng.random() < 0.7 else ETH
            self.L.add(b["mm"], m + w0, Ts, asset, self.amount(rng.uniform(2e4, 2.5e5, k), asset, Ts, 0.8), K_FUND)
            P = int(rng.choice([6, 8, 12])) * HOUR
            phase = rng.uniform(0, P, k)
            dur = rng.uniform(30, 55, k) * DAY
            for j in range(k):
                r = np.arange(int(dur[j] // P))
                tt = (Ts[j] + HOUR + phase[j] + r * P + rng.normal(0, 45, r.size)).astype(np.int64)
                tt = tt[(rng.random(r.size) < 0.5) & (tt < self.t_end - HOUR)]
                self.emit_bridge(
                    np.full(tt.size, m[j] + w0),
                    tt,
                    self.amount(rng.lognormal(np.log(12000), 1.0, tt.size), asset, tt, 0.3),
                    asset,
                )
                wk = np.arange(Ts[j] + 7 * DAY, self.t_end, 7 * DAY)
                self.L.add(m[j] + w0, b["mm"], wk, asset, np.round(rng.lognormal(np.log(3000), 1, wk.size), 2))
            self.lam[m] = 0.003
        # retail DCA automations: weekly same weekday/hour, same amount
        m = self.dca
        k = m.size
        self.tf[m] = np.minimum(self.tf[m], (self.ws - rng.uniform(10, 80, k) * DAY).astype(np.int64))
        start = self.ws - rng.uniform(3, 60, k) * DAY
        start = np.maximum(start, self.tf[m] + DAY)
        wd_off = rng.uniform(0, 7 * DAY, k)
        amt = rng.choice([25, 50, 100, 100, 200, 250, 500], k).astype(float)
        nwk = rng.integers(6, 26, k)
        I = np.repeat(np.arange(k), nwk)
        R = np.concatenate([np.arange(x) for x in nwk])
        base = (start // (7 * DAY)) * 7 * DAY + wd_off
        tt = (base[I] + R * 7 * DAY + rng.normal(0, 90, I.size)).astype(np.int64)
        # make sure the first run is after the wallet appears and a run falls in the window
        tt = np.where(tt < self.tf[m][I] + HOUR, self.tf[m][I] + HOUR + R * 7 * DAY, tt)
        ok = tt < self.t_end - HOUR
        asset = rng.choice([USDC, USDT, DAI], k, p=[0.7, 0.2, 0.1])
        self.emit_bridge(m[I[ok]] + w0, tt[ok], amt[I[ok]], asset[I[ok]])
        self.te[m] = self.t_end
        # friend onboarding
        fr, to = self.onb_from, self.onb_to
        k = to.size
        Ton = self.human(np.full(fr.size, self.t0 + 30 * DAY), np.full(fr.size, self.snap - 5 * DAY), tz[fr])
        _, inv = np.unique(fr, return_inverse=True)
        base = np.zeros(inv.max() + 1, np.int64)
        base[inv] = Ton  # one start per onboarder
        t = self.human(base[inv], base[inv] + 20 * DAY, tz[to])
        self.pre[fr] = True
        self.tf[fr] = self.t0
        self.te[fr] = self.t_end
        usd = self.amount(self.eth_usd(rng.uniform(0.002, 0.02, k), t), ETH, t, 0.6)
        self.L.add(fr + w0, to + w0, t, ETH, usd, K_FUND)
        self.tf[to] = t
        self.pre[to] = False
        self.te[to] = np.where(
            self.elig_plan[to], self.t_end, np.minimum(self.t_end, t + rng.exponential(90 * DAY, k).astype(np.int64))
        )
        el = self.elig_plan[to]
        lo = np.maximum(t + HOUR, self.ws)
        okel = el & (lo < self.snap - HOUR)
        self.u1[to[okel]] = self.human(lo[okel], np.full(okel.sum(), self.snap - HOUR), tz[to[okel]])
        self.elig_plan[to[el & ~okel]] = False

    # ------------------------------------------------------------------ ordinary lives
    def honest_funding(self):
        """First funding of new general wallets."""
        rng = self.rng
        w0 = self.w0
        k = self.kind
        need = (~self.pre) & ((k == 0) | (k == 7) | (k == 5))
        w = np.flatnonzero(need)
        n = w.size
        t = self.tf[w]
        src = rng.choice(9, n, p=[0.48, 0.18, 0.10, 0.06, 0.035, 0.045, 0.06, 0.025, 0.015])
        multi = self.p_nw[self.w_person[w]] > 1
        src = np.where((src == 3) & ~multi, 2, src)
        usd = self.p_wealth[self.w_person[w]] * rng.lognormal(-0.8, 0.9, n)
        asset = rng.choice([ETH, USDC, USDT], n, p=[0.68, 0.24, 0.08])
        frm = np.empty(n, np.int64)
        s = src == 0
        frm[s] = self.hot_of(self.p_ex[self.w_person[w[s]]])
        s = src == 1
        frm[s] = self.pick(self.BRIDGE, s.sum(), self.bridge_p)
        s = src == 2
        frm[s] = self.friend_of(w[s]) + w0
        s = src == 3
        frm[s] = self.own_other(w[s]) + w0
        s = src == 4  # faucet: fixed drip
        fi = rng.choice(3, s.sum(), p=[0.55, 0.3, 0.15])
        frm[s] = self.FAUCET[fi]
        usd[s] = self.eth_usd(self.faucet_eth[fi], t[s])
        asset[s] = ETH
        s = src == 5  # gas refuel menu
        frm[s] = self.pick(self.REFUEL, s.sum(), [0.5, 0.3, 0.2])
        usd[s] = np.round(
            rng.choice(self.refuel_menu, s.sum(), p=[0.25, 0.3, 0.25, 0.12, 0.08]) * rng.uniform(0.985, 0.995, s.sum()),
            2,
        )
        asset[s] = ETH
        s = src == 6
        se = self.p_smallex[self.w_person[w[s]]]
        se = np.where(se < 0, rng.choice(len(self.SMALLEX), s.sum(), p=self.smallex_p), se)
        frm[s] = self.SMALLEX[se]
        s = src == 7
        frm[s] = self.pick(self.OTC, s.sum(), self.otc_p)
        usd[s] *= 4
        s = src == 8
        frm[s] = self.pick(self.PAY, s.sum())
        fix = (src == 4) | (src == 5)
        amt = np.where(fix, usd, self.amount(usd, asset, t, 0.45))
        self.L.add(frm, w + w0, t, asset, np.maximum(amt, 0.5), K_FUND)
        # refuel/faucet newcomers need real money soon after
        s = fix
        if s.any():
            ws_ = w[s]
            t2 = t[s] + rng.lognormal(np.log(6 * HOUR), 1.3, s.sum()).astype(np.int64)
            ok = t2 < self.t_end
            u2 = self.p_wealth[self.w_person[ws_]] * rng.lognormal(-0.8, 0.9, s.sum())
            f2 = np.where(
                rng.random(s.sum()) < 0.6,
                self.hot_of(self.p_ex[self.w_person[ws_]]),
                self.pick(self.BRIDGE, s.sum(), self.bridge_p),
            )
            self.L.add(f2[ok], ws_[ok] + w0, t2[ok], ETH, self.amount(u2[ok], ETH, t2[ok], 0.4), K_FUND)

    def honest_generic(self):
        rng = self.rng
        w0 = self.w0
        Hw = self.W.size
        days = (self.te - self.tf) / DAY
        cnt = rng.poisson(self.lam * days)
        cnt = np.minimum(cnt, 400)
        cnt = np.where(self.pre & (cnt == 0), 1, cnt)
        # every deposit-address owner / family member deposits at least once
        w = np.repeat(np.arange(Hw), cnt)
        t = self.human(self.tf[w] + 60, self.te[w], self.w_tz[w])
        persona = rng.integers(0, 4, Hw)
        PT = np.array(
            [
                # swap lend nftb nftm nfts cexw cexd peer self brin brout pay otcb otcs sxw sxd
                [0.34, 0.07, 0.02, 0.02, 0.01, 0.14, 0.12, 0.10, 0.03, 0.05, 0.04, 0.02, 0.01, 0.01, 0.01, 0.01],
                [0.18, 0.03, 0.08, 0.08, 0.05, 0.13, 0.10, 0.12, 0.03, 0.04, 0.03, 0.03, 0.005, 0.005, 0.02, 0.02],
                [0.20, 0.02, 0.02, 0.02, 0.01, 0.20, 0.17, 0.14, 0.04, 0.04, 0.04, 0.05, 0.01, 0.01, 0.02, 0.01],
                [0.30, 0.12, 0.02, 0.02, 0.01, 0.10, 0.08, 0.08, 0.03, 0.09, 0.08, 0.01, 0.01, 0.01, 0.01, 0.01],
            ]
        )
        PT[:, 12:14] *= 0.6
        PT = PT / PT.sum(1, keepdims=True)
        cum = np.cumsum(PT, 1)
        typ = (rng.random(w.size)[:, None] > cum[persona[w]]).sum(1)
        typ = np.minimum(typ, PT.shape[1] - 1)
        # forced deposits for deposit-address owners and family members
        pdep = np.flatnonzero((self.p_dep >= 0) | (self.p_shared >= 0))
        fw = self.wallet_of_person(pdep)
        w = np.concatenate([w, fw])
        t = np.concatenate([t, self.human(self.tf[fw] + 60, self.te[fw], self.w_tz[fw])])
        typ = np.concatenate([typ, np.full(fw.size, 6)])
        p = self.w_person[w]
        usd = self.p_wealth[p] * rng.lognormal(-1.3, 1.0, w.size)
        usd = np.maximum(usd, rng.uniform(1, 8, w.size))
        W = w + w0
        n_ = w.size
        ast = rng.choice([ETH, USDC, USDT, DAI, WETH], n_, p=[0.46, 0.3, 0.1, 0.05, 0.09])
        ast2 = rng.choice([ETH, USDC, USDT, DAI, WETH], n_, p=[0.46, 0.3, 0.1, 0.05, 0.09])
        ast2 = np.where(ast2 == ast, np.where(ast == ETH, USDC, ETH), ast2)
        amt = self.amount(usd, ast, t, 0.33)
        # 0 swap
        s = typ == 0
        self.emit_swap(W[s], t[s], amt[s], ast[s], ast2[s], self.pick(self.ROUTER, s.sum(), self.router_p))
        # 1 lend (with later withdrawal)
        s = typ == 1
        lp = self.pick(self.LEND, s.sum())
        self.L.add(W[s], lp, t[s], ast[s], amt[s])
        tb = t[s] + rng.exponential(25 * DAY, s.sum()).astype(np.int64)
        ok = (rng.random(s.sum()) < 0.55) & (tb < self.te[w[s]])
        self.L.add(lp[ok], W[s][ok], tb[ok], ast[s][ok], np.round(amt[s][ok] * rng.uniform(1.0, 1.03, ok.sum()), 2))
        # 2 nft buy
        s = typ == 2
        mk = self.pick(self.NFTMKT, s.sum(), [0.6, 0.3, 0.1])
        col = rng.integers(0, len(NFT_COLLECTIONS), s.sum())
        self.L.add(W[s], mk, t[s], ETH, self.amount(np.maximum(usd[s], 15), ETH, t[s], 0.4))
        self.L.add(mk, W[s], t[s], NFT0 + col, np.nan)
        # 3 nft mint
        s = typ == 3
        self.emit_mint(W[s], t[s], rng.integers(0, len(NFT_COLLECTIONS), s.sum()))
        # 4 nft sell
        s = typ == 4
        mk = self.pick(self.NFTMKT, s.sum(), [0.6, 0.3, 0.1])
        col = rng.integers(0, len(NFT_COLLECTIONS), s.sum())
        self.L.add(W[s], mk, t[s], NFT0 + col, np.nan)
        self.L.add(mk, W[s], t[s] + 1, ETH, self.amount(np.maximum(usd[s], 15), ETH, t[s], 0.2))
        # 5 exchange withdrawal
        s = typ == 5
        self.L.add(self.hot_of(self.p_ex[p[s]]), W[s], t[s], ast[s], amt[s])
        # 6 exchange deposit: own deposit address, a family member's, or the memo address
        s = np.flatnonzero(typ == 6)
        dep = self.p_dep[p[s]]
        sh = self.p_shared[p[s]]
        dep = np.where((sh >= 0) & ((dep < 0) | (rng.random(s.size) < 0.5)), sh, dep)
        memo_i = np.searchsorted(MEMO_EX, self.p_ex[p[s]])
        is_memo = np.isin(self.p_ex[p[s]], MEMO_EX)
        dep = np.where((dep < 0) & is_memo, self.MEMO[np.minimum(memo_i, 2)], dep)
        ok = dep >= 0
        self.L.add(W[s[ok]], dep[ok], t[s[ok]], ast[s[ok]], amt[s[ok]], K_DEP)
        rest = s[~ok]  # no exchange deposit address: bridge out instead
        self.L.add(W[rest], self.pick(self.BRIDGE, rest.size, self.bridge_p), t[rest], ast[rest], amt[rest])
        # 7 peer, 8 own other wallet
        s = typ == 7
        self.L.add(W[s], self.friend_of(w[s]) + w0, t[s], ast[s], amt[s])
        s = typ == 8
        multi = self.p_nw[p[s]] > 1
        tgt = np.where(multi, self.own_other(w[s]), self.friend_of(w[s]))
        self.L.add(W[s], tgt + w0, t[s], ast[s], amt[s])
        # 9 bridge in, 10 bridge out
        s = typ == 9
        self.L.add(self.pick(self.BRIDGE, s.sum(), self.bridge_p), W[s], t[s], ast[s], amt[s])
        s = typ == 10
        self.L.add(W[s], self.pick(self.BRIDGE, s.sum(), self.bridge_p), t[s], ast[s], amt[s])
        # 11 pay a merchant through a processor
        s = typ == 11
        self.L.add(W[s], self.pick(self.PAY, s.sum(), [0.4, 0.3, 0.2, 0.1]), t[s], ast[s], amt[s])
        # 12 otc buy, 13 otc sell (bigger tickets)
        s = typ == 12
        self.L.add(
            self.pick(self.OTC, s.sum(), self.otc_p),
            W[s],
            t[s],
            ast[s],
            self.amount(usd[s] * 5 + 300, ast[s], t[s], 0.6),
        )
        s = typ == 13
        self.L.add(
            W[s],
            self.pick(self.OTC, s.sum(), self.otc_p),
            t[s],
            ast[s],
            self.amount(usd[s] * 5 + 300, ast[s], t[s], 0.6),
        )
        # 14/15 small exchange withdraw/deposit
        se = self.p_smallex[p]
        se = np.where(se < 0, rng.choice(len(self.SMALLEX), p.size, p=self.smallex_p), se)
        s = typ == 14
        self.L.add(self.SMALLEX[se[s]], W[s], t[s], ast[s], amt[s])
        s = typ == 15
        self.L.add(W[s], self.SMALLEX[se[s]], t[s], ast[s], amt[s])
        # community distributions via the disperse contracts (existing wallets, same second)
        for j, (D, size) in enumerate([(self.DISPERSE[0], 650), (self.DISPERSE[0], 500), (self.DISPERSE[1], 320)]):
            size = int(size * self.f**0.7)
            T = int(rng.uniform(self.t0 + 20 * DAY, self.snap))
            cand = np.flatnonzero((self.tf < T) & (self.te > T))
            rc = rng.choice(cand, size=min(size, cand.size), replace=False)
            A = float(rng.choice([0.002, 0.003, 0.005]))
            self.L.add(self.DAO[3 + j], D, T, ETH, self.eth_usd(A * rc.size, T), K_SVC)
            self.L.add(D, rc + w0, T, ETH, self.eth_usd(A, T), K_SVC)

    def honest_protocol(self):
        rng = self.rng
        w0 = self.w0
        el = np.flatnonzero(self.elig_plan & (self.kind != 4) & (self.kind != 5))
        el = el[self.u1[el] > 0]
        n = el.size
        tz = self.w_tz[el]
        p = self.w_person[el]
        wealth = self.p_wealth[p]
        minimal = self.minimal[el]
        kd = self.kind[el]
        # first qualifying use
        usd1 = wealth * rng.lognormal(-0.5, 0.9, n)
        usd1 = np.where(minimal, rng.uniform(6, 60, n), usd1)
        usd1 = np.maximum(usd1, rng.uniform(6, 15, n))
        a1 = rng.choice([ETH, USDC, USDT, DAI], n, p=[0.56, 0.27, 0.09, 0.08])
        wkm = kd == 2
        a1[wkm] = ETH
        t1 = self.u1[el]
        amt1 = self.amount(usd1, a1, t1, 0.35)
        # workshop participants bridge about what they were given
        if wkm.any():
            wt = self.workshops
            A_of = np.zeros(self.W.size)
            for wk in wt:
                A_of[wk["members"]] = wk["A"]
            amt1[wkm] = self.eth_usd(np.round(A_of[el[wkm]] * rng.uniform(0.5, 0.9, wkm.sum()), 4), t1[wkm])
        self.emit_bridge(el + w0, t1, amt1, a1)
        # a small test deposit first (below the qualifying minimum)
        s = rng.random(n) < 0.06
        tt = t1[s] - rng.uniform(60, 3 * HOUR, s.sum()).astype(np.int64)
        self.emit_bridge(el[s] + w0, tt, np.round(rng.uniform(1, 4.5, s.sum()), 2), USDC)
        # more uses inside the window
        nx = np.where(minimal | (kd == 2), 0, np.minimum(rng.geometric(0.38, n) - 1, 25))
        nx = np.where(kd == 2, (rng.random(n) < 0.3).astype(int), nx)
        I = np.repeat(np.arange(n), nx)
        tx = self.human(t1[I] + 60, np.full(I.size, self.snap - 60), tz[I])
        ax = np.where(rng.random(I.size) < 0.7, a1[I], rng.choice([ETH, USDC, USDT, DAI], I.size))
        ux = self.amount(wealth[I] * rng.lognormal(-0.6, 1.0, I.size) + 3, ax, tx, 0.35)
        ux = np.maximum(ux, 1.0)
        self.emit_bridge(el[I] + w0, tx, ux, ax)
        # liquidity
        s = (~minimal) & (rng.random(n) < 0.12)
        tl = self.human(t1[s], np.full(s.sum(), self.snap - 60), tz[s])
        al = np.where(rng.random(s.sum()) < 0.6, USDC, ETH)
        self.emit_lp(
            el[s] + w0,
            tl,
            self.amount(wealth[s] * rng.lognormal(0, 0.8, s.sum()) + 100, al, tl, 0.5),
            al,
            0.5,
            self.t_end,
        )
        # earlier use since launch, continued use after the snapshot
        pre_ok = (self.tf[el] < self.ws - 2 * DAY) & ~minimal
        s = pre_ok & (rng.random(n) < 0.38)
        I = np.repeat(np.flatnonzero(s), rng.integers(1, 4, s.sum()))
        lo = np.maximum(self.tf[el[I]] + 60, self.launch)
        tp = self.human(lo, np.full(I.size, self.ws - 60), tz[I])
        ok = tp < self.ws
        self.emit_bridge(
            el[I[ok]] + w0,
            tp[ok],
            self.amount(wealth[I[ok]] * rng.lognormal(-0.6, 1, ok.sum()) + 5, ETH, tp[ok], 0.4),
            ETH,
        )
        s = (~minimal) & (rng.random(n) < 0.3)
        I = np.repeat(np.flatnonzero(s), rng.integers(1, 4, s.sum()))
        tp = self.human(np.full(I.size, self.snap), np.full(I.size, self.t_end - HOUR), tz[I])
        self.emit_bridge(el[I] + w0, tp, self.amount(wealth[I] * rng.lognormal(-0.6, 1, I.size) + 5, ETH, tp, 0.4), ETH)
        # people who used the protocol but are not eligible: only before the window, only
        # after the snapshot, or only a tiny test inside it
        H = self.H_target
        non = np.flatnonzero(~self.elig_plan & (self.kind == 0))
        for kind_, frac in (("pre", 0.3), ("post", 0.28), ("tiny", 0.03)):
            k = int(frac * H)
            if kind_ == "pre":
                cand = non[(self.tf[non] < self.ws - 5 * DAY) & (self.te[non] > self.launch + 5 * DAY)]
            elif kind_ == "post":
                cand = non[self.te[non] > self.snap + 2 * DAY]
            else:
                cand = non[(self.tf[non] < self.snap - 2 * DAY) & (self.te[non] > self.ws + 2 * DAY)]
            c = rng.choice(cand, size=min(k, cand.size), replace=False)
            tzc = self.w_tz[c]
            if kind_ == "pre":
                lo = np.maximum(self.tf[c], self.launch)
                hi = np.minimum(self.te[c], self.ws - 60)
            elif kind_ == "post":
                lo = np.maximum(self.tf[c], self.snap)
                hi = self.te[c]
            else:
                lo = np.maximum(self.tf[c], self.ws)
                hi = np.minimum(self.te[c], self.snap - 60)
            reps = np.where(kind_ == "tiny", 1, rng.integers(1, 4, c.size))
            I = np.repeat(np.arange(c.size), reps)
            tp = self.human(lo[I] + 60, hi[I], tzc[I])
            tp = np.clip(tp, lo[I], hi[I])
            if kind_ == "tiny":
                u = np.round(rng.uniform(0.5, 4.8, I.size), 2)
                self.emit_bridge(c[I] + w0, tp, u, USDC)
            else:
                u = self.amount(self.p_wealth[self.w_person[c[I]]] * rng.lognormal(-0.8, 1, I.size) + 6, ETH, tp, 0.4)
                self.emit_bridge(c[I] + w0, tp, u, ETH)

    # ------------------------------------------------------------------ service background
    def service_background(self):
        rng = self.rng
        days = np.arange(self.t0 // DAY, self.t_end // DAY + 1) * DAY
        nd = days.size
        for i, h in enumerate(self.HOT):
            ex = self.hot_ex[i]
            cold = self.COLD[ex]
            t = days + rng.integers(0, DAY, nd)
            into = rng.random(nd) < 0.7
            u = np.round(rng.lognormal(np.log(8e5), 0.8, nd), 2)
            a = rng.choice([ETH, USDC, USDT], nd)
            self.L.add(np.where(into, cold, h), np.where(into, h, cold), t, a, u, K_SVC)
        weeks = days[::7]
        nw = weeks.size
        for s in self.SMALLEX:
            t = weeks + rng.integers(0, 7 * DAY, nw)
            src = self.hot_of(rng.choice(len(EX_SHARE), nw, p=EX_SHARE))
            self.L.add(src, s, t, USDT, np.round(rng.lognormal(np.log(6e4), 0.7, nw), 2), K_SVC)
            t2 = weeks + rng.integers(0, 7 * DAY, nw)
            self.L.add(
                s,
                self.hot_of(rng.choice(len(EX_SHARE), nw, p=EX_SHARE)),
                t2,
                ETH,
                np.round(rng.lognormal(np.log(4e4), 0.7, nw), 2),
                K_SVC,
            )
        for o in self.OTC:
            t = weeks + rng.integers(0, 7 * DAY, nw)
            self.L.add(self.pick(self.MM, nw), o, t, USDT, np.round(rng.lognormal(np.log(1e5), 0.8, nw), 2), K_SVC)
            t2 = weeks + rng.integers(0, 7 * DAY, nw)
            self.L.add(
                o,
                self.hot_of(rng.choice(len(EX_SHARE), nw, p=EX_SHARE)),
                t2,
                USDC,
                np.round(rng.lognormal(np.log(8e4), 0.8, nw), 2),
                K_SVC,
            )
        for pnode in self.PAY:
            t = days + rng.integers(18 * HOUR, 23 * HOUR, nd)
            self.L.add(
                pnode,
                self.hot_of(rng.choice(len(EX_SHARE), nd, p=EX_SHARE)),
                t,
                USDC,
                np.round(rng.lognormal(np.log(2e4), 0.6, nd), 2),
                K_SVC,
            )
        for m in self.MM:
            k = nd * 6
            t = np.repeat(days, 6) + rng.integers(0, DAY, k)
            a_in = rng.choice([ETH, USDC, WETH], k)
            a_out = np.where(a_in == USDC, ETH, USDC)
            self.emit_swap(
                np.full(k, m),
                t,
                np.round(rng.lognormal(np.log(5e4), 0.9, k), 2),
                a_in,
                a_out,
                self.pick(self.ROUTER, k, self.router_p),
            )
            t2 = weeks + rng.integers(0, 7 * DAY, nw)
            self.L.add(
                self.hot_of(rng.choice(len(EX_SHARE), nw, p=EX_SHARE)),
                m,
                t2,
                USDC,
                np.round(rng.lognormal(np.log(5e5), 0.5, nw), 2),
                K_SVC,
            )
        for f in np.concatenate([self.FAUCET, self.REFUEL]):
            t = weeks + rng.integers(0, 7 * DAY, nw)
            self.L.add(
                self.hot_of(rng.choice(len(EX_SHARE), nw, p=EX_SHARE)),
                f,
                t,
                ETH,
                np.round(rng.lognormal(np.log(3000), 0.5, nw), 2),
                K_SVC,
            )
        # protocol: bridge settles to bonder, treasury provides liquidity
        pdays = days[days >= self.launch]
        t = pdays + rng.integers(0, DAY, pdays.size)
        self.L.add(
            self.P_BRIDGE, self.P_BONDER, t, ETH, np.round(rng.lognormal(np.log(2e5), 0.6, pdays.size), 2), K_SVC
        )
        self.L.add(
            self.P_BRIDGE, self.P_BONDER, t + 7, USDC, np.round(rng.lognormal(np.log(1.5e5), 0.6, pdays.size), 2), K_SVC
        )
        pw = pdays[::7]
        self.L.add(
            self.P_TREASURY,
            self.P_BONDER,
            pw + rng.integers(0, DAY, pw.size),
            USDC,
            np.round(rng.lognormal(np.log(5e5), 0.4, pw.size), 2),
            K_SVC,
        )
        for d in self.DAO[3:]:
            t = weeks[::4] + rng.integers(0, DAY, weeks[::4].size)
            self.L.add(
                self.hot_of(rng.choice(3, t.size)),
                d,
                t,
                ETH,
                np.round(rng.lognormal(np.log(2e4), 0.5, t.size), 2),
                K_SVC,
            )

    # ================================================================== eligibility
    def eligibility(self):
        L = self.L.frame()
        self.L = Ledger()
        self.L.parts.append((L["f"], L["t"], L["ts"], L["a"], L["u"], L["k"]))
        tgt = (L["t"] == self.P_BRIDGE) | (L["t"] == self.P_POOL)
        q = tgt & (L["ts"] >= self.ws) & (L["ts"] < self.snap) & (L["u"] >= 5.0)
        df = pd.DataFrame({"addr": L["f"][q], "ts": L["ts"][q], "u": L["u"][q], "lp": L["t"][q] == self.P_POOL})
        g = df.groupby("addr")
        el = pd.DataFrame({"enrolled_at": g["ts"].min(), "n": g["ts"].size(), "vol": g["u"].sum(), "lp": g["lp"].any()})
        early_q = tgt & (L["ts"] >= self.launch) & (L["ts"] < self.ws) & (L["u"] >= 5.0)
        early = np.unique(L["f"][early_q])
        el["early"] = el.index.isin(early)
        alloc = (
            300
            + 60 * np.minimum(el["n"] - 1, 10)
            + np.select([el["vol"] >= 1e5, el["vol"] >= 1e4, el["vol"] >= 1e3], [1500, 600, 250], 0)
            + 400 * el["lp"]
            + 200 * el["early"]
        )
        el["alloc"] = alloc.astype(float)
        self.el = el
        self.is_el = np.zeros(self.N, bool)
        self.is_el[el.index.values] = True
        self.alloc_of = np.zeros(self.N)
        self.alloc_of[el.index.values] = el["alloc"].values

    # ================================================================== claims (phase 2)
    def claim_rows(self, addr, t):
        addr = np.asarray(addr, np.int64)
        t = np.asarray(t, np.int64)
        ok = (t <= self.t_end - 60) & self.is_el[addr]
        addr, t = addr[ok], t[ok]
        tok = self.alloc_of[addr]
        self.L.add(self.P_DIST, addr, t, TOLL, np.round(tok * self.toll_px(t), 2), K_CLAIM)
        return addr, t, tok

    def honest_claims(self):
        rng = self.rng
        w0 = self.w0
        self.L.add(
            self.P_TREASURY,
            self.P_DIST,
            self.claim - int(rng.uniform(HOUR, DAY)),
            TOLL,
            np.round(self.alloc_of.sum() * 1.1 * self.toll_p0, 2),
            K_SVC,
        )
        hw = np.flatnonzero(self.is_el[self.W])
        n = hw.size
        kd = self.kind[hw]
        tz = self.w_tz[hw]
        r = rng.random(n)
        quiet = self.minimal[hw] | (kd == 2)
        r = np.where(quiet, 0.25 + 0.75 * r, r)
        span = self.t_end - self.claim
        t = np.where(
            r < 0.16,
            self.claim + np.minimum(rng.exponential(14 * MIN, n), 58 * MIN),
            np.where(
                r < 0.52,
                self.claim + rng.exponential(1.3 * DAY, n),
                np.where(r < 0.78, self.claim + rng.uniform(0, 1, n) * span, -1),
            ),
        ).astype(np.int64)
        late = (r >= 0.16) & (r < 0.78)
        t[late] = self.human(t[late], t[late] + 6 * HOUR, tz[late])
        claimers = t > 0
        a, tc, tok = self.claim_rows(hw[claimers] + w0, t[claimers])
        # what people do with it
        loc = a - w0
        m = a.size
        r = rng.random(m)
        p = self.w_person[loc]
        dt = (rng.lognormal(np.log(8 * HOUR), 1.6, m)).astype(np.int64) + 120
        t2 = tc + dt
        ok = t2 < self.t_end
        usd = lambda sel, frac: np.round(tok[sel] * frac * self.toll_px(t2[sel]), 2)  # noqa: E731
        s = (r < 0.34) & ok
        self.emit_swap(
            a[s],
            t2[s],
            usd(s, rng.uniform(0.4, 1.0, s.sum())),
            TOLL,
            rng.choice([ETH, USDC], s.sum()),
            self.pick(self.ROUTER, s.sum(), self.router_p),
        )
        s = (r >= 0.34) & (r < 0.52) & ok
        dep = self.p_dep[p[s]]
        sh = self.p_shared[p[s]]
        dep = np.where(dep < 0, sh, dep)
        is_memo = np.isin(self.p_ex[p[s]], MEMO_EX)
        dep = np.where((dep < 0) & is_memo, self.MEMO[np.minimum(np.searchsorted(MEMO_EX, self.p_ex[p[s]]), 2)], dep)
        dep = np.where(dep < 0, self.pick(self.ROUTER, s.sum(), self.router_p), dep)
        self.L.add(a[s], dep, t2[s], TOLL, usd(s, rng.uniform(0.5, 1.0, s.sum())), K_DEP)
        s = (r >= 0.52) & (r < 0.62) & ok & (self.p_nw[p] > 1)
        self.L.add(a[s], self.p_start[p[s]] + w0, t2[s], TOLL, usd(s, 1.0), K_SWEEP)
        s = (r >= 0.62) & (r < 0.72) & ok
        self.L.add(a[s], self.P_STAKE, t2[s], TOLL, usd(s, rng.uniform(0.3, 1.0, s.sum())))
        s = (r >= 0.72) & (r < 0.745) & ok
        self.L.add(a[s], self.pick(self.OTC, s.sum(), self.otc_p), t2[s], TOLL, usd(s, 1.0))

    def farm_claim_times(self, fm, a):
        rng = self.rng
        n = a.size
        st = fm["style"]
        if "cad" in fm:
            T1, P, delta, order = fm["cad"]
            k = int(np.ceil((self.claim - T1) / P))
            base = T1 + k * P
            pos = {x: i for i, x in enumerate(fm["addrs"])}
            o = order[[pos[x] for x in a]]
            return (base + o * delta + rng.normal(0, 3, n)).astype(np.int64)
        if st == "script":
            T = self.claim + rng.exponential(40 * MIN) + 30
            gap = fm.get("gap", 30)
            return (T + np.arange(n) * gap + rng.uniform(0, 5, n)).astype(np.int64)
        if st == "manual":
            T = self.human(self.claim, self.claim + 2 * DAY, fm["tz"])[0]
            return (T + np.cumsum(rng.lognormal(np.log(fm.get("gap", 200)), 0.6, n))).astype(np.int64)
        return self.human(np.full(n, self.claim), np.full(n, self.claim + 12 * DAY), fm["tz"])

    def farms_phase2(self):
        rng = self.rng
        for fm in self.farms:
            a = fm["addrs"]
            el = a[self.is_el[a]]
            if fm["pat"] == "peel_chain":
                self.p2_peel(fm)
                continue
            p_claim = 0.93 if fm["style"] == "careful" else 0.985
            el = el[rng.random(el.size) < p_claim]
            if el.size == 0:
                continue
            tc = self.farm_claim_times(fm, el)
            ca, ct, tok = self.claim_rows(el, tc)
            if ca.size == 0:
                continue
            st = fm["style"]
            if st == "script":
                d = rng.uniform(15, 240, ca.size)
            elif st == "manual":
                d = rng.lognormal(np.log(40 * MIN), 1.0, ca.size)
            else:
                d = rng.lognormal(np.log(2 * DAY), 1.0, ca.size)
            ts = ct + d.astype(np.int64)
            ok = ts < self.t_end - 60
            ca, ts, tok = ca[ok], ts[ok], tok[ok]
            tusd = np.round(tok * self.toll_px(ts), 2)
            pat = fm["pat"]
            op = fm["op"]
            if pat == "cex_withdrawal_burst" and fm["sweep_mode"] == "memo":
                dest = np.full(ca.size, fm["memo"])
            elif pat == "cex_withdrawal_burst" and fm["sweep_mode"] == "deposit":
                dest = np.full(ca.size, op["deps"][0])
            elif pat == "otc_sourced_farm" and fm["otc_direct"]:
                dest = np.full(ca.size, fm["otc"])
            elif pat == "slow_careful_farm":
                dest = op["deps"][rng.integers(0, op["deps"].size, ca.size)]
                sell = rng.random(ca.size) < 0.45
                hold = rng.random(ca.size) < 0.2
                router = self.pick(self.ROUTER, sell.sum(), self.router_p)
                self.emit_swap(ca[sell & ~hold], ts[sell & ~hold], tusd[sell & ~hold], TOLL, USDC, router[~hold[sell]])
                t3 = ts + (rng.lognormal(np.log(DAY), 1.0, ca.size)).astype(np.int64)
                s = sell & ~hold & (t3 < self.t_end)
                self.L.add(ca[s], dest[s], t3[s], USDC, np.round(tusd[s] * 0.99, 2), K_DEP)
                s = ~sell & ~hold
                self.L.add(ca[s], dest[s], ts[s], TOLL, tusd[s], K_DEP)
                continue
            elif fm.get("sweep_to_funder"):
                dest = np.full(ca.size, fm["funder"])
            else:
                dest = np.full(ca.size, fm["collector"])
            self.L.add(ca, dest, ts, TOLL, tusd, K_SWEEP)
            # leftover ETH goes the same way (or earlier, right after the tasks)
            left = ts + rng.uniform(30, 3 * HOUR, ca.size).astype(np.int64)
            okl = left < self.t_end
            eth = rng.uniform(0.002, 0.01, ca.size)
            self.L.add(ca[okl], dest[okl], left[okl], ETH, self.eth_usd(eth[okl], left[okl]), K_SWEEP)
            # collector cashes out
            c = dest[0]
            if c in (fm.get("collector"), fm.get("funder")):
                tt = int(ts.max() + rng.uniform(HOUR, 2 * DAY))
                if tt < self.t_end:
                    tot = float(tusd.sum())
                    k = int(rng.integers(1, 4))
                    router = self.ROUTER[int(rng.choice(5, p=self.router_p))]
                    for j in range(k):
                        tj = tt + j * int(rng.uniform(10 * MIN, 8 * HOUR))
                        if tj >= self.t_end:
                            break
                        self.emit_swap(np.array([c]), np.array([tj]), np.array([round(tot / k, 2)]), TOLL, ETH, router)
                        t4 = tj + int(rng.uniform(HOUR, DAY))
                        if t4 < self.t_end:
                            self.L.add(c, op["deps"][0], t4, ETH, round(tot / k * 0.99, 2), K_DEP)
        # some farms swept ETH right after their tasks, before anyone knew of a snapshot
        for fm in self.farms:
            if not fm.get("sweep_eth_early"):
                continue
            dest = fm["funder"] if fm.get("sweep_to_funder") else fm["collector"]
            a = fm["addrs"]
            t = (self.snap + rng.uniform(0, 5 * DAY) + np.arange(a.size) * fm.get("gap", 60)).astype(np.int64)
            self.L.add(a, dest, t, ETH, self.eth_usd(fm["fund_eth"] * 0.5, t), K_SWEEP)

    def p2_peel(self, fm):
        """Claim and pass everything down the chain; the last one cashes out."""
        rng = self.rng
        a = fm["addrs"]
        n = a.size
        t = (
            self.human(self.claim, self.claim + 3 * DAY, fm["tz"])[0]
            if fm["style"] == "manual"
            else int(self.claim + rng.uniform(HOUR, 6 * DAY))
        )
        carry = 0.0
        for i in range(n):
            if self.is_el[a[i]] and rng.random() < 0.97:
                self.claim_rows([a[i]], [t])
                carry += self.alloc_of[a[i]]
            t += int(rng.lognormal(np.log(25 * MIN), 1.0)) + 30
            if t >= self.t_end - 60:
                return
            dest = a[i + 1] if i + 1 < n else fm["collector"]
            if carry > 0:
                self.L.add(a[i], dest, t, TOLL, round(carry * float(self.toll_px(t)), 2), K_SWEEP)
            t += int(rng.uniform(20, 600))
        if t < self.t_end - DAY:
            self.L.add(
                fm["collector"],
                fm["op"]["deps"][0],
                t + int(rng.uniform(HOUR, DAY)),
                TOLL,
                round(carry * float(self.toll_px(t)), 2),
                K_DEP,
            )

    # ================================================================== exchange plumbing, noise
    def plumbing(self):
        rng = self.rng
        L = self.L.frame()
        self.L = Ledger()
        self.L.parts.append((L["f"], L["t"], L["ts"], L["a"], L["u"], L["k"]))
        # deposit addresses forward everything to their exchange's hot wallet
        ex = self.dep_ex[L["t"]]
        s = (ex >= 0) & (L["ts"] <= self.t_end)
        t = L["ts"][s] + rng.lognormal(np.log(40 * MIN), 1.0, s.sum()).astype(np.int64) + 60
        ok = t <= self.t_end
        self.L.add(L["t"][s][ok], self.hot_of(ex[s][ok]), t[ok], L["a"][s][ok], L["u"][s][ok], K_SVC)
        # memo addresses: daily batches per asset
        memo_s = np.isin(L["t"], self.MEMO)
        df = pd.DataFrame({"m": L["t"][memo_s], "d": L["ts"][memo_s] // DAY, "a": L["a"][memo_s], "u": L["u"][memo_s]})
        g = df.groupby(["m", "d", "a"], as_index=False)["u"].sum()
        t = g["d"].values * DAY + DAY - rng.integers(60, 3 * HOUR, len(g))
        ok = t <= self.t_end
        mex = MEMO_EX[np.searchsorted(self.MEMO, g["m"].values)]
        self.L.add(
            g["m"].values[ok], self.hot_of(mex[ok]), t[ok], g["a"].values[ok], np.round(g["u"].values[ok], 2), K_SVC
        )
        # spam NFT drops to active addresses (everyone active gets them)
        active = np.unique(np.concatenate([L["f"][L["k"] != K_SVC], L["t"][L["k"] != K_SVC]]))
        active = active[self.actor[active]]
        for j, sp in enumerate(self.SPAM):
            for _ in range(int(rng.integers(1, 4))):
                k = int(rng.uniform(500, 1600) * self.f)
                rc = rng.choice(active, size=min(k, active.size), replace=False)
                T = int(rng.uniform(self.t0 + 10 * DAY, self.t_end - DAY))
                t = T + np.arange(rc.size) // 50 * 2  # batched in big transactions
                self.L.add(sp, rc, t, SPAM0 + j, np.nan, K_SPAM)
        # address poisoning: zero-value token transfers from victims to look-alike addresses
        # right after a real stablecoin transfer; a few victims then pay the look-alike
        real = (L["k"] != K_SVC) & np.isin(L["a"], STABLES) & (L["u"] > 20) & self.actor[L["f"]]
        idx = np.flatnonzero(real)
        pick = idx[rng.random(idx.size) < 0.02]
        v = L["f"][pick]
        t = L["ts"][pick] + rng.integers(20, 900, pick.size)
        pz = self.pick(self.POISON, pick.size)
        ok = t <= self.t_end
        self.L.add(v[ok], pz[ok], t[ok], L["a"][pick][ok], 0.0, K_POISON)
        fool = ok & (rng.random(pick.size) < 0.01)
        tf_ = t[fool] + rng.integers(HOUR, 10 * DAY, fool.sum())
        ok2 = tf_ <= self.t_end
        self.L.add(v[fool][ok2], pz[fool][ok2], tf_[ok2], L["a"][pick][fool][ok2], L["u"][pick][fool][ok2], K_GEN)
        for z in self.POISON:
            t = int(rng.uniform(self.t0 + 30 * DAY, self.t_end - DAY))
            self.L.add(
                z,
                self.SMALLEX[int(rng.integers(0, len(self.SMALLEX)))],
                t,
                USDT,
                round(float(rng.uniform(50, 5000)), 2),
                K_SVC,
            )

    # ================================================================== labels & output
    def finalize(self) -> dict[str, pd.DataFrame]:
        rng = self.rng
        L = self.L.frame()
        keep = (L["ts"] >= self.t0) & (L["ts"] <= self.t_end) & (L["f"] != L["t"])
        for k in L:
            L[k] = L[k][keep]
        # anyone never seen (should be rare): a spam NFT finds them
        seen = np.zeros(self.N, bool)
        seen[L["f"]] = True
        seen[L["t"]] = True
        miss = np.flatnonzero(~seen)
        if miss.size:
            t = rng.integers(self.t0 + DAY, self.t_end - DAY, miss.size)
            sp = rng.integers(0, len(self.SPAM), miss.size)
            for k, v in (
                ("f", self.SPAM[sp]),
                ("t", miss),
                ("ts", t),
                ("a", SPAM0 + sp),
                ("u", np.full(miss.size, np.nan)),
                ("k", np.full(miss.size, K_SPAM)),
            ):
                L[k] = np.concatenate([L[k], v.astype(L[k].dtype)])
        # users: random 48-bit ids, order of nodes carries no meaning
        ids = np.unique(rng.integers(10**9, 2**48, int(self.N * 1.05) + 100))
        ids = rng.permutation(ids)[: self.N]
        order = np.lexsort((rng.random(L["ts"].size), L["ts"]))
        for k in L:
            L[k] = L[k][order]
        first = np.full(self.N, np.iinfo(np.int64).max)
        np.minimum.at(first, L["f"], L["ts"])
        np.minimum.at(first, L["t"], L["ts"])
        assert (first < np.iinfo(np.int64).max).all()
        to_ts = lambda s: pd.to_datetime(np.asarray(s, np.int64), unit="s")  # noqa: E731
        assets = np.array(ASSETS, dtype=object)
        transfers = pd.DataFrame(
            {
                "transfer_id": np.arange(1, L["ts"].size + 1, dtype=np.int64),
                "from_user_id": ids[L["f"]],
                "to_user_id": ids[L["t"]],
                "ts": to_ts(L["ts"]),
                "asset": assets[L["a"]],
                "amount_usd": np.round(L["u"], 2),
            }
        )
        uperm = rng.permutation(self.N)
        users = pd.DataFrame(
            {
                "user_id": ids[uperm],
                "registered_at": to_ts(first[uperm]),
                "country": pd.Series([None] * self.N, dtype=object),
                "kyc_level": np.zeros(self.N, np.int32),
                "referrer_id": pd.Series([None] * self.N, dtype="Int64"),
                "registration_ip": pd.Series([None] * self.N, dtype=object),
                "registration_device_id": pd.Series([None] * self.N, dtype=object),
                "email_domain": pd.Series([None] * self.N, dtype=object),
            }
        )
        cid = "tollgate-airdrop-s1"
        el = self.el.sort_values("enrolled_at")
        enroll = pd.DataFrame(
            {
                "campaign_id": cid,
                "user_id": ids[el.index.values],
                "enrolled_at": to_ts(el["enrolled_at"].values),
                "referrer_id": pd.Series([None] * len(el), dtype="Int64"),
            }
        )
        campaigns = pd.DataFrame(
            {
                "campaign_id": [cid],
                "name": ["Tollgate bridge retroactive airdrop (season 1 snapshot)"],
                "kind": ["airdrop"],
                "starts_at": to_ts([self.ws]),
                "ends_at": to_ts([self.snap]),
                "reward_budget_usd": [round(float(self.el["alloc"].sum() * self.toll_p0), 2)],
                "rule_pack": pd.Series([None], dtype=object),
            }
        )
        # truth
        lab = []
        for fm in self.farms:
            a = fm["addrs"][self.is_el[fm["addrs"]]]
            lab.append(pd.DataFrame({"user_id": a, "pattern": fm["pat"]}))
        lab = pd.concat(lab).drop_duplicates("user_id")
        labels = pd.DataFrame(
            {"campaign_id": cid, "user_id": ids[lab["user_id"].values], "pattern": lab["pattern"].values}
        )
        hn = self.hard_negatives(L, lab["user_id"].values)
        hard = pd.DataFrame({"group": hn["group"].values, "user_id": ids[hn["node"].values]})
        return dict(
            campaigns=campaigns,
            users=users,
            enrollments=enroll,
            transfers=transfers,
            labels=labels,
            hard_negatives=hard,
        )

    def hard_negatives(self, L, farm_nodes) -> pd.DataFrame:
        w0 = self.w0
        honest_el = np.flatnonzero(self.is_el)
        honest_el = honest_el[(honest_el >= w0) & ~np.isin(honest_el, farm_nodes)]
        hset = np.zeros(self.N, bool)
        hset[honest_el] = True
        rows = []

        def add(group, nodes):
            nodes = np.unique(np.asarray(nodes, np.int64))
            nodes = nodes[hset[nodes]]
            rows.append(pd.DataFrame({"group": group, "node": nodes}))

        add("cex_announcement_wave", np.concatenate([wv["members"] for wv in self.waves]) + w0)
        # first incoming value transfer from a faucet or refuel service
        val = ~np.isnan(L["u"]) & (L["u"] > 0)
        to = L["t"][val]
        fr = L["f"][val]
        _, first_i = np.unique(to, return_index=True)  # L is time-sorted
        ft, ff = to[first_i], fr[first_i]
        add("faucet_refuel_newcomers", ft[np.isin(ff, np.concatenate([self.FAUCET, self.REFUEL]))])
        add("dao_contributors", np.concatenate([d["members"] for d in self.daos]) + w0)
        add("workshop_cohort", np.concatenate([wk["members"] for wk in self.workshops]) + w0)
        add("friend_onboarding", np.concatenate([self.onb_to, self.onb_from]) + w0)
        # several wallets of one person that move money between each other
        wl = (L["f"] >= w0) & (L["t"] >= w0)
        f_, t_ = L["f"][wl] - w0, L["t"][wl] - w0
        same = self.w_person[f_] == self.w_person[t_]
        add("multi_wallet_owners", np.concatenate([f_[same], t_[same]]) + w0)
        # wallets sending to a deposit address that more than one person uses
        dm = np.isin(L["t"], self.DEP) & (L["f"] >= w0)
        df = pd.DataFrame({"d": L["t"][dm], "w": L["f"][dm]})
        df["p"] = self.w_person[df["w"].values - w0]
        npers = df.groupby("d")["p"].nunique()
        shared = npers.index[npers >= 2].values
        add("shared_family_deposit", df["w"][df["d"].isin(shared)].values)
        add("memo_deposit_users", L["f"][np.isin(L["t"], self.MEMO)])
        add("otc_clients", np.concatenate([L["t"][np.isin(L["f"], self.OTC)], L["f"][np.isin(L["t"], self.OTC)]]))
        cl = (L["f"] == self.P_DIST) & (L["ts"] < self.claim + HOUR)
        add("first_hour_claimers", L["t"][cl])
        cnt = np.bincount(np.concatenate([L["f"], L["t"]]), minlength=self.N)
        mini = self.el.index.values[(self.el["n"].values == 1)]
        add("minimal_bridgers", mini[cnt[mini] <= 10])
        add("scheduled_bots", np.concatenate([np.concatenate([b["members"] for b in self.mmbots]), self.dca]) + w0)
        return pd.concat(rows, ignore_index=True)

    # ================================================================== main
    def run(self) -> dict[str, pd.DataFrame]:
        self.timeline()
        self.services()
        self.sizing()
        self.plan_farms()
        self.alloc_honest()
        self.honest_plan()
        self.honest_specials()
        self.honest_funding()
        self.honest_generic()
        self.honest_protocol()
        self.service_background()
        self.farms_phase1()
        self.retired_history()
        self.eligibility()
        self.honest_claims()
        self.farms_phase2()
        self.afterlife()
        self.plumbing()
        return self.finalize()


def build(seed: int = 1, users: int = 150_000, end: str | None = None) -> dict[str, pd.DataFrame]:
    return Gen(seed, users, end).run()

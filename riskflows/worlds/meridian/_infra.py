"""The internet and the money rails around the exchange: address blocks, mobile carriers,
VPN exits, clouds, other exchanges' wallets, user-agent strings."""

from __future__ import annotations

import numpy as np

from ._common import (
    CH_BTC,
    CH_EOS,
    CH_EVM,
    CH_SOL,
    CH_TON,
    CH_TRON,
    CH_XLM,
    CH_XRP,
    EPOCH_2024,
    MONTH,
    addr_key,
    hkey,
    hsh,
    ipv4_str,
    render_hex,
)

COUNTRIES = ["DE", "FR", "ES", "IT", "PL", "BR", "AR", "MX", "CO", "PT", "NL", "AT", "BE", "CL", "PE", "UY", "RO", "CZ"]
CWEIGHT = np.array([14, 10, 12, 9, 8, 16, 8, 8, 6, 2, 2, 1, 1, 2, 1, 0.5, 1, 0.5], float)
CWEIGHT /= CWEIGHT.sum()
C = {c: i for i, c in enumerate(COUNTRIES)}
TZ = np.array([2, 2, 2, 2, 2, -3, -3, -6, -5, 1, 2, 2, 2, -4, -5, -3, 3, 2], float)
LATAM = np.array([c in ("BR", "AR", "MX", "CO", "CL", "PE", "UY") for c in COUNTRIES])
# share of home / mobile connections on IPv6 per country
V6_HOME = np.array(
    [0.35, 0.30, 0.10, 0.05, 0.15, 0.35, 0.05, 0.25, 0.05, 0.10, 0.25, 0.10, 0.30, 0.10, 0.05, 0.20, 0.05, 0.10]
)
V6_MOB = np.array(
    [0.30, 0.25, 0.05, 0.05, 0.30, 0.45, 0.05, 0.30, 0.05, 0.10, 0.20, 0.10, 0.20, 0.10, 0.05, 0.20, 0.05, 0.05]
)
V6_PREFIX = [
    "2a02:8108",
    "2a01:e0a",
    "2a0c:5a80",
    "2001:b07",
    "2a02:a311",
    "2804:14c",
    "2800:810",
    "2806:2f0",
    "2800:e2",
    "2001:8a0",
    "2001:1c00",
    "2a02:8388",
    "2a02:a03f",
    "2800:150",
    "2800:200",
    "2800:a4",
    "2a02:2f0c",
    "2a00:1028",
]

# fiat rail per country (None: crypto only)
FIAT = {
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "PT": "EUR",
    "NL": "EUR",
    "AT": "EUR",
    "BE": "EUR",
    "PL": "PLN",
    "BR": "BRL",
    "MX": "MXN",
    "CO": "COP",
    "RO": "EUR",
    "CZ": "EUR",
}
FX = {"EUR": 1.09, "PLN": 0.25, "BRL": 0.19, "MXN": 0.055, "COP": 0.00025}
FIAT_STEP = {"EUR": 50, "PLN": 200, "BRL": 250, "MXN": 1000, "COP": 200000}

ASSETS = [
    "USDT",
    "USDC",
    "BTC",
    "ETH",
    "SOL",
    "XRP",
    "XLM",
    "TON",
    "TRX",
    "EUR",
    "PLN",
    "BRL",
    "MXN",
    "COP",
    "ONDO",
    "INJ",
    "EOS",
]
A = {a: i for i, a in enumerate(ASSETS)}
ASSET_CHAIN = {
    "USDT": CH_TRON,
    "USDC": CH_EVM,
    "BTC": CH_BTC,
    "ETH": CH_EVM,
    "SOL": CH_SOL,
    "XRP": CH_XRP,
    "XLM": CH_XLM,
    "TON": CH_TON,
    "TRX": CH_TRON,
    "ONDO": CH_EVM,
    "INJ": CH_EVM,
    "EOS": CH_EOS,
}
CHAIN_OF = np.array([ASSET_CHAIN.get(a, -1) for a in ASSETS])
MEMO_ASSETS = ["XRP", "XLM", "TON", "EOS"]
FIAT_IDX = np.array([a in FX for a in ASSETS])

SYMBOLS = [
    "BTC/USDT",
    "ETH/USDT",
    "BTC/EUR",
    "ETH/EUR",
    "SOL/USDT",
    "XRP/USDT",
    "BTC/BRL",
    "USDT/BRL",
    "DOGE/USDT",
    "ADA/USDT",
    "PEPE/USDT",
    "LINK/USDT",
    "AVAX/USDT",
    "USDC/EUR",
    "BTC/MXN",
    "LTC/USDT",
    "TRX/USDT",
    "TON/USDT",
    "BTC/PLN",
    "ONDO/USDT",
    "INJ/USDT",
    "SUI/USDT",
    "USDT/COP",
]
S = {s: i for i, s in enumerate(SYMBOLS)}
SYM_W = np.array([25, 14, 9, 5, 8, 6, 4, 4, 4, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0.6, 0.35, 1.5, 0.8], float)

# user-agent platforms
(
    P_WIN_CHROME,
    P_WIN_EDGE,
    P_WIN_FF,
    P_MAC_CHROME,
    P_MAC_SAFARI,
    P_LINUX_FF,
    P_IOS_APP,
    P_AND_APP,
    P_IOS_SAFARI,
    P_AND_CHROME,
    P_IPAD_APP,
    P_PY,
    P_CCXT,
    P_GO,
    P_NODE,
    P_LINUX_CHROME,
) = range(16)
DESK_PLATS = np.array([P_WIN_CHROME, P_WIN_EDGE, P_WIN_FF, P_MAC_CHROME, P_MAC_SAFARI, P_LINUX_FF, P_LINUX_CHROME])
DESK_W = np.array([46, 12, 8, 14, 12, 4, 4], float)
API_PLATS = np.array([P_PY, P_CCXT, P_GO, P_NODE])
ANDROID_MODELS = [
    "SM-A546B",
    "SM-A146B",
    "SM-S911B",
    "Redmi Note 12",
    "Redmi Note 13 Pro",
    "moto g84 5G",
    "moto g54 5G",
    "SM-A256E",
    "Pixel 7a",
    "M2101K6G",
    "SM-A055M",
    "CPH2579",
    "V2250",
    "SM-A155F",
    "2201117TY",
    "moto e13",
]


def ua_key(plat, model, ver):
    return (np.asarray(plat, np.int64) << 20) | (np.asarray(model, np.int64) << 10) | np.asarray(ver, np.int64)


def ua_version(ts, lag):
    return np.clip((np.asarray(ts) - EPOCH_2024) // MONTH - lag, 0, 60).astype(np.int64)


def render_ua(keys: np.ndarray) -> np.ndarray:
    out = []
    for k in keys.tolist():
        p, m, v = k >> 20, (k >> 10) & 1023, k & 1023
        ch = 121 + (v * 12) // 13  # a Chrome release every four weeks from 121 (Jan 2024)
        ff = 122 + v
        # iOS 17.2 in Jan 2024, 18 in Sep 2024, then Apple's year numbering: 26 in Sep 2025
        ios_major = 17 + (v + 4) // 12 if v < 20 else 26 + (v - 20) // 12
        ios_minor = ((v + 4) % 12) // 2
        saf = f"{ios_major}.{ios_minor}"
        app = f"5.{v}.{(m + v) % 4}"
        if p == P_WIN_CHROME:
            s = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{ch}.0.0.0 Safari/537.36"
        elif p == P_WIN_EDGE:
            s = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{ch}.0.0.0 Safari/537.36 Edg/{ch}.0.{2200 + 40 * v}.{(7 * v) % 90}"
        elif p == P_WIN_FF:
            s = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{ff}.0) Gecko/20100101 Firefox/{ff}.0"
        elif p == P_MAC_CHROME:
            s = f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{ch}.0.0.0 Safari/537.36"
        elif p == P_MAC_SAFARI:
            s = f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{saf} Safari/605.1.15"
        elif p == P_LINUX_FF:
            s = f"Mozilla/5.0 (X11; Linux x86_64; rv:{ff}.0) Gecko/20100101 Firefox/{ff}.0"
        elif p == P_LINUX_CHROME:
            s = f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{ch}.0.0.0 Safari/537.36"
        elif p == P_IOS_APP:
            s = f"Meridian/{app} (iPhone; iOS {ios_major}.{ios_minor}; Scale/3.00)"
        elif p == P_IPAD_APP:
            s = f"Meridian/{app} (iPad; iOS {ios_major}.{ios_minor}; Scale/2.00)"
        elif p == P_AND_APP:
            s = f"Meridian/{app} (Android {13 + v // 12}; {ANDROID_MODELS[m % len(ANDROID_MODELS)]})"
        elif p == P_IOS_SAFARI:
            s = (
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios_major}_{ios_minor} like Mac OS X) AppleWebKit/605.1.15 "
                f"(KHTML, like Gecko) Version/{saf} Mobile/15E148 Safari/604.1"
            )
        elif p == P_AND_CHROME:
            s = f"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{ch}.0.0.0 Mobile Safari/537.36"
        elif p == P_PY:
            s = f"python-requests/2.{min(31 + v // 10, 32)}.{(v % 5) if v >= 10 else 0}"
        elif p == P_CCXT:
            s = f"ccxt/4.{2 + v // 4}.{(3 * v) % 60} (+https://github.com/ccxt/ccxt) Python/3.{11 + v // 14}"
        elif p == P_GO:
            s = "Go-http-client/2.0" if m % 2 else "Go-http-client/1.1"
        else:
            s = f"axios/1.{6 + v // 8}.{v % 8}"
        out.append(s)
    return np.array(out, dtype=object)


class Infra:
    """IP space, carriers, VPN providers, clouds and other exchanges, drawn once per world."""

    def __init__(self, rng: np.random.Generator):
        nC = len(COUNTRIES)
        firsts = np.array([o for o in range(2, 224) if o not in (10, 100, 127, 169, 172, 192, 198, 203)])
        self.res_blocks = ((rng.choice(firsts, (nC, 24)) << 8) | rng.integers(0, 256, (nC, 24))).astype(np.int64)
        # mobile carriers: 3 per country, CGNAT pools of public addresses
        car_country, car_off, car_n, car_w = [], [], [], []
        ips = []
        for c in range(nC):
            for k, share in enumerate((0.45, 0.35, 0.20)):
                n = int(rng.integers(12, 48))
                blk = self.res_blocks[c, rng.integers(0, 24)]
                sub = int(rng.integers(0, 256))
                car_country.append(c)
                car_off.append(len(ips))
                car_n.append(n)
                car_w.append(share)
                ips.extend(((blk << 16) | (sub << 8) | rng.choice(np.arange(2, 254), n, replace=False)).tolist())
        self.car_country = np.array(car_country)
        self.car_off = np.array(car_off)
        self.car_n = np.array(car_n)
        self.car_w = np.array(car_w)
        self.car_ips = np.array(ips, dtype=np.int64)
        # clouds / hosting /16s (AWS, GCP, Azure, Hetzner, OVH, DigitalOcean, M247, Datacamp ...)
        self.cloud_blocks = ((rng.choice(firsts, 14) << 8) | rng.integers(0, 256, 14)).astype(np.int64)
        # commercial VPN providers: exits inside hosting ranges
        self.vpn_ips = np.zeros((4, 70), dtype=np.int64)
        for p in range(4):
            blk = self.cloud_blocks[8 + p]
            subs = rng.integers(0, 256, 4)
            self.vpn_ips[p] = (blk << 16) | (rng.choice(subs, 70) << 8) | rng.integers(2, 254, 70)
        self.vpn_w = np.array([0.4, 0.3, 0.2, 0.1])
        # hotel / airport / public wifi
        self.hotel_ips = self.resi_ip(rng.integers(0, nC, 600), hsh(np.arange(600), 991))
        # third-party trading-bot platforms (shared egress in the cloud)
        self.bot_platform_ips = [self.cloud_ip(hsh(np.arange(n), 4242 + p)) for p, n in enumerate((36, 24, 16))]
        # other exchanges: weights, hot wallets per chain, memo deposit addresses
        self.n_ex = 10
        self.ex_w = 1.0 / np.arange(1, 11) ** 1.1
        self.ex_w /= self.ex_w.sum()

    # ---- addresses on the network
    def resi_ip(self, country, h) -> np.ndarray:
        h = np.asarray(h, dtype=np.uint64)
        c = np.asarray(country, dtype=np.int64)
        blk = self.res_blocks[c, (h % np.uint64(24)).astype(np.int64)]
        third = ((h >> np.uint64(8)) & np.uint64(255)).astype(np.int64)
        last = 1 + ((h >> np.uint64(20)) % np.uint64(254)).astype(np.int64)
        return (blk << 16) | (third << 8) | last

    def cloud_ip(self, h, blocks=None) -> np.ndarray:
        h = np.asarray(h, dtype=np.uint64)
        b = self.cloud_blocks[:8] if blocks is None else blocks
        blk = b[(h % np.uint64(len(b))).astype(np.int64)]
        third = ((h >> np.uint64(8)) & np.uint64(255)).astype(np.int64)
        last = 2 + ((h >> np.uint64(20)) % np.uint64(252)).astype(np.int64)
        return (blk << 16) | (third << 8) | last

    def dc_pool(self, rng, n_subnets, size) -> np.ndarray:
        blk = self.cloud_blocks[rng.integers(0, 8, n_subnets)]
        subs = (blk << 16) | (rng.integers(0, 256, n_subnets) << 8)
        return subs[rng.integers(0, n_subnets, size)] | rng.integers(2, 254, size)

    @staticmethod
    def v6_key(country, h) -> np.ndarray:
        h = np.asarray(h, dtype=np.uint64)
        return (
            (1 << 62) | (np.asarray(country, np.int64) << 48) | (h >> np.uint64(16)).astype(np.int64) & ((1 << 48) - 1)
        )

    def carrier_for(self, rng, country):
        country = np.asarray(country)
        out = np.empty(len(country), dtype=np.int64)
        for c in np.unique(country):
            m = country == c
            idx = np.where(self.car_country == c)[0]
            out[m] = rng.choice(idx, m.sum(), p=self.car_w[idx] / self.car_w[idx].sum())
        return out

    def carrier_ip(self, carrier, h) -> np.ndarray:
        h = np.asarray(h, dtype=np.uint64)
        return self.car_ips[self.car_off[carrier] + (h % self.car_n[carrier].astype(np.uint64)).astype(np.int64)]

    # ---- wallets of other exchanges
    def hot_wallet(self, ex, chain, h) -> np.ndarray:
        k = (np.asarray(h, dtype=np.uint64) % np.uint64(3)).astype(np.int64)
        return addr_key(chain, hkey(7001, ex, chain, k))

    def memo_address(self, ex, chain) -> np.ndarray:
        return addr_key(chain, hkey(7002, ex, chain))

    def exchange_deposit(self, ex, chain, who) -> np.ndarray:
        """Deposit address at another exchange: one per customer, except memo chains (one per exchange)."""
        chain = np.asarray(chain, np.int64)
        memo = np.isin(chain, [CH_XRP, CH_XLM, CH_TON, CH_EOS])
        per_user = addr_key(chain, hkey(7003, ex, chain, who))
        return np.where(memo, self.memo_address(ex, chain), per_user)


def render_ips(keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(keys, np.int64)
    out = np.empty(len(keys), dtype=object)
    v4 = keys < (1 << 40)
    out[v4] = ipv4_str(keys[v4])
    if (~v4).any():
        k6 = keys[~v4]
        country = (k6 >> 48) & 0xFF
        hx = render_hex(k6, 16, salt=61)
        pre = np.array(V6_PREFIX, dtype=object)[np.clip(country, 0, len(V6_PREFIX) - 1)]
        out[~v4] = [
            f"{p}:{h[0:4].lstrip('0') or '0'}:{h[4:8].lstrip('0') or '0'}:{h[8:12].lstrip('0') or '0'}:{h[12:16].lstrip('0') or '0'}:{h[1:4].lstrip('0') or '0'}:{h[9:13].lstrip('0') or '0'}"
            for p, h in zip(pre, hx)
        ]
    return out

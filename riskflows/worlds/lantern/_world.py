"""Core of the lantern world: shared infrastructure, people's profiles and event emitters.

Everything here is vectorised. Strings (IPs, fingerprints, user agents, addresses) live in
pools and are referenced by integer index until the very end.
"""

from __future__ import annotations

import zlib
from collections import defaultdict

import numpy as np
import pandas as pd

DAY = 86400.0
HOUR = 3600.0
MIN = 60.0

COUNTRIES = np.array(["VN", "ID", "PH", "TH", "IN", "MY", "BD", "PK", "SG", "KH", "NG", "TR"], dtype=object)
CW = np.array([0.22, 0.20, 0.15, 0.10, 0.15, 0.05, 0.03, 0.03, 0.02, 0.02, 0.015, 0.015])
CW = CW / CW.sum()
CIDX = {c: i for i, c in enumerate(COUNTRIES)}
TZ = np.array([7, 7, 8, 7, 5.5, 8, 6, 5, 8, 7, 1, 3], dtype=float)
IOS = np.array([0.22, 0.14, 0.2, 0.33, 0.07, 0.3, 0.06, 0.06, 0.5, 0.15, 0.1, 0.25])
NCAR = np.array([3, 4, 3, 3, 4, 3, 3, 3, 3, 3, 3, 3])
# share of a carrier's mobile traffic that is IPv6 (range per country)
V6R = np.array(
    [
        [0.45, 0.75],
        [0.15, 0.4],
        [0.2, 0.45],
        [0.35, 0.6],
        [0.7, 0.92],
        [0.35, 0.6],
        [0.1, 0.35],
        [0.1, 0.3],
        [0.3, 0.55],
        [0.1, 0.3],
        [0.0, 0.15],
        [0.15, 0.4],
    ]
)
FIRST = [
    [113, 14, 27, 42, 171, 116, 125, 117],
    [114, 36, 182, 180, 110, 39, 112],
    [112, 49, 110, 122, 124, 175],
    [49, 1, 184, 171, 58, 223],
    [106, 49, 223, 157, 117, 103, 152],
    [175, 115, 60, 113, 14],
    [103, 27, 37, 119],
    [39, 119, 182, 111],
    [116, 119, 175, 202],
    [36, 175, 103],
    [102, 105, 197, 41],
    [78, 85, 88, 176],
]
CLOUD16 = [
    (13, 212),
    (18, 136),
    (18, 141),
    (52, 77),
    (54, 169),
    (34, 124),
    (34, 87),
    (35, 240),
    (139, 59),
    (128, 199),
    (159, 223),
    (165, 22),
    (45, 76),
    (45, 77),
    (149, 28),
    (103, 253),
    (103, 97),
    (95, 216),
    (5, 161),
    (47, 245),
    (8, 219),
    (43, 134),
]
VPN16 = [(185, 220), (89, 187), (146, 70), (37, 19), (91, 132), (103, 107), (156, 146), (138, 199), (193, 27)]

DIURNAL = np.array(
    [3, 2, 1.2, 0.8, 0.6, 0.8, 1.5, 2.5, 3.5, 4, 4.2, 4.5, 5, 4.8, 4.5, 4.5, 4.6, 5, 5.5, 6.5, 7.5, 8, 7, 5.0]
)
DIURNAL = DIURNAL / DIURNAL.sum()
DIURNAL_CDF = np.cumsum(DIURNAL)

ASSETS = np.array(["USDT", "BTC", "ETH", "XRP", "TRX", "SOL", "TON", "BNB", "XLM", "USDC", "NOVA"], dtype=object)
AIDX = {a: i for i, a in enumerate(ASSETS)}
ASSET_W = np.array([0.55, 0.08, 0.08, 0.06, 0.05, 0.05, 0.05, 0.03, 0.02, 0.03, 0.0])
ASSET_W = ASSET_W / ASSET_W.sum()
MEMO_ASSETS = np.array([AIDX["XRP"], AIDX["TON"], AIDX["XLM"]])
# chain families: 0 EVM, 1 TRON, 2 BTC, 3 SOL, 4 XRP, 5 TON, 6 XLM
FAM_OF = np.array([1, 2, 0, 4, 1, 3, 5, 0, 6, 0, 0])

SYMBOLS = np.array(
    [
        "BTC/USDT",
        "ETH/USDT",
        "SOL/USDT",
        "XRP/USDT",
        "DOGE/USDT",
        "TON/USDT",
        "PEPE/USDT",
        "BNB/USDT",
        "TRX/USDT",
        "SUI/USDT",
        "ADA/USDT",
        "NOT/USDT",
        "KORA/USDT",
        "NOVA/USDT",
    ],
    dtype=object,
)
SYM_W = np.array([0.24, 0.14, 0.1, 0.1, 0.09, 0.06, 0.07, 0.05, 0.04, 0.04, 0.03, 0.04, 0, 0])
SYM_W = SYM_W / SYM_W.sum()
THIN = 12  # thin pair of the trading competition
AIRSYM = 13  # airdrop token pair

ANDROID = [
    "SM-A055F",
    "SM-A145F",
    "SM-A245F",
    "23028RN4DG",
    "2312DRAABG",
    "CPH2591",
    "CPH2471",
    "RMX3834",
    "RMX3710",
    "V2250",
    "V2311",
    "TECNO BG6",
    "Infinix X6525",
    "M2101K6G",
    "SM-S918B",
    "Pixel 7",
    "SM-A546E",
    "22111317PG",
]
ANDROID_W = np.array([8, 8, 6, 9, 6, 6, 5, 6, 5, 5, 4, 4, 4, 3, 1.5, 1, 2, 4])
ANDROID_W = ANDROID_W / ANDROID_W.sum()
CHEAP = 14  # the first CHEAP models are cheap, popular and collide often
ANDROID_OS = ["11", "12", "13", "14"]
IPHONES = ["iPhone12,1", "iPhone13,2", "iPhone14,5", "iPhone14,7", "iPhone15,3", "iPhone16,1"]
IOS_V = ["16.7.8", "17.4.1", "17.5.1", "17.6.1", "18.0.1", "18.1"]
APPV = ["3.14.0", "3.15.2", "3.16.1", "3.17.0", "3.17.2"]
EMU_MODELS = ["SM-G988N", "ASUS_Z01QD", "SM-N976N", "G011A", "SM-S9080"]
API_UA = [
    "python-requests/2.31.0",
    "ccxt/4.3.21",
    "okhttp/4.9.3",
    "Go-http-client/2.0",
    "axios/1.6.8",
    "python-aiohttp/3.9.5",
    "ccxt/4.2.88",
]
VENDOR_UA = ["TradeLink-Connector/3.2.1", "GridPilot/1.8 (server)", "AutoDCA-bot/2.0.4"]

HEXB = b"0123456789abcdef"
B58 = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l"
B64U = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
B32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

FREE_MAIL = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "yahoo.co.id",
    "yahoo.com.vn",
    "rediffmail.com",
    "proton.me",
    "ymail.com",
    "live.com",
]
FREE_W = np.array([0.74, 0.06, 0.04, 0.03, 0.05, 0.02, 0.01, 0.01, 0.015, 0.01, 0.015])
FREE_W = FREE_W / FREE_W.sum()
DISPOSABLE = [
    "tempmail.plus",
    "mailto.plus",
    "yopmail.com",
    "sharklasers.com",
    "10minutemail.net",
    "guerrillamail.com",
    "dropmail.me",
]
SYL = [
    "an",
    "bao",
    "tech",
    "lin",
    "ko",
    "tra",
    "nusa",
    "mega",
    "viet",
    "sun",
    "jaya",
    "pho",
    "net",
    "star",
    "ma",
    "bright",
    "asia",
    "kim",
    "ta",
    "ra",
    "digi",
    "hub",
    "sai",
    "gon",
    "ha",
    "lo",
    "min",
    "pura",
]
TLD = [".com", ".net", ".vn", ".co.id", ".com.ph", ".co.th", ".in", ".xyz", ".shop", ".online", ".site", ".io"]


def crc(name: str) -> int:
    return zlib.crc32(name.encode())


def rstr(rng, n, alpha: bytes, length: int, prefix: str = "") -> np.ndarray:
    """n random strings of a fixed length from an alphabet (vectorised)."""
    if n == 0:
        return np.array([], dtype=object)
    a = np.frombuffer(alpha, dtype=np.uint8)
    c = np.ascontiguousarray(a[rng.integers(0, len(a), size=(n, length))])
    s = c.view(f"S{length}").ravel().astype(f"U{length}").astype(object)
    if prefix:
        s = prefix + s
    return s


def v4str(u) -> np.ndarray:
    u = np.asarray(u, dtype=np.int64)
    parts = [pd.Series((u >> sh) & 255).astype(str) for sh in (24, 16, 8, 0)]
    return (parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3]).to_numpy(dtype=object)


def v6str(g) -> np.ndarray:
    s = pd.Series(np.char.mod("%x", g[:, 0]).astype(object))
    for i in range(1, g.shape[1]):
        s = s + ":" + np.char.mod("%x", g[:, i]).astype(object)
    return s.to_numpy(dtype=object)


def ragged_arange(counts) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    tot = int(counts.sum())
    if tot == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    return np.arange(tot, dtype=np.int64) - np.repeat(starts, counts)


def pick_rows(rng, p):
    """One categorical draw per row of a probability matrix."""
    c = np.cumsum(p, axis=1)
    r = rng.random(len(p)) * c[:, -1]
    return np.minimum((r[:, None] > c).sum(1), p.shape[1] - 1)


def custom_domains(rng, n) -> np.ndarray:
    a = np.array(SYL, dtype=object)
    t = np.array(TLD, dtype=object)
    d = a[rng.integers(0, len(a), n)] + a[rng.integers(0, len(a), n)]
    three = rng.random(n) < 0.4
    d[three] = d[three] + a[rng.integers(0, len(a), int(three.sum()))]
    return d + t[rng.integers(0, len(t), n)]


class Pool:
    """Append-only list of strings referenced by index."""

    def __init__(self):
        self.parts, self.n = [], 0

    def add(self, arr) -> np.ndarray:
        arr = np.asarray(arr, dtype=object)
        i0 = self.n
        self.parts.append(arr)
        self.n += len(arr)
        return np.arange(i0, self.n, dtype=np.int64)

    def array(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.array([], dtype=object)


class Arrays:
    """Preallocated per-entity arrays with a running count."""

    def __init__(self, cap, spec):
        self.n = 0
        self.cap = cap
        for name, (dtype, fill, *shape) in spec.items():
            setattr(self, name, np.full((cap, *shape), fill, dtype=dtype))

    def add(self, n) -> np.ndarray:
        if self.n + n > self.cap:
            raise RuntimeError("capacity exceeded")
        i0 = self.n
        self.n += n
        return np.arange(i0, self.n, dtype=np.int64)


ACTOR_SPEC = {
    "country": (np.int16, 0),
    "tz": (float, 0.0),
    "carrier": (np.int32, -1),
    "v6_base": (np.int64, -1),
    "v6_n": (np.int32, 0),
    "home0": (np.int64, -1),
    "home1": (np.int64, -1),
    "home_sw": (float, np.inf),
    "venue": (np.int32, -1),
    "cloud_base": (np.int64, -1),
    "cloud_n": (np.int32, 0),
    "pch": (float, 0.0, 7),
    "dev": (np.int64, -1, 3),
    "devw": (float, 0.0, 3),
    "dev_mode": (np.int8, 0),
    "fresh_style": (np.int8, 0),
    "venue_pc_p": (float, 0.0),
    "dev_null_p": (float, 0.06),
}
USER_SPEC = {
    "reg": (float, 0.0),
    "country": (np.int16, -1),
    "kyc": (np.int8, 0),
    "referrer": (np.int64, -1),
    "reg_ip": (np.int64, -1),
    "reg_dev": (np.int64, -1),
    "email": (object, None),
    "actor": (np.int64, -1),
    "farm": (bool, False),
    "op": (np.int32, -1),
    # money habits
    "hx": (np.int16, 0),
    "mx": (np.int16, 0),
    "merchant": (np.int64, -1),
    "desk": (np.int16, 0),
    "fund_p": (float, 0.0, 5),
    "pay_p": (float, 0.0, 6),
    "wealth": (float, 100.0),
    "claim_delay": (float, 3600.0),
}


class World:
    """Holds pools, profiles (actors), users and all emitted events."""

    def __init__(self, seed: int, users: int, sched):
        self.seed = seed
        self.size = users
        self.sched = sched
        self.ds, self.de = sched.data_start, sched.data_end
        self.rng = self.child("world")
        cap = int(users * 1.3) + 6000
        self.A = Arrays(cap * 2, ACTOR_SPEC)  # actors also hold per-session throwaway profiles
        self.U = Arrays(cap, USER_SPEC)
        self.ip = Pool()
        self.dev_id = Pool()
        self.dev_ua = Pool()
        self.T = defaultdict(list)
        self.mm_users = np.zeros(0, dtype=np.int64)
        self.groups = defaultdict(list)  # honest look-alike group -> user keys (candidates)
        self.build_infra()

    # ------------------------------------------------------------------ rng
    def child(self, name: str):
        return np.random.default_rng([self.seed, crc(name)])

    # ------------------------------------------------------------------ infrastructure
    def build_infra(self):
        rng = self.child("infra")
        nc = len(COUNTRIES)
        # mobile carriers with carrier-grade NAT pools and IPv6 prefixes
        car_country, car_w, car_v6, car_base, car_n, car_pfx = [], [], [], [], [], []
        for c in range(nc):
            k = NCAR[c]
            w = np.sort(rng.dirichlet(np.ones(k) * 2.5))[::-1]
            for j in range(k):
                n_ip = int(max(8, rng.integers(14, 48) * (0.6 + 2 * w[j])))
                blocks = rng.integers(1, 4)
                first = rng.choice(FIRST[c])
                sec = rng.integers(1, 255)
                thirds = rng.choice(np.arange(0, 256), size=blocks, replace=False)
                b = thirds[rng.integers(0, blocks, n_ip)]
                u = (first << 24) | (sec << 16) | (b << 8) | rng.integers(2, 254, n_ip)
                idx = self.ip.add(v4str(u))
                car_country.append(c)
                car_w.append(w[j])
                car_v6.append(rng.uniform(*V6R[c]))
                car_base.append(idx[0])
                car_n.append(n_ip)
                car_pfx.append(
                    (
                        int(rng.choice([0x2402, 0x2401, 0x2404, 0x2405, 0x2001, 0x2406, 0x2409, 0x240D])),
                        int(rng.integers(0x100, 0xFFFF)),
                    )
                )
        self.car_country = np.array(car_country)
        self.car_w = np.array(car_w)
        self.car_v6 = np.array(car_v6)
        self.car_base = np.array(car_base, dtype=np.int64)
        self.car_n = np.array(car_n, dtype=np.int64)
        self.car_pfx = np.array(car_pfx, dtype=np.int64)
        self.car_of_country = [np.where(self.car_country == c)[0] for c in range(nc)]
        # home ISPs: a few /16s per country
        self.isp16 = [
            np.array(
                [(int(rng.choice(FIRST[c])) << 24) | (int(rng.integers(1, 255)) << 16) for _ in range(8)],
                dtype=np.int64,
            )
            for c in range(nc)
        ]
        # VPN exits
        n_vpn = 420
        pf = np.array(VPN16)[rng.integers(0, len(VPN16), n_vpn)]
        u = (pf[:, 0] << 24) | (pf[:, 1] << 16) | (rng.integers(0, 40, n_vpn) << 8) | rng.integers(2, 254, n_vpn)
        self.vpn_base = self.ip.add(v4str(u))[0]
        self.vpn_n = n_vpn
        # venues: internet cafes (shared PCs) and campuses (campus e-mail domain)
        n_cafe = max(4, round(self.size / 900))
        n_campus = max(3, round(self.size / 2500))
        vc = np.array([CIDX[c] for c in ["VN", "ID", "PH", "IN", "TH"]])
        vw = np.array([0.32, 0.25, 0.2, 0.13, 0.1])
        self.ven_kind = np.r_[np.zeros(n_cafe, int), np.ones(n_campus, int)]
        self.ven_country = vc[rng.choice(len(vc), n_cafe + n_campus, p=vw)]
        self.ven_ip_base = np.zeros(n_cafe + n_campus, np.int64)
        self.ven_ip_n = np.zeros(n_cafe + n_campus, np.int64)
        self.ven_pc_base = np.zeros(n_cafe + n_campus, np.int64)
        self.ven_pc_n = np.zeros(n_cafe + n_campus, np.int64)
        self.ven_domain = np.empty(n_cafe + n_campus, dtype=object)
        for v in range(n_cafe + n_campus):
            c = self.ven_country[v]
            if self.ven_kind[v] == 0:
                k = int(rng.integers(1, 3))
                u = rng.choice(self.isp16[c], k) | rng.integers(256, 65280, k)
                pcs = int(rng.integers(4, 17))
            else:
                k = int(rng.integers(2, 7))
                base = (
                    (int(rng.choice(FIRST[c])) << 24)
                    | (int(rng.integers(1, 255)) << 16)
                    | (int(rng.integers(0, 255)) << 8)
                )
                u = base + rng.choice(np.arange(2, 254), k, replace=False)
                pcs = int(rng.integers(8, 26))
                tld = {"VN": ".edu.vn", "ID": ".ac.id", "PH": ".edu.ph", "IN": ".ac.in", "TH": ".ac.th"}[COUNTRIES[c]]
                self.ven_domain[v] = "student." + custom_domains(rng, 1)[0].split(".")[0] + tld
            self.ven_ip_base[v] = self.ip.add(v4str(u))[0]
            self.ven_ip_n[v] = k
            chrome = int(rng.integers(116, 129))
            self.ven_pc_base[v] = self.new_devices(pcs, "desktop", rng, chrome=chrome)[0]
            self.ven_pc_n[v] = pcs
        self.ven_of_country = [np.where(self.ven_country == c)[0] for c in range(nc)]
        # other exchanges (hot wallets, memo deposit addresses), OTC desks
        self.n_exch = 7
        self.n_memo_exch = 4
        self.n_desk = 3
        # retail trading-bot vendors: shared cloud pools and one server fingerprint each
        self.vendor_ip_base, self.vendor_ip_n, self.vendor_dev = [], [], []
        for v in range(3):
            k = int(rng.integers(15, 40))
            self.vendor_ip_base.append(self.cloud_ips(k, int(rng.integers(2, 5)), rng)[0])
            self.vendor_ip_n.append(k)
            self.vendor_dev.append(self.new_devices(1, "vendor", rng, vendor=v, has_id=(v != 2))[0])
        self.vendor_ip_base = np.array(self.vendor_ip_base)
        self.vendor_ip_n = np.array(self.vendor_ip_n)
        self.vendor_dev = np.array(self.vendor_dev)
        # per-model colliding fingerprints (fresh installs of identical cheap phones)
        self.collide_android = rstr(rng, len(ANDROID) * 4, HEXB, 32).reshape(len(ANDROID), 4)
        self.collide_ios = rstr(rng, len(IPHONES) * 3, HEXB, 32).reshape(len(IPHONES), 3)

    def cloud_ips(self, n, blocks, rng):
        pf = np.array(CLOUD16)[rng.integers(0, len(CLOUD16), blocks)]
        thirds = rng.integers(0, 256, blocks)
        b = rng.integers(0, blocks, n)
        u = (pf[b, 0] << 24) | (pf[b, 1] << 16) | (thirds[b] << 8) | rng.integers(2, 254, n)
        return self.ip.add(v4str(u))

    def home_ips(self, country, rng):
        country = np.asarray(country, dtype=np.int64)
        u = self._isp_vec(country, rng) | rng.integers(256, 65280, len(country))
        return self.ip.add(v4str(u))

    def _isp_vec(self, country, rng):
        tab = np.stack(self.isp16)  # (nc, 8)
        # first three /16s are the big consumer ISPs, the rest smaller ones
        k = np.where(
            rng.random(len(country)) < 0.85, rng.integers(0, 3, len(country)), rng.integers(3, 8, len(country))
        )
        return tab[country, k]

    def pick_carrier(self, country, rng):
        country = np.asarray(country)
        out = np.zeros(len(country), np.int64)
        for c in np.unique(country):
            m = country == c
            cs = self.car_of_country[c]
            out[m] = rng.choice(cs, int(m.sum()), p=self.car_w[cs] / self.car_w[cs].sum())
        return out

    def new_v6(self, car, counts, rng):
        """Allocate counts[i] IPv6 addresses (each its own /64) under carrier car[i]; return base index."""
        counts = np.asarray(counts, dtype=np.int64)
        tot = int(counts.sum())
        base = np.full(len(counts), -1, np.int64)
        if tot == 0:
            return base
        cr = np.repeat(car, counts)
        g = np.zeros((tot, 8), dtype=np.int64)
        g[:, 0] = self.car_pfx[cr, 0]
        g[:, 1] = self.car_pfx[cr, 1]
        g[:, 2:4] = rng.integers(0, 65536, (tot, 2))
        g[:, 4:8] = rng.integers(1, 65536, (tot, 4))
        idx = self.ip.add(v6str(g))
        st = np.cumsum(counts) - counts
        base[counts > 0] = idx[st[counts > 0]]
        return base

    # ------------------------------------------------------------------ devices
    def new_devices(self, n, style, rng, model=None, collide_p=0.0, chrome=None, vendor=0, has_id=True, country=None):
        if n == 0:
            return np.zeros(0, np.int64)
        ids = rstr(rng, n, HEXB, 32)
        if style == "android" or style == "emulator" or style == "mweb":
            if style == "emulator":
                mdl = np.array(EMU_MODELS, dtype=object)[rng.integers(0, len(EMU_MODELS), n)]
                osv = np.where(rng.random(n) < 0.6, "9", "7.1.2").astype(object)
            else:
                mi = rng.choice(len(ANDROID), n, p=ANDROID_W) if model is None else np.broadcast_to(model, n)
                mdl = np.array(ANDROID, dtype=object)[mi]
                osv = np.array(ANDROID_OS, dtype=object)[rng.integers(0, 4, n)]
                if collide_p > 0:
                    col = (rng.random(n) < collide_p) & (mi < CHEAP)
                    ids[col] = self.collide_android[mi[col], rng.integers(0, 4, int(col.sum()))]
            if style == "mweb":
                ch = rng.integers(118, 130, n).astype(str).astype(object)
                ua = (
                    "Mozilla/5.0 (Linux; Android "
                    + osv
                    + "; "
                    + mdl
                    + ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
                    + ch
                    + ".0.0.0 Mobile Safari/537.36"
                )
            else:
                av = np.array(APPV, dtype=object)[rng.integers(0, len(APPV), n)]
                ua = "Lantern/" + av + " (Linux; Android " + osv + "; " + mdl + ") okhttp/4.12.0"
        elif style == "ios":
            mi = rng.integers(0, len(IPHONES), n)
            mdl = np.array(IPHONES, dtype=object)[mi]
            osv = np.array(IOS_V, dtype=object)[rng.integers(0, len(IOS_V), n)]
            av = np.array(APPV, dtype=object)[rng.integers(0, len(APPV), n)]
            ua = "Lantern/" + av + " (iPhone; iOS " + osv + "; " + mdl + ") CFNetwork/1496.0.7 Darwin/23.5.0"
            if collide_p > 0:
                col = rng.random(n) < collide_p
                ids[col] = self.collide_ios[mi[col], rng.integers(0, 3, int(col.sum()))]
        elif style in ("desktop", "antidetect"):
            # anti-detect browsers spoof the same mainstream Chrome builds people run
            ch = rng.integers(114, 130, n) if chrome is None else np.full(n, chrome)
            ch = ch.astype(str).astype(object)
            mac = rng.random(n) < 0.2
            plat = np.where(mac, "Macintosh; Intel Mac OS X 10_15_7", "Windows NT 10.0; Win64; x64").astype(object)
            ua = (
                "Mozilla/5.0 ("
                + plat
                + ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
                + ch
                + ".0.0.0 Safari/537.36"
            )
        elif style == "api":
            ua = np.array(API_UA, dtype=object)[rng.integers(0, len(API_UA), n)]
        elif style == "vendor":
            ua = np.array([VENDOR_UA[vendor]] * n, dtype=object)
        else:
            raise ValueError(style)
        if isinstance(has_id, np.ndarray):
            ids = np.where(has_id, ids, None)
        elif not has_id:
            ids = np.array([None] * n, dtype=object)
        i = self.dev_id.add(ids)
        self.dev_ua.add(ua)
        return i

    # ------------------------------------------------------------------ ordinary profiles
    def ordinary_profiles(self, a, country, rng, mobile=None, collide_p=0.1, desktop_p=0.35):
        """Give actors a normal person's phone, carrier, home line and maybe a PC."""
        A = self.A
        n = len(a)
        country = np.asarray(country)
        A.country[a] = country
        A.tz[a] = TZ[country]
        car = self.pick_carrier(country, rng)
        has_car = rng.random(n) < 0.93
        A.carrier[a] = np.where(has_car, car, -1)
        v6s = self.car_v6[car]
        v6n = np.where(has_car & (rng.random(n) < 0.85), rng.integers(2, 6, n), 0)
        A.v6_n[a] = v6n
        A.v6_base[a] = self.new_v6(car, v6n, rng)
        A.home0[a] = self.home_ips(country, rng)
        A.home1[a] = self.home_ips(country, rng)
        A.home_sw[a] = np.where(rng.random(n) < 0.45, self.ds + rng.random(n) * (self.de - self.ds), np.inf)
        m = rng.beta(4, 2, n) if mobile is None else np.asarray(mobile, float) * np.ones(n)
        m = np.where(has_car, m, 0.0)
        v6eff = np.where(v6n > 0, v6s, 0.0)
        p = np.zeros((n, 7))
        p[:, 0] = m * (1 - v6eff)
        p[:, 1] = m * v6eff
        p[:, 2] = 1 - m
        A.pch[a] = p
        ios = rng.random(n) < IOS[country]
        d0 = np.zeros(n, np.int64)
        d0[ios] = self.new_devices(int(ios.sum()), "ios", rng, collide_p=collide_p * 1.3)
        d0[~ios] = self.new_devices(int((~ios).sum()), "android", rng, collide_p=collide_p)
        A.dev[a, 0] = d0
        A.devw[a, 0] = 1.0
        desk = rng.random(n) < desktop_p
        A.dev[a[desk], 1] = self.new_devices(int(desk.sum()), "desktop", rng)
        A.devw[a[desk], 1] = rng.uniform(0.1, 0.6, int(desk.sum()))
        ex = rng.random(n) < 0.1
        A.dev[a[ex], 2] = self.new_devices(int(ex.sum()), "android", rng, collide_p=collide_p)
        A.devw[a[ex], 2] = rng.uniform(0.05, 0.3, int(ex.sum()))
        emu = ~ex & (rng.random(n) < 0.012)  # mobile games and the app on a PC emulator
        A.dev[a[emu], 2] = self.new_devices(int(emu.sum()), "emulator", rng)
        A.devw[a[emu], 2] = rng.uniform(0.2, 0.8, int(emu.sum()))
        A.dev_null_p[a] = rng.uniform(0.02, 0.1, n)

    # ------------------------------------------------------------------ time helpers
    def diurnal(self, lo, hi, tz, rng):
        n = len(lo)
        t = lo + rng.random(n) * (hi - lo)
        local = t + tz * HOUR
        day0 = np.floor(local / DAY) * DAY
        h = np.searchsorted(DIURNAL_CDF, rng.random(n)) + rng.random(n)
        t2 = day0 + h * HOUR - tz * HOUR
        bad = (t2 < lo) | (t2 >= hi)
        t2[bad] = t[bad]
        return t2

    # ------------------------------------------------------------------ emitters
    def emit(self, table, **cols):
        n = None
        for k, v in cols.items():
            if np.ndim(v) > 0:
                n = len(v)
                break
        if n is None or n == 0:
            return
        self.T[table].append({k: (np.asarray(v) if np.ndim(v) > 0 else np.full(n, v)) for k, v in cols.items()})

    def logins(self, u, a, t, rng, emit=True, src=0, force_ch=None):
        """Logins of users u acting through actors a at times t. Returns (ip, dev)."""
        A = self.A
        u = np.asarray(u, np.int64)
        a = np.asarray(a, np.int64)
        t = np.asarray(t, float)
        n = len(u)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        ch = pick_rows(rng, A.pch[a])
        if force_ch is not None:
            fc = np.asarray(force_ch) * np.ones(n, dtype=np.int64)
            ch = np.where(fc >= 0, fc, ch)
        car = A.carrier[a]
        ch[(ch == 1) & (A.v6_n[a] == 0)] = 0
        ch[(ch == 0) & (car < 0)] = 2
        ch[(ch == 3) & (A.venue[a] < 0)] = 2
        ch[(ch == 5) & (A.cloud_n[a] == 0)] = 2
        ip = np.full(n, -1, np.int64)
        m = ch == 0
        c = car[m]
        ip[m] = self.car_base[c] + (rng.random(int(m.sum())) * self.car_n[c]).astype(np.int64)
        m = ch == 1
        ip[m] = A.v6_base[a[m]] + (rng.random(int(m.sum())) * A.v6_n[a[m]]).astype(np.int64)
        m = ch == 2
        ip[m] = np.where(t[m] < A.home_sw[a[m]], A.home0[a[m]], A.home1[a[m]])
        m = ch == 3
        v = A.venue[a[m]]
        ip[m] = self.ven_ip_base[v] + (rng.random(int(m.sum())) * self.ven_ip_n[v]).astype(np.int64)
        m = ch == 4
        ip[m] = self.vpn_base + rng.integers(0, self.vpn_n, int(m.sum()))
        m = ch == 5
        ip[m] = A.cloud_base[a[m]] + (rng.random(int(m.sum())) * A.cloud_n[a[m]]).astype(np.int64)
        m = ch == 6
        if m.any():
            ip[m] = self.home_ips(A.country[a[m]].astype(np.int64), rng)
        # devices
        w = A.devw[a]
        slot = pick_rows(rng, np.where(A.dev[a] >= 0, w, 0) + 1e-12)
        dev = A.dev[a, slot]
        pc = (ch == 3) & (rng.random(n) < A.venue_pc_p[a])
        v = A.venue[a[pc]]
        dev[pc] = self.ven_pc_base[v] + (rng.random(int(pc.sum())) * self.ven_pc_n[v]).astype(np.int64)
        fr = (A.dev_mode[a] == 1) & ~pc
        if fr.any():
            st = A.fresh_style[a[fr]]
            d = np.zeros(int(fr.sum()), np.int64)
            for s, name in ((0, "antidetect"), (1, "mweb"), (2, "android")):
                mm = st == s
                d[mm] = self.new_devices(int(mm.sum()), name, rng)
            dev[fr] = d
        if emit:
            dnull = rng.random(n) < A.dev_null_p[a]
            ipnull = rng.random(n) < 0.008
            uanull = rng.random(n) < 0.012
            self.emit(
                "logins",
                user=u,
                ts=t,
                ip=np.where(ipnull, -1, ip),
                dev=dev,
                dnull=dnull,
                uanull=uanull,
                ch=ch.astype(np.int8),
                src=np.int8(src),
            )
        return ip, dev

    def session(self, u, t, rng, lead_lo=20.0, lead_hi=900.0, src=1):
        """A login shortly before each action (the session the action happens in)."""
        u = np.asarray(u, np.int64)
        if len(u) == 0:
            return
        lt = t - rng.uniform(lead_lo, lead_hi, len(u))
        lt = np.maximum(lt, self.U.reg[u] + 1.0)
        self.logins(u, self.U.actor[u], lt, rng, src=src)

    def enroll(self, camp, u, t, referrer=None):
        u = np.asarray(u, np.int64)
        self.emit(
            "enrollments",
            camp=np.int16(camp),
            user=u,
            ts=t,
            referrer=np.full(len(u), -1, np.int64) if referrer is None else referrer,
        )

    def label(self, camp, u, pattern):
        u = np.asarray(u, np.int64)
        self.emit("labels", camp=np.int16(camp), user=u, pattern=np.array([pattern] * len(u), dtype=object))

    # money --------------------------------------------------------------
    def pick_asset(self, n, rng, memo=False):
        if memo:
            return MEMO_ASSETS[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
        return rng.choice(len(ASSETS), n, p=ASSET_W)

    def fam(self, asset, rng):
        f = FAM_OF[asset].copy()
        usdt = asset == AIDX["USDT"]
        f[usdt & (rng.random(len(asset)) < 0.25)] = 0
        usdc = asset == AIDX["USDC"]
        f[usdc & (rng.random(len(asset)) < 0.4)] = 3
        return f

    @staticmethod
    def code(kind, owner, fam):
        return ((np.int64(kind) << 36) + np.asarray(owner, np.int64)) * 8 + np.asarray(fam, np.int64)

    def fund(self, u, t, amt, kind, rng, asset=None, src=None):
        """Money coming in. kind: 0 own wallet, 1 other exchange hot wallet, 2 P2P merchant (internal
        transfer), 3 OTC desk, 4 fiat rail (no address), 5 explicit address code `src`, 6 internal
        transfer from user `src`, 7 P2P merchant's external wallet."""
        U = self.U
        u = np.asarray(u, np.int64)
        n = len(u)
        if n == 0:
            return
        t = np.asarray(t, float)
        amt = np.asarray(amt, float) * np.ones(n)
        kind = np.asarray(kind) * np.ones(n, dtype=np.int64)
        src = np.full(n, -1, np.int64) if src is None else np.asarray(src, np.int64) * np.ones(n, np.int64)
        if asset is None:
            asset = self.pick_asset(n, rng)
            asset[np.isin(kind, [2, 3, 4, 6, 7])] = AIDX["USDT"]
        asset = np.asarray(asset) * np.ones(n, dtype=np.int64)
        f = self.fam(asset, rng)
        code = np.full(n, -1, np.int64)
        m = kind == 0
        code[m] = self.code(0, u[m], f[m])
        m = kind == 1
        code[m] = self.code(2, U.hx[u[m]].astype(np.int64) * 4 + rng.integers(0, 2, int(m.sum())), f[m])
        m = (kind == 1) & (rng.random(n) < 0.12)  # via a bridge / payment processor instead
        code[m] = self.code(8, rng.integers(0, 3, int(m.sum())), f[m])
        m = kind == 3
        code[m] = self.code(5, U.desk[u[m]], f[m])
        m = kind == 5
        code[m] = src[m]
        m = kind == 7
        code[m] = self.code(4, U.merchant[u[m]], 1)
        # internal transfers
        tr = (kind == 2) | (kind == 6)
        frm = np.where(kind == 2, U.merchant[u], src)
        tr &= frm >= 0
        if tr.any():
            self.emit("transfers", frm=frm[tr], to=u[tr], ts=t[tr], asset=asset[tr], amount=amt[tr])
        dep = ~tr
        unknown = rng.random(n) < 0.025  # source address not attributed
        code[unknown] = -1
        self.emit("deposits", user=u[dep], ts=t[dep], asset=asset[dep], amount=amt[dep], addr=code[dep])

    def payout(self, u, t, amt, kind, rng, asset=None, dst=None):
        """Money going out. kind: 0 own wallet, 1 own deposit address at another exchange, 2 another
        exchange's shared memo address, 3 P2P merchant (internal transfer), 4 OTC desk, 5 fiat rail,
        6 explicit address code `dst`, 7 internal transfer to user `dst`."""
        U = self.U
        u = np.asarray(u, np.int64)
        n = len(u)
        if n == 0:
            return
        t = np.asarray(t, float)
        amt = np.asarray(amt, float) * np.ones(n)
        kind = np.asarray(kind) * np.ones(n, dtype=np.int64)
        dst = np.full(n, -1, np.int64) if dst is None else np.asarray(dst, np.int64) * np.ones(n, np.int64)
        if asset is None:
            asset = self.pick_asset(n, rng)
            asset[np.isin(kind, [3, 4, 5, 7])] = AIDX["USDT"]
            mk = kind == 2
            asset[mk] = self.pick_asset(int(mk.sum()), rng, memo=True)
        asset = np.asarray(asset) * np.ones(n, dtype=np.int64)
        f = self.fam(asset, rng)
        code = np.full(n, -1, np.int64)
        m = kind == 0
        code[m] = self.code(0, u[m], f[m])
        m = kind == 1
        code[m] = self.code(1, u[m] * 16 + U.hx[u[m]], f[m])
        m = kind == 2
        code[m] = self.code(3, U.mx[u[m]], f[m])
        m = kind == 4
        code[m] = self.code(5, U.desk[u[m]], f[m])
        m = kind == 6
        code[m] = dst[m]
        tr = (kind == 3) | (kind == 7)
        to = np.where(kind == 3, U.merchant[u], dst)
        tr &= to >= 0
        if tr.any():
            self.emit("transfers", frm=u[tr], to=to[tr], ts=t[tr], asset=asset[tr], amount=amt[tr])
        wd = ~tr
        self.emit("withdrawals", user=u[wd], ts=t[wd], asset=asset[wd], amount=amt[wd], addr=code[wd])

    def trade(self, u, t, sym, side, notional, cp=None):
        u = np.asarray(u, np.int64)
        n = len(u)
        if n == 0:
            return
        sym = np.asarray(sym) * np.ones(n, dtype=np.int64)
        side = np.asarray(side) * np.ones(n, dtype=np.int8)
        notional = np.asarray(notional, float) * np.ones(n)
        cp = np.full(n, -1, np.int64) if cp is None else np.asarray(cp, np.int64) * np.ones(n, np.int64)
        t = np.asarray(t, float)
        self.emit("trades", user=u, ts=t, sym=sym, side=side, notional=notional, cp=cp)
        m = cp >= 0
        if m.any():
            self.emit(
                "trades",
                user=cp[m],
                ts=t[m],
                sym=sym[m],
                side=(1 - side[m]).astype(np.int8),
                notional=notional[m],
                cp=u[m],
            )

    # ------------------------------------------------------------------ collected tables
    def table(self, name, cols=None) -> pd.DataFrame:
        parts = self.T.get(name, [])
        if not parts:
            return pd.DataFrame({c: [] for c in (cols or [])})
        keys = parts[0].keys()
        return pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in keys})

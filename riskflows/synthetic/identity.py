"""Identities an exchange sees: IP addresses, device fingerprints, wallet addresses, user agents.

Everything is held as integer codes into registries while the world is generated (cheap to
share, copy and index in numpy) and turned into strings once, when frames are built. Formats
follow the real thing (dotted IPv4, UUID-shaped device ids, chain-shaped wallet addresses) so
analysts' SQL (e.g. /24 prefixes) works on them.
"""

from __future__ import annotations

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B58 = np.frombuffer(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", dtype=np.uint8)
_B32 = np.frombuffer(b"qpzry9x8gf2tvdw0s3jn54khce6mua7l", dtype=np.uint8)

# First octets of public ranges that residential ISPs in our countries use; avoids private space.
_RESIDENTIAL_FIRST_OCTETS = np.array(
    [
        24,
        31,
        37,
        41,
        46,
        49,
        58,
        59,
        61,
        62,
        77,
        78,
        81,
        82,
        85,
        88,
        92,
        94,
        95,
        101,
        105,
        110,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        121,
        122,
        123,
        171,
        175,
        176,
        177,
        178,
        179,
        180,
        181,
        183,
        186,
        187,
        188,
        189,
        190,
        191,
        197,
        200,
        201,
        202,
        203,
        212,
        213,
        217,
        222,
        223,
    ],
    dtype=np.uint32,
)
# Hosting / proxy providers: where API servers, VPN exits and rotating proxies live.
_DATACENTER_FIRST_OCTETS = np.array(
    [
        5,
        23,
        45,
        51,
        64,
        66,
        104,
        107,
        138,
        139,
        143,
        144,
        149,
        157,
        159,
        162,
        165,
        167,
        172,
        185,
        192,
        193,
        194,
        198,
        206,
        209,
    ],
    dtype=np.uint32,
)


def _fixed_strings(codes: np.ndarray, alphabet: np.ndarray, prefix: bytes = b"") -> np.ndarray:
    """Rows of alphabet indices -> object array of str, built without a Python loop per row."""
    n, width = codes.shape
    buf = np.empty((n, len(prefix) + width), dtype=np.uint8)
    if prefix:
        buf[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    buf[:, len(prefix) :] = alphabet[codes]
    return buf.view(f"S{buf.shape[1]}").ravel().astype(f"U{buf.shape[1]}").astype(object)


def random_uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Device fingerprints shaped like UUIDv4 (what mobile SDKs and browser fingerprinting report)."""
    hexes = rng.integers(0, 16, size=(n, 32), dtype=np.uint8)
    hexes[:, 12] = 4
    body = _HEX[hexes]
    buf = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 9: 4, 14: 4, 19: 4, 24: 12}[dst]
        buf[:, dst : dst + width] = body[:, src : src + width]
    return buf.view("S36").ravel().astype("U36").astype(object)


CHAINS = ("evm", "tron", "btc", "sol")
# Assets a customer moves on each chain; USDT lives on several, as it does in reality.
CHAIN_ASSETS = {
    "evm": ("USDT", "ETH", "USDC", "BNB"),
    "tron": ("USDT", "TRX"),
    "btc": ("BTC",),
    "sol": ("SOL", "USDC"),
}
CHAIN_WEIGHTS = np.array([0.45, 0.30, 0.15, 0.10])


def random_addresses(rng: np.random.Generator, n: int, chain: str) -> np.ndarray:
    """Wallet addresses in the chain's own format (0x.., T.., bc1q.., base58)."""
    if chain == "evm":
        return _fixed_strings(rng.integers(0, 16, (n, 40), dtype=np.uint8), _HEX, b"0x")
    if chain == "tron":
        return _fixed_strings(rng.integers(0, 58, (n, 33), dtype=np.uint8), _B58, b"T")
    if chain == "btc":
        return _fixed_strings(rng.integers(0, 32, (n, 38), dtype=np.uint8), _B32, b"bc1q")
    return _fixed_strings(rng.integers(0, 58, (n, 44), dtype=np.uint8), _B58)


def format_ipv4(values: np.ndarray) -> np.ndarray:
    """uint32 -> dotted quad strings, vectorised through numpy's string ufuncs."""
    octet = np.array([str(i) for i in range(256)])
    v = values.astype(np.uint32)
    parts = [octet[(v >> s) & 0xFF] for s in (24, 16, 8, 0)]
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(np.strings.add(out, "."), p)
    return out.astype(object)


def residential_ips(rng: np.random.Generator, n: int) -> np.ndarray:
    first = rng.choice(_RESIDENTIAL_FIRST_OCTETS, n)
    return (first << 24) | rng.integers(0, 1 << 24, n, dtype=np.uint32).astype(np.uint32)


def datacenter_ips(rng: np.random.Generator, n: int) -> np.ndarray:
    first = rng.choice(_DATACENTER_FIRST_OCTETS, n)
    return (first << 24) | rng.integers(0, 1 << 24, n, dtype=np.uint32).astype(np.uint32)


def random_slash24(rng: np.random.Generator, n: int, datacenter: bool = False) -> np.ndarray:
    """Network part of n random /24 blocks (host octet zero)."""
    base = datacenter_ips(rng, n) if datacenter else residential_ips(rng, n)
    return base & np.uint32(0xFFFFFF00)


class IpRegistry:
    """Every IPv4 address the world uses, addressed by integer code."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._size = 0

    def add(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.uint32)
        self._parts.append(values)
        codes = np.arange(self._size, self._size + len(values), dtype=np.int64)
        self._size += len(values)
        return codes

    def strings(self) -> np.ndarray:
        if not self._parts:
            return np.empty(0, dtype=object)
        return format_ipv4(np.concatenate(self._parts))


class StringRegistry:
    """Generated identifiers (devices, wallet addresses) addressed by integer code."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._size = 0

    def add(self, strings: np.ndarray) -> np.ndarray:
        self._parts.append(strings)
        codes = np.arange(self._size, self._size + len(strings), dtype=np.int64)
        self._size += len(strings)
        return codes

    def strings(self) -> np.ndarray:
        return np.concatenate(self._parts) if self._parts else np.empty(0, dtype=object)


class DeviceRegistry(StringRegistry):
    """Devices and the user agent each one reports."""

    def __init__(self) -> None:
        super().__init__()
        self._ua = np.empty(1024, dtype=np.int64)

    def new(self, rng: np.random.Generator, n: int, ua_codes) -> np.ndarray:
        codes = self.add(random_uuids(rng, n))
        if self._size > len(self._ua):  # grow geometrically: devices are added in many small batches
            grown = np.empty(max(self._size, 2 * len(self._ua)), dtype=np.int64)
            grown[: len(self._ua)] = self._ua
            self._ua = grown
        self._ua[codes] = ua_codes
        return codes

    def ua_of(self, codes: np.ndarray) -> np.ndarray:
        """User agent code each device reports."""
        return self._ua[codes]


class AddressRegistry(StringRegistry):
    """Wallet addresses: customers' own wallets, other exchanges' hot and deposit wallets, collectors."""

    def new(self, rng: np.random.Generator, n: int, chain: str) -> np.ndarray:
        return self.add(random_addresses(rng, n, chain))


# --- fixed vocabularies -------------------------------------------------------------------

COUNTRIES = (
    "US",
    "GB",
    "DE",
    "FR",
    "TR",
    "UA",
    "RU",
    "NG",
    "IN",
    "VN",
    "ID",
    "PH",
    "KR",
    "JP",
    "BR",
    "AR",
    "MX",
    "AE",
    "SG",
    "TH",
)
COUNTRY_WEIGHTS = np.array([8, 5, 5, 3, 8, 4, 5, 5, 7, 8, 6, 5, 6, 4, 7, 4, 4, 3, 3, 4], dtype=float)
COUNTRY_WEIGHTS /= COUNTRY_WEIGHTS.sum()
COUNTRY_TZ_HOURS = np.array([-5, 0, 1, 1, 3, 2, 3, 1, 5.5, 7, 7, 8, 9, 9, -3, -3, -6, 4, 8, 7])

EMAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "qq.com",
    "163.com",
    "mail.ru",
    "yandex.ru",
    "naver.com",
    "gmx.de",
    "tutanota.com",
    "duck.com",
    "aol.com",
)
EMAIL_WEIGHTS = np.array([45, 8, 6, 7, 7, 3, 5, 3, 4, 3, 3, 2, 1, 1, 2], dtype=float)
EMAIL_WEIGHTS /= EMAIL_WEIGHTS.sum()

# Index ranges into USER_AGENTS; bots spoof from the browser/app part.
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 XApp/5.12.3",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 XApp/5.14.0",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 XApp/5.11.8",
    "Dalvik/2.1.0 (Linux; U; Android 14; SM-S918B Build/UP1A.231005.007) XApp/5.12.1",
    "Dalvik/2.1.0 (Linux; U; Android 13; Redmi Note 12 Build/TKQ1.221114.001) XApp/5.10.4",
    "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240705.005) XApp/5.14.0",
    "Dalvik/2.1.0 (Linux; U; Android 12; V2111 Build/SP1A.210812.003) XApp/5.9.2",
    "Dalvik/2.1.0 (Linux; U; Android 13; CPH2487 Build/TP1A.220905.001) XApp/5.12.3",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "python-requests/2.32.3",
    "ccxt/python/4.4.12",
    "okhttp/4.12.0",
    "Go-http-client/2.0",
)
UA_HUMAN = np.arange(16)
UA_HUMAN_WEIGHTS = np.array([12, 9, 2, 10, 8, 5, 3, 4, 9, 7, 4, 3, 5, 5, 1, 3], dtype=float)
UA_HUMAN_WEIGHTS /= UA_HUMAN_WEIGHTS.sum()
UA_API = np.arange(16, 20)

"""Shared primitives: time units, hashing, samplers, string rendering of keys.

Everything in the world is carried as integer keys (IPs, devices, addresses,
user agents) until the very end, when each distinct key is rendered once into
the string the exchange would have stored.
"""

from __future__ import annotations

import numpy as np

US = 1_000_000
MIN = 60 * US
HOUR = 3600 * US
DAY = 86400 * US
EPOCH_2024 = int(np.datetime64("2024-01-01T00:00:00", "us").astype(np.int64))
MONTH = int(30.44 * DAY)

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _u64(x) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype == np.uint64:
        return a
    if a.dtype.kind == "f":
        a = a.astype(np.int64)
    return a.astype(np.int64).view(np.uint64) if a.dtype != np.int64 else a.view(np.uint64)


def splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hsh(*parts) -> np.ndarray:
    """Deterministic 64-bit hash of broadcastable integer arrays (returns uint64)."""
    acc = None
    for p in parts:
        v = np.atleast_1d(_u64(np.asarray(p, dtype=np.int64) if not isinstance(p, np.ndarray) else p))
        acc = splitmix(v) if acc is None else splitmix(acc ^ splitmix(v))
    return acc


def hkey(*parts) -> np.ndarray:
    """Positive int64 key from a hash."""
    return (hsh(*parts) >> np.uint64(2)).astype(np.int64)


def hunit(*parts) -> np.ndarray:
    """Deterministic uniform [0,1) from a hash."""
    return (hsh(*parts) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def pick(rng, items, p, size):
    p = np.asarray(p, dtype=float)
    return rng.choice(len(items), size=size, p=p / p.sum())


def heavy_sizes(rng, n_ops, lo, hi, alpha=1.3):
    """Heavy-tailed operation sizes in [lo, hi]: many small, few large."""
    u = rng.random(n_ops)
    s = lo * (1 - u) ** (-1.0 / alpha)
    return np.clip(np.floor(s), lo, hi).astype(int)


# ---------------------------------------------------------------- diurnal
# Share of activity per local hour (retail): quiet nights, evening peak.
DIURNAL = np.array(
    [
        2.2,
        1.4,
        0.9,
        0.6,
        0.5,
        0.6,
        1.1,
        2.2,
        3.4,
        4.2,
        4.6,
        4.8,
        5.0,
        5.0,
        4.9,
        4.9,
        5.1,
        5.4,
        5.9,
        6.4,
        6.8,
        6.7,
        5.6,
        3.8,
    ]
)
DIURNAL = DIURNAL / DIURNAL.sum()
_DCUM = np.cumsum(DIURNAL)


def local_hour(rng, n, peak=None, peak_share=0.55):
    """Fractional local hour: a personal habit around `peak` mixed with the crowd's rhythm."""
    h = np.searchsorted(_DCUM, rng.random(n) * _DCUM[-1]) + rng.random(n)
    if peak is not None:
        own = rng.random(n) < peak_share
        ph = (peak + rng.normal(0, 2.2, n)) % 24
        h = np.where(own, ph, h)
    return h % 24


def place_in_day(day_start_utc, tz_h, hour_local):
    """UTC µs timestamp for a local hour on the (UTC-aligned) day containing day_start."""
    return (day_start_utc + ((hour_local - tz_h) % 24) * HOUR).astype(np.int64)


def day_floor(ts):
    return (np.asarray(ts) // DAY) * DAY


def rand_times(rng, lo, hi, n=None):
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if n is None:
        n = np.broadcast(lo, hi).size
    return (lo + (rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)).astype(np.int64)


def human_times(rng, lo, hi, tz, peak=None):
    """Times within [lo, hi) following a person's daily rhythm (vectorised, per-row bounds)."""
    t = rand_times(rng, lo, hi)
    n = len(t)
    hl = local_hour(rng, n, peak)
    t2 = place_in_day(day_floor(t), tz, hl)
    bad = (t2 < lo) | (t2 >= hi)
    return np.where(bad, t, t2)


# ---------------------------------------------------------------- rendering
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B58 = np.frombuffer(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", dtype=np.uint8)
_B32 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", dtype=np.uint8)
_B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)
_LOW = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz12345", dtype=np.uint8)


def _chars(keys: np.ndarray, alphabet: np.ndarray, length: int, salt: int) -> np.ndarray:
    """(n, length) uint8 matrix of pseudo-random characters derived from keys."""
    keys = _u64(np.asarray(keys, dtype=np.int64))
    out = np.empty((len(keys), length), dtype=np.uint8)
    blocks = (length + 9) // 10
    for b in range(blocks):
        hv = hsh(keys, np.full(len(keys), salt * 1000 + b, dtype=np.int64))
        for j in range(10):
            c = b * 10 + j
            if c >= length:
                break
            out[:, c] = alphabet[((hv >> np.uint64(6 * j)) % np.uint64(len(alphabet))).astype(np.int64)]
    return out


def render(prefix: bytes, keys, alphabet, length, salt) -> np.ndarray:
    m = _chars(keys, alphabet, length, salt)
    if prefix:
        pre = np.tile(np.frombuffer(prefix, dtype=np.uint8), (len(m), 1))
        m = np.hstack([pre, m])
    return m.view(f"S{m.shape[1]}").ravel().astype(str)


def render_hex(keys, length=32, salt=7) -> np.ndarray:
    return render(b"", keys, _HEX, length, salt)


# address chains
CH_BTC, CH_EVM, CH_TRON, CH_SOL, CH_XRP, CH_XLM, CH_TON, CH_EOS = range(8)


def render_addresses(keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(keys, dtype=np.int64)
    chain = (keys >> 56) & 0x3F
    out = np.empty(len(keys), dtype=object)
    spec = {
        CH_BTC: (b"bc1q", _LOW, 38),
        CH_EVM: (b"0x", _HEX, 40),
        CH_TRON: (b"T", _B58, 33),
        CH_SOL: (b"", _B58, 44),
        CH_XRP: (b"r", _B58, 33),
        CH_XLM: (b"G", _B32, 55),
        CH_TON: (b"UQ", _B64, 46),
        CH_EOS: (b"", _LOW, 12),
    }
    for c, (pre, alpha, ln) in spec.items():
        m = chain == c
        if m.any():
            out[m] = render(pre, keys[m], alpha, ln, 31 + c)
    return out


def addr_key(chain, ident) -> np.ndarray:
    chain = np.asarray(chain, dtype=np.int64)
    ident = np.asarray(ident, dtype=np.int64) & ((1 << 56) - 1)
    return (chain << 56) | ident


def ipv4_str(vals: np.ndarray) -> np.ndarray:
    v = np.asarray(vals, dtype=np.int64)
    o = [((v >> s) & 255).astype(str) for s in (24, 16, 8, 0)]
    return np.char.add(
        np.char.add(np.char.add(np.char.add(o[0], "."), np.char.add(o[1], ".")), np.char.add(o[2], ".")), o[3]
    ).astype(object)

"""The last line of defence between risk data and the Slack channel.

The pipeline's evidence texts only carry counts and ratios, but reasons, campaign names
and error messages pass through many hands. Before anything is posted or written to the
outbox, every string goes through `scrub_text`, which replaces raw IP addresses (v4, v6),
wallet addresses (BTC base58 and bech32, EVM 0x-hex, TRON), device fingerprints (long
hex or uuid-like tokens), e-mail addresses and Slack tokens with a visible placeholder, so
an analyst sees that something was withheld without seeing it.

User ids are the exchange's internal ids; `mask_user_id` shortens them to 12****89 when a
channel is wider than the risk team.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

REDACTED_IP = "[ip withheld]"
REDACTED_WALLET = "[address withheld]"
REDACTED_DEVICE = "[device withheld]"
REDACTED_EMAIL = "[email withheld]"
REDACTED_SECRET = "[secret withheld]"

_B58 = "1-9A-HJ-NP-Za-km-z"
_HEX = "0-9a-fA-F"
# (shape, placeholder, clue). Ordered: the most specific shapes first, so a wallet is named a
# wallet, not a device. The clue is a plain search every match of the shape implies (a
# substring it must contain): texts without it skip the shape's slower scan with lookarounds,
# which is most of the cost of scrubbing a 2 MB list.
_PATTERNS: list[tuple[re.Pattern[str], str, re.Pattern[str]]] = [
    (re.compile(r"xox[abposre]-[0-9A-Za-z-]+"), REDACTED_SECRET, re.compile("xox")),
    # Anchored at the start of a run and bounded: long reason texts must not scan quadratically.
    (re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+"), REDACTED_EMAIL, re.compile("@")),
    (re.compile(rf"(?<![0-9A-Za-z])0x[{_HEX}]{{16,}}(?![0-9A-Za-z])"), REDACTED_WALLET, re.compile("0x")),
    (
        re.compile(r"(?<![0-9A-Za-z])(?:bc1|tb1|ltc1)[02-9ac-hj-np-z]{11,87}(?![0-9A-Za-z])", re.I),
        REDACTED_WALLET,
        re.compile("bc1|tb1|ltc1", re.I),
    ),
    (
        re.compile(rf"(?<![0-9A-Za-z])(?=[{_B58}]{{0,33}}\d)(?=[{_B58}]{{0,33}}[a-z])T[{_B58}]{{33}}(?![0-9A-Za-z])"),
        REDACTED_WALLET,
        re.compile(rf"[{_B58}]{{34}}"),
    ),
    (
        re.compile(
            rf"(?<![0-9A-Za-z])(?=[{_B58}]{{0,34}}[A-Z])(?=[{_B58}]{{0,34}}[a-z])[13mn2][{_B58}]{{25,34}}(?![0-9A-Za-z])"
        ),
        REDACTED_WALLET,
        re.compile(rf"[{_B58}]{{26}}"),
    ),
    (
        re.compile(rf"(?<![0-9A-Za-z])[{_HEX}]{{8}}-(?:[{_HEX}]{{4}}-){{3}}[{_HEX}]{{12}}(?![0-9A-Za-z])"),
        REDACTED_DEVICE,
        re.compile(rf"[{_HEX}]{{8}}-[{_HEX}]{{4}}-"),
    ),
    (
        re.compile(rf"(?<![0-9A-Za-z])(?:[{_HEX}]{{2}}[:-]){{5}}[{_HEX}]{{2}}(?![0-9A-Za-z])"),
        REDACTED_DEVICE,
        re.compile(rf"[{_HEX}]{{2}}[:-][{_HEX}]{{2}}[:-]"),
    ),
    # IPv4, optionally with a port or prefix; also a /24 written as a.b.c.x or a.b.c.*.
    (
        re.compile(
            r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?:/\d{1,2}|:\d{1,5})?(?![\d.])"
        ),
        REDACTED_IP,
        re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d"),
    ),
    (
        re.compile(r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){2}\.[x*](?![\w.])"),
        REDACTED_IP,
        re.compile(r"\d\.\d{1,3}\.\d{1,3}\.[x*]"),
    ),
]
# IPv6 has too many spellings for one regex: take colon-bearing hex runs and let
# `ipaddress` decide, so times like 12:30:45 survive.
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*[0-9A-Fa-f]?(?:%\w+)?\]?(?:/\d{1,3})?(?![\w:])"
)
# Opaque tokens: maximal runs of word characters and hyphens, judged piece by piece.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")


def _is_ipv6(candidate: str) -> bool:
    core = candidate.strip("[]").split("/")[0].split("%")[0]
    # At least two groups: "::" or "8::" in prose or code is punctuation, and loopback
    # or unspecified addresses identify nobody.
    if core.count(":") < 2 or len([g for g in re.split("[:.]", core) if g]) < 2:
        return False
    try:
        return isinstance(ipaddress.ip_address(core), ipaddress.IPv6Address)
    except ValueError:
        return False


def _is_fingerprint(piece: str) -> bool:
    """A device fingerprint or other opaque id: long, and mixing letters with digits."""
    has_digit = any(c.isdigit() for c in piece)
    has_alpha = any(c.isalpha() for c in piece)
    if not (has_digit and has_alpha):
        return False  # long pure numbers are user ids and amounts; long words are words
    if len(piece) >= 16 and re.fullmatch(r"[0-9a-fA-F-]+", piece):
        return True
    return len(piece) >= 24


# riskflows' own case ids (riskflows.cases: C-<yyyymmdd>-<cluster id> or -u<user id>) are digits
# and the letter C, which a hex fingerprint also is; they identify a case, not a device.
_CASE_ID = re.compile(r"C-\d{8}-u?\d{1,20}")


@functools.lru_cache(maxsize=4096)
def _is_opaque_token(run: str) -> bool:
    if _CASE_ID.fullmatch(run):
        return False
    # Rule ids use underscores (device_farm_7d): judge each piece, not the run. Cached: the
    # same feature names and rule ids come back in every reason of a list.
    # A case id stays itself inside a longer name too (C-20260911-10000857_links.png).
    pieces = [p for part in run.split("_") if not _CASE_ID.fullmatch(part) for p in (part, *part.split("-"))]
    return any(_is_fingerprint(p) for p in pieces if p)


def _scrub_tokens(value: str) -> str:
    return _TOKEN.sub(lambda m: REDACTED_DEVICE if _is_opaque_token(m.group(0)) else m.group(0), value)


def scrub_text(value: str, *, allow: Iterable[str] = ()) -> str:
    """`value` with every IP, wallet, device id, e-mail and Slack token replaced.

    `allow` lists trusted literals (the Dagster run URL from our own configuration) that
    are kept verbatim even if they look like an id.
    """
    if not value:
        return value
    kept: list[str] = []
    for literal in sorted({a for a in allow if a}, key=len, reverse=True):
        if literal in value:
            value = value.replace(literal, f"\x00{len(kept)}\x00")
            kept.append(literal)
    # IPv6 first: an IPv4-mapped address (::ffff:1.2.3.4) must go whole.
    if ":" in value:
        value = _IPV6_CANDIDATE.sub(lambda m: REDACTED_IP if _is_ipv6(m.group(0)) else m.group(0), value)
    for pattern, placeholder, clue in _PATTERNS:
        if clue.search(value):
            value = pattern.sub(placeholder, value)
    value = _scrub_tokens(value)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], value)


def scrub(obj: Any, *, allow: Iterable[str] = ()) -> Any:
    """A deep copy of a JSON-like structure (Block Kit blocks) with every string scrubbed.

    Keys are kept: they are Block Kit field names from our code, never data.
    """
    allow = tuple(allow)
    if isinstance(obj, str):
        return scrub_text(obj, allow=allow)
    if isinstance(obj, dict):
        return {k: scrub(v, allow=allow) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub(v, allow=allow) for v in obj]
    return obj


def find_sensitive(value: str) -> list[str]:
    """The substrings `scrub_text` would withhold: for tests and audits of sent content."""
    found = []
    for pattern, _, _ in _PATTERNS:
        found += [m.group(0) for m in pattern.finditer(value)]
    found += [m.group(0) for m in _IPV6_CANDIDATE.finditer(value) if _is_ipv6(m.group(0))]
    for m in _TOKEN.finditer(value):
        if _scrub_tokens(m.group(0)) != m.group(0):
            found.append(m.group(0))
    return found


def mask_user_id(user_id: object) -> str:
    """12345689 -> 12****89: enough for an analyst to match a case, not to look one up."""
    digits = str(user_id)
    if len(digits) <= 4:
        return "*" * len(digits)
    return f"{digits[:2]}****{digits[-2:]}"


def show_user_id(user_id: object, mask: bool) -> str:
    """A user id as the exchange shows it internally, or masked."""
    if user_id is None:
        return "-"
    return mask_user_id(user_id) if mask else str(user_id)

"""E-mail providers and made-up domain names."""

from __future__ import annotations

import numpy as np

from ._infra import COUNTRIES

GLOBAL = {
    "gmail.com": 40,
    "outlook.com": 7,
    "hotmail.com": 9,
    "yahoo.com": 4,
    "icloud.com": 5,
    "proton.me": 1.0,
    "protonmail.com": 0.5,
    "live.com": 1.5,
    "tutanota.com": 0.15,
}
LOCAL = {
    "DE": {"gmx.de": 12, "web.de": 12, "t-online.de": 5, "gmx.net": 3, "posteo.de": 0.5},
    "FR": {"orange.fr": 8, "free.fr": 6, "laposte.net": 4, "sfr.fr": 3, "wanadoo.fr": 2, "yopmail.com": 0.25},
    "ES": {"hotmail.es": 8, "yahoo.es": 3, "telefonica.net": 1},
    "IT": {"libero.it": 8, "virgilio.it": 3, "alice.it": 2, "tiscali.it": 1},
    "PL": {"wp.pl": 10, "o2.pl": 6, "onet.pl": 6, "interia.pl": 5},
    "BR": {"uol.com.br": 4, "bol.com.br": 4, "yahoo.com.br": 4, "terra.com.br": 1, "hotmail.com": 6},
    "AR": {"hotmail.com.ar": 5, "yahoo.com.ar": 3, "hotmail.com": 8},
    "MX": {"hotmail.com": 10, "yahoo.com.mx": 3, "prodigy.net.mx": 1},
    "CO": {"hotmail.com": 8, "yahoo.es": 3, "une.net.co": 0.5},
    "PT": {"sapo.pt": 5, "hotmail.com": 4},
    "NL": {"ziggo.nl": 3, "kpnmail.nl": 2},
    "AT": {"gmx.at": 6, "aon.at": 2},
    "BE": {"telenet.be": 4, "skynet.be": 2},
    "CL": {"hotmail.com": 6},
    "PE": {"hotmail.com": 6},
    "UY": {"adinet.com.uy": 2},
    "RO": {"yahoo.com": 6},
    "CZ": {"seznam.cz": 12, "email.cz": 4},
}
DISPOSABLE = [
    "mailinator.com",
    "guerrillamail.com",
    "yopmail.com",
    "10minutemail.com",
    "sharklasers.com",
    "dropmail.me",
    "mail.tm",
    "tempmail.plus",
    "maildrop.cc",
]
PRIVACY = ["proton.me", "protonmail.com", "tutanota.com", "tuta.io", "posteo.de", "mailbox.org"]

_W1 = [
    "nord",
    "alto",
    "pampa",
    "rio",
    "sol",
    "luna",
    "vista",
    "terra",
    "mar",
    "blue",
    "green",
    "ocean",
    "stone",
    "silver",
    "oak",
    "pine",
    "delta",
    "nova",
    "prime",
    "vertex",
    "castle",
    "bridge",
    "river",
    "north",
    "west",
    "casa",
    "monte",
    "valle",
    "costa",
    "cielo",
    "andes",
    "lago",
    "fuego",
    "viento",
    "stahl",
    "wald",
    "berg",
    "hafen",
    "lumen",
    "fenix",
    "orbit",
    "pixel",
    "quant",
    "ledger",
    "atlas",
]
_W2 = [
    "works",
    "labs",
    "media",
    "group",
    "tech",
    "solutions",
    "digital",
    "studio",
    "consult",
    "partners",
    "systems",
    "trade",
    "net",
    "mail",
    "home",
    "family",
    "logistik",
    "bau",
    "design",
    "capital",
    "data",
    "cloud",
    "link",
    "hub",
    "soft",
    "verde",
    "norte",
    "sur",
    "line",
    "point",
]
_TLD = [
    ".com",
    ".net",
    ".de",
    ".es",
    ".it",
    ".fr",
    ".pl",
    ".com.br",
    ".com.ar",
    ".mx",
    ".co",
    ".io",
    ".eu",
    ".xyz",
    ".org",
]


def custom_domain(rng) -> str:
    w1 = _W1[rng.integers(len(_W1))]
    w2 = _W2[rng.integers(len(_W2))]
    sep = "-" if rng.random() < 0.3 else ""
    return f"{w1}{sep}{w2}{rng.integers(2, 99) if rng.random() < 0.15 else ''}{_TLD[rng.integers(len(_TLD))]}"


def pick_emails(W, rng, country, null_rate=0.03, disposable=0.004, custom=0.012):
    """Domain index per account (-1: phone-number sign-up, no e-mail)."""
    country = np.asarray(country)
    out = np.full(len(country), -1, np.int64)
    for c in np.unique(country):
        m = np.where(country == c)[0]
        table = dict(GLOBAL)
        for k, v in LOCAL.get(COUNTRIES[c] if c >= 0 else "", {}).items():
            table[k] = table.get(k, 0) + v
        names = list(table)
        p = np.array([table[k] for k in names], float)
        p /= p.sum()
        ids = np.array([W.dom(nm) for nm in names])
        out[m] = ids[rng.choice(len(names), len(m), p=p)]
    r = rng.random(len(country))
    disp = np.array([W.dom(d) for d in DISPOSABLE])
    out = np.where(r < disposable, disp[rng.integers(0, len(disp), len(country))], out)
    cm = (r >= disposable) & (r < disposable + custom)
    for i in np.where(cm)[0]:
        out[i] = W.dom(custom_domain(rng))
    out = np.where(rng.random(len(country)) < null_rate, -1, out)
    return out

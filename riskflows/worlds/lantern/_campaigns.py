"""Campaign calendar, the exchange's reward engine (qualification from the data itself), the legacy
hold rule and analysts' reviews."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._world import AIRSYM, CIDX, COUNTRIES, DAY, HOUR, THIN, crc

REF, NU, NUR, DB, AD, TC = range(6)

# campaign rules (also documented in README.md)
NU_MIN_DEP, NU_MIN_TRADE, NU_DAYS, NU_REWARD, NUR_REWARD = 20.0, 20.0, 7, 10.0, 8.0
REF_MIN_DEP, REF_MIN_TRADE, REF_DAYS, REF_REFEREE, REF_REFERRER = 50.0, 50.0, 14, 5.0, 10.0
DB_MIN, DB_RATE, DB_CAP = 100.0, 0.15, 50.0
AD_MIN_TRADE, AD_TOKENS = 10.0, 50.0
TC_PRIZES = [1500, 900, 600, 400, 300, 250, 200, 150, 150, 150, 100, 100, 100, 100, 100, 80, 80, 80, 80, 80]
TC_DRAW_MIN, TC_DRAW_P, TC_DRAW_PRIZE = 200.0, 0.12, 10.0
HOLD_DAYS = {REF: 7, NU: 7, NUR: 7, DB: 7, AD: 3, TC: 3}


@dataclass
class Sched:
    end_day: pd.Timestamp
    data_start: float
    data_end: float
    region: int
    camps: pd.DataFrame = field(default=None)

    def start(self, c):
        return float(self.camps.start.iat[c])

    def end(self, c):
        return float(self.camps.end.iat[c])


def _ts(x):
    return pd.Timestamp(x).value / 1e9


def make_schedule(seed: int, users: int, end: str | None) -> Sched:
    rng = np.random.default_rng([seed, crc("schedule")])
    if end is None:
        end_day = pd.Timestamp("2026-06-01") + pd.Timedelta(days=int(rng.integers(0, 153)))
    else:
        end_day = pd.Timestamp(end).normalize()
    data_end = _ts(end_day) + DAY
    gap = rng.uniform(3.0, 6.5) * DAY
    L = np.floor((data_end - gap) / HOUR) * HOUR + 16 * HOUR  # midnight UTC+8
    L = min(L, data_end - 3 * DAY)

    def at(t, hour):  # align a start time to hour:00 UTC of that day
        return np.floor(t / DAY) * DAY + hour * HOUR

    tc_end = L
    tc_start = at(tc_end - rng.integers(13, 16) * DAY, 3)
    ad_end = L - rng.integers(1, 3) * DAY
    ad_start = at(ad_end - rng.integers(9, 12) * DAY, 4)
    db_end = L - rng.integers(4, 7) * DAY
    db_start = at(db_end - 14 * DAY, 3)
    nu_end = L - rng.integers(6, 9) * DAY
    nu_start = at(nu_end - 21 * DAY, 2)
    nur_start = at(nu_start + rng.integers(4, 7) * DAY, 5)
    nur_end = min(nur_start + 14 * DAY, L)
    ref_end = L - rng.integers(2, 4) * DAY
    ref_start = at(ref_end - 28 * DAY, 3)
    region = CIDX[str(rng.choice(["VN", "ID", "PH", "TH"]))]
    rc = COUNTRIES[region]
    months = int(rng.integers(6, 19))
    first = min(ref_start, nu_start, db_start, ad_start, tc_start, nur_start)
    data_start = np.floor((first - months * 30.44 * DAY) / DAY) * DAY
    sc = users / 30000
    ym = pd.Timestamp(ref_start, unit="s").strftime("%y%m")
    camps = pd.DataFrame(
        {
            "campaign_id": [f"ref-{ym}", f"nup-{ym}", f"nup-{ym}-{rc.lower()}", f"dbn-{ym}", f"adr-{ym}", f"tcp-{ym}"],
            "name": [
                "Invite & earn season",
                "Starter pack",
                f"Starter pack ({rc})",
                "Deposit boost",
                "NOVA listing airdrop",
                "KORA/USDT trading cup",
            ],
            "kind": ["referral", "new_user", "new_user", "deposit_bonus", "airdrop", "trading_competition"],
            "start": [ref_start, nu_start, nur_start, db_start, ad_start, tc_start],
            "end": [ref_end, nu_end, nur_end, db_end, ad_end, tc_end],
            "budget": [
                round(25000 * sc, -2),
                round(30000 * sc, -2),
                round(8000 * sc, -2),
                round(40000 * sc, -2),
                np.nan,
                float(sum(TC_PRIZES) + 2000),
            ],
        }
    )
    return Sched(end_day=end_day, data_start=data_start, data_end=data_end, region=region, camps=camps)


# ---------------------------------------------------------------------- reward engine
def _first_after(ev: pd.DataFrame, who: pd.DataFrame, lo_col, hi_col):
    """For each row of `who` (user, lo, hi) the first event time of ev (user, ts) in [lo, hi]."""
    m = ev.merge(who[["user", lo_col, hi_col]], on="user", how="inner")
    m = m[(m.ts >= m[lo_col]) & (m.ts <= m[hi_col])]
    return m.groupby("user").ts.min()


def nova_price(sched: Sched, t):
    """Airdrop token price path (USD), deterministic per schedule."""
    rng = np.random.default_rng([int(sched.data_end), crc("nova")])
    t0 = sched.start(AD) - DAY
    grid = t0 + np.arange(0, 60 * 24) * HOUR
    steps = rng.normal(-0.002, 0.02, len(grid))
    path = 0.095 * np.exp(np.cumsum(steps))
    return np.interp(t, grid, path)


def evaluate(W) -> pd.DataFrame:
    """Compute rewards from what happened: who qualified, when, for how much."""
    S = W.sched
    U = W.U
    n = U.n
    reg = U.reg[:n]
    enr = W.table("enrollments")
    dep = W.table("deposits")[["user", "ts", "amount"]]
    trf = W.table("transfers")
    fundev = pd.concat([dep, trf.rename(columns={"to": "user"})[["user", "ts", "amount"]]])
    trd = W.table("trades")
    out = []

    def batch(t):  # daily reward batch at 01:00 UTC after qualification
        b = np.ceil((t - HOUR) / DAY) * DAY + HOUR
        return b

    # new-user packs
    for c, reward in ((NU, NU_REWARD), (NUR, NUR_REWARD)):
        e = enr[enr.camp == c][["user", "ts"]].rename(columns={"ts": "enr"})
        e["reg"] = reg[e.user]
        e = e[(e.reg >= S.start(c)) & (e.reg <= S.end(c)) & (U.kyc[e.user] >= 1)]
        if c == NUR:
            e = e[U.country[e.user] == S.region]
        e["hi"] = e.reg + NU_DAYS * DAY
        fd = _first_after(fundev[fundev.amount >= NU_MIN_DEP], e, "reg", "hi")
        ft = _first_after(trd[trd.notional >= NU_MIN_TRADE], e, "reg", "hi")
        e = e.set_index("user")
        q = pd.concat([e.enr, fd.rename("fd"), ft.rename("ft")], axis=1, join="inner")
        qt = q.max(axis=1)
        out.append(
            pd.DataFrame(
                {"camp": c, "user": qt.index.values, "qual": qt.values, "amount": reward, "subject": qt.index.values}
            )
        )
    # referral
    e = enr[(enr.camp == REF) & (enr.referrer >= 0)][["user", "ts", "referrer"]].rename(columns={"ts": "enr"})
    e["reg"] = reg[e.user]
    e = e[(e.reg >= S.start(REF)) & (e.reg <= S.end(REF)) & (U.kyc[e.user] >= 1)]
    e["hi"] = e.reg + REF_DAYS * DAY
    fd = _first_after(fundev[fundev.amount >= REF_MIN_DEP], e, "reg", "hi")
    ft = _first_after(trd[trd.notional >= REF_MIN_TRADE], e, "reg", "hi")
    e = e.set_index("user")
    q = pd.concat([e.enr, fd.rename("fd"), ft.rename("ft")], axis=1, join="inner")
    qt = q.max(axis=1)
    out.append(
        pd.DataFrame(
            {"camp": REF, "user": qt.index.values, "qual": qt.values, "amount": REF_REFEREE, "subject": qt.index.values}
        )
    )
    refr = e.loc[qt.index, "referrer"].values
    out.append(
        pd.DataFrame(
            {"camp": REF, "user": refr, "qual": qt.values + 30.0, "amount": REF_REFERRER, "subject": qt.index.values}
        )
    )
    # deposit bonus: first deposit >= minimum during the campaign after enrolling
    e = enr[enr.camp == DB][["user", "ts"]].rename(columns={"ts": "enr"})
    e["hi"] = S.end(DB)
    m = dep.merge(e, on="user")
    m = m[(m.ts >= m.enr) & (m.ts <= m.hi) & (m.amount >= DB_MIN)].sort_values("ts").groupby("user").first()
    out.append(
        pd.DataFrame(
            {
                "camp": DB,
                "user": m.index.values,
                "qual": m.ts.values,
                "amount": np.round(np.minimum(m.amount.values * DB_RATE, DB_CAP), 2),
                "subject": m.index.values,
            }
        )
    )
    # airdrop: task trade then claim (claim is the grant)
    e = enr[enr.camp == AD][["user", "ts"]].rename(columns={"ts": "enr"})
    e["hi"] = S.end(AD)
    ft = _first_after(trd[(trd.sym == AIRSYM) & (trd.notional >= AD_MIN_TRADE)], e, "enr", "hi")
    claim = ft.values + U.claim_delay[ft.index.values]
    ok = claim <= S.end(AD) + DAY
    users = ft.index.values[ok]
    claim = claim[ok]
    out.append(
        pd.DataFrame(
            {
                "camp": AD,
                "user": users,
                "qual": claim,
                "grant": claim,
                "amount": np.round(AD_TOKENS * nova_price(S, claim), 2),
                "subject": users,
            }
        )
    )
    # trading competition: volume on the thin pair while enrolled
    e = enr[enr.camp == TC][["user", "ts"]].rename(columns={"ts": "enr"})
    m = trd[trd.sym == THIN].merge(e, on="user")
    m = m[(m.ts >= m.enr) & (m.ts >= S.start(TC)) & (m.ts <= S.end(TC))]
    vol = m.groupby("user").notional.sum().sort_values(ascending=False)
    top = vol.index.values[: len(TC_PRIZES)]
    tg = S.end(TC) + DAY + 10 * HOUR
    out.append(
        pd.DataFrame(
            {
                "camp": TC,
                "user": top,
                "qual": tg,
                "grant": tg + np.arange(len(top)),
                "amount": np.array(TC_PRIZES[: len(top)], float),
                "subject": top,
            }
        )
    )
    rest = vol.iloc[len(TC_PRIZES) :]
    rest = rest[rest >= TC_DRAW_MIN]
    rng = W.child("tc-draw")
    win = rest.index.values[rng.random(len(rest)) < TC_DRAW_P]
    out.append(
        pd.DataFrame(
            {
                "camp": TC,
                "user": win,
                "qual": tg,
                "grant": tg + 60 + rng.uniform(0, 600, len(win)),
                "amount": TC_DRAW_PRIZE,
                "subject": win,
            }
        )
    )
    rw = pd.concat(out, ignore_index=True)
    nog = rw["grant"].isna() if "grant" in rw else np.ones(len(rw), bool)
    rng = W.child("batch")
    rw.loc[nog, "grant"] = batch(rw.loc[nog, "qual"].values) + rng.uniform(0, 1800, int(nog.sum()))
    rw = rw[rw["grant"] < S.data_end - 1].reset_index(drop=True)
    rw["hold"] = rw.camp.map(HOLD_DAYS).astype(float) * DAY
    return rw


def legacy_status(W, rw: pd.DataFrame) -> pd.DataFrame:
    """The exchange's old hold rule. It holds a reward when the subject's registration IP was used by
    three more rewarded sign-ups of the same campaign within 24 hours, or when the subject's
    registration device is shared by four rewarded accounts of the campaign, plus a manual 1.2 %.
    It catches sloppy farms and many innocent people behind carrier NAT, cafes and family phones."""
    U = W.U
    S = W.sched
    rng = W.child("legacy")
    subj = rw.subject.values
    df = pd.DataFrame(
        {"camp": rw.camp.values, "ip": U.reg_ip[subj], "dev": U.reg_dev[subj], "reg": U.reg[subj], "subj": subj}
    )
    held = np.zeros(len(rw), bool)
    rule = df.camp.values != TC
    # (a) registration IP burst
    d = df[(df.ip >= 0) & rule].drop_duplicates(["camp", "subj"])
    d = d.sort_values(["camp", "ip", "reg"])
    gid = d.groupby(["camp", "ip"]).ngroup().values.astype(np.float64)
    key = gid * 1e10 + d.reg.values
    cnt = np.searchsorted(key, key + DAY, "right") - np.searchsorted(key, key - DAY, "left")
    bad = set(zip(d.camp.values[cnt >= 4], d.subj.values[cnt >= 4]))
    # (b) registration device
    d = df[(df.dev >= 0) & rule].drop_duplicates(["camp", "subj"])
    devstr = W.dev_id_arr[d.dev.values]
    d = d.assign(ds=devstr)
    d = d[d.ds.notna()]
    c = d.groupby(["camp", "ds"]).subj.transform("count")
    bad |= set(zip(d.camp.values[c >= 4], d.subj.values[c >= 4]))
    held = np.array([(a, b) in bad for a, b in zip(df.camp.values, subj)], dtype=bool) & rule
    held |= rng.random(len(rw)) < 0.012
    pay_t = rw["grant"].values + rw.hold.values
    status = np.where(held, "held", np.where(pay_t <= S.data_end - 1, "paid", "pending"))
    rw = rw.assign(status=status, pay_t=np.where(status == "paid", pay_t, np.nan))
    return rw


def reviews(W, rw: pd.DataFrame, enr: pd.DataFrame, lab: pd.DataFrame) -> pd.DataFrame:
    """Analysts reviewed held rewards, a few obvious farm clusters and a random sample; about 10 %
    of verdicts are wrong and some are inconclusive."""
    rng = W.child("reviews")
    S = W.sched
    abusive = set(zip(lab.camp.values, lab.user.values))
    held = rw[rw.status == "held"].drop_duplicates(["camp", "subject"])
    pick = [
        held.sample(frac=0.7, random_state=int(rng.integers(1 << 30)))[["camp", "subject"]].rename(
            columns={"subject": "user"}
        )
    ]
    # obvious farm accounts: sloppy operations (flagged at generation)
    ob = lab[lab.user.isin(W.obvious)]
    if len(ob):
        pick.append(ob.sample(frac=0.35, random_state=int(rng.integers(1 << 30)))[["camp", "user"]])
    r = enr.sample(n=min(len(enr), max(50, len(enr) // 60)), random_state=int(rng.integers(1 << 30)))
    pick.append(r[["camp", "user"]])
    p = pd.concat(pick).drop_duplicates(["camp", "user"]).reset_index(drop=True)
    truth = np.array([(a, b) in abusive for a, b in zip(p.camp.values, p.user.values)])
    u = rng.random(len(p))
    verdict = np.where(truth, "confirmed_abuse", "false_positive").astype(object)
    verdict[u < 0.1] = np.where(truth[u < 0.1], "false_positive", "confirmed_abuse")
    verdict[(u >= 0.1) & (u < 0.22)] = "inconclusive"
    lo = np.array([S.end(c) for c in p.camp.values]) - 3 * DAY
    t = np.minimum(lo + rng.uniform(0, 6, len(p)) * DAY, S.data_end - HOUR * rng.uniform(1, 20, len(p)))
    reviewer = np.array(["analyst.mai", "analyst.rizal", "analyst.ploy", "analyst.arjun", "analyst.joy"], dtype=object)[
        rng.integers(0, 5, len(p))
    ]
    return pd.DataFrame(
        {"camp": p.camp.values, "user": p.user.values, "ts": t, "verdict": verdict, "reviewer": reviewer}
    )

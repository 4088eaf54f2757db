"""Turn the simulated world into the `src` and `synthetic` schemas of a DuckDB file."""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd

from . import _campaigns as C
from ._world import ASSETS, B32, B58, B64U, BECH, COUNTRIES, HEXB, SYMBOLS, THIN, rstr


def _ts(x):
    return pd.to_datetime(np.round(np.asarray(x, float) * 1000).astype(np.int64), unit="ms")


def _cat(codes, cats):
    return pd.Categorical.from_codes(np.asarray(codes, np.int64), categories=pd.Index(cats, dtype=object))


def address_strings(codes, rng):
    """Deterministic chain-looking address per address code."""
    codes = np.unique(codes[codes >= 0])
    fam = codes % 8
    out = np.empty(len(codes), dtype=object)
    spec = {
        0: (HEXB, 40, "0x"),
        1: (B58, 33, "T"),
        2: (BECH, 38, "bc1q"),
        3: (B58, 44, ""),
        4: (B58, 33, "r"),
        5: (B64U, 46, "UQ"),
        6: (B32, 55, "G"),
    }
    for f, (alpha, n, pre) in spec.items():
        m = fam == f
        out[m] = rstr(rng, int(m.sum()), alpha, n, pre)
    return codes, out


def build_tables(W, H, rw, rev_fn):
    rng = W.child("write")
    U = W.U
    n = U.n
    de, ds = W.de, W.ds
    reg = U.reg[:n]
    # ------------------------------------------------------------------ ids
    order = np.argsort(reg, kind="stable")
    ids = np.empty(n, np.int64)
    ids[order] = int(rng.integers(1_000_000, 9_000_000)) + np.cumsum(rng.integers(1, 4, n))
    ip_codes, ip_cats = pd.factorize(W.ip.array())
    dev_arr = W.dev_id.array()
    dev_codes, dev_cats = pd.factorize(dev_arr, use_na_sentinel=True)
    ua_codes, ua_cats = pd.factorize(W.dev_ua.array())

    def ipc(x):
        x = np.asarray(x, np.int64)
        return np.where(x >= 0, ip_codes[np.maximum(x, 0)], -1)

    def devc(x):
        x = np.asarray(x, np.int64)
        return np.where(x >= 0, dev_codes[np.maximum(x, 0)], -1)

    def uid(x):
        x = np.asarray(x, np.int64)
        return pd.arrays.IntegerArray(ids[np.maximum(x, 0)], x < 0)

    out = {}
    ctry = np.where(U.country[:n] >= 0, U.country[:n], 0)
    cnull = (U.country[:n] < 0) | (rng.random(n) < 0.015)
    out["users"] = (
        pd.DataFrame(
            {
                "user_id": ids,
                "registered_at": _ts(reg),
                "country": pd.Series(COUNTRIES[ctry], dtype=object).where(~cnull, None),
                "kyc_level": U.kyc[:n].astype(np.int32),
                "referrer_id": uid(U.referrer[:n]),
                "registration_ip": _cat(ipc(U.reg_ip[:n]), ip_cats),
                "registration_device_id": _cat(devc(U.reg_dev[:n]), dev_cats),
                "email_domain": pd.Series(U.email[:n], dtype=object),
            }
        )
        .iloc[order]
        .reset_index(drop=True)
    )

    def valid(df, cols, tcol="ts"):
        t = df[tcol].to_numpy()
        ok = (t < de - 1e-3) & (t >= ds)
        for c in cols:
            v = df[c].to_numpy()
            ok &= (v < 0) | (t >= reg[np.maximum(v, 0)])
        return df[ok]

    # ------------------------------------------------------------------ logins
    lg = W.table("logins")
    lg["ts"] = np.maximum(lg.ts.to_numpy(), reg[lg.user.to_numpy()] + 0.5)
    lg = valid(lg, ["user"]).sort_values("ts", kind="stable")
    W.login_frame = lg[["user", "ts", "ch", "dev"]]
    d = lg.dev.to_numpy()
    dc = np.where(lg.dnull.to_numpy(), -1, devc(d))
    uc = np.where(lg.uanull.to_numpy(), -1, ua_codes[d])
    out["logins"] = pd.DataFrame(
        {
            "login_id": np.arange(len(lg), dtype=np.int64) + 50_000_000,
            "user_id": ids[lg.user.to_numpy()],
            "ts": _ts(lg.ts.to_numpy()),
            "ip": _cat(ipc(lg.ip.to_numpy()), ip_cats),
            "device_id": _cat(dc, dev_cats),
            "user_agent": _cat(uc, ua_cats),
        }
    )
    del lg
    # ------------------------------------------------------------------ money
    dep = valid(W.table("deposits"), ["user"]).sort_values("ts", kind="stable")
    wd = valid(W.table("withdrawals"), ["user"]).sort_values("ts", kind="stable")
    codes, strs = address_strings(np.r_[dep.addr.to_numpy(), wd.addr.to_numpy()], rng)
    acats = pd.Index(strs, dtype=object)

    def addr(x):
        x = np.asarray(x, np.int64)
        pos = np.searchsorted(codes, x)
        return _cat(np.where(x >= 0, pos, -1), acats)

    W.dep_frame, W.wd_frame = dep, wd
    out["deposits"] = pd.DataFrame(
        {
            "deposit_id": np.arange(len(dep), dtype=np.int64) + 70_000_000,
            "user_id": ids[dep.user.to_numpy()],
            "ts": _ts(dep.ts.to_numpy()),
            "asset": ASSETS[dep.asset.to_numpy()],
            "amount_usd": np.round(dep.amount.to_numpy(float), 2),
            "from_address": addr(dep.addr.to_numpy()),
        }
    )
    out["withdrawals"] = pd.DataFrame(
        {
            "withdrawal_id": np.arange(len(wd), dtype=np.int64) + 80_000_000,
            "user_id": ids[wd.user.to_numpy()],
            "ts": _ts(wd.ts.to_numpy()),
            "asset": ASSETS[wd.asset.to_numpy()],
            "amount_usd": np.round(wd.amount.to_numpy(float), 2),
            "to_address": addr(wd.addr.to_numpy()),
        }
    )
    tr = W.table("trades")
    tr = valid(tr, ["user", "cp"]).sort_values(["ts", "user"], kind="stable")
    W.trade_frame = tr
    out["trades"] = pd.DataFrame(
        {
            "trade_id": np.arange(len(tr), dtype=np.int64) + 100_000_000,
            "user_id": ids[tr.user.to_numpy()],
            "ts": _ts(tr.ts.to_numpy()),
            "symbol": SYMBOLS[tr.sym.to_numpy()],
            "side": np.where(tr.side.to_numpy() == 0, "buy", "sell").astype(object),
            "notional_usd": np.round(np.maximum(tr.notional.to_numpy(float), 0.01), 2),
            "counterparty_user_id": uid(tr.cp.to_numpy()),
        }
    )
    tf = W.table("transfers")
    tf = tf[tf.frm.to_numpy() != tf.to.to_numpy()]
    tf = valid(tf, ["frm", "to"]).sort_values("ts", kind="stable")
    W.trf_frame = tf
    amt = np.round(tf.amount.to_numpy(float), 2)
    amt = np.where(rng.random(len(tf)) < 0.02, np.nan, amt)
    out["transfers"] = pd.DataFrame(
        {
            "transfer_id": np.arange(len(tf), dtype=np.int64) + 90_000_000,
            "from_user_id": ids[tf.frm.to_numpy()],
            "to_user_id": ids[tf.to.to_numpy()],
            "ts": _ts(tf.ts.to_numpy()),
            "asset": ASSETS[tf.asset.to_numpy()],
            "amount_usd": amt,
        }
    )
    # ------------------------------------------------------------------ campaigns
    cp = W.sched.camps
    out["campaigns"] = pd.DataFrame(
        {
            "campaign_id": cp.campaign_id,
            "name": cp.name,
            "kind": cp.kind,
            "starts_at": _ts(cp.start),
            "ends_at": _ts(cp.end),
            "reward_budget_usd": cp.budget,
            "rule_pack": pd.Series([None] * len(cp), dtype=object),
        }
    )
    cid = cp.campaign_id.to_numpy()
    en = W.table("enrollments")
    en = valid(en, ["user"]).sort_values("ts", kind="stable").drop_duplicates(["camp", "user"])
    W.enr_frame = en
    out["enrollments"] = pd.DataFrame(
        {
            "campaign_id": cid[en.camp.to_numpy()],
            "user_id": ids[en.user.to_numpy()],
            "enrolled_at": _ts(en.ts.to_numpy()),
            "referrer_id": uid(en.referrer.to_numpy()),
        }
    )
    rw = rw[(rw["grant"] < de - 1e-3)].sort_values("grant", kind="stable")
    W.rw_frame = rw
    out["rewards"] = pd.DataFrame(
        {
            "reward_id": np.arange(len(rw), dtype=np.int64) + 30_000_000,
            "campaign_id": cid[rw.camp.to_numpy()],
            "user_id": ids[rw.user.to_numpy()],
            "granted_at": _ts(rw["grant"].to_numpy()),
            "amount_usd": np.round(rw.amount.to_numpy(float), 2),
            "status": rw.status.to_numpy().astype(object),
        }
    )
    lab = W.table("labels").drop_duplicates(["camp", "user"])
    lab = lab.merge(en[["camp", "user"]], on=["camp", "user"])
    rv = rev_fn(W, rw, en, lab)
    rv = rv[rv.ts < de - 1]
    out["reviews"] = pd.DataFrame(
        {
            "campaign_id": cid[rv.camp.to_numpy()],
            "user_id": ids[rv.user.to_numpy()],
            "reviewed_at": _ts(rv.ts),
            "verdict": rv.verdict.to_numpy(),
            "reviewer": rv.reviewer.to_numpy(),
        }
    )
    out["labels"] = pd.DataFrame(
        {
            "campaign_id": cid[lab.camp.to_numpy()],
            "user_id": ids[lab.user.to_numpy()],
            "pattern": lab.pattern.to_numpy(),
        }
    )
    out["hard_negatives"] = hard_negatives(W, H, en, dev_arr, ids)
    return out


def hard_negatives(W, H, en, dev_arr, ids):
    """Honest participants per look-alike group, derived from what they actually did."""
    U = W.U
    part = np.unique(en.user.to_numpy())
    part = part[~U.farm[part]]
    P = set(part.tolist())
    u = H["u"]
    g = {}
    lg = W.login_frame
    lg = lg[lg.user.isin(P)]
    share = lg.assign(c=lg.ch.to_numpy() == 0).groupby("user").c.mean()
    g["carrier_nat_users"] = share.index[share >= 0.4].to_numpy()
    ven = lg[lg.ch.to_numpy() == 3].user.unique()
    g["cafe_campus_users"] = ven
    vpn = lg[lg.ch.to_numpy() == 4].groupby("user").size()
    g["vpn_users"] = vpn.index[vpn >= 2].to_numpy()
    col = set(W.collide_android.ravel().tolist()) | set(W.collide_ios.ravel().tolist())
    isc = np.array([x in col for x in dev_arr], dtype=bool)
    g["same_model_fingerprint_collisions"] = lg[isc[lg.dev.to_numpy()]].user.unique()
    hh, sp = H["hh_of"], H["shared_phone"]
    inhh = hh >= 0
    g["family_shared_phone"] = u[inhh & sp[np.maximum(hh, 0)]]
    g["household_members"] = u[inhh]
    g["influencer_referees"] = u[H["ir"]]
    g["marketing_signup_burst"] = u[H["mk"]]
    g["campus_signup_wave"] = u[H["wv"]]
    g["api_traders_and_market_makers"] = u[np.r_[H["mmi"], H["apit"]]]
    g["retail_bot_users"] = u[H["botu"]]
    g["privacy_browser_users"] = u[H["priv"]]
    g["min_deposit_bonus_takers"] = u[H["db_e"][H["db_mint"]]]
    g["fast_withdrawers"] = W.fast_withdrawers
    wd, dep = W.wd_frame, W.dep_frame
    kind_w = np.where(wd.addr.to_numpy() >= 0, (wd.addr.to_numpy() // 8) >> 36, -1)
    kind_d = np.where(dep.addr.to_numpy() >= 0, (dep.addr.to_numpy() // 8) >> 36, -1)
    g["memo_address_payout"] = wd.user.to_numpy()[kind_w == 3]
    g["otc_desk_clients"] = np.r_[wd.user.to_numpy()[kind_w == 5], dep.user.to_numpy()[kind_d == 5]]
    g["exchange_hot_wallet_funded"] = dep.user.to_numpy()[kind_d == 2]
    tf = W.trf_frame
    mset = W.merchants
    g["p2p_merchant_customers"] = np.r_[
        tf.to.to_numpy()[np.isin(tf.frm.to_numpy(), mset)],
        tf.frm.to_numpy()[np.isin(tf.to.to_numpy(), mset)],
        dep.user.to_numpy()[kind_d == 4],
    ]
    tcs = set(en.user[en.camp == C.TC].tolist())
    tr = W.trade_frame
    t = tr[(tr.sym.to_numpy() == THIN) & tr.user.isin(tcs) & tr.cp.isin(tcs)]
    g["competition_competitors"] = t.user.unique()
    refd = en[(en.camp == C.REF) & (en.referrer >= 0)]
    g["referred_by_family_or_friends"] = refd.user.to_numpy()[~np.isin(refd.user.to_numpy(), u[H["ir"]])]
    rows = []
    for name, users in g.items():
        users = np.unique(np.asarray(users, np.int64))
        users = users[np.isin(users, part)]
        users = users[~U.farm[users]]
        rows.append(pd.DataFrame({"group": name, "user_id": ids[users]}))
    return pd.concat(rows, ignore_index=True)


DDL = {
    "campaigns": "campaign_id VARCHAR, name VARCHAR, kind VARCHAR, starts_at TIMESTAMP, ends_at TIMESTAMP, "
    "reward_budget_usd DOUBLE, rule_pack VARCHAR",
    "users": "user_id BIGINT, registered_at TIMESTAMP, country VARCHAR, kyc_level INTEGER, referrer_id BIGINT, "
    "registration_ip VARCHAR, registration_device_id VARCHAR, email_domain VARCHAR",
    "logins": "login_id BIGINT, user_id BIGINT, ts TIMESTAMP, ip VARCHAR, device_id VARCHAR, user_agent VARCHAR",
    "enrollments": "campaign_id VARCHAR, user_id BIGINT, enrolled_at TIMESTAMP, referrer_id BIGINT",
    "rewards": "reward_id BIGINT, campaign_id VARCHAR, user_id BIGINT, granted_at TIMESTAMP, amount_usd DOUBLE, "
    "status VARCHAR",
    "deposits": "deposit_id BIGINT, user_id BIGINT, ts TIMESTAMP, asset VARCHAR, amount_usd DOUBLE, from_address VARCHAR",
    "withdrawals": "withdrawal_id BIGINT, user_id BIGINT, ts TIMESTAMP, asset VARCHAR, amount_usd DOUBLE, "
    "to_address VARCHAR",
    "trades": "trade_id BIGINT, user_id BIGINT, ts TIMESTAMP, symbol VARCHAR, side VARCHAR, notional_usd DOUBLE, "
    "counterparty_user_id BIGINT",
    "transfers": "transfer_id BIGINT, from_user_id BIGINT, to_user_id BIGINT, ts TIMESTAMP, asset VARCHAR, "
    "amount_usd DOUBLE",
    "reviews": "campaign_id VARCHAR, user_id BIGINT, reviewed_at TIMESTAMP, verdict VARCHAR, reviewer VARCHAR",
    "labels": "campaign_id VARCHAR, user_id BIGINT, pattern VARCHAR",
    "hard_negatives": '"group" VARCHAR, user_id BIGINT',
}
SYNTH = {"labels", "hard_negatives"}


def write(path, tables) -> dict:
    if os.path.exists(path):
        os.remove(path)
    if os.path.exists(path + ".wal"):
        os.remove(path + ".wal")
    con = duckdb.connect(path)
    con.execute("SET threads TO 2")
    con.execute("CREATE SCHEMA src")
    con.execute("CREATE SCHEMA synthetic")
    counts = {}
    for name, df in tables.items():
        schema = "synthetic" if name in SYNTH else "src"
        cols = [c.strip().split(" ")[0] for c in DDL[name].split(", ")]
        types = [" ".join(c.strip().split(" ")[1:]) for c in DDL[name].split(", ")]
        con.execute(f"CREATE TABLE {schema}.{name} ({DDL[name]})")
        con.register("_df", df)
        sel = ", ".join(f"CAST(_df.{c} AS {t})" for c, t in zip(cols, types))
        con.execute(f"INSERT INTO {schema}.{name} SELECT {sel} FROM _df")
        con.unregister("_df")
        counts[f"{schema}.{name}"] = len(df)
    con.close()
    return counts

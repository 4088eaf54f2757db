"""python -m riskflows.worlds.tollgate.check OUT.duckdb

Row counts, labels per pattern and campaign, honest look-alike participants per group,
and two naive on-chain detectors (plus a variant) scored over enrollments:

  D1  first_funder>=5     the address's first incoming value transfer came from an address
                          that was the first funder of >= 5 eligible addresses
  D1h first_funder>=5,    the same, ignoring funders with degree > 1000 (exchange hot
      hubs ignored        wallets, bridges, faucets, the disperse contract ...)
  D2  component>=5        connected components of the transfer graph after removing every
                          address with degree > 1000; flag eligible addresses whose
                          component holds >= 5 eligible addresses
"""

from __future__ import annotations

import sys

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

HUB_DEGREE = 1000
MIN_GROUP = 5


def _degrees(con) -> pd.DataFrame:
    return con.execute("""
        WITH e AS (
            SELECT from_user_id a, to_user_id b FROM src.transfers
            UNION SELECT to_user_id a, from_user_id b FROM src.transfers)
        SELECT a AS user_id, count(*) AS degree FROM e GROUP BY a""").df()


def detectors(con) -> dict[str, set]:
    elig = con.execute("SELECT user_id FROM src.enrollments").df()["user_id"].values
    deg = _degrees(con).set_index("user_id")["degree"]
    # first incoming value transfer of every eligible address
    ff = con.execute("""
        SELECT e.user_id, arg_min(t.from_user_id, (t.ts, t.transfer_id)) AS funder
        FROM src.enrollments e JOIN src.transfers t ON t.to_user_id = e.user_id
        WHERE t.amount_usd > 0
        GROUP BY e.user_id""").df()
    n_by = ff.groupby("funder")["user_id"].transform("size")
    d1 = set(ff["user_id"][n_by >= MIN_GROUP])
    hub = deg.reindex(ff["funder"]).fillna(0).values > HUB_DEGREE
    d1h = set(ff["user_id"][(n_by >= MIN_GROUP) & ~hub])
    # components without hubs
    ed = con.execute(f"""
        WITH d AS (
            SELECT a, count(DISTINCT b) deg FROM (
                SELECT from_user_id a, to_user_id b FROM src.transfers
                UNION ALL SELECT to_user_id a, from_user_id b FROM src.transfers) GROUP BY a)
        SELECT DISTINCT t.from_user_id a, t.to_user_id b FROM src.transfers t
        JOIN d d1 ON d1.a = t.from_user_id JOIN d d2 ON d2.a = t.to_user_id
        WHERE d1.deg <= {HUB_DEGREE} AND d2.deg <= {HUB_DEGREE}""").df()
    ids = con.execute("SELECT user_id FROM src.users").df()["user_id"].values
    idx = pd.Index(ids)
    a = idx.get_indexer(ed["a"].values)
    b = idx.get_indexer(ed["b"].values)
    n = ids.size
    g = coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    ei = idx.get_indexer(elig)
    ec = comp[ei]
    # eligible hubs are their own singleton
    hubset = set(deg.index[deg.values > HUB_DEGREE])
    ec = np.where(np.isin(elig, list(hubset)), -1 - np.arange(elig.size), ec)
    cnt = pd.Series(ec).map(pd.Series(ec).value_counts()).values
    d2 = set(elig[cnt >= MIN_GROUP])
    sizes = pd.Series(ec).value_counts()
    d2_info = (int((sizes >= MIN_GROUP).sum()), int(sizes.max()))
    return {
        "D1  first_funder>=5": d1,
        "D1h first_funder>=5, hubs ignored": d1h,
        "D2  component>=5 (deg<=1000)": d2,
        "_d2_info": d2_info,
    }


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        raise SystemExit(__doc__)
    con = duckdb.connect(argv[0], read_only=True)
    print("== row counts")
    for sch, tab in con.execute("""SELECT table_schema, table_name FROM information_schema.tables
                                   ORDER BY table_schema, table_name""").fetchall():
        n = con.execute(f'SELECT count(*) FROM "{sch}"."{tab}"').fetchone()[0]
        print(f"  {sch}.{tab:18s} {n:>10,}")
    c = con.execute("SELECT campaign_id, kind, starts_at, ends_at, reward_budget_usd FROM src.campaigns").df()
    span = con.execute("SELECT min(ts), max(ts) FROM src.transfers").fetchone()
    print("\n== campaign")
    for r in c.itertuples():
        print(
            f"  {r.campaign_id} kind={r.kind} window {r.starts_at} .. {r.ends_at} (snapshot)  budget ${r.reward_budget_usd:,.0f}"
        )
    print(f"  transfers span {span[0]} .. {span[1]}")
    claim = con.execute("""SELECT min(t.ts) FROM src.transfers t WHERE asset='TOLL'
                           AND to_user_id IN (SELECT user_id FROM src.enrollments)""").fetchone()[0]
    print(f"  first claim    {claim}")

    n_el = con.execute("SELECT count(*) FROM src.enrollments").fetchone()[0]
    lab = con.execute("SELECT campaign_id, user_id, pattern FROM synthetic.labels").df()
    print(f"\n== labels (abusive enrollments): {len(lab):,} of {n_el:,} enrollments = {len(lab) / n_el:.1%}")
    for (cid, pat), k in lab.groupby(["campaign_id", "pattern"]).size().items():
        print(f"  {cid:22s} {pat:24s} {k:>6,}")

    hn = con.execute('SELECT "group", user_id FROM synthetic.hard_negatives').df()
    honest = n_el - len(lab)
    print(
        f"\n== honest look-alike participants ({hn['user_id'].nunique():,} distinct = "
        f"{hn['user_id'].nunique() / honest:.1%} of {honest:,} honest participants)"
    )
    for gname, k in hn.groupby("group").size().sort_values(ascending=False).items():
        print(f"  {gname:26s} {k:>6,}")

    det = detectors(con)
    d2n, d2max = det.pop("_d2_info")
    bad = set(lab["user_id"])
    print(
        f"\n== naive detectors (over {n_el:,} enrollments; D2: {d2n} components with >= {MIN_GROUP} "
        f"eligible, largest holds {d2max:,})"
    )
    groups = sorted(hn["group"].unique())
    for name, flagged in det.items():
        tp = len(flagged & bad)
        prec = tp / len(flagged) if flagged else float("nan")
        rec = tp / len(bad) if bad else float("nan")
        print(f"  {name:34s} flagged {len(flagged):>6,}  precision {prec:.3f}  recall {rec:.3f}")
        per = lab.groupby("pattern")["user_id"].apply(lambda s: np.mean([u in flagged for u in s]))
        print("      recall by pattern: " + ", ".join(f"{p} {v:.2f}" for p, v in per.items()))
        shares = []
        for gname in groups:
            us = hn["user_id"][hn["group"] == gname]
            shares.append(f"{gname} {np.mean([u in flagged for u in us]):.2f}")
        print("      share of look-alike group flagged: " + ", ".join(shares))
    con.close()


if __name__ == "__main__":
    main()

"""Sanity report for a lantern world file.

python -m riskflows.worlds.lantern.check OUT.duckdb

Prints row counts, the contract checks, labels per pattern and campaign, honest look-alike
participants per group, and precision / recall (over enrollments) of naive co-use detectors with
the share of each look-alike group they flag.
"""

from __future__ import annotations

import sys

import duckdb

SRC = [
    "campaigns",
    "users",
    "logins",
    "enrollments",
    "rewards",
    "deposits",
    "withdrawals",
    "trades",
    "transfers",
    "reviews",
]
KEYS = {
    "campaigns": ["campaign_id"],
    "users": ["user_id"],
    "logins": ["login_id"],
    "enrollments": ["campaign_id", "user_id"],
    "rewards": ["reward_id"],
    "deposits": ["deposit_id"],
    "withdrawals": ["withdrawal_id"],
    "trades": ["trade_id"],
    "transfers": ["transfer_id"],
    "reviews": ["campaign_id", "user_id", "reviewed_at"],
}
TS = {
    "users": "registered_at",
    "logins": "ts",
    "enrollments": "enrolled_at",
    "rewards": "granted_at",
    "deposits": "ts",
    "withdrawals": "ts",
    "trades": "ts",
    "transfers": "ts",
    "reviews": "reviewed_at",
}
AMT = {
    "rewards": "amount_usd",
    "deposits": "amount_usd",
    "withdrawals": "amount_usd",
    "trades": "notional_usd",
    "transfers": "amount_usd",
    "campaigns": "reward_budget_usd",
}


def q(con, sql):
    return con.execute(sql).df()


def contract(con):
    problems = []
    end = con.execute(
        "SELECT max(ts) FROM (SELECT max(ts) ts FROM src.logins UNION ALL "
        "SELECT max(ts) FROM src.trades UNION ALL SELECT max(granted_at) FROM src.rewards)"
    ).fetchone()[0]
    for t, keys in KEYS.items():
        k = ", ".join(keys)
        nulls = " OR ".join(f"{c} IS NULL" for c in keys)
        if con.execute(f"SELECT count(*) FROM src.{t} WHERE {nulls}").fetchone()[0]:
            problems.append(f"{t}: NULL key")
        d = con.execute(f"SELECT count(*) FROM (SELECT {k} FROM src.{t} GROUP BY {k} HAVING count(*) > 1)").fetchone()[
            0
        ]
        if d:
            problems.append(f"{t}: {d} duplicate keys")
    for t, c in AMT.items():
        if con.execute(f"SELECT count(*) FROM src.{t} WHERE {c} < 0").fetchone()[0]:
            problems.append(f"{t}: negative {c}")
    enums = {
        ("campaigns", "kind"): ("referral", "trading_competition", "airdrop", "deposit_bonus", "new_user"),
        ("rewards", "status"): ("pending", "paid", "held"),
        ("trades", "side"): ("buy", "sell"),
        ("reviews", "verdict"): ("confirmed_abuse", "false_positive", "inconclusive"),
    }
    for (t, c), vals in enums.items():
        v = ", ".join(f"'{x}'" for x in vals)
        if con.execute(f"SELECT count(*) FROM src.{t} WHERE {c} NOT IN ({v}) OR {c} IS NULL").fetchone()[0]:
            problems.append(f"{t}.{c}: bad enum")
    for t in ("enrollments", "rewards"):
        if con.execute(
            f"SELECT count(*) FROM src.{t} WHERE campaign_id NOT IN (SELECT campaign_id FROM src.campaigns)"
        ).fetchone()[0]:
            problems.append(f"{t}: unknown campaign")
    if con.execute("SELECT count(*) FROM src.users WHERE kyc_level NOT BETWEEN 0 AND 3").fetchone()[0]:
        problems.append("users: kyc_level out of range")
    checks = [
        ("logins", "user_id", "ts"),
        ("enrollments", "user_id", "enrolled_at"),
        ("rewards", "user_id", "granted_at"),
        ("deposits", "user_id", "ts"),
        ("withdrawals", "user_id", "ts"),
        ("trades", "user_id", "ts"),
        ("trades", "counterparty_user_id", "ts"),
        ("transfers", "from_user_id", "ts"),
        ("transfers", "to_user_id", "ts"),
    ]
    for t, c, tc in checks:
        n = con.execute(
            f"SELECT count(*) FROM src.{t} x JOIN src.users u ON x.{c} = u.user_id WHERE x.{tc} < u.registered_at"
        ).fetchone()[0]
        m = con.execute(
            f"SELECT count(*) FROM src.{t} x WHERE x.{c} IS NOT NULL AND x.{c} NOT IN (SELECT user_id FROM src.users)"
        ).fetchone()[0]
        if n or m:
            problems.append(f"{t}.{c}: {n} rows before registration, {m} unknown users")
    n = con.execute(
        "SELECT count(*) FROM src.trades a LEFT JOIN src.trades b ON a.counterparty_user_id = b.user_id "
        "AND b.counterparty_user_id = a.user_id AND a.ts = b.ts AND a.notional_usd = b.notional_usd "
        "AND a.symbol = b.symbol AND a.side <> b.side WHERE a.counterparty_user_id IS NOT NULL "
        "AND b.trade_id IS NULL"
    ).fetchone()[0]
    # every matched fill must appear on both sides
    if n:
        problems.append(f"trades: {n} matched fills without the other side")
    n = con.execute(
        "SELECT count(*) FROM src.users a JOIN src.users b ON a.referrer_id = b.user_id "
        "WHERE b.registered_at > a.registered_at"
    ).fetchone()[0]
    if n:
        problems.append(f"users: {n} referrers registered after their referee")
    n = con.execute(
        "SELECT count(*) FROM src.enrollments e JOIN src.campaigns c USING (campaign_id) "
        "WHERE e.enrolled_at < c.starts_at OR e.enrolled_at > c.ends_at"
    ).fetchone()[0]
    if n:
        problems.append(f"enrollments: {n} outside the campaign dates")
    lab_missing = con.execute(
        "SELECT count(*) FROM synthetic.labels l LEFT JOIN src.enrollments e USING "
        "(campaign_id, user_id) WHERE e.user_id IS NULL"
    ).fetchone()[0]
    if lab_missing:
        problems.append(f"labels: {lab_missing} without an enrollment")
    return end, problems


def detectors(con):
    """Naive co-use detectors, each flagging users; evaluated over enrollments."""
    enr = q(
        con,
        "SELECT e.campaign_id, e.user_id, l.pattern IS NOT NULL AS abusive FROM src.enrollments e "
        "LEFT JOIN synthetic.labels l USING (campaign_id, user_id)",
    )
    det = {}
    det["device seen on 5+ accounts"] = set(
        q(
            con,
            """
        WITH d AS (SELECT user_id, device_id FROM src.logins WHERE device_id IS NOT NULL
                   UNION SELECT user_id, registration_device_id FROM src.users WHERE registration_device_id IS NOT NULL),
             big AS (SELECT device_id FROM d GROUP BY 1 HAVING count(DISTINCT user_id) >= 5)
        SELECT DISTINCT user_id FROM d JOIN big USING (device_id)""",
        ).user_id
    )
    det["payout address used by 5+ participants"] = set(
        q(
            con,
            """
        WITH p AS (SELECT DISTINCT user_id FROM src.enrollments),
             w AS (SELECT DISTINCT w.user_id, to_address FROM src.withdrawals w JOIN p USING (user_id)
                   WHERE to_address IS NOT NULL),
             big AS (SELECT to_address FROM w GROUP BY 1 HAVING count(*) >= 5)
        SELECT DISTINCT user_id FROM w JOIN big USING (to_address)""",
        ).user_id
    )
    det["funding address used by 5+ participants"] = set(
        q(
            con,
            """
        WITH p AS (SELECT DISTINCT user_id FROM src.enrollments),
             d AS (SELECT DISTINCT d.user_id, from_address FROM src.deposits d JOIN p USING (user_id)
                   WHERE from_address IS NOT NULL),
             big AS (SELECT from_address FROM d GROUP BY 1 HAVING count(*) >= 5)
        SELECT DISTINCT user_id FROM d JOIN big USING (from_address)""",
        ).user_id
    )
    det["registration IP shared by 5+ accounts within 24h"] = set(
        q(
            con,
            """
        WITH u AS (SELECT user_id, registration_ip ip, registered_at t FROM src.users WHERE registration_ip IS NOT NULL)
        SELECT DISTINCT a.user_id FROM u a JOIN u b ON a.ip = b.ip AND abs(epoch(a.t) - epoch(b.t)) <= 86400
        GROUP BY a.user_id HAVING count(*) >= 5""",
        ).user_id
    )
    return enr, det


def main(path):
    con = duckdb.connect(path, read_only=True)
    print(f"== {path}")
    print("-- row counts")
    for schema, tabs in (("src", SRC), ("synthetic", ["labels", "hard_negatives"])):
        for t in tabs:
            print(f"  {schema}.{t:22s} {con.execute(f'SELECT count(*) FROM {schema}.{t}').fetchone()[0]:>10,d}")
    end, problems = contract(con)
    print(f"-- contract: {'OK' if not problems else 'PROBLEMS'} (latest timestamp {end})")
    for p in problems:
        print("   !", p)
    print("-- campaigns")
    print(
        q(
            con, "SELECT campaign_id, kind, starts_at, ends_at, reward_budget_usd FROM src.campaigns ORDER BY starts_at"
        ).to_string(index=False)
    )
    print("-- enrollments, abusive share and rewards per campaign")
    print(
        q(
            con,
            """SELECT e.campaign_id, count(*) enrollments, count(l.user_id) abusive,
                    round(100.0 * count(l.user_id) / count(*), 1) pct_abusive
                    FROM src.enrollments e LEFT JOIN synthetic.labels l USING (campaign_id, user_id)
                    GROUP BY 1 ORDER BY 1""",
        ).to_string(index=False)
    )
    print(
        q(
            con,
            """SELECT campaign_id, status, count(*) n, round(sum(amount_usd)) usd FROM src.rewards
                    GROUP BY ALL ORDER BY ALL""",
        )
        .pivot(index="campaign_id", columns="status", values="n")
        .fillna(0)
        .astype(int)
        .to_string()
    )
    print("-- labels per pattern and campaign")
    lab = q(con, "SELECT pattern, campaign_id, count(*) n FROM synthetic.labels GROUP BY ALL")
    pv = lab.pivot(index="pattern", columns="campaign_id", values="n").fillna(0).astype(int)
    pv["total"] = pv.sum(axis=1)
    print(pv.to_string())
    tot = con.execute("SELECT count(*) FROM src.enrollments").fetchone()[0]
    print(f"   abusive enrollments {pv.total.sum():,d} of {tot:,d} ({100 * pv.total.sum() / tot:.1f} %)")
    print("-- honest look-alike participants per group")
    hn = q(con, 'SELECT "group", count(*) n FROM synthetic.hard_negatives GROUP BY 1 ORDER BY 2 DESC')
    honest_part = con.execute(
        "SELECT count(DISTINCT user_id) FROM src.enrollments WHERE user_id NOT IN "
        "(SELECT user_id FROM synthetic.labels)"
    ).fetchone()[0]
    cov = con.execute("SELECT count(DISTINCT user_id) FROM synthetic.hard_negatives").fetchone()[0]
    print(hn.to_string(index=False))
    print(
        f"   honest participants in at least one group: {cov:,d} of {honest_part:,d} ({100 * cov / honest_part:.1f} %)"
    )
    print("-- naive detectors (over enrollments)")
    enr, det = detectors(con)
    hng = q(con, 'SELECT "group", user_id FROM synthetic.hard_negatives')
    rows = []
    for name, flagged in det.items():
        f = enr.user_id.isin(flagged)
        tp = int((f & enr.abusive).sum())
        fp = int((f & ~enr.abusive).sum())
        fn = int((~f & enr.abusive).sum())
        prec = tp / (tp + fp) if tp + fp else float("nan")
        rec = tp / (tp + fn) if tp + fn else float("nan")
        print(f"  {name:50s} flagged {tp + fp:6d}  precision {prec:.3f}  recall {rec:.3f}")
        hng[name] = hng.user_id.isin(flagged)
    share = hng.groupby("group")[list(det)].mean().round(3)
    share.columns = [f"D{i + 1}" for i in range(len(det))]
    print("   share of each look-alike group flagged (D1..D4 in the order above):")
    print(share.to_string())
    con.close()


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)

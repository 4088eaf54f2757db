"""python -m riskflows.worlds.meridian.check OUT.duckdb

Row counts, contract checks, labels per pattern and campaign, honest look-alike participants per
group, and two naive co-use detectors scored over enrollments (with the share of each look-alike
group they flag)."""

from __future__ import annotations

import sys

import duckdb

TABLES = [
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
    "campaigns": "starts_at",
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
AMOUNTS = {
    "rewards": "amount_usd",
    "deposits": "amount_usd",
    "withdrawals": "amount_usd",
    "trades": "notional_usd",
    "transfers": "amount_usd",
    "campaigns": "reward_budget_usd",
}


def q(con, sql):
    return con.execute(sql).fetchall()


def contract(con):
    problems = []
    end = q(con, "SELECT date_trunc('day', max(ts)) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND FROM src.logins")[0][0]
    last_campaign = q(con, "SELECT max(ends_at) FROM src.campaigns")[0][0]
    for t in TABLES:
        k = KEYS[t]
        nn = " OR ".join(f"{c} IS NULL" for c in k)
        if q(con, f"SELECT count(*) FROM src.{t} WHERE {nn}")[0][0]:
            problems.append(f"{t}: NULL key")
        kk = ", ".join(k)
        if q(con, f"SELECT count(*) FROM (SELECT {kk} FROM src.{t} GROUP BY {kk} HAVING count(*) > 1)")[0][0]:
            problems.append(f"{t}: duplicate key")
        if t in AMOUNTS and q(con, f"SELECT count(*) FROM src.{t} WHERE {AMOUNTS[t]} < 0")[0][0]:
            problems.append(f"{t}: negative amount")
        if q(con, f"SELECT count(*) FROM src.{t} WHERE {TS[t]} > TIMESTAMP '{end}'")[0][0]:
            problems.append(f"{t}: timestamp after data end")
    enums = [
        ("campaigns", "kind", "('referral','trading_competition','airdrop','deposit_bonus','new_user')"),
        ("rewards", "status", "('pending','paid','held')"),
        ("trades", "side", "('buy','sell')"),
        ("reviews", "verdict", "('confirmed_abuse','false_positive','inconclusive')"),
    ]
    for t, c, vals in enums:
        if q(con, f"SELECT count(*) FROM src.{t} WHERE {c} NOT IN {vals} OR {c} IS NULL")[0][0]:
            problems.append(f"{t}.{c}: bad enum")
    for t in ("enrollments", "rewards"):
        if q(con, f"SELECT count(*) FROM src.{t} x LEFT JOIN src.campaigns c USING (campaign_id) WHERE c.kind IS NULL")[
            0
        ][0]:
            problems.append(f"{t}: unknown campaign")
    for t, c in (
        ("logins", "ts"),
        ("enrollments", "enrolled_at"),
        ("rewards", "granted_at"),
        ("deposits", "ts"),
        ("withdrawals", "ts"),
        ("trades", "ts"),
    ):
        n = q(con, f"SELECT count(*) FROM src.{t} x JOIN src.users u USING (user_id) WHERE x.{c} < u.registered_at")[0][
            0
        ]
        if n:
            problems.append(f"{t}: {n} rows before registration")
    n = q(con, "SELECT count(*) FROM src.withdrawals w JOIN src.users u USING (user_id) WHERE u.kyc_level < 1")[0][0]
    if n:
        problems.append(f"withdrawals by KYC 0: {n}")
    n = q(
        con,
        """SELECT count(*) FROM src.trades a LEFT JOIN src.trades b
                  ON a.counterparty_user_id = b.user_id AND b.counterparty_user_id = a.user_id AND a.ts = b.ts
                     AND a.notional_usd = b.notional_usd AND a.side <> b.side
                  WHERE a.counterparty_user_id IS NOT NULL AND b.trade_id IS NULL""",
    )[0][0]
    if n:
        problems.append(f"trades: {n} matched fills without the other side")
    gap = q(con, f"SELECT date_diff('day', TIMESTAMP '{last_campaign}', TIMESTAMP '{end}')")[0][0]
    return problems, end, gap


def detector(con, name, flagged_sql):
    """Precision / recall over enrollments of a rule that flags users; share of each look-alike group flagged."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE flagged AS {flagged_sql}")
    tp, fp, fn = q(
        con,
        """
        SELECT count(*) FILTER (WHERE l.user_id IS NOT NULL AND f.user_id IS NOT NULL),
               count(*) FILTER (WHERE l.user_id IS NULL AND f.user_id IS NOT NULL),
               count(*) FILTER (WHERE l.user_id IS NOT NULL AND f.user_id IS NULL)
        FROM src.enrollments e
        LEFT JOIN synthetic.labels l USING (campaign_id, user_id)
        LEFT JOIN (SELECT DISTINCT user_id FROM flagged) f USING (user_id)""",
    )[0]
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    print(f"\n[{name}]  flagged enrollments {tp + fp:,}  precision {prec:.3f}  recall {rec:.3f}")
    rows = q(
        con,
        """
        SELECT pattern, count(*), count(f.user_id) FROM synthetic.labels l
        LEFT JOIN (SELECT DISTINCT user_id FROM flagged) f USING (user_id) GROUP BY 1 ORDER BY 1""",
    )
    print("  recall by pattern: " + ", ".join(f"{p} {b / a:.2f}" for p, a, b in rows))
    rows = q(
        con,
        """
        SELECT "group", count(*), count(f.user_id) FROM synthetic.hard_negatives h
        LEFT JOIN (SELECT DISTINCT user_id FROM flagged) f USING (user_id) GROUP BY 1 ORDER BY 1""",
    )
    print("  look-alike share flagged:")
    for g, a, b in rows:
        print(f"    {g:36s} {b:>6,d} / {a:>6,d}  {b / a:6.1%}")
    return prec, rec


def main(path: str) -> None:
    con = duckdb.connect(path, read_only=True)
    print(f"== {path}")
    print("\nrow counts")
    for t in TABLES:
        print(f"  src.{t:14s} {q(con, f'SELECT count(*) FROM src.{t}')[0][0]:>10,d}")
    for t in ("labels", "hard_negatives"):
        print(f"  synthetic.{t:14s} {q(con, f'SELECT count(*) FROM synthetic.{t}')[0][0]:>6,d}")
    problems, end, gap = contract(con)
    print(
        f"\ncontract: {'OK' if not problems else '; '.join(problems)}  (data ends {end}, {gap} days after the last campaign)"
    )
    print("\ncampaigns")
    for cid, kind, st, en, n, ab in q(
        con,
        """
            SELECT c.campaign_id, c.kind, c.starts_at::DATE, c.ends_at::DATE, count(e.user_id), count(l.user_id)
            FROM src.campaigns c LEFT JOIN src.enrollments e USING (campaign_id)
            LEFT JOIN synthetic.labels l USING (campaign_id, user_id) GROUP BY ALL ORDER BY 3""",
    ):
        print(f"  {cid:12s} {kind:20s} {st} .. {en}  enrollments {n:>6,d}  abusive {ab:>5,d} ({ab / max(n, 1):.1%})")
    tot, ab = q(
        con,
        "SELECT count(*), count(l.user_id) FROM src.enrollments e LEFT JOIN synthetic.labels l USING (campaign_id, user_id)",
    )[0]
    print(f"  all: {tot:,} enrollments, {ab:,} abusive ({ab / tot:.1%})")
    print("\nrewards by campaign and status")
    for r in q(
        con,
        """SELECT c.kind, r.status, count(*), round(sum(amount_usd)) FROM src.rewards r JOIN src.campaigns c
                       USING (campaign_id) GROUP BY ALL ORDER BY 1, 2""",
    ):
        print(f"  {r[0]:20s} {r[1]:8s} {r[2]:>6,d}  ${r[3]:>10,.0f}")
    print("\nlabels per pattern and campaign kind")
    kinds = [k for (k,) in q(con, "SELECT DISTINCT kind FROM src.campaigns ORDER BY 1")]
    print("  " + f"{'pattern':28s}" + "".join(f"{k[:12]:>13s}" for k in kinds) + f"{'total':>8s}")
    for (p,) in q(con, "SELECT DISTINCT pattern FROM synthetic.labels ORDER BY 1"):
        cnt = dict(
            q(
                con,
                f"""SELECT c.kind, count(*) FROM synthetic.labels l JOIN src.campaigns c USING (campaign_id)
                              WHERE pattern = '{p}' GROUP BY 1""",
            )
        )
        print("  " + f"{p:28s}" + "".join(f"{cnt.get(k, 0):>13,d}" for k in kinds) + f"{sum(cnt.values()):>8,d}")
    print("\nhonest look-alike participants per group")
    for g, n in q(con, 'SELECT "group", count(*) FROM synthetic.hard_negatives GROUP BY 1 ORDER BY 1'):
        print(f"  {g:36s} {n:>6,d}")
    part = q(
        con,
        """SELECT count(DISTINCT e.user_id), count(DISTINCT h.user_id) FROM src.enrollments e
                     LEFT JOIN synthetic.labels l USING (campaign_id, user_id)
                     LEFT JOIN synthetic.hard_negatives h ON h.user_id = e.user_id
                     WHERE l.user_id IS NULL""",
    )[0]
    print(f"  honest participants {part[0]:,}, in at least one look-alike group {part[1]:,} ({part[1] / part[0]:.1%})")
    detector(
        con,
        "device seen on 5 or more accounts",
        """
        WITH d AS (SELECT user_id, device_id FROM src.logins WHERE device_id IS NOT NULL
                   UNION SELECT user_id, registration_device_id FROM src.users WHERE registration_device_id IS NOT NULL),
             big AS (SELECT device_id FROM d GROUP BY 1 HAVING count(DISTINCT user_id) >= 5)
        SELECT DISTINCT user_id FROM d JOIN big USING (device_id)""",
    )
    detector(
        con,
        "payout address used by 5 or more participants",
        """
        WITH p AS (SELECT DISTINCT w.user_id, w.to_address FROM src.withdrawals w
                   WHERE w.to_address IS NOT NULL AND w.user_id IN (SELECT user_id FROM src.enrollments)),
             big AS (SELECT to_address FROM p GROUP BY 1 HAVING count(DISTINCT user_id) >= 5)
        SELECT DISTINCT user_id FROM p JOIN big USING (to_address)""",
    )
    detector(
        con,
        "registration IP shared by 5 or more accounts",
        """
        WITH big AS (SELECT registration_ip FROM src.users WHERE registration_ip IS NOT NULL GROUP BY 1
                     HAVING count(*) >= 5)
        SELECT user_id FROM src.users JOIN big USING (registration_ip)""",
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

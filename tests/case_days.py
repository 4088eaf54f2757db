"""Hand-made days for case tests: risk.account_clusters and risk.high_risk_users rows, written
the way the pipeline writes them (tests/test_cases.py, tests/test_slack_listen.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from riskflows.warehouse import load_frame

D1 = dt.date(2026, 9, 1)


def day(n: int) -> dt.date:
    return D1 + dt.timedelta(days=n - 1)


def write_day(engine, n: int, clusters: dict[int, list[int]], flagged: list[tuple[int, str]], reward: float = 10.0):
    """Day n: the clusters (cluster id -> accounts) and the flagged (user, campaign) pairs, each in
    the hold tier with `reward` at stake."""
    date = pd.Timestamp(day(n))
    links = [
        {"date": date, "cluster_id": cid, "user_id": u, "link_kinds": "device", "cluster_size": len(users)}
        for cid, users in clusters.items()
        for u in users
    ]
    cluster_of = {u: cid for cid, users in clusters.items() for u in users}
    rows = [
        {
            "date": date,
            "campaign_id": campaign,
            "user_id": user,
            "score": 70.0,
            "tier": "hold",
            "rule_ids": "linked_lockstep",
            "reasons": "moves in lockstep",
            "reasons_zh": "步调一致",
            "cluster_id": cluster_of.get(user),
            "cluster_size": len(clusters.get(cluster_of.get(user), [user])),
            "reward_usd": reward,
            "rule_pack_version": "v1",
            "first_flagged_date": date,
        }
        for user, campaign in flagged
    ]
    with engine.begin() as conn:
        if links:
            load_frame(conn, "risk.account_clusters", pd.DataFrame(links))
        if rows:
            frame = pd.DataFrame(rows)
            frame["cluster_id"] = frame["cluster_id"].astype("Int64")
            load_frame(conn, "risk.high_risk_users", frame)

"""The day's linked-account clusters: the day's account links, grouped into components in Python."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from riskflows.account_links import ACCOUNT_LINKS_TABLE
from riskflows.clustering import cluster_accounts
from riskflows.days import day_params
from riskflows.warehouse import read_frame, replace_partition

ACCOUNT_CLUSTERS_TABLE = "risk.account_clusters"


def max_key_degree() -> dict[str, int]:
    return {
        kind: MAX_KEY_DEGREE.get(kind, DEFAULT_MAX_KEY_DEGREE)
        for kind in ("device", "ip", "ip24", "deposit_source", "withdrawal_address", "referral", "transfer")
    }


@dataclass
class ClusterRun:
    links: int
    clustered_accounts: int
    clusters: int
    largest: int


# How many accounts a shared key may link before it counts as a hub. Money and referral
# keys name one account that everyone around it touches: a collector fed by 150 accounts is
# evidence. An IP or /24 seen on more than a handful of accounts is a NAT, an office or a
# proxy pool; farms behind one still share devices, money or sign-up bursts.
MAX_KEY_DEGREE = {"ip": 10, "ip24": 10, "device": 50}
DEFAULT_MAX_KEY_DEGREE = 200


def build_account_clusters(engine: sa.Engine, date) -> ClusterRun:
    """Replace the day's clusters from the day's account links (all history up to its end)."""
    params = day_params(date)
    with engine.begin() as conn:
        links = read_frame(
            conn, f"SELECT user_id, link_kind, key FROM {ACCOUNT_LINKS_TABLE} WHERE date = :date", params, columnar=True
        )
    links = links.astype({"user_id": "int64", "link_kind": "str", "key": "str"}) if not links.empty else links
    clusters = (
        cluster_accounts(links, max_key_degree=max_key_degree())
        if not links.empty
        else pd.DataFrame(columns=["user_id", "cluster_id", "cluster_size", "link_kinds"])
    )
    frame = clusters.assign(date=params["date"])[["date", "cluster_id", "user_id", "link_kinds", "cluster_size"]]
    replace_partition(engine, ACCOUNT_CLUSTERS_TABLE, {"date": params["date"]}, frame=frame)
    return ClusterRun(
        links=len(links),
        clustered_accounts=len(frame),
        clusters=int(frame["cluster_id"].nunique()) if len(frame) else 0,
        largest=int(frame["cluster_size"].max()) if len(frame) else 0,
    )

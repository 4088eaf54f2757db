"""Tollgate: public on-chain data around a bridge protocol's retroactive token airdrop.

``generate(path, seed, users, end)`` writes the world into a new DuckDB file.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd

from .world import GROUPS, PATTERNS, build

__all__ = ["generate", "PATTERNS", "GROUPS"]

DEFAULT_USERS = 150_000

_DDL = {
    "src.campaigns": """campaign_id VARCHAR NOT NULL PRIMARY KEY, name VARCHAR, kind VARCHAR NOT NULL,
        starts_at TIMESTAMP NOT NULL, ends_at TIMESTAMP, reward_budget_usd DOUBLE, rule_pack VARCHAR""",
    "src.users": """user_id BIGINT NOT NULL PRIMARY KEY, registered_at TIMESTAMP NOT NULL, country VARCHAR,
        kyc_level INTEGER NOT NULL, referrer_id BIGINT, registration_ip VARCHAR,
        registration_device_id VARCHAR, email_domain VARCHAR""",
    "src.enrollments": """campaign_id VARCHAR NOT NULL, user_id BIGINT NOT NULL, enrolled_at TIMESTAMP NOT NULL,
        referrer_id BIGINT, PRIMARY KEY (campaign_id, user_id)""",
    "src.transfers": """transfer_id BIGINT NOT NULL, from_user_id BIGINT NOT NULL, to_user_id BIGINT NOT NULL,
        ts TIMESTAMP NOT NULL, asset VARCHAR NOT NULL, amount_usd DOUBLE""",
    "synthetic.labels": "campaign_id VARCHAR NOT NULL, user_id BIGINT NOT NULL, pattern VARCHAR NOT NULL",
    "synthetic.hard_negatives": '"group" VARCHAR NOT NULL, user_id BIGINT NOT NULL',
}


def generate(path: str, seed: int = 1, users: int = DEFAULT_USERS, end: str | None = None) -> dict[str, int]:
    """Write the world to a new DuckDB file at ``path``; return row counts per table."""
    t = build(seed=seed, users=users, end=end)
    frames = {
        "src.campaigns": t["campaigns"],
        "src.users": t["users"],
        "src.enrollments": t["enrollments"],
        "src.transfers": t["transfers"],
        "synthetic.labels": t["labels"],
        "synthetic.hard_negatives": t["hard_negatives"],
    }
    for p in (path, path + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    con = duckdb.connect(path)
    try:
        con.execute("CREATE SCHEMA src")
        con.execute("CREATE SCHEMA synthetic")
        counts: dict[str, int] = {}
        for name, df in frames.items():
            con.execute(f"CREATE TABLE {name} ({_DDL[name]})")
            df = df.copy()
            for c in df.columns:
                if pd.api.types.is_datetime64_any_dtype(df[c]):
                    df[c] = df[c].astype("datetime64[us]")
            con.register("_df", df)
            cols = ", ".join(f'"{c}"' for c in df.columns)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _df")
            con.unregister("_df")
            counts[name.split(".")[1]] = int(con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts

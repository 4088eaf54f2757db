"""Cases: what an analyst reviews. One case per flagged cluster of linked accounts (or per
flagged account in no cluster), across every campaign it touches, followed from day to day.

A case id must survive re-runs, backfills and a cluster that grows, shrinks, merges or splits.
It is decided from what is known before any campaign's list of the day is computed, so the
campaign digests and the day's case table name the same case:

- the accounts' most recent case memberships in the last `CASE_MEMORY_DAYS` days (risk.case_members
  up to yesterday), and
- today's clusters (risk.account_clusters): every account is in exactly one cluster, or alone.

Each earlier case is *claimed* by the group of today (cluster, or lone account) holding most of
its accounts (ties: the smaller group key). A group that claims several cases continues the
oldest and absorbs the others (`merged_case_ids`); a group that claims none opens a new case
`C-<yyyymmdd>-<cluster id>` (or `-u<user id>` for a lone account) on its first flagged day. The
same inputs always give the same ids, so re-running any day changes none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa

from riskflows.days import as_date, day_params
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.verdicts import all_verdicts_relation
from riskflows.warehouse import read_frame, replace_partition

CASES_TABLE = "risk.cases"
CASE_MEMBERS_TABLE = "risk.case_members"
CASE_MEMORY_DAYS = 14  # a farm that goes quiet for up to two weeks comes back as the same case
VERDICT_STATUS = {"confirmed_abuse", "false_positive", "inconclusive"}

# (campaign_id) -> (allowlisted user ids, allowlisted cluster ids) on the day, from the campaign's pack
Allowlisted = Callable[[str], tuple[set[int], set[int]]]


def _group_key(cluster_id, user_id) -> str:
    return str(int(cluster_id)) if pd.notna(cluster_id) else f"u{int(user_id)}"


def new_case_id(day: dt.date, group: str) -> str:
    return f"C-{day:%Y%m%d}-{group}"


def _recent_memberships(conn: sa.Connection, day: dt.date) -> pd.DataFrame:
    """Each account's most recent case in the memory window before `day`, with the case's first day."""
    return read_frame(
        conn,
        f"""
        SELECT m.user_id, m.case_id, c.first_flagged_date AS case_first
        FROM (SELECT user_id, case_id, date,
                     ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY date DESC, case_id) AS rn
              FROM {CASE_MEMBERS_TABLE} WHERE date >= :since AND date < :date) m
        JOIN {CASES_TABLE} c ON c.case_id = m.case_id AND c.date = m.date
        WHERE m.rn = 1""",
        {"since": day - dt.timedelta(days=CASE_MEMORY_DAYS), "date": day},
    )


def _todays_groups(conn: sa.Connection, day: dt.date, user_ids: Iterable[int]) -> pd.Series:
    """user_id -> group key of `day` for the accounts of earlier cases (their cluster id, or
    u<user id> for an account in no cluster today)."""
    clusters = read_frame(
        conn,
        f"SELECT k.user_id, k.cluster_id FROM risk.account_clusters k "
        f"WHERE k.date = :date AND k.user_id IN (SELECT user_id FROM {CASE_MEMBERS_TABLE} "
        f"WHERE date >= :since AND date < :date)",
        {"date": day, "since": day - dt.timedelta(days=CASE_MEMORY_DAYS)},
    )
    group = pd.Series({int(u): f"u{int(u)}" for u in user_ids}, dtype=object)
    if len(clusters):
        clustered = pd.Series(
            clusters["cluster_id"].astype("int64").astype(str).to_numpy(),
            index=clusters["user_id"].astype("int64").to_numpy(),
        )
        group = pd.concat([group[~group.index.isin(clustered.index)], clustered])
    return group


def continued_cases(conn: sa.Connection, day: dt.date) -> pd.DataFrame:
    """Which of today's groups continues which earlier case: columns group, case_id, case_first,
    merged_case_ids. Decided from earlier memberships and today's clusters only."""
    earlier = _recent_memberships(conn, day)
    columns = ["group", "case_id", "case_first", "merged_case_ids"]
    if earlier.empty:
        return pd.DataFrame(columns=columns)
    groups = _todays_groups(conn, day, earlier["user_id"])
    earlier["group"] = earlier["user_id"].astype("int64").map(groups)
    overlap = earlier.groupby(["case_id", "group"], as_index=False).agg(
        overlap=("user_id", "size"), case_first=("case_first", "first")
    )
    claims = overlap.sort_values(["case_id", "overlap", "group"], ascending=[True, False, True]).drop_duplicates(
        "case_id"
    )
    claims["case_first"] = pd.to_datetime(claims["case_first"])
    claims = claims.sort_values(["group", "case_first", "case_id"])
    rows = []
    for group, claimed in claims.groupby("group", sort=True):
        rows.append(
            {
                "group": group,
                "case_id": claimed["case_id"].iloc[0],
                "case_first": claimed["case_first"].iloc[0].date(),
                "merged_case_ids": ",".join(claimed["case_id"].iloc[1:]),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def case_ids_for(conn: sa.Connection, day: dt.date, flagged: pd.DataFrame) -> pd.DataFrame:
    """`flagged` (user_id, cluster_id) with group, case_id, case_first (the continued case's first
    day; empty for a case opened today) and merged_case_ids added."""
    out = flagged.copy()
    out["group"] = [_group_key(c, u) for c, u in zip(out["cluster_id"], out["user_id"])]
    continued = continued_cases(conn, day).set_index("group")
    out["case_id"] = out["group"].map(continued["case_id"]).astype(object)
    out["case_first"] = out["group"].map(continued["case_first"]).astype(object)
    out["merged_case_ids"] = out["group"].map(continued["merged_case_ids"]).fillna("")
    new = out["case_id"].isna()
    out.loc[new, "case_id"] = [new_case_id(day, g) for g in out.loc[new, "group"]]
    return out


# ---------------------------------------------------------------- the day's cases


def _flagged_today(conn: sa.Connection, day: dt.date) -> pd.DataFrame:
    return read_frame(
        conn,
        "SELECT user_id, campaign_id, tier, score, rule_ids, cluster_id, cluster_size, reward_usd, first_flagged_date "
        "FROM risk.high_risk_users WHERE date = :date ORDER BY user_id, campaign_id",
        {"date": day},
    )


def _verdicts(conn: sa.Connection, day: dt.date, user_ids: list[int]) -> pd.Series:
    """user_id -> the latest verdict on the account (any campaign) reviewed by the end of the day:
    src.reviews and the verdicts given in Slack (risk.verdicts)."""
    if not user_ids:
        return pd.Series(dtype=object)
    reviews = read_frame(
        conn,
        f"SELECT user_id, verdict, reviewed_at FROM {all_verdicts_relation(conn, day_scoped=True)} r "
        f"WHERE reviewed_at < :day_end",
        day_params(day),
    )
    reviews = reviews[reviews["user_id"].isin(user_ids)].sort_values(["user_id", "reviewed_at"])
    return reviews.groupby("user_id")["verdict"].last()


def _case_status(members: Iterable[int], verdicts: pd.Series) -> str:
    """The latest verdict among the case's accounts decides; none yet: open."""
    decided = [verdicts[u] for u in members if u in verdicts.index and verdicts[u] in VERDICT_STATUS]
    if not decided:
        return "open"
    # an account confirmed as abuse makes the case abuse; otherwise the most common verdict
    if "confirmed_abuse" in decided:
        return "confirmed_abuse"
    return max(sorted(set(decided)), key=decided.count)


def _yesterday(conn: sa.Connection, day: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = {"date": day - dt.timedelta(days=1)}
    cases = read_frame(conn, f"SELECT * FROM {CASES_TABLE} WHERE date = :date", params)
    members = read_frame(
        conn, f"SELECT case_id, user_id, campaign_id FROM {CASE_MEMBERS_TABLE} WHERE date = :date", params
    )
    return cases, members


def _changes(new_members: int, new_campaigns: list[str], reward_share: float | None, merged: str, new: bool) -> str:
    if new:
        return "new case"
    parts = []
    if new_members:
        parts.append(f"+{new_members} accounts")
    if new_campaigns:
        parts.append(f"new campaigns: {', '.join(new_campaigns)}")
    if reward_share is not None and abs(reward_share) >= 0.005:
        parts.append(f"reward at risk {reward_share:+.0%}")
    if merged:
        parts.append(f"absorbed {merged}")
    return "; ".join(parts) or "unchanged"


def build_case_tables(engine: sa.Engine, day: dt.date | str, allowlisted: Allowlisted) -> tuple[int, int]:
    """Write the day's risk.case_members and risk.cases partitions; returns (cases, members)."""
    day = as_date(day)
    with engine.connect() as conn:
        flagged = _flagged_today(conn, day)
        assigned = case_ids_for(conn, day, flagged)
        verdicts = _verdicts(conn, day, sorted(set(flagged["user_id"].astype(int))))
        cases_before, members_before = _yesterday(conn, day)

    members = assigned.assign(date=pd.Timestamp(day))[
        ["date", "case_id", "user_id", "campaign_id", "tier", "score", "rule_ids", "cluster_id", "reward_usd"]
    ]
    before = cases_before.set_index("case_id") if len(cases_before) else pd.DataFrame()
    earlier_members = members_before.groupby("case_id") if len(members_before) else None
    rows = [
        _case_row(day, case, verdicts, before, earlier_members)
        for case in _case_aggregates(assigned).itertuples(index=False)
    ]
    absorbed = {m for row in rows for m in row["merged_case_ids"].split(",") if m}
    rows += _closing_rows(day, cases_before, members_before, {r["case_id"] for r in rows} | absorbed, allowlisted)
    cases = pd.DataFrame(rows, columns=list(_CASE_COLUMNS))
    partition = {"date": day}
    written_members = replace_partition(engine, CASE_MEMBERS_TABLE, partition, frame=members.reset_index(drop=True))
    written_cases = replace_partition(engine, CASES_TABLE, partition, frame=cases)
    return written_cases, written_members


def _case_aggregates(assigned: pd.DataFrame) -> pd.DataFrame:
    """One row per case of the day's flagged (user, campaign) rows, computed for all cases at once:
    its accounts and campaigns (sorted), cluster (the first member's that has one), the largest cluster
    size, the block and hold accounts, the highest score, the reward at risk, the earliest first
    flag, and what the case continues (its first row's case_first and merged_case_ids)."""
    if assigned.empty:
        return pd.DataFrame(columns=["case_id"])
    by_case = assigned.groupby("case_id", sort=True)
    first_row = by_case.head(1).set_index("case_id")
    tiers = assigned.drop_duplicates(["case_id", "tier", "user_id"]).groupby(["case_id", "tier"]).size()
    tier_members = tiers.unstack(fill_value=0).reindex(columns=["block", "hold"], fill_value=0)
    cases = pd.DataFrame(
        {
            "users": by_case["user_id"].agg(lambda u: sorted(set(u.astype(int)))),
            "campaigns": by_case["campaign_id"].agg(lambda c: sorted(set(c))),
            "reward": by_case["reward_usd"].sum(),
            "cluster_id": by_case["cluster_id"].first(),
            "cluster_size": by_case["cluster_size"].max(),
            "max_score": by_case["score"].max(),
            "first_flagged": by_case["first_flagged_date"].min(),
            "case_first": first_row["case_first"],
            "merged_case_ids": first_row["merged_case_ids"],
        }
    )
    cases = cases.join(tier_members.rename(columns={"block": "block_members", "hold": "hold_members"}))
    cases[["block_members", "hold_members"]] = cases[["block_members", "hold_members"]].fillna(0)
    return cases.rename_axis("case_id").reset_index()


def _case_row(day: dt.date, case, verdicts: pd.Series, before: pd.DataFrame, earlier_members) -> dict:
    """The day's risk.cases row of one case (a row of _case_aggregates), against yesterday's."""
    was = before.loc[case.case_id] if case.case_id in before.index else None
    earlier_users, earlier_campaigns = set(), set()
    if earlier_members is not None and case.case_id in earlier_members.groups:
        earlier = earlier_members.get_group(case.case_id)
        earlier_users, earlier_campaigns = set(earlier["user_id"].astype(int)), set(earlier["campaign_id"])
    new_campaigns = [c for c in case.campaigns if was is not None and c not in earlier_campaigns]
    new_members = len([u for u in case.users if u not in earlier_users]) if was is not None else len(case.users)
    reward = float(case.reward)
    reward_share = None
    if was is not None and float(was["reward_usd_at_risk"]) > 0:
        reward_share = reward / float(was["reward_usd_at_risk"]) - 1.0
    return {
        "date": pd.Timestamp(day),
        "case_id": case.case_id,
        "cluster_id": None if pd.isna(case.cluster_id) else int(case.cluster_id),
        "cluster_size": int(case.cluster_size),
        "campaigns": ",".join(case.campaigns),
        "campaign_count": len(case.campaigns),
        "members": len(case.users),
        "block_members": int(case.block_members),
        "hold_members": int(case.hold_members),
        "max_score": float(case.max_score),
        "reward_usd_at_risk": reward,
        # a case opened today starts the day its first account was first flagged
        "first_flagged_date": pd.Timestamp(case.first_flagged if pd.isna(case.case_first) else case.case_first),
        "last_flagged_date": pd.Timestamp(day),
        "status": _case_status(case.users, verdicts),
        "flagged_today": True,
        "new_members": new_members,
        "new_campaigns": ",".join(new_campaigns),
        "reward_change_share": reward_share,
        "merged_case_ids": case.merged_case_ids,
        "changes": _changes(new_members, new_campaigns, reward_share, case.merged_case_ids, was is None),
    }


_CASE_COLUMNS = (
    "date case_id cluster_id cluster_size campaigns campaign_count members block_members hold_members max_score "
    "reward_usd_at_risk first_flagged_date last_flagged_date status flagged_today new_members new_campaigns "
    "reward_change_share merged_case_ids changes"
).split()


def _closing_rows(
    day: dt.date,
    cases_before: pd.DataFrame,
    members_before: pd.DataFrame,
    continued: set[str],
    allowlisted: Allowlisted,
) -> list[dict]:
    """Yesterday's flagged cases with no account flagged today get one last row: closed as a false
    positive when every account was allowlisted since, otherwise kept with their status."""
    rows = []
    if cases_before.empty:
        return rows
    for case in cases_before[cases_before["flagged_today"].astype(bool)].itertuples(index=False):
        if case.case_id in continued:
            continue
        accounts = members_before[members_before["case_id"] == case.case_id]
        cleared = len(accounts) > 0 and all(
            int(m.user_id) in allowlisted(m.campaign_id)[0] for m in accounts.itertuples(index=False)
        )
        if case.cluster_id is not None and pd.notna(case.cluster_id) and len(accounts):
            cleared = cleared or all(int(case.cluster_id) in allowlisted(c)[1] for c in set(accounts["campaign_id"]))
        rows.append(
            {
                **{c: getattr(case, c) for c in _CASE_COLUMNS},
                "date": pd.Timestamp(day),
                "members": 0,
                "block_members": 0,
                "hold_members": 0,
                "reward_usd_at_risk": 0.0,
                "status": "false_positive" if cleared else case.status,
                "flagged_today": False,
                "new_members": 0,
                "new_campaigns": "",
                "reward_change_share": None,
                "merged_case_ids": "",
                "changes": "closed: every account allowlisted" if cleared else "no account flagged today",
            }
        )
    return rows


def read_cases(engine: sa.Engine, day: dt.date | str) -> pd.DataFrame:
    with engine.connect() as conn:
        return read_frame(
            conn, f"SELECT * FROM {CASES_TABLE} WHERE date = :date ORDER BY case_id", {"date": as_date(day)}
        )


def cases_of_clusters(engine: sa.Engine, day: dt.date | str, clusters: Iterable[int]) -> dict[int, str]:
    """cluster id -> the case it is (or opens) on the day: what a campaign digest names, before the
    day's case table exists. Agrees with build_case_tables by construction."""
    day = as_date(day)
    wanted = sorted({int(c) for c in clusters})
    if not wanted:
        return {}
    frame = pd.DataFrame({"cluster_id": wanted, "user_id": np.array(wanted, dtype="int64")})
    with engine.connect() as conn:
        assigned = case_ids_for(conn, day, frame)
    return dict(zip(assigned["cluster_id"].astype(int), assigned["case_id"]))


def campaigns_of_clusters(engine: sa.Engine, day: dt.date | str, clusters: Iterable[int]) -> dict[int, list[str]]:
    """cluster id -> the campaigns its accounts enrolled in by the end of the day (sorted)."""
    day = as_date(day)
    wanted = sorted({int(c) for c in clusters})
    if not wanted:
        return {}
    listed = ", ".join(str(c) for c in wanted)  # integers, safe to inline
    with engine.connect() as conn:
        layout = SourceLayout.inspect(conn)
        joined = read_frame(
            conn,
            f"SELECT DISTINCT k.cluster_id, e.campaign_id FROM risk.account_clusters k "
            f"JOIN {day_clean_relation('enrollments', layout)} e ON e.user_id = k.user_id "
            f"WHERE k.date = :date AND e.enrolled_at < :day_end AND k.cluster_id IN ({listed})",
            day_params(day),
        )
    return {int(c): sorted(g["campaign_id"]) for c, g in joined.groupby("cluster_id")}

"""Everything a case file shows, read from the warehouse: the case and its history (risk.cases),
its accounts with their tiers, rules and evidence (risk.case_members, risk.high_risk_users,
risk.rule_hits), what they did around the campaign (the clean src tables), and what links them
(risk.account_links). Only the case's accounts are read: a few dozen rows per account.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from riskflows.case_file import CaseFileData, CaseMember
from riskflows.cases import CASE_MEMBERS_TABLE, CASES_TABLE
from riskflows.days import as_date, day_params
from riskflows.quarantine import SourceLayout, day_clean_relation
from riskflows.warehouse import read_frame

EVENT_LOOKBACK_DAYS = 14  # events shown from this long before the case was first flagged
LINK_KINDS = {
    "device": "device",
    "ip": "ip_range",
    "ip24": "ip_range",
    "deposit_source": "deposit_source",
    "withdrawal_address": "withdrawal_destination",
    "referral": "referral",
    "transfer": "transfer",
}
# (src table, time column, kind, amount column, user column) of each event the timeline shows
EVENT_SOURCES = (
    ("logins", "ts", "login", None, "user_id"),
    ("enrollments", "enrolled_at", "enrollment", None, "user_id"),
    ("deposits", "ts", "deposit", "amount_usd", "user_id"),
    ("withdrawals", "ts", "withdrawal", "amount_usd", "user_id"),
    ("rewards", "granted_at", "reward", "amount_usd", "user_id"),
    ("trades", "ts", "trade", "notional_usd", "user_id"),
    ("transfers", "ts", "transfer_out", "amount_usd", "from_user_id"),
    ("transfers", "ts", "transfer_in", "amount_usd", "to_user_id"),
)


class CaseNotFound(LookupError):
    """No such case on or before the day asked for."""


def _in_list(values) -> str:
    return ", ".join(str(int(v)) for v in sorted(set(values))) or "NULL"


def latest_case_day(engine: sa.Engine, case_id: str, day: dt.date | str | None = None) -> dt.date:
    """The last day (on or before `day`) the case has a row."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(f"SELECT MAX(date) FROM {CASES_TABLE} WHERE case_id = :case_id AND date <= :day"),
            {"case_id": case_id, "day": as_date(day) if day else dt.date(9999, 12, 31)},
        ).scalar_one()
    if found is None:
        raise CaseNotFound(f"case {case_id!r} has no row in {CASES_TABLE}" + (f" on or before {day}" if day else ""))
    return as_date(found)


def parse_evidence(text: str | None) -> dict[str, str]:
    """risk.rule_hits.evidence ("col=value; col2=value2") as a mapping."""
    pairs = (item.split("=", 1) for item in (text or "").split("; ") if "=" in item)
    return {name.strip(): value.strip() for name, value in pairs}


def _members(conn: sa.Connection, case_id: str, day: dt.date) -> list[CaseMember]:
    rows = read_frame(
        conn,
        f"""SELECT m.user_id, m.campaign_id, m.tier, m.score, m.rule_ids, h.reasons, h.reasons_zh
            FROM {CASE_MEMBERS_TABLE} m
            LEFT JOIN risk.high_risk_users h ON h.date = m.date AND h.campaign_id = m.campaign_id
                                            AND h.user_id = m.user_id
            WHERE m.date = :date AND m.case_id = :case_id ORDER BY m.score DESC, m.user_id, m.campaign_id""",
        {"date": day, "case_id": case_id},
    )
    hits = read_frame(
        conn,
        f"SELECT campaign_id, user_id, evidence FROM risk.rule_hits WHERE date = :date "
        f"AND user_id IN ({_in_list(rows['user_id'])})",
        {"date": day},
    )
    evidence: dict[tuple[str, int], dict] = {}
    for hit in hits.itertuples(index=False):
        evidence.setdefault((hit.campaign_id, int(hit.user_id)), {}).update(parse_evidence(hit.evidence))
    return [
        CaseMember(
            user_id=int(r.user_id),
            campaign_id=str(r.campaign_id),
            tier=str(r.tier),
            score=float(r.score),
            rule_ids=str(r.rule_ids or ""),
            reasons=str(r.reasons or ""),
            reasons_zh=str(r.reasons_zh or ""),
            evidence=evidence.get((str(r.campaign_id), int(r.user_id)), {}),
        )
        for r in rows.itertuples(index=False)
    ]


def _events(conn: sa.Connection, users: list[int], since: dt.datetime, day: dt.date) -> pd.DataFrame:
    layout = SourceLayout.inspect(conn)
    selects = []
    for table, ts, kind, amount, user in EVENT_SOURCES:
        if not layout.has(table):
            continue
        value = f"CAST({amount} AS DOUBLE PRECISION)" if amount else "CAST(NULL AS DOUBLE PRECISION)"
        selects.append(
            f"SELECT {user} AS user_id, {ts} AS ts, '{kind}' AS kind, {value} AS amount_usd "
            f"FROM {day_clean_relation(table, layout)} s "
            f"WHERE {user} IN ({_in_list(users)}) AND {ts} >= :since AND {ts} < :day_end"
        )
    if not selects:
        return pd.DataFrame(columns=["user_id", "ts", "kind", "amount_usd"])
    frame = read_frame(conn, " UNION ALL ".join(selects) + " ORDER BY ts", {**day_params(day), "since": since})
    frame["ts"] = pd.to_datetime(frame["ts"])
    return frame


def _links(conn: sa.Connection, users: list[int], day: dt.date) -> tuple[pd.DataFrame, set[int], set[int]]:
    """Pairs of accounts sharing a key (a star per key: each holder to the first), and the accounts
    that funded or collected from two or more of the case's accounts by internal transfer."""
    held = read_frame(
        conn,
        f"SELECT l.user_id, l.link_kind, l.key FROM risk.account_links l "
        f"JOIN (SELECT DISTINCT link_kind, key FROM risk.account_links WHERE date = :date "
        f"AND user_id IN ({_in_list(users)})) k ON k.link_kind = l.link_kind AND k.key = l.key "
        f"WHERE l.date = :date ORDER BY l.link_kind, l.key, l.user_id",
        {"date": day},
    )
    members = set(users)
    edges, funders, collectors = [], set(), set()
    for (kind, key), holders in held.groupby(["link_kind", "key"], sort=True):
        ids = [int(u) for u in holders["user_id"]]
        inside = [u for u in ids if u in members]
        if kind == "transfer":
            # 'to:X' is held by X and everyone who paid X; 'from:X' by X and everyone X paid
            other = int(str(key).split(":", 1)[1])
            payers_or_payees = [u for u in inside if u != other]
            if len(payers_or_payees) >= 2:
                (collectors if str(key).startswith("to:") else funders).add(other)
            edges += [(u, other, "transfer", str(key)) for u in payers_or_payees]
            continue
        if len(inside) < 2:
            continue
        hub = inside[0]
        edges += [(hub, u, LINK_KINDS.get(kind, kind), str(key)) for u in inside[1:]]
    links = pd.DataFrame(edges, columns=["user_a", "user_b", "link_kind", "key"]).drop_duplicates()
    return links, funders, collectors


def _history(conn: sa.Connection, case_id: str, day: dt.date) -> list[dict]:
    rows = read_frame(
        conn,
        f"SELECT date, members, campaign_count AS campaigns, reward_usd_at_risk, status, changes FROM {CASES_TABLE} "
        f"WHERE case_id = :case_id AND date <= :date ORDER BY date",
        {"case_id": case_id, "date": day},
    )
    return [{**r, "date": as_date(r["date"])} for r in rows.to_dict("records")]


def _campaign_window(conn: sa.Connection, campaigns: list[str]) -> tuple | None:
    if not campaigns or not SourceLayout.inspect(conn).has("campaigns"):
        return None
    window = conn.execute(
        sa.text("SELECT MIN(starts_at), MAX(ends_at) FROM src.campaigns WHERE campaign_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": campaigns},
    ).one()
    return (window[0], window[1]) if window[0] is not None else None


def load_case_file_data(engine: sa.Engine, case_id: str, day: dt.date | str | None = None) -> CaseFileData:
    """The case as of `day` (default: its last day), ready for riskflows.case_file."""
    day = latest_case_day(engine, case_id, day)
    with engine.connect() as conn:
        case = read_frame(
            conn,
            f"SELECT * FROM {CASES_TABLE} WHERE date = :date AND case_id = :case_id",
            {"date": day, "case_id": case_id},
        ).iloc[0]
        members = _members(conn, case_id, day)
        if not members:  # a closing row: show the accounts of its last flagged day
            members = _members(conn, case_id, as_date(case["last_flagged_date"]))
        users = sorted({m.user_id for m in members})
        first = as_date(case["first_flagged_date"])
        since = dt.datetime.combine(first - dt.timedelta(days=EVENT_LOOKBACK_DAYS), dt.time())
        events = _events(conn, users, since, day)
        links, funders, collectors = _links(conn, users, day)
        campaigns = [c for c in str(case["campaigns"]).split(",") if c]
        window = _campaign_window(conn, campaigns)
        history = _history(conn, case_id, day)
    return CaseFileData(
        case_id=case_id,
        date=day,
        status=str(case["status"]),
        campaigns=campaigns,
        first_flagged_date=first,
        reward_usd_at_risk=float(case["reward_usd_at_risk"]),
        cluster_size=int(case["cluster_size"]),
        members=members,
        events=events,
        links=links,
        funders=funders,
        collectors=collectors,
        history=history,
        campaign_window=window,
    )

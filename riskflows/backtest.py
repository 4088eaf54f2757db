"""Backtest: what would a candidate rule pack have flagged, compared with the active one?

The question an analyst is asked after every rule change: did it make detection better or
worse? A backtest answers it on history, without touching anything published:

- it reads the STORED participant features (risk.participant_features) of the days and
  campaigns asked for; it never writes risk.rule_hits, risk.high_risk_users or any other
  published table, and it runs no feature SQL again;
- it evaluates BOTH packs the same way, with the code the pipeline uses: the candidate and,
  for each campaign, the active pack (what ``select_pack`` picks from rules/ for it: the
  campaign's rule_pack override, then a pack naming the campaign, then one naming its kind).
  Rule hits come from ``rule_sql.compile_rule_hits`` (one SQL pass per partition, run in the
  warehouse and read back, a few percent of participants), then scores, tiers and the
  allowlist from ``high_risk.listed_participants``, the function the published list is made
  by. Evaluating the active pack afresh, rather than reading the published list, keeps the
  comparison fair when features were rebuilt or the list is from an older pack version: an
  identical candidate always shows no change;
- it compares the two per campaign and tier, counting distinct participants over the range:
  a participant is "listed" by a pack when it was flagged on any day of the range, at the
  highest tier it reached; its reward at risk is the reward granted to it by the last day
  of the range on which it was evaluated (rewards only grow, so the maximum over the range).

Precision is measured twice:
- against analysts' verdicts (src.reviews, contract-clean rows, and risk.verdicts; every verdict known now):
  a participant's latest decisive verdict counts, confirmed_abuse as a true positive and
  false_positive as a false one; inconclusive verdicts are ignored. Analysts review a
  biased sample, so read it with the number of reviewed users next to it;
- against ``synthetic.labels`` (the generator's ground truth) when that table exists:
  every listed participant is either labelled abusive or not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from riskflows.campaigns import load_campaigns
from riskflows.days import as_date
from riskflows.high_risk import listed_participants
from riskflows.participant_features import PARTICIPANT_FEATURES_TABLE
from riskflows.rule_packs import TIERS, RulePack, RulePackSelectionError, governs, pack_for_campaign
from riskflows.rule_sql import compile_rule_hits
from riskflows.verdicts import all_verdicts_relation
from riskflows.warehouse import dialect_of, read_frame, schema_columns

ACTIVE, CANDIDATE = "active", "candidate"
ALL_TIERS = "any"  # summary rows over every tier: flagged at all
ALL_CAMPAIGNS = "(all)"
POSITIVE, NEGATIVE = "confirmed_abuse", "false_positive"

SUMMARY_COLUMNS = [
    "campaign_id",
    "tier",
    "active_users",
    "candidate_users",
    "added",
    "removed",
    "kept",
    "active_reward_usd_at_risk",
    "candidate_reward_usd_at_risk",
    "active_reviewed",
    "active_precision_reviews",
    "candidate_reviewed",
    "candidate_precision_reviews",
    "active_precision_labels",
    "candidate_precision_labels",
]
USER_COLUMNS = [
    "campaign_id",
    "user_id",
    "change",
    "active_tier",
    "candidate_tier",
    "active_score",
    "candidate_score",
    "active_days_flagged",
    "candidate_days_flagged",
    "reward_usd",
    "verdict",
    "labelled_abusive",
    "active_rule_ids",
    "candidate_rule_ids",
]


class BacktestError(ValueError):
    """Nothing to backtest (no stored features for the range) or an unusable request."""


@dataclass
class BacktestReport:
    """A candidate pack against the active packs over stored history.

    ``summary``: one row per campaign and tier (plus tier "any" and campaign "(all)"):
    participants listed by each pack, added (listed by the candidate only), removed (by the
    active pack only), kept (by both), reward at risk and precision for each pack.
    ``users``: one row per participant listed by either pack, with both tiers and why.
    ``partitions``: the (date, campaign) partitions evaluated and the active pack of each.
    """

    candidate_pack_id: str
    candidate_version: str
    date_from: dt.date
    date_to: dt.date
    partitions: pd.DataFrame
    summary: pd.DataFrame
    users: pd.DataFrame
    has_labels: bool
    notes: list[str] = field(default_factory=list)

    def row(self, campaign_id: str = ALL_CAMPAIGNS, tier: str = ALL_TIERS) -> dict:
        """The summary row of one campaign and tier, as a dict."""
        match = self.summary[(self.summary["campaign_id"] == campaign_id) & (self.summary["tier"] == tier)]
        if match.empty:
            raise KeyError(f"no summary row for campaign {campaign_id!r}, tier {tier!r}")
        return match.iloc[0].to_dict()

    def to_markdown(self) -> str:
        active = ", ".join(sorted({f"{r.active_pack_id}@{r.active_version}" for r in self.partitions.itertuples()}))
        lines = [
            f"## Backtest of {self.candidate_pack_id}@{self.candidate_version}",
            "",
            f"- Range: {self.date_from} to {self.date_to}, {len(self.partitions)} campaign-day(s) of stored "
            f"features, campaigns: {', '.join(sorted(self.partitions['campaign_id'].unique()))}",
            f"- Against the active pack(s): {active}",
            "- Users are distinct participants listed on any day of the range, at the highest tier reached; "
            "added = listed by the candidate only, removed = by the active pack only.",
            "- Precision (reviews) = confirmed_abuse / (confirmed_abuse + false_positive) among listed users "
            "with a verdict (inconclusive ignored); reviewed = how many that is.",
        ]
        if self.has_labels:
            lines.append("- Precision (labels) = share of listed users in synthetic.labels (the generator's truth).")
        lines.extend(f"- {note}" for note in self.notes)
        shown = self.summary.rename(
            columns={
                "active_users": "active",
                "candidate_users": "candidate",
                "active_reward_usd_at_risk": "reward at risk (active)",
                "candidate_reward_usd_at_risk": "reward at risk (candidate)",
                "active_reviewed": "reviewed (active)",
                "active_precision_reviews": "precision reviews (active)",
                "candidate_reviewed": "reviewed (candidate)",
                "candidate_precision_reviews": "precision reviews (candidate)",
                "active_precision_labels": "precision labels (active)",
                "candidate_precision_labels": "precision labels (candidate)",
            }
        )
        if not self.has_labels:
            shown = shown.drop(columns=["precision labels (active)", "precision labels (candidate)"])
        lines += ["", _markdown(shown)]
        changed = self.users[self.users["change"] != "kept"]
        if len(changed):
            lines += [
                "",
                f"### Changed participants ({len(changed)}, first 20)",
                "",
                _markdown(
                    changed.head(20)[
                        [
                            "campaign_id",
                            "user_id",
                            "change",
                            "active_tier",
                            "candidate_tier",
                            "reward_usd",
                            "verdict",
                            "candidate_rule_ids",
                        ]
                    ]
                ),
            ]
        return "\n".join(lines) + "\n"

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write summary.csv, users.csv and partitions.csv into ``directory``; returns the paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in (("summary", self.summary), ("users", self.users), ("partitions", self.partitions)):
            path = folder / f"backtest_{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
        return written


def _markdown(frame: pd.DataFrame) -> str:
    # Missing values (no verdict, no reviewed user) show as "-", not "nan".
    shown = frame.astype(object).where(frame.notna(), None)
    return shown.to_markdown(index=False, floatfmt=".2f", missingval="-")


def _stored_partitions(conn: sa.Connection, campaign_ids: Sequence[str], first: dt.date, last: dt.date) -> pd.DataFrame:
    sql = sa.text(
        f"SELECT date, campaign_id, COUNT(*) AS participants FROM {PARTICIPANT_FEATURES_TABLE} "
        "WHERE date BETWEEN :date_from AND :date_to AND campaign_id IN :campaign_ids "
        "GROUP BY date, campaign_id ORDER BY date, campaign_id"
    ).bindparams(sa.bindparam("campaign_ids", expanding=True))
    result = conn.execute(sql, {"date_from": first, "date_to": last, "campaign_ids": list(campaign_ids)})
    frame = pd.DataFrame(result.fetchall(), columns=["date", "campaign_id", "participants"])
    frame["date"] = [as_date(d) for d in frame["date"]]
    return frame


def _flagged(conn: sa.Connection, pack: RulePack, day: dt.date, campaign_id: str) -> pd.DataFrame:
    """The pack's list for one partition, as the pipeline would publish it (not written)."""
    hits_sql = compile_rule_hits(pack, PARTICIPANT_FEATURES_TABLE, dialect_of(conn))
    # Rule hits and the cluster the allowlist needs, in one statement; nothing is written.
    hits = read_frame(
        conn,
        (
            f"SELECT h.user_id, h.rule_id, h.evidence, f.cluster_id FROM ({hits_sql}) h "
            f"JOIN {PARTICIPANT_FEATURES_TABLE} f ON f.date = :date AND f.campaign_id = :campaign_id "
            "AND f.user_id = h.user_id"
        ),
        {"date": day, "campaign_id": campaign_id},
    )
    context = hits.drop_duplicates("user_id")[["user_id", "cluster_id"]]
    listed = listed_participants(hits[["user_id", "rule_id", "evidence"]], context, pack, day)
    return listed.assign(date=day, campaign_id=campaign_id)[
        ["date", "campaign_id", "user_id", "score", "tier", "rule_ids"]
    ]


def _per_user(listed: pd.DataFrame) -> pd.DataFrame:
    """Flagged days -> one row per (campaign, user): highest tier reached, the score and rules
    of the last day at that tier, and on how many days the pack flagged the participant."""
    columns = ["campaign_id", "user_id", "tier", "score", "rule_ids", "days_flagged"]
    if listed.empty:
        return pd.DataFrame(columns=columns)
    ranked = listed.assign(rank=listed["tier"].map(TIERS.index)).sort_values(["campaign_id", "user_id", "rank", "date"])
    highest = ranked.groupby(["campaign_id", "user_id"], sort=False).tail(1)
    days = listed.groupby(["campaign_id", "user_id"]).size().rename("days_flagged").reset_index()
    return highest.merge(days, on=["campaign_id", "user_id"])[columns]


def _verdicts(conn: sa.Connection, campaign_ids: Sequence[str]) -> pd.DataFrame:
    """Latest decisive verdict per (campaign, user): confirmed_abuse or false_positive."""
    reviews = all_verdicts_relation(conn)  # src.reviews (clean) and the verdicts given in Slack
    sql = sa.text(f"""
SELECT campaign_id, user_id, verdict FROM (
    SELECT r.campaign_id, r.user_id, r.verdict,
           ROW_NUMBER() OVER (PARTITION BY r.campaign_id, r.user_id ORDER BY r.reviewed_at DESC, r.verdict) AS latest
    FROM {reviews} r
    WHERE r.verdict IN ('{POSITIVE}', '{NEGATIVE}') AND r.campaign_id IN :campaign_ids
) v WHERE latest = 1""").bindparams(sa.bindparam("campaign_ids", expanding=True))
    result = conn.execute(sql, {"campaign_ids": list(campaign_ids)})
    frame = pd.DataFrame(result.fetchall(), columns=["campaign_id", "user_id", "verdict"])
    return frame.astype({"campaign_id": str, "user_id": "int64"})


def _labels(conn: sa.Connection, campaign_ids: Sequence[str]) -> pd.DataFrame | None:
    if "labels" not in schema_columns(conn, "synthetic"):
        return None
    sql = sa.text(
        "SELECT DISTINCT campaign_id, user_id FROM synthetic.labels WHERE campaign_id IN :campaign_ids"
    ).bindparams(sa.bindparam("campaign_ids", expanding=True))
    frame = pd.DataFrame(
        conn.execute(sql, {"campaign_ids": list(campaign_ids)}).fetchall(), columns=["campaign_id", "user_id"]
    )
    return frame.astype({"campaign_id": str, "user_id": "int64"})


def _rewards(conn: sa.Connection, users: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Reward granted to each listed participant by the end of the range (rewards only grow)."""
    if users.empty:
        return pd.DataFrame(columns=["campaign_id", "user_id", "reward_usd"])
    sql = sa.text(
        f"SELECT campaign_id, user_id, MAX(COALESCE(reward_usd, 0)) AS reward_usd FROM {PARTICIPANT_FEATURES_TABLE} "
        "WHERE date BETWEEN :date_from AND :date_to AND campaign_id IN :campaign_ids AND user_id IN :user_ids "
        "GROUP BY campaign_id, user_id"
    ).bindparams(sa.bindparam("campaign_ids", expanding=True), sa.bindparam("user_ids", expanding=True))
    result = conn.execute(
        sql,
        {
            "date_from": first,
            "date_to": last,
            "campaign_ids": sorted(users["campaign_id"].unique().tolist()),
            "user_ids": sorted(int(u) for u in users["user_id"].unique()),
        },
    )
    frame = pd.DataFrame(result.fetchall(), columns=["campaign_id", "user_id", "reward_usd"])
    frame = frame.astype({"campaign_id": str, "user_id": "int64"})
    frame["reward_usd"] = pd.to_numeric(frame["reward_usd"]).astype("float64")
    # IN lists cross campaigns and users: keep the pairs actually listed
    return users[["campaign_id", "user_id"]].merge(frame, on=["campaign_id", "user_id"], how="left")


def _precision(frame: pd.DataFrame, listed: pd.Series) -> tuple[int, float | None, float | None]:
    """(reviewed, precision on verdicts, precision on labels) of the listed rows of ``frame``."""
    chosen = frame[listed]
    decided = chosen["verdict"].isin([POSITIVE, NEGATIVE])
    reviewed = int(decided.sum())
    on_reviews = float((chosen["verdict"] == POSITIVE).sum()) / reviewed if reviewed else None
    labelled = chosen["labelled_abusive"].dropna()
    on_labels = float(labelled.astype(bool).mean()) if len(labelled) else None
    return reviewed, on_reviews, on_labels


def _summary_row(campaign_id: str, tier: str, frame: pd.DataFrame) -> dict:
    if tier == ALL_TIERS:
        active, candidate = frame["active_tier"].notna(), frame["candidate_tier"].notna()
    else:
        active, candidate = frame["active_tier"] == tier, frame["candidate_tier"] == tier
    row = {
        "campaign_id": campaign_id,
        "tier": tier,
        "active_users": int(active.sum()),
        "candidate_users": int(candidate.sum()),
        "added": int((candidate & ~active).sum()),
        "removed": int((active & ~candidate).sum()),
        "kept": int((active & candidate).sum()),
        "active_reward_usd_at_risk": round(float(frame.loc[active, "reward_usd"].sum()), 2),
        "candidate_reward_usd_at_risk": round(float(frame.loc[candidate, "reward_usd"].sum()), 2),
    }
    for role, listed in ((ACTIVE, active), (CANDIDATE, candidate)):
        reviewed, on_reviews, on_labels = _precision(frame, listed)
        row[f"{role}_reviewed"] = reviewed
        row[f"{role}_precision_reviews"] = on_reviews
        row[f"{role}_precision_labels"] = on_labels
    return row


def _summarise(users: pd.DataFrame, campaign_ids: Sequence[str]) -> pd.DataFrame:
    rows = []
    for campaign_id in [*campaign_ids, ALL_CAMPAIGNS]:
        frame = users if campaign_id == ALL_CAMPAIGNS else users[users["campaign_id"] == campaign_id]
        for tier in (ALL_TIERS, *TIERS):
            rows.append(_summary_row(campaign_id, tier, frame))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _change(active_tier, candidate_tier) -> str:
    if pd.isna(active_tier):
        return "added"
    if pd.isna(candidate_tier):
        return "removed"
    return "kept" if active_tier == candidate_tier else "retiered"


def backtest(
    engine: sa.Engine,
    candidate: RulePack,
    *,
    date_from: dt.date | str,
    date_to: dt.date | str,
    campaign_ids: Sequence[str] | None = None,
    active_packs: Sequence[RulePack] | None = None,
) -> BacktestReport:
    """Evaluate ``candidate`` on stored features for ``date_from``..``date_to`` against the
    active packs (``active_packs``, normally every pack loaded from rules/).

    Campaigns: ``campaign_ids`` when given (any campaign, the analyst's choice), else every
    campaign the candidate applies to (its applies_to kinds and ids, or a campaign's
    rule_pack override naming it). Writes nothing.
    """
    first, last = as_date(date_from), as_date(date_to)
    if last < first:
        raise BacktestError(f"date_to {last} is before date_from {first}")
    campaigns = {c.campaign_id: c for c in load_campaigns(engine)}
    if campaign_ids:
        unknown = sorted(set(campaign_ids) - set(campaigns))
        if unknown:
            raise BacktestError(f"unknown campaign(s) in src.campaigns: {', '.join(unknown)}")
        chosen = list(dict.fromkeys(campaign_ids))
    else:
        chosen = [cid for cid, c in campaigns.items() if governs(candidate, cid, c.kind, c.rule_pack)]
        if not chosen:
            raise BacktestError(
                f"pack {candidate.pack_id} applies to no campaign in src.campaigns "
                f"(kinds {list(candidate.kinds)}, campaigns {list(candidate.campaigns)}); "
                "name campaigns explicitly"
            )
    active_packs = list(active_packs or [])
    listed: dict[str, list[pd.DataFrame]] = {ACTIVE: [], CANDIDATE: []}
    with engine.connect() as conn:
        partitions = _stored_partitions(conn, chosen, first, last)
        if partitions.empty:
            raise BacktestError(
                f"no stored participant features for campaign(s) {', '.join(chosen)} "
                f"between {first} and {last}: run the pipeline for those days first"
            )
        actives = {}
        for campaign_id in partitions["campaign_id"].unique():
            campaign = campaigns[campaign_id]
            try:
                actives[campaign_id] = pack_for_campaign(active_packs, campaign)
            except RulePackSelectionError as error:
                raise BacktestError(f"no active pack to compare with for campaign {campaign_id}: {error}") from None
        for part in partitions.itertuples():
            listed[ACTIVE].append(_flagged(conn, actives[part.campaign_id], part.date, part.campaign_id))
            listed[CANDIDATE].append(_flagged(conn, candidate, part.date, part.campaign_id))
        verdicts = _verdicts(conn, chosen)
        labels = _labels(conn, chosen)
        per_role = {role: _per_user(pd.concat(frames, ignore_index=True)) for role, frames in listed.items()}
        users = per_role[ACTIVE].merge(
            per_role[CANDIDATE], on=["campaign_id", "user_id"], how="outer", suffixes=(f"_{ACTIVE}", f"_{CANDIDATE}")
        )
        users = users.astype({"campaign_id": str, "user_id": "int64"})
        users = users.merge(_rewards(conn, users, first, last), on=["campaign_id", "user_id"], how="left")

    users = users.rename(
        columns={
            f"{name}_{role}": f"{role}_{name}"
            for role in (ACTIVE, CANDIDATE)
            for name in ("tier", "score", "rule_ids", "days_flagged")
        }
    )
    users = users.merge(verdicts, on=["campaign_id", "user_id"], how="left")
    if labels is not None:
        users = users.merge(labels.assign(labelled_abusive=True), on=["campaign_id", "user_id"], how="left")
        users["labelled_abusive"] = users["labelled_abusive"].astype("boolean").fillna(False)
    else:
        users["labelled_abusive"] = pd.Series(pd.NA, index=users.index, dtype="boolean")
    users["reward_usd"] = users["reward_usd"].astype("float64").fillna(0.0)
    users["change"] = [_change(a, c) for a, c in zip(users["active_tier"], users["candidate_tier"])]
    users = users[USER_COLUMNS].sort_values(
        ["campaign_id", "change", "reward_usd", "user_id"], ascending=[True, True, False, True], ignore_index=True
    )

    partitions = partitions.assign(
        active_pack_id=[actives[c].pack_id for c in partitions["campaign_id"]],
        active_version=[actives[c].version for c in partitions["campaign_id"]],
        candidate_version=candidate.version,
    )
    campaign_order = [c for c in chosen if c in set(partitions["campaign_id"])]
    notes = []
    missing = [c for c in chosen if c not in set(partitions["campaign_id"])]
    if missing:
        notes.append(f"No stored features in the range for: {', '.join(missing)} (not evaluated).")
    return BacktestReport(
        candidate_pack_id=candidate.pack_id,
        candidate_version=candidate.version,
        date_from=first,
        date_to=last,
        partitions=partitions,
        summary=_summarise(users, campaign_order),
        users=users,
        has_labels=labels is not None,
        notes=notes,
    )

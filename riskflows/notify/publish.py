"""Telling the risk channel about one campaign's day, exactly once.

`publish_campaign_digest` reads the day's rows from the warehouse (risk.campaign_summary,
risk.high_risk_users, and the summary of the last 14 days for the trend), posts the
digest, puts the trend chart and the full high-risk list (CSV) in its thread, and posts
one message per escalation finding. Every send goes through the ledger
(risk.notifications): a re-run updates what it sent before when the content changed,
does nothing when it did not, and never uploads a file twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field, replace
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from riskflows.cases import campaigns_of_clusters, cases_of_clusters
from riskflows.days import as_date
from riskflows.notify.catalogue import languages, localized
from riskflows.notify.chart import DayPoint, render_trend_chart
from riskflows.notify.delivery import NotificationDeliveryError, Sender
from riskflows.notify.escalation_policy import ClusterStat, EscalationPolicy, evaluate_policy
from riskflows.notify.ledger import LedgerKey, NotificationLedger, checked_identifier
from riskflows.notify.messages import (
    DigestData,
    FlaggedUser,
    Message,
    RuleHits,
    WeakRule,
    build_digest,
    build_escalation,
    build_run_failure_alert,
)
from riskflows.notify.privacy import scrub_text, show_user_id
from riskflows.rule_performance import rules_below_precision

TREND_DAYS = 14
CLUSTERS_READ = 50


@dataclass(frozen=True)
class Delivery:
    """What happened to one notification: posted, updated, unchanged, uploaded,
    already_uploaded, skipped (quiet backfill or no thread to upload into) or failed."""

    kind: str
    finding_key: str
    action: str
    ts: str | None = None


@dataclass
class PublishResult:
    campaign_id: str
    date: Date
    channel: str
    quiet: bool
    deliveries: list[Delivery] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)  # "kind:finding_key" -> message

    def count(self, action: str) -> int:
        return sum(1 for d in self.deliveries if d.action == action)

    def metadata(self) -> dict[str, Any]:
        """Plain values for dg.MaterializeResult metadata (no token, no user data)."""
        actions = sorted({d.action for d in self.deliveries})
        return {
            "channel": self.channel,
            "quiet": self.quiet,
            "escalations": sum(1 for d in self.deliveries if d.kind == "escalation"),
            **{f"notifications_{a}": self.count(a) for a in actions},
        }


# ---------------------------------------------------------------- reading the warehouse


@dataclass(frozen=True)
class CampaignDay:
    digest: DigestData
    history: list[DayPoint]
    block_yesterday: int | None
    high_risk_rows: list[dict[str, Any]]


def _top_rules(raw: str | None) -> list[RuleHits]:
    try:
        items = json.loads(raw) if raw else []
    except ValueError:
        items = []
    rules = [
        RuleHits(
            str(r.get("rule_id", "")),
            str(r.get("title_en") or ""),
            str(r.get("title_zh") or ""),
            int(r.get("hits") or 0),
        )
        for r in items
        if isinstance(r, dict)
    ]
    return sorted(rules, key=lambda r: (-r.hits, r.rule_id))


def load_campaign_day(engine: Engine, *, date: Date, campaign_id: str, schema: str = "risk") -> CampaignDay:
    """One campaign's day from the risk tables, in a single short read."""
    s = checked_identifier(schema)
    params = {"d": date, "c": campaign_id, "start": date - timedelta(days=TREND_DAYS - 1)}
    with engine.connect() as conn:
        summary = (
            conn.execute(sa.text(f"SELECT * FROM {s}.campaign_summary WHERE date = :d AND campaign_id = :c"), params)
            .mappings()
            .first()
        )
        if summary is None:
            raise LookupError(f"no {s}.campaign_summary row for campaign {campaign_id!r} on {date}")
        history = (
            conn.execute(
                sa.text(
                    f"SELECT date, flagged, block, reward_usd_at_risk FROM {s}.campaign_summary "
                    f"WHERE campaign_id = :c AND date BETWEEN :start AND :d ORDER BY date"
                ),
                params,
            )
            .mappings()
            .all()
        )
        clusters = (
            conn.execute(
                sa.text(
                    f"SELECT cluster_id, MAX(cluster_size) AS cluster_size, COUNT(*) AS flagged_members, "
                    f"SUM(CASE WHEN tier = 'block' THEN 1 ELSE 0 END) AS block_members, "
                    f"SUM(COALESCE(reward_usd, 0)) AS reward_usd "
                    f"FROM {s}.high_risk_users WHERE date = :d AND campaign_id = :c AND cluster_id IS NOT NULL "
                    f"GROUP BY cluster_id ORDER BY MAX(cluster_size) DESC, SUM(COALESCE(reward_usd, 0)) DESC, cluster_id "
                    f"LIMIT {CLUSTERS_READ}"
                ),
                params,
            )
            .mappings()
            .all()
        )
        users = (
            conn.execute(
                sa.text(
                    f"SELECT user_id, score, tier, rule_ids, reasons, reasons_zh, cluster_id, cluster_size, reward_usd, "
                    f"first_flagged_date FROM {s}.high_risk_users WHERE date = :d AND campaign_id = :c "
                    f"ORDER BY score DESC, user_id"
                ),
                params,
            )
            .mappings()
            .all()
        )
    yesterday = date - timedelta(days=1)
    block_yesterday = next((int(h["block"] or 0) for h in history if as_date(h["date"]) == yesterday), None)
    digest = DigestData(
        campaign_id=campaign_id,
        campaign_name=str(summary["campaign_name"] or campaign_id),
        campaign_kind=str(summary["campaign_kind"] or ""),
        date=date,
        participants=int(summary["participants"] or 0),
        flagged=int(summary["flagged"] or 0),
        review=int(summary["review"] or 0),
        hold=int(summary["hold"] or 0),
        block=int(summary["block"] or 0),
        new_flagged=int(summary["new_flagged"] or 0),
        flagged_change=int(summary["flagged_change"] or 0),
        reward_usd_total=float(summary["reward_usd_total"] or 0.0),
        reward_usd_at_risk=float(summary["reward_usd_at_risk"] or 0.0),
        reward_budget_usd=float(summary["reward_budget_usd"]) if summary["reward_budget_usd"] is not None else None,
        rule_pack_version=str(summary["rule_pack_version"] or ""),
        top_rules=_top_rules(summary["top_rules"]),
        clusters=_with_cases(
            engine,
            date,
            campaign_id,
            [
                ClusterStat(
                    int(c["cluster_id"]),
                    int(c["cluster_size"] or 0),
                    int(c["flagged_members"]),
                    int(c["block_members"] or 0),
                    float(c["reward_usd"] or 0.0),
                )
                for c in clusters
            ],
        ),
        top_users=[
            FlaggedUser(
                int(u["user_id"]),
                float(u["score"] or 0.0),
                str(u["tier"]),
                float(u["reward_usd"] or 0.0),
                str(u["reasons"] or ""),
                str(u["reasons_zh"] or ""),
            )
            for u in users[:10]
        ],
    )
    points = [
        DayPoint(as_date(h["date"]), int(h["flagged"] or 0), float(h["reward_usd_at_risk"] or 0.0)) for h in history
    ]
    return CampaignDay(digest, points, block_yesterday, [dict(u) for u in users])


def _with_cases(engine: Engine, day: Date, campaign_id: str, clusters: list[ClusterStat]) -> list[ClusterStat]:
    """The digest's clusters with the case each one is and the other campaigns its accounts joined
    (a warehouse without the case tables yet, e.g. before the first day's cases ran: unnamed)."""
    inspector = sa.inspect(engine)
    if not clusters or not all(inspector.has_table(t, schema="risk") for t in ("case_members", "account_clusters")):
        return clusters
    ids = [c.cluster_id for c in clusters]
    cases = cases_of_clusters(engine, day, ids)
    joined = campaigns_of_clusters(engine, day, ids)
    return [
        replace(
            c,
            case_id=cases.get(c.cluster_id),
            other_campaigns=tuple(x for x in joined.get(c.cluster_id, []) if x != campaign_id),
        )
        for c in clusters
    ]


def _weak_rules(engine: Engine, day: Date, campaign_id: str, policy: EscalationPolicy) -> list[WeakRule]:
    """Rules of the campaign whose precision on reviewed participants fell below the policy's bar."""
    if not sa.inspect(engine).has_table("rule_hits", schema="risk"):
        return []
    bar = policy.rule_precision
    weak = rules_below_precision(engine, day, campaign_id, below=bar.below, min_reviews=bar.min_reviews, days=bar.days)
    return [WeakRule(r.rule_id, float(r.precision), int(r.reviewed), bar.days) for r in weak.itertuples(index=False)]


# ---------------------------------------------------------------- attachments


def high_risk_csv(rows: list[dict[str, Any]], *, language: str, mask_user_ids: bool) -> bytes:
    """The full high-risk list, every cell scrubbed; UTF-8 with a BOM so Excel shows Chinese."""
    langs = languages(language)
    columns = ["user_id", "tier", "score", "reward_usd", "rule_ids"]
    columns += [c for lang, c in (("en", "reasons"), ("zh", "reasons_zh")) if lang in langs]
    columns += ["cluster_id", "cluster_size", "first_flagged_date"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        out = []
        for col in columns:
            value = row.get(col)
            if col in ("user_id", "cluster_id"):
                value = show_user_id(value, mask_user_ids) if value is not None else ""
            elif col == "score" and value is not None:
                value = f"{float(value):.1f}"
            elif col == "reward_usd" and value is not None:
                value = f"{float(value):.2f}"
            out.append(scrub_text("" if value is None else str(value)))
        writer.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- exactly once


def send_once(
    ledger: NotificationLedger,
    sender: Sender,
    key: LedgerKey,
    message: Message,
    *,
    thread_ts: str | None = None,
    label: str | None = None,
) -> Delivery:
    """Post `message` unless the ledger says it was posted; update it if its content changed."""
    content_hash = message.content_hash()
    row = ledger.get(key)
    if row is not None and row.message_ts:
        if row.status == "sent" and row.content_hash == content_hash:
            return Delivery(key.kind, key.finding_key, "unchanged", row.message_ts)
        ledger.mark_pending(key, channel=row.channel or sender.channel)
        try:
            sender.update(row.message_ts, message, channel=row.channel)
        except BaseException:
            ledger.mark_failed(key)
            raise
        ledger.mark_sent(
            key, channel=row.channel or sender.channel, message_ts=row.message_ts, content_hash=content_hash
        )
        return Delivery(key.kind, key.finding_key, "updated", row.message_ts)
    ledger.mark_pending(key, channel=sender.channel, content_hash=content_hash)
    try:
        ts = sender.post(message, thread_ts=thread_ts, label=label)
    except BaseException:
        ledger.mark_failed(key)
        raise
    ledger.mark_sent(key, channel=sender.channel, message_ts=ts, content_hash=content_hash)
    return Delivery(key.kind, key.finding_key, "posted", ts)


def upload_once(
    ledger: NotificationLedger,
    sender: Sender,
    key: LedgerKey,
    content: bytes,
    *,
    filename: str,
    title: str,
    thread_ts: str,
    label: str | None = None,
) -> Delivery:
    """Upload a file into the thread unless the ledger already has it (files are never replaced)."""
    row = ledger.get(key)
    if row is not None and row.message_ts and row.status == "sent":
        return Delivery(key.kind, key.finding_key, "already_uploaded", row.message_ts)
    content_hash = hashlib.sha256(content).hexdigest()
    ledger.mark_pending(key, channel=sender.channel, content_hash=content_hash)
    try:
        file_id = sender.upload_file(
            content, filename=filename, title=scrub_text(title), thread_ts=thread_ts, label=label
        )
    except BaseException:
        ledger.mark_failed(key)
        raise
    ledger.mark_sent(key, channel=sender.channel, message_ts=file_id, content_hash=content_hash)
    return Delivery(key.kind, key.finding_key, "uploaded", file_id)


# ---------------------------------------------------------------- the digest


def publish_campaign_digest(
    engine: Engine,
    *,
    date: Date | str,
    campaign_id: str,
    sender: Sender,
    language: str,
    policy: EscalationPolicy,
    run_url: str | None,
    quiet: bool = False,
    mask_user_ids: bool = False,
    schema: str = "risk",
    intraday: bool = False,
) -> PublishResult:
    """Digest, thread attachments and escalations for one (date, campaign) partition.

    Raises NotificationDeliveryError if any send still fails after retries (after trying
    the others: an escalation is not held back by a failed chart). The ledger then shows
    what went out; the next run sends only the rest.
    `quiet` (backfills): nothing is sent or recorded; the result lists what would have been.
    `intraday` (a run during the day itself): only the escalations are sent (through the same
    ledger keys, so the nightly run updates them rather than posting them again); the digest,
    chart and CSV wait for the nightly run.
    """
    day = as_date(date)
    languages(language)  # refuse a bad language before touching anything
    data = load_campaign_day(engine, date=day, campaign_id=campaign_id, schema=schema)
    d = replace(data.digest, weak_rules=_weak_rules(engine, day, campaign_id, policy))
    result = PublishResult(campaign_id, day, sender.channel, quiet)
    label = f"{day.isoformat()}_{campaign_id}"

    digest = build_digest(d, language=language, run_url=run_url, mask_user_ids=mask_user_ids)
    result.messages["digest:"] = digest
    # Cluster triggers are escalated once per case, across campaigns (riskflows.notify.case_alerts).
    campaign_policy = replace(policy, triggers=tuple(t for t in policy.triggers if t not in policy.case_triggers()))
    findings = evaluate_policy(
        campaign_policy,
        reward_at_risk_usd=d.reward_usd_at_risk,
        reward_budget_usd=d.reward_budget_usd,
        flagged=d.flagged,
        block_today=d.block,
        block_yesterday=data.block_yesterday,
        clusters=d.clusters,
    )
    escalations = [
        (
            f,
            build_escalation(
                f,
                campaign_id=campaign_id,
                campaign_name=d.campaign_name,
                date=day,
                policy=policy,
                language=language,
                run_url=run_url,
                mask_user_ids=mask_user_ids,
            ),
        )
        for f in findings
    ]
    for f, m in escalations:
        result.messages[f"escalation:{f.finding_key}"] = m

    if quiet:
        result.deliveries += [
            Delivery("digest", "", "skipped"),
            Delivery("chart", "", "skipped"),
            Delivery("csv", "", "skipped"),
        ]
        result.deliveries += [Delivery("escalation", f.finding_key, "skipped") for f, _ in escalations]
        return result

    ledger = NotificationLedger(engine, schema)
    ledger.ensure()
    errors: list[str] = []

    def attempt(fn, kind: str, finding_key: str = "") -> Delivery | None:
        try:
            delivery = fn()
        except NotificationDeliveryError as exc:
            errors.append(str(exc))
            result.deliveries.append(Delivery(kind, finding_key, "failed"))
            return None
        result.deliveries.append(delivery)
        return delivery

    if intraday:
        sent = None
        result.deliveries.append(Delivery("digest", "", "skipped"))
    else:
        sent = attempt(
            lambda: send_once(ledger, sender, LedgerKey(campaign_id, day, "digest"), digest, label=f"{label}_digest"),
            "digest",
        )
    if sent is not None:
        chart = render_trend_chart(
            data.history, campaign_name=scrub_text(d.campaign_name), language=language, days=TREND_DAYS
        )
        chart_title = localized("chart.title", language, sep=" / ", campaign=d.campaign_name, days=TREND_DAYS)
        attempt(
            lambda: upload_once(
                ledger,
                sender,
                LedgerKey(campaign_id, day, "chart"),
                chart,
                filename=f"trend_{campaign_id}_{day.isoformat()}.png",
                title=chart_title,
                thread_ts=sent.ts,
                label=label,
            ),
            "chart",
        )
        table = high_risk_csv(data.high_risk_rows, language=language, mask_user_ids=mask_user_ids)
        csv_title = localized(
            "csv.title",
            language,
            sep=" / ",
            campaign=d.campaign_name,
            date=day.isoformat(),
            count=len(data.high_risk_rows),
        )
        attempt(
            lambda: upload_once(
                ledger,
                sender,
                LedgerKey(campaign_id, day, "csv"),
                table,
                filename=f"high_risk_{campaign_id}_{day.isoformat()}.csv",
                title=csv_title,
                thread_ts=sent.ts,
                label=label,
            ),
            "csv",
        )
    else:
        result.deliveries += [Delivery("chart", "", "skipped"), Delivery("csv", "", "skipped")]

    for f, message in escalations:
        attempt(
            lambda f=f, message=message: send_once(
                ledger,
                sender,
                LedgerKey(campaign_id, day, "escalation", f.finding_key),
                message,
                label=f"{label}_escalation_{f.finding_key}",
            ),
            "escalation",
            f.finding_key,
        )

    if errors:
        raise NotificationDeliveryError(
            f"{len(errors)} notification(s) for {campaign_id} {day} not delivered: " + "; ".join(errors)
        )
    return result


# ---------------------------------------------------------------- run failures

RUN_FAILURE_CAMPAIGN = ""  # run failures belong to no campaign


def send_run_failure_alert(
    sender: Sender,
    *,
    run_id: str,
    job_name: str,
    error_summary: str,
    run_url: str | None,
    language: str,
    engine: Engine | None = None,
    schema: str = "risk",
) -> Delivery:
    """Alert the channel that a run failed. With an engine, the ledger makes a sensor that
    sees the same failure twice post once (keyed by run id)."""
    message = build_run_failure_alert(run_id, job_name, error_summary, run_url, language)
    if engine is None:
        return Delivery("run_failure", run_id, "posted", sender.post(message, label=f"run_failure_{job_name}"))
    ledger = NotificationLedger(engine, schema)
    ledger.ensure()
    today = datetime.now(timezone.utc).date()
    return send_once(
        ledger,
        sender,
        LedgerKey(RUN_FAILURE_CAMPAIGN, today, "run_failure", run_id),
        message,
        label=f"run_failure_{job_name}",
    )

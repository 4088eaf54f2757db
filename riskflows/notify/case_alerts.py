"""Escalating cases, once: the first day a case meets the policy it is posted (with the picture of
its linked accounts in the thread and a link to its case file); on later days its message is
updated in place, and a reply goes into its thread only when it changed materially. A closed
case (an analyst's verdict, or every account allowlisted) stops alerting.

Every send goes through the notifications ledger, keyed by the case id (campaign '' because a
case spans campaigns): re-runs, backfills and retries post nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as Date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from riskflows.cases import read_cases
from riskflows.days import as_date
from riskflows.notify.catalogue import localized
from riskflows.notify.delivery import NotificationDeliveryError, Sender
from riskflows.notify.escalation_policy import EscalationPolicy, Trigger
from riskflows.notify.ledger import LedgerKey, NotificationLedger
from riskflows.notify.messages import CaseAlert, build_case_escalation, build_case_update
from riskflows.notify.publish import Delivery, send_once, upload_once

CASE_CAMPAIGN = ""  # a case belongs to no single campaign


@dataclass
class CaseAlertResult:
    date: Date
    quiet: bool
    deliveries: list[Delivery] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)  # case ids that meet the policy today
    case_files: dict[str, str] = field(default_factory=dict)  # case id -> file written

    def count(self, kind: str, action: str) -> int:
        return sum(1 for d in self.deliveries if d.kind == kind and d.action == action)

    def metadata(self) -> dict:
        return {
            "quiet": self.quiet,
            "cases_meeting_policy": len(self.escalated),
            "case_files": len(self.case_files),
            "escalations_posted": self.count("case", "posted"),
            "escalations_updated": self.count("case", "updated"),
            "follow_ups_posted": self.count("case_update", "posted"),
        }


def _alert(row: pd.Series, case_file: str | None) -> CaseAlert:
    share = row["reward_change_share"]
    return CaseAlert(
        case_id=str(row["case_id"]),
        date=as_date(row["date"]),
        campaigns=tuple(c for c in str(row["campaigns"]).split(",") if c),
        members=int(row["members"]),
        cluster_size=int(row["cluster_size"]),
        block_members=int(row["block_members"]),
        hold_members=int(row["hold_members"]),
        max_score=float(row["max_score"]),
        reward_usd_at_risk=float(row["reward_usd_at_risk"]),
        first_flagged_date=as_date(row["first_flagged_date"]),
        status=str(row["status"]),
        new_members=int(row["new_members"]),
        new_campaigns=tuple(c for c in str(row["new_campaigns"] or "").split(",") if c),
        reward_change_share=None if pd.isna(share) else float(share),
        case_file=case_file,
    )


def cases_meeting_policy(cases: pd.DataFrame, policy: EscalationPolicy) -> list[tuple[Trigger, pd.Series]]:
    """Open cases flagged today that a case trigger fires on, largest first (each case once)."""
    live = cases[(cases["status"] == "open") & cases["flagged_today"].astype(bool)]
    live = live.sort_values(["cluster_size", "reward_usd_at_risk", "case_id"], ascending=[False, False, True])
    chosen: dict[str, tuple[Trigger, pd.Series]] = {}
    for trigger in policy.case_triggers():
        for _, row in live[live["cluster_size"] >= trigger.threshold].iterrows():
            chosen.setdefault(str(row["case_id"]), (trigger, row))
    return list(chosen.values())


def publish_case_alerts(
    engine: Engine,
    *,
    date: Date | str,
    sender: Sender,
    language: str,
    policy: EscalationPolicy,
    run_url: str | None = None,
    quiet: bool = False,
    mask_user_ids: bool = False,
    write_case_file: Callable[[str], str] | None = None,
    link_graph: Callable[[str], bytes] | None = None,
    schema: str = "risk",
    intraday: bool = False,
) -> CaseAlertResult:
    """Escalate the day's cases that meet the policy, once each; update and follow up the rest.

    `write_case_file(case_id, refresh)` writes the case file (when `refresh`, or when it is missing)
    and returns its link or path, for every case alerted on (quiet or not); `link_graph(case_id)`
    draws the linked accounts (PNG) for the escalation's thread. At most `max_findings` new cases
    are escalated a day per trigger; the others wait for a later day ("deferred").
    `intraday` (a run during the day itself): new escalations are posted and earlier ones kept
    current, but no follow-up reply goes into a thread (the nightly run decides those).
    """
    day = as_date(date)
    result = CaseAlertResult(day, quiet)
    ledger = NotificationLedger(engine, schema)
    known = sa.inspect(engine).has_table("notifications", schema=ledger.schema)
    alerting, new_today = [], {}
    for trigger, row in cases_meeting_policy(read_cases(engine, day), policy):
        case_id = str(row["case_id"])
        first = ledger.first("case", case_id, CASE_CAMPAIGN) if known else None
        if first is None or first.key.date == day:
            # not escalated before today: at most max_findings new cases a day per trigger
            if new_today.get(trigger.id, 0) >= trigger.max_findings:
                result.deliveries.append(Delivery("case", case_id, "deferred"))
                continue
            new_today[trigger.id] = new_today.get(trigger.id, 0) + 1
        alerting.append((trigger, row, first))
    result.escalated = [str(row["case_id"]) for _, row, _ in alerting]
    for _, row, first in alerting:
        if write_case_file is not None:
            # a case file is rewritten when the case is new to the channel or changed today
            refresh = first is None or str(row["changes"]) != "unchanged"
            result.case_files[str(row["case_id"])] = write_case_file(str(row["case_id"]), refresh)
    if quiet:
        result.deliveries += [Delivery("case", case_id, "skipped") for case_id in result.escalated]
        return result

    ledger.ensure()
    errors: list[str] = []
    for trigger, row, first in alerting:
        case_id = str(row["case_id"])
        alert = _alert(row, result.case_files.get(case_id))
        message = build_case_escalation(
            alert,
            trigger_id=trigger.id,
            action=trigger.action,
            policy=policy,
            language=language,
            run_url=run_url,
            mask_user_ids=mask_user_ids,
        )
        try:
            if first is None or not first.message_ts or first.key.date == day:
                # not escalated yet, or escalated today (a re-run): the day's own key, sent once
                key = LedgerKey(CASE_CAMPAIGN, first.key.date if first else day, "case", case_id)
                sent = send_once(ledger, sender, key, message, label=f"case_{case_id}")
                result.deliveries.append(sent)
                if link_graph is not None and sent.ts:
                    title = localized("case.graph_title", language, sep=" / ", case_id=case_id)
                    result.deliveries.append(
                        upload_once(
                            ledger,
                            sender,
                            LedgerKey(CASE_CAMPAIGN, key.date, "case_graph", case_id),
                            link_graph(case_id),
                            filename=f"{case_id}_links.png",
                            title=title,
                            thread_ts=sent.ts,
                            label=f"case_{case_id}",
                        )
                    )
                continue
            # escalated on an earlier day: keep that message current, reply only on material change
            result.deliveries.append(send_once(ledger, sender, first.key, message, label=f"case_{case_id}"))
            if not intraday and policy.case_follow_up.is_material(
                alert.new_members, len(alert.new_campaigns), alert.reward_change_share
            ):
                reply = build_case_update(alert, language=language, mask_user_ids=mask_user_ids)
                result.deliveries.append(
                    send_once(
                        ledger,
                        sender,
                        LedgerKey(CASE_CAMPAIGN, day, "case_update", case_id),
                        reply,
                        thread_ts=first.message_ts,
                        label=f"case_{case_id}_update",
                    )
                )
        except NotificationDeliveryError as exc:
            errors.append(str(exc))
            result.deliveries.append(Delivery("case", case_id, "failed"))
    if errors:
        raise NotificationDeliveryError(f"{len(errors)} case alert(s) for {day} not delivered: " + "; ".join(errors))
    return result

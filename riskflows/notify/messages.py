"""Block Kit messages the risk channel receives: the daily digest, escalations, and the
alert when a pipeline run fails.

Builders are pure functions of the figures they show, so the same day always renders the
same message (its hash is what the ledger compares on a re-run). Every message passes
through `finalize`, which scrubs it (privacy.py) and holds Slack's limits: at most 50
blocks, section text at most 3,000 characters, header text at most 150. The digest shows
the top of each list; the full high-risk list goes to the CSV in the digest's thread.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from typing import Any

from riskflows.notify.catalogue import languages, localized, text
from riskflows.notify.escalation_policy import ClusterStat, EscalationPolicy, Finding
from riskflows.notify.privacy import scrub, scrub_text, show_user_id

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_FALLBACK_TEXT = 3000
TOP_RULES = 10
TOP_CLUSTERS = 5
TOP_USERS = 10
MAX_REASON_CHARS = 160


@dataclass(frozen=True)
class Message:
    """What one chat.postMessage sends: the notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]

    def content_hash(self) -> str:
        payload = json.dumps({"text": self.text, "blocks": self.blocks}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RuleHits:
    rule_id: str
    title_en: str
    title_zh: str
    hits: int


@dataclass(frozen=True)
class FlaggedUser:
    user_id: int
    score: float
    tier: str
    reward_usd: float
    reasons: str
    reasons_zh: str


@dataclass(frozen=True)
class WeakRule:
    """A rule whose precision on reviewed participants fell below the policy's bar."""

    rule_id: str
    precision: float
    reviewed: int
    days: int


@dataclass(frozen=True)
class DigestData:
    """One campaign's day as the digest shows it (from risk.campaign_summary and friends)."""

    campaign_id: str
    campaign_name: str
    campaign_kind: str
    date: Date
    participants: int
    flagged: int
    review: int
    hold: int
    block: int
    new_flagged: int
    flagged_change: int
    reward_usd_total: float
    reward_usd_at_risk: float
    reward_budget_usd: float | None
    rule_pack_version: str
    top_rules: Sequence[RuleHits] = ()
    clusters: Sequence[ClusterStat] = ()
    top_users: Sequence[FlaggedUser] = ()
    weak_rules: Sequence[WeakRule] = ()


# ---------------------------------------------------------------- formatting helpers


def usd(value: float | None) -> str:
    return f"{(value or 0.0):,.2f}"


def count(value: int | None) -> str:
    return f"{int(value or 0):,}"


def signed(value: int | None) -> str:
    return f"{int(value or 0):+,}"


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _heading(key: str, language: str, **values: object) -> str:
    """Short labels: English and Chinese on one line when both are asked for."""
    return localized(key, language, sep=" / ", **values)


def _per_language(language: str, render) -> str:
    """A paragraph written once per language, English first, a blank line between."""
    return "\n\n".join(render(lang) for lang in languages(language))


def _line_language(language: str) -> str:
    # List lines carry numbers; in 'both' they are written once (in English) to keep
    # the digest short, with bilingual headings and titles around them.
    return languages(language)[0]


def header(value: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": value, "emoji": True}}


def section(value: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": value}}


def fields_section(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": v} for v in values]}


def context(*values: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": v} for v in values]}


DIVIDER = {"type": "divider"}


def sections_from_lines(title: str, lines: Iterable[str]) -> list[dict[str, Any]]:
    """A titled list packed into as few sections as Slack's 3,000-character limit allows."""
    blocks: list[dict[str, Any]] = []
    current = title
    for line in lines:
        line = _truncate(line, MAX_SECTION_TEXT - len(title) - 1)
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}"
    blocks.append(section(current))
    return blocks


# ---------------------------------------------------------------- limits and privacy


def enforce_limits(blocks: list[dict[str, Any]], overflow_note: str = "…") -> list[dict[str, Any]]:
    """Blocks cut to Slack's limits: block count, header, section, field and context sizes."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        block = json.loads(json.dumps(block))  # a private copy to cut
        if block["type"] == "header":
            block["text"]["text"] = _truncate(block["text"]["text"], MAX_HEADER_TEXT)
        elif block["type"] == "section":
            if "text" in block:
                block["text"]["text"] = _truncate(block["text"]["text"], MAX_SECTION_TEXT)
            if "fields" in block:
                block["fields"] = block["fields"][:MAX_FIELDS]
                for f in block["fields"]:
                    f["text"] = _truncate(f["text"], MAX_FIELD_TEXT)
        elif block["type"] == "context":
            block["elements"] = block["elements"][:10]
            for e in block["elements"]:
                e["text"] = _truncate(e["text"], MAX_SECTION_TEXT)
        out.append(block)
    if len(out) > MAX_BLOCKS:
        out = out[: MAX_BLOCKS - 1] + [context(overflow_note)]
    return out


def finalize(
    text_value: str, blocks: list[dict[str, Any]], *, allow: Sequence[str] = (), overflow_note: str = "…"
) -> Message:
    """Scrub, then cut to limits (scrubbing can change lengths, so it goes first)."""
    clean_blocks = scrub(blocks, allow=allow)
    return Message(
        text=_truncate(scrub_text(text_value, allow=allow), MAX_FALLBACK_TEXT),
        blocks=enforce_limits(clean_blocks, scrub_text(overflow_note)),
    )


def check_limits(message: Message) -> list[str]:
    """Every way `message` breaks Slack's limits (empty when it is fit to send)."""
    problems = []
    if len(message.blocks) > MAX_BLOCKS:
        problems.append(f"{len(message.blocks)} blocks > {MAX_BLOCKS}")
    for i, block in enumerate(message.blocks):
        if block["type"] == "header" and len(block["text"]["text"]) > MAX_HEADER_TEXT:
            problems.append(f"block {i}: header longer than {MAX_HEADER_TEXT}")
        if block["type"] == "section":
            if "text" in block and len(block["text"]["text"]) > MAX_SECTION_TEXT:
                problems.append(f"block {i}: section longer than {MAX_SECTION_TEXT}")
            if len(block.get("fields", [])) > MAX_FIELDS:
                problems.append(f"block {i}: more than {MAX_FIELDS} fields")
            for f in block.get("fields", []):
                if len(f["text"]) > MAX_FIELD_TEXT:
                    problems.append(f"block {i}: field longer than {MAX_FIELD_TEXT}")
    return problems


# ---------------------------------------------------------------- digest


def _tier(tier: str, language: str) -> str:
    key = f"tier.{tier}"
    return _heading(key, language) if tier in ("block", "hold", "review") else tier


def _scrubbed(data: DigestData) -> DigestData:
    return replace(
        data,
        campaign_name=scrub_text(data.campaign_name),
        top_rules=[
            replace(r, title_en=scrub_text(r.title_en), title_zh=scrub_text(r.title_zh)) for r in data.top_rules
        ],
        top_users=[
            replace(u, reasons=scrub_text(u.reasons), reasons_zh=scrub_text(u.reasons_zh)) for u in data.top_users
        ],
    )


def build_digest(
    data: DigestData, *, language: str, run_url: str | None = None, mask_user_ids: bool = False
) -> Message:
    """The daily digest for one campaign: figures, top rules, largest clusters, top users."""
    # Scrub before cutting: a wallet cut in half no longer looks like a wallet.
    data = _scrubbed(data)
    lang_line = _line_language(language)
    name = data.campaign_name or data.campaign_id
    day = data.date.isoformat()
    blocks: list[dict[str, Any]] = [
        header(localized("digest.header", language, sep=" | ", campaign=name, date=day)),
        context(
            localized(
                "digest.context", language, sep=" | ", kind=data.campaign_kind, version=data.rule_pack_version, date=day
            )
        ),
    ]
    if data.reward_budget_usd:
        share = data.reward_usd_at_risk / data.reward_budget_usd
        budget = localized("digest.budget_share", language, value=f"{share:.1%}", budget=usd(data.reward_budget_usd))
    else:
        budget = localized("digest.budget_unknown", language)
    blocks.append(
        fields_section(
            [
                localized("digest.participants", language, value=count(data.participants)),
                localized("digest.flagged", language, value=count(data.flagged), change=signed(data.flagged_change)),
                localized(
                    "digest.tiers", language, block=count(data.block), hold=count(data.hold), review=count(data.review)
                ),
                localized("digest.new", language, value=count(data.new_flagged)),
                localized(
                    "digest.at_risk", language, value=usd(data.reward_usd_at_risk), total=usd(data.reward_usd_total)
                ),
                budget,
            ]
        )
    )
    blocks.append(DIVIDER)

    rule_lines = [
        text(
            "digest.rule_line",
            lang_line,
            rule_id=r.rule_id,
            hits=count(r.hits),
            title=" / ".join(
                t
                for t in (
                    r.title_en if "en" in languages(language) else "",
                    r.title_zh if "zh" in languages(language) else "",
                )
                if t
            ),
        )
        for r in list(data.top_rules)[:TOP_RULES]
    ] or [localized("digest.no_rules", language, sep=" / ")]
    blocks += sections_from_lines(_heading("digest.top_rules", language), rule_lines)

    cluster_lines = [
        text(
            "digest.cluster_line",
            lang_line,
            cluster_id=show_user_id(c.cluster_id, mask_user_ids),
            size=count(c.cluster_size),
            members=count(c.flagged_members),
            reward=usd(c.reward_usd),
        )
        + (text("digest.cluster_case", lang_line, case_id=_case_label(c.case_id, mask_user_ids)) if c.case_id else "")
        + (
            text("digest.cluster_also", lang_line, campaigns=", ".join(scrub_text(x) for x in c.other_campaigns))
            if c.other_campaigns
            else ""
        )
        for c in list(data.clusters)[:TOP_CLUSTERS]
    ] or [localized("digest.no_clusters", language, sep=" / ")]
    blocks += sections_from_lines(_heading("digest.clusters", language), cluster_lines)

    if data.weak_rules:
        weak_lines = [
            text(
                "digest.weak_rule_line",
                lang_line,
                rule_id=r.rule_id,
                precision=f"{r.precision:.0%}",
                reviewed=count(r.reviewed),
                days=r.days,
            )
            for r in data.weak_rules
        ]
        blocks += sections_from_lines(_heading("digest.weak_rules", language), weak_lines)

    if data.top_users:
        user_lines = []
        for u in list(data.top_users)[:TOP_USERS]:
            reasons = " / ".join(
                _truncate(r, MAX_REASON_CHARS)
                for lang, r in (("en", u.reasons), ("zh", u.reasons_zh))
                if lang in languages(language) and r
            )
            user_lines.append(
                text(
                    "digest.user_line",
                    lang_line,
                    user_id=show_user_id(u.user_id, mask_user_ids),
                    tier=_tier(u.tier, language),
                    score=f"{u.score:.0f}",
                    reward=usd(u.reward_usd),
                    reasons=reasons or "-",
                )
            )
        blocks += sections_from_lines(_heading("digest.top_users", language), user_lines)
        if data.flagged > len(user_lines):
            blocks.append(
                context(
                    localized("digest.more_in_csv", language, sep=" / ", count=count(data.flagged - len(user_lines)))
                )
            )
    else:
        blocks.append(section(localized("digest.nothing_flagged", language, sep=" / ")))
    if run_url:
        blocks.append(context(localized("digest.run_link", language, sep=" · ", url=run_url)))
    fallback = localized(
        "digest.fallback",
        language,
        campaign=name,
        date=day,
        flagged=count(data.flagged),
        participants=count(data.participants),
        at_risk=usd(data.reward_usd_at_risk),
    )
    return finalize(fallback, blocks, allow=[run_url] if run_url else ())


# ---------------------------------------------------------------- escalations

_TRIGGER_TEXT = {
    "cluster_size": "trigger.cluster_size",
    "reward_at_risk_usd": "trigger.reward_at_risk",
    "reward_at_risk_budget_share": "trigger.budget_share",
    "block_tier_increase": "trigger.block_jump",
}


def _evidence_values(finding: Finding, mask_user_ids: bool) -> dict[str, str]:
    e = finding.evidence
    if finding.kind == "cluster_size":
        return {
            "cluster_id": show_user_id(e["cluster_id"], mask_user_ids),
            "size": count(e["size"]),
            "members": count(e["members"]),
            "block": count(e["block"]),
            "reward": usd(e["reward"]),
            "threshold": count(e["threshold"]),
        }
    if finding.kind == "reward_at_risk_usd":
        return {"value": usd(e["value"]), "threshold": usd(e["threshold"]), "flagged": count(e["flagged"])}
    if finding.kind == "reward_at_risk_budget_share":
        return {"value": f"{e['value']:.1%}", "budget": usd(e["budget"]), "threshold": f"{e['threshold']:.0%}"}
    return {
        "previous": count(e["previous"]),
        "current": count(e["current"]),
        "delta": count(e["delta"]),
        "threshold": count(e["threshold"]),
    }


def build_escalation(
    finding: Finding,
    *,
    campaign_id: str,
    campaign_name: str,
    date: Date,
    policy: EscalationPolicy,
    language: str,
    run_url: str | None = None,
    mask_user_ids: bool = False,
) -> Message:
    """One escalation: who must look, the evidence (counts only) and the recommended action."""
    base = _TRIGGER_TEXT[finding.kind]
    title = _heading(f"{base}.title", language)
    name = scrub_text(campaign_name or campaign_id)
    day = date.isoformat()
    mentions = policy.mentions(campaign_id)
    values = _evidence_values(finding, mask_user_ids)
    blocks: list[dict[str, Any]] = [
        header(" | ".join(text("esc.header", lang, title=text(f"{base}.title", lang)) for lang in languages(language))),
        section(
            _per_language(
                language, lambda lang: text("esc.attention", lang, mentions=mentions, campaign=name, date=day).strip()
            )
        ),
        section(
            _per_language(
                language, lambda lang: text("esc.evidence", lang, evidence=text(f"{base}.evidence", lang, **values))
            )
        ),
        section(
            _per_language(
                language, lambda lang: text("esc.action", lang, action=text(f"action.{finding.action}", lang))
            )
        ),
        context(f"`{finding.trigger_id}` · {campaign_id} · {day}"),
    ]
    if run_url:
        blocks.append(context(localized("digest.run_link", language, sep=" · ", url=run_url)))
    fallback = localized("esc.fallback", language, campaign=name, date=day, title=title)
    if mentions:
        fallback = f"{mentions} {fallback}"  # mentions in the notification text are what page people
    return finalize(fallback, blocks, allow=[run_url] if run_url else ())


# ---------------------------------------------------------------- cases


def _case_label(case_id: str, mask_user_ids: bool) -> str:
    """A case id ends with the cluster id (its smallest account) or u<user id>: masked like a user id."""
    head, _, tail = case_id.rpartition("-")
    prefix = "u" if tail.startswith("u") else ""
    number = tail.removeprefix("u")
    if not number.isdigit():
        return case_id
    return f"{head}-{prefix}{show_user_id(int(number), mask_user_ids)}"


@dataclass(frozen=True)
class CaseAlert:
    """What a case message says: the case as of one day."""

    case_id: str
    date: Date
    campaigns: tuple[str, ...]
    members: int
    cluster_size: int
    block_members: int
    hold_members: int
    max_score: float
    reward_usd_at_risk: float
    first_flagged_date: Date
    status: str
    new_members: int = 0
    new_campaigns: tuple[str, ...] = ()
    reward_change_share: float | None = None
    case_file: str | None = None  # a URL or a path to the case file


def _case_changes(case: CaseAlert, lang: str) -> str:
    parts = []
    if case.new_members:
        parts.append(text("case.change.members", lang, count=count(case.new_members)))
    if case.new_campaigns:
        parts.append(
            text("case.change.campaigns", lang, campaigns=", ".join(scrub_text(c) for c in case.new_campaigns))
        )
    if case.reward_change_share is not None and abs(case.reward_change_share) >= 0.005:
        parts.append(text("case.change.reward", lang, share=f"{case.reward_change_share:+.0%}"))
    return ("; " if lang == "en" else "；").join(parts) or text("case.change.none", lang)


NOTE_ACTION_ID = "riskflows_note"
NOTE_BLOCK_ID = "riskflows_note"
VERDICT_BLOCK_ID = "riskflows_verdict"
VERDICT_ACTION_PREFIX = "riskflows_verdict_"
CASE_VERDICTS = ("confirmed_abuse", "false_positive", "inconclusive")


def verdict_action_id(verdict: str) -> str:
    return VERDICT_ACTION_PREFIX + verdict


def case_verdict_blocks(case_id: str, language: str) -> list[dict[str, Any]]:
    """A short optional note and the three verdict buttons (value: the case id); the Slack
    listener (`riskflows slack listen`) records what is clicked in risk.verdicts."""
    note = {
        "type": "input",
        "block_id": NOTE_BLOCK_ID,
        "optional": True,
        "label": {"type": "plain_text", "text": _heading("case.note_label", language)},
        "element": {
            "type": "plain_text_input",
            "action_id": NOTE_ACTION_ID,
            "max_length": 300,
            "placeholder": {"type": "plain_text", "text": _heading("case.note_placeholder", language)},
        },
    }
    styles = {"confirmed_abuse": "danger", "false_positive": "primary"}
    buttons = [
        {
            "type": "button",
            "action_id": verdict_action_id(verdict),
            "text": {"type": "plain_text", "text": _heading(f"case.verdict.{verdict}", language)},
            "value": case_id,
            **({"style": styles[verdict]} if verdict in styles else {}),
        }
        for verdict in CASE_VERDICTS
    ]
    return [note, {"type": "actions", "block_id": VERDICT_BLOCK_ID, "elements": buttons}]


def build_case_escalation(
    case: CaseAlert,
    *,
    trigger_id: str,
    action: str,
    policy: EscalationPolicy,
    language: str,
    run_url: str | None = None,
    mask_user_ids: bool = False,
) -> Message:
    """A case's one escalation (updated in place afterwards): who must look, the case in counts,
    the recommended action, and where the case file is."""
    label = _case_label(case.case_id, mask_user_ids)
    campaigns = ", ".join(scrub_text(c) for c in case.campaigns)
    mentions = " ".join(policy.mentions(c) for c in case.campaigns[:1]) or policy.mentions("")
    values = {
        "case_id": label,
        "members": count(case.members),
        "size": count(case.cluster_size),
        "campaigns": campaigns,
        "block": count(case.block_members),
        "hold": count(case.hold_members),
        "score": f"{case.max_score:.0f}",
        "reward": usd(case.reward_usd_at_risk),
        "first": case.first_flagged_date.isoformat(),
        "status": case.status,
    }
    title = _heading("trigger.cluster_size.title", language)
    blocks: list[dict[str, Any]] = [
        header(
            " | ".join(
                text("case.header", lang, case_id=label, title=text("trigger.cluster_size.title", lang))
                for lang in languages(language)
            )
        ),
        section(
            _per_language(language, lambda lang: text("case.attention", lang, mentions=mentions, **values).strip())
        ),
        section(_per_language(language, lambda lang: text("case.evidence", lang, **values))),
        section(_per_language(language, lambda lang: text("esc.action", lang, action=text(f"action.{action}", lang)))),
    ]
    allow = [a for a in (run_url, case.case_file) if a]
    if case.case_file:
        blocks.append(context(localized("case.file", language, sep=" · ", link=case.case_file)))
    blocks.append(context(localized("case.as_of", language, sep=" · ", date=case.date.isoformat()), f"`{trigger_id}`"))
    if run_url:
        blocks.append(context(localized("digest.run_link", language, sep=" · ", url=run_url)))
    blocks += case_verdict_blocks(case.case_id, language)
    fallback = localized("case.fallback", language, case_id=label, members=count(case.members), campaigns=campaigns)
    if mentions:
        fallback = f"{mentions} {fallback} ({title})"
    return finalize(fallback, blocks, allow=allow)


def build_case_update(case: CaseAlert, *, language: str, mask_user_ids: bool = False) -> Message:
    """The short reply in a case's thread on a day it changed materially."""
    label = _case_label(case.case_id, mask_user_ids)
    campaigns = ", ".join(scrub_text(c) for c in case.campaigns)
    body = _per_language(
        language,
        lambda lang: text(
            "case.update",
            lang,
            case_id=label,
            date=case.date.isoformat(),
            changes=_case_changes(case, lang),
            members=count(case.members),
            campaigns=campaigns,
            reward=usd(case.reward_usd_at_risk),
        ),
    )
    return finalize(body.replace("*", "")[:300], [section(body)])


# ---------------------------------------------------------------- run failure


def build_run_failure_alert(
    run_id: str, job_name: str, error_summary: str, run_url: str | None, language: str
) -> Message:
    """The alert a run-failure sensor posts: which run, what broke, where to look."""
    error = _truncate(scrub_text(error_summary or "", allow=[run_id]).replace("```", "'''"), 2500)
    blocks: list[dict[str, Any]] = [
        header(localized("failure.header", language, sep=" | ")),
        section(localized("failure.body", language, job=job_name, run_id=run_id)),
        section(f"*{_heading('failure.error_label', language)}*\n```{error}```"),
    ]
    if run_url:
        blocks.append(context(localized("failure.run_link", language, sep=" · ", url=run_url)))
    fallback = localized("failure.fallback", language, run_id=run_id, job=job_name)
    # The run id is a uuid, which the scrubber would take for a device id: it is ours, keep it.
    return finalize(fallback, blocks, allow=[a for a in (run_url, run_id) if a])


# ---------------------------------------------------------------- plain text

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def render_plain_text(message: Message) -> str:
    """What a person would read: the outbox writes this next to the Block Kit JSON."""
    lines: list[str] = []
    for block in message.blocks:
        kind = block["type"]
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "=" * min(len(title), 80)]
        elif kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            for f in block.get("fields", []):
                lines.append(f["text"].replace("\n", ": ", 1))
        elif kind == "context":
            lines.append(" | ".join(e.get("text", "") for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
        lines.append("")
    return _LINK.sub(r"\2 (\1)", "\n".join(lines)).strip() + "\n"

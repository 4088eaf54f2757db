"""What the channel sees of a verdict given in Slack: the escalation once decided (buttons replaced
by who decided what), and after a false positive the allowlist entries proposed in its thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from riskflows.notify.catalogue import localized
from riskflows.notify.messages import (
    MAX_SECTION_TEXT,
    NOTE_BLOCK_ID,
    VERDICT_BLOCK_ID,
    Message,
    context,
    finalize,
    section,
)
from riskflows.verdicts import ALLOWLIST_DAYS, allowlist_snippet


def verdict_label(verdict: str, language: str) -> str:
    return localized(f"case.verdict.{verdict}", language, sep=" / ")


def decided_message(
    text: str,
    blocks: Sequence[dict[str, Any]],
    *,
    verdict: str,
    reviewer: str,
    note: str | None,
    decided_at: dt.datetime,
    language: str,
) -> Message:
    """The escalation once decided: its blocks without the note field and the buttons, and a
    context line saying who decided what, when (and the note). `reviewer` is shown as given
    (a Slack mention such as <@U123> renders as the person's name)."""
    kept = [
        dict(b)
        for b in blocks
        if b.get("type") not in ("actions", "input") and b.get("block_id") not in (NOTE_BLOCK_ID, VERDICT_BLOCK_ID)
    ]
    marks = {"confirmed_abuse": ":no_entry:", "false_positive": ":white_check_mark:", "inconclusive": ":grey_question:"}
    at = decided_at.strftime("%Y-%m-%d %H:%M")
    decided = localized(
        "case.decided", language, sep=" · ", verdict=verdict_label(verdict, language), reviewer=reviewer, at=at
    )
    lines = [f"{marks.get(verdict, '')} {decided}".strip()]
    if note:
        lines.append(localized("case.decided_note", language, sep=" · ", note=note.replace("\n", " ")))
    kept.append(context(*lines))
    fallback = f"{text} · {verdict_label(verdict, language)} ({reviewer})" if text else decided
    return finalize(fallback, kept, allow=[reviewer])


def allowlist_message(
    accounts: pd.DataFrame,
    *,
    case_id: str,
    reviewer: str,
    decided_on: dt.date,
    language: str,
    days: int = ALLOWLIST_DAYS,
) -> Message:
    """The thread reply after a false positive: the allowlist entries in code blocks (several
    blocks when a large case passes Slack's 3,000 characters a section). It proposes; the rule
    packs change only by pull request."""
    intro = localized("case.allowlist_snippet", language, sep="\n", case_id=case_id)
    snippet = allowlist_snippet(accounts, case_id=case_id, reviewer=reviewer, decided_on=decided_on, days=days)
    blocks = [section(intro)]
    chunk: list[str] = []
    for line in snippet.split("\n"):
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) + 8 > MAX_SECTION_TEXT:
            blocks.append(section("```\n" + "\n".join(chunk) + "\n```"))
            chunk = ["allowlist:"]
        chunk.append(line)
    blocks.append(section("```\n" + "\n".join(chunk) + "\n```"))
    # user ids and the reviewer are ours to show here: the point is a reviewable patch
    return finalize(intro.split("\n")[0][:300], blocks, allow=[reviewer])

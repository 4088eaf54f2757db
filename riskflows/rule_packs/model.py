"""Rule packs, the data: rules, allowlist entries, suppressions, packs, and the problems
a pack can have."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from riskflows.source_contract import CAMPAIGN_KINDS  # noqa: F401  (the contract's list, re-exported)

SEVERITIES = ("low", "medium", "high", "critical")
# The tiers of the published list, ascending: a higher tier needs a higher score. The pack's
# thresholds define them; output_tables, campaign_summary and backtest read them from here.
TIERS = ("review", "hold", "block")
FEATURE_TYPES = ("number", "text", "boolean", "date")


@dataclass(frozen=True)
class Rule:
    """One detection rule: when ``when`` is true for a participant, the rule fires and
    adds ``score`` to the participant's risk score, showing ``evidence`` columns."""

    id: str
    title_en: str
    title_zh: str
    description: str
    when: str
    severity: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class AllowlistEntry:
    """A user or an account cluster the analysts have cleared (e.g. a known market
    maker). ``expires`` is the first day the clearance no longer applies (None: never)."""

    user_id: int | None
    cluster_id: int | None
    reason: str
    expires: date | None

    def active_on(self, day: date) -> bool:
        return self.expires is None or day < self.expires


@dataclass(frozen=True)
class Suppression:
    """Where ``when`` is true, rule ``rule_id`` does not fire (a known benign pattern,
    e.g. a shared device among fully KYC'd users)."""

    rule_id: str
    when: str
    reason: str


@dataclass(frozen=True)
class RulePack:
    pack_id: str
    path: str
    kinds: tuple[str, ...]
    campaigns: tuple[str, ...]
    thresholds: dict[str, float]
    rules: tuple[Rule, ...]
    allowlist: tuple[AllowlistEntry, ...]
    suppressions: tuple[Suppression, ...]
    version: str
    # Feature type (number/text/boolean/date) of every evidence column, as validated at
    # load time, so evidence can be formatted in SQL without a second lookup.
    evidence_types: Mapping[str, str] = field(default_factory=dict, compare=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"pack {self.pack_id} has no rule {rule_id!r}")

    def allowlisted(self, day: date) -> tuple[frozenset[int], frozenset[int]]:
        """(user ids, cluster ids) cleared on ``day``; expired entries are ignored."""
        active = [entry for entry in self.allowlist if entry.active_on(day)]
        users = frozenset(e.user_id for e in active if e.user_id is not None)
        clusters = frozenset(e.cluster_id for e in active if e.cluster_id is not None)
        return users, clusters


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule pack, located so the analyst can fix it."""

    file: str
    pack_id: str | None = None
    rule_id: str | None = None
    line: int | None = None
    column: int | None = None
    message: str = ""

    def __str__(self) -> str:
        where = [f"pack {self.pack_id}"] if self.pack_id else []
        if self.rule_id:
            where.append(f"rule {self.rule_id}")
        if self.line is not None:
            where.append(f"line {self.line}" + (f" col {self.column}" if self.column is not None else ""))
        return f"{self.file}: " + ", ".join(where) + (": " if where else "") + self.message


class RulePackError(Exception):
    """A rule pack (or a set of packs) is invalid; ``problems`` lists every problem."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulePackSelectionError(LookupError):
    """No rule pack (or more than one) applies to a campaign."""

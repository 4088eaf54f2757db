"""When a campaign's day is urgent enough to call people, not just inform them.

The policy lives in rules/escalation.yaml, next to the rule packs analysts already edit.
Each trigger compares one figure of the day (a cluster's size, reward at risk, the share
of the budget at risk, the jump in block-tier users) with a threshold; each trigger that
fires is a `Finding`, posted as its own Slack message. A finding's key is stable across
re-runs of the same day (cluster ids are the smallest member's user id), so a re-run
updates the escalation it sent before instead of paging people twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from riskflows.notify.catalogue import CATALOGUE

TRIGGER_KINDS = ("cluster_size", "reward_at_risk_usd", "reward_at_risk_budget_share", "block_tier_increase")
CASE_TRIGGER_KINDS = ("cluster_size",)
DEFAULT_POLICY_PATH = Path(__file__).resolve().parents[2] / "rules" / "escalation.yaml"


class PolicyError(ValueError):
    """The escalation policy file is not usable; the message names the file and trigger."""


@dataclass(frozen=True)
class Trigger:
    id: str
    kind: str
    threshold: float
    action: str
    max_findings: int = 5


@dataclass(frozen=True)
class CaseFollowUp:
    """When an escalated case earns a reply in its thread: a material change since the day before."""

    new_members: int = 1
    new_campaigns: int = 1
    reward_increase_share: float = 0.25

    def is_material(self, new_members: int, new_campaigns: int, reward_change_share: float | None) -> bool:
        return (
            new_members >= self.new_members
            or new_campaigns >= self.new_campaigns
            or (reward_change_share is not None and reward_change_share >= self.reward_increase_share)
        )


@dataclass(frozen=True)
class RulePrecisionAlert:
    """A rule is named in the digest when its precision on reviewed participants over the last
    `days` days falls below `below`, on at least `min_reviews` reviews."""

    below: float = 0.5
    min_reviews: int = 10
    days: int = 30


@dataclass(frozen=True)
class EscalationPolicy:
    triggers: tuple[Trigger, ...]
    oncall_group: str | None = None
    default_owner: str | None = None
    campaign_owners: Mapping[str, str] = field(default_factory=dict)
    case_follow_up: CaseFollowUp = CaseFollowUp()
    rule_precision: RulePrecisionAlert = RulePrecisionAlert()

    def case_triggers(self) -> tuple[Trigger, ...]:
        """Triggers about linked accounts: escalated once per case, not per campaign and day."""
        return tuple(t for t in self.triggers if t.kind in CASE_TRIGGER_KINDS)

    def owner_for(self, campaign_id: str) -> str | None:
        return self.campaign_owners.get(campaign_id, self.default_owner)

    def mentions(self, campaign_id: str) -> str:
        """Slack mention markup for the on-call group and the campaign owner."""
        parts = []
        if self.oncall_group:
            parts.append(f"<!subteam^{self.oncall_group}>")
        owner = self.owner_for(campaign_id)
        if owner:
            parts.append(f"<@{owner}>")
        return " ".join(parts)


@dataclass(frozen=True)
class ClusterStat:
    """A linked-account cluster as seen from one campaign's high-risk list."""

    cluster_id: int
    cluster_size: int
    flagged_members: int
    block_members: int
    reward_usd: float
    case_id: str | None = None  # the case the cluster is (riskflows.cases)
    other_campaigns: tuple[str, ...] = ()  # other campaigns its accounts joined


@dataclass(frozen=True)
class Finding:
    """One reason to escalate: which trigger, the figures behind it, what to do."""

    trigger_id: str
    kind: str
    finding_key: str
    action: str
    evidence: Mapping[str, Any]


def _numbers(raw: Mapping[str, Any], name: str, cls: type, source: str):
    """A section of numbers (e.g. case_follow_up) as its dataclass; absent keys keep their defaults."""
    fields = dataclasses.fields(cls)
    try:
        given = raw.get(name) or {}
        return cls(**{f.name: type(f.default)(given.get(f.name, f.default)) for f in fields})
    except (TypeError, ValueError, AttributeError) as exc:
        names = ", ".join(f.name for f in fields)
        raise PolicyError(f"{source}: {name} needs numbers for {names} ({exc})") from None


def _policy_from_mapping(raw: Mapping[str, Any], source: str) -> EscalationPolicy:
    triggers = []
    for i, t in enumerate(raw.get("triggers") or []):
        where = f"{source}: trigger {t.get('id', i)!r}"
        try:
            trig = Trigger(
                id=str(t["id"]),
                kind=str(t["kind"]),
                threshold=float(t["threshold"]),
                action=str(t["action"]),
                max_findings=int(t.get("max_findings", 5)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{where}: needs id, kind, threshold, action ({exc})") from None
        if trig.kind not in TRIGGER_KINDS:
            raise PolicyError(f"{where}: kind must be one of {TRIGGER_KINDS}, got {trig.kind!r}")
        if f"action.{trig.action}" not in CATALOGUE:
            known = sorted(k.removeprefix("action.") for k in CATALOGUE if k.startswith("action."))
            raise PolicyError(f"{where}: unknown action {trig.action!r}; known: {known}")
        triggers.append(trig)
    owners = {str(k): str(v) for k, v in (raw.get("campaign_owners") or {}).items() if v}
    follow_up = _numbers(raw, "case_follow_up", CaseFollowUp, source)
    rule_precision = _numbers(raw, "rule_precision", RulePrecisionAlert, source)
    return EscalationPolicy(
        triggers=tuple(triggers),
        oncall_group=raw.get("oncall_group") or None,
        default_owner=raw.get("default_owner") or None,
        campaign_owners=owners,
        case_follow_up=follow_up,
        rule_precision=rule_precision,
    )


def load_policy(path: str | Path = DEFAULT_POLICY_PATH) -> EscalationPolicy:
    """Read and check an escalation policy YAML file."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping at the top level")
    return _policy_from_mapping(raw, str(path))


def policy_from_dict(raw: Mapping[str, Any]) -> EscalationPolicy:
    """A policy from an in-memory mapping (same shape as the YAML file)."""
    return _policy_from_mapping(raw, "<dict>")


def evaluate_policy(
    policy: EscalationPolicy,
    *,
    reward_at_risk_usd: float,
    reward_budget_usd: float | None,
    flagged: int,
    block_today: int,
    block_yesterday: int | None,
    clusters: Sequence[ClusterStat],
) -> list[Finding]:
    """Every finding the day's figures raise under `policy`, in policy order.

    A campaign with no summary yesterday counts as having had no block-tier users: its
    first day with many blocks is itself a jump worth a look.
    """
    findings: list[Finding] = []
    for trig in policy.triggers:
        if trig.kind == "cluster_size":
            big = sorted(
                (c for c in clusters if c.cluster_size >= trig.threshold),
                key=lambda c: (-c.cluster_size, -c.reward_usd, c.cluster_id),
            )[: trig.max_findings]
            for c in big:
                findings.append(
                    Finding(
                        trig.id,
                        trig.kind,
                        f"{trig.id}:{c.cluster_id}",
                        trig.action,
                        {
                            "cluster_id": c.cluster_id,
                            "size": c.cluster_size,
                            "members": c.flagged_members,
                            "block": c.block_members,
                            "reward": c.reward_usd,
                            "threshold": trig.threshold,
                        },
                    )
                )
        elif trig.kind == "reward_at_risk_usd":
            if reward_at_risk_usd >= trig.threshold:
                findings.append(
                    Finding(
                        trig.id,
                        trig.kind,
                        trig.id,
                        trig.action,
                        {"value": reward_at_risk_usd, "threshold": trig.threshold, "flagged": flagged},
                    )
                )
        elif trig.kind == "reward_at_risk_budget_share":
            if reward_budget_usd and reward_at_risk_usd / reward_budget_usd >= trig.threshold:
                findings.append(
                    Finding(
                        trig.id,
                        trig.kind,
                        trig.id,
                        trig.action,
                        {
                            "value": reward_at_risk_usd / reward_budget_usd,
                            "budget": reward_budget_usd,
                            "threshold": trig.threshold,
                        },
                    )
                )
        elif trig.kind == "block_tier_increase":
            previous = block_yesterday or 0
            if block_today - previous >= trig.threshold:
                findings.append(
                    Finding(
                        trig.id,
                        trig.kind,
                        trig.id,
                        trig.action,
                        {
                            "previous": previous,
                            "current": block_today,
                            "delta": block_today - previous,
                            "threshold": trig.threshold,
                        },
                    )
                )
    return findings

"""Rule packs as a Dagster resource: where analysts' YAML lives."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from riskflows import settings
from riskflows.campaigns import Campaign
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.notify import EscalationPolicy, load_policy
from riskflows.rule_packs import RulePack, load_packs, pack_for_campaign

# Packs are parsed and validated once per content: (folder, files' mtimes and sizes) -> packs.
_LOADED: dict[tuple, list[RulePack]] = {}


def _fingerprint(rules_dir: str) -> tuple:
    files = sorted(Path(rules_dir).glob("*.y*ml"))
    return (str(Path(rules_dir).resolve()), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


class RulePacksResource(dg.ConfigurableResource):
    """Folder of rule packs (rules/ by default); packs are validated when they load."""

    rules_dir: str | None = None  # unset: RISKFLOWS_RULES_DIR when a step runs, else rules/

    @property
    def folder(self) -> str:
        return self.rules_dir or settings.rules_dir()

    def packs(self) -> list[RulePack]:
        key = _fingerprint(self.folder)
        if key not in _LOADED:
            _LOADED.clear()
            _LOADED[key] = load_packs(self.folder, RULE_COLUMN_KINDS)
        return _LOADED[key]

    def escalation_policy(self) -> EscalationPolicy:
        return load_policy(Path(self.folder) / "escalation.yaml")

    def pack_for(self, campaign: Campaign) -> RulePack:
        return pack_for_campaign(self.packs(), campaign)

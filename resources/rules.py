"""Rule packs as a Dagster resource: where analysts' YAML lives."""

from __future__ import annotations

import dagster as dg

from riskflows.campaigns import Campaign
from riskflows.feature_catalog import RULE_COLUMN_KINDS
from riskflows.rule_packs import RulePack, load_packs, select_pack


class RulePacksResource(dg.ConfigurableResource):
    """Folder of rule packs (rules/ by default); packs load and validate at each step."""

    rules_dir: str = "rules"

    def packs(self) -> list[RulePack]:
        return load_packs(self.rules_dir, RULE_COLUMN_KINDS)

    def pack_for(self, campaign: Campaign) -> RulePack:
        return select_pack(self.packs(), campaign.campaign_id, campaign.kind, campaign.rule_pack)

"""Which pack governs a campaign, and which tier a score reaches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from riskflows.rule_packs.model import TIERS, RulePack, RulePackSelectionError


def select_pack(packs: Sequence[RulePack], campaign_id: str, kind: str, override: str | None) -> RulePack:
    """The pack that governs a campaign.

    ``override`` (src.campaigns.rule_pack) names a pack_id and wins outright; then a pack
    listing the campaign id in applies_to.campaigns; then a pack listing its kind.
    """
    available = ", ".join(sorted(p.pack_id for p in packs)) or "none loaded"
    if override:
        for pack in packs:
            if pack.pack_id == override:
                return pack
        raise RulePackSelectionError(
            f"campaign {campaign_id} asks for rule pack '{override}' (campaigns.rule_pack), "
            f"which is not loaded; available packs: {available}"
        )
    for matches, what in (
        ([p for p in packs if str(campaign_id) in p.campaigns], f"campaign id {campaign_id}"),
        ([p for p in packs if kind in p.kinds], f"campaign kind '{kind}'"),
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise RulePackSelectionError(
                f"{what} is claimed by several rule packs: {', '.join(p.pack_id for p in matches)}"
            )
    raise RulePackSelectionError(
        f"no rule pack applies to campaign {campaign_id} (kind '{kind}'): list it in a pack's "
        f"applies_to.campaigns or applies_to.kinds, or set campaigns.rule_pack; available packs: {available}"
    )


class CampaignIdentity(Protocol):
    """What pack selection reads of a campaign (riskflows.campaigns.Campaign has it)."""

    campaign_id: str
    kind: str
    rule_pack: str | None


def pack_for_campaign(packs: Sequence[RulePack], campaign: CampaignIdentity) -> RulePack:
    """select_pack for a campaign as src.campaigns describes it (its id, kind and rule_pack override)."""
    return select_pack(packs, campaign.campaign_id, campaign.kind, campaign.rule_pack)


def governs(pack: RulePack, campaign_id: str, kind: str, override: str | None) -> bool:
    """Whether ``pack`` would govern the campaign, by select_pack's own rules (override, then
    campaign id, then kind): what a candidate pack is backtested on."""
    try:
        select_pack([pack], campaign_id, kind, override)
    except RulePackSelectionError:
        return False
    return True


def tier_for(score: float, thresholds: Mapping[str, float]) -> str | None:
    """The highest tier whose threshold the score reaches (score >= threshold), or None."""
    tier = None
    for name in TIERS:
        if name in thresholds and score >= thresholds[name]:
            tier = name
    return tier

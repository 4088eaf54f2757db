"""The Slack resource: where a campaign's notifications go, configured per deployment.

Configure it in the Definitions with dg.EnvVar (SLACK_BOT_TOKEN, SLACK_CHANNEL,
SLACK_API_URL); nothing is read from the environment at import time. Without a token,
every campaign's notifications go to the local outbox directory instead of Slack.
"""

from __future__ import annotations

from typing import Optional

import dagster as dg
from pydantic import Field

from riskflows.notify.delivery import DEFAULT_API_URL, OutboxSender, Sender, SlackSender


class SlackResource(dg.ConfigurableResource):
    """The risk channel in Slack, or the outbox when no bot token is configured."""

    bot_token: Optional[str] = Field(default=None, description="Slack bot token (xoxb-...); empty means outbox.")
    channel: str = Field(default="#risk-alerts", description="Default channel id or name for every campaign.")
    api_url: str = Field(default=DEFAULT_API_URL, description="Slack Web API base URL.")
    language: str = Field(default="both", description="'en', 'zh' or 'both'.")
    outbox_dir: str = Field(default=".riskflows/outbox", description="Where messages go without a token.")
    mask_user_ids: bool = Field(default=False, description="Show user ids as 12****89.")
    channel_overrides: dict[str, str] = Field(default_factory=dict, description="campaign_id -> channel.")
    timeout_seconds: int = Field(default=30, description="Per-request timeout.")
    max_retries: int = Field(default=3, description="Retries on 429, 5xx and connection errors.")

    def channel_for(self, campaign_id: Optional[str] = None) -> str:
        if campaign_id is not None and campaign_id in self.channel_overrides:
            return self.channel_overrides[campaign_id]
        return self.channel

    def sender_for(self, campaign_id: Optional[str] = None) -> Sender:
        """The Slack sender for this campaign's channel, or the outbox without a token."""
        channel = self.channel_for(campaign_id)
        token = (self.bot_token or "").strip()
        if not token:
            return OutboxSender(self.outbox_dir, channel=channel)
        return SlackSender(token, channel, api_url=self.api_url, timeout=self.timeout_seconds,
                           max_retries=self.max_retries)

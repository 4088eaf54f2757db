"""The Slack resource: where a campaign's notifications go, configured per deployment.

Fields left unset fall back, when a step runs (never at import), to the environment:
SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_API_URL, RISKFLOWS_SLACK_LANGUAGE and
DAGSTER_WEBSERVER_URL (for links to runs). Without a token, every campaign's
notifications go to the local outbox directory instead of Slack.
"""

from __future__ import annotations

import os

import dagster as dg
from pydantic import Field

from riskflows import settings
from riskflows.notify.delivery import DEFAULT_API_URL, OutboxSender, Sender, SlackSender


class SlackResource(dg.ConfigurableResource):
    """The risk channel in Slack, or the outbox when no bot token is configured."""

    bot_token: str | None = Field(default=None, description="Slack bot token (xoxb-...); empty means outbox.")
    channel: str | None = Field(default=None, description="Default channel for every campaign (#risk-alerts).")
    api_url: str | None = Field(default=None, description="Slack Web API base URL.")
    language: str | None = Field(default=None, description="'en', 'zh' or 'both' (default both).")
    dagster_url: str | None = Field(default=None, description="Base URL of the Dagster UI, for run links.")
    outbox_dir: str | None = Field(
        default=None, description="Where messages go without a token (RISKFLOWS_OUTBOX_DIR, else .riskflows/outbox)."
    )
    mask_user_ids: bool = Field(default=False, description="Show user ids as 12****89.")
    channel_overrides: dict[str, str] = Field(default_factory=dict, description="campaign_id -> channel.")
    timeout_seconds: int = Field(default=30, description="Per-request timeout.")
    max_retries: int = Field(default=3, description="Retries on 429, 5xx and connection errors.")

    def _setting(self, value: str | None, env: str, default: str | None) -> str | None:
        return value if value is not None else os.environ.get(env, default)

    @property
    def message_language(self) -> str:
        return (self.language if self.language is not None else settings.slack_language()) or "both"

    def run_url(self, run_id: str) -> str | None:
        base = self._setting(self.dagster_url, "DAGSTER_WEBSERVER_URL", None)
        return f"{base.rstrip('/')}/runs/{run_id}" if base else None

    def channel_for(self, campaign_id: str | None = None) -> str:
        if campaign_id is not None and campaign_id in self.channel_overrides:
            return self.channel_overrides[campaign_id]
        return self._setting(self.channel, "SLACK_CHANNEL", "#risk-alerts") or "#risk-alerts"

    def sender_for(self, campaign_id: str | None = None) -> Sender:
        """The Slack sender for this campaign's channel, or the outbox without a token."""
        channel = self.channel_for(campaign_id)
        token = (self._setting(self.bot_token, "SLACK_BOT_TOKEN", "") or "").strip()
        if not token:
            outbox = self.outbox_dir if self.outbox_dir is not None else settings.outbox_dir()
            return OutboxSender(outbox, channel=channel)
        api_url = self._setting(self.api_url, "SLACK_API_URL", DEFAULT_API_URL) or DEFAULT_API_URL
        return SlackSender(token, channel, api_url=api_url, timeout=self.timeout_seconds, max_retries=self.max_retries)

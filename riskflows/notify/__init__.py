"""Slack notifications for the risk channel: daily digests, escalations, run-failure alerts.

Nothing here imports dagster; resources/slack.py wires it into the Definitions.
"""

from riskflows.notify.delivery import NotificationDeliveryError, OutboxSender, Sender, SlackSender
from riskflows.notify.escalation_policy import EscalationPolicy, Finding, load_policy, policy_from_dict
from riskflows.notify.ledger import LedgerKey, NotificationLedger
from riskflows.notify.messages import Message, build_run_failure_alert, render_plain_text
from riskflows.notify.privacy import mask_user_id, scrub, scrub_text
from riskflows.notify.publish import Delivery, PublishResult, publish_campaign_digest, send_run_failure_alert

__all__ = [
    "Delivery",
    "EscalationPolicy",
    "Finding",
    "LedgerKey",
    "Message",
    "NotificationDeliveryError",
    "NotificationLedger",
    "OutboxSender",
    "PublishResult",
    "Sender",
    "SlackSender",
    "build_run_failure_alert",
    "load_policy",
    "mask_user_id",
    "policy_from_dict",
    "publish_campaign_digest",
    "render_plain_text",
    "scrub",
    "scrub_text",
    "send_run_failure_alert",
]

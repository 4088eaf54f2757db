"""`riskflows slack listen`: verdicts from the buttons on case escalations, over Slack's Socket Mode.

A long-running process beside the Dagster webserver and daemon. It opens a Socket Mode
connection (slack_sdk's built-in client: no extra package, no public request URL) with the
app-level token SLACK_APP_TOKEN (xapp-..., scope connections:write) and, for every
`block_actions` envelope carrying one of the verdict buttons of `build_case_escalation`:

1. acknowledges the envelope at once (Slack redelivers an envelope that is not acknowledged
   within 3 seconds), before touching the warehouse or the Web API;
2. records the verdict with `riskflows.verdicts.record_case_verdict` (idempotent: a redelivered
   envelope or a double click records one verdict, and nothing below happens twice);
3. updates the escalation with chat.update: the buttons and the note field are replaced by a
   line saying who decided what (and the note);
4. on *False positive*, posts in the escalation's thread the rule-pack allowlist entries for the
   case's accounts, ready for a pull request. It never edits a rule pack.

The Socket Mode client reconnects by itself (a dropped connection, or Slack's periodic
`disconnect` asking for a new one): it calls apps.connections.open again and keeps the
listener registered here, so envelopes after a reconnect are handled like the first.
The decisions live in riskflows/verdicts.py; only the Slack specifics are here.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from riskflows.notify.delivery import DEFAULT_API_URL, NotificationDeliveryError, SlackSender, retry_handlers
from riskflows.notify.ledger import NotificationLedger
from riskflows.notify.messages import NOTE_ACTION_ID, VERDICT_ACTION_PREFIX
from riskflows.notify.verdict_messages import allowlist_message, decided_message
from riskflows.verdicts import CASE_VERDICTS, UnknownCase, case_accounts, ensure_verdicts_table, record_case_verdict

log = logging.getLogger("riskflows.slack_listener")

DB_ATTEMPTS = 5  # DuckDB admits one writing process: a pipeline run may hold the file for a moment


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def verdict_of(action_id: str) -> str | None:
    """The verdict a button's action_id stands for, or None for anything else."""
    if not action_id.startswith(VERDICT_ACTION_PREFIX):
        return None
    verdict = action_id[len(VERDICT_ACTION_PREFIX) :]
    return verdict if verdict in CASE_VERDICTS else None


def note_of(payload: Mapping[str, Any]) -> str | None:
    """The note typed above the buttons (state.values, whichever block holds riskflows_note)."""
    values = ((payload.get("state") or {}).get("values")) or {}
    for block in values.values():
        element = (block or {}).get(NOTE_ACTION_ID)
        if element and element.get("value"):
            return str(element["value"]).strip() or None
    return None


class VerdictListener:
    """The Socket Mode client and what it does with a verdict button."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        app_token: str,
        bot_token: str,
        api_url: str = DEFAULT_API_URL,
        language: str = "both",
        ping_interval: float = 5,
        timeout: int = 30,
        max_retries: int = 3,
    ) -> None:
        if not app_token or not app_token.startswith("xapp-"):
            raise ValueError("SLACK_APP_TOKEN must be an app-level token (xapp-...) with connections:write")
        if not bot_token:
            raise ValueError("SLACK_BOT_TOKEN is needed to update the escalations")
        self.engine = engine
        self.language = language
        self._bot_token = bot_token
        self._api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._timeout = timeout
        self._max_retries = max_retries
        web = WebClient(
            token=bot_token,
            base_url=self._api_url,
            timeout=timeout,
            retry_handlers=retry_handlers(max_retries, 0.5),
            logger=log,
        )
        self.client = SocketModeClient(
            app_token=app_token, web_client=web, ping_interval=ping_interval, logger=log, auto_reconnect_enabled=True
        )
        # registered once on the client, which keeps it across every reconnection
        self.client.socket_mode_request_listeners.append(self.on_request)
        self._stopped = threading.Event()

    def __repr__(self) -> str:  # never a token
        return f"VerdictListener(api_url={self._api_url!r})"

    # ------------------------------------------------------------ lifecycle
    def start(self) -> VerdictListener:
        ensure_verdicts_table(self.engine)
        self.client.connect()
        log.info("listening for case verdicts over Socket Mode")
        return self

    def close(self) -> None:
        self._stopped.set()
        self.client.close()

    def run_forever(self) -> None:
        """Start, then block until SIGINT or SIGTERM (a supervisor's stop)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stopped.set())
        self.start()
        try:
            while not self._stopped.wait(1.0):
                pass
        finally:
            self.client.close()

    # ------------------------------------------------------------ envelopes
    def on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        # Acknowledge first: anything slow (the warehouse, the Web API) comes after.
        if request.envelope_id:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        payload = request.payload or {}
        if request.type != "interactive" or payload.get("type") != "block_actions":
            return
        for action in payload.get("actions") or []:
            verdict = verdict_of(str(action.get("action_id", "")))
            if verdict is None:
                continue
            try:
                self.decide(payload, action, verdict, request.envelope_id)
            except Exception:  # one bad click must not stop the listener
                log.exception("verdict %s on case %s not handled", verdict, action.get("value"))

    def _sender(self, channel: str) -> SlackSender:
        return SlackSender(
            self._bot_token, channel, api_url=self._api_url, timeout=self._timeout, max_retries=self._max_retries
        )

    def _where(self, payload: Mapping[str, Any], case_id: str) -> tuple[str | None, str | None]:
        """(channel, ts) of the escalation clicked: from the payload, else from the ledger."""
        container = payload.get("container") or {}
        channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
        ts = (payload.get("message") or {}).get("ts") or container.get("message_ts")
        if channel and ts:
            return str(channel), str(ts)
        first = NotificationLedger(self.engine).first("case", case_id)
        if first is None:
            return None, None
        return channel or first.channel, ts or first.message_ts

    def _with_retries(self, work):
        for attempt in range(1, DB_ATTEMPTS + 1):
            try:
                return work()
            except sa.exc.OperationalError:
                if attempt == DB_ATTEMPTS:
                    raise
                time.sleep(0.5 * 2 ** (attempt - 1))

    def decide(self, payload: Mapping[str, Any], action: Mapping[str, Any], verdict: str, envelope_id: str) -> bool:
        """Record one click; on a new verdict update the escalation (and propose the allowlist)."""
        case_id = str(action.get("value") or "")
        user = payload.get("user") or {}
        reviewer = str(user.get("id") or "")
        reviewer_name = user.get("name") or user.get("username")
        note = note_of(payload)
        channel, ts = self._where(payload, case_id)
        action_key = f"{reviewer}:{action.get('action_ts') or envelope_id}"
        decided_at = _now()
        try:
            recorded = self._with_retries(
                lambda: record_case_verdict(
                    self.engine,
                    case_id,
                    verdict,
                    reviewer,
                    note,
                    action_key,
                    reviewer_name=reviewer_name,
                    envelope_id=envelope_id,
                    channel=channel,
                    message_ts=ts,
                    decided_at=decided_at,
                )
            )
        except UnknownCase:
            log.warning("verdict on unknown case %s ignored", case_id)
            return False
        if not recorded:
            log.info("verdict %s on case %s by %s already recorded (%s)", verdict, case_id, reviewer, action_key)
            return False
        log.info("verdict %s on case %s by %s recorded", verdict, case_id, reviewer)
        if not (channel and ts):
            log.warning("case %s: escalation message not found, nothing to update", case_id)
            return True
        sender = self._sender(channel)
        message = payload.get("message") or {}
        decided = decided_message(
            str(message.get("text") or ""),
            message.get("blocks") or [],
            verdict=verdict,
            reviewer=f"<@{reviewer}>",
            note=note,
            decided_at=decided_at,
            language=self.language,
        )
        try:
            sender.update(ts, decided, channel=channel)
            if verdict == "false_positive":
                with self.engine.connect() as conn:
                    accounts = case_accounts(conn, case_id)
                reply = allowlist_message(
                    accounts,
                    case_id=case_id,
                    reviewer=str(reviewer_name or reviewer),
                    decided_on=decided_at.date(),
                    language=self.language,
                )
                sender.post(reply, thread_ts=ts, label=f"case_{case_id}_allowlist")
        except NotificationDeliveryError as exc:
            # the verdict stands; the message is only its display
            log.error("case %s: verdict recorded, Slack not updated: %s", case_id, exc)
        return True


def listen(engine: sa.Engine | None = None) -> int:
    """`riskflows slack listen`: run until stopped, with the tokens from the environment."""
    from riskflows import settings
    from riskflows.warehouse import make_engine

    app_token, bot_token = settings.slack_app_token(), settings.slack_bot_token()
    if not app_token or not bot_token:
        log.error("set SLACK_APP_TOKEN (xapp-..., connections:write) and SLACK_BOT_TOKEN (xoxb-...)")
        return 2
    listener = VerdictListener(
        engine or make_engine(settings.warehouse_url()),
        app_token=app_token,
        bot_token=bot_token,
        api_url=settings.slack_api_url(),
        language=settings.slack_language(),
    )
    listener.run_forever()
    return 0

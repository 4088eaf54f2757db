"""Getting a message to the risk channel: Slack's Web API, or a local outbox.

Both senders share one interface (post, update, upload_file into a thread), so the
publishing logic cannot tell a demo from production. `SlackSender` wraps slack_sdk's
WebClient with a configurable base_url and its retry handlers: 429 (honouring
Retry-After), 5xx and connection errors or timeouts. The bot token never leaves this
module: errors are re-raised as `NotificationDeliveryError` with the token redacted and
the original exception (which could carry request details) dropped, and slack_sdk's own
log records are redacted too.

`OutboxSender` writes what would have been sent to a directory: per message a Block Kit
JSON file and a plain-text rendering, plus every attachment, so a person can read exactly
what Slack would have shown.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from http.client import RemoteDisconnected
from pathlib import Path
from typing import Protocol
from urllib.error import HTTPError, URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from riskflows.notify.messages import Message, render_plain_text
from riskflows.notify.privacy import REDACTED_SECRET

DEFAULT_API_URL = "https://slack.com/api/"
_TOKEN_SHAPE = re.compile(r"xox[a-z]-[0-9A-Za-z-]+")


class NotificationDeliveryError(RuntimeError):
    """Slack did not take a message after every retry. The text never holds the token."""


class Sender(Protocol):
    """Where notifications go. `channel` is the default for every call."""

    channel: str

    def post(self, message: Message, *, thread_ts: str | None = None, label: str | None = None) -> str:
        """Post a message; return its ts."""

    def update(self, ts: str, message: Message, *, channel: str | None = None) -> str:
        """Replace the content of the message at ts; return its ts."""

    def upload_file(
        self, content: bytes, *, filename: str, title: str, thread_ts: str, label: str | None = None
    ) -> str:
        """Upload a file into the thread of ts; return the file id."""


# ---------------------------------------------------------------- redaction


def redact(value: str, token: str | None) -> str:
    """`value` without the token (or anything shaped like a Slack token)."""
    if token:
        value = value.replace(token, REDACTED_SECRET)
    return _TOKEN_SHAPE.sub(REDACTED_SECRET, value)


class _RedactingFilter(logging.Filter):
    """Redacts every token a sender in this process was given, plus token-shaped text."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for token in self.tokens:
            message = message.replace(token, REDACTED_SECRET)
        record.msg, record.args = redact(message, None), None
        return True


_redacting_filter = _RedactingFilter()
_sdk_logger = logging.getLogger("riskflows.notify.slack_sdk")
_sdk_logger.addFilter(_redacting_filter)


# ---------------------------------------------------------------- Slack


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's server-error handler retries 500 and 503 only; a 502 or 504 from a
    proxy in front of Slack is just as passing."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


def retry_handlers(max_retries: int, backoff_factor: float) -> list[RetryHandler]:
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff_factor)
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),  # sleeps Retry-After
        AnyServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
        ConnectionErrorRetryHandler(
            max_retry_count=max_retries,
            interval_calculator=interval,
            # A read timeout surfaces as a bare TimeoutError, which the default list misses.
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError, ConnectionError],
        ),
    ]


class SlackSender:
    """Posts through Slack's Web API as the risk bot."""

    def __init__(
        self,
        token: str,
        channel: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: int = 30,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
    ) -> None:
        if not token:
            raise ValueError("SlackSender needs a bot token; without one use OutboxSender")
        self.channel = channel
        self._token = token
        self._max_retries = max_retries
        self._backoff = backoff_factor
        _redacting_filter.tokens.add(token)
        self._client = WebClient(
            token=token,
            base_url=api_url if api_url.endswith("/") else api_url + "/",
            timeout=timeout,
            retry_handlers=retry_handlers(max_retries, backoff_factor),
            logger=_sdk_logger,
        )

    def __repr__(self) -> str:  # never the token, even in a debugger or a log line
        return f"SlackSender(channel={self.channel!r})"

    def _fail(self, action: str, exc: Exception) -> NotificationDeliveryError:
        if isinstance(exc, SlackApiError):
            detail = f"Slack answered {exc.response.status_code}: {exc.response.get('error', 'unknown error')}"
        elif isinstance(exc, HTTPError):
            detail = f"HTTP {exc.code}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        return NotificationDeliveryError(
            redact(f"{action} to {self.channel} failed after retries: {detail}", self._token)
        )

    def post(self, message: Message, *, thread_ts: str | None = None, label: str | None = None) -> str:
        try:
            resp = self._client.chat_postMessage(
                channel=self.channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts, unfurl_links=False
            )
        except (SlackClientError, OSError) as exc:
            raise self._fail("chat.postMessage", exc) from None
        return str(resp["ts"])

    def update(self, ts: str, message: Message, *, channel: str | None = None) -> str:
        try:
            resp = self._client.chat_update(
                channel=channel or self.channel, ts=ts, text=message.text, blocks=message.blocks
            )
        except (SlackClientError, OSError) as exc:
            raise self._fail("chat.update", exc) from None
        return str(resp["ts"])

    def upload_file(
        self, content: bytes, *, filename: str, title: str, thread_ts: str, label: str | None = None
    ) -> str:
        # files_upload_v2 sends the bytes to the upload URL with plain urllib, outside the
        # WebClient's retry handlers: retry that whole three-step exchange here. A file
        # uploaded but never completed is discarded by Slack, so a retry cannot duplicate.
        attempt = 0
        while True:
            try:
                resp = self._client.files_upload_v2(
                    channel=self.channel, thread_ts=thread_ts, content=content, filename=filename, title=title
                )
                files = resp.get("files") or [resp.get("file") or {}]
                return str(files[0].get("id", ""))
            except (HTTPError, URLError, TimeoutError, ConnectionError, SlackRequestError) as exc:
                retryable = not isinstance(exc, HTTPError) or exc.code >= 500 or exc.code == 429
                if isinstance(exc, SlackRequestError) and "Failed to upload" not in str(exc):
                    retryable = False
                if not retryable or attempt >= self._max_retries:
                    raise self._fail("file upload", exc) from None
                attempt += 1
                time.sleep(self._backoff * (2 ** (attempt - 1)))
            except (SlackClientError, OSError) as exc:
                raise self._fail("file upload", exc) from None


# ---------------------------------------------------------------- outbox


class OutboxSender:
    """Writes what would be sent to `directory` (default .riskflows/outbox/)."""

    _lock = threading.Lock()

    def __init__(self, directory: str | Path = ".riskflows/outbox", channel: str = "#risk-alerts") -> None:
        self.directory = Path(directory)
        self.channel = channel

    def __repr__(self) -> str:
        return f"OutboxSender(directory={str(self.directory)!r}, channel={self.channel!r})"

    def _new_ts(self) -> str:
        # Slack ts look like "1714567890.123456"; keep the shape and make them unique here.
        with self._lock:
            ts = f"{time.time():.6f}"
            while list(self.directory.glob(f"*__{ts}.json")):
                time.sleep(0.000001)
                ts = f"{time.time():.6f}"
            return ts

    @staticmethod
    def _safe(label: str | None) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", label or "message")

    def _write(self, path: Path, message: Message, *, channel: str, ts: str, thread_ts: str | None) -> None:
        payload = {"channel": channel, "ts": ts, "thread_ts": thread_ts, "text": message.text, "blocks": message.blocks}
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        path.with_suffix(".txt").write_text(render_plain_text(message), encoding="utf-8")

    def post(self, message: Message, *, thread_ts: str | None = None, label: str | None = None) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        ts = self._new_ts()
        self._write(
            self.directory / f"{self._safe(label)}__{ts}.json",
            message,
            channel=self.channel,
            ts=ts,
            thread_ts=thread_ts,
        )
        return ts

    def update(self, ts: str, message: Message, *, channel: str | None = None) -> str:
        matches = sorted(self.directory.glob(f"*__{ts}.json"))
        if not matches:
            raise NotificationDeliveryError(f"outbox has no message {ts} to update in {self.directory}")
        previous = json.loads(matches[0].read_text(encoding="utf-8"))
        self._write(
            matches[0], message, channel=channel or previous["channel"], ts=ts, thread_ts=previous.get("thread_ts")
        )
        return ts

    def upload_file(
        self, content: bytes, *, filename: str, title: str, thread_ts: str, label: str | None = None
    ) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{self._safe(label)}__{thread_ts}__{self._safe(filename)}"
        (self.directory / stem).write_bytes(content)
        meta = {
            "channel": self.channel,
            "thread_ts": thread_ts,
            "filename": filename,
            "title": title,
            "bytes": len(content),
        }
        (self.directory / f"{stem}.upload.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return f"outbox:{stem}"

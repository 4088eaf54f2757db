"""A loopback stand-in for Slack's Web API, spoken to over real HTTP by slack_sdk.

It listens on 127.0.0.1 on a random port, records every request (method, headers, raw
body, parsed parameters), keeps the messages and files it accepted, and can misbehave on
purpose for the first N calls of a method: answer 429 with Retry-After, answer 5xx, or
answer slowly enough that the client times out.

Methods: auth.test, chat.postMessage, chat.update, files.getUploadURLExternal, the upload
URL itself (method name "upload"), files.completeUploadExternal, and apps.connections.open
(with the app-level token; answers `socket_url`, a Socket Mode double's ws:// URL).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int | None = None
    delay: float = 0.0  # seconds before answering (a timeout test sets it above the client's timeout)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, Any]
    status: int = 200


@dataclass
class SlackDouble:
    token: str = "xoxb-test-double-token"
    app_token: str = "xapp-test-double-token"
    socket_url: str | None = None  # what apps.connections.open hands out
    requests: list[Recorded] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # ts -> {channel, text, blocks, thread_ts}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> {filename, bytes, title, ...}
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ control
    def start(self) -> SlackDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                double._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def inject(
        self, method: str, status: int, *, times: int = 1, retry_after: int | None = None, delay: float = 0.0
    ) -> None:
        """The next `times` calls of `method` answer `status` (after `delay` seconds)."""
        with self._lock:
            self._faults.setdefault(method, []).append(Fault(status, times, retry_after, delay))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def calls(self, method: str, *, ok_only: bool = False) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and (not ok_only or r.status == 200)]

    def everything_received(self) -> str:
        """All request bodies and uploaded bytes, decoded leniently: for privacy checks."""
        chunks = [r.body.decode("utf-8", "replace") for r in self.requests]
        chunks += [json.dumps(r.params, ensure_ascii=False) for r in self.requests]
        return "\n".join(chunks)

    # ------------------------------------------------------------ serving
    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self._faults.get(method, []):
                if fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = h.path.split("?")[0]
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/upload/"):
            method = "upload"
        else:
            method = path
        ctype = h.headers.get("Content-Type", "")
        params: dict[str, Any] = {}
        if method != "upload":
            if "json" in ctype:
                params = json.loads(body or b"{}")
            elif "x-www-form-urlencoded" in ctype:
                params = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        rec = Recorded(method, h.path, dict(h.headers.items()), body, params)
        with self._lock:
            self.requests.append(rec)
        fault = self._take_fault(method)
        if fault is not None:
            rec.status = fault.status
            if fault.delay:
                time.sleep(fault.delay)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._reply(h, fault.status, {"ok": False, "error": "injected"}, headers)
            return
        expected = self.app_token if method == "apps.connections.open" else self.token
        if method != "upload" and h.headers.get("Authorization") != f"Bearer {expected}":
            self._reply(h, 200, {"ok": False, "error": "invalid_auth"})
            return
        try:
            payload = self._answer(method, params, body, path)
        except KeyError as exc:
            payload = {"ok": False, "error": f"missing_argument:{exc}"}
        if payload is None:
            rec.status = 404
            self._reply(h, 404, {"ok": False, "error": "unknown_method"})
        else:
            self._reply(h, 200, payload)

    def _answer(self, method: str, params: dict[str, Any], body: bytes, path: str) -> dict[str, Any] | None:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team_id": "T1"}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "no_socket"}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            blocks = params.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            with self._lock:
                self.messages[ts] = {
                    "channel": params["channel"],
                    "text": params.get("text"),
                    "blocks": blocks,
                    "thread_ts": params.get("thread_ts"),
                    "updates": 0,
                }
            return {"ok": True, "channel": params["channel"], "ts": ts}
        if method == "chat.update":
            ts = params["ts"]
            with self._lock:
                if ts not in self.messages:
                    return {"ok": False, "error": "message_not_found"}
                msg = self.messages[ts]
                msg.update(text=params.get("text"), blocks=params.get("blocks"))
                msg["updates"] += 1
            return {"ok": True, "channel": params["channel"], "ts": ts}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            with self._lock:
                self.files[file_id] = {
                    "filename": params["filename"],
                    "length": int(params["length"]),
                    "bytes": None,
                    "completed": False,
                }
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "upload":
            file_id = path.rsplit("/", 1)[-1]
            with self._lock:
                self.files[file_id]["bytes"] = body
            return {"ok": True}
        if method == "files.completeUploadExternal":
            done = []
            for f in json.loads(params["files"]):
                with self._lock:
                    entry = self.files[f["id"]]
                    if entry["bytes"] is None:
                        return {"ok": False, "error": "file_not_uploaded"}
                    entry.update(
                        completed=True,
                        title=f.get("title"),
                        channel=params.get("channel_id"),
                        thread_ts=params.get("thread_ts"),
                    )
                done.append({"id": f["id"], "title": f.get("title")})
            return {"ok": True, "files": done}
        return None

    @staticmethod
    def _reply(
        h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test): nothing to answer

    def completed_files(self) -> list[dict[str, Any]]:
        return [f for f in self.files.values() if f.get("completed")]

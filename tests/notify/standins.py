"""Loopback stand-ins for Telegram's Bot API and a Discord webhook that record what they
receive and answer as the real services document it (including 429 with ``retry_after``).

Each runs a threaded stdlib HTTP server on 127.0.0.1 in the test process, so CLI runs in
a subprocess reach it over real HTTP. ``refuse(...)`` queues answers for the next requests;
with nothing queued the request is accepted.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TELEGRAM_TOKEN = "7081234567:AAHf3kQz9x-Telegram_Test_Token_0123456789"
DISCORD_ID = "1180000000000000042"
DISCORD_TOKEN = "Xy7_secretDiscordWebhookToken-abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Received:
    path: str
    body: Any
    headers: dict[str, str]
    at: float


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class _StandIn:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rejected: list[Received] = []
        self.script: deque[Answer] = deque()
        #: answer every request with this (a channel that stays broken)
        self.always: Answer | None = None
        self._cond = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                record = Received(self.path, body, dict(self.headers), time.monotonic())
                answer = stand_in.answer(record)
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def refuse(self, *answers: Answer) -> None:
        with self._cond:
            self.script.extend(answers)

    def answer(self, record: Received) -> Answer:
        with self._cond:
            answer = self.always or (self.script.popleft() if self.script else None)
            if answer is None:
                answer = self.accept(record)
            if answer.status < 300:
                self.received.append(record)
            else:
                self.rejected.append(record)
            self._cond.notify_all()
            return answer

    def accept(self, record: Received) -> Answer:
        raise NotImplementedError

    def texts(self) -> list[str]:
        with self._cond:
            return [self.text_of(r) for r in self.received]

    def text_of(self, record: Received) -> str:
        raise NotImplementedError

    def wait_for(self, predicate, timeout: float = 60.0) -> list[str]:
        """Block until ``predicate(texts)`` holds; the texts received so far."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                texts = [self.text_of(r) for r in self.received]
                if predicate(texts):
                    return texts
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{type(self).__name__} received only {texts!r}")
                self._cond.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TelegramStandIn(_StandIn):
    def __init__(self, token: str = TELEGRAM_TOKEN) -> None:
        self.token = token
        super().__init__()

    def accept(self, record: Received) -> Answer:
        if record.path != f"/bot{self.token}/sendMessage":
            return Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        body = record.body if isinstance(record.body, dict) else {}
        if not body.get("chat_id") or not body.get("text"):
            return Answer(
                400,
                {"ok": False, "error_code": 400, "description": "Bad Request: message is empty"},
            )
        return Answer(
            200,
            {
                "ok": True,
                "result": {
                    "message_id": len(self.received) + 1,
                    "chat": {"id": body["chat_id"]},
                    "text": body["text"],
                },
            },
        )

    @staticmethod
    def too_many(retry_after: int) -> Answer:
        return Answer(
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
        )

    def text_of(self, record: Received) -> str:
        return record.body["text"]


class DiscordStandIn(_StandIn):
    def __init__(self) -> None:
        super().__init__()
        self.path = f"/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"

    @property
    def webhook_url(self) -> str:
        return self.base_url + self.path

    def accept(self, record: Received) -> Answer:
        if record.path != self.path:
            return Answer(404, {"message": "Unknown Webhook", "code": 10015})
        return Answer(204, None, {"X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "1"})

    @staticmethod
    def too_many(retry_after: float) -> Answer:
        return Answer(
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            {"Retry-After": str(max(1, round(retry_after)))},
        )

    @staticmethod
    def unknown_webhook() -> Answer:
        return Answer(404, {"message": "Unknown Webhook", "code": 10015})

    def text_of(self, record: Received) -> str:
        return record.body["content"]

"""A hostile provider on 127.0.0.1 for tests: it forwards every request to an upstream (a
real sandbox) unless a scripted rule matches, and then answers the way a broken or hostile
provider would: a body that trickles in a byte at a time, JSON nested a thousand levels,
an answer about another record, numbers beyond 64 bits, a local-state name as a status,
an oversized body, or any canned status, headers and body.

    standin = StandIn(upstream=sandbox.base_url)
    standin.script("GET", "/v1/wallet", rewrite=lambda data: {**data, "availableBalance": -5})
    standin.script("POST", "/v1/orders", drip=0.25, count=1)
    ... SkinsNodeClient(standin.url, ...) / SkinslinkClient(standin.url + "/api/v1", ...)

A rule applies to requests whose method matches and whose path starts with ``path`` (the
path and query when ``path`` has a ``?``), at most ``count`` times (every time when
``None``); the newest matching rule wins.
``rewrite`` gets the upstream's decoded JSON and returns the JSON to send (encoded
exactly, ``Decimal`` as a number) or ``bytes`` to send verbatim. ``reply`` is a canned
answer instead of the upstream's. ``drip`` sends the body one byte per ``drip`` seconds.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from skins_console.api.http import dumps_exact
from skins_console.core.money import loads_exact

#: 1,000 levels of nesting in about 6 kB: what broke the parser (#15).
DEEP_JSON = ('{"a":' * 1000 + "1" + "}" * 1000).encode()


@dataclass
class Canned:
    status: int = 200
    body: bytes | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: send the body in HTTP chunks without a Content-Length
    chunked: bool = False


@dataclass
class Rule:
    method: str
    path: str
    count: int | None = None
    reply: Canned | None = None
    rewrite: Callable[[Any], Any] | None = None
    drip: float | None = None
    hits: int = 0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    body: bytes
    scripted: bool


def encode(value: Any) -> bytes:
    return value if isinstance(value, (bytes, bytearray)) else dumps_exact(value)


class StandIn:
    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = urlsplit(upstream) if upstream else None
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                standin._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up mid-drip is the point, not an error

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # --- scripting -------------------------------------------------------------------

    def script(
        self,
        method: str,
        path: str,
        *,
        count: int | None = None,
        reply: Canned | None = None,
        rewrite: Callable[[Any], Any] | None = None,
        drip: float | None = None,
    ) -> Rule:
        rule = Rule(method.upper(), path, count, reply, rewrite, drip)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def requests(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and s.path.startswith(path)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- serving ---------------------------------------------------------------------

    def _rule_for(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in reversed(self.rules):
                # A rule with a query (``…/status?merchant_tx_id=x``) matches the full target.
                target = path if "?" in rule.path else urlsplit(path).path
                if rule.method != method or not target.startswith(rule.path):
                    continue
                if rule.count is not None and rule.hits >= rule.count:
                    continue
                rule.hits += 1
                return rule
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        method, path = handler.command, handler.path
        rule = self._rule_for(method, path)
        with self._lock:
            self.seen.append(Seen(method, path, body, rule is not None))
        if rule is not None and rule.reply is not None:
            answer = Canned(rule.reply.status, encode(rule.reply.body), dict(rule.reply.headers))
            answer.chunked = rule.reply.chunked
        else:
            answer = self._forward(handler, body)
        if rule is not None and rule.rewrite is not None:
            answer.body = encode(rule.rewrite(loads_exact(answer.body)))
        self._answer(handler, answer, drip=rule.drip if rule else None)

    def _forward(self, handler: BaseHTTPRequestHandler, body: bytes) -> Canned:
        if self.upstream is None:
            return Canned(404, b'{"message":"no upstream"}')
        connection = http.client.HTTPConnection(
            self.upstream.hostname, self.upstream.port, timeout=30
        )
        try:
            headers = {
                k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")
            }
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() in ("content-type", "retry-after")
            }
            return Canned(response.status, data, kept)
        finally:
            connection.close()

    def _answer(
        self, handler: BaseHTTPRequestHandler, answer: Canned, *, drip: float | None
    ) -> None:
        body = encode(answer.body)
        try:
            handler.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            for key, value in headers.items():
                handler.send_header(key, value)
            if answer.chunked:
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if answer.chunked:
                step = 64 * 1024
                for start in range(0, len(body), step):
                    piece = body[start : start + step]
                    handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                handler.wfile.write(b"0\r\n\r\n")
            elif drip:
                for index in range(len(body)):
                    handler.wfile.write(body[index : index + 1])
                    handler.wfile.flush()
                    time.sleep(drip)
            else:
                handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True

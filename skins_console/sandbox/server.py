"""The HTTP server and the ``Sandbox`` object that owns it.

One origin serves SkinsNode (``/v1``), Skinslink (``/api/v1/merchant``), item pictures
(``/static/items``) and the sandbox's own control routes (``/_sandbox``). It is a threaded
stdlib server speaking HTTP/1.1 keep-alive, in a daemon thread, so tests, the GUI's demo
mode and ``skins-console sandbox serve`` all run the very same code.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from skins_console.sandbox import control
from skins_console.sandbox.catalog import Catalog
from skins_console.sandbox.clock import SandboxClock
from skins_console.sandbox.config import SandboxConfig
from skins_console.sandbox.faults import FaultRule, Faults, parse_rule
from skins_console.sandbox.http_types import DROP, Request, Response, json_response
from skins_console.sandbox.images import ImageCache
from skins_console.sandbox.scheduler import Scheduler
from skins_console.sandbox.skinslink import Skinslink, fail
from skins_console.sandbox.skinslink_purchases import send_purchase_webhook
from skins_console.sandbox.skinsnode import SkinsNode
from skins_console.sandbox.webhooks import WebhookDispatcher
from skins_console.sandbox.world import World

log = logging.getLogger(__name__)
MAX_BODY = 8 * 1024 * 1024
_ITEM_PNG = re.compile(r"/static/items/([0-9a-f-]{36})\.png")
_ORDER = re.compile(r"/v1/orders/([^/]+)")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SkinsSandbox/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cast(_Server, self.server).track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            cast(_Server, self.server).track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            try:
                length = int(length_text or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                self._write(
                    Response(
                        413 if length > MAX_BODY else 400, b'{"message":"bad Content-Length"}'
                    ),
                    close=True,
                )
                return
            body = self.rfile.read(length) if length else b""
        request = Request.build(self.command, self.path, self.headers, body, self.client_address[0])
        result = cast(_Server, self.server).app.handle(request)
        if not isinstance(result, Response):  # DROP: close without an answer
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._write(result)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, response: Response, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        # Headers and body leave in one write: two small writes would meet the client's
        # delayed ACK and cost ~40 ms per request.
        buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
        buffer.append(b"\r\n")
        if self.command != "HEAD":
            buffer.append(response.body)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app: Sandbox) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise still be answered after stop().
        with self._conn_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Sandbox:
    """Both provider APIs on one loopback origin. ``with Sandbox(config) as sb: …``"""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.config.validate()
        self.clock = SandboxClock(self.config.speed)
        self.lock = threading.RLock()
        self.scheduler = Scheduler(self.clock, self.lock)
        self.webhooks = WebhookDispatcher(self.clock, self.scheduler)
        self.world = World(self.config, self.clock, self.lock, self.scheduler, self.webhooks)
        self.faults = Faults(self.config.seed)
        self.faults.replace([parse_rule(rule) for rule in self.config.faults])
        self.images = ImageCache()
        self.requests: dict[str, int] = {}
        # Built by start() (they need the bound address) and rebuilt by reset().
        self._catalog: Catalog | None = None
        self._skinsnode: SkinsNode | None = None
        self._skinslink: Skinslink | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = []

    # --- life cycle --------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._server = _Server((self.config.host, self.config.port), self)
        host = self.config.host
        if host in ("0.0.0.0", "", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        self.world.base_url = self.base_url
        self._build_state()
        self._routes = self._route_table()
        self.scheduler.start()
        self.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def _build_state(self) -> None:
        self._catalog = Catalog(self.config.catalog_size, self.config.seed, self.base_url)
        self._skinsnode = SkinsNode(self.world, self._catalog)
        self._skinslink = Skinslink(self.world)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise RuntimeError("the sandbox is not started")
        return self._catalog

    @property
    def skinsnode(self) -> SkinsNode:
        if self._skinsnode is None:
            raise RuntimeError("the sandbox is not started")
        return self._skinsnode

    @property
    def skinslink(self) -> Skinslink:
        if self._skinslink is None:
            raise RuntimeError("the sandbox is not started")
        return self._skinslink

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.scheduler.stop()
        self.webhooks.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def skinsnode_base_url(self) -> str:
        return self.base_url

    @property
    def skinslink_base_url(self) -> str:
        """What a Skinslink client takes as base URL (its routes add ``/merchant/…``)."""
        return self.base_url + "/api/v1"

    # --- in-process helpers (the same operations as the control routes) ----------------

    def truth(self) -> dict[str, Any]:
        with self.lock:
            self.scheduler.run_due()
            return control.truth(self)

    def advance(self, seconds: float) -> None:
        """Jump sandbox time forward and run everything that fell due."""
        self.clock.advance(seconds)
        self.scheduler.run_due()
        self.scheduler.wake()

    def set_faults(self, rules: list[dict[str, Any]]) -> list[FaultRule]:
        parsed = [parse_rule(rule) for rule in rules]
        self.faults.replace(parsed)
        return parsed

    def add_faults(self, rules: list[dict[str, Any]]) -> list[FaultRule]:
        parsed = [parse_rule(rule) for rule in rules]
        self.faults.add(parsed)
        return parsed

    def script_order(self, external_id: str, outcome: str) -> None:
        with self.lock:
            self.skinsnode.script(external_id, outcome)

    def script_deposit(self, merchant_tx_id: str, outcome: str) -> None:
        with self.lock:
            self.skinslink.script(merchant_tx_id, outcome)

    def send_purchase_webhook(self, **spec: Any) -> dict[str, Any]:
        """One signed Skinslink purchase delivery (same as the control route)."""
        with self.lock:
            return send_purchase_webhook(self.skinslink, spec)

    def set_balance(self, cents: int) -> None:
        with self.lock:
            self.skinsnode.set_balance(cents)

    def reset(self) -> None:
        with self.lock:
            self.scheduler.clear()
            self.webhooks.clear()
            self.faults.clear()
            self.requests.clear()
            self._build_state()

    # --- dispatch ----------------------------------------------------------------------

    def _route_table(self):
        # Every route looks its provider up at call time: /_sandbox/reset rebuilds them.
        return [
            ("GET", re.compile(r"/v1/health"), lambda r: self.skinsnode.health(r)),
            ("GET", re.compile(r"/v1/wallet"), lambda r: self.skinsnode.wallet(r)),
            ("GET", re.compile(r"/v1/catalog"), lambda r: self.skinsnode.catalog_route(r)),
            ("POST", re.compile(r"/v1/orders"), lambda r: self.skinsnode.create_order(r)),
            ("GET", _ORDER, lambda r, ext: self.skinsnode.get_order(r, ext)),
            (
                "POST",
                re.compile(r"/api/v1/merchant/get-prices"),
                lambda r: self.skinslink.get_prices(r),
            ),
            (
                "POST",
                re.compile(r"/api/v1/merchant/create-deposit-by-hash-name"),
                lambda r: self.skinslink.create_deposit(r),
            ),
            (
                "GET",
                re.compile(r"/api/v1/merchant/deposit/status"),
                lambda r: self.skinslink.deposit_status(r),
            ),
        ]

    def handle(self, request: Request) -> Response | object:
        path = request.path
        if path.startswith("/_sandbox/"):
            try:
                return control.handle(self, request)
            except Exception:
                log.exception("sandbox control route failed")
                return json_response(500, {"error": "internal", "message": "control failed"})
        key = f"{request.method} {_route_key(path)}"
        with self.lock:
            self.requests[key] = self.requests.get(key, 0) + 1
        latency, rule = self.faults.pick(request.method, path)
        if latency:
            time.sleep(latency / 1000)
        if rule is not None and not rule.commit:
            return _spoil(rule, None, request)
        try:
            response = self._route(request)
        except Exception:
            log.exception("sandbox route %s failed", key)
            response = _internal(path)
        if rule is not None:
            return _spoil(rule, response, request)
        return response

    def _route(self, request: Request) -> Response:
        path = request.path
        if request.method == "GET":
            match = _ITEM_PNG.fullmatch(path)
            if match:
                return self._image(match.group(1))
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            allowed = True
            if method != request.method:
                continue
            with self.lock:
                self.scheduler.run_due()
                return handler(request, *match.groups())
        if path.startswith("/api/"):
            return fail(
                405 if allowed else 404, "method not allowed" if allowed else "not found error"
            )
        status = 405 if allowed else 404
        return json_response(
            status,
            {
                "statusCode": status,
                "error": "method_not_allowed" if allowed else "not_found",
                "message": f"No route for {request.method} {path}.",
            },
        )

    def _image(self, item_id: str) -> Response:
        entry = self._catalog.known(item_id) if self._catalog is not None else None
        if entry is None:
            return json_response(
                404, {"statusCode": 404, "error": "not_found", "message": "No such item picture."}
            )
        data = self.images.get(entry.rarity_color, entry.kind, entry.paint_seed or 0)
        return Response(200, data, {"Cache-Control": "public, max-age=86400"}, "image/png")


def _route_key(path: str) -> str:
    if _ORDER.fullmatch(path):
        return "/v1/orders/{externalId}"
    if _ITEM_PNG.fullmatch(path):
        return "/static/items/{id}.png"
    return path


def _internal(path: str) -> Response:
    if path.startswith("/api/"):
        return fail(500, "internal error")
    return json_response(
        500, {"statusCode": 500, "error": "internal", "message": "Internal server error."}
    )


def _spoil(rule: FaultRule, response: Response | None, request: Request) -> Response | object:
    path = request.path
    if rule.kind == "drop":
        return DROP
    if rule.kind == "malformed":
        status = response.status if response is not None else 200
        body = (response.body if response is not None else b'{"items":[{"id":')[:-7]
        return Response(status, body + b'{"trunc', {})
    if rule.kind == "rate_limit":
        body = (
            b'{"success":false,"message":"too many requests"}'
            if path.startswith("/api/")
            else b'{"statusCode":429,"error":"rate_limited","message":"Too many requests."}'
        )
        return Response(rule.status, body, {"Retry-After": str(rule.retry_after)})
    response = _provider_error(rule, path, request.client)
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    return response


def _provider_error(rule: FaultRule, path: str, client: str) -> Response:
    if path.startswith("/api/"):
        # Both official pages' 403 texts occur (Corrections 2), alternating per hit, so a
        # client that matches on the text instead of the status fails a test.
        forbidden = f"IP not whitelisted: {client}" if rule.hits % 2 else f"invalid IP: {client}"
        message = {
            403: forbidden,
            408: "timeout error",
            500: "integration service error",
            502: "bad gateway",
            503: "internal error",
        }.get(rule.status, "internal error")
        return fail(rule.status, message)
    code, message = _SKINSNODE_FAULTS.get(
        rule.status, ("server_error", "Service temporarily unavailable.")
    )
    return json_response(
        rule.status, {"statusCode": rule.status, "error": code, "message": message}
    )


_SKINSNODE_FAULTS = {
    403: ("forbidden", "Source IP is not allowed for this client."),
    500: ("internal", "Internal server error."),
    502: ("bad_gateway", "Upstream service unreachable."),
    504: ("gateway_timeout", "Upstream timed out."),
}

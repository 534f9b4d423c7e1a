"""The webhook listener's HTTP side, on aiohttp's server (a maintained HTTP/1.1 implementation).

The listener faces the internet through a tunnel, so parsing HTTP is left to a library that
is fuzzed and patched by others; this module only sets its limits and turns each request
into a plain ``Request`` for ``services/webhook_listener.py``. It runs on whatever loop is
current: headless (``skins-console webhooks serve``) and in the window on the qasync loop.

Limits, each answered with a 4xx and one rate-limited log line (never a 500, never a
traceback in the log):

* request head: 8 KiB per line, 64 header fields, 16 KiB in all (400 / 431);
* body: ``Content-Length`` or chunked, at most 512 KiB (413); a POST declaring neither
  gets 411; compressed bodies 415 (signatures cover the bytes as sent, and a small
  compressed body can expand to gigabytes);
* time: the head must arrive within ``READ_TIMEOUT`` of connecting (or of the previous
  response on a kept-alive connection), else the connection is closed; the body must
  follow within ``READ_TIMEOUT`` (408);
* connections: at most ``MAX_CONNECTIONS`` at once; more are answered 503 and closed.

aiohttp is imported when a listener starts, not when the app starts (it costs ~0.3 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 8 * 1024
MAX_HEADER_FIELDS = 64
MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 512 * 1024
READ_TIMEOUT = 10.0
MAX_CONNECTIONS = 64
#: How long a refused request's unread body is drained so the client sees the answer.
LINGER = 5.0
#: How long ``stop()`` lets handlers that are mid-transaction finish.
SHUTDOWN_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names; repeated fields joined with ", "
    body: bytes
    peer: str


@dataclass(slots=True)
class Response:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]


class RateLimitedLog:
    """One log line per event, but at most ``burst`` lines per ``period`` seconds for each
    kind of event: a flood of bad requests costs a few lines, not megabytes. Lines held
    back are counted and the count is reported with the next line of that kind."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = 5,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._burst = burst
        self._period = period
        self._clock = clock
        self._windows: dict[str, list[float]] = {}  # kind → [window start, lines, held back]

    def allow(self, kind: str) -> int | None:
        """None when this kind is over its budget (the event is counted as held back);
        otherwise how many events of this kind were held back since the last one allowed."""
        now = self._clock()
        window = self._windows.setdefault(kind, [now, 0, 0])
        if now - window[0] >= self._period:
            window[0], window[1] = now, 0
        if window[1] >= self._burst:
            window[2] += 1
            return None
        window[1] += 1
        held, window[2] = int(window[2]), 0
        return held

    def log(
        self,
        level: int,
        kind: str,
        message: str,
        *args: object,
        exc_info: BaseException | None = None,
    ) -> bool:
        """Write the line unless this kind is over its budget; True when written."""
        held = self.allow(kind)
        if held is None:
            return False
        if held:
            message += f" ({held} similar line{'s' if held > 1 else ''} held back)"
        self._logger.log(level, message, *args, exc_info=exc_info)
        return True

    def warning(self, kind: str, message: str, *args: object) -> bool:
        return self.log(logging.WARNING, kind, message, *args)

    def info(self, kind: str, message: str, *args: object) -> bool:
        return self.log(logging.INFO, kind, message, *args)


class _ServerLog:
    """What aiohttp's request handler logs through (its ``logger`` argument). aiohttp logs a
    malformed request with the parser's traceback; here it becomes one rate-limited line
    naming the problem, as for every other refusal."""

    def __init__(self, refusals: RateLimitedLog) -> None:
        self._refusals = refusals

    def exception(self, message: str, *args: object, exc_info: object = None, **_: Any) -> None:
        self._line(message, args, exc_info)

    error = warning = exception

    def info(self, message: str, *args: object, **_: Any) -> None:
        pass

    debug = info

    def _line(self, message: str, args: tuple[object, ...], exc_info: object) -> None:
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = message
        # aiohttp's wording names its own code path; the operator needs what was refused.
        text = text.replace("Error handling request from", "refused a malformed request from")
        if isinstance(exc_info, BaseException):
            text += f": {_short(exc_info)}"
        self._refusals.warning("http", "webhook listener: %s", text)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


class _Refused(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


class _Busy(asyncio.Protocol):
    """Answers a connection over the cap with 503 and closes it, without reading it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(_raw_response(503, {"error": "busy"}))
        transport.close()


def _raw_response(status: int, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} Service Unavailable\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + payload


class WebhookHttpServer:
    """``await start()`` binds; ``port`` is the bound port (useful with port 0)."""

    def __init__(
        self,
        handler: Handler,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        refusals: RateLimitedLog | None = None,
        max_connections: int = MAX_CONNECTIONS,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._handler = handler
        self._read_timeout = read_timeout
        self._host = host
        self._port = port
        self._max_connections = max_connections
        self.refusals = refusals or RateLimitedLog(log)
        self._web: web.Server | None = None
        self._tcp: asyncio.Server | None = None

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        if self._tcp is None or not self._tcp.sockets:
            return self._port
        return int(self._tcp.sockets[0].getsockname()[1])

    @property
    def requested_port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = self._host
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "[::1]"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._tcp is not None

    async def start(self) -> None:
        from aiohttp import web

        loop = asyncio.get_running_loop()
        server = web.Server(
            self._serve,
            access_log=None,
            logger=_ServerLog(self.refusals),
            keepalive_timeout=self._read_timeout,
            max_line_size=MAX_LINE_BYTES,
            max_field_size=MAX_LINE_BYTES,
            max_headers=MAX_HEADER_FIELDS,
            lingering_time=LINGER,
            auto_decompress=False,
        )

        def protocol() -> asyncio.BaseProtocol:
            if len(server.connections) >= self._max_connections:
                self.refusals.warning(
                    "busy", "webhook listener busy: %d connections open", self._max_connections
                )
                return _Busy()
            return server()

        self._tcp = await loop.create_server(protocol, self._host or None, self._port)
        self._web = server
        log.info("webhook listener on %s", self.url)

    async def stop(self) -> None:
        tcp, self._tcp = self._tcp, None
        server, self._web = self._web, None
        if tcp is None:
            return
        tcp.close()
        if server is not None:
            server.pre_shutdown()
            await server.shutdown(SHUTDOWN_TIMEOUT)
        await tcp.wait_closed()

    # --- one request ---------------------------------------------------------------------

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        peer = request.remote or "unknown"
        try:
            incoming = await self._read(request, peer)
        except _Refused as refused:
            self.refusals.warning(
                "refused",
                "webhook listener refused a request from %s: %s (HTTP %d)",
                peer,
                refused,
                refused.status,
            )
            return _json(refused.status, {"error": refused.code}, close=True)
        try:
            response = await self._handler(incoming)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A bug, not bad input (the fuzz test holds bad input to 4xx): the provider
            # retries a 500 later. Its traceback is worth having, but not once per request.
            self.refusals.log(
                logging.ERROR,
                "failed",
                "webhook handler failed for %s %s: %s: %s",
                incoming.method,
                incoming.path,
                type(exc).__name__,
                _short(exc),
                exc_info=exc,
            )
            response = Response(500, {"error": "internal error"})
        return _json(response.status, response.body)

    async def _read(self, request: web.BaseRequest, peer: str) -> Request:
        from aiohttp import web

        head = len(request.method) + len(request.raw_path) + 12
        head += sum(len(name) + len(value) + 4 for name, value in request.raw_headers)
        if head > MAX_HEADER_BYTES:
            raise _Refused(431, "headers_too_large", f"a {head}-byte request head")
        headers: dict[str, str] = {}
        for raw_name, raw_value in request.raw_headers:
            name = raw_name.decode("latin-1").strip().lower()
            # surrogateescape keeps the exact bytes recoverable for signature checks.
            value = raw_value.decode("utf-8", "surrogateescape").strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        try:
            path = request.path
            length = request.content_length
        except (ValueError, UnicodeError):
            raise _Refused(400, "bad_request", "an unreadable request target") from None
        method = request.method.upper()
        body = b""
        if method == "POST":
            encoding = headers.get("content-encoding", "identity").lower()
            if encoding not in ("", "identity"):
                raise _Refused(415, "unsupported_encoding", "a compressed body")
            chunked = "chunked" in headers.get("transfer-encoding", "").lower()
            if length is None and not chunked:
                raise _Refused(411, "length_required", "a POST without Content-Length")
            if length is not None and length > MAX_BODY_BYTES:
                raise _Refused(413, "body_too_large", f"a {length}-byte body")
            if headers.get("expect", "").lower() == "100-continue":
                # curl and some relays wait for this before sending a body over 1 KiB.
                await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                async with asyncio.timeout(self._read_timeout):
                    body = await _read_body(request)
            except TimeoutError:
                raise _Refused(408, "request_timeout", "the body was not sent in time") from None
            except web.RequestPayloadError as exc:
                raise _Refused(400, "bad_body", _short(exc)) from None
        return Request(method, path, headers, body, peer)


async def _read_body(request: web.BaseRequest) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, "body_too_large", f"a body over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(status: int, body: dict[str, Any], *, close: bool = False) -> web.Response:
    from aiohttp import web

    response = web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json"
    )
    if close:
        response.force_close()
    return response

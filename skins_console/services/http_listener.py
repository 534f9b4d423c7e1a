"""A small HTTP/1.1 server on asyncio streams, for receiving provider webhooks.

It runs on whatever loop is current, so the same code serves headless
(``skins-console webhooks serve``) and inside the GUI on the qasync loop. It speaks just
enough HTTP for webhook senders: one request per connection, ``Content-Length`` bodies (no
chunked uploads), bounded header and body sizes and a read deadline, so a slow or hostile
client cannot tie the listener up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 512 * 1024
READ_TIMEOUT = 10.0
_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    peer: str


@dataclass(slots=True)
class Response:
    status: int
    body: dict = field(default_factory=dict)

    def encode(self) -> bytes:
        payload = json.dumps(self.body).encode()
        head = (
            f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Status')}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n"
        )
        return head.encode("ascii") + payload


Handler = Callable[[Request], Awaitable[Response]]


class HttpListener:
    """``await start()`` binds; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._port
        return self._server.sockets[0].getsockname()[1]

    @property
    def host(self) -> str:
        return self._host

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self._host, self._port)
        log.info("webhook listener on %s", self.url)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in tuple(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        peer = writer.get_extra_info("peername")
        peer_text = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        try:
            try:
                request = await asyncio.wait_for(self._read(reader, peer_text), READ_TIMEOUT)
            except TimeoutError:
                response = Response(408, {"error": "request timed out"})
            except _BadRequest as exc:
                response = Response(exc.status, {"error": str(exc)})
            else:
                try:
                    response = await self._handler(request)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook handler failed for %s %s", request.method, request.path)
                    # 500 makes the provider retry later, which is what we want after a bug.
                    response = Response(500, {"error": "internal error"})
            writer.write(response.encode())
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def _read(self, reader: asyncio.StreamReader, peer: str) -> Request:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise _BadRequest(400, "headers too large") from None
        except asyncio.IncompleteReadError:
            raise _BadRequest(400, "incomplete request") from None
        if len(head) > MAX_HEADER_BYTES:
            raise _BadRequest(400, "headers too large")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            raise _BadRequest(400, "malformed request line") from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(400, "malformed header")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise _BadRequest(411, "chunked bodies are not accepted; send Content-Length")
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise _BadRequest(400, "bad Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise _BadRequest(413, "body too large")
        body = await reader.readexactly(length) if length else b""
        path = target.split("?", 1)[0]
        return Request(method.upper(), path, headers, body, peer)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status

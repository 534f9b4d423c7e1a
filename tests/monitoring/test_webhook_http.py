"""The listener's HTTP edge over real loopback sockets: limits, malformed requests, floods.

Every bad request gets a 4xx (or, over the connection cap, 503 without being read), never a
500, and leaves at most a few rate-limited log lines without tracebacks.
"""

from __future__ import annotations

import asyncio
import gzip
import logging

import httpx

from skins_console.services.webhook_http import (
    MAX_BODY_BYTES,
    RateLimitedLog,
    Request,
    Response,
    WebhookHttpServer,
)
from skins_console.services.webhook_listener import HEALTH_PATH, SKINSLINK_PATH, SKINSNODE_PATH
from tests.monitoring.webhook_support import (
    no_tracebacks,
    quiet_listener,  # noqa: F401  (fixture)
    raw_exchange,
    status_of,
    store_counts,
)


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


async def test_deeply_nested_json_flood_gets_4xx_and_a_few_log_lines(quiet_listener, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    _sandbox, ctx, listener = quiet_listener
    counts = await store_counts(ctx)
    body = _nested(1000)  # about 6 kB, as in the outside campaign
    async with httpx.AsyncClient(timeout=10) as http:
        answers = []
        for n in range(200):
            path = (SKINSLINK_PATH, SKINSNODE_PATH, "/hooks")[n % 3]
            answers.append(await http.post(listener.url + path, content=body))
    assert {a.status_code for a in answers} <= {400, 401}
    assert {a.json()["error"] for a in answers} <= {"malformed", "missing_header"}
    assert no_tracebacks(caplog.records) == []
    # The server's side of the log (the test's own HTTP client logs every request).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert 1 <= len(server) <= 12
    assert sum(len(r.getMessage()) for r in server) < 3000
    assert await store_counts(ctx) == counts
    assert listener.stats.rejected == 200


async def test_body_limits(quiet_listener):  # noqa: F811
    _sandbox, _ctx, listener = quiet_listener
    async with httpx.AsyncClient(timeout=10) as http:
        declared = await http.post(
            listener.url + SKINSLINK_PATH, content=b"x" * (MAX_BODY_BYTES + 1)
        )
        assert declared.status_code == 413 and declared.json()["error"] == "body_too_large"

        async def chunks():
            for _ in range(20):
                yield b"y" * 64 * 1024

        chunked = await http.post(listener.url + SKINSLINK_PATH, content=chunks())
        assert chunked.status_code == 413
        packed = gzip.compress(b"{}" * 1000)
        compressed = await http.post(
            listener.url + SKINSLINK_PATH,
            content=packed,
            headers={"content-encoding": "gzip"},
        )
        assert compressed.status_code == 415

        # A small chunked body is fine (tunnels may re-chunk what they forward).
        async def small():
            yield b'{"trade_id": 1, '
            yield b'"sign": "x"}'

        small_chunked = await http.post(listener.url + SKINSLINK_PATH, content=small())
        assert small_chunked.status_code == 401
    no_length = await raw_exchange(
        listener.port, b"POST /webhooks/skinsnode HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert status_of(no_length) == 411


async def test_malformed_http_gets_400_and_no_traceback(quiet_listener, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    _sandbox, _ctx, listener = quiet_listener
    bad = [
        b"GARBAGE\r\n\r\n",
        b"POST /webhooks/skinsnode HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /webhooks/skinsnode HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
        b"POST /x HTTP/1.1\r\nX-Long: " + b"v" * 9000 + b"\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)),  # TLS hello
        b"POST /webhooks/skinsnode HTTP/1.1\r\nx-timestamp: \xff\xfe\r\n"
        b"Content-Length: 2\r\n\r\n{}",
    ]
    for data in bad:
        answer = await raw_exchange(listener.port, data)
        assert answer == b"" or 400 <= status_of(answer) < 500, (data[:40], answer[:100])
    # Many fields of legal length: too large a head in all.
    fields = b"".join(b"X-F%d: %s\r\n" % (n, b"v" * 4000) for n in range(6))
    answer = await raw_exchange(
        listener.port, b"POST /x HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n"
    )
    assert status_of(answer) == 431
    assert no_tracebacks(caplog.records) == []
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(listener.url + HEALTH_PATH)).status_code == 200
        assert (await http.get(listener.url + "/nothing")).status_code == 404
        assert (await http.put(listener.url + SKINSNODE_PATH, content=b"{}")).status_code == 405


async def _echo(request: Request) -> Response:
    return Response(200, {"path": request.path, "size": len(request.body)})


async def test_slow_body_gets_408_and_a_silent_connection_is_closed():
    server = WebhookHttpServer(_echo, "127.0.0.1", 0, read_timeout=0.3)
    await server.start()
    try:
        slow_body = await raw_exchange(
            server.port, b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12"
        )
        assert status_of(slow_body) == 408
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST /x HTTP/1.1\r\nHost: slow")  # the head never ends
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 15) == b""  # closed by the server
        writer.close()
        ok = await raw_exchange(
            server.port, b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"
        )
        assert status_of(ok) == 200
    finally:
        await server.stop()


async def test_expect_100_continue_is_answered_before_the_body():
    server = WebhookHttpServer(_echo, "127.0.0.1", 0)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2000\r\n\r\n"
        )
        await writer.drain()
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert interim.startswith(b"HTTP/1.1 100")
        writer.write(b"{" + b" " * 1998 + b"}")
        await writer.drain()
        final = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert status_of(final) == 200
        writer.close()
    finally:
        await server.stop()


async def test_connection_cap_answers_503_without_reading():
    refusals = RateLimitedLog(logging.getLogger("test.webhook.cap"))
    server = WebhookHttpServer(_echo, "127.0.0.1", 0, max_connections=2, refusals=refusals)
    await server.start()
    idle = []
    try:
        for _ in range(2):
            idle.append(await asyncio.open_connection("127.0.0.1", server.port))
        await asyncio.sleep(0)  # let the server accept both
        busy = await raw_exchange(server.port, b"GET /x HTTP/1.1\r\n\r\n")
        assert status_of(busy) == 503 and b'"busy"' in busy
    finally:
        for _reader, writer in idle:
            writer.close()
    # Freed slots serve again (the server notices the closes on its next loop turns).
    for _ in range(100):
        answer = await raw_exchange(
            server.port, b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"
        )
        if status_of(answer) == 200:
            break
        await asyncio.sleep(0.05)
    assert status_of(answer) == 200
    await server.stop()


def test_rate_limited_log_holds_back_and_reports_the_count(caplog):
    caplog.set_level(logging.INFO, logger="test.webhook.rate")
    now = [0.0]
    limited = RateLimitedLog(
        logging.getLogger("test.webhook.rate"), burst=3, period=60, clock=lambda: now[0]
    )
    written = [limited.warning("bad", "bad request %d", n) for n in range(10)]
    assert written == [True] * 3 + [False] * 7
    assert limited.warning("other", "another kind") is True  # budgets are per kind
    now[0] = 61.0
    assert limited.warning("bad", "bad request again") is True
    lines = [r.getMessage() for r in caplog.records]
    assert lines[-1] == "bad request again (7 similar lines held back)"
    assert len(lines) == 5


async def test_a_handler_bug_gets_500_and_a_rate_limited_traceback(caplog):
    caplog.set_level(logging.INFO, logger="test.webhook.bug")

    async def broken(request: Request) -> Response:
        raise RuntimeError(f"bug on {request.path}")

    refusals = RateLimitedLog(logging.getLogger("test.webhook.bug"), burst=3)
    server = WebhookHttpServer(broken, "127.0.0.1", 0, refusals=refusals)
    await server.start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answers = [await http.post(server.url + "/x", content=b"{}") for _ in range(20)]
    finally:
        await server.stop()
    assert {a.status_code for a in answers} == {500}
    assert {a.json()["error"] for a in answers} == {"internal error"}
    errors = [r for r in caplog.records if r.name == "test.webhook.bug"]
    assert len(errors) == 3 and all(r.exc_info for r in errors)
    assert "RuntimeError: bug on /x" in errors[0].getMessage()

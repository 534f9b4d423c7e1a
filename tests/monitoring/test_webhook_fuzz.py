"""Fuzzing the webhook listener (hypothesis, bounded budget, part of the normal suite).

Requests are built as raw bytes and sent over a real loopback socket to a real listener
(sandbox profile, real SQLite file): random methods, paths, header bytes, framing and
bodies, including deliveries correctly signed with the profile's real secrets, so the
generated input also reaches the code after the signature checks. Whatever arrives, the
answer is never a 5xx and the log never holds a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skins_console.api.webhook_signatures import (
    sign_skinsnode,
    skinslink_sign,
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.errors import WebhookRejected
from skins_console.core.models import format_time, utcnow
from skins_console.services.webhook_listener import HEALTH_PATH, SKINSLINK_PATH, SKINSNODE_PATH
from tests.monitoring.helpers import place_order
from tests.monitoring.webhook_support import (
    no_tracebacks,
    place_deposit,
    quiet_listener,  # noqa: F401  (fixture)
)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=15,
)
# Strings that make trouble downstream: lone surrogates, controls, huge, empty, numbers.
awkward_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\ud800", "a\x00b", "\u202e", "x" * 5000, "0", "-1", "1e309"]),
)


def _nested(depth: int, opener: bytes) -> bytes:
    closer = b"]" if opener == b"[" else b"}"
    inner = b"[" if opener == b"[" else b'{"a":'
    return inner * depth + b"1" + closer * depth


@st.composite
def skinsnode_delivery(draw, secret: str, external_id: str):
    well_formed = st.fixed_dictionaries(
        {
            "externalId": st.just(external_id),
            "status": st.sampled_from(["sent", "completed", "reversed", "pending", "weird"]),
            "amount": st.just("100"),
            "currency": st.just("USD"),
            "error": st.none(),
        }
    )
    payload = draw(
        well_formed
        | st.fixed_dictionaries(
            {},
            optional={
                "externalId": st.one_of(st.just(external_id), awkward_text, json_values),
                "status": st.one_of(
                    st.sampled_from(["sent", "completed", "reversed", "queued", "weird"]),
                    awkward_text,
                    json_values,
                ),
                "amount": st.one_of(st.sampled_from(["100", "1.5", "-3", ""]), json_values),
                "currency": json_values,
                "error": st.one_of(st.none(), json_values),
                "timestamps": json_values,
                "steamOfferId": json_values,
            },
        )
    )
    body = json.dumps(payload).encode() if draw(st.booleans()) else draw(st.binary(max_size=300))
    now = utcnow()
    stamp = draw(
        st.one_of(
            st.sampled_from(
                [
                    format_time(now),
                    format_time(now - timedelta(minutes=30)),
                    format_time(now - timedelta(days=3)),
                    format_time(now + timedelta(hours=2)),
                    "0001-01-01T00:00:00+14:00",
                    "9999-12-31T23:59:59-14:00",
                    "not a time",
                ]
            ),
            st.text(max_size=30),
        )
    )
    headers = {
        "x-event-type": draw(st.sampled_from(["order.updated", "other", ""])),
        "x-delivery-id": draw(awkward_text),
        "x-timestamp": stamp,
        "x-signature": sign_skinsnode(secret, stamp, body)
        if draw(st.booleans())
        else draw(st.text(max_size=70)),
    }
    return SKINSNODE_PATH, headers, body


@st.composite
def skinslink_delivery(draw, secret: str, trade_id: int):
    id_field = draw(st.sampled_from(["trade_id", "purchase_id"]))
    signed_id = draw(
        st.one_of(st.just(trade_id), st.integers(min_value=-5, max_value=2**64), json_values)
    )
    payload = {id_field: signed_id}
    payload.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "status": st.one_of(
                        st.sampled_from(["hold", "completed", "reverted", "canceled"]),
                        awkward_text,
                        json_values,
                    ),
                    "merchant_tx_id": st.one_of(awkward_text, json_values),
                    "offer_id": st.one_of(st.just(""), awkward_text, json_values),
                    "amount": json_values,
                    "steam_id": json_values,
                },
            )
        )
    )
    if draw(st.booleans()):
        try:
            payload["sign"] = skinslink_sign(signed_id, secret)
        except (ValueError, TypeError):
            payload["sign"] = "x"
    else:
        payload["sign"] = draw(st.one_of(awkward_text, json_values))
    path = draw(st.sampled_from([SKINSLINK_PATH, "/hooks", "/"]))
    return path, {}, json.dumps(payload).encode()


@st.composite
def junk_delivery(draw):
    path = draw(
        st.one_of(
            st.sampled_from([SKINSNODE_PATH, SKINSLINK_PATH, HEALTH_PATH, "/", "/%ff%00"]),
            st.text(alphabet="/abc%?#&=.~:@!$'()*+,;", max_size=40).map(lambda t: "/" + t),
        )
    )
    body = draw(
        st.one_of(
            st.binary(max_size=2000),
            json_values.map(lambda v: json.dumps(v).encode()),
            st.tuples(st.integers(1, 3000), st.sampled_from([b"[", b"{"])).map(
                lambda t: _nested(*t)
            ),
        )
    )
    names = st.sampled_from(
        ["x-signature", "x-timestamp", "x-delivery-id", "x-event-type", "content-type", "x-a"]
    )
    headers = draw(st.dictionaries(names, st.text(max_size=60), max_size=4))
    return path, headers, body


def _frame(draw, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode("utf-8", "surrogatepass"), b"Host: fuzz"]
    for name, value in headers.items():
        value_bytes = value.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b"")
        lines.append(name.encode("latin-1", "replace") + b": " + value_bytes)
    lines += [draw(st.sampled_from([b"X-Extra: 1", b"X-Bytes: \xff\xfe\x80", b"Accept: */*"]))]
    framing = draw(st.sampled_from(["length", "short", "none", "chunked", "bad-chunked"]))
    if framing == "length":
        lines.append(b"Content-Length: %d" % len(body))
    elif framing == "short":
        lines.append(b"Content-Length: %d" % (len(body) // 2))
    elif framing in ("chunked", "bad-chunked"):
        lines.append(b"Transfer-Encoding: chunked")
        size = b"%x" % len(body) if framing == "chunked" else b"zz"
        body = (size + b"\r\n" + body + b"\r\n0\r\n\r\n") if body else b"0\r\n\r\n"
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _plain(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: fuzz", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may answer and close before reading everything
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return answer
            if not chunk:
                return answer
            answer += chunk


async def test_fuzzed_requests_never_get_a_5xx_nor_a_traceback(quiet_listener, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    sandbox, ctx, listener = quiet_listener
    external_id = await place_order(ctx, sandbox, "completed", prefix="fuzz")
    tx_id = await place_deposit(ctx, sandbox, "completed", f"fuzz-{utcnow().timestamp():.6f}")
    trade_id = (await ctx.deposits.get(ctx.profile.name, tx_id)).trade_id
    sn_secret = sandbox.config.skinsnode_client_secret
    sl_secret = sandbox.config.skinslink_webhook_secret
    statuses: list[int] = []
    runs: list[int] = []

    # The harness reaches past the signature checks: a well-formed signed delivery of each
    # provider, framed like the fuzzed ones, is applied.
    stamp = format_time(utcnow())
    good = json.dumps(
        {"externalId": external_id, "status": "sent", "amount": "100", "currency": "USD"}
    ).encode()
    signed = {
        "x-event-type": "order.updated",
        "x-delivery-id": "fuzz-seed",
        "x-timestamp": stamp,
        "x-signature": sign_skinsnode(sn_secret, stamp, good),
        "content-length": str(len(good)),
    }
    first = await asyncio.to_thread(
        _exchange, listener.port, _plain("POST", SKINSNODE_PATH, signed, good)
    )
    assert b'"result": "applied"' in first, first
    deposit_body = json.dumps(
        {"trade_id": trade_id, "status": "hold", "sign": skinslink_sign(trade_id, sl_secret)}
    ).encode()
    second = await asyncio.to_thread(
        _exchange,
        listener.port,
        _plain("POST", SKINSLINK_PATH, {"content-length": str(len(deposit_body))}, deposit_body),
    )
    assert second.startswith(b"HTTP/1.1 200"), second

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        path, headers, body = data.draw(
            st.one_of(
                skinsnode_delivery(sn_secret, external_id),
                skinslink_delivery(sl_secret, trade_id),
                junk_delivery(),
            )
        )
        method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "HEAD"]))
        answer = _exchange(listener.port, _frame(data.draw, method, path, headers, body))
        runs.append(1)
        if answer:
            status = int(answer.split(b" ", 2)[1])
            statuses.append(status)
            assert status < 500, answer[:300]

    await asyncio.to_thread(fuzz)
    assert len(statuses) >= 0.75 * len(runs)  # nearly every request got an answer
    assert no_tracebacks(caplog.records) == []
    server = [r for r in caplog.records if r.name.startswith(("skins_console", "aiohttp"))]
    assert not [r for r in server if r.levelno >= logging.ERROR]


@FUZZ
@given(
    headers=st.dictionaries(
        st.sampled_from(["x-signature", "x-timestamp", "x-delivery-id", "x-event-type", "X-A"]),
        awkward_text,
    ),
    body=st.one_of(st.binary(max_size=500), json_values.map(lambda v: json.dumps(v))),
    sign=st.booleans(),
)
def test_verification_raises_nothing_but_webhook_rejected(headers, body, sign):
    secret = "fuzz-secret"
    if sign and "x-timestamp" in headers:
        try:
            headers["x-signature"] = sign_skinsnode(secret, headers["x-timestamp"].strip(), body)
        except UnicodeEncodeError:
            pass
    for verify in (
        lambda: verify_skinsnode_webhook(headers, body, secret),
        lambda: verify_skinslink_webhook(body, secret),
    ):
        try:
            verify()
        except WebhookRejected as exc:
            assert exc.reason in (
                "bad_signature",
                "missing_header",
                "stale",
                "future",
                "malformed",
                "not_configured",
            )

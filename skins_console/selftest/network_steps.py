"""The selftest's network steps: the local sandbox on 127.0.0.1, both provider clients
against it, and the webhook listener's HTTP server."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

from skins_console.selftest.common import StepError

if TYPE_CHECKING:
    from skins_console.selftest.runner import SelfTest


async def start_sandbox(st: SelfTest) -> str:
    from skins_console.sandbox import Sandbox, SandboxConfig

    st.credentials = {
        "skinsnode_client_id": f"selftest-{secrets.token_hex(4)}",
        "skinsnode_client_secret": secrets.token_urlsafe(24),
        "skinslink_api_key": secrets.token_urlsafe(24),
        "skinslink_webhook_secret": secrets.token_urlsafe(24),
    }
    st.redact(*(v for k, v in st.credentials.items() if k != "skinsnode_client_id"))
    # A small catalog: the step checks the plumbing, not the sandbox's scale.
    config = SandboxConfig(
        host="127.0.0.1",
        port=0,
        catalog_size=50,
        skinsnode_client_id=st.credentials["skinsnode_client_id"],
        skinsnode_client_secret=st.credentials["skinsnode_client_secret"],
        skinslink_api_key=st.credentials["skinslink_api_key"],
        skinslink_webhook_secret=st.credentials["skinslink_webhook_secret"],
    )
    sandbox = Sandbox(config)
    await asyncio.to_thread(sandbox.start)
    st.sandbox = sandbox
    st.base_url = sandbox.skinsnode_base_url
    st.skinslink_url = sandbox.skinslink_base_url
    return f"listening on {st.base_url}"


async def check_skinsnode(st: SelfTest) -> str:
    from skins_console.api.skinsnode_client import SkinsNodeClient
    from skins_console.core.money import format_cents

    assert st.base_url is not None
    async with SkinsNodeClient(
        st.base_url,
        st.credentials["skinsnode_client_id"],
        st.credentials["skinsnode_client_secret"],
        max_get_retries=0,
    ) as client:
        health = await client.health()
        if not health.ok:
            raise StepError("health answered, but not ok")
        wallet = await client.wallet()
    return f"health ok, wallet {format_cents(wallet.available_cents, wallet.currency)}"


async def check_skinslink(st: SelfTest) -> str:
    from skins_console.api.skinslink_client import SkinslinkClient
    from skins_console.core.money import format_usd

    assert st.skinslink_url is not None
    name = "AK-47 | Redline (Field-Tested)"
    async with SkinslinkClient(
        st.skinslink_url, st.credentials["skinslink_api_key"], max_get_retries=0
    ) as client:
        quote = await client.get_prices("csgo", [name], no_deposit_intent=True)
    return f"get-prices: {len(quote.items)} item(s), total {format_usd(quote.sum)}"


async def check_webhook_listener(st: SelfTest) -> str:
    """The listener's HTTP server (aiohttp, imported lazily, so a freezer may miss it) on
    this loop: a signed delivery is accepted and a forged one refused."""
    import aiohttp
    import aiohttp.http_parser
    import httpx

    from skins_console.api.webhook_signatures import sign_skinsnode, verify_skinsnode_webhook
    from skins_console.core.errors import WebhookRejected
    from skins_console.core.models import format_time, utcnow
    from skins_console.services.webhook_http import Request, Response, WebhookHttpServer

    secret = secrets.token_urlsafe(24)
    st.redact(secret)

    async def handle(request: Request) -> Response:
        try:
            delivery = verify_skinsnode_webhook(request.headers, request.body, secret)
        except WebhookRejected as exc:
            return Response(401, {"error": exc.reason})
        return Response(200, {"status": delivery.order.status})

    body = b'{"externalId":"selftest-1","status":"completed","amount":"1","currency":"USD"}'
    stamp = format_time(utcnow())
    headers = {"x-event-type": "order.updated", "x-delivery-id": "selftest-1"}
    server = WebhookHttpServer(handle, "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
            signed = await http.post(
                server.url,
                content=body,
                headers={
                    **headers,
                    "x-timestamp": stamp,
                    "x-signature": sign_skinsnode(secret, stamp, body),
                },
            )
            forged = await http.post(
                server.url,
                content=body,
                headers={**headers, "x-timestamp": stamp, "x-signature": "0" * 64},
            )
    finally:
        await server.stop()
    if signed.status_code != 200 or forged.status_code != 401:
        raise StepError(
            f"a signed delivery got HTTP {signed.status_code} (expected 200), a forged one "
            f"HTTP {forged.status_code} (expected 401)"
        )
    parser = aiohttp.http_parser.HttpRequestParser.__module__
    kind = "C parser" if parser.endswith("_http_parser") else "pure-Python parser"
    return f"aiohttp {aiohttp.__version__} ({kind}): signed accepted, forged refused"

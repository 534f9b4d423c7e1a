"""Control routes under ``/_sandbox/`` (sandbox-only; no auth; never faulted).

GET  /_sandbox/truth                     everything the sandbox knows (see README)
GET  /_sandbox/clock                     {"speed", "sandbox_now", "wall_now", ...} only
GET  /_sandbox/faults                    active fault rules
POST /_sandbox/faults                    {"rules": [...], "mode": "replace"|"append"}
POST /_sandbox/outcomes                  {"skinsnode": {externalId: outcome},
                                          "skinslink": {merchant_tx_id: outcome}}
POST /_sandbox/clock/advance             {"seconds": 700}
POST /_sandbox/wallet                    {"balance_cents": 1000}
POST /_sandbox/catalog/items/{id}        {"price": 1234} and/or {"listed": false}
POST /_sandbox/skinslink/prices          {"prices": {"name": "12.345" | null}}
POST /_sandbox/skinslink/purchase-webhook {"url"?, "status"?, "purchase_id"?, "merchant_tx_id"?,
                                          "amount"?, "offer_id"? ("" default; null: omitted),
                                          "fail_reason"?}: one signed purchase delivery
POST /_sandbox/reset                     {} : fresh state (same seed), faults cleared
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from skins_console.sandbox.facts import iso_ms
from skins_console.sandbox.faults import parse_rule
from skins_console.sandbox.http_types import Request, Response
from skins_console.sandbox.skinslink_purchases import send_purchase_webhook

if TYPE_CHECKING:  # pragma: no cover
    from skins_console.sandbox.server import Sandbox

_ITEM = re.compile(r"/_sandbox/catalog/items/([0-9a-f-]{36})")


def clock_info(sandbox: Sandbox) -> dict[str, Any]:
    clock = sandbox.clock
    return {
        "speed": clock.speed,
        "sandbox_now": clock.iso_sandbox(),
        "wall_now": iso_ms(datetime.now(UTC)),
        "advanced_seconds": clock.advanced,
    }


def truth(sandbox: Sandbox) -> dict[str, Any]:
    return {
        "clock": clock_info(sandbox),
        "skinsnode": sandbox.skinsnode.truth(),
        "skinslink": sandbox.skinslink.truth(),
        "webhooks": [d.truth() for d in sandbox.webhooks.deliveries()],
        "faults": sandbox.faults.rules(),
        "requests": dict(sandbox.requests),
    }


def json_response(status: int, payload: Any) -> Response:
    # Control answers carry floats (speed, rates) and are not provider contracts.
    return Response(status, json.dumps(payload, default=str, ensure_ascii=False).encode())


def _bad(message: str) -> Response:
    return json_response(400, {"error": "bad_request", "message": message})


def _json(request: Request) -> Any:
    if not request.body:
        return {}
    return json.loads(request.body, parse_float=Decimal)


def handle(sandbox: Sandbox, request: Request) -> Response:
    path, method = request.path, request.method
    try:
        body = _json(request) if method == "POST" else {}
    except (ValueError, UnicodeDecodeError):
        return _bad("the body is not JSON")
    if method == "POST" and not isinstance(body, dict):
        return _bad("the body must be a JSON object")
    try:
        if path == "/_sandbox/truth" and method == "GET":
            return json_response(200, sandbox.truth())
        if path == "/_sandbox/clock" and method == "GET":
            # Lets a console learn how fast this sandbox's clock runs (its quote lock and
            # trade window are then shown in true wall time).
            return json_response(200, clock_info(sandbox))
        if path == "/_sandbox/faults" and method == "GET":
            return json_response(200, {"rules": sandbox.faults.rules()})
        if path == "/_sandbox/faults" and method == "POST":
            return _faults(sandbox, body)
        if path == "/_sandbox/outcomes" and method == "POST":
            return _outcomes(sandbox, body)
        if path == "/_sandbox/clock/advance" and method == "POST":
            seconds = body.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, Decimal)) or seconds < 0:
                return _bad("seconds must be a non-negative number")
            sandbox.advance(float(seconds))
            return json_response(
                200,
                {
                    "sandbox_now": sandbox.clock.iso_sandbox(),
                    "advanced_seconds": int(sandbox.clock.advanced),
                },
            )
        if path == "/_sandbox/wallet" and method == "POST":
            cents = body.get("balance_cents")
            if isinstance(cents, bool) or not isinstance(cents, int) or cents < 0:
                return _bad("balance_cents must be a non-negative integer")
            with sandbox.lock:
                sandbox.skinsnode.set_balance(cents)
            return json_response(200, {"balance_cents": cents})
        match = _ITEM.fullmatch(path)
        if match and method == "POST":
            return _item(sandbox, match.group(1), body)
        if path == "/_sandbox/skinslink/prices" and method == "POST":
            return _prices(sandbox, body)
        if path == "/_sandbox/skinslink/purchase-webhook" and method == "POST":
            with sandbox.lock:
                sent = send_purchase_webhook(sandbox.skinslink, body)
            return json_response(200, sent)
        if path == "/_sandbox/reset" and method == "POST":
            sandbox.reset()
            return json_response(200, {"reset": True})
    except ValueError as exc:
        return _bad(str(exc))
    return json_response(404, {"error": "not_found", "message": f"no control route {path}"})


def _faults(sandbox: Sandbox, body: dict[str, Any]) -> Response:
    rules = body.get("rules", [])
    mode = body.get("mode", "replace")
    if not isinstance(rules, list):
        return _bad("rules must be a list")
    if mode not in ("replace", "append"):
        return _bad("mode must be replace or append")
    parsed = [parse_rule(rule) for rule in rules]
    if mode == "replace":
        sandbox.faults.replace(parsed)
    else:
        sandbox.faults.add(parsed)
    return json_response(200, {"rules": sandbox.faults.rules()})


def _outcomes(sandbox: Sandbox, body: dict[str, Any]) -> Response:
    unknown = set(body) - {"skinsnode", "skinslink"}
    if unknown:
        return _bad(f"unknown providers: {', '.join(sorted(unknown))}")
    applied: dict[str, dict[str, str]] = {"skinsnode": {}, "skinslink": {}}
    with sandbox.lock:
        for provider, scripts in body.items():
            if not isinstance(scripts, dict):
                return _bad(f"{provider} must map ids to outcomes")
            for key, outcome in scripts.items():
                if not isinstance(outcome, str):
                    return _bad(f"the outcome for {key!r} must be a string")
                if provider == "skinsnode":
                    sandbox.skinsnode.script(key, outcome)
                else:
                    sandbox.skinslink.script(key, outcome)
                applied[provider][key] = outcome
    return json_response(200, {"applied": applied})


def _item(sandbox: Sandbox, item_id: str, body: dict[str, Any]) -> Response:
    with sandbox.lock:
        entry = sandbox.catalog.known(item_id)
        if entry is None:
            return json_response(404, {"error": "not_found", "message": "no such item"})
        if "price" in body:
            price = body["price"]
            if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
                return _bad("price must be a positive integer of cents")
            sandbox.catalog.set_price(item_id, price)
        if "listed" in body:
            if not isinstance(body["listed"], bool):
                return _bad("listed must be true or false")
            if body["listed"]:
                sandbox.catalog.relist(item_id)
            else:
                sandbox.catalog.delist(item_id)
        return json_response(
            200,
            {
                "item": entry.to_json(sandbox.base_url),
                "listed": sandbox.catalog.listed(item_id) is not None,
            },
        )


def _prices(sandbox: Sandbox, body: dict[str, Any]) -> Response:
    prices = body.get("prices")
    if not isinstance(prices, dict):
        return _bad("prices must map names to a price string or null")
    parsed: dict[str, Decimal | None] = {}
    for name, value in prices.items():
        if value is None:
            parsed[name] = None
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return _bad(f"price for {name!r} is not a number")
        if not amount.is_finite() or amount <= 0:
            return _bad(f"price for {name!r} must be positive")
        parsed[name] = amount
    with sandbox.lock:
        sandbox.skinslink.price_overrides.update(parsed)
    return json_response(
        200, {"prices": {n: (None if p is None else str(p)) for n, p in parsed.items()}}
    )

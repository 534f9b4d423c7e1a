"""SkinsNode under ``/v1``: health, wallet, catalog, orders, signed ``order.updated`` hooks.

Fidelity choices where the contract is silent are listed in ``README.md``. In short: a
business refusal (item gone, price moved, wallet short) is a 202 whose order is already
``failed`` with the failure code; the wallet is debited on acceptance and refunded when the
order fails, expires, is cancelled or reversed; each externalId creates at most one order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from skins_console.sandbox import jsonutil
from skins_console.sandbox.catalog import Catalog
from skins_console.sandbox.facts import (
    HOLD_SECONDS,
    ORDER_TERMINAL,
    TradeUrlRefused,
    check_trade_url,
    iso_ms,
)
from skins_console.sandbox.http_types import Request, Response, json_response, raw_json
from skins_console.sandbox.truth import posts_truth
from skins_console.sandbox.webhooks import Delivery
from skins_console.sandbox.world import World, natural_outcome

EXTERNAL_ID_MAX = 128
URL_MAX = 2048
ORDER_OUTCOMES = ("completed", "expired", "cancelled", "failed", "reversed")

_MESSAGES = {
    "item_unavailable": "The item is no longer available.",
    "price_changed": "The item price changed before delivery.",
    "insufficient_funds": "The wallet balance does not cover the price.",
    "cancelled": "The buyer declined the trade offer.",
    "expired": "The buyer did not accept the trade offer in time.",
    "reversed": "The buyer reversed the delivered trade (Steam Trade Protection).",
}


def parse_outcome(text: str) -> tuple[str, str | None]:
    """``"failed:price_changed"`` → ``("failed", "price_changed")``; raises ValueError."""
    status, _, code = str(text).partition(":")
    if status not in ORDER_OUTCOMES:
        raise ValueError(
            f"unknown SkinsNode outcome {text!r}; use one of "
            f"{', '.join(ORDER_OUTCOMES)} or failed:<code>"
        )
    if code and status != "failed":
        raise ValueError("only 'failed' takes a failure code")
    return status, (code or ("item_unavailable" if status == "failed" else None))


def _error(status: int, code: str, message: str, **extra: Any) -> Response:
    return json_response(status, {"statusCode": status, "error": code, "message": message, **extra})


@dataclass
class Order:
    external_id: str
    catalog_item_id: str
    expected_price: int
    webhook_url: str
    trade_url: str
    item: dict[str, Any]
    amount: int
    accept_body: bytes
    status: str = "accepted"
    failure: dict[str, str] | None = None
    steam_offer_id: str | None = None
    timestamps: dict[str, str] = field(default_factory=dict)
    expires_t: float | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    outcome: str = "completed"
    failure_code: str | None = None
    scripted: bool = False
    debited: bool = False
    refunded: bool = False
    token: int = 0


def _order_details(order: Order | None) -> dict[str, Any]:
    if order is None:
        return {
            "amount_cents": None,
            "catalog_item_id": None,
            "failure": None,
            "debited": False,
            "refunded": False,
        }
    return {
        "amount_cents": order.amount,
        "catalog_item_id": order.catalog_item_id,
        "failure": order.failure,
        "debited": order.debited,
        "refunded": order.refunded,
    }


# --- create-order field checks: each says what is wrong with a present value, or None ---


def _string(check: Callable[[str], str | None]) -> Callable[[Any], str | None]:
    return lambda value: check(value) if isinstance(value, str) else "must be a string"


def _uuid_problem(value: str) -> str | None:
    try:
        uuid.UUID(value)
    except ValueError:
        return "must be a UUID"
    return None


def _price_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be an integer number of cents"
    return "must be greater than 0" if value <= 0 else None


def _external_id_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > EXTERNAL_ID_MAX:
        return f"must be at most {EXTERNAL_ID_MAX} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "must not contain control characters"
    return None


def _webhook_problem(value: str) -> str | None:
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    return None if valid and len(value) <= URL_MAX else "must be an absolute http(s) URL"


def _trade_url_problem(value: str) -> str | None:
    try:
        check_trade_url(value)
    except TradeUrlRefused as exc:
        return str(exc)
    return None


_ORDER_FIELDS: tuple[tuple[str, Callable[[Any], str | None]], ...] = (
    ("catalogItemId", _string(_uuid_problem)),
    ("expectedPrice", _price_problem),
    ("externalId", _external_id_problem),
    ("webhookUrl", _string(_webhook_problem)),
    ("tradeUrl", _string(_trade_url_problem)),
)


class SkinsNode:
    def __init__(self, world: World, catalog: Catalog) -> None:
        self.world = world
        self.catalog = catalog
        self.orders: dict[str, Order] = {}
        self.posts: dict[str, int] = {}
        self.balance = world.config.initial_balance_cents
        self.ledger: list[dict[str, Any]] = []
        self.scripts: dict[str, str] = {}
        self._cache: dict[str, tuple[float, bytes]] = {}

    # --- plumbing ----------------------------------------------------------------------

    @property
    def clock(self):
        return self.world.clock

    def authorised(self, request: Request) -> Response | None:
        config = self.world.config
        client_id = request.header("x-client-id") or ""
        secret = request.header("x-client-secret") or ""
        if not client_id or not secret:
            return _error(401, "unauthorized", "Missing x-client-id or x-client-secret header.")
        same_id = hmac.compare_digest(client_id.encode(), config.skinsnode_client_id.encode())
        same_secret = hmac.compare_digest(secret.encode(), config.skinsnode_client_secret.encode())
        if not (same_id and same_secret):
            return _error(401, "unauthorized", "Invalid or inactive client credentials.")
        return None

    def _cached(self, key: str, build) -> Response:
        """Reads within ``cache_seconds`` of the last fresh read get that read's body."""
        now = self.clock.now()
        window = self.world.config.cache_seconds
        hit = self._cache.get(key)
        if hit is not None and window > 0 and now - hit[0] < window:
            return raw_json(
                200,
                hit[1],
                {"X-Sandbox-Cache": "hit", "Cache-Control": f"private, max-age={int(window)}"},
            )
        body = jsonutil.dumps(build())
        self._cache[key] = (now, body)
        return raw_json(
            200,
            body,
            {"X-Sandbox-Cache": "miss", "Cache-Control": f"private, max-age={int(window)}"},
        )

    # --- routes ------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return json_response(200, {"status": "ok", "service": "skinsnode"})

    def wallet(self, request: Request) -> Response:
        return self.authorised(request) or self._cached(
            "wallet",
            lambda: {
                "clientId": self.world.config.skinsnode_client_id,
                "currency": "USD",
                "availableBalance": str(self.balance),
            },
        )

    def catalog_route(self, request: Request) -> Response:
        return self.authorised(request) or raw_json(200, self.catalog.body())

    def get_order(self, request: Request, external_id: str) -> Response:
        denied = self.authorised(request)
        if denied:
            return denied
        external_id = unquote(external_id)
        order = self.orders.get(external_id)
        if order is None:
            return _error(404, "not_found", f"Order {external_id!r} was not found.")
        return self._cached(f"order:{external_id}", lambda: self.order_json(order))

    def create_order(self, request: Request) -> Response:
        denied = self.authorised(request)
        if denied:
            return denied
        try:
            body = json.loads(request.body or b"", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            return _error(
                422,
                "validation_error",
                "The request body is not valid JSON.",
                details=[{"field": "body", "message": "must be a JSON object"}],
            )
        problems = self._validate(body)
        if problems:
            names = ", ".join(p["field"] for p in problems)
            return _error(422, "validation_error", f"Validation failed: {names}.", details=problems)
        external_id = body["externalId"]
        self.posts[external_id] = self.posts.get(external_id, 0) + 1
        existing = self.orders.get(external_id)
        if existing is not None:
            return raw_json(202, existing.accept_body)
        entry = self.catalog.known(body["catalogItemId"])
        if entry is None:
            return _error(404, "not_found", "Catalog item not found.")
        return self._accept(body, entry)

    # --- validation --------------------------------------------------------------------

    @staticmethod
    def _validate(body: Any) -> list[dict[str, str]]:
        if not isinstance(body, dict):
            return [{"field": "body", "message": "must be a JSON object"}]
        problems = []
        for name, check in _ORDER_FIELDS:
            value = body.get(name)
            message = "is required" if value is None else check(value)
            if message:
                problems.append({"field": name, "message": message})
        return problems

    # --- lifecycle ---------------------------------------------------------------------

    def _accept(self, body: dict[str, Any], entry) -> Response:
        now = self.clock.now()
        accepted_at = self.clock.iso_wall(now)
        accept = {"externalId": body["externalId"], "status": "accepted", "acceptedAt": accepted_at}
        order = Order(
            external_id=body["externalId"],
            catalog_item_id=entry.id,
            expected_price=body["expectedPrice"],
            webhook_url=body["webhookUrl"],
            trade_url=body["tradeUrl"],
            item=entry.to_json(self.catalog.base_url),
            amount=entry.price,
            accept_body=jsonutil.dumps(accept),
        )
        order.timestamps["acceptedAt"] = accepted_at
        order.timestamps["updatedAt"] = accepted_at
        order.history.append(("accepted", self.clock.iso_sandbox(now)))
        self.orders[order.external_id] = order
        self._plan(order)

        refusal = None
        if self.catalog.listed(entry.id) is None:
            refusal = ("item_unavailable", _MESSAGES["item_unavailable"])
        elif order.expected_price != entry.price:
            refusal = (
                "price_changed",
                f"The price changed from {order.expected_price} to "
                f"{entry.price} cents; quote the new price.",
            )
        elif self.balance < entry.price:
            refusal = (
                "insufficient_funds",
                f"The wallet balance ({self.balance} cents) does "
                f"not cover the price ({entry.price} cents).",
            )
        if refusal is not None:
            self._transition(order, "failed", now, {"code": refusal[0], "message": refusal[1]})
        else:
            self.catalog.delist(entry.id)
            self._move_money(-entry.price, "debit", order.external_id, now)
            order.debited = True
            self._step(order, now + self._delay(order, 1, 2), "queued")
        return raw_json(202, order.accept_body)

    def _plan(self, order: Order) -> None:
        script = self.scripts.pop(order.external_id, None)
        if script is not None:
            order.outcome, order.failure_code = parse_outcome(script)
            order.scripted = True
            return
        roll = self.world.rng_for("order", order.external_id).random()
        outcome = natural_outcome(self.world.config.order_failure_rates, roll)
        order.outcome, order.failure_code = parse_outcome(outcome)

    def _delay(self, order: Order, low: float, high: float) -> float:
        rng = self.world.rng_for("order-delay", order.external_id, len(order.history))
        return low + (high - low) * rng.random()

    def _step(self, order: Order, when: float, status: str) -> None:
        self.world.scheduler.at(when, self._advance, order, order.token, status)

    def _advance(self, when: float, order: Order, token: int, status: str) -> None:
        if token != order.token:
            return  # superseded by a scripted outcome
        if status == "reversed":
            if order.status != "completed":
                return
        elif order.status in ORDER_TERMINAL:
            return
        window = self.world.config.trade_window_seconds
        if status == "queued":
            self._transition(order, "queued", when)
            self._step(order, when + self._delay(order, 1, 3), "processing")
        elif status == "processing":
            self._transition(order, "processing", when)
            nxt = "failed" if order.outcome == "failed" else "pending"
            self._step(order, when + self._delay(order, 1, 3), nxt)
        elif status == "pending":
            self._transition(order, "pending", when)
            self._step(order, when + self._delay(order, 2, 6), "sent")
        elif status == "sent":
            rng = self.world.rng_for("offer", order.external_id)
            order.steam_offer_id = str(rng.randint(6_000_000_000, 7_999_999_999))
            order.expires_t = when + window
            self._transition(order, "sent", when)
            self._schedule_after_sent(order, when)
        elif status == "completed":
            self._transition(order, "completed", when)
            if order.outcome == "reversed":
                protection = float(HOLD_SECONDS)  # the Trade Protection window
                delay = 3600.0 if order.scripted else self._delay(order, 3600, protection - 3600)
                self._step(order, when + delay, "reversed")
        elif status in ("failed", "cancelled", "expired", "reversed"):
            code = (order.failure_code or "item_unavailable") if status == "failed" else status
            message = _MESSAGES.get(code, f"The order failed ({code}).")
            self._transition(order, status, when, {"code": code or status, "message": message})

    def _schedule_after_sent(self, order: Order, when: float, prompt: bool = False) -> None:
        """``prompt``: a fate scripted while the offer is out happens a second later."""
        window = self.world.config.trade_window_seconds
        deadline = order.expires_t if order.expires_t is not None else when + window
        if order.outcome in ("completed", "reversed"):
            delay = 1.0 if prompt else self._delay(order, 15, 240)
            self._step(order, max(min(when + delay, deadline - 1), when), "completed")
        elif order.outcome == "cancelled":
            delay = 1.0 if prompt else self._delay(order, 20, 400)
            self._step(order, max(min(when + delay, deadline - 1), when), "cancelled")
        elif order.outcome == "expired":
            self._step(order, deadline, "expired")
        else:
            self._step(order, when + 1, "failed")

    def _transition(
        self, order: Order, status: str, when: float, failure: dict[str, str] | None = None
    ) -> None:
        order.status = status
        stamp = self.clock.iso_wall(when)
        order.timestamps[f"{status}At"] = stamp
        order.timestamps["updatedAt"] = stamp
        order.history.append((status, self.clock.iso_sandbox(when)))
        if failure is not None:
            order.failure = failure
        if (
            status in ("failed", "cancelled", "expired", "reversed")
            and order.debited
            and not order.refunded
        ):
            order.refunded = True
            self._move_money(order.amount, "refund", order.external_id, when)
            if status != "reversed":
                self.catalog.relist(order.catalog_item_id)
        self._notify(order)

    def _move_money(self, cents: int, kind: str, external_id: str | None, when: float) -> None:
        self.balance += cents
        self.ledger.append(
            {
                "at": self.clock.iso_sandbox(when),
                "kind": kind,
                "amount_cents": cents,
                "externalId": external_id,
                "balance_cents": self.balance,
            }
        )

    # --- outside views -----------------------------------------------------------------

    def order_json(self, order: Order) -> dict[str, Any]:
        timestamps = dict(order.timestamps)
        if order.expires_t is not None:
            timestamps["expiresAt"] = self.clock.iso_wall(order.expires_t)
        return {
            "externalId": order.external_id,
            "status": order.status,
            "steamOfferId": order.steam_offer_id,
            "tradeUrl": order.trade_url,
            "item": order.item,
            "pricing": {"amount": str(order.amount), "currency": "USD"},
            "failure": order.failure,
            "timestamps": timestamps,
        }

    def webhook_payload(self, order: Order) -> dict[str, Any]:
        full = self.order_json(order)
        return {
            "externalId": full["externalId"],
            "status": full["status"],
            "steamOfferId": full["steamOfferId"],
            "amount": full["pricing"]["amount"],
            "currency": "USD",
            "error": full["failure"],
            "timestamps": full["timestamps"],
        }

    def _notify(self, order: Order) -> None:
        body = jsonutil.dumps(self.webhook_payload(order))
        secret = self.world.config.skinsnode_client_secret.encode()

        first_stamp: list[str] = []

        def headers_for(delivery) -> dict[str, str]:
            # Every attempt carries the FIRST attempt's x-timestamp (and so the same
            # signature): the contract leaves it open, and this is the worst case a
            # receiver must accept (a retry hours later with an old, correctly signed stamp).
            if not first_stamp:
                first_stamp.append(iso_ms(datetime.now(UTC)))
            stamp = first_stamp[0]
            signature = hmac.new(
                secret, stamp.encode() + b"." + delivery.body, hashlib.sha256
            ).hexdigest()
            return {
                "x-event-type": "order.updated",
                "x-delivery-id": delivery.id,
                "x-timestamp": stamp,
                "x-signature": signature,
            }

        self.world.webhooks.send(
            Delivery(
                provider="skinsnode",
                event="order.updated",
                key=order.external_id,
                status=order.status,
                url=order.webhook_url,
                body=body,
                headers_for=headers_for,
            )
        )

    def script(self, external_id: str, outcome: str) -> None:
        """Force an order's fate; before the order exists, or while it is still open."""
        status, code = parse_outcome(outcome)
        order = self.orders.get(external_id)
        if order is None:
            self.scripts[external_id] = outcome
            return
        if order.status in ORDER_TERMINAL and not (
            status == "reversed" and order.status == "completed"
        ):
            raise ValueError(f"order {external_id!r} is already {order.status}")
        order.outcome, order.failure_code, order.scripted = status, code, True
        now = self.clock.now()
        if order.status == "completed":
            order.token += 1
            self._step(order, now + 3600.0, "reversed")
        elif order.status == "sent":
            order.token += 1
            self._schedule_after_sent(order, now, prompt=True)
        # earlier states branch on order.outcome when they get there

    def truth(self) -> dict[str, Any]:
        orders = posts_truth(self.posts, self.orders, _order_details)
        return {
            "wallet": {
                "balance_cents": self.balance,
                "initial_cents": self.world.config.initial_balance_cents,
                "ledger": list(self.ledger),
            },
            "catalog_size": len(self.catalog),
            "orders": orders,
            "scripted_pending": dict(self.scripts),
        }

    def set_balance(self, cents: int) -> None:
        self._move_money(cents - self.balance, "set", None, self.clock.now())

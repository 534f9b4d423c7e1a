"""Receiving provider webhooks: one implementation, run inside the GUI or headless.

Routes:

* ``POST /webhooks/skinsnode``: HMAC-SHA256 over ``x-timestamp + "." + raw body`` with the
  profile's client secret, a 5-minute replay window, dedupe by ``x-delivery-id``; the
  verified order report goes through the same forward-only path as a poll.
* ``POST /webhooks/skinslink``: the ``sign`` check (it covers only the trade id), then the
  deposit status is **re-read** from Skinslink before anything is trusted.
* ``GET /webhooks/health``: for the operator's tunnel check.
* ``POST`` on any other path: told apart by the signature scheme, so the profile's single
  webhook URL serves orders (``webhookUrl``) and deposits (``result_url``) behind a relay.

A bad signature gets 401 and changes nothing. Duplicates and late, older statuses never
regress the store; every accepted delivery, applied or not, is written to the order's or
deposit's timeline. The profile's webhook URL (what orders carry) should point at this
listener through a tunnel or relay: a desktop has no public address of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from dataclasses import dataclass, field
from datetime import datetime

from skins_console.api.webhook_signatures import (
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.errors import (
    ApiError,
    ListenerBindError,
    NotFoundError,
    WebhookRejected,
)
from skins_console.core.models import DepositState, WebhookDelivery, format_time
from skins_console.core.statuses import Provider
from skins_console.services import change_bus, deposits_flow, orders_flow
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.http_listener import HttpListener, Request, Response
from skins_console.store.deposits_repository import (
    find_deposit_by_trade_id,
    get_deposit,
    record_deposit_event,
)
from skins_console.store.orders_repository import get_order, record_order_event
from skins_console.store.secrets import SecretKind
from skins_console.store.webhook_deliveries_repository import record_delivery

log = logging.getLogger(__name__)

SKINSNODE_PATH = "/webhooks/skinsnode"
SKINSLINK_PATH = "/webhooks/skinslink"
HEALTH_PATH = "/webhooks/health"
#: change-bus kind published for every delivery, so the UI can show listener activity.
WEBHOOK = "webhook"

APPLIED = "applied"
IGNORED = "ignored"  # verified, recorded, but older than what we know
DUPLICATE = "duplicate"
UNKNOWN = "unknown"  # verified, but not an order/deposit of this profile
REJECTED = "rejected"


@dataclass(slots=True)
class ListenerStats:
    received: int = 0
    applied: int = 0
    ignored: int = 0
    duplicates: int = 0
    unknown: int = 0
    rejected: int = 0
    last_at: datetime | None = None
    last_rejection: str | None = None
    by_outcome: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, at: datetime) -> None:
        self.received += 1
        self.last_at = at
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1
        attr = {"duplicate": "duplicates"}.get(outcome, outcome)
        if hasattr(self, attr):
            setattr(self, attr, getattr(self, attr) + 1)


class WebhookListener:
    """Verifies and applies webhooks for the context's profile."""

    def __init__(
        self,
        ctx: AppContext,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        replay_window: float = 300.0,
    ) -> None:
        self._ctx = ctx
        self._window = replay_window
        self._http = HttpListener(self.handle, host, port)
        self.stats = ListenerStats()

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def running(self) -> bool:
        return self._http.running

    async def start(self) -> None:
        self._ctx.require_profile()
        try:
            await self._http.start()
        except OSError as exc:
            raise ListenerBindError(
                host=self._http.host, port=self._http._port, reason=str(exc.strerror or exc)
            ) from None

    async def stop(self) -> None:
        await self._http.stop()

    # --- routing ---------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        if request.path == HEALTH_PATH and request.method == "GET":
            return Response(200, {"ok": True, "profile": self._ctx.require_profile().name})
        if request.method != "POST":
            return Response(
                405 if request.path in (SKINSNODE_PATH, SKINSLINK_PATH) else 404,
                {"error": "webhooks are POSTed"},
            )
        now = self._ctx.clock.now()
        try:
            if _is_skinsnode(request):
                outcome, body = await self._skinsnode(request, now)
            else:
                outcome, body = await self._skinslink(request, now)
        except WebhookRejected as exc:
            # Nothing is written: a forged or replayed request must leave no trace in the
            # store, only a log line (without the signature) for the operator.
            self.stats.count(REJECTED, now)
            self.stats.last_rejection = exc.reason
            log.warning("webhook rejected on %s from %s: %s", request.path, request.peer, exc)
            self._ctx.bus.publish(WEBHOOK, REJECTED)
            return Response(401, {"error": exc.reason})
        self.stats.count(outcome, now)
        self._ctx.bus.publish(WEBHOOK, outcome)
        return body

    # --- SkinsNode ---------------------------------------------------------------------

    async def _skinsnode(self, request: Request, now: datetime) -> tuple[str, Response]:
        secret = await self._ctx.webhook_secret(SecretKind.SKINSNODE_CLIENT_SECRET)
        delivery = verify_skinsnode_webhook(
            request.headers, request.body, secret, now=now, window=self._window
        )
        profile = self._ctx.require_profile().name
        outcome = await self._ctx.db.call(
            _apply_skinsnode, profile, delivery, now=now, cadence=self._ctx.cadence
        )
        if outcome == UNKNOWN:
            log.info("webhook for unknown order %s ignored", delivery.order.external_id)
            return outcome, Response(202, {"ignored": "unknown order"})
        self._ctx.bus.publish(change_bus.ORDER, delivery.order.external_id)
        log.info(
            "webhook %s for %s: %s (%s)",
            delivery.delivery_id,
            delivery.order.external_id,
            delivery.order.status,
            outcome,
        )
        return outcome, Response(200, {"ok": True, "result": outcome})

    # --- Skinslink ---------------------------------------------------------------------

    async def _skinslink(self, request: Request, now: datetime) -> tuple[str, Response]:
        secret = await self._ctx.webhook_secret(SecretKind.SKINSLINK_WEBHOOK_SECRET)
        hook = verify_skinslink_webhook(request.body, secret)
        profile = self._ctx.require_profile().name
        deposit = await self._ctx.db.call(
            _find_deposit, profile, hook.trade_id, hook.merchant_tx_id
        )
        if deposit is None:
            log.info("webhook for unknown deposit (trade %s) ignored", hook.trade_id)
            return UNKNOWN, Response(202, {"ignored": "unknown deposit"})
        # Skinslink webhooks carry no delivery id; the body's digest stands in for one so a
        # redelivery of the same body shows up as a duplicate in the timeline.
        delivery_id = "sha256:" + hashlib.sha256(request.body).hexdigest()
        client = await self._ctx.skinslink()
        try:
            state = await client.deposit_status(id=hook.trade_id)
        except NotFoundError:
            state = None
        except ApiError as exc:
            await self._ctx.db.call(
                record_deposit_event,
                profile,
                deposit.merchant_tx_id,
                "webhook",
                f"Webhook “{hook.status}” received; re-reading the status failed "
                f"({exc.message}). Skinslink will deliver it again; polling continues.",
                details={"trade_id": hook.trade_id},
                now=now,
            )
            return "retry", Response(503, {"error": "status re-read failed; retry later"})
        outcome = await self._ctx.db.call(
            _apply_skinslink,
            profile,
            deposit.merchant_tx_id,
            hook.status,
            delivery_id,
            state,
            now=now,
            cadence=self._ctx.cadence,
        )
        self._ctx.bus.publish(change_bus.DEPOSIT, deposit.merchant_tx_id)
        return outcome, Response(200, {"ok": True, "result": outcome})


def _is_skinsnode(request: Request) -> bool:
    """The explicit routes decide; on any other path (a relay or tunnel with a fixed path,
    one profile URL for orders and deposits alike) the signature scheme does: SkinsNode
    signs in the ``x-signature`` header, Skinslink in the body's ``sign``."""
    if request.path == SKINSNODE_PATH:
        return True
    if request.path == SKINSLINK_PATH:
        return False
    return "x-signature" in request.headers


# --- transactions (run on the database's worker thread) --------------------------------


def _apply_skinsnode(
    conn, profile: str, delivery: WebhookDelivery, *, now: datetime, cadence: Cadence
) -> str:
    external_id = delivery.order.external_id
    order = get_order(conn, profile, external_id)
    if order is None:
        return UNKNOWN
    details = {
        "delivery_id": delivery.delivery_id,
        "event": delivery.event_type,
        "sent_at": format_time(delivery.timestamp),
        "status": delivery.order.status,
    }
    if not record_delivery(
        conn, Provider.SKINSNODE.value, delivery.delivery_id, key=external_id, now=now
    ):
        record_order_event(
            conn,
            profile,
            external_id,
            "webhook",
            f"Duplicate webhook delivery {delivery.delivery_id} ignored.",
            details=details,
            now=now,
        )
        return DUPLICATE
    changed = orders_flow.apply_report(
        conn, profile, delivery.order, source="webhook", now=now, cadence=cadence
    )
    if changed:
        message = f"Webhook: {delivery.order.status}."
    else:
        current = get_order(conn, profile, external_id).status
        message = (
            f"Webhook reported “{delivery.order.status}”; kept “{current}” "
            "(the report is older or repeats what is known)."
        )
    record_order_event(conn, profile, external_id, "webhook", message, details=details, now=now)
    return APPLIED if changed else IGNORED


def _find_deposit(conn, profile: str, trade_id: int, merchant_tx_id: str | None):
    if merchant_tx_id:
        deposit = get_deposit(conn, profile, merchant_tx_id)
        # The signature covers only the trade id: a body naming another deposit's
        # merchant_tx_id must not redirect the update.
        if deposit is not None and deposit.trade_id == trade_id:
            return deposit
    deposit = find_deposit_by_trade_id(conn, trade_id)
    return deposit if deposit is not None and deposit.profile == profile else None


def _apply_skinslink(
    conn,
    profile: str,
    merchant_tx_id: str,
    reported: str | None,
    delivery_id: str,
    state: DepositState | None,
    *,
    now: datetime,
    cadence: Cadence,
) -> str:
    details = {"delivery_id": delivery_id, "reported_status": reported}
    if not record_delivery(
        conn, Provider.SKINSLINK.value, delivery_id, key=merchant_tx_id, now=now
    ):
        record_deposit_event(
            conn,
            profile,
            merchant_tx_id,
            "webhook",
            f"Duplicate webhook (“{reported}”) ignored.",
            details=details,
            now=now,
        )
        return DUPLICATE
    if state is None:
        record_deposit_event(
            conn,
            profile,
            merchant_tx_id,
            "webhook",
            f"Webhook “{reported}” received, but Skinslink does not know the "
            "trade any more; nothing changed.",
            details=details,
            now=now,
        )
        return IGNORED
    before = get_deposit(conn, profile, merchant_tx_id).status
    # Apply what Skinslink says *now*, keyed by our own merchant_tx_id.
    if state.merchant_tx_id != merchant_tx_id:
        state = DepositState(**{**_state_fields(state), "merchant_tx_id": merchant_tx_id})
    deposits_flow.apply_report(conn, profile, state, source="webhook", now=now, cadence=cadence)
    after = get_deposit(conn, profile, merchant_tx_id).status
    details["status_now"] = state.status
    if after != before:
        message = f"Webhook “{reported}”; status re-read from Skinslink: {state.status}."
    else:
        message = f"Webhook “{reported}”; Skinslink says “{state.status}”, kept “{after}”."
    record_deposit_event(
        conn, profile, merchant_tx_id, "webhook", message, details=details, now=now
    )
    return APPLIED if after != before else IGNORED


def _state_fields(state: DepositState) -> dict:
    return {name: getattr(state, name) for name in DepositState.__dataclass_fields__}


# --- headless ------------------------------------------------------------------------------


async def serve_forever(ctx: AppContext, host: str, port: int, *, announce=print) -> None:
    """Run until SIGINT/SIGTERM (``skins-console webhooks serve``)."""
    listener = WebhookListener(ctx, host, port)
    await listener.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C raises instead
            pass
    profile = ctx.require_profile()
    announce(f"Listening for webhooks of profile “{profile.name}” on {listener.url}")
    announce(f"  SkinsNode: POST {listener.url}{SKINSNODE_PATH}")
    announce(f"  Skinslink: POST {listener.url}{SKINSLINK_PATH}")
    announce(f"  Orders carry the profile's webhook URL: {profile.webhook_url}")
    announce("Press Ctrl+C to stop.")

    def report(change) -> None:
        if change.kind == WEBHOOK:
            stats = listener.stats
            announce(
                f"{format_time(ctx.clock.now())}  {change.key:<9}  received {stats.received}"
                f", applied {stats.applied}, duplicates {stats.duplicates}"
                f", rejected {stats.rejected}"
            )

    unsubscribe = ctx.bus.subscribe(report)
    try:
        await stop.wait()
    finally:
        unsubscribe()
        await listener.stop()

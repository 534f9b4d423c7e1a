"""Receiving provider webhooks: one implementation, run inside the GUI or headless.

Routes (HTTP itself is aiohttp's, with the limits in ``services/webhook_http.py``):

* ``POST /webhooks/skinsnode``: HMAC-SHA256 over ``x-timestamp + "." + raw body`` with the
  profile's client secret, accepted for the whole retry horizon
  (``api.webhook_signatures.SKINSNODE_WINDOW`` says why), deduplicated by ``x-delivery-id``
  and by the signed content; the verified order report goes through the same forward-only
  path as a poll.
* ``POST /webhooks/skinslink``: the ``sign`` check (it covers only the id), then the
  deposit status is **re-read** from Skinslink before anything is trusted. Purchase
  deliveries (``purchase_id``) are acknowledged, logged and touch no deposit.
* ``GET /webhooks/health``: for the operator's tunnel check.
* ``POST`` on any other path: told apart by the signature scheme, so the profile's single
  webhook URL serves orders (``webhookUrl``) and deposits (``result_url``) behind a relay.

A bad signature gets 401, a malformed request 4xx, and neither changes anything nor leaves
more than a rate-limited log line. A replay (the same signed content under any delivery id)
or a repeat changes nothing either: it adds no row and no timeline event, resets no poll,
and is counted on the delivery it repeats. Late, older statuses never regress the store;
every new accepted delivery, applied or not, is written to the record's timeline.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from skins_console.api.webhook_signatures import (
    SKINSLINK_WEBHOOK_STATUSES,
    SKINSNODE_WINDOW,
    SkinslinkPurchaseWebhook,
    skinsnode_content_digest,
    verify_skinslink_webhook,
    verify_skinsnode_webhook,
)
from skins_console.core.errors import (
    ApiError,
    ListenerBindError,
    NotFoundError,
    ProfileError,
    StoreError,
    WebhookRejected,
)
from skins_console.core.models import (
    DepositState,
    SkinslinkWebhook,
    WebhookDelivery,
    format_time,
)
from skins_console.services import change_bus
from skins_console.services.context import AppContext
from skins_console.services.webhook_apply import (
    APPLIED,
    DUPLICATE,
    IGNORED,
    SKINSLINK,
    UNKNOWN,
    apply_skinslink,
    apply_skinsnode,
    find_deposit,
    note_reread_failed,
    record_purchase,
    record_unknown,
)
from skins_console.services.webhook_http import (
    RateLimitedLog,
    Request,
    Response,
    WebhookHttpServer,
)
from skins_console.store.secrets import SecretKind
from skins_console.store.webhook_deliveries_repository import delivery_seen, record_delivery

log = logging.getLogger(__name__)

SKINSNODE_PATH = "/webhooks/skinsnode"
SKINSLINK_PATH = "/webhooks/skinslink"
HEALTH_PATH = "/webhooks/health"
#: change-bus kind published for every delivery, so the UI can show listener activity.
WEBHOOK = "webhook"

REJECTED = "rejected"
PURCHASE = "purchase"  # a signed Skinslink purchase delivery: acknowledged, logged only
RETRY = "retry"  # verified, but the deposit could not be re-read (503)
#: Skinslink allows at most one status request per second per deposit.
REREAD_INTERVAL = 1.0
#: After a failed re-read, the same delivery is answered 503 without asking again for this long.
REREAD_RETRY_AFTER = 30.0


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
        if attr in ("applied", "ignored", "duplicates", "unknown", "rejected"):
            setattr(self, attr, getattr(self, attr) + 1)


class WebhookListener:
    """Verifies and applies webhooks for the context's profile."""

    def __init__(
        self,
        ctx: AppContext,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        replay_window: float = SKINSNODE_WINDOW,
    ) -> None:
        self._ctx = ctx
        self._window = replay_window
        self.log = RateLimitedLog(log)
        self._http = WebhookHttpServer(self.handle, host, port, refusals=self.log)
        self._trade_locks: dict[int, asyncio.Lock] = {}
        self._last_reread: dict[int, float] = {}  # trade id → loop time of the last request
        self._failed_rereads: dict[str, tuple[float, ApiError | ProfileError]] = {}
        self._failures_noted: set[str] = set()
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
                host=self._http.host,
                port=self._http.requested_port,
                reason=str(exc.strerror or exc),
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
            # store, only a rate-limited log line (without the signature) for the operator.
            self.stats.count(REJECTED, now)
            self.stats.last_rejection = exc.reason
            self.log.warning(
                f"rejected:{exc.reason}",
                "webhook rejected on %s from %s: %s",
                request.path,
                request.peer,
                exc,
            )
            self._ctx.bus.publish(WEBHOOK, REJECTED)
            return Response(400 if exc.reason == "malformed" else 401, {"error": exc.reason})
        except StoreError as exc:
            # The disk is full, the database locked: the delivery was not recorded, so the
            # provider's retry (SkinsNode's) or the next poll brings it again.
            self.log.warning("store", "webhook on %s not stored: %s", request.path, exc)
            return Response(503, {"error": "cannot store the delivery now; retry later"})
        self.stats.count(outcome, now)
        self._ctx.bus.publish(WEBHOOK, outcome)
        return body

    async def _secret(self, kind: SecretKind) -> str:
        try:
            return await self._ctx.webhook_secret(kind)
        except ProfileError:
            raise WebhookRejected(
                "not_configured", f"the profile has no {kind.label} to check it with"
            ) from None

    # --- SkinsNode ---------------------------------------------------------------------

    async def _skinsnode(self, request: Request, now: datetime) -> tuple[str, Response]:
        secret = await self._secret(SecretKind.SKINSNODE_CLIENT_SECRET)
        delivery = verify_skinsnode_webhook(
            request.headers, request.body, secret, now=now, window=self._window
        )
        digest = skinsnode_content_digest(request.headers["x-timestamp"], request.body)
        profile = self._ctx.require_profile().name
        outcome = await self._ctx.db.call(
            apply_skinsnode, profile, delivery, digest, now=now, cadence=self._ctx.cadence
        )
        external_id = delivery.order.external_id
        if outcome == UNKNOWN:
            self.log.info("unknown", "webhook for unknown order %s ignored", external_id)
            return outcome, Response(202, {"ignored": "unknown order"})
        if outcome == DUPLICATE:
            return outcome, Response(200, {"ok": True, "result": outcome})
        self._ctx.bus.publish(change_bus.ORDER, external_id)
        _log_applied(delivery, outcome)
        return outcome, Response(200, {"ok": True, "result": outcome})

    # --- Skinslink ---------------------------------------------------------------------

    async def _skinslink(self, request: Request, now: datetime) -> tuple[str, Response]:
        secret = await self._secret(SecretKind.SKINSLINK_WEBHOOK_SECRET)
        hook = verify_skinslink_webhook(request.body, secret)
        profile = self._ctx.require_profile().name
        if isinstance(hook, SkinslinkPurchaseWebhook):
            return await self._purchase(hook, now)
        delivery_id = skinslink_delivery_id(hook)
        deposit = await self._ctx.db.read(find_deposit, profile, hook.trade_id, hook.merchant_tx_id)
        if deposit is None:
            if await self._ctx.db.call(record_unknown, delivery_id, str(hook.trade_id), now=now):
                self.log.info(
                    "unknown", "webhook for unknown deposit (trade %s) ignored", hook.trade_id
                )
                return UNKNOWN, Response(202, {"ignored": "unknown deposit"})
            return DUPLICATE, Response(200, {"ok": True, "result": DUPLICATE})
        # One delivery per trade at a time: a repeat waiting behind the first finds it
        # recorded and is only counted, so it costs no request to Skinslink.
        async with self._trade_lock(hook.trade_id):
            if await self._ctx.db.read(delivery_seen, SKINSLINK, delivery_id):
                await self._ctx.db.call(
                    record_delivery, SKINSLINK, delivery_id, key=deposit.merchant_tx_id, now=now
                )
                return DUPLICATE, Response(200, {"ok": True, "result": DUPLICATE})
            try:
                state = await self._reread(hook.trade_id, delivery_id)
            except (ApiError, ProfileError) as exc:
                if self._note_failure_once(delivery_id):
                    await self._ctx.db.call(
                        note_reread_failed, profile, deposit, hook, exc.message, now=now
                    )
                self.log.warning(
                    "reread", "re-reading trade %s after its webhook failed: %s", hook.trade_id, exc
                )
                return RETRY, Response(503, {"error": "status re-read failed; polling continues"})
            outcome = await self._ctx.db.call(
                apply_skinslink,
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

    def _trade_lock(self, trade_id: int) -> asyncio.Lock:
        if len(self._trade_locks) >= 256:
            for key, lock in list(self._trade_locks.items()):
                if not lock.locked():
                    del self._trade_locks[key]
        return self._trade_locks.setdefault(trade_id, asyncio.Lock())

    async def _reread(self, trade_id: int, delivery_id: str) -> DepositState | None:
        """The deposit as Skinslink has it now (None: it does not know the trade).

        Called under the trade's lock. Requests for one trade are spaced ``REREAD_INTERVAL``
        apart (Skinslink's limit), and a delivery whose re-read just failed is answered 503
        again at once rather than sent to Skinslink once per retry or replay.
        """
        loop = asyncio.get_running_loop()
        failed_at = self._failed_rereads.get(delivery_id)
        if failed_at is not None and loop.time() - failed_at[0] < REREAD_RETRY_AFTER:
            raise failed_at[1]
        wait = self._last_reread.get(trade_id, -REREAD_INTERVAL) + REREAD_INTERVAL - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            client = await self._ctx.skinslink()
            return await client.deposit_status(id=trade_id)
        except NotFoundError:
            return None
        except (ApiError, ProfileError) as exc:
            if len(self._failed_rereads) >= 1024:
                self._failed_rereads.clear()
            self._failed_rereads[delivery_id] = (loop.time(), exc)
            raise
        finally:
            if len(self._last_reread) >= 1024:
                self._last_reread.clear()
            self._last_reread[trade_id] = loop.time()

    def _note_failure_once(self, delivery_id: str) -> bool:
        """One timeline note per delivery whose re-read failed, however often it (or a
        replay of it) comes back while Skinslink is unreachable."""
        if delivery_id in self._failures_noted:
            return False
        if len(self._failures_noted) >= 1024:
            self._failures_noted.clear()
        self._failures_noted.add(delivery_id)
        return True

    async def _purchase(
        self, hook: SkinslinkPurchaseWebhook, now: datetime
    ) -> tuple[str, Response]:
        # The merchant webhook URL receives purchase updates too; this console makes no
        # purchases, so it acknowledges them (refusing would only make Skinslink retry, if
        # it retries at all) and leaves a line in the log.
        if not await self._ctx.db.call(record_purchase, hook, now=now):
            return DUPLICATE, Response(200, {"ok": True, "result": DUPLICATE})
        self.log.info(
            "purchase",
            "Skinslink purchase webhook acknowledged: purchase %s is “%s” (merchant_tx_id %s);"
            " this console makes no purchases, nothing changed",
            hook.purchase_id,
            hook.status or "no status",
            hook.merchant_tx_id or "none",
        )
        return PURCHASE, Response(200, {"ok": True, "result": PURCHASE})


def skinslink_delivery_id(hook: SkinslinkWebhook) -> str:
    """Skinslink deliveries carry no id, and ``sign`` covers only the trade id: everything
    else in the body can be changed by whoever replays a captured delivery. What a delivery
    can truthfully say is "trade N changed (to roughly this status)", so that is its
    identity: a replay with a rewritten body is the same delivery, and statuses outside
    the documented set share one slot, so no body can mint unlimited new deliveries."""
    status = hook.status if hook.status in SKINSLINK_WEBHOOK_STATUSES else "other"
    return f"trade:{hook.trade_id}:{status}"


def _is_skinsnode(request: Request) -> bool:
    """The explicit routes decide; on any other path (a relay or tunnel with a fixed path,
    one profile URL for orders and deposits alike) the signature scheme does: SkinsNode
    signs in the ``x-signature`` header, Skinslink in the body's ``sign``."""
    if request.path == SKINSNODE_PATH:
        return True
    if request.path == SKINSLINK_PATH:
        return False
    return "x-signature" in request.headers


def _log_applied(delivery: WebhookDelivery, outcome: str) -> None:
    log.info(
        "webhook %s for %s: %s (%s)",
        delivery.delivery_id,
        delivery.order.external_id,
        delivery.order.status,
        outcome,
    )


# --- headless ------------------------------------------------------------------------------


async def serve_forever(
    ctx: AppContext, host: str, port: int, *, announce: Callable[[str], object] = print
) -> None:
    """Run until SIGINT/SIGTERM (``skins-console webhooks serve``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C raises instead
            pass
    await run_listener(ctx, host, port, stop, announce=announce, hint="Press Ctrl+C to stop.")


async def run_listener(
    ctx: AppContext,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    announce: Callable[[str], object] = print,
    hint: str | None = None,
    started: Callable[[WebhookListener], object] | None = None,
) -> ListenerStats:
    """Listen until ``stop`` is set, announcing each delivery's outcome (sparingly for
    rejections and repeats); also run by ``skins-console serve`` next to the tracker."""
    listener = WebhookListener(ctx, host, port)
    await listener.start()
    if started is not None:
        started(listener)
    profile = ctx.require_profile()
    announce(f"Listening for webhooks of profile “{profile.name}” on {listener.url}")
    announce(f"  SkinsNode: POST {listener.url}{SKINSNODE_PATH}")
    announce(f"  Skinslink: POST {listener.url}{SKINSLINK_PATH}")
    announce(f"  Orders carry the profile's webhook URL: {profile.webhook_url}")
    if hint:
        announce(hint)

    # Rejections and repeats are counted but announced sparingly: a flood of forged or
    # replayed deliveries must not flood the terminal either.
    quiet = RateLimitedLog(log)

    def report(change: change_bus.Change) -> None:
        if change.kind != WEBHOOK:
            return
        if change.key in (REJECTED, DUPLICATE) and quiet.allow(change.key) is None:
            return
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
    return listener.stats


__all__ = [
    "APPLIED",
    "DUPLICATE",
    "HEALTH_PATH",
    "IGNORED",
    "PURCHASE",
    "REJECTED",
    "SKINSLINK_PATH",
    "SKINSNODE_PATH",
    "UNKNOWN",
    "WEBHOOK",
    "ListenerStats",
    "WebhookListener",
    "run_listener",
    "serve_forever",
]

"""One lifecycle for orders and deposits, once they are in the book.

Sending (only a ``draft``/``sending`` record, once at a time per process and, through its
lease, per team of consoles sharing the book; with its stored body and key), refusing
another operator's key, recording an unknown outcome, scheduling the next look after a provider
report, noting the settlement and the trade URL book's outcome, recovery after a crash
(look the key up; adopt what the provider has, or resend the identical body) and one
tracking check are written here once. A :class:`Lifecycle` says what differs: the store's
book, the change-bus kind, the client calls and the provider's words; ``orders_flow`` and
``deposits_flow`` each declare one, as Vorta's ``BorgJob`` subclasses each declare their
command for one shared job runner.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from skins_console.core.errors import (
    ApiError,
    AuthError,
    DatabaseUnavailableError,
    ForbiddenError,
    KeyInUseError,
    NotFoundError,
    StoreError,
)
from skins_console.core.statuses import DRAFT, SENDING, describe, info
from skins_console.core.trade_url import TradeUrl
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.store import leases
from skins_console.store import lifecycle_repository as book_
from skins_console.store.customers_repository import record_customer_use, save_customer
from skins_console.store.database import durable
from skins_console.store.lifecycle_repository import Book, LifecycleRepository

log = logging.getLogger(__name__)

#: ``source`` of a report pushed by the provider; every other source is a request we made,
#: which counts against the provider's cache window / rate limit.
WEBHOOK = "webhook"

#: This process's part of every lease owner id (``operator@host:pid:random``), made once:
#: a console restarted after a crash is another owner, and waits for its old leases to lapse.
_PROCESS = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"

# Outcomes of a send.
ACCEPTED = "accepted"
#: Accepted, then refused at once for a business reason (item gone, price moved, funds).
FAILED = "failed"
REJECTED = "rejected"
#: Sent, outcome not settled: stays ``sending``; the tracker and recovery finish it.
UNKNOWN = "unknown"
#: Another task of this process is sending it right now.
BUSY = "busy"

# Outcomes of a recovery.
ADOPTED = "adopted"
RESENT = "resent"
STILL_UNKNOWN = "unknown"
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a send, a checkout or a deposit came to. ``reused``: the create named the key
    of an existing record (outcome ``existing`` or ``rejected`` when nothing was sent)."""

    record: Any
    #: ACCEPTED | FAILED | REJECTED | UNKNOWN | BUSY | "existing"
    outcome: str
    message: str
    error: ApiError | None = None
    reused: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == ACCEPTED

    @property
    def order(self) -> Any:
        return self.record

    @property
    def deposit(self) -> Any:
        return self.record


@dataclass(frozen=True)
class Lifecycle:
    """What one provider's records need beyond the shared steps."""

    book: Book
    #: the change-bus kind watchers listen to
    change: str
    repo: Callable[[AppContext], LifecycleRepository]
    #: the provider's client (built on first use from the profile and the keyring)
    client: Callable[[AppContext], Awaitable[Any]]
    #: the create call's request: a record's stored body, exactly as it was first written
    request: Callable[[Any], Any]
    #: the provider's current state of a record, by its key (a GET): ``(client, key)``
    fetch: Callable[[Any, str], Awaitable[Any]]
    #: the create call for a record marked ``sending``, its outcome recorded: ``(ctx,
    #: client, record, request, **kw)``
    send_once: Callable[..., Awaitable[SendResult]]
    #: one transaction applying a report: ``(conn, profile, state, *, source, now, cadence)
    #: -> (key, changed)``
    apply_report: Callable[..., tuple[str, bool]]
    #: the provider's minimum interval between two looks at one record
    floor: Callable[[Cadence], float]
    #: when to look again at a record in ``status`` (the sending state's cadence)
    next_check: Callable[[Cadence, str, datetime], datetime | None]
    #: what the settlement note says
    settled: str
    #: the trade partner of a record, and the reason a failed one failed
    partner: Callable[[Any], int | None]
    failure_text: Callable[[Any], str]

    @property
    def kind(self) -> str:
        return self.book.kind

    def key(self, record: Any) -> str:
        return getattr(record, self.book.key)

    def flight(self, key: str) -> tuple[str, str]:
        return (self.book.kind, key)

    async def current(self, ctx: AppContext, key: str) -> Any:
        """The provider's current state of the record ``key``."""
        return await self.fetch(await self.client(ctx), key)

    def in_book(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A store function taking ``(book, conn, …)`` as ``fn(conn, …)`` on this book, for
        ``Database.call`` (its ``durable`` mark kept)."""
        return book_.bound(fn, self.book, fn.__name__)


# --- leases (team mode: several consoles, one book) ---------------------------------------


def lease_owner(ctx: AppContext) -> str:
    """Who holds the leases this console takes (see ``store/leases.py``)."""
    return f"{ctx.db.operator}@{_PROCESS}"


def lease_until(ctx: AppContext, now: datetime) -> datetime:
    """The end of a lease taken ``now``: long enough for one send (a provider answer within
    its deadline) however short the setting. A SQLite book is one console's (the data
    folder's instance lock), so its leases lapse at once: a console restarted after a
    crash finishes its own sends straight away, as it always did."""
    if ctx.db.backend == "sqlite":
        return now
    settings = ctx.settings
    seconds = max(settings.lease_seconds, settings.provider_deadline_seconds + 5)
    return now + timedelta(seconds=seconds)


async def claim(lc: Lifecycle, ctx: AppContext, record: Any) -> leases.Claim:
    """Lease ``record`` to this console for a send or a recovery (durable, before any POST)."""
    now = ctx.clock.now()
    return await ctx.db.call(
        lc.in_book(leases.claim_send),
        record.profile,
        lc.key(record),
        lease_owner(ctx),
        lease_until(ctx, now),
        now,
    )


async def release(lc: Lifecycle, ctx: AppContext, profile: str, keys: list[str]) -> None:
    """Give this console's leases on ``keys`` back; one that cannot be (the database is
    away) lapses by itself, so this never fails the work it follows."""
    if not keys:
        return
    try:
        await ctx.db.call(lc.in_book(leases.release), profile, keys, lease_owner(ctx))
    except StoreError as exc:
        log.info(
            "%d %s lease(s) not released (%s); they lapse by themselves",
            len(keys),
            lc.kind,
            exc.code,
        )


def _held_message(lc: Lifecycle, key: str, held: leases.Claim) -> str:
    holder = (held.holder or "another console").split("@", 1)[0]
    until = f" (its lease runs until {held.holder_until:%H:%M:%S} UTC)" if held.holder_until else ""
    return (
        f"{lc.kind.capitalize()} {key} is being sent or checked by {holder}{until}. Nothing "
        "was sent from here; if that console stops, another finishes it with the same id."
    )


# --- sending -----------------------------------------------------------------------------


async def send(lc: Lifecycle, ctx: AppContext, record: Any, **kw: Any) -> SendResult:
    """Send a ``draft``/``sending`` record (anything else is the provider's already), under
    this console's lease on it: a record another console is sending is left alone."""
    label = lc.book.provider.label
    key = lc.key(record)
    if record.status not in (DRAFT, SENDING):
        return SendResult(record, ACCEPTED, f"Already known to {label}.")
    flight = lc.flight(key)
    if flight in ctx.in_flight:
        return SendResult(record, BUSY, f"{lc.kind.capitalize()} {key} is being sent already.")
    ctx.in_flight.add(flight)
    try:
        held = await claim(lc, ctx, record)
        if not held.granted:
            return SendResult(held.record, BUSY, _held_message(lc, key, held))
        record = held.record
        if record.status not in (DRAFT, SENDING):
            return SendResult(record, ACCEPTED, f"Already known to {label}.")
        try:
            return await _send_stored(lc, ctx, record, **kw)
        except DatabaseUnavailableError as exc:
            # The draft is in the book; whether the POST left is not known here. It is
            # finished with the same key once the database is back, never resent anew.
            return SendResult(
                record,
                UNKNOWN,
                f"The database went away while {lc.kind} {key} was being sent ({exc.message}). "
                f"It stays in the book and is finished with the same {lc.book.key_label} "
                "once the database is back; nothing is sent under a new id.",
            )
    finally:
        ctx.in_flight.discard(flight)
        await release(lc, ctx, record.profile, [key])
        ctx.bus.publish(lc.change, key)


async def _send_stored(lc: Lifecycle, ctx: AppContext, record: Any, **kw: Any) -> SendResult:
    """Mark ``record`` ``sending`` (durably, before the POST) and make the create call with
    its stored body; the client is built first, so a missing secret leaves it as it was."""
    key = lc.key(record)
    request = lc.request(record)
    client = await lc.client(ctx)
    record = await lc.repo(ctx).mark_sending(record.profile, key, now=ctx.clock.now())
    await pause_point(f"{lc.kind}.after_sending", key)
    return await lc.send_once(ctx, client, record, request, **kw)


def refusal_for_other(lc: Lifecycle, ctx: AppContext, existing: Any) -> KeyInUseError | None:
    """The refusal of a key another operator's record already has in a shared book (None
    when the record is this operator's, or from before operators were recorded)."""
    creator = getattr(existing, "operator", None)
    if creator is None or creator == ctx.db.operator:
        return None
    return KeyInUseError(
        kind=lc.kind,
        key=lc.key(existing),
        operator=getattr(existing, "sent_by", None) or creator,
        sent_at=existing.created_at,
    )


def refuse_if_others(lc: Lifecycle, ctx: AppContext, existing: Any) -> None:
    """Raise ``KeyInUseError`` when ``existing`` is another operator's record: checked before
    anything else is said about a reused key."""
    refusal = refusal_for_other(lc, ctx, existing)
    if refusal is not None:
        raise refusal


async def refuse_taken(lc: Lifecycle, ctx: AppContext, profile: str, key: str) -> None:
    """After a draft's insert met an existing key (another console wrote it meanwhile):
    raise ``KeyInUseError`` when it is another operator's; return to re-raise otherwise."""
    existing = await lc.repo(ctx).get(profile, key)
    refusal = None if existing is None else refusal_for_other(lc, ctx, existing)
    if refusal is not None:
        raise refusal from None


async def resume(lc: Lifecycle, ctx: AppContext, existing: Any) -> SendResult:
    """A create asked again with the key of an existing record: finish an unsent one with
    its stored body; report any other, sending nothing. Another operator's key is refused
    (``KeyInUseError``) before anything is sent."""
    refuse_if_others(lc, ctx, existing)
    if existing.status in (DRAFT, SENDING):
        return replace(await send(lc, ctx, existing), reused=True)
    return SendResult(
        existing,
        "rejected" if existing.status == REJECTED else "existing",
        f"{lc.kind.capitalize()} {lc.key(existing)} already exists: "
        f"{describe(lc.book.provider, existing.status)}. Nothing new was sent.",
        reused=True,
    )


def draft_lease(lc: Lifecycle, ctx: AppContext, now: datetime) -> tuple[Book, str, datetime]:
    """``write_draft``'s ``lease``: this console's, on a draft written ``now``."""
    return (lc.book, lease_owner(ctx), lease_until(ctx, now))


@durable
def write_draft(
    conn: Any,
    insert: Callable[..., Any],
    *,
    profile: str,
    trade: TradeUrl,
    now: datetime,
    lease: tuple[Book, str, datetime] | None = None,
    **kw: Any,
) -> Any:
    """One durable commit: the record (``insert(conn, profile=…, now=…, **kw)``), its first
    event, the trade partner's entry in the trade URL book and, with ``lease`` (book,
    owner, until), the writer's lease on it: no other console picks a fresh draft up
    before its writer has sent it."""
    record = insert(conn, profile=profile, now=now, **kw)
    if lease is not None:
        book, owner, until = lease
        leases.claim_send(book, conn, profile, getattr(record, book.key), owner, until, now)
    save_customer(conn, profile, trade.url, now=now)
    record_customer_use(conn, profile, trade.partner, success=None, now=now)
    return record


def record_unknown(
    conn: Any, lc: Lifecycle, record: Any, *, message: str, now: datetime, cadence: Cadence
) -> None:
    """A send whose outcome is unknown: say so, and look again at the sending cadence."""
    key = lc.key(record)
    book_.record_event(lc.book, conn, record.profile, key, "api_error", message, now=now)
    book_.schedule_check(
        lc.book,
        conn,
        record.profile,
        key,
        next_check_at=lc.next_check(cadence, SENDING, now),
    )


async def send_failed(
    lc: Lifecycle,
    ctx: AppContext,
    record: Any,
    exc: ApiError,
    refusal: Callable[[ApiError], str],
    reject: Callable[..., Any] | None = None,
) -> SendResult:
    """A create call that raised: an unknown outcome stays ``sending``; a refusal (4xx)
    is ``rejected`` with ``refusal(exc)`` as its message, written by ``reject(conn, record,
    *, code, message, details, now)`` (default: the book's ``mark_rejected``)."""
    repo, key, now = lc.repo(ctx), lc.key(record), ctx.clock.now()
    if exc.outcome_unknown or exc.code == "rate_limited":
        await ctx.db.call(
            record_unknown, lc, record, message=exc.message, now=now, cadence=ctx.cadence
        )
        return SendResult(await repo.get(record.profile, key), UNKNOWN, exc.message, exc)
    message = refusal(exc)
    await ctx.db.call(
        reject or functools.partial(_mark_rejected, lc.book),
        record,
        code=exc.code,
        message=message,
        details={"status": exc.status, "body": exc.body},
        now=now,
    )
    return SendResult(await repo.get(record.profile, key), REJECTED, message, exc)


def _mark_rejected(book: Book, conn: Any, record: Any, **kw: Any) -> bool:
    return book_.mark_rejected(book, conn, record.profile, getattr(record, book.key), **kw)


# --- after a provider report -------------------------------------------------------------


def after_report(
    lc: Lifecycle,
    conn: Any,
    record: Any,
    *,
    before: Any,
    changed: bool,
    source: str,
    now: datetime,
    next_check_at: datetime | None,
) -> None:
    """In the report's transaction: schedule the next look, note a settlement (the end of
    Trade Protection), and note the outcome in the trade URL book."""
    key = lc.key(record)
    book_.schedule_check(
        lc.book,
        conn,
        record.profile,
        key,
        next_check_at=next_check_at,
        checked_at=None if source == WEBHOOK else now,
    )
    if (
        record.status == "completed"
        and next_check_at is None
        and (before is None or before.next_check_at is not None)
    ):
        book_.record_event(lc.book, conn, record.profile, key, "note", lc.settled, now=now)
    partner = lc.partner(record)
    if not changed or partner is None:
        return
    entry = info(lc.book.provider, record.status)
    if entry.failure:
        error = lc.failure_text(record)
        record_customer_use(conn, record.profile, partner, success=False, error=error, now=now)
    elif entry.group.value in ("on_hold", "delivered"):
        url = getattr(record, "trade_url", None)  # orders keep the URL they went to
        record_customer_use(conn, record.profile, partner, success=True, now=now, trade_url=url)


async def record_report(
    lc: Lifecycle, ctx: AppContext, profile: str, state: Any, *, source: str = "poll"
) -> tuple[str, bool]:
    """Apply a report in one transaction and tell the watchers: ``(key, changed)``."""
    key, changed = await ctx.db.call(
        lc.apply_report, profile, state, source=source, now=ctx.clock.now(), cadence=ctx.cadence
    )
    ctx.bus.publish(lc.change, key)
    return key, changed


# --- recovery ----------------------------------------------------------------------------


async def reconcile(lc: Lifecycle, ctx: AppContext, record: Any) -> str:
    """Finish a ``draft``/``sending`` record a crash left: adopt the provider's status, or
    resend the identical body under the same key when the provider has none. Only under
    this console's lease: a record another console holds (it may be sending it right now)
    is skipped until that lease lapses.

    Rejected credentials (401/403) are raised; any other failure leaves it for later."""
    key = lc.key(record)
    if lc.flight(key) in ctx.in_flight:
        return SKIPPED
    held = await claim(lc, ctx, record)
    if not held.granted:
        return SKIPPED
    try:
        if held.record.status not in (DRAFT, SENDING):
            return SKIPPED  # another console finished it meanwhile
        return await _reconcile(lc, ctx, held.record)
    finally:
        await release(lc, ctx, record.profile, [key])


async def _reconcile(lc: Lifecycle, ctx: AppContext, record: Any) -> str:
    key, label, key_label = lc.key(record), lc.book.provider.label, lc.book.key_label
    repo = lc.repo(ctx)
    try:
        state = await lc.current(ctx, key)
    except NotFoundError:
        await repo.record_event(
            record.profile,
            key,
            "recovery",
            f"{label} has no such {lc.kind} (the send was interrupted before it arrived); "
            f"sending the identical request again with the same {key_label}.",
        )
        sent = await send(lc, ctx, record)
        return {REJECTED: REJECTED, UNKNOWN: STILL_UNKNOWN, BUSY: SKIPPED}.get(sent.outcome, RESENT)
    except (AuthError, ForbiddenError):
        raise
    except ApiError as exc:
        log.info("recovery of %s %s postponed: %s", lc.kind, key, exc.code)
        return STILL_UNKNOWN
    await repo.record_event(
        record.profile,
        key,
        "recovery",
        f"{label} already has this {lc.kind} ({describe(lc.book.provider, state.status)}); "
        "adopted its status.",
    )
    await record_report(lc, ctx, record.profile, state, source="recovery")
    return ADOPTED


# --- tracking ----------------------------------------------------------------------------


def too_soon(ctx: AppContext, last_checked_at: datetime | None, floor: timedelta) -> bool:
    # The wall clock, not the pass's "now": a pass may be asked to act as if later.
    return last_checked_at is not None and ctx.clock.now() - last_checked_at < floor


async def check(lc: Lifecycle, ctx: AppContext, record: Any) -> bool:
    """One tracking look at ``record``: whether its status moved (not when it was looked at
    within the provider's cache window: it is rescheduled past it). A record still
    ``draft``/``sending`` goes to recovery. ``ApiError`` is the caller's to handle."""
    key, repo = lc.key(record), lc.repo(ctx)
    floor = ctx.cadence.delay(lc.floor(ctx.cadence))
    local = info(lc.book.provider, record.status).local
    if not local and too_soon(ctx, record.last_checked_at, floor):
        # Looked at within the cache window (an earlier pass claiming a later "now", a
        # recovery): the provider would answer from its cache anyway.
        await repo.schedule_check(record.profile, key, next_check_at=record.last_checked_at + floor)
        return False
    if local:
        await reconcile(lc, ctx, record)
        after = await repo.get(record.profile, key)
        return after is not None and after.status != record.status
    _key, changed = await record_report(lc, ctx, record.profile, await lc.current(ctx, key))
    return changed

"""What the operator is told, and when: notifications derived from the store's timeline.

A notification is derived from a ``status_change`` event, never from a change-bus message:
the event table is the single record of what happened, its ids only grow, and the last id
the operator was told about is kept per profile in the settings. So each change is notified
exactly once, however many polls, webhooks or bus messages it caused, and changes that
happened while the console was closed (the headless webhook listener, ``orders sync`` in a
cron job) come back as one "while you were away" summary at start-up.

Low balance and rejected credentials are states, not events: they notify once per crossing
(balance falls under the threshold; tracking pauses) and re-arm when the state clears.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from skins_console.core.errors import StoreError
from skins_console.core.money import format_cents, format_usd
from skins_console.core.records import EventRecord
from skins_console.core.statuses import STATUS_TABLE, Provider, word
from skins_console.services.context import AppContext
from skins_console.services.explain import explain_deposit_failure

log = logging.getLogger(__name__)

#: (record kind, new status) → notification kind (a key of settings.NOTIFICATION_KINDS)
STATUS_KINDS: dict[tuple[str, str], str] = {
    ("order" if provider is Provider.SKINSNODE else "deposit", status): entry.notification
    for provider, table in STATUS_TABLE.items()
    for status, entry in table.items()
    if entry.notification is not None
}
#: Kinds that want the operator's attention; the tray shows them as warnings.
URGENT = frozenset(
    {
        "order_failed",
        "order_expired",
        "order_reversed",
        "order_cancelled",
        "deposit_failed",
        "deposit_reverted",
        "low_balance",
        "credentials_rejected",
    }
)


def _word(record_kind: str, status: str) -> str:
    return word(Provider.SKINSNODE if record_kind == "order" else Provider.SKINSLINK, status)


def status_title(record_kind: str, status: str) -> str:
    """ "Order delivered", "Deposit on hold", "Trade offer sent": the merchant's word for the
    new status (``core.statuses.word``), the same word the Orders table and details show."""
    said = _word(record_kind, status)
    if said == "offer sent":
        return "Trade offer sent"
    return f"{record_kind.capitalize()} {said}"


def _summary_part(count: int, record_kind: str, status: str) -> str:
    """ "2 orders delivered", "1 deposit on hold", "3 offers sent"."""
    said = _word(record_kind, status)
    noun = "offer" if said == "offer sent" else record_kind
    said = "sent" if said == "offer sent" else said
    return f"{count} {noun if count == 1 else noun + 's'} {said}"


@dataclass(frozen=True, slots=True)
class Notification:
    kind: str
    title: str
    body: str
    #: "order" / "deposit" with the record's key, so a click can open it; None for states
    record_kind: str | None = None
    key: str | None = None

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT or self.kind.endswith("_attention")


#: More notifications than this at once (a tracking pass after the laptop woke up, a
#: burst of offers going out) are shown as one grouped message; each stays in the history.
GROUP_OVER = 3


def group(notes: list[Notification]) -> Notification | None:
    """One message standing for a burst of notifications; None when there is no burst."""
    if len(notes) <= GROUP_OVER:
        return None
    counts = Counter(note.title for note in notes)
    parts = [f"{count} × {title.lower()}" for title, count in counts.most_common()]
    urgent = any(note.urgent for note in notes)
    return Notification(
        kind="group_attention" if urgent else "group",
        title=f"{len(notes)} updates",
        body="; ".join(parts) + ". See the Orders tab for details.",
    )


class _Latch:
    """Trips once per crossing: the first time a condition holds; re-armed when it stops."""

    def __init__(self) -> None:
        self.tripped = False

    def crossed(self, active: bool) -> bool:
        """Whether ``active`` has just started to hold."""
        if not active:
            self.tripped = False
            return False
        if self.tripped:
            return False
        self.tripped = True
        return True


class NotificationService:
    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._low_balance = _Latch()
        self._credentials_rejected = _Latch()

    # --- timeline-derived -------------------------------------------------------------

    async def _cursor(self, profile: str) -> int | None:
        return self._ctx.settings.notifications_cursor.get(profile)

    async def _save_cursor(self, profile: str, event_id: int) -> None:
        cursors = dict(self._ctx.settings.notifications_cursor)
        if cursors.get(profile) == event_id:
            return
        cursors[profile] = event_id
        self._ctx.settings.notifications_cursor = cursors
        if self._ctx.settings.path is None:
            return
        try:
            await self._ctx.settings.save_in_background()
        except (OSError, StoreError):
            # Worst case after a failed save: a change is notified again after a restart.
            log.warning("could not save the notification cursor", exc_info=True)

    async def start(self) -> list[Notification]:
        """At start-up: one summary of what changed since the console last told the
        operator (empty on the first run, which starts from now)."""
        profile = self._ctx.require_profile().name
        cursor = await self._cursor(profile)
        if cursor is None:
            await self._save_cursor(profile, await self._ctx.events.last_id(profile))
            return []
        events = await self._drain(profile, cursor)
        told = [
            (kind, event)
            for kind, event in self._classify(events)
            if self._ctx.settings.notification_enabled(kind)
        ]
        if not told:
            return []
        states = Counter((event.kind, event.new_status or "") for _kind, event in told)
        parts = [_summary_part(count, *state) for state, count in states.most_common()]
        urgent = any(kind in URGENT for kind, _event in told)
        return [
            Notification(
                kind="away_summary" if not urgent else "away_summary_attention",
                title="While the console was closed",
                body=", ".join(parts) + ". See the Orders tab for details.",
            )
        ]

    async def collect(self) -> list[Notification]:
        """Notifications for timeline events not yet told; each event at most once."""
        profile = self._ctx.require_profile().name
        cursor = await self._cursor(profile)
        if cursor is None:
            # start() was not called: begin from now rather than replay the whole history.
            await self._save_cursor(profile, await self._ctx.events.last_id(profile))
            return []
        return await self.describe_events(await self._drain(profile, cursor))

    async def describe_events(self, events: list[EventRecord]) -> list[Notification]:
        """The notifications ``events`` call for under the per-event rules, oldest first
        (also what the chat channels forward, from their own cursor)."""
        result = []
        for kind, event in self._classify(events):
            if self._ctx.settings.notification_enabled(kind):
                result.append(await self._describe(kind, event))
        return result

    async def _drain(self, profile: str, cursor: int) -> list[EventRecord]:
        events: list[EventRecord] = []
        while True:
            batch = await self._ctx.events.after(profile, cursor, limit=500)
            if not batch:
                break
            events.extend(batch)
            last_id = batch[-1].id
            if last_id is None:  # events read back from the book always carry their id
                raise StoreError("A stored event has no id.")
            cursor = last_id
            if len(batch) < 500:
                break
        if events:
            await self._save_cursor(profile, cursor)
        return events

    @staticmethod
    def _classify(events: list[EventRecord]):
        for event in events:
            if event.type != "status_change" or not event.new_status:
                continue
            kind = STATUS_KINDS.get((event.kind, event.new_status))
            if kind:
                yield kind, event

    async def _describe(self, kind: str, event: EventRecord) -> Notification:
        title = status_title(event.kind, event.new_status or "")
        said = _word(event.kind, event.new_status or "")
        if event.kind == "order":
            order = await self._ctx.orders.get(event.profile, event.key)
            what = order.item_name if order else event.key
            money = format_cents(order.expected_price_cents) if order else ""
            if kind == "order_sent":
                body = f"{what}: the buyer has 10 minutes to accept the offer" + (
                    f" (offer {order.steam_offer_id})." if order and order.steam_offer_id else "."
                )
            elif kind == "order_completed":
                settles = (
                    f"It settles on {order.settles_at.astimezone():%Y-%m-%d %H:%M}, when "
                    "Trade Protection ends."
                    if order and order.settles_at
                    else "It settles when Trade Protection ends (7 days)."
                )
                body = f"{what} ({money}) was delivered. {settles}"
            else:
                # The provider's own reason when it gave one (the title already says the
                # state, so the state's explanation would only repeat it), else that
                # explanation.
                reason = (order.failure_message or order.failure_code) if order else None
                body = f"{what} ({money}): {reason or event.message or said}"
        else:
            deposit = await self._ctx.deposits.get(event.profile, event.key)
            amount = format_usd(deposit.amount) if deposit and deposit.amount is not None else ""
            names = (
                ", ".join(item.get("name", "?") for item in deposit.items)
                if deposit and deposit.items
                else event.key
            )
            # Skinslink gives a failure as a code (``fail_reason``), not as words: its plain
            # words, as the deposit form and the Orders details say them. Only on a failure:
            # a deposit reverted after it completed has a reason its earlier notes must not show.
            reason = (
                explain_deposit_failure(deposit.fail_reason)
                if kind in URGENT and deposit and deposit.fail_reason
                else None
            )
            body = f"{names} {amount}".strip() + f": {reason or event.message or said}"
        return Notification(kind, title, body, event.kind, event.key)

    # --- states ---------------------------------------------------------------------------

    def check_balance(
        self, available_cents: int, projected_cents: int | None, threshold_cents: int
    ) -> Notification | None:
        """Once per crossing under the threshold; re-armed when the balance recovers."""
        balance = projected_cents if projected_cents is not None else available_cents
        low = threshold_cents > 0 and balance < threshold_cents
        if not self._low_balance.crossed(low):
            return None
        return self._if_enabled(
            Notification(
                "low_balance",
                "Low balance",
                f"The SkinsNode balance after open orders is {format_cents(balance)}, "
                f"under your threshold of {format_cents(threshold_cents)}. Top up the "
                "prepaid wallet before taking more orders.",
            )
        )

    def check_tracking(self, paused: str | None, detail: str | None) -> Notification | None:
        """Once per pause of the tracker on rejected credentials or a refused IP."""
        if not self._credentials_rejected.crossed(bool(paused)) or paused is None:
            return None
        return self._if_enabled(
            Notification(
                "credentials_rejected",
                "Tracking paused",
                f"{paused[0].upper()}{paused[1:]}: {detail or ''} Order statuses are not "
                "being updated until this is fixed (Settings → Profile).",
            )
        )

    def _if_enabled(self, notification: Notification) -> Notification | None:
        """``notification`` unless the operator turned its kind off."""
        if self._ctx.settings.notification_enabled(notification.kind):
            return notification
        return None

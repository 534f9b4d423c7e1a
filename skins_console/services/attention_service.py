"""The attention queue: one place for what needs the operator, each with its reason.

Reasons come from ``core.statuses.attention_reason`` through ``core.attention.reason_for``:
expired before the buyer accepted, failed, cancelled, reversed, refused by the provider
(a draft that was never created there), stuck (a send never confirmed, an offer past its
window, no provider progress for ``NO_PROGRESS_AFTER``), a deposit whose Steam hold ended
without completion, an unknown status. ``resolve`` marks an item handled for its current
reason, with an optional note, and writes who and when into its timeline; it leaves the
queue until a different reason brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from skins_console.core.attention import AttentionItem, reason_for
from skins_console.core.buyers import clean_note
from skins_console.core.errors import UnknownAttentionItemError, ValidationError
from skins_console.core.records import EventRecord
from skins_console.services import change_bus
from skins_console.services.context import AppContext
from skins_console.store.attention_repository import AttentionRepository
from skins_console.store.database import default_operator

KINDS = ("order", "deposit")


def split_key(text: str) -> tuple[str | None, str]:
    """``order:KEY`` / ``deposit:KEY`` name the kind; a bare key may be either."""
    value = (text or "").strip()
    kind, sep, rest = value.partition(":")
    if sep and kind in KINDS and rest:
        return kind, rest
    return None, value


@dataclass(frozen=True, slots=True)
class Resolved:
    kind: str
    key: str
    reason: str
    event: EventRecord


class AttentionService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.repo = AttentionRepository(ctx.db)

    def operator(self) -> str:
        """The name the timeline gives the operator: on a team book the console's operator
        (the name the team knows, stamped on every record); else the setting, else the OS
        user."""
        if self.ctx.db.backend == "postgresql":
            return self.ctx.db.operator
        return self.ctx.settings.operator_name or default_operator()

    async def items(self) -> list[AttentionItem]:
        profile = self.ctx.require_profile().name
        return await self.repo.items(profile, self.ctx.clock.now())

    async def count(self) -> int:
        return len(await self.items())

    async def resolve(self, key: str, *, note: str = "") -> Resolved:
        """Mark the order or deposit ``key`` handled for the reason it is in the queue."""
        ctx = self.ctx
        profile = ctx.require_profile().name
        kind, bare = split_key(key)
        if not bare:
            raise ValidationError("Say which order or deposit to mark handled.", field="key")
        text = clean_note(note)
        found = await self.repo.find(profile, bare, kind)
        if not found:
            raise UnknownAttentionItemError(key=bare, reason="there is no such order or deposit")
        if len(found) > 1:
            raise ValidationError(
                f"{bare} is both an order and a deposit; write order:{bare} or deposit:{bare}.",
                field="key",
                code="ambiguous_key",
            )
        found_kind, record = found[0]
        now = ctx.clock.now()
        reason = reason_for(record, now)
        if reason is None:
            raise UnknownAttentionItemError(key=bare, reason="it needs nothing at the moment")
        mark = await self.repo.mark(profile, found_kind, bare)
        if mark is not None and mark.reason == reason:
            raise UnknownAttentionItemError(
                key=bare,
                reason=f"{mark.handled_by} already marked it handled "
                f"on {mark.handled_at:%Y-%m-%d %H:%M} UTC",
            )
        event = await self.repo.resolve(
            profile, found_kind, bare, reason=reason, operator=self.operator(), note=text, now=now
        )
        ctx.bus.publish(change_bus.ORDER if found_kind == "order" else change_bus.DEPOSIT, bare)
        return Resolved(found_kind, bare, reason, event)

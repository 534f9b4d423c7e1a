"""The buyer book: who the shop sells to (and buys from), by Steam account.

A buyer is an entry of the trade URL book (``store/customers_repository.py``), entered the
first time an order or deposit goes to their trade URL. ``find`` takes what an operator
types: a SteamID64, a 32-bit account id, a trade URL or the name they gave the buyer.

``reversal_warning(partner)`` is the check the checkout runs before writing an order: a
buyer who reversed a trade within ``core.buyers.REVERSAL_WARNING_WINDOW`` gets a
``BuyerReversedWarning`` unless the operator confirmed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from skins_console.core.buyers import (
    REVERSAL_WARNING_WINDOW,
    BuyerSummary,
    TradeUrlUse,
    account_id_of,
    clean_name,
    clean_note,
    steamid64,
)
from skins_console.core.errors import (
    AmbiguousBuyerError,
    BuyerReversedWarning,
    UnknownBuyerError,
)
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.trade_url import parse_trade_url
from skins_console.services import change_bus
from skins_console.services.context import AppContext
from skins_console.store.buyers_repository import BuyersRepository


@dataclass(frozen=True, slots=True)
class BuyerDetails:
    summary: BuyerSummary
    trade_urls: list[TradeUrlUse]
    orders: list[OrderRecord]
    deposits: list[DepositRecord]


class BuyerBook:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.repo = BuyersRepository(ctx.db)

    def _profile(self) -> str:
        return self.ctx.require_profile().name

    async def list(self, *, text: str | None = None, limit: int = 500) -> list[BuyerSummary]:
        return await self.repo.summaries(self._profile(), text=text, limit=limit)

    async def summary(self, partner: int) -> BuyerSummary | None:
        found = await self.repo.summaries(self._profile(), partners=[partner])
        return found[0] if found else None

    async def find(self, wanted: str) -> BuyerSummary:
        """The buyer ``wanted`` names: a SteamID64, an account id, a trade URL or a name."""
        profile = self._profile()
        text = (wanted or "").strip()
        partner = account_id_of(text)
        if partner is None and "tradeoffer" in text.lower():
            partner = parse_trade_url(text).partner
        if partner is None:
            named = await self.repo.named(profile, text)
            if len(named) > 1:
                raise AmbiguousBuyerError(
                    wanted=text, steamids=tuple(steamid64(c.partner) for c in named)
                )
            if named:
                partner = named[0].partner
        summary = await self.summary(partner) if partner is not None else None
        if summary is None:
            raise UnknownBuyerError(wanted=text, profile=profile, similar=await self._similar(text))
        return summary

    async def _similar(self, text: str) -> tuple[str, ...]:
        customers = await self.ctx.customers.list(self._profile(), limit=5000)
        names = [c.label for c in customers if c.label]
        return tuple(difflib.get_close_matches(text, names, n=3, cutoff=0.6))

    async def details(self, wanted: str, *, limit: int = 200) -> BuyerDetails:
        summary = await self.find(wanted)
        profile = self._profile()
        urls = await self.ctx.customers.trade_urls(profile, summary.partner)
        orders, deposits = await self.repo.records(profile, summary.partner, limit=limit)
        return BuyerDetails(summary, urls, orders, deposits)

    async def name(self, wanted: str, name: str | None, *, note: str | None = None) -> BuyerSummary:
        """Give a buyer a name or handle (``""`` clears it) and optionally a note. A trade
        URL adds the buyer to the book if they are not in it yet."""
        profile = self._profile()
        clean = clean_name(name) if name is not None else None
        text = (wanted or "").strip()
        if account_id_of(text) is None and "tradeoffer" in text.lower():
            trade = parse_trade_url(text)
            if await self.ctx.customers.get(profile, trade.partner) is None:
                await self.ctx.customers.save(profile, trade.url, now=self.ctx.clock.now())
        summary = await self.find(text)
        await self.ctx.customers.set_name(
            profile,
            summary.partner,
            name=clean,
            note=clean_note(note) if note is not None else None,
        )
        self.ctx.bus.publish(change_bus.CUSTOMER, str(summary.partner))
        updated = await self.summary(summary.partner)
        assert updated is not None
        return updated

    async def reversal_warning(self, partner: int) -> BuyerReversedWarning | None:
        """The warning to show before selling to ``partner`` again, or None."""
        profile = self._profile()
        since = self.ctx.clock.now() - REVERSAL_WARNING_WINDOW
        reversals = await self.repo.reversals_since(profile, partner, since)
        if not reversals:
            return None
        customer = await self.ctx.customers.get(profile, partner)
        label = customer.label if customer is not None and customer.label else ""
        who = f"{label} ({steamid64(partner)})" if label else f"Buyer {steamid64(partner)}"
        return BuyerReversedWarning(
            buyer=who,
            steamid64=steamid64(partner),
            reversals=len(reversals),
            last_reversal_at=reversals[0][2],
            keys=tuple(key for _, key, _ in reversals),
        )

"""The SkinsNode prepaid balance, its history, and what is really left to spend.

The provider's ``availableBalance`` does not yet show every open order, so the console
shows a *projected* balance: the balance minus what open orders have reserved but the
balance does not reflect. SkinsNode debits an order when it accepts it and refunds it when
the order fails (the sandbox models it so; the contract is silent), and a wallet read may
be up to 30 s old (its cache), so "reserved" is:

* every order not yet confirmed by SkinsNode (``draft``, ``sending``): it may be charged
  any moment;
* every open order accepted less than one cache window before the balance was read: the
  balance may predate its debit.

Subtracting *all* open orders instead would count each accepted order twice and refuse
sales the wallet can pay for. Checkout and the low-balance warning use the projected figure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from skins_console.core.money import format_cents
from skins_console.core.records import WalletSnapshot
from skins_console.services import change_bus
from skins_console.services.context import AppContext


@dataclass(frozen=True, slots=True)
class WalletView:
    available_cents: int
    currency: str
    reserved_cents: int
    low_balance_threshold_cents: int
    fetched_at: datetime
    #: True when this is the last stored snapshot, not a fresh answer
    offline: bool = False

    @property
    def projected_cents(self) -> int:
        return self.available_cents - self.reserved_cents

    @property
    def low(self) -> bool:
        threshold = self.low_balance_threshold_cents
        return threshold > 0 and self.projected_cents < threshold

    def summary(self) -> str:
        text = (
            f"{format_cents(self.available_cents, self.currency)} available, "
            f"{format_cents(self.reserved_cents, self.currency)} reserved by open orders, "
            f"{format_cents(self.projected_cents, self.currency)} projected"
        )
        if self.low:
            text += (
                f" (below the low-balance threshold of "
                f"{format_cents(self.low_balance_threshold_cents, self.currency)})"
            )
        return text


class WalletService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def fetch(self) -> WalletView:
        """Ask SkinsNode for the balance; every answer is stored for the history chart."""
        profile = self.ctx.require_profile()
        wallet = await (await self.ctx.skinsnode()).wallet()
        await self.ctx.wallets.add(
            WalletSnapshot(
                profile=profile.name,
                at=wallet.fetched_at,
                available_cents=wallet.available_cents,
                currency=wallet.currency,
            )
        )
        reserved = await self._reserved(profile.name, wallet.fetched_at)
        self.ctx.bus.publish(change_bus.WALLET, profile.name)
        return WalletView(
            wallet.available_cents,
            wallet.currency,
            reserved,
            profile.low_balance_threshold_cents,
            wallet.fetched_at,
        )

    async def last(self) -> WalletView | None:
        """The last stored balance (for start-up and offline display)."""
        profile = self.ctx.require_profile()
        snapshot = await self.ctx.wallets.latest(profile.name)
        if snapshot is None:
            return None
        reserved = await self._reserved(profile.name, snapshot.at)
        return WalletView(
            snapshot.available_cents,
            snapshot.currency,
            reserved,
            profile.low_balance_threshold_cents,
            snapshot.at,
            offline=True,
        )

    async def recount(self, view: WalletView) -> WalletView:
        """The same balance read with what open orders reserve now: an order that became
        final since the read no longer holds money back, a new one does."""
        profile = self.ctx.require_profile()
        reserved = await self._reserved(profile.name, view.fetched_at)
        return replace(
            view,
            reserved_cents=reserved,
            low_balance_threshold_cents=profile.low_balance_threshold_cents,
        )

    def cache_window(self) -> timedelta:
        """How old a wallet read may be when it arrives (SkinsNode's cache), on the clock
        the console runs by."""
        return self.ctx.cadence.delay(self.ctx.cadence.order_floor)

    async def _reserved(self, profile: str, balance_as_of: datetime) -> int:
        # one SUM in the store (the rule above, as SQL): no open order is read in full
        return await self.ctx.orders.reserved_cents(
            profile, accepted_since=balance_as_of - self.cache_window()
        )

    async def history(self, *, since: datetime | None = None) -> list[WalletSnapshot]:
        return await self.ctx.wallets.history(self.ctx.require_profile().name, since=since)

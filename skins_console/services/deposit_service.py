"""Buying items from a user through Skinslink: quote by hash name, then commit a deposit.

A quote locks prices for five minutes; the deposit must be created inside that window with
the quote's trade id. The deposit (exact body, its merchant_tx_id) is written to SQLite and
the quote marked used, in one durable commit, before anything is sent.

**Given transaction ids** follow the order rule: the same deposit (same quote, same seller,
same items) is reused; a different one under the same id is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from skins_console.core.errors import (
    NoDepositItemsError,
    QuoteLockExpiredError,
    QuoteNotLockedError,
    RecordIdTakenError,
    StoreError,
    UnknownQuoteError,
    ValidationError,
)
from skins_console.core.market_names import clean_market_hash_name, validate_game
from skins_console.core.models import DepositItem, DepositRequest
from skins_console.core.records import DepositRecord, QuoteRecord
from skins_console.core.trade_url import TradeUrl, parse_trade_url
from skins_console.services import change_bus, lifecycle
from skins_console.services.checkout_service import validate_external_id
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.deposits_flow import LIFECYCLE, send_deposit
from skins_console.services.lifecycle import SendResult
from skins_console.store.database import durable
from skins_console.store.deposits_repository import insert_deposit_draft
from skins_console.store.quotes_repository import mark_quote_used

THOUSANDTH = Decimal("0.001")
#: Do not start a deposit this close to the lock's end: our expiry is computed from when
#: the answer arrived, a little later than Skinslink started the lock.
QUOTE_SAFETY_SECONDS = 5.0
_STEAM_APP_GAMES = {"730": "csgo", "252490": "rust", "570": "dota2", "440": "tf2"}


def skinslink_game(value: str | None) -> str:
    """A Skinslink game code; Steam app ids (the profile default ``730``) are mapped."""
    text = (value or "csgo").strip()
    return validate_game(_STEAM_APP_GAMES.get(text, text))


def default_min_price(quoted: Decimal, tolerance_pct: Decimal) -> Decimal:
    """The quoted price less the profile's tolerance, rounded down to 1/1000 USD."""
    floor = quoted * (Decimal(100) - tolerance_pct) / Decimal(100)
    return floor.quantize(THOUSANDTH, rounding=ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class DepositLine:
    name: str
    asset_id: str
    #: None: the quoted price minus the profile's tolerance
    min_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DepositInput:
    quote_id: int
    trade_url: str
    items: tuple[DepositLine, ...]
    merchant_tx_id: str | None = None


#: ``.deposit`` is the record; ``.outcome`` one of the lifecycle's send outcomes
DepositResult = SendResult


@durable
def _write_draft(conn, *, request: DepositRequest, quote_id: int, **draft: Any) -> DepositRecord:
    """The deposit, its first event, its quote marked used, the seller's trade URL book
    entry and this console's lease on it, in one commit. ``draft`` (profile, trade, now,
    lease) goes to ``lifecycle.write_draft`` as it is."""
    mark_quote_used(conn, quote_id, request.merchant_tx_id)
    return lifecycle.write_draft(
        conn, insert_deposit_draft, request=request, quote_id=quote_id, **draft
    )


class DepositService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # --- quotes --------------------------------------------------------------------------

    async def quote(
        self, names: list[str], *, game: str | None = None, price_only: bool = False
    ) -> QuoteRecord:
        """Price ``names``; unless ``price_only`` Skinslink also locks them for 5 minutes."""
        profile = self.ctx.require_profile()
        game = skinslink_game(game or profile.default_game)
        link = await self.ctx.skinslink()
        quote = await link.get_prices(game, names, no_deposit_intent=price_only)
        if quote.lock_expires_at is not None and self.ctx.cadence.time_scale != 1:
            # A fast sandbox runs its 5-minute lock in 5 min x time_scale of wall time.
            lock = (quote.lock_expires_at - quote.fetched_at) * self.ctx.cadence.time_scale
            quote = replace(quote, lock_expires_at=quote.fetched_at + lock)
        record = await self.ctx.quotes.save(profile.name, quote)
        self.ctx.bus.publish(change_bus.QUOTE, str(record.id))
        return record

    async def get_quote(self, quote_id: int) -> QuoteRecord:
        profile = self.ctx.require_profile()
        quote = await self.ctx.quotes.get(quote_id)
        if quote is None or quote.profile != profile.name:
            raise UnknownQuoteError(quote_id=quote_id, profile=profile.name)
        return quote

    # --- deposits ------------------------------------------------------------------------

    async def create(self, inp: DepositInput) -> DepositResult:
        ctx = self.ctx
        profile = ctx.require_profile()
        trade = parse_trade_url(inp.trade_url)
        quote = await self.get_quote(inp.quote_id)
        tx_id = (
            validate_external_id(inp.merchant_tx_id)
            if inp.merchant_tx_id
            else f"sc-{ctx.clock.now():%Y%m%d}-{secrets.token_hex(5)}"
        )
        if inp.merchant_tx_id:
            existing = await ctx.deposits.get(profile.name, tx_id)
            if existing is not None:
                return await self._reuse(existing, quote, trade)
        if quote.trade_id is None:
            raise QuoteNotLockedError(quote.id)
        if quote.used_by and quote.used_by != tx_id:
            raise ValidationError(
                f"Quote {quote.id} was already used by deposit {quote.used_by}; each price "
                "lock serves one deposit. Quote again.",
                field="quote",
                code="quote_used",
            )
        now = ctx.clock.now()
        margin = timedelta(seconds=ctx.cadence.seconds(QUOTE_SAFETY_SECONDS))
        if quote.lock_expires_at is None or now >= quote.lock_expires_at - margin:
            raise QuoteLockExpiredError(quote_id=quote.id, expired_at=quote.lock_expires_at)
        items = self._items(quote, inp.items, profile.min_price_tolerance_pct)
        request = DepositRequest(
            trade_id=quote.trade_id,
            merchant_tx_id=tx_id,
            game=quote.game,
            partner=trade.partner,
            token=trade.token,
            items=items,
            result_url=profile.webhook_url or None,
        )
        try:
            deposit = await ctx.db.call(
                _write_draft,
                profile=profile.name,
                request=request,
                quote_id=quote.id,
                trade=trade,
                now=now,
                lease=lifecycle.draft_lease(LIFECYCLE, ctx, now),
            )
        except StoreError as exc:
            # Another console wrote this transaction id since the look-up above.
            if exc.code == "duplicate_deposit":
                await lifecycle.refuse_taken(LIFECYCLE, ctx, profile.name, tx_id)
            raise
        ctx.bus.publish(change_bus.DEPOSIT, tx_id)
        ctx.bus.publish(change_bus.QUOTE, str(quote.id))
        await pause_point("deposit.after_draft", tx_id)
        return await send_deposit(ctx, deposit)

    def _items(
        self, quote: QuoteRecord, lines: tuple[DepositLine, ...], tolerance: Decimal
    ) -> tuple[DepositItem, ...]:
        if not lines:
            raise NoDepositItemsError()
        prices = {item["name"]: Decimal(item["price"]) for item in quote.items}
        result = []
        for number, line in enumerate(lines, start=1):
            name = clean_market_hash_name(line.name)  # exact: only the ends are trimmed
            if name not in prices:
                if name in quote.requested:
                    raise ValidationError(
                        f"Item {number} ({name}) got no price in quote {quote.id}: Skinslink "
                        "does not buy it now. Leave it out.",
                        field="items",
                        code="item_not_priced",
                    )
                raise ValidationError(
                    f"Item {number} ({name}) is not in quote {quote.id}, which priced "
                    f"{len(prices)} item(s). Quote it first.",
                    field="items",
                    code="item_not_quoted",
                )
            if line.min_price is not None and line.min_price < 0:
                raise ValidationError(
                    f"Item {number}: the minimum price cannot be negative.", field="min_price"
                )
            floor = (
                line.min_price
                if line.min_price is not None
                else default_min_price(prices[name], tolerance)
            )
            result.append(DepositItem(asset_id=line.asset_id.strip(), name=name, min_price=floor))
        return tuple(result)

    async def _reuse(
        self, existing: DepositRecord, quote: QuoteRecord, trade: TradeUrl
    ) -> DepositResult:
        lifecycle.refuse_if_others(LIFECYCLE, self.ctx, existing)
        if existing.trade_id != quote.trade_id or existing.partner != trade.partner:
            raise RecordIdTakenError(
                record="deposit",
                record_id=existing.merchant_tx_id,
                conflict=f"quote trade {existing.trade_id}, seller {existing.partner}",
            )
        return await lifecycle.resume(LIFECYCLE, self.ctx, existing)

    async def get(self, merchant_tx_id: str) -> DepositRecord:
        profile = self.ctx.require_profile()
        deposit = await self.ctx.deposits.get(profile.name, merchant_tx_id)
        if deposit is None:
            raise ValidationError(
                f"There is no deposit {merchant_tx_id} in profile “{profile.name}”.",
                field="merchant_tx_id",
                code="unknown_deposit",
            )
        return deposit

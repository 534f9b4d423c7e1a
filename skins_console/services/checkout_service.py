"""Selling an item: from a catalog item and a buyer's trade URL to a SkinsNode order.

The order of steps is the point of this module:

1. check what can be checked offline (trade URL, order id) so a typo costs nothing;
2. refresh the catalog and confirm the item is still listed at the price the buyer saw;
3. check the projected balance covers it;
3a. a buyer who reversed a trade in the last 30 days raises ``BuyerReversedWarning``
   unless the request says the operator confirmed (then the timeline notes it);
4. write the order (status ``draft``, exact body, its externalId) to SQLite, durably;
5. only then send it, and record the outcome.

A crash after step 4 leaves an order that recovery finishes with the same externalId.

**Given order ids.** ``--external-id`` may name an order that already exists locally. If it
is the same order (same item, same buyer, same price) it is *reused*: a draft or unsent
order is sent (again) with its stored body, and one SkinsNode already has is reported as it
is; nothing new is created. If it differs in any of these, it is refused, because one
externalId must never stand for two different sales.

**Shop order numbers.** A shop order number becomes the externalId. It is looked up in the
local book first: a shop order that already has an order (any status) is refused with
``ShopOrderTakenError`` before anything is sent, so fulfilling it twice is impossible from
here, and SkinsNode's idempotency on the same externalId backs that up. The charged amount
(what the buyer paid, in their currency) is stored with the draft for the margin.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from skins_console.core.errors import (
    InsufficientBalanceError,
    PriceChangedError,
    RecordIdTakenError,
    ShopOrderTakenError,
    StoreError,
    UnknownCatalogItemError,
    ValidationError,
)
from skins_console.core.margin import Charged
from skins_console.core.models import CatalogItem, OrderRequest
from skins_console.core.money import format_cents
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import Provider, word
from skins_console.core.trade_url import TradeUrl, parse_trade_url
from skins_console.services import change_bus, lifecycle
from skins_console.services.buyer_book import BuyerBook
from skins_console.services.catalog_service import CatalogService
from skins_console.services.context import AppContext
from skins_console.services.debug_pause import pause_point
from skins_console.services.lifecycle import SendResult
from skins_console.services.orders_flow import LIFECYCLE, send_order
from skins_console.services.wallet_service import WalletService
from skins_console.store.database import durable
from skins_console.store.orders_repository import insert_order_draft, record_order_event

EXTERNAL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}")
#: what ``EXTERNAL_ID_RE`` accepts, in the operator's words
_ORDER_ID_RULE = "use 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"


def new_external_id(now) -> str:
    """``sc-<yyyymmdd>-<10 hex>``: readable, sortable by day, and never guessed twice."""
    return f"sc-{now:%Y%m%d}-{secrets.token_hex(5)}"


def validate_external_id(value: str) -> str:
    return _checked_order_id(
        value,
        f"The order id {value!r} is not usable: {_ORDER_ID_RULE}.",
        field="external_id",
        code="invalid_external_id",
    )


def validate_shop_order(value: str) -> str:
    """A shop order number becomes the externalId, so it obeys the same limits."""
    return _checked_order_id(
        value,
        f"The shop order number {value!r} cannot be used as SkinsNode's order id: "
        f"{_ORDER_ID_RULE} (for example 1001 or WEB-1001).",
        field="shop_order",
        code="invalid_shop_order",
    )


def _checked_order_id(value: str, refusal: str, *, field: str, code: str) -> str:
    """``value`` trimmed, or ``ValidationError(refusal)`` when it is no usable externalId."""
    text = (value or "").strip()
    if not EXTERNAL_ID_RE.fullmatch(text):
        raise ValidationError(refusal, field=field, code=code)
    return text


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    catalog_item_id: str
    trade_url: str
    #: the price the buyer was quoted; None takes the catalog's current price
    expected_price_cents: int | None = None
    external_id: str | None = None
    #: the operator saw the buyer's recent reversals and sells anyway
    confirm_reversal: bool = False
    #: what the buyer paid the shop (their currency); None: not known
    charged: Charged | None = None
    #: the shop's order number; it becomes the externalId
    shop_order: str | None = None


#: ``.order`` is the record; ``.outcome`` one of the lifecycle's send outcomes
CheckoutResult = SendResult


@durable
def _write_draft(
    conn,
    *,
    profile: str,
    request: OrderRequest,
    item: CatalogItem,
    trade: TradeUrl,
    now,
    note: str | None = None,
    **draft: Any,
) -> OrderRecord:
    """The order, its first event, the buyer's trade URL book entry and this console's
    lease on it, in one commit. ``draft`` (charged, shop_order, lease) goes to
    ``lifecycle.write_draft`` as it is."""
    order = lifecycle.write_draft(
        conn,
        insert_order_draft,
        profile=profile,
        trade=trade,
        now=now,
        request=request,
        item_name=item.market_hash_name,
        item_snapshot=item.raw or None,
        buyer_partner=trade.partner,
        buyer_steamid64=str(trade.steamid64),
        **draft,
    )
    if note:
        record_order_event(conn, profile, order.external_id, "note", note, now=now)
    return order


class CheckoutService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.catalog = CatalogService(ctx)
        self.wallet = WalletService(ctx)

    async def checkout(self, req: CheckoutRequest) -> CheckoutResult:
        ctx = self.ctx
        profile = ctx.require_profile()
        trade = parse_trade_url(req.trade_url)
        if req.expected_price_cents is not None and (
            isinstance(req.expected_price_cents, bool)
            or not isinstance(req.expected_price_cents, int)
            or req.expected_price_cents <= 0
        ):
            raise ValidationError(
                "The price must be a positive number of cents.", field="price", code="invalid_price"
            )
        if req.charged is not None and not isinstance(req.charged, Charged):
            raise ValidationError("The charged amount is not an amount.", field="charged")
        if req.shop_order:
            external_id = validate_shop_order(req.shop_order)
            if req.external_id and req.external_id.strip() != external_id:
                raise ValidationError(
                    "A shop order number is the order id: leave the order id out or make it "
                    "the same.",
                    field="external_id",
                    code="invalid_external_id",
                )
            existing = await ctx.orders.get(profile.name, external_id)
            if existing is not None:
                lifecycle.refuse_if_others(LIFECYCLE, ctx, existing)
                raise ShopOrderTakenError(
                    shop_order=external_id,
                    status=existing.status,
                    state=word(Provider.SKINSNODE, existing.status),
                    item_name=existing.item_name,
                )
        elif req.external_id:
            external_id = validate_external_id(req.external_id)
        else:
            external_id = new_external_id(ctx.clock.now())
        if req.external_id and not req.shop_order:
            existing = await ctx.orders.get(profile.name, external_id)
            if existing is not None:
                return await self._reuse(existing, req, trade)

        warning = await BuyerBook(ctx).reversal_warning(trade.partner)
        if warning is not None and not req.confirm_reversal:
            raise warning
        note = f"Sold despite a warning: {warning.message.split('. ')[0]}." if warning else None

        item = await self.catalog.find(req.catalog_item_id)
        if item is None:
            raise UnknownCatalogItemError(req.catalog_item_id)
        price = item.price_cents
        if req.expected_price_cents is not None and req.expected_price_cents != price:
            raise PriceChangedError(
                item_name=item.market_hash_name,
                quoted_cents=req.expected_price_cents,
                current_cents=price,
            )

        view = await self.wallet.fetch()
        if view.projected_cents < price:
            raise InsufficientBalanceError(
                f"The projected balance is {format_cents(view.projected_cents)} "
                f"({format_cents(view.available_cents)} available, "
                f"{format_cents(view.reserved_cents)} held by orders not yet charged), which "
                f"does not cover {format_cents(price)} for {item.market_hash_name}. Nothing "
                "was ordered. Top up the SkinsNode wallet first."
            )

        request = OrderRequest(
            catalog_item_id=item.id,
            expected_price_cents=price,
            external_id=external_id,
            webhook_url=profile.webhook_url,
            trade_url=trade.url,
        )
        now = ctx.clock.now()
        try:
            order = await ctx.db.call(
                _write_draft,
                profile=profile.name,
                request=request,
                item=item,
                trade=trade,
                charged=req.charged,
                shop_order=external_id if req.shop_order else None,
                now=now,
                note=note,
                lease=lifecycle.draft_lease(LIFECYCLE, ctx, now),
            )
        except StoreError as exc:
            # Another window, command or console wrote this order id since the look-up above.
            if exc.code != "duplicate_order":
                raise
            await lifecycle.refuse_taken(LIFECYCLE, ctx, profile.name, external_id)
            taken = await ctx.orders.get(profile.name, external_id) if req.shop_order else None
            if taken is None:
                raise
            raise ShopOrderTakenError(
                shop_order=external_id,
                status=taken.status,
                state=word(Provider.SKINSNODE, taken.status),
                item_name=taken.item_name,
            ) from None
        ctx.bus.publish(change_bus.ORDER, order.external_id)
        ctx.bus.publish(change_bus.CUSTOMER, str(trade.partner))
        await pause_point("order.after_draft", order.external_id)
        return await send_order(ctx, order)

    async def _reuse(
        self, existing: OrderRecord, req: CheckoutRequest, trade: TradeUrl
    ) -> CheckoutResult:
        lifecycle.refuse_if_others(LIFECYCLE, self.ctx, existing)
        differences = []
        if existing.catalog_item_id != req.catalog_item_id:
            differences.append(f"item {existing.catalog_item_id}")
        if existing.buyer_partner not in (None, trade.partner) or (
            existing.buyer_partner is None and existing.trade_url != trade.url
        ):
            differences.append("a different buyer's trade URL")
        if (
            req.expected_price_cents is not None
            and req.expected_price_cents != existing.expected_price_cents
        ):
            differences.append(f"price {format_cents(existing.expected_price_cents)}")
        if differences:
            raise RecordIdTakenError(
                record="order",
                record_id=existing.external_id,
                conflict=f"with {', '.join(differences)}",
            )
        return await lifecycle.resume(LIFECYCLE, self.ctx, existing)

"""``order create | show``, ``orders list | sync``: selling on SkinsNode and tracking."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import (
    EXIT_OK,
    EXIT_PENDING,
    EXIT_PROVIDER,
    OUTCOME_EXIT,
)
from skins_console.cli.formats import (
    event_json,
    local_time,
    operator_fields,
    order_json,
    timeline_table,
)
from skins_console.cli.output import Fields, Line, Report, Table, outcome_notes
from skins_console.cli.parser import (
    Commands,
    add_actions,
    add_command,
    non_negative_float,
    positive_int,
)
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.cli.output import Renderer
    from skins_console.services.change_bus import Change, ChangeQueue
    from skins_console.services.chat_notify import ChatRelay
    from skins_console.services.context import AppContext


def register(commands: Commands) -> None:
    order = add_command(commands, "order", help="create or show one SkinsNode order")
    order_sub = add_actions(order, "order_command")
    create = add_command(order_sub, "create", help="sell a catalog item to a buyer")
    create.add_argument("--item", required=True, metavar="CATALOG_ID")
    create.add_argument("--trade-url", required=True, metavar="URL")
    ids = create.add_mutually_exclusive_group()
    ids.add_argument(
        "--external-id",
        metavar="ID",
        help="your order id (default: sc-<date>-<random>); reusing the id "
        "of the same order resumes it, another order's id is refused",
    )
    ids.add_argument(
        "--shop-order",
        metavar="ID",
        help="your shop's order number; it becomes the order id, and a shop order that "
        "already has an order is refused before anything is sent",
    )
    create.add_argument(
        "--charged",
        metavar="AMOUNT",
        help="what the buyer paid you (25.50, or 25.50 EUR; default currency USD); "
        "the margin is computed for USD charges",
    )
    create.add_argument(
        "--currency",
        metavar="CODE",
        help="the currency of --charged (default USD)",
    )
    create.add_argument(
        "--price",
        metavar="CENTS",
        help="the price the buyer was quoted (cents, or $12.34); refused if "
        "the catalog price moved",
    )
    create.add_argument(
        "--yes",
        action="store_true",
        help="sell even if the buyer reversed a trade in the last 30 days",
    )
    create.set_defaults(handler=create_order)
    show = add_command(order_sub, "show", help="an order and its timeline")
    show.add_argument("external_id", metavar="EXTERNAL_ID")
    show.set_defaults(handler=show_order)

    orders = add_command(commands, "orders", help="list or sync orders")
    orders_sub = add_actions(orders, "orders_command")
    listing = add_command(orders_sub, "list", help="orders stored locally")
    listing.add_argument(
        "--status", action="append", metavar="S", help="only this status (repeatable)"
    )
    listing.add_argument("--open", action="store_true", help="only orders not yet final")
    listing.add_argument(
        "--search",
        metavar="TEXT",
        help="only orders with TEXT in their id, item, trade URL, offer or buyer name",
    )
    listing.add_argument(
        "--buyer", metavar="STEAMID|NAME", help="only this buyer's orders (buyer book)"
    )
    listing.add_argument("--limit", type=positive_int, default=200, metavar="N")
    listing.set_defaults(handler=list_orders)
    sync = add_command(orders_sub, "sync", help="check open orders and deposits now")
    sync.add_argument("--watch", action="store_true", help="keep checking as they are due")
    sync.add_argument(
        "--until-terminal",
        action="store_true",
        help="watch until every order is final and every deposit is final or in its 7-day hold",
    )
    sync.add_argument(
        "--timeout",
        type=non_negative_float,
        metavar="SECONDS",
        help="stop watching after this long (exit 7 if records are open)",
    )
    sync.set_defaults(handler=sync_orders)


async def create_order(session: Session) -> Report:
    from skins_console.cli.phrasing import FAILURE_HINTS
    from skins_console.core.errors import ValidationError
    from skins_console.core.margin import parse_charged
    from skins_console.core.money import parse_cents_input
    from skins_console.core.trade_url import parse_trade_url
    from skins_console.services.checkout_service import (
        CheckoutRequest,
        CheckoutService,
        validate_external_id,
        validate_shop_order,
    )

    args = session.args
    # Checked before opening anything: a typo must cost nothing and leave nothing behind.
    # Pasted forms (http://, www., text around the link) are stored canonical.
    trade_url = parse_trade_url(args.trade_url).url
    price = parse_cents_input(args.price, field="--price") if args.price else None
    if args.external_id:
        validate_external_id(args.external_id)
    shop_order = validate_shop_order(args.shop_order) if args.shop_order is not None else None
    if args.currency and not args.charged:
        raise ValidationError("--currency is the currency of --charged: give both.")
    charged = parse_charged(args.charged, args.currency) if args.charged else None
    ctx = await session.open(recover=True)
    result = await CheckoutService(ctx).checkout(
        CheckoutRequest(
            catalog_item_id=args.item.strip(),
            trade_url=trade_url,
            expected_price_cents=price,
            external_id=args.external_id,
            confirm_reversal=args.yes,
            charged=charged,
            shop_order=shop_order,
        )
    )
    order = result.order
    code = OUTCOME_EXIT.get(result.outcome, EXIT_PROVIDER)
    message = result.message
    hint = FAILURE_HINTS.get(order.failure_code or "") if code != EXIT_OK else None
    if hint:
        message = f"{message} {hint}"
    report = Report(
        {
            "outcome": result.outcome,
            "message": result.message,
            "reused": result.reused,
            "order": order_json(order),
        },
        [Line(f"{order.external_id}  {order.status}  {order.item_name}")],
        exit_code=code,
        notes=outcome_notes(code, message),
    )
    if code == EXIT_OK:
        report.text.append(Line(result.message))
    return report


async def show_order(session: Session) -> Report:
    from skins_console.cli.formats import money_fields
    from skins_console.core.errors import ValidationError
    from skins_console.core.money import format_cents
    from skins_console.core.statuses import Provider, describe
    from skins_console.services.explain import explain_order_failure

    ctx = await session.open()
    profile = ctx.require_profile().name
    order = await ctx.orders.get(profile, session.args.external_id)
    if order is None:
        raise ValidationError(
            f"There is no order {session.args.external_id} in profile “{profile}”.",
            code="unknown_order",
        )
    events = await ctx.events.for_record(profile, "order", order.external_id)
    pairs = [
        ("Order", order.external_id),
        ("Status", f"{order.status} — {describe(Provider.SKINSNODE, order.status)}"),
        ("Item", f"{order.item_name} ({order.catalog_item_id})"),
        ("Price", format_cents(order.expected_price_cents)),
        *money_fields(order),
        ("Buyer", f"{order.trade_url}"),
    ]
    if order.buyer_steamid64:
        pairs.append(
            ("Buyer profile", f"https://steamcommunity.com/profiles/{order.buyer_steamid64}")
        )
    if order.steam_offer_id:
        pairs.append(("Trade offer", order.steam_offer_id))
    if order.failure_code:
        pairs.append(("Why", explain_order_failure(order.failure_code, order.failure_message)))
    pairs += [
        *operator_fields(order),
        ("Created", local_time(order.created_at)),
        ("Completed", local_time(order.completed_at)),
        ("Settles", local_time(order.settles_at)),
    ]
    return Report(
        {"order": order_json(order), "timeline": [event_json(e) for e in events]},
        [
            Fields(pairs),
            timeline_table(events),
        ],
    )


async def list_orders(session: Session) -> Report:
    from skins_console.core.columns import cli_columns, headers, texts
    from skins_console.core.record_columns import ORDER_COLUMNS
    from skins_console.core.records import ActivityFilter
    from skins_console.core.statuses import Provider, is_terminal

    args = session.args
    ctx = await session.open()
    profile = ctx.require_profile().name
    if args.buyer:
        from skins_console.services.buyer_book import BuyerBook

        book = BuyerBook(ctx)
        buyer = await book.find(args.buyer)
        orders, _ = await book.repo.records(profile, buyer.partner, limit=args.limit)
        text = (args.search or "").lower()
        orders = [
            o
            for o in orders
            if (not args.status or o.status in args.status)
            and not (args.open and is_terminal(Provider.SKINSNODE, o.status))
            and (not text or text in f"{o.external_id} {o.item_name} {o.trade_url}".lower())
        ]
    elif args.open:
        orders = await ctx.orders.list_open(profile)
        if args.status:
            orders = [o for o in orders if o.status in args.status]
        if args.search:
            # The text search (buyer names included) over the open orders' keys only.
            matching = await ctx.orders.search(
                ActivityFilter(profile=profile, text=args.search, limit=len(orders) + 1000)
            )
            keys = {o.external_id for o in matching}
            orders = [o for o in orders if o.external_id in keys]
        orders = orders[: args.limit]
    else:
        orders = await ctx.orders.search(
            ActivityFilter(
                profile=profile,
                statuses=tuple(args.status) if args.status else None,
                text=args.search,
                limit=args.limit,
            )
        )
    columns = cli_columns(ORDER_COLUMNS)
    table = Table(list(headers(columns)), [list(texts(columns, o)) for o in orders])
    return Report({"orders": [order_json(o) for o in orders]}, [table])


async def sync_orders(session: Session) -> Report:
    from skins_console.cli.commands.notify import forwarding

    ctx = await session.open(recover=True)
    # The changes this run finds go to the chat channels too (cron, a server's terminal).
    async with forwarding(session, ctx) as relay:
        return await _sync(session, ctx, relay)


async def _sync(session: Session, ctx: AppContext, relay: ChatRelay | None) -> Report:
    from skins_console.services import change_bus
    from skins_console.services.live_changes import LiveChanges
    from skins_console.store.change_feed import CONNECT_TIMEOUT_SECONDS

    args = session.args
    live = LiveChanges(ctx)
    records = frozenset({change_bus.ORDER, change_bus.DEPOSIT})
    with ctx.bus.queue(records) as feed, ctx.bus.queue(frozenset({change_bus.DATABASE})) as state:
        if args.watch or args.until_terminal:
            await live.start()  # a team book: other consoles' writes wake the next pass
        if not live.running:  # a local book, or one pass: only the timer wakes a pass
            feed.close()
            return await _sync_passes(session, ctx, relay, None)
        try:
            # The first pass reads the book once the feed listens (or is known to be away),
            # so no other console's change falls between the two.
            try:
                await asyncio.wait_for(state.get(), timeout=CONNECT_TIMEOUT_SECONDS + 1)
            except TimeoutError:
                pass
            state.close()
            return await _sync_passes(session, ctx, relay, feed)
        finally:
            await live.stop()


async def _sync_passes(
    session: Session, ctx: AppContext, relay: ChatRelay | None, feed: ChangeQueue | None
) -> Report:
    """One pass, or (``--watch`` / ``--until-terminal``) passes until stopped; ``feed``: the
    team book's changes (None on a local book, where only the timer wakes a pass)."""
    from skins_console.services.notification_service import NotificationService
    from skins_console.services.tracking_service import TrackingService

    args = session.args
    out = session.out
    watch = args.watch or args.until_terminal
    tracker = TrackingService(ctx)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout if args.timeout is not None else None
    totals = {"checked": 0, "changed": 0, "failed": 0}
    #: the last line printed for each order/deposit, so a change the feed announces again
    #: (this run's own write, echoed) is not printed twice
    printed: dict[str, str] = {}
    if watch:
        out.note(f"Watching {await _unfinished(ctx)} open order(s)/deposit(s); Ctrl-C stops.")
    first = True
    with out.progress("Checking open orders and deposits…") as progress:
        while True:
            result = await tracker.run_pass(everything=first)
            first = False
            for key in ("checked", "changed", "failed"):
                totals[key] += getattr(result, key)
            for changed in result.changed_keys:
                line = await _change_line(ctx, changed)
                if line is not None:
                    printed[changed] = line
                    out.stream(line)
            if result.paused:
                note = NotificationService(ctx).check_tracking(result.paused, tracker.paused_detail)
                if relay is not None and note is not None:
                    relay.submit([note])
                return _sync_report(
                    totals,
                    EXIT_PROVIDER,
                    paused=result.paused,
                    note=f"error: {result.paused}: {tracker.paused_detail}",
                )
            open_count = await _unfinished(ctx)
            progress.update(
                f"{open_count} open · {totals['changed']} changes · {totals['checked']} checks"
            )
            if not watch or (args.until_terminal and open_count == 0):
                return _sync_report(totals, EXIT_OK, open_count=open_count)
            delay = ctx.cadence.seconds(ctx.cadence.idle)
            if result.next_due_at is not None:
                delay = min(delay, max(0.0, (result.next_due_at - ctx.clock.now()).total_seconds()))
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return _sync_report(
                        totals,
                        EXIT_PENDING,
                        open_count=open_count,
                        note=f"pending: timed out with {open_count} order(s)/deposit(s) still open",
                    )
                delay = min(delay, remaining)
            for change in await _rest(feed, max(delay, 0.02)):
                await _show_feed_change(out, ctx, change, printed)


async def _rest(feed: ChangeQueue | None, delay: float) -> list[Change]:
    """Wait ``delay`` seconds for the next pass, or on a team book until an order or deposit
    changes first (another console's new order, a move; all of them after the database
    was away): as in ``serve``, a record a desktop just sent is looked at now, not at the
    next idle pass."""
    if feed is None:
        await asyncio.sleep(delay)
        return []
    try:
        first = await asyncio.wait_for(feed.get(), timeout=delay)
    except TimeoutError:
        return []
    return [first, *feed.drain()]


async def _show_feed_change(
    out: Renderer, ctx: AppContext, change: Change, printed: dict[str, str]
) -> None:
    """A change another console made, as the line a pass prints, unless already shown."""
    if change.key is None:
        return
    line = await _change_line(ctx, change.key)
    if line is not None and printed.get(change.key) != line:
        printed[change.key] = line
        out.stream(line)


async def _unfinished(ctx: AppContext) -> int:
    """Orders not final, deposits neither final nor in their (7-day) hold."""
    from skins_console.core.statuses import is_terminal

    profile = ctx.require_profile().name
    orders = [
        o for o in await ctx.orders.list_open(profile) if not is_terminal("skinsnode", o.status)
    ]
    deposits = [
        d
        for d in await ctx.deposits.list_open(profile)
        if d.status != "hold" and not is_terminal("skinslink", d.status)
    ]
    return len(orders) + len(deposits)


async def _change_line(ctx: AppContext, key: str) -> str | None:
    profile = ctx.require_profile().name
    order = await ctx.orders.get(profile, key)
    if order is not None:
        return f"order {key}: {order.status}"
    deposit = await ctx.deposits.get(profile, key)
    if deposit is not None:
        return f"deposit {key}: {deposit.status}"
    return None


def _sync_report(
    totals: dict[str, int],
    code: int,
    *,
    open_count: int | None = None,
    paused: str | None = None,
    note: str | None = None,
) -> Report:
    return Report(
        {**totals, "open": open_count, "paused": paused},
        [
            Line(
                f"{totals['checked']} checks, {totals['changed']} changes, "
                f"{totals['failed']} failed"
                + (f", {open_count} still open" if open_count is not None else "")
            )
        ],
        exit_code=code,
        notes=[note] if note else [],
    )

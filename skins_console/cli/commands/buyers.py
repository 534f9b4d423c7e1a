"""``buyers list``, ``buyer show STEAMID|NAME``, ``buyer name STEAMID NAME``: the buyer
book (Steam accounts the shop sold to or bought from, by SteamID64)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from skins_console.cli.formats import local_time
from skins_console.cli.output import Fields, Line, Report, Table
from skins_console.cli.parser import Commands, add_actions, add_command, positive_int
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.core.buyers import BuyerSummary, TradeUrlUse


def register(commands: Commands) -> None:
    buyers = add_command(commands, "buyers", help="the buyer book")
    buyers_sub = add_actions(buyers, "buyers_command")
    listing = add_command(buyers_sub, "list", help="buyers with their orders, money and reversals")
    listing.add_argument(
        "--search", metavar="TEXT", help="only buyers whose name, note, SteamID or URL has TEXT"
    )
    listing.add_argument("--limit", type=positive_int, default=200, metavar="N")
    listing.set_defaults(handler=list_buyers)

    buyer = add_command(commands, "buyer", help="show or name one buyer")
    buyer_sub = add_actions(buyer, "buyer_command")
    show = add_command(buyer_sub, "show", help="a buyer: trade URLs, record, orders")
    show.add_argument("buyer", metavar="STEAMID|NAME", help="SteamID64, account id or name")
    show.set_defaults(handler=show_buyer)
    name = add_command(buyer_sub, "name", help="give a buyer a name or handle (and a note)")
    name.add_argument(
        "buyer", metavar="STEAMID", help="SteamID64, account id or trade URL (adds the buyer)"
    )
    name.add_argument("name", metavar="NAME", help='the name or handle ("" clears it)')
    name.add_argument("--note", metavar="TEXT", help="the operator's note on the buyer")
    name.set_defaults(handler=name_buyer)


def summary_json(summary: BuyerSummary) -> dict[str, Any]:
    customer = summary.customer
    return {
        "steamid64": str(summary.steamid64),
        "account_id": summary.partner,
        "name": summary.name,
        "note": customer.note,
        "trade_url": customer.trade_url,
        "last_worked_at": customer.last_success_at,
        "last_error": customer.last_error,
        "orders": summary.orders,
        "delivered": summary.delivered,
        "total_spent_cents": summary.total_spent_cents,
        "margin_usd": summary.margin_usd,
        "failures": summary.failures,
        "expiries": summary.expiries,
        "reversals": summary.reversals,
        "deposits": summary.deposits,
        "last_trade_at": summary.last_trade_at,
        "last_reversal_at": summary.last_reversal_at,
    }


def _url_json(use: TradeUrlUse) -> dict[str, Any]:
    return {
        "trade_url": use.trade_url,
        "first_used_at": use.first_used_at,
        "last_used_at": use.last_used_at,
        "last_worked_at": use.last_success_at,
    }


def _usd(amount: Decimal | None) -> str:
    from skins_console.core.money import format_usd

    return "—" if amount is None else format_usd(amount)


def _money(cents: int | None) -> str:
    from skins_console.core.money import format_cents

    return "—" if cents is None else format_cents(cents)


async def list_buyers(session: Session) -> Report:
    from skins_console.core.buyer_columns import BUYER_COLUMNS
    from skins_console.core.columns import cli_columns, headers, texts
    from skins_console.services.buyer_book import BuyerBook

    args = session.args
    ctx = await session.open()
    found = await BuyerBook(ctx).list(text=args.search, limit=args.limit)
    columns = cli_columns(BUYER_COLUMNS)
    table = Table(list(headers(columns)), [list(texts(columns, s)) for s in found])
    text: list[Any] = [table]
    if not found:
        text = [Line("No buyers yet: they enter the book with their first order.")]
    return Report({"buyers": [summary_json(s) for s in found]}, text)


async def show_buyer(session: Session) -> Report:
    from skins_console.core.statuses import Provider, word
    from skins_console.services.buyer_book import BuyerBook

    ctx = await session.open()
    details = await BuyerBook(ctx).details(session.args.buyer)
    s = details.summary
    warning = s.reversed_recently(ctx.clock.now())
    pairs = [
        ("Buyer", s.name or "(no name)"),
        ("SteamID64", str(s.steamid64)),
        ("Profile", f"https://steamcommunity.com/profiles/{s.steamid64}"),
        ("Trade URL", s.customer.trade_url),
        ("Note", s.customer.note or "—"),
        ("Orders", f"{s.orders} ({s.delivered} delivered)"),
        ("Spent", _money(s.total_spent_cents)),
        ("Margin", _usd(s.margin_usd)),
        ("Failed", str(s.failures)),
        ("Expired", str(s.expiries)),
        ("Reversed", str(s.reversals)),
        ("Last trade", local_time(s.last_trade_at)),
    ]
    if s.deposits:
        pairs.append(("Bought from them", f"{s.deposits} deposits"))
    if warning:
        pairs.append(("Warning", f"reversed a trade on {local_time(s.last_reversal_at)}"))
    urls = Table(
        ["Trade URL", "First used", "Last used", "Last worked"],
        [
            [u.trade_url, local_time(u.first_used_at), local_time(u.last_used_at),
             local_time(u.last_success_at)]
            for u in details.trade_urls
        ],
        title="Trade URLs",
    )  # fmt: skip
    records = [
        [o.external_id, word(Provider.SKINSNODE, o.status), o.item_name, local_time(o.created_at)]
        for o in details.orders
    ] + [
        [
            d.merchant_tx_id,
            word(Provider.SKINSLINK, d.status),
            ", ".join(str(i.get("name", "?")) for i in d.items),
            local_time(d.created_at),
        ]
        for d in details.deposits
    ]
    return Report(
        {
            "buyer": summary_json(s),
            "reversed_recently": warning,
            "trade_urls": [_url_json(u) for u in details.trade_urls],
            "orders": [o.external_id for o in details.orders],
            "deposits": [d.merchant_tx_id for d in details.deposits],
        },
        [
            Fields(pairs),
            urls,
            Table(["Order / deposit", "Status", "Items", "Created"], records, title="Trades"),
        ],
    )


async def name_buyer(session: Session) -> Report:
    from skins_console.services.buyer_book import BuyerBook

    args = session.args
    ctx = await session.open()
    summary = await BuyerBook(ctx).name(args.buyer, args.name, note=args.note)
    said = f"named “{summary.name}”" if summary.name else "has no name now"
    return Report({"buyer": summary_json(summary)}, [Line(f"{summary.steamid64} {said}.")])

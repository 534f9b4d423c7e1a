"""``quote``, ``deposit create | show``, ``deposits list``: buying through Skinslink."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import EXIT_OK, EXIT_PROVIDER, OUTCOME_EXIT, CliUsageError
from skins_console.cli.formats import (
    deposit_json,
    event_json,
    local_time,
    operator_fields,
    timeline_table,
)
from skins_console.cli.output import Fields, Line, Report, Table, outcome_notes
from skins_console.cli.parser import Commands, add_actions, add_command, positive_int
from skins_console.cli.session import Session

if TYPE_CHECKING:
    from skins_console.services.deposit_service import DepositLine


def register(commands: Commands) -> None:
    quote = add_command(commands, "quote", help="Skinslink prices (locked 5 minutes)")
    quote.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="market hash names; '-' reads one name per line from stdin",
    )
    quote.add_argument("--game", metavar="G", help="csgo, rust, dota2 or tf2")
    quote.add_argument(
        "--price-only",
        action="store_true",
        help="prices only: no lock, cannot be used for a deposit",
    )
    quote.set_defaults(handler=get_quote)

    deposit = add_command(commands, "deposit", help="create or show one Skinslink deposit")
    deposit_sub = add_actions(deposit, "deposit_command")
    create = add_command(deposit_sub, "create", help="buy quoted items from a seller")
    create.add_argument(
        "--quote",
        required=True,
        type=positive_int,
        metavar="ID",
        help="the quote id printed by `quote`",
    )
    create.add_argument("--trade-url", required=True, metavar="URL")
    create.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="NAME=ASSET_ID[:MIN_PRICE]",
        help="repeatable; MIN_PRICE in dollars (default: quoted price "
        "minus the profile's tolerance)",
    )
    create.add_argument("--merchant-tx-id", metavar="ID")
    create.set_defaults(handler=create_deposit)
    show = add_command(deposit_sub, "show", help="a deposit and its timeline")
    show.add_argument("merchant_tx_id", metavar="MERCHANT_TX_ID")
    show.set_defaults(handler=show_deposit)

    deposits = add_command(commands, "deposits", help="list deposits")
    deposits_sub = add_actions(deposits, "deposits_command")
    listing = add_command(deposits_sub, "list", help="deposits stored locally")
    listing.add_argument("--status", action="append", metavar="S")
    listing.add_argument("--limit", type=positive_int, default=200, metavar="N")
    listing.set_defaults(handler=list_deposits)


def _quote_names(names: list[str]) -> list[str]:
    result: list[str] = []
    for name in names:
        if name == "-":
            result.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            result.append(name)
    if not result:
        raise CliUsageError("No item names given (stdin was empty).")
    return result


async def get_quote(session: Session) -> Report:
    from skins_console.core.money import format_usd
    from skins_console.services.deposit_service import DepositService
    from skins_console.services.name_book import NameBook, describe_suggestions

    args = session.args
    names = _quote_names(args.names)
    ctx = await session.open(recover=True)
    quote = await DepositService(ctx).quote(names, game=args.game, price_only=args.price_only)
    # Nothing priced: NothingPricedError (exit 3) names the exact real names meant.
    suggestions = await NameBook.shared().check_priced(quote)
    priced = {item["name"] for item in quote.items}
    unpriced = [name for name in quote.requested if name not in priced]
    report = Report(
        {
            "quote": {
                "id": quote.id,
                "trade_id": quote.trade_id,
                "game": quote.game,
                "sum": quote.sum,
                "lock_expires_at": quote.lock_expires_at,
                "items": [
                    {
                        "name": i["name"],
                        "price": i["price"],
                        "original_price": i.get("original_price"),
                    }
                    for i in quote.items
                ],
                "unpriced": unpriced,
                "suggestions": {
                    name: [s.name for s in found] for name, found in suggestions.items()
                },
            },
        },
        [
            Table(
                ["Item", "Price", "Provider price"],
                [
                    [
                        i["name"],
                        format_usd(Decimal(i["price"])),
                        format_usd(Decimal(i["original_price"]))
                        if i.get("original_price") is not None
                        else "",
                    ]
                    for i in quote.items
                ],
            )
        ],
    )
    if quote.trade_id is not None:
        summary = (
            f"Quote {quote.id} (Skinslink trade {quote.trade_id}): "
            f"{format_usd(quote.sum)} in total, prices locked until "
            f"{local_time(quote.lock_expires_at)}. Use it with "
            f"`deposit create --quote {quote.id} …`."
        )
    else:
        summary = f"Price-only quote {quote.id}: {format_usd(quote.sum)} in total (no lock)."
    report.text.append(Line(summary))
    if unpriced:
        report.notes.append(f"warning: no price for {len(unpriced)} name(s): {', '.join(unpriced)}")
        for name in unpriced:
            if suggestions.get(name):
                report.notes.append("  " + describe_suggestions(name, suggestions[name]))
    return report


def parse_item_spec(spec: str) -> DepositLine:
    """``NAME=ASSET_ID[:MIN_PRICE]``; the name may itself contain ``=`` or ``:``."""
    from skins_console.core.money import parse_usd_input
    from skins_console.services.deposit_service import DepositLine

    name, sep, rest = spec.rpartition("=")
    if not sep or not name.strip() or not rest.strip():
        raise CliUsageError(f"--item {spec!r}: write NAME=ASSET_ID or NAME=ASSET_ID:MIN_PRICE")
    asset, colon, minimum = rest.partition(":")
    if not asset.strip().isdigit():
        raise CliUsageError(
            f"--item {spec!r}: the asset id {asset.strip()!r} must be a number "
            "(the Steam asset id of the seller's item)"
        )
    min_price = (
        parse_usd_input(minimum, field=f"minimum price of {name.strip()}") if colon else None
    )
    return DepositLine(name=name.strip(), asset_id=asset.strip(), min_price=min_price)


async def create_deposit(session: Session) -> Report:
    from skins_console.core.trade_url import parse_trade_url
    from skins_console.services.checkout_service import validate_external_id
    from skins_console.services.deposit_service import DepositInput, DepositService

    args = session.args
    # Pasted forms (http://, www., text around the link) are stored canonical.
    trade_url = parse_trade_url(args.trade_url).url
    lines = tuple(parse_item_spec(spec) for spec in args.item)
    if args.merchant_tx_id:
        validate_external_id(args.merchant_tx_id)
    ctx = await session.open(recover=True)
    result = await DepositService(ctx).create(
        DepositInput(
            quote_id=args.quote,
            trade_url=trade_url,
            items=lines,
            merchant_tx_id=args.merchant_tx_id,
        )
    )
    code = OUTCOME_EXIT.get(result.outcome, EXIT_PROVIDER)
    report = Report(
        {
            "outcome": result.outcome,
            "message": result.message,
            "reused": result.reused,
            "deposit": deposit_json(result.deposit),
        },
        [Line(f"{result.deposit.merchant_tx_id}  {result.deposit.status}")],
        exit_code=code,
        notes=outcome_notes(code, result.message),
    )
    if code == EXIT_OK:
        report.text.append(Line(result.message))
    return report


async def show_deposit(session: Session) -> Report:
    from skins_console.core.money import format_usd
    from skins_console.core.statuses import Provider, describe
    from skins_console.services.deposit_service import DepositService
    from skins_console.services.deposits_flow import deposit_settles_at
    from skins_console.services.explain import explain_deposit_failure

    ctx = await session.open()
    deposit = await DepositService(ctx).get(session.args.merchant_tx_id)
    events = await ctx.events.for_record(deposit.profile, "deposit", deposit.merchant_tx_id)
    pairs = [
        ("Deposit", deposit.merchant_tx_id),
        ("Status", f"{deposit.status} — {describe(Provider.SKINSLINK, deposit.status)}"),
        ("Trade id", str(deposit.trade_id)),
        ("Items", "; ".join(f"{i.get('name')} ({i.get('asset_id')})" for i in deposit.items)),
        ("Amount", format_usd(deposit.amount)),
    ]
    if deposit.trade_offer_id:
        pairs.append(
            (
                "Trade offer",
                f"{deposit.trade_offer_id} from {deposit.bot_name or '?'}"
                f", expires {local_time(deposit.trade_offer_expiry_at)}",
            )
        )
    if deposit.fail_reason:
        pairs.append(("Why", explain_deposit_failure(deposit.fail_reason)))
    pairs += [
        *operator_fields(deposit),
        ("Created", local_time(deposit.created_at)),
        ("Settles", local_time(deposit_settles_at(deposit, ctx.cadence))),
    ]
    return Report(
        {"deposit": deposit_json(deposit), "timeline": [event_json(e) for e in events]},
        [
            Fields(pairs),
            timeline_table(events),
        ],
    )


async def list_deposits(session: Session) -> Report:
    from skins_console.core.columns import cli_columns, headers, texts
    from skins_console.core.record_columns import DEPOSIT_COLUMNS
    from skins_console.core.records import ActivityFilter

    ctx = await session.open()
    profile = ctx.require_profile().name
    deposits = await ctx.deposits.search(
        ActivityFilter(
            profile=profile,
            statuses=tuple(session.args.status) if session.args.status else None,
            limit=session.args.limit,
        )
    )
    columns = cli_columns(DEPOSIT_COLUMNS)
    table = Table(list(headers(columns)), [list(texts(columns, d)) for d in deposits])
    return Report({"deposits": [deposit_json(d) for d in deposits]}, [table])

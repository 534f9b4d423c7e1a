"""``health``, ``wallet``, ``catalog``: reading the SkinsNode account."""

from __future__ import annotations

from skins_console.cli.exit_codes import EXIT_OK, EXIT_PROVIDER
from skins_console.cli.formats import float_text, item_json, local_time, wallet_json
from skins_console.cli.output import Fields, Line, Report, Table
from skins_console.cli.parser import Commands, add_command, positive_int
from skins_console.cli.session import Session


def register(commands: Commands) -> None:
    health = add_command(commands, "health", help="is SkinsNode reachable")
    health.set_defaults(handler=health_check)
    wallet = add_command(commands, "wallet", help="SkinsNode balance, reserved and projected")
    wallet.set_defaults(handler=show_wallet)
    catalog = add_command(commands, "catalog", help="refresh and search the SkinsNode catalog")
    catalog.add_argument("--search", metavar="TEXT", help="words that must all appear")
    catalog.add_argument("--limit", type=positive_int, default=50, metavar="N")
    catalog.add_argument(
        "--offline", action="store_true", help="search the stored copy without downloading"
    )
    catalog.set_defaults(handler=search_catalog)


async def health_check(session: Session) -> Report:
    ctx = await session.open()
    health = await (await ctx.skinsnode()).health()
    return Report(
        {"service": health.service},
        [Line(f"SkinsNode: {'ok' if health.ok else 'NOT OK'} ({health.service or '?'})")],
        exit_code=EXIT_OK if health.ok else EXIT_PROVIDER,
    )


async def show_wallet(session: Session) -> Report:
    from skins_console.core.money import format_cents
    from skins_console.services.wallet_service import WalletService

    ctx = await session.open(recover=True)
    view = await WalletService(ctx).fetch()
    report = Report(
        {"wallet": wallet_json(view)},
        [
            Fields(
                [
                    ("Available", format_cents(view.available_cents, view.currency)),
                    (
                        "Reserved",
                        format_cents(view.reserved_cents, view.currency)
                        + "  (open orders the balance does not show yet)",
                    ),
                    ("Projected", format_cents(view.projected_cents, view.currency)),
                    ("As of", local_time(view.fetched_at)),
                ]
            )
        ],
    )
    if view.low:
        report.notes.append(
            "warning: the projected balance is below the low-balance threshold of "
            f"{format_cents(view.low_balance_threshold_cents, view.currency)}"
        )
    return report


async def search_catalog(session: Session) -> Report:
    from skins_console.core.money import format_cents
    from skins_console.services.catalog_service import CatalogService

    args = session.args
    ctx = await session.open(recover=not args.offline)
    service = CatalogService(ctx)
    if args.offline:
        view = await service.search(args.search, limit=args.limit, refresh=False)
    else:
        with session.out.progress("Refreshing the catalog…") as progress:
            view = await service.search(
                args.search, limit=args.limit, progress=lambda text: progress.update(text + "…")
            )
    report = Report(
        {
            "total": view.total,
            "matched": view.matched,
            "fetched_at": view.fetched_at,
            "offline": view.offline,
            "items": [item_json(i) for i in view.items],
        }
    )
    if view.stale_reason:
        report.notes.append(
            f"warning: showing the stored catalog of {local_time(view.fetched_at)}: "
            f"{view.stale_reason}"
        )
    if view.skipped:
        report.notes.append(f"warning: {len(view.skipped)} catalog entries could not be read")
    if view.fetched_at is None:
        report.text.append(Line("No stored catalog yet; run `skins-console catalog` while online."))
        return report
    report.text += [
        Table(
            ["Catalog ID", "Item", "Wear", "Float", "Phase", "Price"],
            [
                [
                    i.id,
                    i.market_hash_name,
                    i.wear or "",
                    float_text(i.float_value),
                    i.display_phase or "",
                    format_cents(i.price_cents, i.currency),
                ]
                for i in view.items
            ],
        ),
        Line(
            f"{len(view.items)} shown of {view.matched} matching; catalog of "
            f"{view.total} items as of {local_time(view.fetched_at)}"
            + (" (offline)" if view.offline else "")
        ),
    ]
    return report

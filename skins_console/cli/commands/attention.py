"""``attention list``, ``attention resolve KEY [--note TEXT]``: what needs the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skins_console.cli.exit_codes import EXIT_INPUT, EXIT_OK, CliUsageError
from skins_console.cli.output import Line, Report, Table
from skins_console.cli.parser import Commands, add_actions, add_command
from skins_console.cli.session import Session
from skins_console.core.errors import UserFacingError, ValidationError

if TYPE_CHECKING:
    from skins_console.core.attention import AttentionItem


def register(commands: Commands) -> None:
    attention = add_command(commands, "attention", help="orders and deposits that need you")
    sub = add_actions(attention, "attention_command")
    listing = add_command(sub, "list", help="the queue, each item with its reason")
    listing.set_defaults(handler=list_attention)
    resolve = add_command(sub, "resolve", help="mark items handled (they leave the queue)")
    resolve.add_argument(
        "keys",
        nargs="*",
        metavar="KEY",
        help="order id or deposit transaction id (order:KEY / deposit:KEY if both exist)",
    )
    resolve.add_argument("--all", action="store_true", help="every item now in the queue")
    resolve.add_argument("--note", default="", metavar="TEXT", help="kept in the timeline")
    resolve.set_defaults(handler=resolve_attention)


class UnknownAttentionItemsError(ValidationError):
    """Nothing of what was named could be resolved (each message says why)."""

    code = "unknown_attention_item"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems), field="key")


def item_json(item: AttentionItem) -> dict[str, Any]:
    previous = item.previous
    return {
        "kind": item.kind,
        "key": item.key,
        "reason": item.reason,
        "reason_text": item.explanation,
        "status": item.status,
        "title": item.title,
        "buyer_name": item.buyer_name,
        #: as the Buyers tab names them: the name, else their SteamID64
        "buyer": item.buyer,
        "since": item.since,
        "previously_handled": None
        if previous is None
        else {
            "reason": previous.reason,
            "at": previous.handled_at,
            "by": previous.handled_by,
            "note": previous.note,
        },
    }


async def list_attention(session: Session) -> Report:
    from skins_console.core.buyer_columns import ATTENTION_COLUMNS
    from skins_console.core.columns import cli_columns, headers, texts
    from skins_console.services.attention_service import AttentionService

    ctx = await session.open()
    items = await AttentionService(ctx).items()
    columns = cli_columns(ATTENTION_COLUMNS)
    text: list[Any] = [Table(list(headers(columns)), [list(texts(columns, i)) for i in items])]
    if not items:
        text = [Line("Nothing needs attention.")]
    return Report({"count": len(items), "items": [item_json(i) for i in items]}, text)


async def resolve_attention(session: Session) -> Report:
    from skins_console.services.attention_service import AttentionService

    args = session.args
    if bool(args.keys) == bool(args.all):
        raise CliUsageError("Name the items to resolve (KEY …) or pass --all, not both.")
    ctx = await session.open()
    service = AttentionService(ctx)
    keys = args.keys or [f"{i.kind}:{i.key}" for i in await service.items()]
    done = []
    problems: list[str] = []
    for key in keys:
        # Each item is its own transaction: one refusal does not undo or stop the others.
        try:
            done.append(await service.resolve(key, note=args.note))
        except UserFacingError as exc:
            problems.append(exc.message)
    if problems and not done:
        raise UnknownAttentionItemsError(problems)
    remaining = await service.count()
    lines: list[Any] = [
        Line(f"{r.kind} {r.key}: handled ({r.reason}) by {r.event.details['operator']}")
        for r in done
        if r.event.details
    ]
    lines.append(Line(f"{remaining} left in the attention queue."))
    return Report(
        {
            "resolved": [
                {"kind": r.kind, "key": r.key, "reason": r.reason, "message": r.event.message}
                for r in done
            ],
            "not_resolved": problems,
            "remaining": remaining,
        },
        lines,
        exit_code=EXIT_INPUT if problems else EXIT_OK,
        notes=[f"error: {p}" for p in problems],
    )

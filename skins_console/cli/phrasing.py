"""The CLI's words for typed service errors.

Services raise errors with structured fields and a message in the merchant's words (what
the window shows). Where the next step is a command or a flag, the CLI says so here, from
the error's fields; every other error is shown with its own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skins_console.core import errors
from skins_console.core.money import format_cents

_ID_FLAGS = {"order": "--external-id", "deposit": "--merchant-tx-id"}


def _price_changed(exc: errors.PriceChangedError) -> str:
    return (
        f"The price of {exc.item_name} moved from {format_cents(exc.quoted_cents)} to "
        f"{format_cents(exc.current_cents)}. Nothing was ordered. Confirm the new price with "
        f"the buyer and order again with --price {exc.current_cents}."
    )


def _id_taken(exc: errors.RecordIdTakenError) -> str:
    flag = _ID_FLAGS.get(exc.record, "the id option")
    what = "Order id" if exc.record == "order" else "Transaction id"
    return (
        f"{what} {exc.record_id} is already used by another {exc.record} ({exc.conflict}). "
        f"Leave out {flag} to get a new one."
    )


def _quote_lock_expired(exc: errors.QuoteLockExpiredError) -> str:
    when = exc.expired_at.strftime("%H:%M:%S UTC") if exc.expired_at is not None else "—"
    return (
        f"Quote {exc.quote_id} expired at {when} (Skinslink holds prices for 5 minutes). "
        "Nothing was sent. Quote again with `skins-console quote …` and use the new quote id."
    )


def _no_chat_channel(exc: errors.ChatChannelMissingError) -> str:
    kind = exc.kind or "telegram"
    example = (
        "`skins-console notify add telegram --chat-id ID`"
        if kind == "telegram"
        else "`skins-console notify add discord`"
    )
    what = {"telegram": "Telegram chat", "discord": "Discord webhook"}.get(
        exc.kind or "", "chat channel"
    )
    return f"No {what} is set up for profile “{exc.profile}”. Add one with {example}."


def _buyer_reversed(exc: errors.BuyerReversedWarning) -> str:
    return (
        f"{exc.message.rsplit('. ', 1)[0]}. "
        f"See `skins-console buyer show {exc.steamid64}`; add --yes to sell to them anyway."
    )


def _key_in_use(exc: errors.KeyInUseError) -> str:
    when = f" at {exc.sent_at:%Y-%m-%d %H:%M} UTC" if exc.sent_at is not None else ""
    return (
        f"{exc.key} is already {exc.operator}'s {exc.kind} (sent{when}); nothing was sent. "
        f"See it with `skins-console {exc.kind} show {exc.key}`; a new {exc.kind} needs an "
        "id of its own."
    )


#: One entry per typed error whose next step is a command; the most specific class wins.
#: A string is a template of the error's fields (``{exc.profile}``); a function words what
#: a template cannot.
PHRASES: dict[type, str | Callable[[Any], str]] = {
    errors.NoProfileError: (
        "No profile is set up yet. Add one with `skins-console profile add NAME …`, or "
        "choose one with --profile NAME."
    ),
    errors.SecretMissingError: (
        "The {exc.secret} of profile “{exc.profile}” is not in the keyring. Enter it again: "
        "`skins-console profile remove {exc.profile}`, then "
        "`skins-console profile add {exc.profile} …`."
    ),
    errors.UnknownCatalogItemError: (
        "Catalog item {exc.catalog_item_id} is not in the SkinsNode catalog (it was sold, "
        "withdrawn, or the id is mistyped). Nothing was ordered. Search the catalog again "
        "(`skins-console catalog --search …`) and use a current id."
    ),
    errors.PriceChangedError: _price_changed,
    errors.RecordIdTakenError: _id_taken,
    errors.UnknownQuoteError: (
        "There is no quote {exc.quote_id} in profile “{exc.profile}”. Get one with "
        "`skins-console quote NAME…`."
    ),
    errors.QuoteNotLockedError: (
        "Quote {exc.quote_id} was a price-only quote and holds no price lock. Quote again "
        "without --price-only to create a deposit."
    ),
    errors.QuoteLockExpiredError: _quote_lock_expired,
    errors.NoDepositItemsError: 'Add at least one item (--item "NAME=ASSET_ID").',
    errors.ListenerBindError: (
        "The webhook listener cannot use {exc.host}:{exc.port}: {exc.reason}. Choose another "
        "port with --port (or --host for another address)."
    ),
    errors.ChatChannelMissingError: _no_chat_channel,
    errors.BuyerReversedWarning: _buyer_reversed,
    errors.UnknownBuyerError: "{exc.message} `skins-console buyers list` shows the buyer book.",
    errors.KeyInUseError: _key_in_use,
    errors.DatabaseUnavailableError: (
        "The team database at {exc.where} cannot be reached, so nothing new was sent (an "
        "order id's uniqueness cannot be checked without it). Check that PostgreSQL is "
        "running and reachable from here, then run the command again; an order whose send "
        "was interrupted is finished with the same id once it is back."
    ),
}


#: The team database out of reach while a command sends nothing (setting up a profile,
#: migrating, copying a history): ``undone`` is what the command declares it left undone.
DATABASE_AWAY_UNDONE = (
    "The team database at {exc.where} cannot be reached, so {undone}. Check that PostgreSQL "
    "is running and reachable from here, then run the command again."
)


def phrase(exc: errors.UserFacingError, *, undone: str | None = None) -> str:
    """``exc`` in the CLI's words: its commands and flags where they are the next step.

    ``undone``: what the running command leaves undone when the team database is out of
    reach (``database_away`` in its parser defaults); None keeps the sending commands'
    sentence, which says why nothing new was sent."""
    if undone is not None and isinstance(exc, errors.DatabaseUnavailableError):
        return DATABASE_AWAY_UNDONE.format(exc=exc, undone=undone)
    for cls in type(exc).__mro__:
        wording = PHRASES.get(cls)
        if isinstance(wording, str):
            return wording.format(exc=exc)
        if wording is not None:
            return wording(exc)
    return exc.message


#: Order failure codes whose next step the CLI can name (the stored message names none).
FAILURE_HINTS = {
    "unauthorized": "Run `skins-console profile test` after fixing them.",
}

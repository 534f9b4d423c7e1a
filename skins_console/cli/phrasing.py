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


def _no_profile(exc: errors.NoProfileError) -> str:
    return (
        "No profile is set up yet. Add one with `skins-console profile add NAME …`, or "
        "choose one with --profile NAME."
    )


def _secret_missing(exc: errors.SecretMissingError) -> str:
    return (
        f"The {exc.secret} of profile “{exc.profile}” is not in the keyring. Enter it again: "
        f"`skins-console profile remove {exc.profile}`, then "
        f"`skins-console profile add {exc.profile} …`."
    )


def _unknown_item(exc: errors.UnknownCatalogItemError) -> str:
    return (
        f"Catalog item {exc.catalog_item_id} is not in the SkinsNode catalog (it was sold, "
        "withdrawn, or the id is mistyped). Nothing was ordered. Search the catalog again "
        "(`skins-console catalog --search …`) and use a current id."
    )


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


def _unknown_quote(exc: errors.UnknownQuoteError) -> str:
    return (
        f"There is no quote {exc.quote_id} in profile “{exc.profile}”. Get one with "
        "`skins-console quote NAME…`."
    )


def _quote_not_locked(exc: errors.QuoteNotLockedError) -> str:
    return (
        f"Quote {exc.quote_id} was a price-only quote and holds no price lock. Quote again "
        "without --price-only to create a deposit."
    )


def _quote_lock_expired(exc: errors.QuoteLockExpiredError) -> str:
    when = exc.expired_at.strftime("%H:%M:%S UTC") if exc.expired_at is not None else "—"
    return (
        f"Quote {exc.quote_id} expired at {when} (Skinslink holds prices for 5 minutes). "
        "Nothing was sent. Quote again with `skins-console quote …` and use the new quote id."
    )


def _no_deposit_items(exc: errors.NoDepositItemsError) -> str:
    return 'Add at least one item (--item "NAME=ASSET_ID").'


def _listener_bind(exc: errors.ListenerBindError) -> str:
    return (
        f"The webhook listener cannot use {exc.host}:{exc.port}: {exc.reason}. Choose another "
        "port with --port (or --host for another address)."
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


def _unknown_buyer(exc: errors.UnknownBuyerError) -> str:
    return f"{exc.message} `skins-console buyers list` shows the buyer book."


def _key_in_use(exc: errors.KeyInUseError) -> str:
    when = f" at {exc.sent_at:%Y-%m-%d %H:%M} UTC" if exc.sent_at is not None else ""
    return (
        f"{exc.key} is already {exc.operator}'s {exc.kind} (sent{when}); nothing was sent. "
        f"See it with `skins-console {exc.kind} show {exc.key}`; a new {exc.kind} needs an "
        "id of its own."
    )


def _database_unavailable(exc: errors.DatabaseUnavailableError) -> str:
    return (
        f"The team database at {exc.where} cannot be reached, so nothing new was sent (an "
        "order id's uniqueness cannot be checked without it). Check that PostgreSQL is "
        "running and reachable from here, then run the command again; an order whose send "
        "was interrupted is finished with the same id once it is back."
    )


#: One entry per typed error whose next step is a command; the most specific class wins.
PHRASES: dict[type, Callable[[Any], str]] = {
    errors.NoProfileError: _no_profile,
    errors.SecretMissingError: _secret_missing,
    errors.UnknownCatalogItemError: _unknown_item,
    errors.PriceChangedError: _price_changed,
    errors.RecordIdTakenError: _id_taken,
    errors.UnknownQuoteError: _unknown_quote,
    errors.QuoteNotLockedError: _quote_not_locked,
    errors.QuoteLockExpiredError: _quote_lock_expired,
    errors.NoDepositItemsError: _no_deposit_items,
    errors.ListenerBindError: _listener_bind,
    errors.ChatChannelMissingError: _no_chat_channel,
    errors.BuyerReversedWarning: _buyer_reversed,
    errors.UnknownBuyerError: _unknown_buyer,
    errors.KeyInUseError: _key_in_use,
    errors.DatabaseUnavailableError: _database_unavailable,
}


def phrase(exc: errors.UserFacingError) -> str:
    """``exc`` in the CLI's words: its commands and flags where they are the next step."""
    for cls in type(exc).__mro__:
        wording = PHRASES.get(cls)
        if wording is not None:
            return wording(exc)
    return exc.message


#: Order failure codes whose next step the CLI can name (the stored message names none).
FAILURE_HINTS = {
    "unauthorized": "Run `skins-console profile test` after fixing them.",
}

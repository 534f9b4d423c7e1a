"""Skinslink domain codes and Steam error numbers, in plain words.

One table for the client (to pick the error class and message) and for the UI (to explain
a ``fail_reason`` on a deposit that failed later). Codes arrive as a validation
``data[].code``, as a bare ``message`` or as a deposit's ``fail_reason``; unknown codes are
shown verbatim, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from skins_console.core.errors import (
    ApiError,
    ApiValidationError,
    ConflictError,
    ForbiddenError,
    ProviderRefusal,
    QuoteExpiredError,
)


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    #: ``price`` (quote again), ``steam_account`` (the seller must fix something),
    #: ``limits``, ``provider`` (try later) or ``outcome`` (a final result).
    kind: str
    text: str


_STEAM_ACCOUNT = "steam_account"

CODES: dict[str, CodeInfo] = {
    info.code: info
    for info in (
        CodeInfo(
            "inventory_reload",
            "price",
            "The 5-minute quote expired; quote again to get current prices.",
        ),
        CodeInfo(
            "item_specified_price_not_found",
            "price",
            "The price fell below your minimum for at least one item; quote again and "
            "lower the minimum or remove the item.",
        ),
        CodeInfo(
            "provider_unavailable",
            "provider",
            "Skinslink's pricing provider is unavailable right now; try again in a few minutes.",
        ),
        CodeInfo(
            "too_many_items",
            "limits",
            "Too many items in one deposit (the limit is usually 50); split it into "
            "smaller deposits.",
        ),
        CodeInfo(
            "trade_link_revoked",
            _STEAM_ACCOUNT,
            "The seller's trade link was revoked; ask them for their new trade URL.",
        ),
        CodeInfo(
            "trade_link_invalid",
            _STEAM_ACCOUNT,
            "The seller's trade link is not valid; ask them to copy it again from Steam "
            "(Inventory → Trade Offers → Who can send me trade offers?).",
        ),
        CodeInfo(
            "trade_banned",
            _STEAM_ACCOUNT,
            "The seller's Steam account is trade-banned; it cannot trade.",
        ),
        CodeInfo(
            "profile_private",
            _STEAM_ACCOUNT,
            "The seller's Steam inventory is private; they must make it public and try again.",
        ),
        CodeInfo(
            "limited_account",
            _STEAM_ACCOUNT,
            "The seller's Steam account is limited (no purchases of $5 or more yet) and "
            "cannot trade.",
        ),
        CodeInfo(
            "hold",
            _STEAM_ACCOUNT,
            "The seller's trades would be held by Steam (no Steam Guard Mobile "
            "Authenticator for 7 days); they must enable it first.",
        ),
        CodeInfo(
            "permissions",
            _STEAM_ACCOUNT,
            "The seller's Steam account is not allowed to trade right now (new device, "
            "password change or a recent restriction).",
        ),
        CodeInfo(
            "hold_and_permissions",
            _STEAM_ACCOUNT,
            "The seller's Steam account has a trade hold and is not allowed to trade "
            "right now; they must enable the Mobile Authenticator and wait out the "
            "restriction.",
        ),
        CodeInfo(
            "user_reverted",
            "outcome",
            "The seller reversed the trade after it was received (Steam Trade Protection).",
        ),
        CodeInfo("user_declined", "outcome", "The seller declined the trade offer."),
        CodeInfo(
            "insufficient_balance",
            "outcome",
            "The merchant balance is too low; top it up in the Skinslink cabinet.",
        ),
        CodeInfo("price_changed", "price", "The price changed; quote again."),
        CodeInfo("item_sold", "outcome", "The item was already sold."),
        CodeInfo("item_not_available", "outcome", "The item is no longer available."),
        CodeInfo(
            "duplicate_purchase",
            "outcome",
            "This transaction id was used before; the existing record is kept.",
        ),
    )
}

#: Steam EResult numbers seen in trade-offer error text (steam-and-cs2-facts §3.4).
STEAM_ERRORS: dict[int, str] = {
    11: "Steam says the trade is in an invalid state; refresh and try again.",
    15: "Steam denied access: the trade link token is stale, the seller cannot trade, or "
    "their inventory is full. Ask for a fresh trade URL.",
    16: "Steam timed out; try again in a few minutes.",
    24: "Steam refused: the account lacks the privilege to trade (Steam Guard just enabled "
    "or a new device); wait out the restriction.",
    25: "Steam's limit was reached (too many open trade offers, or to this partner); wait "
    "until some are accepted or cancelled.",
    26: "Steam says the items are no longer available (revoked); check the seller's inventory.",
    28: "Steam says the offer was already accepted.",
    50: "Steam says the seller cannot trade with this account right now (trade restriction).",
}

_STEAM_NUMBER = re.compile(
    r"(?:\((\d{1,3})\)|\b(?:eresult|error|code)\s*[:#=]?\s*(\d{1,3})\b)", re.IGNORECASE
)


def code_info(code: str | None) -> CodeInfo | None:
    if not code:
        return None
    return CODES.get(code.strip().lower())


def steam_error_number(text: str | None) -> int | None:
    """The Steam EResult in a message such as ``"There was an error (15)"``."""
    if not text:
        return None
    for match in _STEAM_NUMBER.finditer(text):
        number = int(match.group(1) or match.group(2))
        if number in STEAM_ERRORS:
            return number
    return None


def describe_code(code: str | None) -> str:
    """Plain words for a domain code, a fail reason or a Steam error text."""
    if code is None or not str(code).strip():
        return "Skinslink gave no reason."
    info = code_info(code)
    if info is not None:
        return info.text
    number = steam_error_number(code)
    if number is not None:
        return f"{STEAM_ERRORS[number]} (Steam error {number})"
    return f"Skinslink reported “{str(code).strip()}”."


def describe_fail_reason(reason: str | None) -> str:
    return describe_code(reason)


# --- refining HTTP errors --------------------------------------------------------------

#: The official messages of the errors that leave an outcome unknown (contract Correction
#: 1), said plainly; the error keeps its class, so it is still reconciled and retried.
UPSTREAM_MESSAGES: dict[str, str] = {
    "timeout error": "Skinslink's pricing or inventory service timed out (a problem on "
    "Skinslink's side).",
    "integration service error": "Skinslink's inventory service failed (a problem on "
    "Skinslink's side).",
    "internal error": "Skinslink had an internal error (a problem on Skinslink's side).",
    "bad gateway": "Skinslink could not reach its upstream service (a problem on "
    "Skinslink's side).",
}
#: The one 403 that is not about this computer's IP address.
ACCOUNT_DISABLED = "merchant account is disabled"


def body_codes(body: Any) -> list[str]:
    """Domain codes in an error body: validation ``data[].code`` and a bare ``message``."""
    codes: list[str] = []
    if not isinstance(body, Mapping):
        return codes
    data = body.get("data")
    if isinstance(data, list):
        for item in data:
            if isinstance(item, Mapping) and isinstance(item.get("code"), str):
                codes.append(item["code"].strip().lower())
    elif isinstance(data, Mapping) and isinstance(data.get("code"), str):
        codes.append(data["code"].strip().lower())
    message = body.get("message")
    if isinstance(message, str) and message.strip().lower() in CODES:
        codes.append(message.strip().lower())
    if message == "deposit exceeds the maximum of 50 items per deposit" or (
        isinstance(message, str) and "maximum of" in message and "items" in message
    ):
        codes.append("too_many_items")
    return codes


def refine_skinslink_error(status: int, body: Any, error: ApiError) -> ApiError:
    """Turn a generic HTTP error into the domain error its code means.

    Only definite refusals (4xx) change class; a 5xx or timeout stays "outcome unknown" and
    only gains a plain sentence for the official message it carries. A 403 is matched on
    the status (both official texts, ``IP not whitelisted: <ip>`` and ``invalid IP: <ip>``),
    except for a disabled account.
    """
    message = body.get("message") if isinstance(body, Mapping) else None
    said = message.strip().lower() if isinstance(message, str) else ""
    if status in (408, 500, 502, 503) and said in UPSTREAM_MESSAGES:
        error.args = (f"{UPSTREAM_MESSAGES[said]} {error.message}",)
        return error
    if status == 403 and said == ACCOUNT_DISABLED:
        return ForbiddenError(
            "Skinslink says this merchant account is disabled (HTTP 403); nothing can be "
            "quoted or deposited until Skinslink support enables it again.",
            provider=error.provider,
            status=status,
            body=body,
        )
    if isinstance(error, ConflictError) or status not in (400, 422):
        return error
    codes = body_codes(body)
    known = [code for code in codes if code in CODES]
    if not known:
        return error
    code = known[0]
    info = CODES[code]
    message = f"Skinslink refused the request: {info.text[0].lower()}{info.text[1:]}"
    kw: dict[str, Any] = {"provider": error.provider, "status": status, "body": body, "code": code}
    # Keep the per-field list for forms, as an ApiValidationError would.
    kw["details"] = error.details if isinstance(error, ApiValidationError) else []
    refined: ApiError
    if code == "inventory_reload":
        refined = QuoteExpiredError(message, **kw)
    else:
        refined = ProviderRefusal(message, **kw)
    return refined

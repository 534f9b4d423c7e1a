"""Plain explanations of provider refusals and failures, for the operator.

The api layer already writes a good message for each HTTP status; these add what it cannot
know: which order or item was involved, what happened to it locally, and what to do next.
"""

from __future__ import annotations

from skins_console.api.skinslink_codes import describe_fail_reason
from skins_console.core.errors import (
    ApiError,
    ApiValidationError,
    AuthError,
    ForbiddenError,
    NotFoundError,
)

#: SkinsNode order failure codes (``failure.code``), in the operator's words.
ORDER_FAILURES = {
    "item_unavailable": (
        "The item is no longer available (sold or withdrawn). Refresh the catalog and choose "
        "another item for the buyer."
    ),
    "price_changed": (
        "The price changed since it was quoted. Refresh the catalog, confirm the new price "
        "with the buyer, and place a new order."
    ),
    "insufficient_funds": (
        "The SkinsNode wallet did not cover the price. Top up the balance, then place a new order."
    ),
    "cancelled": "The trade offer was declined or cancelled; the item was not delivered.",
    "expired": (
        "The buyer did not accept the trade offer within 10 minutes; the item was not "
        "delivered. Ask the buyer whether they still want it and place a new order."
    ),
    "reversed": (
        "The buyer reversed the delivered trade during Steam Trade Protection; the item came "
        "back and the sale is undone."
    ),
}


def explain_order_failure(code: str | None, provider_message: str | None = None) -> str:
    """A failed/cancelled/expired order's ``failure`` in plain words; unknown codes verbatim."""
    known = ORDER_FAILURES.get(code or "")
    if known is not None:
        return known
    said = (provider_message or "").strip()
    text = f"SkinsNode reported failure “{code or 'unknown'}”."
    return f"{text} It said: “{said}”." if said else text


def explain_order_refusal(exc: ApiError, *, external_id: str, catalog_item_id: str) -> str:
    """Why SkinsNode refused to create an order; the order was not created."""
    not_created = f"Order {external_id} was not created."
    if isinstance(exc, AuthError):
        return (
            f"{not_created} SkinsNode rejected the client ID or secret (HTTP 401); fix "
            "them in the profile (its connection test checks them)."
        )
    if isinstance(exc, ForbiddenError):
        return (
            f"{not_created} SkinsNode does not accept requests from this computer's IP "
            "address (HTTP 403); add it to the allow-list in your SkinsNode account."
        )
    if isinstance(exc, NotFoundError):
        return (
            f"{not_created} SkinsNode does not know catalog item {catalog_item_id} "
            "(HTTP 404): it was sold or withdrawn. Refresh the catalog and pick another."
        )
    if isinstance(exc, ApiValidationError):
        problems = "; ".join(
            f"{d.get('field', '?')}: {d.get('message', '')}".strip()
            for d in exc.details
            if isinstance(d, dict)
        )
        detail = f" Problems: {problems}." if problems else ""
        return (
            f"{not_created} SkinsNode rejected it as invalid (HTTP 422).{detail} Check "
            "the trade URL, the price and the profile's webhook URL."
        )
    return f"{not_created} {exc.message}"


def explain_deposit_failure(reason: str | None) -> str:
    return describe_fail_reason(reason)

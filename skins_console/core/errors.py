"""Typed errors shared by every layer.

There is one route to the operator (see ``ui/error_presenter.py``):

* ``UserCancelled`` (and ``asyncio.CancelledError``) is silent;
* ``UserFacingError`` and its subclasses carry a message written for the operator and are
  shown where the work happened (inline in a form, a banner, or the CLI's stderr);
* anything else is a bug: logged with its traceback and shown with "Copy details".

Messages never contain secrets: error constructors receive response bodies, never request
headers, and ``ApiError`` trims the body it keeps.
"""

from __future__ import annotations

from datetime import datetime


class SkinsConsoleError(Exception):
    """Base of every error this application raises on purpose."""


class UserCancelled(SkinsConsoleError):
    """The operator cancelled; never shown as an error."""


class UserFacingError(SkinsConsoleError):
    """An error whose message is meant for the operator as it is."""

    #: Short machine-readable reason, used by the CLI's --json output and by tests.
    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ValidationError(UserFacingError):
    """Bad input caught before anything was sent; ``field`` names what to fix."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


class TradeUrlError(ValidationError):
    code = "invalid_trade_url"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="trade_url")


class MarketNameError(ValidationError):
    code = "invalid_market_hash_name"


# --- provider errors -------------------------------------------------------------------


class ApiError(UserFacingError):
    """A provider answered with an error, or could not be reached.

    ``outcome_unknown`` is true when a write may or may not have happened (timeouts, 5xx,
    dropped connections): callers must reconcile with a read before trying again, and must
    retry only with the same idempotency key. ``details`` is the per-field list of a
    validation answer (kept by a refusal refined from one), else empty.
    """

    code = "api_error"
    outcome_unknown = False

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        code: str | None = None,
        body: object | None = None,
        details: list[dict] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.provider = provider
        self.status = status
        self.body = _trim(body)
        self.details = details or []


def _trim(body: object | None, limit: int = 2000) -> object | None:
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body[:limit]).decode("utf-8", "replace")
    if isinstance(body, str) and len(body) > limit:
        return body[:limit] + "…"
    return body


class AuthError(ApiError):
    """401: credentials missing, wrong or revoked. Tracking pauses until they are fixed."""

    code = "unauthorized"


class ForbiddenError(ApiError):
    """403: the provider refuses this machine's IP address, or the account is disabled."""

    code = "forbidden"


class NotFoundError(ApiError):
    code = "not_found"


class ApiValidationError(ApiError):
    """422 (SkinsNode) or 400 validation error (Skinslink), with per-field details."""

    code = "validation_error"


class ConflictError(ApiError):
    """409: the idempotency key was used before; the existing record must be adopted."""

    code = "conflict"


class RateLimitedError(ApiError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UncertainOutcomeError(ApiError):
    """A write may or may not have happened: reconcile with a read before trying again, and
    retry only with the same idempotency key."""

    outcome_unknown = True


class ServerError(UncertainOutcomeError):
    code = "server_error"


class ApiTimeoutError(UncertainOutcomeError):
    code = "timeout"


class ApiConnectionError(UncertainOutcomeError):
    """The provider could not be reached, or the connection dropped mid-request."""

    code = "connection_error"


class MalformedResponseError(UncertainOutcomeError):
    """The provider answered 2xx with something that is not the documented shape; as an
    answer to a write, it says nothing about whether the write happened."""

    code = "malformed_response"


class OutcomeUnknownError(UncertainOutcomeError):
    """A write was sent and reconciling did not settle whether it happened; the record stays
    in ``sending`` and recovery retries it later with the same idempotency key."""

    code = "outcome_unknown"


class ProviderRefusal(ApiError):
    """A definite business refusal: price moved, insufficient funds, provider failure…"""

    code = "refused"


class QuoteExpiredError(ProviderRefusal):
    code = "quote_expired"


# --- local errors ----------------------------------------------------------------------


class StoreError(UserFacingError):
    code = "store_error"


class DatabaseCorruptError(StoreError):
    code = "database_corrupt"


class DatabaseReadOnlyError(StoreError):
    code = "database_read_only"


class DiskFullError(StoreError):
    code = "disk_full"


class DatabaseLockedError(StoreError):
    """Another Skins Console already owns this data folder."""

    code = "database_locked"


class DatabaseUnavailableError(StoreError):
    """The team database (PostgreSQL) cannot be reached, or the connection dropped.

    ``where`` is ``host:port/dbname`` (never a password); ``detail`` is the server's or the
    driver's own words, password scrubbed. Nothing of the failed call was committed; the
    next call reconnects by itself.
    """

    code = "database_unavailable"

    def __init__(self, message: str, *, where: str, detail: str = "") -> None:
        super().__init__(message)
        self.where = where
        self.detail = detail


class SecretStoreError(UserFacingError):
    """No usable OS keyring; the message says what to install or configure."""

    code = "keyring_unavailable"


class ProfileError(UserFacingError):
    code = "profile_error"


class InsufficientBalanceError(UserFacingError):
    code = "insufficient_balance"


class DepositFailedError(ProviderRefusal):
    """Skinslink answered HTTP 200 with ``data.status == "failed"``; ``state`` has the deposit."""

    code = "deposit_failed"

    def __init__(self, message: str, *, state: object, **kw) -> None:
        super().__init__(message, **kw)
        self.state = state


class WebhookRejected(SkinsConsoleError):
    """A webhook failed verification; ``reason`` is one of ``bad_signature``, ``stale``,
    ``future``, ``missing_header``, ``malformed``. Nothing in the store may change."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


# --- typed refusals: structured fields, phrased by whoever shows them --------------------
# Each ``message`` below is the merchant's wording (what the window shows). It names no CLI
# command or flag: the CLI re-phrases these from their fields (``cli/phrasing.py``).


class NoProfileError(ProfileError):
    """No profile is set up or chosen yet."""

    code = "no_profile"

    def __init__(self) -> None:
        super().__init__(
            "No profile is set up yet. Add one with your SkinsNode and Skinslink credentials."
        )


class SecretMissingError(ProfileError):
    """A profile's secret (``secret`` is its label) is not in the keyring."""

    code = "secret_missing"

    def __init__(self, *, profile: str, secret: str) -> None:
        super().__init__(
            f"The {secret} of profile “{profile}” is not in the keyring. Enter it again in "
            "the profile's settings."
        )
        self.profile = profile
        self.secret = secret


class UnknownCatalogItemError(ValidationError):
    """The item to sell is not (or no longer) in the SkinsNode catalog."""

    code = "unknown_item"

    def __init__(self, catalog_item_id: str) -> None:
        super().__init__(
            f"Catalog item {catalog_item_id} is not in the SkinsNode catalog (it was sold, "
            "withdrawn, or the id is mistyped). Nothing was ordered. Search the catalog again "
            "and choose a current item.",
            field="catalog_item_id",
        )
        self.catalog_item_id = catalog_item_id


class PriceChangedError(ValidationError):
    """The catalog price is no longer the one the buyer was quoted (cents, both)."""

    code = "price_changed"

    def __init__(self, *, item_name: str, quoted_cents: int, current_cents: int) -> None:
        # Imported here: core.money may itself raise errors from this module.
        from skins_console.core.money import format_cents

        super().__init__(
            f"The price of {item_name} moved from {format_cents(quoted_cents)} to "
            f"{format_cents(current_cents)}. Nothing was ordered. Confirm the new price with "
            "the buyer and order again.",
            field="price",
        )
        self.item_name = item_name
        self.quoted_cents = quoted_cents
        self.current_cents = current_cents


class RecordIdTakenError(ValidationError):
    """A given order id (``record="order"``) or deposit transaction id (``"deposit"``)
    already stands for another sale or purchase; ``conflict`` says how it differs."""

    def __init__(self, *, record: str, record_id: str, conflict: str) -> None:
        if record == "order":
            text = (
                f"Order id {record_id} is already used by another order ({conflict}). One "
                "order id is one sale; use a new order id."
            )
            code, field = "duplicate_external_id", "external_id"
        else:
            text = (
                f"Transaction id {record_id} is already used by another deposit ({conflict}). "
                "Use a new transaction id."
            )
            code, field = "duplicate_merchant_tx_id", "merchant_tx_id"
        super().__init__(text, field=field, code=code)
        self.record = record
        self.record_id = record_id
        self.conflict = conflict


class ShopOrderTakenError(ValidationError):
    """A shop order number already stands for an order in the local book: fulfilling it
    again is refused before anything is sent. ``status`` is that order's status."""

    code = "shop_order_taken"

    def __init__(self, *, shop_order: str, status: str, state: str, item_name: str) -> None:
        super().__init__(
            f"Shop order {shop_order} already has an order: {item_name} ({state}). "
            "Nothing was sent: SkinsNode keeps one order per shop order number. To send the "
            "buyer another item, give the new order its own number (for example "
            f"{shop_order}-2).",
            field="shop_order",
        )
        self.shop_order = shop_order
        self.status = status
        self.state = state
        self.item_name = item_name


class UnknownQuoteError(ValidationError):
    code = "unknown_quote"

    def __init__(self, *, quote_id: int, profile: str) -> None:
        super().__init__(
            f"There is no quote {quote_id} in profile “{profile}”. Get a new quote first.",
            field="quote",
        )
        self.quote_id = quote_id
        self.profile = profile


class QuoteNotLockedError(ValidationError):
    """A price-only quote holds no Skinslink price lock, so no deposit can use it."""

    code = "quote_not_locked"

    def __init__(self, quote_id: int | None) -> None:
        super().__init__(
            f"Quote {quote_id} was a price-only quote and holds no price lock. Quote again "
            "with a price lock to create a deposit.",
            field="quote",
        )
        self.quote_id = quote_id


class QuoteLockExpiredError(ValidationError):
    """The quote's 5-minute lock ran out (checked locally: nothing was sent)."""

    code = "quote_expired"

    def __init__(self, *, quote_id: int | None, expired_at: datetime | None) -> None:
        when = expired_at.strftime("%H:%M:%S UTC") if expired_at is not None else "—"
        super().__init__(
            f"Quote {quote_id} expired at {when} (Skinslink holds prices for 5 minutes). "
            "Nothing was sent. Quote again and use the new quote.",
            field="quote",
        )
        self.quote_id = quote_id
        self.expired_at = expired_at


class NoDepositItemsError(ValidationError):
    def __init__(self) -> None:
        super().__init__("Add at least one item to the deposit.", field="items")


class ListenerBindError(UserFacingError):
    """The webhook listener could not bind ``host``:``port`` (``reason`` from the OS)."""

    code = "listener_bind_failed"

    def __init__(self, *, host: str, port: int, reason: str) -> None:
        super().__init__(
            f"The webhook listener cannot use {host}:{port}: {reason}. Choose another port "
            "in Settings."
        )
        self.host = host
        self.port = port
        self.reason = reason


# --- answers the console refuses to believe (#15) ----------------------------------------


class WrongRecordError(MalformedResponseError):
    """The answer is about another record than the one asked for (another ``externalId``,
    ``merchant_tx_id`` or trade id): garbled, so nothing is written from it; a create is
    reconciled with its own key."""

    code = "wrong_record"


class DeadlineExceededError(ApiTimeoutError):
    """The whole request (connecting, the headers and the entire body, and for a read its
    retries) took longer than its deadline: a trickling answer is cut off, not waited for."""

    code = "deadline_exceeded"


class ResponseTooLargeError(ApiError):
    """The answer grew past the size its endpoint may have; the rest was not read. Like a
    garbled answer it says nothing about whether a write happened, and a read may be retried."""

    code = "response_too_large"
    outcome_unknown = True


# --- names and trade URLs (appended) ----------------------------------------------------


class TradeUrlPhishingError(TradeUrlError):
    """The pasted link points to a look-alike of steamcommunity.com: warn, never open it."""

    code = "phishing_trade_url"

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message)
        self.host = host


class NothingPricedError(ValidationError):
    """A quote in which Skinslink priced none of the names; ``suggestions`` maps each typed
    name to the exact real names it most likely means (possibly none)."""

    code = "nothing_priced"

    def __init__(
        self, message: str, *, names: tuple[str, ...], suggestions: dict[str, tuple[str, ...]]
    ) -> None:
        super().__init__(message, field="names")
        self.names = names
        self.suggestions = suggestions


class ChatChannelMissingError(ValidationError):
    """No chat channel (``kind`` None) or not this one is set up for ``profile``."""

    code = "no_chat_channel"

    def __init__(self, *, profile: str, kind: str | None = None) -> None:
        what = {"telegram": "Telegram chat", "discord": "Discord webhook"}.get(
            kind or "", "Telegram chat or Discord webhook"
        )
        super().__init__(
            f"No {what} is set up for notifications of profile “{profile}”. Add one in "
            "Settings → Chat notifications."
        )
        self.profile = profile
        self.kind = kind


class BuyerReversedWarning(ValidationError):
    """The buyer reversed a trade recently: selling to them again needs the operator's
    explicit go-ahead. Nothing was written or sent."""

    code = "buyer_reversed"

    def __init__(
        self,
        *,
        buyer: str,
        steamid64: int,
        reversals: int,
        last_reversal_at: datetime,
        keys: tuple[str, ...] = (),
    ) -> None:
        when = last_reversal_at.strftime("%Y-%m-%d %H:%M UTC")
        times = "a trade" if reversals == 1 else f"{reversals} trades"
        super().__init__(
            f"{buyer} reversed {times} in the last 30 days (last on {when}). A reversal takes "
            "the item back after it was delivered. Nothing was ordered; confirm to sell to "
            "them anyway.",
            field="trade_url",
        )
        self.buyer = buyer
        self.steamid64 = steamid64
        self.reversals = reversals
        self.last_reversal_at = last_reversal_at
        self.keys = keys


class UnknownBuyerError(ValidationError):
    """No buyer in the book matches what was typed (a SteamID, account id or name)."""

    code = "unknown_buyer"

    def __init__(self, *, wanted: str, profile: str, similar: tuple[str, ...] = ()) -> None:
        text = f"There is no buyer “{wanted}” in the buyer book of profile “{profile}”."
        if similar:
            text += f" Did you mean {', '.join(similar)}?"
        super().__init__(text, field="buyer")
        self.wanted = wanted
        self.profile = profile
        self.similar = similar


class AmbiguousBuyerError(ValidationError):
    """A name shared by several buyers: the SteamID tells them apart."""

    code = "ambiguous_buyer"

    def __init__(self, *, wanted: str, steamids: tuple[int, ...]) -> None:
        super().__init__(
            f"{len(steamids)} buyers are named “{wanted}” "
            f"({', '.join(str(s) for s in steamids)}); choose one by SteamID.",
            field="buyer",
        )
        self.wanted = wanted
        self.steamids = steamids


class UnknownAttentionItemError(ValidationError):
    """The key is no order or deposit that needs attention now."""

    code = "unknown_attention_item"

    def __init__(self, *, key: str, reason: str) -> None:
        super().__init__(f"{key} is not in the attention queue: {reason}.", field="key")
        self.key = key
        self.reason = reason


class KeyInUseError(ValidationError):
    """Team mode: another operator's order (``kind="order"``) or deposit already has this
    key in the shared book, so it is refused before anything is sent. ``operator`` is who
    sent it (else who wrote it), ``sent_at`` when it was written to the book."""

    code = "key_in_use"

    def __init__(self, *, kind: str, key: str, operator: str, sent_at: datetime | None) -> None:
        what = "Order id" if kind == "order" else "Transaction id"
        when = f" at {sent_at:%Y-%m-%d %H:%M} UTC" if sent_at is not None else ""
        super().__init__(
            f"{what} {key} is already used by {operator}'s {kind} (sent{when}). Nothing was "
            f"sent: one id is one {'sale' if kind == 'order' else 'purchase'}, whoever "
            "fulfils it.",
            field="external_id" if kind == "order" else "merchant_tx_id",
        )
        self.kind = kind
        self.key = key
        self.operator = operator
        self.sent_at = sent_at

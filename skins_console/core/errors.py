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
    retry only with the same idempotency key.
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
    ) -> None:
        super().__init__(message, code=code)
        self.provider = provider
        self.status = status
        self.body = _trim(body)


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

    def __init__(self, message: str, *, details: list[dict] | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.details = details or []


class ConflictError(ApiError):
    """409: the idempotency key was used before; the existing record must be adopted."""

    code = "conflict"


class RateLimitedError(ApiError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    code = "server_error"
    outcome_unknown = True


class ApiTimeoutError(ApiError):
    code = "timeout"
    outcome_unknown = True


class ApiConnectionError(ApiError):
    """The provider could not be reached, or the connection dropped mid-request."""

    code = "connection_error"
    outcome_unknown = True


class MalformedResponseError(ApiError):
    """The provider answered 2xx with something that is not the documented shape."""

    code = "malformed_response"
    # A garbled answer to a write says nothing about whether the write happened.
    outcome_unknown = True


class OutcomeUnknownError(ApiError):
    """A write was sent and reconciling did not settle whether it happened; the record stays
    in ``sending`` and recovery retries it later with the same idempotency key."""

    code = "outcome_unknown"
    outcome_unknown = True


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

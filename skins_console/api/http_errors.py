"""How a provider's answer becomes an operator's error: the typed error for each HTTP
status, transport failure, deadline, oversized or garbled answer, with a message that says
what happened and what to do (and, for a write, that it is checked before being resent).

``ErrorMapping`` is mixed into ``ProviderHttp``; it needs the provider's name, host and
timeouts, and the provider's own refiner (Skinslink's domain codes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from skins_console.core.errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    ApiValidationError,
    AuthError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    WrongRecordError,
)

#: Turns (status, decoded body, default error) into a provider-specific error, or returns
#: the default unchanged. Lets Skinslink map its domain codes without a second request path.
ErrorRefiner = Callable[[int, Any, ApiError], ApiError]


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MB"
    return f"{n / 1024:g} kB"


class ErrorMapping:
    provider: str
    host: str
    timeout: httpx.Timeout
    _refine: ErrorRefiner | None

    def error_for_status(
        self,
        status: int,
        body: Any,
        *,
        retry_after: float | None = None,
        method: str = "GET",
        what: str | None = None,
    ) -> ApiError:
        """The typed error for a non-2xx answer, refined by the provider's own codes."""
        p = self.provider
        detail = error_detail(body)
        said = f" {p} said: “{detail}”." if detail else ""
        kw: dict[str, Any] = {"provider": p, "status": status, "body": body}
        if status == 401:
            error: ApiError = AuthError(
                f"{p} did not accept the API credentials (HTTP 401).{said} Check the "
                f"credentials in the profile settings; a regenerated key replaces the old "
                f"one at once.",
                **kw,
            )
        elif status == 403:
            error = ForbiddenError(
                f"{p} refused the request (HTTP 403): the provider does not accept requests "
                f"from this computer's IP address; add it to the allow-list in your "
                f"account, or use a fixed-IP relay.{said}",
                **kw,
            )
        elif status == 404:
            thing = what or "the requested record"
            error = NotFoundError(
                f"{p} has no record of {thing} (HTTP 404).{said} Check the id; if you just "
                f"created it, refresh in a moment.",
                **kw,
            )
        elif status == 409:
            error = ConflictError(
                f"{p} already has {what or 'this record'} (HTTP 409).{said} The existing "
                f"record is used instead of creating a second one.",
                **kw,
            )
        elif status in (400, 422):
            details = validation_details(body)
            listed = "; ".join(_format_detail(d) for d in details[:5])
            fix = f" Problems: {listed}." if listed else ""
            error = ApiValidationError(
                f"{p} rejected the request as invalid (HTTP {status}).{said}{fix} Correct "
                f"the input and try again.",
                details=details,
                **kw,
            )
        elif status == 429:
            wait = f"wait {retry_after:.0f} s" if retry_after is not None else "wait a minute"
            error = RateLimitedError(
                f"{p} is limiting how often this account may call it (HTTP 429); {wait} "
                f"and try again.",
                retry_after=retry_after,
                **kw,
            )
        elif status == 408:
            error = ApiTimeoutError(
                f"{p} timed out upstream (HTTP 408).{said}{self.write_note(method)} "
                f"Try again in a minute.",
                **kw,
            )
        elif status >= 500:
            error = ServerError(
                f"{p} had a server error (HTTP {status}).{said}{self.write_note(method)} "
                f"Try again in a minute; if it persists, check the provider's status page.",
                **kw,
            )
        else:
            error = ApiError(
                f"{p} answered with an unexpected HTTP {status}.{said} Try again; if it "
                f"persists, contact {p} support.",
                **kw,
            )
        if self._refine is not None:
            error = self._refine(status, body, error)
        return error

    def malformed(
        self, reason: str, *, status: int | None = 200, body: Any = None
    ) -> MalformedResponseError:
        return MalformedResponseError(
            f"{self.provider} sent an answer the console cannot read ({reason}). Nothing was "
            f"changed locally; try again, and if it persists contact {self.provider} support.",
            provider=self.provider,
            status=status,
            body=body,
        )

    def wrong_record(self, asked: str, got: object, *, body: Any = None) -> WrongRecordError:
        """The answer names another record than ``asked`` (an order, a deposit)."""
        named = f"“{got}”" if got not in (None, "") else "no record at all"
        return WrongRecordError(
            f"{self.provider} answered about {named} when asked about {asked}, so the "
            f"answer was not believed and nothing was changed locally. The console checks "
            f"again with the same id; if it persists contact {self.provider} support.",
            provider=self.provider,
            status=200,
            body=body,
        )

    def deadline_error(
        self, method: str, deadline: float, what: str | None
    ) -> DeadlineExceededError:
        thing = f" ({what})" if what else ""
        return DeadlineExceededError(
            f"{self.provider} ({self.host}) did not finish answering within "
            f"{deadline:g} s{thing}; the console stopped waiting."
            f"{self.write_note(method)} Check the internet connection and try again.",
            provider=self.provider,
        )

    def too_large(
        self, method: str, max_bytes: int, what: str | None, status: int
    ) -> ResponseTooLargeError:
        thing = f" for {what}" if what else ""
        return ResponseTooLargeError(
            f"{self.provider} sent an answer larger than {_size(max_bytes)}{thing}, "
            f"far more than it can hold; the console stopped reading it and changed "
            f"nothing.{self.write_note(method)} Try again; if it persists contact "
            f"{self.provider} support.",
            provider=self.provider,
            status=status,
        )

    def write_note(self, method: str) -> str:
        if method == "GET":
            return ""
        return (
            " The request may or may not have been carried out; the console checks "
            "before sending it again, with the same id."
        )

    def timeout_error(self, method: str, exc: httpx.TimeoutException) -> ApiTimeoutError:
        if isinstance(exc, httpx.ConnectTimeout):
            limit, stage = self.timeout.connect, "connect"
        elif isinstance(exc, httpx.PoolTimeout):
            limit, stage = self.timeout.pool, "get a free connection"
        else:
            limit, stage = self.timeout.read, "answer"
        seconds = f" within {limit:g} s" if limit else ""
        return ApiTimeoutError(
            f"{self.provider} ({self.host}) did not {stage}{seconds}."
            f"{self.write_note(method)} Check the internet connection and try again.",
            provider=self.provider,
        )

    def connection_error(self, method: str, exc: httpx.TransportError) -> ApiConnectionError:
        if isinstance(exc, (httpx.ConnectError,)):
            what = f"Could not connect to {self.provider} at {self.host}"
            advice = (
                " Check the internet connection and the server address in the profile settings."
            )
            note = ""
        else:
            what = f"The connection to {self.provider} ({self.host}) broke before it answered"
            advice = " Try again in a moment."
            note = self.write_note(method)
        return ApiConnectionError(
            f"{what} ({type(exc).__name__}).{note}{advice}",
            provider=self.provider,
        )


# --- reading error bodies --------------------------------------------------------------


def error_detail(body: Any) -> str | None:
    """The provider's own one-line explanation from an error body, if it has one."""
    if isinstance(body, Mapping):
        for key in ("message", "error", "detail", "title"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return _clip(value.strip())
            if isinstance(value, Mapping):
                inner = error_detail(value)
                if inner:
                    return inner
        return None
    if isinstance(body, (bytes, bytearray)):
        text = bytes(body[:300]).decode("utf-8", "replace").strip()
        # An HTML error page says nothing useful in one line.
        if not text or text.startswith("<"):
            return None
        return _clip(text)
    return None


def validation_details(body: Any) -> list[dict]:
    """Per-field problems from an error body: ``data[]`` (Skinslink), ``details``/``errors``
    (common API styles) or a ``detail`` list; each kept as the provider's own dict."""
    if not isinstance(body, Mapping):
        return []
    for key in ("data", "details", "errors", "detail"):
        value = body.get(key)
        if isinstance(value, list):
            return [item if isinstance(item, dict) else {"message": str(item)} for item in value]
        if key == "errors" and isinstance(value, Mapping):
            return [{"field": str(k), "message": str(v)} for k, v in value.items()]
    return []


def _format_detail(detail: Mapping[str, Any]) -> str:
    field_name = detail.get("field") or detail.get("path") or detail.get("loc")
    if isinstance(field_name, list):
        field_name = ".".join(str(part) for part in field_name)
    message = detail.get("message") or detail.get("msg") or detail.get("code") or ""
    text = f"{field_name}: {message}" if field_name else str(message)
    return _clip(text, 120)


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

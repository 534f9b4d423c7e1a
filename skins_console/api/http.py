"""The one request path both provider clients use.

Everything that is the same for SkinsNode and Skinslink lives here: the ``httpx`` client
with explicit timeouts, the User-Agent, Decimal-exact JSON both ways, bounded retries of
reads (exponential backoff with jitter, ``Retry-After`` on 429), and the mapping of HTTP
statuses and transport failures to the typed errors in ``core.errors`` with messages the
operator can act on.

Writes (POST) are sent exactly once per call here; whether and how a write is repeated is
the client's decision, because only it knows the idempotency key to reconcile with.

Secrets live only in the client's default headers. Nothing here copies headers into an
error, a log line or a ``repr``.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from skins_console import __version__
from skins_console.api.json_stream import loads_exact_stepwise
from skins_console.core.errors import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    ApiValidationError,
    AuthError,
    ConflictError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from skins_console.core.money import loads_exact

log = logging.getLogger(__name__)

T = TypeVar("T")

USER_AGENT = f"SkinsConsole/{__version__}"
#: Connecting should be quick even on a slow line; a longer wait means the host is wrong.
CONNECT_TIMEOUT_CAP = 5.0
#: A Retry-After longer than this is reported to the caller instead of slept through, so a
#: button never hangs for minutes; background tracking reschedules with ``retry_after``.
DEFAULT_MAX_RETRY_AFTER = 30.0

#: Turns (status, decoded body, default error) into a provider-specific error, or returns
#: the default unchanged. Lets Skinslink map its domain codes without a second request path.
ErrorRefiner = Callable[[int, Any, ApiError], ApiError]


# --- JSON out: Decimal as a JSON number ------------------------------------------------


def dumps_exact(value: Any) -> bytes:
    """Encode ``value`` as compact JSON, writing ``Decimal`` as a number (``22.75``).

    The stdlib encoder can only write a Decimal as a string or through ``float``; a price
    floor of ``22.75`` must reach the provider as exactly those digits.
    """
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode("utf-8")


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send the amount {value} (not a finite number)")
        out.append(format(value, "f"))
    elif isinstance(value, float):
        # No float may carry money; refuse loudly rather than send a rounded value.
        raise TypeError("floats are not sent to providers; use int cents or Decimal")
    elif value is None or isinstance(value, (bool, int, str)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


# --- Retry-After -----------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0.0, seconds) if seconds == seconds else None  # NaN → unknown
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


# --- responses -------------------------------------------------------------------------

#: answers larger than this are decoded off the event loop (see ``send``)
DECODE_OFF_LOOP_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    data: Any
    elapsed_ms: float
    headers: httpx.Headers = field(repr=False)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of reads: ``attempts`` extra tries after the first."""

    attempts: int = 3
    backoff_base: float = 0.25
    backoff_cap: float = 4.0
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    def backoff(self, retry_index: int) -> float:
        # "Equal jitter": never zero (so a burst of clients spreads out) and never above cap.
        ceiling = min(self.backoff_cap, self.backoff_base * (2**retry_index))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@functools.lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~0.1 s; every client (one per provider and profile)
    # shares one context instead of paying that on each construction.
    return httpx.create_ssl_context(trust_env=True)


def check_base_url(provider: str, base_url: str) -> str:
    """The base URL without a trailing slash; a clear error instead of an httpx crash."""
    text = (base_url or "").strip()
    try:
        parts = urlsplit(text)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        if valid:
            parts.port  # noqa: B018 - raises ValueError on a port like ":abc"
    except ValueError:
        valid = False
    if not valid:
        raise ValidationError(
            f"The {provider} server address {text!r} is not a web address; it should look "
            f"like https://api.example.com. Fix it in the profile settings.",
            field="base_url",
        )
    return text.rstrip("/")


def _short_host(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts.netloc or base_url


class ProviderHttp:
    """An ``httpx.AsyncClient`` for one provider, with the shared error mapping.

    ``auth_headers`` are added to every request except those made with ``auth=False``.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        auth_headers: Mapping[str, str],
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        refine_error: ErrorRefiner | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.provider = provider
        self.base_url = check_base_url(provider, base_url)
        self.host = _short_host(self.base_url)
        self.retry = retry or RetryPolicy()
        self._auth_headers = dict(auth_headers)
        self._refine = refine_error
        self._sleep = sleep
        if not isinstance(timeout, httpx.Timeout):
            seconds = float(timeout)
            timeout = httpx.Timeout(
                connect=min(CONNECT_TIMEOUT_CAP, seconds),
                read=seconds,
                write=seconds,
                pool=seconds,
            )
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            verify=tls_context(),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never show headers
        return f"<ProviderHttp {self.provider} {self.base_url}>"

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- public request helpers --------------------------------------------------------

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        what: str | None = None,
        retries: int | None = None,
        large_body: Callable[[Any], Any] | None = None,
    ) -> JsonResponse:
        """A read: retried on timeouts, dropped connections, 5xx, 429 and garbled JSON.

        ``large_body`` decodes an answer over ``DECODE_OFF_LOOP_BYTES`` in the worker thread
        instead of ``loads_exact_stepwise`` (the catalog: ``api/catalog_decode.py``)."""
        kw: dict[str, Any] = {} if large_body is None else {"large_body": large_body}
        return await self._with_retries(
            "GET", path, params=params, auth=auth, what=what, retries=retries, **kw
        )

    async def post_retrying(
        self, path: str, body: Any, *, what: str | None = None, retries: int | None = None
    ) -> JsonResponse:
        """A POST that is safe to repeat because it changes nothing that matters (a price
        quote: a repeated one only leaves a draft that expires by itself)."""
        return await self._with_retries("POST", path, body=body, what=what, retries=retries)

    async def _with_retries(
        self, method: str, path: str, *, retries: int | None, **kw: Any
    ) -> JsonResponse:
        attempts = self.retry.attempts if retries is None else retries
        retry_index = 0
        while True:
            try:
                return await self.send(method, path, **kw)
            except ApiError as exc:
                delay = self._retry_delay(exc, retry_index, attempts)
                if delay is None:
                    raise
                log.debug(
                    "%s %s %s: retry %d in %.2fs (%s)",
                    self.provider,
                    method,
                    path,
                    retry_index + 1,
                    delay,
                    exc.code,
                )
                retry_index += 1
                await self._sleep(delay)

    async def post(self, path: str, body: Any, *, what: str | None = None) -> JsonResponse:
        """A write, sent once. The caller decides about reconciling and resending."""
        return await self.send("POST", path, body=body, what=what)

    async def create_reconciling(
        self,
        *,
        label: str,
        attempts: int,
        send: Callable[[], Awaitable[T]],
        look_up: Callable[[], Awaitable[Any]],
        settle: Callable[[Any], T],
        unknown: Callable[[ApiError | None], ApiError],
    ) -> T:
        """A create keyed by an idempotency key (an order, a deposit), resent only as the
        identical body and only once the provider is known not to have it.

        ``send()`` POSTs and parses; ``look_up()`` reads the record by its key (raising
        ``NotFoundError`` when the provider never got it) and ``settle`` turns that into the
        result; ``unknown(cause)`` is the error when nothing settles whether it exists.
        A conflict means the key exists: that record is adopted. A 429 is a definite "not
        processed": waiting and resending is safe. An answer lost in transit is looked up
        before anything is sent again.
        """
        last: ApiError | None = None
        for attempt in range(1, attempts + 1):
            try:
                return await send()
            except ConflictError:
                return settle(await look_up())
            except RateLimitedError as exc:
                delay = self.retry_delay_for(exc, attempt - 1, attempts - 1)
                if delay is None:
                    raise
                await self.sleep(delay)
                continue
            except ApiError as exc:
                if not exc.outcome_unknown:
                    raise
                last = exc
                log.info("%s: outcome unknown (%s); reconciling", label, exc.code)
            try:
                found = await look_up()
            except NotFoundError:
                log.info("%s: not found; resending the identical body", label)
                if attempt < attempts:
                    await self.sleep(self.retry.backoff(attempt - 1))
                continue
            except ApiError as exc:
                raise unknown(exc) from None
            return settle(found)
        raise unknown(last)

    def retry_delay_for(self, exc: ApiError, retry_index: int, attempts: int) -> float | None:
        return self._retry_delay(exc, retry_index, attempts)

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    # --- the single request path -------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        what: str | None = None,
        large_body: Callable[[Any], Any] = loads_exact_stepwise,
    ) -> JsonResponse:
        headers = dict(self._auth_headers) if auth else {}
        content = None
        if body is not None:
            content = dumps_exact(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            request = self._client.build_request(
                method, path, content=content, params=params, headers=headers
            )
            response = await self._client.send(request, stream=True)
            try:
                # Kept as received: joining a 40 MB catalog is one 30 ms C call on the loop.
                chunks = [chunk async for chunk in response.aiter_bytes()]
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            ms = (time.perf_counter() - started) * 1000
            log.debug(
                "%s %s %s -> timeout (%s) after %.0f ms",
                self.provider,
                method,
                path,
                type(exc).__name__,
                ms,
            )
            raise self._timeout_error(method, exc) from None
        except httpx.TransportError as exc:
            ms = (time.perf_counter() - started) * 1000
            log.debug(
                "%s %s %s -> %s after %.0f ms", self.provider, method, path, type(exc).__name__, ms
            )
            raise self._connection_error(method, exc) from None
        except httpx.DecodingError:
            # A body whose Content-Encoding does not decode is a garbled answer.
            raise self.malformed("the answer could not be decompressed", status=None) from None
        ms = (time.perf_counter() - started) * 1000
        log.debug(
            "%s %s %s -> %d in %.0f ms", self.provider, method, path, response.status_code, ms
        )
        if sum(map(len, chunks)) > DECODE_OFF_LOOP_BYTES:
            # A 100,000-item catalog takes about a second to decode; on the GUI's event
            # loop that would freeze the window, so large answers decode in a worker thread
            # (a value at a time, so the thread lets the GIL go: api/json_stream.py).
            return await asyncio.to_thread(
                self._decode, method, response, chunks, ms, what, loads=large_body
            )
        return self._decode(method, response, b"".join(chunks), ms, what)

    # --- decoding and error mapping ----------------------------------------------------

    def _decode(
        self,
        method: str,
        response: httpx.Response,
        body: bytes | list[bytes],
        ms: float,
        what: str | None,
        loads: Callable[[Any], Any] = loads_exact,
    ) -> JsonResponse:
        status = response.status_code
        has_body = bool(body) if isinstance(body, bytes) else any(body)
        try:
            data = loads(body) if has_body else None
            decoded = True
        except (ValueError, UnicodeDecodeError):
            data, decoded = None, False
        if not decoded or data is None:
            raw = body if isinstance(body, bytes) else b"".join(body)
            if not decoded:
                data = raw
        if 200 <= status < 300:
            if not decoded or data is None:
                raise self.malformed(
                    "the answer is not JSON" if raw else "the answer was empty",
                    status=status,
                    body=raw,
                )
            return JsonResponse(status, data, ms, response.headers)
        error = self.error_for_status(
            status,
            data,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            method=method,
            what=what,
        )
        raise error

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
                f"{p} timed out upstream (HTTP 408).{said}{self._write_note(method)} "
                f"Try again in a minute.",
                **kw,
            )
        elif status >= 500:
            error = ServerError(
                f"{p} had a server error (HTTP {status}).{said}{self._write_note(method)} "
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

    def _write_note(self, method: str) -> str:
        if method == "GET":
            return ""
        return (
            " The request may or may not have been carried out; the console checks "
            "before sending it again, with the same id."
        )

    def _timeout_error(self, method: str, exc: httpx.TimeoutException) -> ApiTimeoutError:
        if isinstance(exc, httpx.ConnectTimeout):
            limit, stage = self.timeout.connect, "connect"
        elif isinstance(exc, httpx.PoolTimeout):
            limit, stage = self.timeout.pool, "get a free connection"
        else:
            limit, stage = self.timeout.read, "answer"
        seconds = f" within {limit:g} s" if limit else ""
        return ApiTimeoutError(
            f"{self.provider} ({self.host}) did not {stage}{seconds}."
            f"{self._write_note(method)} Check the internet connection and try again.",
            provider=self.provider,
        )

    def _connection_error(self, method: str, exc: httpx.TransportError) -> ApiConnectionError:
        if isinstance(exc, (httpx.ConnectError,)):
            what = f"Could not connect to {self.provider} at {self.host}"
            advice = (
                " Check the internet connection and the server address in the profile settings."
            )
            note = ""
        else:
            what = f"The connection to {self.provider} ({self.host}) broke before it answered"
            advice = " Try again in a moment."
            note = self._write_note(method)
        return ApiConnectionError(
            f"{what} ({type(exc).__name__}).{note}{advice}",
            provider=self.provider,
        )

    def _retry_delay(self, exc: ApiError, retry_index: int, attempts: int) -> float | None:
        if retry_index >= attempts:
            return None
        if isinstance(exc, RateLimitedError):
            if exc.retry_after is None:
                return self.retry.backoff(retry_index)
            if exc.retry_after > self.retry.max_retry_after:
                return None
            return exc.retry_after
        if exc.outcome_unknown:
            return self.retry.backoff(retry_index)
        return None


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


class ProviderClient:
    """What both provider clients share: one ``ProviderHttp`` and its lifetime."""

    _http: ProviderHttp

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._http.base_url}>"

    @property
    def base_url(self) -> str:
        return self._http.base_url

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

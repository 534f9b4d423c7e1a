"""The one request path both provider clients use.

Everything that is the same for SkinsNode and Skinslink lives here: the ``httpx`` client
with explicit timeouts, the User-Agent, Decimal-exact JSON both ways, bounded retries of
reads (exponential backoff with jitter, ``Retry-After`` on 429), and the mapping of HTTP
statuses and transport failures to the typed errors in ``core.errors`` with messages the
operator can act on.

Every request has limits (:class:`Limits`): an overall deadline covering the connection,
the headers and the entire body (a read's retries included), besides httpx's per-read
timeouts, so an answer trickling in a byte a second is cut off; and a maximum answer size
per endpoint, counted while the body streams in. Exceeding either is a typed, retryable
error (``DeadlineExceededError``, ``ResponseTooLargeError``).

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
from skins_console.api.http_errors import ErrorMapping, ErrorRefiner
from skins_console.api.json_stream import loads_exact_stepwise
from skins_console.core.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from skins_console.core.money import JsonDepthError, loads_exact

log = logging.getLogger(__name__)

T = TypeVar("T")

USER_AGENT = f"SkinsConsole/{__version__}"
#: Connecting should be quick even on a slow line; a longer wait means the host is wrong.
CONNECT_TIMEOUT_CAP = 5.0
#: A Retry-After longer than this is reported to the caller instead of slept through, so a
#: button never hangs for minutes; background tracking reschedules with ``retry_after``.
DEFAULT_MAX_RETRY_AFTER = 30.0
#: Seconds one provider call may take in all (connect, headers, whole body, a read's
#: retries). Ordinary answers are a few hundred bytes; 30 s is very slow already.
DEFAULT_DEADLINE = 30.0
#: The largest ordinary answer believed (an order, a deposit, the wallet are < 10 kB).
DEFAULT_MAX_BYTES = 1 << 20


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
class Limits:
    """What one endpoint's answer may cost: ``deadline`` seconds for the whole call and
    ``max_bytes`` of (decompressed) body."""

    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES

    def scaled(self, factor: float, max_bytes: int) -> Limits:
        """These limits for a bigger endpoint (the catalog, a 2000-name quote)."""
        return Limits(deadline=self.deadline * factor, max_bytes=max_bytes)


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


class ProviderHttp(ErrorMapping):
    """An ``httpx.AsyncClient`` for one provider, with the shared error mapping
    (``api/http_errors.py``).

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
        limits: Limits | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = check_base_url(provider, base_url)
        self.host = _short_host(self.base_url)
        self.retry = retry or RetryPolicy()
        #: The limits of an endpoint that names none.
        self.limits = limits or Limits()
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
        limits: Limits | None = None,
        large_body: Callable[[Any], Any] | None = None,
    ) -> JsonResponse:
        """A read: retried on timeouts, dropped connections, 5xx, 429 and garbled JSON,
        all within one deadline.

        ``large_body`` decodes an answer over ``DECODE_OFF_LOOP_BYTES`` in the worker thread
        instead of ``loads_exact_stepwise`` (the catalog: ``api/catalog_decode.py``)."""
        kw: dict[str, Any] = {} if large_body is None else {"large_body": large_body}
        return await self._with_retries(
            "GET", path, params=params, auth=auth, what=what, retries=retries, limits=limits, **kw
        )

    async def post_retrying(
        self,
        path: str,
        body: Any,
        *,
        what: str | None = None,
        retries: int | None = None,
        limits: Limits | None = None,
    ) -> JsonResponse:
        """A POST that is safe to repeat because it changes nothing that matters (a price
        quote: a repeated one only leaves a draft that expires by itself)."""
        return await self._with_retries(
            "POST", path, body=body, what=what, retries=retries, limits=limits
        )

    async def _with_retries(
        self,
        method: str,
        path: str,
        *,
        retries: int | None,
        limits: Limits | None,
        **kw: Any,
    ) -> JsonResponse:
        attempts = self.retry.attempts if retries is None else retries
        limits = limits or self.limits
        # One deadline for the call as the operator waits for it, retries included.
        until = asyncio.get_running_loop().time() + limits.deadline
        retry_index = 0
        while True:
            try:
                return await self.send(method, path, limits=limits, until=until, **kw)
            except ApiError as exc:
                delay = self._retry_delay(exc, retry_index, attempts)
                left = until - asyncio.get_running_loop().time()
                if delay is None or delay >= left:
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

    async def post(
        self, path: str, body: Any, *, what: str | None = None, limits: Limits | None = None
    ) -> JsonResponse:
        """A write, sent once. The caller decides about reconciling and resending."""
        return await self.send("POST", path, body=body, what=what, limits=limits)

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
        limits: Limits | None = None,
        until: float | None = None,
        large_body: Callable[[Any], Any] = loads_exact_stepwise,
    ) -> JsonResponse:
        """One request and its whole answer, within ``limits`` (``until``: a loop time
        the call must end by, when it is part of a longer one)."""
        limits = limits or self.limits
        headers = dict(self._auth_headers) if auth else {}
        content = None
        if body is not None:
            content = dumps_exact(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        if until is None:
            until = asyncio.get_running_loop().time() + limits.deadline
        try:
            request = self._client.build_request(
                method, path, content=content, params=params, headers=headers
            )
            async with asyncio.timeout_at(until):
                response, chunks = await self._exchange(request, method, limits, what)
        except TimeoutError:
            ms = (time.perf_counter() - started) * 1000
            log.debug("%s %s %s -> deadline after %.0f ms", self.provider, method, path, ms)
            raise self.deadline_error(method, limits.deadline, what) from None
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
            raise self.timeout_error(method, exc) from None
        except httpx.TransportError as exc:
            ms = (time.perf_counter() - started) * 1000
            log.debug(
                "%s %s %s -> %s after %.0f ms", self.provider, method, path, type(exc).__name__, ms
            )
            raise self.connection_error(method, exc) from None
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
                self._decode_then_free, method, response, chunks, ms, what, large_body
            )
        return self._decode(method, response, b"".join(chunks), ms, what)

    async def _exchange(
        self, request: httpx.Request, method: str, limits: Limits, what: str | None
    ) -> tuple[httpx.Response, list[bytes]]:
        response = await self._client.send(request, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise self.too_large(method, limits.max_bytes, what, response.status_code)
            # Kept as received: joining a 40 MB catalog is one 30 ms C call on the loop.
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise self.too_large(method, limits.max_bytes, what, response.status_code)
                chunks.append(chunk)
        finally:
            await response.aclose()
        return response, chunks

    # --- decoding and error mapping ----------------------------------------------------

    def _decode_then_free(
        self,
        method: str,
        response: httpx.Response,
        chunks: list[bytes],
        ms: float,
        what: str | None,
        loads: Callable[[Any], Any],
    ) -> JsonResponse:
        """Worker thread: ``_decode`` a large body, then free its chunks here, before the
        answer goes back. A 37 MB catalog's chunks were otherwise freed by whichever
        frame let go last, while the next step (the catalog's columns) was already
        building: too late for that step's ``malloc_trim`` to give their pages back, so
        the console's peak RSS during a refresh held them beside the new catalog."""
        try:
            return self._decode(method, response, chunks, ms, what, loads=loads)
        finally:
            chunks.clear()

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
        except JsonDepthError as exc:
            # Refused whatever the status: an error page this deep is no error page.
            raise self.malformed(str(exc), status=status) from None
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

"""What both provider clients share: the connection options they take, the one
``ProviderHttp`` built from them, and its lifetime."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

import httpx

from skins_console.api.http import DEFAULT_DEADLINE, Limits, ProviderHttp, RetryPolicy
from skins_console.api.http_errors import ErrorRefiner
from skins_console.core.errors import ApiError, OutcomeUnknownError

#: Rounds of send → reconcile for one create call before giving up to recovery.
DEFAULT_CREATE_ATTEMPTS = 3
#: the read retries an option left out falls back to
_RETRY = RetryPolicy()


class ConnectionOptions(TypedDict, total=False):
    """Keyword options of both clients. Left out: ``timeout`` is the client's own
    (SkinsNode 10 s, Skinslink 15 s), the read retries are ``RetryPolicy``'s defaults,
    ``create_attempts`` is ``DEFAULT_CREATE_ATTEMPTS``, ``deadline`` is ``DEFAULT_DEADLINE``
    and ``transport`` httpx's own."""

    timeout: float | httpx.Timeout
    max_get_retries: int
    transport: httpx.AsyncBaseTransport | None
    create_attempts: int
    backoff_base: float
    backoff_cap: float
    max_retry_after: float
    deadline: float


class ProviderClient:
    """Base of both provider clients: one ``ProviderHttp`` and its lifetime."""

    _http: ProviderHttp
    #: rounds of send → reconcile for one create call
    create_attempts: int

    def _connect(
        self,
        provider: str,
        base_url: str,
        auth_headers: Mapping[str, str],
        options: ConnectionOptions,
        *,
        timeout: float,
        refine_error: ErrorRefiner | None = None,
    ) -> None:
        unknown = set(options) - ConnectionOptions.__optional_keys__
        if unknown:  # **options is not checked by Python itself
            raise TypeError(f"unexpected client options: {', '.join(sorted(unknown))}")
        self.create_attempts = max(1, options.get("create_attempts", DEFAULT_CREATE_ATTEMPTS))
        self._http = ProviderHttp(
            provider=provider,
            base_url=base_url,
            auth_headers=auth_headers,
            timeout=options.get("timeout", timeout),
            retry=RetryPolicy(
                attempts=max(0, options.get("max_get_retries", _RETRY.attempts)),
                backoff_base=options.get("backoff_base", _RETRY.backoff_base),
                backoff_cap=options.get("backoff_cap", _RETRY.backoff_cap),
                max_retry_after=options.get("max_retry_after", _RETRY.max_retry_after),
            ),
            transport=options.get("transport"),
            refine_error=refine_error,
            limits=Limits(deadline=options.get("deadline", DEFAULT_DEADLINE)),
        )

    def _outcome_unknown(
        self, record: str, key_name: str, harm: str, cause: ApiError | None
    ) -> OutcomeUnknownError:
        """A create that neither answered nor showed up when looked up: ``record`` ("order
        X") stays in "sending" and is retried under its own key, so it cannot be ``harm``
        ("charged") twice."""
        provider = self._http.provider
        reason = cause.message if cause is not None else "no answer"
        return OutcomeUnknownError(
            f"{provider} did not confirm {record}, and looking it up did not settle whether "
            f"it was created. It stays in “sending” and is checked again automatically with "
            f"the same {key_name}, so it cannot be {harm} twice. Last problem: {reason}",
            provider=provider,
            status=cause.status if cause else None,
            body=cause.body if cause else None,
        )

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

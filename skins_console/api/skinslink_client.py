"""Async client for the Skinslink merchant API: the hash-name deposit flow.

``get_prices`` quotes (and by default locks the price for five minutes);
``create_deposit_by_hash_name`` commits a stored :class:`DepositRequest` with its
``merchant_tx_id`` (the idempotency key); ``deposit_status`` reads one deposit.

Answers come in a ``{success, message, data}`` envelope. A deposit that Skinslink refuses
for business reasons still comes back as HTTP 200 with ``data.status == "failed"``; that
raises :class:`DepositFailedError` carrying the state.

An answer is believed only once checked (``skinslink_parse`` for statuses, money and ids):
the deposit it describes must be the one asked about, by ``merchant_tx_id`` and, for a
create, by the quote's trade id. An answer about another deposit raises
``WrongRecordError`` (garbled): a create then reconciles with its own key, and nothing is
written onto the other deposit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Unpack

from skins_console.api import skinslink_parse as parse
from skins_console.api.http import JsonResponse
from skins_console.api.provider_client import ConnectionOptions, ProviderClient
from skins_console.api.shape import ShapeError
from skins_console.api.skinslink_codes import describe_fail_reason, refine_skinslink_error
from skins_console.core.errors import (
    DepositFailedError,
    MarketNameError,
    ProviderRefusal,
    ValidationError,
)
from skins_console.core.market_names import (
    MAX_QUOTE_NAMES,
    clean_market_hash_name,
    validate_game,
)
from skins_console.core.models import DepositRequest, DepositState, Quote, utcnow
from skins_console.core.trade_url import TOKEN_RE

log = logging.getLogger(__name__)

PROVIDER = "Skinslink"
_ASSET_ID = re.compile(r"\d{1,20}")
#: A 2000-name quote is about 400 kB; pricing that many may take the provider a while.
QUOTE_MAX_BYTES = 8 << 20
QUOTE_DEADLINE_FACTOR = 2.0


class SkinslinkClient(ProviderClient):
    def __init__(
        self,
        base_url: str,
        api_key: str,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        if not api_key:
            raise ValidationError(
                "Skinslink needs an API key; enter it in the profile settings.", field="api_key"
            )
        self._connect(
            PROVIDER,
            base_url,
            {"X-Api-Key": api_key},
            options,
            timeout=15.0,
            refine_error=refine_skinslink_error,
        )
        self._quote_limits = self._http.limits.scaled(QUOTE_DEADLINE_FACTOR, QUOTE_MAX_BYTES)

    # --- quote -------------------------------------------------------------------------

    async def get_prices(
        self, game: str, names: Iterable[str], *, no_deposit_intent: bool = False
    ) -> Quote:
        game = validate_game(game)
        requested = prepare_names(game, names)
        body: dict[str, Any] = {"game": game, "marketHashNames": list(requested)}
        if no_deposit_intent:
            body["no_deposit_intent"] = True
        # Repeating a quote is harmless (an unused draft expires by itself), so it gets the
        # same bounded retries as a read.
        response = await self._http.post_retrying(
            "/merchant/get-prices", body, what="the quote", limits=self._quote_limits
        )
        data = self._data(response)
        # The lock runs from Skinslink's response; our receipt time is the closest we know.
        return self._parsed(
            parse.parse_quote, response, data, game=game, requested=requested, fetched_at=utcnow()
        )

    # --- deposit -----------------------------------------------------------------------

    async def create_deposit_by_hash_name(self, req: DepositRequest) -> DepositState:
        check_deposit_request(req)
        body = req.to_json()

        async def send() -> DepositState:
            response = await self._http.post(
                "/merchant/create-deposit-by-hash-name", body, what=f"deposit {req.merchant_tx_id}"
            )
            state = self._parsed(parse.parse_deposit_state, response, self._data(response))
            return self._settled(req, self._ours(req, state, response.data))

        # A repeated merchant_tx_id is a deposit of ours: it is adopted.
        return await self._http.create_reconciling(
            label=f"Skinslink deposit {req.merchant_tx_id}",
            attempts=self.create_attempts,
            send=send,
            look_up=lambda: self.deposit_status(merchant_tx_id=req.merchant_tx_id),
            settle=lambda state: self._settled(req, self._ours(req, state, state.raw)),
            unknown=lambda cause: self._outcome_unknown(
                f"deposit {req.merchant_tx_id}", "transaction id", "created", cause
            ),
        )

    async def deposit_status(
        self, *, id: int | None = None, merchant_tx_id: str | None = None
    ) -> DepositState:
        if id is None and not merchant_tx_id:
            raise ValidationError(
                "Give the deposit's trade id or merchant transaction id.", field="id"
            )
        params: dict[str, Any] = {}
        if id is not None:
            if isinstance(id, bool) or not isinstance(id, int) or id < 1:
                raise ValidationError(
                    f"The trade id must be a positive number, got {id!r}.", field="id"
                )
            params["id"] = id
        if merchant_tx_id:
            params["merchant_tx_id"] = merchant_tx_id
        label = f"deposit {merchant_tx_id or id}"
        response = await self._http.get("/merchant/deposit/status", params=params, what=label)
        state = self._parsed(parse.parse_deposit_state, response, self._data(response))
        if merchant_tx_id and state.merchant_tx_id != merchant_tx_id:
            raise self._http.wrong_record(
                f"deposit {merchant_tx_id}", state.merchant_tx_id, body=response.data
            )
        if id is not None and state.id != id:
            raise self._http.wrong_record(f"trade {id}", f"trade {state.id}", body=response.data)
        return state

    # --- helpers -----------------------------------------------------------------------

    def _ours(self, req: DepositRequest, state: DepositState, body: Any) -> DepositState:
        """``state`` if it is the deposit ``req`` created: its merchant_tx_id and the quote's
        trade id (create-deposit-by-hash-name commits that very trade)."""
        if state.merchant_tx_id != req.merchant_tx_id:
            raise self._http.wrong_record(
                f"deposit {req.merchant_tx_id}", state.merchant_tx_id, body=body
            )
        if state.id != req.trade_id:
            raise self._http.wrong_record(
                f"deposit {req.merchant_tx_id} (trade {req.trade_id})",
                f"trade {state.id}",
                body=body,
            )
        return state

    def _settled(self, req: DepositRequest, state: DepositState) -> DepositState:
        if state.status == "failed":
            raise DepositFailedError(
                f"Skinslink did not create deposit {req.merchant_tx_id}: "
                f"{describe_fail_reason(state.fail_reason)}",
                state=state,
                provider=PROVIDER,
                status=200,
                code="deposit_failed",
                body=state.raw,
            )
        return state

    def _data(self, response: JsonResponse) -> Any:
        """``data`` from the envelope; ``success: false`` on a 2xx is a refusal."""
        body = response.data
        if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
            raise self._http.malformed(
                "the answer has no success/data envelope", status=response.status, body=body
            )
        if not body["success"]:
            message = body.get("message") if isinstance(body.get("message"), str) else ""
            said = f": “{message}”" if message else ""
            error = ProviderRefusal(
                f"Skinslink refused the request{said}.",
                provider=PROVIDER,
                status=response.status,
                body=body,
            )
            raise refine_skinslink_error(400, body, error)
        return body.get("data")

    def _parsed(self, parser, response: JsonResponse, data: Any, **kw):
        try:
            return parser(data, **kw)
        except ShapeError as exc:
            raise self._http.malformed(
                str(exc), status=response.status, body=response.data
            ) from None


def prepare_names(game: str, names: Iterable[str]) -> tuple[str, ...]:
    """Check the count, trim the ends of each name and drop exact repeats, before anything
    is sent."""
    if isinstance(names, (str, bytes)):
        raise ValidationError("Pass the item names as a list, one name per entry.", field="names")
    names = list(names)
    if not names:
        raise ValidationError("Add at least one item name to quote.", field="names")
    if len(names) > MAX_QUOTE_NAMES:
        raise ValidationError(
            f"A Skinslink quote takes at most {MAX_QUOTE_NAMES} item names; this list has "
            f"{len(names)}. Split it into smaller quotes.",
            field="names",
        )
    result: list[str] = []
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if not isinstance(name, str):
            raise MarketNameError(
                f"Name {number} is not text ({type(name).__name__}).", field="names"
            )
        try:
            # Only the ends are trimmed: Steam names are exact strings (two spaces before a
            # pipe, a trailing pipe…) and Skinslink matches them byte for byte.
            clean = clean_market_hash_name(name)
        except MarketNameError as exc:
            raise MarketNameError(
                f"Name {number} ({name.strip()[:60]!r}): {exc.message}", field="names"
            ) from None
        if clean not in seen:
            seen.add(clean)
            result.append(clean)
    return tuple(result)


def check_deposit_request(req: DepositRequest) -> None:
    """Refuse, before sending, what Skinslink would refuse anyway (or worse, misread)."""
    if isinstance(req.trade_id, bool) or not isinstance(req.trade_id, int) or req.trade_id < 1:
        raise ValidationError(
            "The quote's trade id is missing; get a price quote first.", field="trade_id"
        )
    if not req.merchant_tx_id or not req.merchant_tx_id.strip():
        raise ValidationError("The deposit's transaction id is empty.", field="merchant_tx_id")
    validate_game(req.game)
    if isinstance(req.partner, bool) or not isinstance(req.partner, int) or req.partner < 1:
        raise ValidationError(
            "The seller's trade URL partner number is missing.", field="trade_url"
        )
    if not isinstance(req.token, str) or not TOKEN_RE.fullmatch(req.token):
        raise ValidationError(
            "The seller's trade URL token must be 8 letters, digits, "
            "'-' or '_'; copy the trade URL again.",
            field="trade_url",
        )
    if not req.items:
        raise ValidationError("Add at least one item to the deposit.", field="items")
    for number, item in enumerate(req.items, start=1):
        if not isinstance(item.asset_id, str) or not _ASSET_ID.fullmatch(item.asset_id):
            raise ValidationError(
                f"Item {number} ({item.name[:60]}): the Steam asset id must be a number, "
                f"got {item.asset_id!r}. Copy it from the seller's inventory.",
                field="asset_id",
            )
        if not item.name or not item.name.strip():
            raise ValidationError(f"Item {number} has no name.", field="items")
        if item.min_price is not None and item.min_price < 0:
            raise ValidationError(
                f"Item {number}: the minimum price cannot be negative.", field="min_price"
            )

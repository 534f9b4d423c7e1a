"""Async client for the SkinsNode selling API (health, wallet, catalog, orders).

Creating an order is the one dangerous call: a customer's money moves. The rules:

* the body is the stored :class:`OrderRequest`, sent unchanged, always with its own
  ``externalId`` (the idempotency key): never another key;
* a definite 4xx refusal is final and is not retried;
* when the outcome is unknown (timeout, 5xx, dropped connection, garbled answer) the order
  is looked up by ``externalId``: found means accepted; 404 means the request never
  arrived, so the identical body is sent again; anything else, or too many rounds, raises
  :class:`OutcomeUnknownError` so the caller keeps the order in ``sending`` for recovery.

Every answer is checked before it is believed: it must be about the order asked for (its
``externalId``), carry a SkinsNode status (never a local one such as ``rejected``) and
money that is whole cents within 64 bits (``skinsnode_parse``); anything else is a garbled
answer, which for a create means reconciling with the same key.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Unpack
from urllib.parse import quote

from skins_console.api import skinsnode_parse as parse
from skins_console.api.catalog_decode import catalog_or_json
from skins_console.api.http import JsonResponse
from skins_console.api.provider_client import ConnectionOptions, ProviderClient
from skins_console.api.shape import ShapeError
from skins_console.core.errors import (
    ValidationError,
)
from skins_console.core.models import (
    Catalog,
    Health,
    OrderAccepted,
    OrderRequest,
    OrderState,
    Wallet,
)

log = logging.getLogger(__name__)

PROVIDER = "SkinsNode"
#: The catalog may hold 100,000 items of about 400 bytes (real image URLs are longer):
#: room for 1,500 bytes each; and ten times the ordinary deadline to download it.
CATALOG_MAX_ITEMS = 100_000
CATALOG_MAX_BYTES = CATALOG_MAX_ITEMS * 1_500
CATALOG_DEADLINE_FACTOR = 10.0


class SkinsNodeClient(ProviderClient):
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        if not client_id or not client_secret:
            raise ValidationError(
                "SkinsNode needs both a client ID and a client secret; enter them in the "
                "profile settings.",
                field="client_id" if not client_id else "client_secret",
            )
        self._connect(
            PROVIDER,
            base_url,
            {"x-client-id": client_id, "x-client-secret": client_secret},
            options,
            timeout=10.0,
        )
        self._catalog_limits = self._http.limits.scaled(CATALOG_DEADLINE_FACTOR, CATALOG_MAX_BYTES)

    # --- reads -------------------------------------------------------------------------

    async def health(self) -> Health:
        response = await self._http.get("/v1/health", auth=False)
        return self._parsed(parse.parse_health, response)

    async def wallet(self) -> Wallet:
        response = await self._http.get("/v1/wallet", what="the wallet")
        return self._parsed(parse.parse_wallet, response)

    async def catalog(self) -> Catalog:
        # A large catalog is decoded straight into checked rows in the worker thread that
        # reads the JSON (api/catalog_decode.py); a small one, or an answer that is not a
        # catalog, arrives as plain JSON and goes through the strict parser here.
        response = await self._http.get(
            "/v1/catalog",
            what="the catalog",
            limits=self._catalog_limits,
            large_body=catalog_or_json,
        )
        if isinstance(response.data, Catalog):
            catalog = response.data
        else:
            # Parsing is CPU work: a worker thread keeps the GUI loop responsive.
            catalog = await asyncio.to_thread(self._parsed, parse.parse_catalog, response)
        if catalog.skipped:
            log.warning(
                "SkinsNode catalog: %d of %d entries could not be read",
                len(catalog.skipped),
                len(catalog.skipped) + len(catalog.items),
            )
        return catalog

    async def get_order(self, external_id: str) -> OrderState:
        _check_external_id(external_id)
        response = await self._http.get(_order_path(external_id), what=f"order {external_id}")
        state = self._parsed(parse.parse_order_state, response)
        if state.external_id != external_id:
            raise self._http.wrong_record(
                f"order {external_id}", state.external_id, body=response.data
            )
        return state

    # --- the write ---------------------------------------------------------------------

    async def create_order(self, req: OrderRequest) -> OrderAccepted:
        _check_request(req)
        body = req.to_json()

        async def send() -> OrderAccepted:
            response = await self._http.post("/v1/orders", body, what=f"order {req.external_id}")
            accepted = self._parsed(parse.parse_order_accepted, response)
            if accepted.external_id != req.external_id:
                raise self._http.wrong_record(
                    f"order {req.external_id}", accepted.external_id, body=response.data
                )
            return accepted

        # The contract answers a repeated key with the existing order (202); a 409 still
        # means it exists, so it is adopted rather than failing the checkout.
        return await self._http.create_reconciling(
            label=f"SkinsNode order {req.external_id}",
            attempts=self.create_attempts,
            send=send,
            look_up=lambda: self.get_order(req.external_id),
            settle=parse.accepted_from_state,
            unknown=lambda cause: self._outcome_unknown(
                f"order {req.external_id}", "order id", "charged", cause
            ),
        )

    # --- helpers -----------------------------------------------------------------------

    def _parsed(self, parser, response: JsonResponse, **kw):
        try:
            return parser(response.data, **kw)
        except ShapeError as exc:
            raise self._http.malformed(
                str(exc), status=response.status, body=response.data
            ) from None


def _order_path(external_id: str) -> str:
    return "/v1/orders/" + quote(external_id, safe="")


def _check_external_id(external_id: str) -> None:
    if not isinstance(external_id, str) or not external_id.strip():
        raise ValidationError("The order id (externalId) is empty.", field="external_id")
    if len(external_id) > 200:
        raise ValidationError(
            "The order id (externalId) is longer than 200 characters.", field="external_id"
        )


def _check_request(req: OrderRequest) -> None:
    _check_external_id(req.external_id)
    if not req.catalog_item_id:
        raise ValidationError("Choose a catalog item first.", field="catalog_item_id")
    price = req.expected_price_cents
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise ValidationError(
            f"The expected price must be whole cents, got {price!r}.", field="expected_price_cents"
        )
    if not req.trade_url:
        raise ValidationError("The buyer's trade URL is empty.", field="trade_url")
    if not req.webhook_url:
        raise ValidationError(
            "The webhook URL is empty; set it in the profile settings.", field="webhook_url"
        )

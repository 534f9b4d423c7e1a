"""Plain httpx clients for the sandbox tests, and small helpers shared by them."""

from __future__ import annotations

import itertools
import json
import time
from decimal import Decimal

import httpx
import pytest

from skins_console.sandbox import Sandbox

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCd-_12"
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}-{next(_ids)}"


def skinsnode_client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sb.base_url,
        timeout=10,
        headers={
            "x-client-id": sb.config.skinsnode_client_id,
            "x-client-secret": sb.config.skinsnode_client_secret,
        },
    )


def skinslink_client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sb.skinslink_base_url,
        timeout=10,
        headers={"X-Api-Key": sb.config.skinslink_api_key},
    )


def exact(response: httpx.Response):
    return json.loads(response.content, parse_float=Decimal)


def order_body(
    item: dict, external_id: str, webhook_url: str = "https://merchant.example/hooks", **overrides
) -> dict:
    body = {
        "catalogItemId": item["id"],
        "expectedPrice": item["price"],
        "externalId": external_id,
        "webhookUrl": webhook_url,
        "tradeUrl": TRADE_URL,
    }
    body.update(overrides)
    return body


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)


@pytest.fixture
def sn(sandbox):
    with skinsnode_client(sandbox) as client:
        yield client


@pytest.fixture
def sl(sandbox):
    with skinslink_client(sandbox) as client:
        yield client


@pytest.fixture
def take_item(sandbox, sn):
    """A listed catalog item no other test has ordered (each test takes its own)."""
    taken: set[str] = set()

    def take(min_price: int = 0) -> dict:
        items = sn.get("/v1/catalog").json()["items"]
        for item in items:
            if (
                item["id"] not in taken
                and item["price"] >= min_price
                and item["id"] not in _TAKEN_GLOBAL
            ):
                taken.add(item["id"])
                _TAKEN_GLOBAL.add(item["id"])
                return item
        raise AssertionError("the shared sandbox ran out of untouched items")

    return take


_TAKEN_GLOBAL: set[str] = set()

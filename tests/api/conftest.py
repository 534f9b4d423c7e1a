"""Fixtures for the client tests: one sandbox for this package, clients with quick backoff.

The sandbox is package-scoped (starting one costs ~0.2 s) with read caching off, so a
wallet or order read right after a write shows the write. Fault rules are cleared after
every test that used it. Tests use unique externalIds / merchant_tx_ids, and compare the
sandbox's request counters as before/after deltas.
"""

from __future__ import annotations

import itertools
import time

import pytest

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.api.skinsnode_client import SkinsNodeClient
from skins_console.sandbox import Sandbox, SandboxConfig

TRADE_URL = "https://steamcommunity.com/tradeoffer/new/?partner=123456789&token=AbCd-_12"
QUICK = {"backoff_base": 0.01, "backoff_cap": 0.05}
_ids = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}-{next(_ids)}"


@pytest.fixture(scope="package")
def api_sandbox():
    with Sandbox(SandboxConfig(speed=60, catalog_size=200, cache_seconds=0)) as instance:
        yield instance


@pytest.fixture
def sb(api_sandbox):
    yield api_sandbox
    api_sandbox.set_faults([])


def skinsnode(sb: Sandbox, **kw) -> SkinsNodeClient:
    options = {"timeout": 3.0, **QUICK, **kw}
    return SkinsNodeClient(
        sb.base_url, sb.config.skinsnode_client_id, sb.config.skinsnode_client_secret, **options
    )


def skinslink(sb: Sandbox, **kw) -> SkinslinkClient:
    options = {"timeout": 3.0, **QUICK, **kw}
    return SkinslinkClient(sb.skinslink_base_url, sb.config.skinslink_api_key, **options)


@pytest.fixture
async def sn(sb):
    client = skinsnode(sb)
    yield client
    await client.aclose()


@pytest.fixture
async def sl(sb):
    client = skinslink(sb)
    yield client
    await client.aclose()


def requests(sb: Sandbox, key: str) -> int:
    return sb.truth()["requests"].get(key, 0)


@pytest.fixture
def standin(sb):
    """A hostile provider in front of the package's sandbox (see ``tests/api/standin.py``)."""
    from tests.api.standin import StandIn

    proxy = StandIn(upstream=sb.base_url)
    yield proxy
    proxy.close()


def node_via(proxy, sb: Sandbox, **kw) -> SkinsNodeClient:
    options = {"timeout": 3.0, **QUICK, **kw}
    return SkinsNodeClient(
        proxy.url, sb.config.skinsnode_client_id, sb.config.skinsnode_client_secret, **options
    )


def link_via(proxy, sb: Sandbox, **kw) -> SkinslinkClient:
    options = {"timeout": 3.0, **QUICK, **kw}
    return SkinslinkClient(proxy.url + "/api/v1", sb.config.skinslink_api_key, **options)


@pytest.fixture
def provider():
    """A stand-in provider with no upstream: every answer is scripted."""
    from tests.api.standin import StandIn

    stand_in = StandIn(upstream=None)
    yield stand_in
    stand_in.close()

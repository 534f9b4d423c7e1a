"""A large answer's body is freed once decoded (the catalog refresh's peak RSS, #16)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from skins_console.api.http import DECODE_OFF_LOOP_BYTES, Limits, ProviderHttp
from skins_console.core.errors import MalformedResponseError
from skins_console.core.money import loads_exact
from tests.api.standin import Canned, StandIn

#: the catalog's own limits are larger still; these fit the answers below
ROOMY = Limits(max_bytes=8 * DECODE_OFF_LOOP_BYTES)
ENTRIES = [{"id": f"item-{n}", "pad": "x" * 200} for n in range(DECODE_OFF_LOOP_BYTES // 150)]


@pytest.fixture
def standin():
    proxy = StandIn()
    yield proxy
    proxy.close()


class KeepsTheChunks:
    """A ``large_body`` decoder that remembers the chunk list it was handed."""

    def __init__(self) -> None:
        self.handed: list[Any] = []

    def __call__(self, chunks: list[bytes]) -> Any:
        self.handed.append(chunks)
        return loads_exact(b"".join(chunks))


async def _get(standin: StandIn, decoder: KeepsTheChunks) -> Any:
    http = ProviderHttp(provider="SkinsNode", base_url=standin.url, auth_headers={})
    try:
        return await http.get("/v1/catalog", large_body=decoder, retries=0, limits=ROOMY)
    finally:
        await http.aclose()


async def _refused(standin: StandIn, decoder: Any) -> MalformedResponseError:
    """The error ``GET /v1/catalog`` ends in, its answer decoded by ``decoder``."""
    http = ProviderHttp(provider="SkinsNode", base_url=standin.url, auth_headers={})
    try:
        with pytest.raises(MalformedResponseError) as caught:
            await http.get("/v1/catalog", large_body=decoder, retries=0, limits=ROOMY)
    finally:
        await http.aclose()
    return caught.value


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_large_body_is_decoded_then_its_chunks_are_freed(standin, chunked):
    body = json.dumps({"items": ENTRIES}).encode()
    assert len(body) > DECODE_OFF_LOOP_BYTES
    standin.script("GET", "/v1/catalog", reply=Canned(200, body, chunked=chunked))
    decoder = KeepsTheChunks()

    answer = await _get(standin, decoder)

    assert answer.data == {"items": ENTRIES}
    # The decoder was handed the body as received (several chunks), and the list it
    # was handed holds none of them once the answer is back: they were freed in the
    # worker thread, not left for whichever frame let go last.
    [handed] = decoder.handed
    assert handed == []


async def test_a_garbled_large_body_is_still_kept_in_the_error(standin):
    body = b'{"items": [' + b'{"id": "a"},' * (DECODE_OFF_LOOP_BYTES // 10) + b"oops"
    standin.script("GET", "/v1/catalog", reply=Canned(200, body))
    decoder = KeepsTheChunks()

    def refuse(chunks: list[bytes]) -> Any:
        decoder.handed.append(chunks)
        raise ValueError("not JSON")

    refused = await _refused(standin, refuse)
    # The answer is quoted from a copy made before the chunks went.
    assert "not JSON" in str(refused)
    assert refused.body == body[:2000].decode()
    assert decoder.handed[0] == []


async def test_the_catalog_decoder_gives_a_garbled_body_back_for_the_error(standin):
    """The catalog decoder lets go of each chunk as it reads it; a body that turns out
    broken near its end is whole again for the error that quotes it."""
    from skins_console.api.catalog_decode import catalog_or_json

    entry = b'{"id":"item-%d","marketHashName":"AK-47 | Redline (Field-Tested)","price":%d}'
    entries = b",".join(entry % (n, 100 + n) for n in range(DECODE_OFF_LOOP_BYTES // 60))
    body = b'{"items":[' + entries + b',{"id":"last","price":1} oops]}'
    standin.script("GET", "/v1/catalog", reply=Canned(200, body, chunked=True))
    assert (await _refused(standin, catalog_or_json)).body == body[:2000].decode()

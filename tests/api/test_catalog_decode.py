"""The sliced msgspec catalog decoder gives exactly what the reference path gives.

The reference is ``parse_catalog(loads_exact(body))``: the same items (every field, the
exact ``Decimal`` floats and integer cents, the raw JSON each item carries), the same
``skipped`` lines, the same errors for bodies that are not JSON or not a catalog. Bodies
are cut into slices of a few hundred bytes here (``STEP``), so every path through the
slicer (false boundaries, retries, per-entry fallbacks) runs many times per catalog.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skins_console.api import catalog_decode
from skins_console.api.catalog_decode import catalog_or_json, decode_catalog
from skins_console.api.shape import ShapeError
from skins_console.api.skinsnode_parse import parse_catalog
from skins_console.core.catalog_rows import CatalogRows
from skins_console.core.money import loads_exact


def _entry(n: int) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "marketHashName": ["★ Karambit | Doppler (Factory New)", "AK-47 | Redline (Field-Tested)"][
            n % 2
        ],
        "price": 100 + n,
        "currency": "USD",
        "phase": None if n % 3 else "Phase 2",
        "floatValue": f"0.{n:010d}"[:12],
        "paintIndex": 418 + n % 3,
        "paintSeed": n % 1000,
        "rarityColor": "#eb4b4b",
        "classId": str(3000000000 + n),
        "instanceId": "480085569",
        "imageUrl": f"http://127.0.0.1:1/static/items/{n}.png",
    }


def _chunks(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    chunks, start = [], 0
    while start < len(body):
        size = rng.randint(1, 700)
        chunks.append(body[start : start + size])
        start += size
    return chunks


def _same_as_reference(body: bytes, seed: int = 0) -> None:
    want = parse_catalog(loads_exact(body))
    consumed = _chunks(body, seed)
    for got in (
        decode_catalog(body),
        decode_catalog(_chunks(body, seed)),
        decode_catalog(consumed, consume=True),
    ):
        assert len(got.items) == len(want.items)
        for mine, theirs in zip(got.items, want.items):
            assert mine == theirs
            assert mine.raw == theirs.raw
            # == treats 1 == 1.0 == Decimal(1): compare exact types and forms too
            assert repr(mine) == repr(theirs)
            assert json.dumps(mine.raw, default=repr) == json.dumps(theirs.raw, default=repr)
        assert got.skipped == want.skipped
    # Each chunk let go of once read; or all of them given back for the reference path.
    assert b"".join(consumed) in (b"", body)


def _compact(value) -> bytes:
    """JSON as SkinsNode sends it: no blanks, UTF-8 as it is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _compact_entry(n: int) -> dict:
    """An entry whose float's text is the one its Decimal gives back ("0.0000000005"
    is not: it is read as ``Decimal("5E-10")``)."""
    return dict(_entry(n), floatValue=f"0.{123456 + n}")


@pytest.fixture(autouse=True)
def small_slices(monkeypatch):
    monkeypatch.setattr(catalog_decode, "STEP", 512)
    monkeypatch.setattr(catalog_decode, "MAX_SLICE", 512 * 64)


def test_a_plain_catalog_is_decoded_into_rows_equal_to_the_reference():
    body = json.dumps({"items": [_entry(n) for n in range(300)]}).encode()
    catalog = decode_catalog(_chunks(body, 1))
    assert isinstance(catalog.items, CatalogRows)
    assert not any(isinstance(row, dict) for row in catalog.items.rows)
    item = catalog.items[5]
    assert item.float_value == Decimal("0.0000000005") and type(item.price_cents) is int
    _same_as_reference(body)


def test_pretty_printed_and_compact_forms_agree():
    items = [_entry(n) for n in range(120)]
    for text in (
        json.dumps({"items": items}, indent=2),
        json.dumps({"items": items}, separators=(",", ":")),
        ' \n {  "items" :\t[ ' + ", ".join(json.dumps(e) for e in items) + " ] \r\n } \n",
    ):
        _same_as_reference(text.encode())


GARBLED_ENTRIES = [
    {"id": "   ", "marketHashName": "x", "price": 1},
    {"id": "", "marketHashName": "x", "price": 1},
    {"marketHashName": "no id", "price": 1},
    {"id": "n1", "marketHashName": "no price"},
    {"id": "n2", "marketHashName": "x", "price": -5},
    {"id": "n3", "marketHashName": "x", "price": "1840"},
    {"id": "n4", "marketHashName": "x", "price": 1840.0},
    {"id": "n5", "marketHashName": "x", "price": 18.4},
    {"id": "n6", "marketHashName": "x", "price": True},
    {"id": "n7", "marketHashName": "x", "price": 12345678901234567890123},
    {"id": "n8", "marketHashName": "x", "price": 1, "currency": None},
    {"id": "n9", "marketHashName": "x", "price": 1, "currency": ""},
    {"id": "n10", "marketHashName": "x", "price": 1, "currency": "  "},
    {"id": "n11", "marketHashName": "x", "price": 1, "phase": ""},
    {"id": "n12", "marketHashName": "x", "price": 1, "phase": " \t"},
    {"id": "n13", "marketHashName": "x", "price": 1, "floatValue": "1.5"},
    {"id": "n14", "marketHashName": "x", "price": 1, "floatValue": "NaN"},
    {"id": "n15", "marketHashName": "x", "price": 1, "floatValue": "Infinity"},
    {"id": "n16", "marketHashName": "x", "price": 1, "floatValue": "junk"},
    {"id": "n17", "marketHashName": "x", "price": 1, "floatValue": 0.25},
    {"id": "n18", "marketHashName": "x", "price": 1, "floatValue": True},
    {"id": "n19", "marketHashName": "x", "price": 1, "floatValue": "-0.1"},
    {"id": "n20", "marketHashName": "x", "price": 1, "paintIndex": "418"},
    {"id": "n21", "marketHashName": "x", "price": 1, "paintSeed": False},
    {"id": "n22", "marketHashName": "x", "price": 1, "classId": 3807636802},
    {"id": "n23", "marketHashName": "x", "price": 1, "imageUrl": ["not", "a", "url"]},
    {"id": "n24", "marketHashName": '},{"id":"fake"', "price": 1},
    {"id": "n25", "marketHashName": "x", "price": 1, "stickers": [{"a": 1}, {"b": "},{"}]},
    {"id": "n26", "marketHashName": "x", "price": 1, "extra": {"nested": {"deep": [1, 2.50]}}},
    {"id": "n1", "marketHashName": "repeated id", "price": 2},
    "not an object",
    12,
    None,
    [],
]


def test_every_garbled_entry_reads_or_is_skipped_exactly_as_the_reference():
    entries = []
    for n, bad in enumerate(GARBLED_ENTRIES):
        entries += [_entry(1000 + 3 * n), bad, _entry(1000 + 3 * n + 1)]
    entries.append(_entry(1000))  # a repeated id in another slice than the first
    body = json.dumps({"items": entries}).encode()
    _same_as_reference(body, seed=7)
    catalog = decode_catalog(body)
    assert len(catalog.skipped) > 10  # the reference refuses many of them, with reasons


def test_repeated_json_keys_keep_the_last_value_like_loads_exact():
    entry = json.dumps(_entry(1))[:-1] + ', "price": 777, "floatValue": "0.5"}'
    body = ('{"items": [' + entry + "," + json.dumps(_entry(2)) + "]}").encode()
    _same_as_reference(body)
    assert decode_catalog(body).items[0].price_cents == 777


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": []}',
        b'{"items":[ ]}',
        b'{"items": null}',
        b'{"count": 2, "items": [{"id": "a", "marketHashName": "x", "price": 1}]}',
        b'{"items": [{"id": "a", "marketHashName": "x", "price": 1}], "count": 1}',
        b'\xef\xbb\xbf{"items": [{"id": "a", "marketHashName": "x", "price": 1}]}',
        b'{"items": [{"id": "a", "marketHashName": "x", "price": 1}], "items": []}',
        # NaN is not JSON, but json.loads (so loads_exact) reads it: so does the fallback
        b'{"items": [{"id": "a", "marketHashName": "x", "price": NaN}]}',
    ],
)
def test_other_documents_take_the_reference_path_with_the_same_result(body):
    _same_as_reference(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"items": [{"id": "a", "marketHashName": "x", "price": 1}',
        b'{"items": [{"id": "a", "marketHashName": "x" "price": 1}]}',
        b'{"items": [1, 2,]}',
    ],
)
def test_broken_json_is_a_value_error_as_with_loads_exact(body):
    with pytest.raises(ValueError):
        loads_exact(body)
    with pytest.raises(ValueError):
        decode_catalog(body)


@pytest.mark.parametrize("body", [b'{"items": 5}', b"[1, 2]", b'{"other": []}'])
def test_json_that_is_not_a_catalog_is_a_shape_error_or_plain_json(body):
    with pytest.raises(ShapeError):
        decode_catalog(body)
    assert catalog_or_json(body) == loads_exact(body)  # for the client's error mapping


def test_an_item_becomes_a_catalog_item_only_when_asked_for():
    body = json.dumps({"items": [_entry(n) for n in range(50)]}).encode()
    catalog = decode_catalog(body)
    rows = catalog.items
    assert isinstance(rows, CatalogRows)
    assert [item.id for item in rows[10:13]] == [_entry(n)["id"] for n in (10, 11, 12)]
    assert rows[-1].raw == loads_exact(json.dumps(_entry(49)))
    assert list(rows) == list(parse_catalog(loads_exact(body)).items)


_text = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["", " ", "USD", "#EB4B4B", "},{", '"', "\\", "★ StatTrak™"]),
)
_number = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(min_value=-(10**6), max_value=10**6, places=4),
    st.sampled_from(["0.1", "1", " 0.5 ", "NaN", "1e-3", "12", "x"]),
)
_entries = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"id": _text, "marketHashName": _text, "price": _number},
            optional={
                "currency": _text,
                "phase": _text,
                "floatValue": _number,
                "paintIndex": _number,
                "paintSeed": _number,
                "rarityColor": _text,
                "classId": st.one_of(_text, _number),
                "instanceId": _text,
                "imageUrl": _text,
                "unknown": st.one_of(_text, _number, st.lists(_number, max_size=2)),
            },
        ),
        st.builds(_entry, st.integers(min_value=0, max_value=30)),
        _number,
    ),
    max_size=40,
)


def _dumps(value) -> str:
    return json.dumps(value, default=float, ensure_ascii=False)  # Decimal → a JSON number


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=_entries, seed=st.integers(min_value=0, max_value=1000))
def test_random_catalogs_match_the_reference(entries, seed):
    body = _dumps({"items": entries}).encode()
    _same_as_reference(body, seed)


async def test_the_client_decodes_a_large_catalog_from_the_sandbox_into_rows(sandbox_factory):
    import httpx

    from skins_console.api.http import DECODE_OFF_LOOP_BYTES
    from tests.api.conftest import skinsnode

    sandbox = sandbox_factory(catalog_size=6000)
    client = skinsnode(sandbox)
    try:
        catalog = await client.catalog()
    finally:
        await client.aclose()
    cfg = sandbox.config
    async with httpx.AsyncClient() as raw_client:
        body = (
            await raw_client.get(
                sandbox.skinsnode_base_url + "/v1/catalog",
                headers={
                    "x-client-id": cfg.skinsnode_client_id,
                    "x-client-secret": cfg.skinsnode_client_secret,
                },
            )
        ).content
    assert len(body) > DECODE_OFF_LOOP_BYTES  # so the large-answer path ran
    assert isinstance(catalog.items, CatalogRows)
    want = parse_catalog(loads_exact(body))
    assert list(catalog.items) == list(want.items) and catalog.skipped == want.skipped
    assert [item.raw for item in catalog.items[:50]] == [item.raw for item in want.items[:50]]


def test_compacted_rows_give_the_same_items_and_raw_json():
    entries = [_entry(n) for n in range(400)]
    entries[7] = {"id": "odd", "marketHashName": "x", "price": "12"}  # a per-entry slice
    body = json.dumps({"items": entries}, indent=1).encode()
    catalog = decode_catalog(_chunks(body, 3))
    rows = catalog.items
    assert isinstance(rows, CatalogRows)
    before = [(item, item.raw) for item in rows]
    rows.compact()
    assert any(isinstance(raw, int) for raw in rows.raws) and rows.slices == []
    after = [(item, item.raw) for item in rows]
    assert after == before
    assert [rows[n].raw for n in (399, 0, 250, 1)] == [before[n][1] for n in (399, 0, 250, 1)]
    rows.compact()  # a second call changes nothing
    assert [(item, item.raw) for item in rows] == before


def test_repeated_values_and_id_made_image_urls_are_shared_but_read_back_exactly():
    entries = [_entry(n) for n in range(300)]
    for n, entry in enumerate(entries):
        entry["floatValue"] = ["0.10", "0.1", "0.2500", None][n % 4]  # equal, not the same text
        entry["paintSeed"], entry["price"] = 700 + n % 7, 1000 + n % 9
        entry["imageUrl"] = [
            f"https://cdn.example/items/{entry['id']}.png",  # made of the id: the template
            f"https://other.example/items/{entry['id']}.png",  # the id, another prefix
            "https://cdn.example/items/shared.png",
            None,
            f"https://cdn.example/items/{entry['id']}.png?v=2",
        ][n % 5]
    body = json.dumps({"items": entries}).encode()
    _same_as_reference(body)
    rows = decode_catalog(body).items
    assert isinstance(rows, CatalogRows)
    assert [rows.image_url(n) for n in range(300)] == [e["imageUrl"] for e in entries]
    assert [str(item.float_value) for item in rows] == [str(e["floatValue"]) for e in entries]
    # One object per distinct value: the 60 id-made URLs share one template, the equal
    # prices, seeds and float texts one object each.
    templated = {id(rows.rows[n].image_url) for n in range(0, 300, 5)}
    assert len(templated) == 1 and not isinstance(rows.rows[0].image_url, str)
    assert rows.rows[0].float_value is rows.rows[4].float_value
    assert rows.rows[0].float_value is not rows.rows[1].float_value  # "0.10" is not "0.1"
    assert rows.rows[7].paint_seed is rows.rows[0].paint_seed == 700
    assert rows.rows[9].price_cents is rows.rows[0].price_cents == 1000


def test_entries_in_the_providers_compact_form_keep_no_copy_of_their_text():
    entries = [_compact_entry(n) for n in range(300)]
    entries[40]["marketHashName"] = "★ StatTrak™ Karambit | Fade (Factory New)"
    body = _compact({"items": entries})
    _same_as_reference(body, 4)
    chunks = _chunks(body, 5)
    rows = decode_catalog(chunks, consume=True).items
    assert chunks == []
    assert isinstance(rows, CatalogRows)
    # The rows give their entries' text back: nothing kept for compact() to pack.
    assert rows.raws == [None] * 300 and rows.slices == []
    assert [item.raw for item in rows] == entries
    rows.compact()
    assert [item.raw for item in rows] == entries


def test_entries_in_another_form_keep_their_text_as_received():
    entries = [_entry(n) for n in range(60)]
    spaced = json.dumps({"items": entries}).encode()  # ", " and ": ": not the compact form
    escaped = json.dumps({"items": entries}, separators=(",", ":")).encode()  # \u2605
    numbers = _compact({"items": [dict(e, floatValue=0.25) for e in entries]})
    # "0.0000000005" is read as Decimal("5E-10"), which encodes to another text
    exponent = _compact({"items": entries})
    for body in (spaced, escaped, numbers, exponent):
        rows = decode_catalog(body).items
        assert isinstance(rows, CatalogRows)
        assert None not in rows.raws and rows.slices
        assert list(rows) == list(parse_catalog(loads_exact(body)).items)


@pytest.mark.parametrize(
    "tail, error",
    [
        (b',{"id":"late","marketHashName":"x","price":NaN}]}', None),  # the reference reads it
        (b',{"id":"late","marketHashName":"x","price":1}', ValueError),  # cut off
        (b',{"id":"late","marketHashName":"x","price":1} 7]}', ValueError),  # broken
    ],
)
def test_a_late_surprise_gives_the_reference_the_whole_body_back(tail, error):
    """Slices already decoded (their text let go of) are given back exactly when a later
    one sends the whole body to the reference path; a consumed list holds it again."""
    entries = [_compact_entry(n) for n in range(200)]
    entries[150] = {"id": "odd", "marketHashName": "x", "price": "12"}  # a per-entry slice
    plain = decode_catalog(_compact({"items": entries})).items
    assert isinstance(plain, CatalogRows) and plain.raws.count(None) == 200  # no text kept
    body = _compact({"items": entries})[:-2] + tail
    chunks = _chunks(body, 6)
    if error is None:
        _same_as_reference(body, 6)
        got, want = catalog_or_json(chunks), parse_catalog(loads_exact(body))
        assert (list(got.items), got.skipped) == (list(want.items), want.skipped)
        assert b"".join(chunks) == body  # what the reference path read
        return
    with pytest.raises(error):
        loads_exact(body)
    with pytest.raises(error):
        decode_catalog(chunks, consume=True)
    assert b"".join(chunks) == body
    with pytest.raises(error):
        catalog_or_json(chunks)
    assert b"".join(chunks) == body


def test_json_that_is_not_a_catalog_is_given_back_whole_from_a_consumed_list():
    entries = _compact([_compact_entry(n) for n in range(100)])
    body = b'{"items":' + entries + b',"items":5,"more":[1]}'  # the last "items" counts
    with pytest.raises(ShapeError):
        decode_catalog(body)
    chunks = _chunks(body, 7)
    assert catalog_or_json(chunks) == loads_exact(body)
    assert b"".join(chunks) == body

"""The stepwise JSON reader gives exactly what ``loads_exact`` gives, at any step size."""

import json
from decimal import Decimal

import pytest

from skins_console.api.json_stream import loads_exact_stepwise
from skins_console.core.money import loads_exact

DOCUMENTS = [
    "{}",
    "[]",
    '{"a":1}',
    '"just a string"',
    "125",
    '{"a":1,"a":2}',
    ' { "items" : [ {"n":"★ x","p":1.50,"q":12345678901234567890}, [1,2,[3]], "s", 1e3,'
    ' -0.0, true, null ] , "n": 125 } ',
    '[1, 2.5, "x\\u2605", {"a": {"b": [1, {"c": 2}]}}]',
    "[" + "9" * 200 + ", 1.5e-7, 0.1]",
]


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_same_values_and_types_as_loads_exact(document, step):
    got = loads_exact_stepwise(document.encode(), step=step)
    want = loads_exact(document)
    assert got == want
    # == treats 1 == 1.0 == Decimal(1): compare the exact types too
    assert json.dumps(got, default=repr) == json.dumps(want, default=repr)


@pytest.mark.parametrize("step", [1000, 4096, 1 << 16])
def test_a_catalog_sized_document_across_many_steps(step):
    document = {
        "items": [
            {
                "id": f"i{i}",
                "marketHashName": f"★ Karambit | Doppler ™ {i}",
                "price": {"amount": i, "float": Decimal("0.0123")},
                "tags": ["a", {"b": None}],
            }
            for i in range(3000)
        ],
        "count": 3000,
        "next": None,
    }
    raw = json.dumps(document, default=str, ensure_ascii=False).encode()
    assert loads_exact_stepwise(raw, step=step) == loads_exact(raw)


@pytest.mark.parametrize("step", [1, 3, 1 << 20])
@pytest.mark.parametrize(
    "document",
    [
        "",
        "{",
        "[1,",
        '{"a" 1}',
        '{"a":1,}',
        "[1 2]",
        '{"a":1} x',
        "{1:2}",
        "[01]",
        '{"a":tru}',
        '"unterminated',
        "[1,]",
        '{"a":1',
        "nul",
    ],
)
def test_malformed_documents_are_refused_like_loads_exact(document, step):
    with pytest.raises(ValueError):
        loads_exact(document)
    with pytest.raises(ValueError):
        loads_exact_stepwise(document.encode(), step=step)


def test_encodings_as_json_loads_detects_them():
    assert loads_exact_stepwise('{"x": 1}'.encode("utf-16")) == {"x": 1}
    assert loads_exact_stepwise(b'\xef\xbb\xbf{"x": 1}') == json.loads(b'\xef\xbb\xbf{"x": 1}')
    with pytest.raises(ValueError):
        loads_exact_stepwise(b'{"x": "\xff"}')


@pytest.mark.parametrize("sizes", [(1,), (2, 3, 5), (4096,), (65536, 1)])
def test_the_body_as_received_in_chunks(sizes):
    """Network chunks split anywhere: inside numbers, keys and multi-byte characters."""
    raw = json.dumps(
        {
            "items": [
                {"n": f"★ Doppler ™ {i}", "p": Decimal("1.25"), "q": 10**12 + i} for i in range(500)
            ],
            "count": 500,
        },
        default=str,
        ensure_ascii=False,
    ).encode()
    chunks, start, n = [], 0, 0
    while start < len(raw):
        size = sizes[n % len(sizes)]
        chunks.append(raw[start : start + size])
        start, n = start + size, n + 1
    chunks.insert(len(chunks) // 2, b"")  # empty chunks happen too
    assert loads_exact_stepwise(chunks, step=7) == loads_exact(raw)
    assert loads_exact_stepwise(chunks) == loads_exact(raw)

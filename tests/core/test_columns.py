from dataclasses import dataclass
from decimal import Decimal

from skins_console.core.columns import (
    Column,
    cli_columns,
    csv_columns,
    headers,
    keys,
    table_columns,
    texts,
    values,
)


@dataclass
class Line:
    name: str
    price: Decimal


COLUMNS = (
    Column[Line]("name", "Item", lambda line: line.name),
    Column[Line](
        "price_usd",
        "Price",
        lambda line: f"${line.price:.2f}",
        sort=lambda line: line.price,
        value=lambda line: str(line.price),
        align="right",
    ),
    Column[Line]("debug", "Debug", lambda line: "x", in_csv=False, in_cli=False),
)


def test_one_declaration_serves_table_csv_and_cli():
    line = Line("AK-47 | Redline (Field-Tested)", Decimal("22.755"))
    assert headers(table_columns(COLUMNS)) == ("Item", "Price", "Debug")
    assert keys(csv_columns(COLUMNS)) == ("name", "price_usd")
    assert texts(cli_columns(COLUMNS), line) == ("AK-47 | Redline (Field-Tested)", "$22.76")
    # the exact value keeps every digit the display rounds away
    assert values(csv_columns(COLUMNS), line) == {
        "name": "AK-47 | Redline (Field-Tested)",
        "price_usd": "22.755",
    }
    assert COLUMNS[1].sort_key(line) == Decimal("22.755")
    assert COLUMNS[0].sort_key(line) == line.name

"""Builds the frozen database of one released schema version (run once per release).

    .venv/bin/python -m tests.store.frozen.build_frozen VERSION

Each ``vN.sqlite3`` beside this file is the database a user of schema version N has on
disk: built from the migration history at that version (``apply_migrations(target=N)``,
the steps as they were released) and filled with the rows the app of that version wrote.
The files are committed and never rebuilt (the script refuses to overwrite one):
``tests/store/test_frozen_databases.py`` upgrades copies of them with the same
``Database`` open that users run. A new migration step adds a filler for its version here
and one more frozen file, built with this script before the step ships.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path

from skins_console.store.codec import dumps_exact
from skins_console.store.migrations import LATEST_VERSION, apply_migrations

HERE = Path(__file__).resolve().parent

T = "2026-10-{day:02d}T{hour:02d}:{minute:02d}:00.000Z"
WEBHOOK = "https://hooks.example-shop.net/skinsnode"
BUYERS = {
    91234567: "https://steamcommunity.com/tradeoffer/new/?partner=91234567&token=Zx9_Yw8v",
    40512288: "https://steamcommunity.com/tradeoffer/new/?partner=40512288&token=kT4mQ2pL",
}


def at(day: int, hour: int, minute: int = 0) -> str:
    return T.format(day=day, hour=hour, minute=minute)


def frozen_path(version: int) -> Path:
    return HERE / f"v{version}.sqlite3"


# --- version 1: SkinsNode selling ------------------------------------------------------

#: (external_id, item, cents, buyer, status, created day/hour, extra columns)
ORDERS = (
    ("sc-20261002-a1f3", "AK-47 | Redline (Field-Tested)", 1840, 91234567, "completed", (2, 9),
     {"steam_offer_id": "6523190045", "amount_cents": 1840, "currency": "USD",
      "accepted_at": at(2, 9, 1), "sent_at": at(2, 9, 3), "completed_at": at(2, 9, 8),
      "settles_at": at(9, 9, 8)}),
    ("sc-20261003-77b0", "AWP | Asiimov (Field-Tested)", 10499, 40512288, "failed", (3, 14),
     {"failure_code": "item_unavailable", "failure_message": "Item is no longer available",
      "accepted_at": at(3, 14, 1)}),
    ("sc-20261004-0c9e", "★ Karambit | Doppler (Factory New)", 61250, 91234567, "sent", (4, 18),
     {"steam_offer_id": "6523771120", "accepted_at": at(4, 18, 1), "sent_at": at(4, 18, 2),
      "next_check_at": at(4, 18, 3)}),
    ("sc-20261004-5d21", "USP-S | Kill Confirmed (Minimal Wear)", 3275, 40512288, "sending",
     (4, 19), {"attempts": 1, "next_check_at": at(4, 19, 1)}),
    ("sc-20261004-9ab4", "Glock-18 | Fade (Factory New)", 98100, 91234567, "draft", (4, 20),
     {"next_check_at": at(4, 20)}),
)  # fmt: skip


def fill_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """INSERT INTO profiles (name, skinsnode_base_url, skinsnode_client_id, webhook_url,
               default_game, min_price_tolerance_pct, low_balance_threshold_cents, is_sandbox,
               active, created_at)
           VALUES ('main', 'https://api.skinsnode.com', 'shop-4471', ?, '730', '2.5', 25000,
                   0, 1, ?),
                  ('sandbox', 'http://127.0.0.1:8750', 'sandbox-client', 'http://127.0.0.1:9/h',
                   '730', '0', 0, 1, 0, ?)""",
        (WEBHOOK, at(1, 8), at(1, 8)),
    )
    for key, item, cents, partner, status, (day, hour), extra in ORDERS:
        body = {
            "catalogItemId": f"cat-{key[-4:]}",
            "expectedPrice": cents,
            "externalId": key,
            "webhookUrl": WEBHOOK,
            "tradeUrl": BUYERS[partner],
        }
        row = {
            "profile": "main",
            "external_id": key,
            "catalog_item_id": body["catalogItemId"],
            "item_name": item,
            "item_snapshot": json.dumps({"id": body["catalogItemId"], "price": cents}),
            "expected_price_cents": cents,
            "trade_url": BUYERS[partner],
            "buyer_partner": partner,
            "buyer_steamid64": str(76561197960265728 + partner),
            "webhook_url": WEBHOOK,
            "request_body": json.dumps(body, separators=(",", ":")),
            "status": status,
            "created_at": at(day, hour),
            "updated_at": at(day, hour, 8),
            **extra,
        }
        conn.execute(
            f"INSERT INTO orders ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        conn.execute(
            """INSERT INTO events (profile, kind, key, at, type, new_status, message, details)
               VALUES ('main', 'order', ?, ?, 'status_change', 'draft', 'Draft: not sent yet',
                       ?)""",
            (key, at(day, hour), json.dumps({"request": body})),
        )
        if status != "draft":
            conn.execute(
                """INSERT INTO events (profile, kind, key, at, type, old_status, new_status,
                                       message)
                   VALUES ('main', 'order', ?, ?, 'status_change', 'draft', ?, ?)""",
                (key, at(day, hour, 1), status, f"Now {status}"),
            )
    conn.execute(
        "INSERT INTO webhook_deliveries (provider, delivery_id, received_at, key)"
        " VALUES ('skinsnode', 'dlv-8f1c2a', ?, 'sc-20261002-a1f3')",
        (at(2, 9, 8),),
    )
    conn.executemany(
        "INSERT INTO wallet_snapshots (profile, at, available_cents, currency) VALUES (?, ?, ?, ?)",
        [("main", at(2, 8), 250000, "USD"), ("main", at(2, 9, 2), 248160, "USD")],
    )


# --- version 2: Skinslink buying ------------------------------------------------------


def fill_v2(conn: sqlite3.Connection) -> None:
    conn.execute(
        "UPDATE profiles SET skinslink_base_url = 'https://api.skinslink.com' WHERE name = 'main'"
    )
    items = [
        {
            "name": "AK-47 | Slate (Field-Tested)",
            "price": Decimal("3.215"),
            "original_price": Decimal("3.4"),
        },
        {"name": "M4A1-S | Printstream (Minimal Wear)", "price": Decimal("19.54")},
    ]
    conn.execute(
        """INSERT INTO quotes (profile, trade_id, game, requested, items, sum, fetched_at,
                               lock_expires_at, used_by)
           VALUES ('main', 4410231, 'csgo', ?, ?, '22.755', ?, ?, 'dep-20261005-01')""",
        (
            json.dumps([i["name"] for i in items]),
            dumps_exact(items),
            at(5, 10),
            at(5, 10, 5),
        ),
    )
    deposits = (
        ("dep-20261005-01", 4410231, 1, "hold", "22.755", {"hold_end_date": at(12, 10)}),
        ("dep-20261006-02", 4410519, None, "completed", "7.1", {"completed_at": at(6, 12)}),
        ("dep-20261006-03", 4410602, None, "sending", None, {"attempts": 1}),
    )
    for key, trade_id, quote_id, status, amount, extra in deposits:
        body_items = [
            {"asset_id": "38211904417", "name": items[0]["name"], "min_price": Decimal("3.1")}
        ]
        body = {
            "id": trade_id,
            "merchant_tx_id": key,
            "game": "csgo",
            "partner": 40512288,
            "token": "kT4mQ2pL",
            "items": body_items,
        }
        row = {
            "profile": "main",
            "merchant_tx_id": key,
            "trade_id": trade_id,
            "quote_id": quote_id,
            "game": "csgo",
            "partner": 40512288,
            "token": "kT4mQ2pL",
            "items": dumps_exact(body_items),
            "request_body": dumps_exact(body),
            "status": status,
            "amount": amount,
            "bot_name": "SkinslinkBot #12" if status != "sending" else None,
            "created_at": at(5, 10, 2),
            "updated_at": at(6, 12),
            **extra,
        }
        conn.execute(
            f"INSERT INTO deposits ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        conn.execute(
            """INSERT INTO events (profile, kind, key, at, type, old_status, new_status, message)
               VALUES ('main', 'deposit', ?, ?, 'status_change', 'draft', ?, ?)""",
            (key, at(5, 10, 3), status, f"Now {status}"),
        )


# --- version 3: offline catalog, trade URL book ----------------------------------------


def fill_v3(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO catalog_cache VALUES ('main', ?, 2)", (at(7, 9),))
    conn.executemany(
        """INSERT INTO catalog_items (profile, item_id, market_hash_name, price_cents, currency,
               phase, float_value, paint_index, paint_seed, rarity_color, class_id,
               instance_id, image_url)
           VALUES ('main', ?, ?, ?, 'USD', ?, ?, ?, ?, ?, ?, '0', ?)""",
        [
            ("cat-a1f3", "AK-47 | Redline (Field-Tested)", 1840, None, "0.2514", 282, 611,
             "d32ce6", "310776668", "https://community.akamai.steamstatic.com/economy/image/x"),
            ("cat-9ab4", "★ Karambit | Doppler (Factory New)", 61250, "Phase 2", "0.0081", 418,
             903, "8650ac", "4141779477", None),
        ],
    )  # fmt: skip
    conn.executemany(
        """INSERT INTO customers (profile, partner, token, trade_url, label, created_at,
               last_used_at, last_success_at, last_error)
           VALUES ('main', ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (91234567, "Zx9_Yw8v", BUYERS[91234567], "regular", at(2, 9), at(4, 20), at(2, 9, 8),
             None),
            (40512288, "kT4mQ2pL", BUYERS[40512288], "", at(3, 14), at(6, 12), at(6, 12),
             "The item is no longer available."),
        ],
    )  # fmt: skip


def fill_v4(conn: sqlite3.Connection) -> None:
    # A delivery deduplicated by its signed content, repeated twice under other ids.
    conn.execute(
        """INSERT INTO webhook_deliveries (provider, delivery_id, received_at, key,
               content_hash, duplicates, last_duplicate_at)
           VALUES ('skinsnode', 'dlv-b7e41d', ?, 'sc-20261004-0c9e', ?, 2, ?)""",
        (at(8, 11), "3f1d" * 16, at(8, 11, 4)),
    )


def fill_buyer_book(conn: sqlite3.Connection) -> None:
    """The buyer book step (5): a named buyer with a note, an older
    trade URL, and an attention item marked handled."""
    conn.execute(
        "UPDATE customers SET label = 'regular', note = 'pays fast; prefers evenings' "
        "WHERE profile = 'main' AND partner = 91234567"
    )
    # What the app of this version writes with every customer: their current URL ...
    conn.execute(
        """INSERT INTO customer_trade_urls (profile, partner, trade_url, first_used_at,
               last_used_at, last_success_at)
           SELECT profile, partner, trade_url, created_at, last_used_at, last_success_at
           FROM customers"""
    )
    # ... and one the buyer used before regenerating it.
    conn.execute(
        """INSERT INTO customer_trade_urls (profile, partner, trade_url, first_used_at,
               last_used_at, last_success_at)
           VALUES ('main', 40512288, ?, ?, ?, NULL)""",
        (
            "https://steamcommunity.com/tradeoffer/new/?partner=40512288&token=OLDtok01",
            at(1, 10),
            at(1, 11),
        ),
    )
    conn.execute(
        """INSERT INTO attention_handled (profile, kind, key, reason, handled_at, handled_by,
               note)
           VALUES ('main', 'order', 'sc-20261003-77b0', 'failed', ?, 'dana', 'refunded')""",
        (at(9, 10),),
    )
    conn.execute(
        """INSERT INTO events (profile, kind, key, at, type, message, details)
           VALUES ('main', 'order', 'sc-20261003-77b0', ?, 'note',
                   'Marked handled by dana (failed): refunded', ?)""",
        (at(9, 10), json.dumps({"handled": "failed", "operator": "dana", "note": "refunded"})),
    )


def fill_v6(conn: sqlite3.Connection) -> None:
    # What the buyers paid (one in USD, one in EUR) and a shop order number as externalId.
    conn.execute(
        """UPDATE orders SET charged_amount = '24.90', charged_currency = 'USD'
           WHERE external_id = 'sc-20261002-a1f3'"""
    )
    conn.execute(
        """UPDATE orders SET charged_amount = '600.00', charged_currency = 'EUR'
           WHERE external_id = 'sc-20261004-0c9e'"""
    )
    body = {
        "catalogItemId": "cat-a1f3",
        "expectedPrice": 1840,
        "externalId": "WEB-1001",
        "webhookUrl": WEBHOOK,
        "tradeUrl": BUYERS[40512288],
    }
    conn.execute(
        """INSERT INTO orders (profile, external_id, catalog_item_id, item_name,
               expected_price_cents, trade_url, buyer_partner, webhook_url, request_body,
               status, amount_cents, currency, created_at, updated_at, charged_amount,
               charged_currency, shop_order)
           VALUES ('main', 'WEB-1001', 'cat-a1f3', 'AK-47 | Redline (Field-Tested)', 1840, ?,
                   40512288, ?, ?, 'completed', 1840, 'USD', ?, ?, '19.999', 'USD',
                   'WEB-1001')""",
        (BUYERS[40512288], WEBHOOK, json.dumps(body, separators=(",", ":")), at(9, 10),
         at(9, 10, 9)),
    )  # fmt: skip


FILLERS = {1: fill_v1, 2: fill_v2, 3: fill_v3, 4: fill_v4, 5: fill_buyer_book, 6: fill_v6}


def build(version: int, path: Path) -> None:
    if path.exists():
        raise SystemExit(f"{path} exists: frozen files are never rebuilt")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert apply_migrations(conn, target=version) == list(range(1, version + 1))
        conn.execute("PRAGMA foreign_keys = ON")
        for step in range(1, version + 1):
            conn.execute("BEGIN")
            FILLERS[step](conn)
            conn.execute("COMMIT")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("VACUUM")
    finally:
        conn.close()


if __name__ == "__main__":
    wanted = int(sys.argv[1])
    if not 1 <= wanted <= LATEST_VERSION:
        raise SystemExit(f"versions 1..{LATEST_VERSION}")
    build(wanted, frozen_path(wanted))
    print(frozen_path(wanted))

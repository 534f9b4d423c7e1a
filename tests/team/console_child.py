"""One console in a process of its own, for the kill test: it sells one item on the team
book, and the test SIGKILLs it at a debug pause point (``services/debug_pause.py``)::

    python -m tests.team.console_child URL OPERATOR DATA_DIR KEYRING_FILE TIME_SCALE \
        LEASE_SECONDS ITEM_ID TRADE_URL EXTERNAL_ID

The keyring is the test's plaintext file (keyring's own backend mechanism); the profile
"shop" is the one the test's first console added to the book. The database password comes
from ``SKINS_CONSOLE_DATABASE_PASSWORD`` (never an argument: process lists are public).
"""

from __future__ import annotations

import asyncio
import os
import sys

import keyring
from keyrings.alt.file import PlaintextKeyring

from skins_console.services.checkout_service import CheckoutRequest, CheckoutService
from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.store.database import Database
from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretStore
from skins_console.store.settings import Settings


async def main(argv: list[str]) -> int:
    url, operator, data_dir, keyring_file, scale, lease, item_id, trade_url, key = argv
    backend = PlaintextKeyring()
    backend.file_path = keyring_file
    keyring.set_keyring(backend)
    settings = Settings(path=None)
    settings.lease_seconds = int(lease)
    settings.provider_deadline_seconds = 2
    password = os.environ.get("SKINS_CONSOLE_DATABASE_PASSWORD") or None
    db = await Database.open(url, password=password, operator=operator)
    ctx = AppContext(
        paths=resolve_paths(data_dir),
        settings=settings,
        db=db,
        secrets=SecretStore(),
        cadence=Cadence(time_scale=float(scale)),
    )
    async with ctx:
        await ctx.select_profile("shop")
        result = await CheckoutService(ctx).checkout(
            CheckoutRequest(catalog_item_id=item_id, trade_url=trade_url, external_id=key)
        )
        print(result.outcome, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

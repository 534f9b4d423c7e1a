"""A process killed right after a write loses nothing that was committed."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from skins_console.store.database import Database
from skins_console.store.orders_repository import get_order, list_open_orders

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from skins_console.core.models import OrderRequest
    from skins_console.store.database import Database
    from skins_console.store.orders_repository import insert_order_draft, mark_order_sending
    from skins_console.store.profiles_repository import create_profile
    from tests.fixtures.store import make_profile

    db = Database.open_sync(Path(sys.argv[1]))
    db.call_sync(create_profile, make_profile())
    for n in range(3):
        req = OrderRequest(f"cat-{n}", 1000 + n, f"ord-{n}", "http://127.0.0.1:9/wh",
                           "https://steamcommunity.com/tradeoffer/new/?partner=1&token=abcdefgh")
        db.call_sync(insert_order_draft, profile="main", request=req, item_name=f"Item {n}")
    db.call_sync(mark_order_sending, "main", "ord-2")
    print("written", flush=True)
    time.sleep(60)  # killed here, connection open, WAL not checkpointed
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_sigkill_after_commit_keeps_orders(store_paths):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_paths.database)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "written"
        assert store_paths.database.with_name(store_paths.database.name + "-wal").exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    db = Database.open_sync(store_paths.database)
    try:
        open_orders = db.read_sync(list_open_orders, "main")
        assert [o.external_id for o in open_orders] == ["ord-0", "ord-1", "ord-2"]
        sending = db.read_sync(get_order, "main", "ord-2")
        assert sending.status == "sending" and sending.attempts == 1
        assert sending.request_body["expectedPrice"] == 1002
    finally:
        db.close_sync()

"""Render every tab of the real window, on real sandbox data, to PNG files.

Run from the repository root (a display is needed for the xcb look; offscreen works too):

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/screenshots/make_screenshots.py

It starts the sandbox in-process, opens a throwaway data folder and keyring (keyrings.alt's
plain-text backend in a temp folder: demo credentials only), creates the sandbox profile,
places orders and a deposit through the services, drives the window (catalog search, the
sell dialog, an order's details, a locked quote with its countdown, the banner of an order
the buyer let expire, the buyer book, the attention queue) and grabs each view at 1024×640,
1280×720 and 1600×1000 in the light and the dark theme (``SHOTS_OUT=DIR`` writes them
elsewhere). Nothing here is mocked or drawn by hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get("SHOTS_OUT") or Path(__file__).resolve().parent)
#: (window size, file-name tag): the smallest screen the console supports and a large one
SIZES = (((1024, 640), ""), ((1280, 720), "-1280"), ((1600, 1000), "-1600"))

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

SPEED = 10.0
NAMES = """AK-47 | Redline (Field-Tested)
AWP | Asiimov (Field-Tested)
★ Karambit | Doppler (Factory New)
StatTrak™ M4A1-S | Hyper Beast (Minimal Wear)
Glock-18 | Fade (Factory New)
AK-47 | Redline (Field-Tested)
Not A Real Item (Factory New)
"""


def _post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


async def _until(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        await asyncio.sleep(0.05)


async def _settle(app: QApplication, seconds: float = 0.4) -> None:
    await asyncio.sleep(seconds)


def _grab(widget, name: str) -> Path:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    # QPixmap.save says only False (a missing folder, a full disk): said here instead.
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    print("wrote", path)
    return path


async def main(app: QApplication) -> None:
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from skins_console.sandbox import Sandbox, SandboxConfig
    from skins_console.services.context import AppContext
    from skins_console.store.paths import resolve_paths
    from skins_console.ui.backend import Backend
    from skins_console.ui.demo_run import ensure_sandbox_profile
    from skins_console.ui.error_presenter import ErrorPresenter
    from skins_console.ui.main_window import (
        TAB_CATALOG,
        TAB_ORDERS,
        TAB_QUOTE,
        TAB_WALLET,
        MainWindow,
    )
    from skins_console.ui.task_runner import TaskRunner
    from skins_console.ui.theme import ThemeManager
    from skins_console.ui.window_controller import WindowController

    temp = Path(tempfile.mkdtemp(prefix="skins-console-shots-"))
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    backend_keyring = PlaintextKeyring()
    backend_keyring.file_path = str(temp / "keyring.cfg")
    keyring.set_keyring(backend_keyring)

    sandbox = Sandbox(SandboxConfig(speed=SPEED, catalog_size=3000)).start()
    ctx = await AppContext.open(resolve_paths(temp / "data"), time_scale=1.0 / SPEED)
    await ensure_sandbox_profile(ctx, sandbox)
    presenter = ErrorPresenter()
    presenter.install_hooks()
    runner = TaskRunner(presenter)
    themes = ThemeManager(app, "light")
    backend = Backend(ctx)
    window = MainWindow(backend, runner=runner, presenter=presenter, themes=themes)
    presenter.attach(window)
    controller = WindowController(window, backend)
    window.resize(*SIZES[0][0])
    window.show()
    controller.start()
    try:
        await _until(lambda: controller.catalog.model.rowCount() > 0)
        catalog = controller.catalog
        items = [catalog.model.item(r) for r in range(catalog.model.rowCount())]
        affordable = sorted(
            (i for i in items if 1500 <= i.price_cents <= 40000), key=lambda i: -i.price_cents
        )

        # Orders: one delivered, one the buyer let expire, two still open.
        trade = "https://steamcommunity.com/tradeoffer/new/?partner={}&token=Ab3dE_9x"
        fates = ["completed", "expired", "completed", "completed"]
        placed = []
        for n, fate in enumerate(fates):
            external_id = backend.new_external_id()
            _post(sandbox.base_url, "/_sandbox/outcomes", {"skinsnode": {external_id: fate}})
            result = await backend.place_order(
                affordable[n * 7], trade.format(91234560 + n), external_id
            )
            placed.append(result.order.external_id)
            controller.refresh_wallet()
            await asyncio.sleep(0.5)
        # Let the first two reach their end: advance sandbox time past the trade window.
        await asyncio.sleep(1.5)
        _post(sandbox.base_url, "/_sandbox/clock/advance", {"seconds": 660})
        for key in placed[:2]:
            await ctx.orders.schedule_check("sandbox", key, next_check_at=ctx.clock.now())
        backend.tracking.wake()
        controller.refresh_wallet()

        async def ended() -> bool:
            orders = [await ctx.orders.get("sandbox", key) for key in placed[:2]]
            return all(o is not None and o.status in ("completed", "expired") for o in orders)

        # The tracker polls each order at most once per SkinsNode's 30 s cache window (in
        # sandbox time): wait for both to reach their end rather than for a fixed time.
        for _ in range(80):
            if await ended():
                break
            backend.tracking.wake()
            await asyncio.sleep(0.5)

        # A deposit from a locked quote, so Skinslink appears in Orders too.
        quote = await backend.get_quote(
            "csgo", ["AK-47 | Redline (Field-Tested)", "AWP | Asiimov (Field-Tested)"], True
        )
        from skins_console.ui.quote_model import COL_ASSET, QuoteLine

        lines = [
            QuoteLine(i.name, i.price, i.original_price, asset_id=str(31000000000 + n))
            for n, i in enumerate(quote.items)
        ]
        tx_id = backend.new_external_id()
        _post(sandbox.base_url, "/_sandbox/outcomes", {"skinslink": {tx_id: "completed"}})
        await backend.create_deposit(quote, trade.format(55512345), lines, tx_id)
        for _ in range(4):
            await asyncio.sleep(0.8)
            controller.refresh_wallet()

        await _until(lambda: controller.orders.model.rowCount() >= 5)
        await asyncio.sleep(2.0)

        for (size, tag), theme in [(s, t) for s in SIZES for t in ("light", "dark")]:
            window.resize(*size)
            themes.set_mode(theme)
            window._on_theme_changed(themes.current)
            suffix = ("" if theme == "light" else "-dark") + tag

            window.tabs.setCurrentIndex(TAB_CATALOG)
            catalog.search.setText("doppler")
            catalog.apply_filter()
            catalog.table.selectRow(0)
            await _settle(app, 1.2)  # thumbnails
            _grab(window, f"catalog{suffix}.png")
            catalog.search.clear()
            catalog.apply_filter()

            window.tabs.setCurrentIndex(TAB_ORDERS)
            controller.orders.reload()
            await _settle(app, 0.6)
            controller.orders.table.selectRow(1)
            await _settle(app, 0.6)
            _grab(window, f"orders{suffix}.png")

            window.tabs.setCurrentIndex(TAB_WALLET)
            controller.wallet.reload_history()
            await _settle(app, 0.6)
            _grab(window, f"wallet{suffix}.png")

            window.tabs.setCurrentIndex(TAB_QUOTE)
            quote_tab = controller.quote
            # Quote twice so the drift from the previous quote shows; the lock is fresh.
            quote_tab.names.setPlainText(NAMES)
            quote_tab.check_lines()
            for _ in range(2):
                before = quote_tab.quote
                quote_tab.request_quote()
                await _until(lambda tab=quote_tab, old=before: tab.quote is not old)
                await asyncio.sleep(0.5)
            if quote_tab.model.lines:
                quote_tab.model.setData(quote_tab.model.index(0, COL_ASSET), "31987654321")
            quote_tab.deposit.trade_url.setText(trade.format(77712345))
            await _settle(app, 1.1)
            _grab(window, f"quote{suffix}.png")

            # The buyer book (a buyer's trades and URLs) and what needs the operator (the
            # order the buyer let expire).
            merchant = controller.merchant
            window.tabs.setCurrentIndex(merchant.buyers_index)
            merchant.buyers.reload()
            await _settle(app, 0.8)
            merchant.buyers.table.selectRow(0)
            await _settle(app, 0.6)
            _grab(window, f"buyers{suffix}.png")
            window.tabs.setCurrentIndex(merchant.attention_index)
            merchant.attention.reload()
            await _settle(app, 0.8)
            merchant.attention.table.selectRow(0)
            await _settle(app, 0.4)
            _grab(window, f"attention{suffix}.png")

        themes.set_mode("light")
        window._on_theme_changed(themes.current)
        window.tabs.setCurrentIndex(TAB_CATALOG)
        catalog.table.selectRow(0)
        dialog = controller.open_sell_dialog(catalog.selected_item())
        dialog.trade_url.setText(trade.format(12345678))
        await _settle(app, 0.8)
        _grab(dialog, "sell-dialog.png")
        dialog.reject()
    finally:
        await controller.shutdown()
        await runner.shutdown()
        await ctx.close()
        sandbox.stop()
        presenter.uninstall_hooks()
        window.close()


def run() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(main(app))


if __name__ == "__main__":
    run()

from tests.conftest import wait_for


async def test_window_opens_on_sandbox_profile_and_shows_catalog(ui):
    async with ui.session() as s:
        window, controller = s.window, s.controller
        await wait_for(lambda: controller.catalog.model.rowCount() > 0, timeout=20)
        assert controller.catalog.model.rowCount() == s.sandbox.config.catalog_size
        assert window.sandbox_stripe.isVisible()
        assert "SANDBOX" in window.sandbox_stripe.text()
        assert "sandbox" in window.windowTitle()
        await wait_for(lambda: "Balance: <b>$" in window.header.balance.text(), timeout=20)
        await wait_for(lambda: window.header.skinsnode_dot.state == "ok", timeout=20)
        assert window.header.profile_combo.currentData() == "sandbox"

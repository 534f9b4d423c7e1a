"""The trade URL field (canonical form, phishing warning, junk never crashes) and the Quote
tab's suggestions of exact market names, in the real window against the sandbox."""

from __future__ import annotations

from skins_console.core.records import ActivityFilter
from skins_console.ui.trade_url_field import TradeUrlField
from tests.conftest import wait_for
from tests.fixtures.ui import TRADE_URL, sandbox_control
from tests.ui.test_sell_flow import _open_sell_dialog

PASTED = "trade: http://www.steamcommunity.com/tradeoffer/new?token=Ab3dE_9x&partner=91234567 ty"


def test_field_shows_the_canonical_form_and_a_phishing_warning(qapp):
    field = TradeUrlField()
    seen: list[bool] = []
    field.validity_changed.connect(seen.append)
    field.setText(PASTED)
    assert field.canonical() == TRADE_URL and field.text() == PASTED  # typed text kept
    assert "Stored as" in field.message.text()
    assert TRADE_URL.replace("&", "&amp;") in field.message.text()  # rich text
    assert seen[-1] is True
    field.setText(TRADE_URL)
    assert "Stored as" not in field.message.text()  # already canonical: nothing to say
    field.setText(TRADE_URL.replace("steamcommunity", "steamcommun\u0456ty"))
    assert field.canonical() is None and seen[-1] is False
    message = field.message.text()
    assert "⚠ Phishing warning" in message and "xn--" in message and "<b>" in message
    for junk in (":99999", ":abc", ":-1"):
        field.setText(TRADE_URL.replace(".com/", f".com{junk}/"))
        assert field.canonical() is None and f"“{junk}”" in field.message.text()
    field.setText(TRADE_URL.replace("91234567", "9" * 5000))
    assert "5,000 digits long" in field.message.text()
    field.deleteLater()


async def test_sell_dialog_sends_the_canonical_url(ui):
    async with ui.session() as s:
        _item, dialog = await _open_sell_dialog(s)
        external_id = dialog.external_id.text()
        sandbox_control(s.sandbox, "/_sandbox/outcomes", {"skinsnode": {external_id: "completed"}})
        dialog.trade_url.setText(PASTED)
        assert dialog.send_button.isEnabled()
        dialog.send_button.click()
        await wait_for(lambda: dialog.pages.currentIndex() == 1, timeout=20)
        stored = await s.ctx.orders.get("sandbox", external_id)
        assert stored is not None and stored.trade_url == TRADE_URL


async def test_quote_tab_suggests_exact_names_and_never_rewrites_them(ui):
    async with ui.session() as s:
        tab = s.controller.quote
        s.window.tabs.setCurrentWidget(tab)
        typed = [
            "ak-47 | redline (field tested)",
            "Ground Rebel  | Elite Crew",  # real, odd spacing: no suggestion, kept as is
            "Karambit | Doppler Phase 2 (Factory New)",
            "Qqqq Zzzz Xxxx",
        ]
        tab.names.setPlainText("\n".join(typed))
        assert tab.check_lines() == typed  # exact strings, only the ends trimmed
        await wait_for(lambda: tab.suggestions.isVisible(), timeout=20)
        entries = tab.suggestions.entries()
        assert (1, typed[0], "AK-47 | Redline (Field-Tested)") in entries
        assert (3, typed[2], "★ Karambit | Doppler (Factory New)") in entries
        assert {line for line, _t, _s in entries} == {1, 3}
        # One suggestion used by double-click: only that line changes.
        row = next(i for i, e in enumerate(entries) if e[0] == 3)
        tab.suggestions.list.itemDoubleClicked.emit(tab.suggestions.list.item(row))
        lines = tab.names.toPlainText().split("\n")
        assert lines == [typed[0], typed[1], "★ Karambit | Doppler (Factory New)", typed[3]]

        # A quote sends what is in the box; unpriced lines then get the closest real names.
        tab.quote_button.setEnabled(True)
        tab.request_quote()
        await wait_for(lambda: tab.quote is not None, timeout=20)
        assert tab.quote.requested == (
            typed[0], typed[1], "★ Karambit | Doppler (Factory New)", typed[3]
        )  # fmt: skip
        assert typed[0] in tab.unpriced.text()
        await wait_for(lambda: any(e[1] == typed[0] for e in tab.suggestions.entries()), timeout=20)
        tab.suggestions.use_all_suggestions()
        assert tab.names.toPlainText().split("\n")[0] == "AK-47 | Redline (Field-Tested)"
        assert await s.ctx.deposits.search(ActivityFilter(profile="sandbox")) == []


async def test_bulk_use_skips_lines_whose_real_siblings_need_a_pick(qapp, error_presenter):
    from PySide6.QtWidgets import QPlainTextEdit

    from skins_console.core.market_names import parse_name_lines
    from skins_console.ui.name_suggestions import NameSuggestions
    from skins_console.ui.task_runner import TaskRunner

    runner = TaskRunner(error_presenter)
    editor = QPlainTextEdit()
    panel = NameSuggestions(runner, editor)
    editor.setPlainText("sticker | boom (holo)\nAWP Asiimov FT\n  Music Kit |  ")
    panel.check(parse_name_lines(editor.toPlainText()), "csgo")
    await wait_for(lambda: panel.list.count() > 0, timeout=20)
    assert {line for line, _t, _s in panel.entries()} == {1, 2}  # line 3 is a real name
    panel.use_all_suggestions()
    assert editor.toPlainText().split("\n") == [
        "sticker | boom (holo)",  # Boom (Holo) and Boom(Holo) are both real: operator picks
        "AWP | Asiimov (Field-Tested)",
        "  Music Kit |  ",
    ]
    editor.document().undo()  # one undo step per applied line
    assert editor.toPlainText().split("\n")[1] == "AWP Asiimov FT"
    await runner.shutdown()
    panel.check(parse_name_lines(editor.toPlainText()), "csgo")  # closed: nothing spawned
    panel.deleteLater()
    editor.deleteLater()

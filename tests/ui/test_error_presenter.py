import asyncio
import sys
import threading

import pytest

from skins_console.core.errors import AuthError, UserCancelled
from skins_console.ui.error_presenter import BugDialog, ErrorPresenter
from tests.conftest import wait_for


def _raise(exc):
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_sorting_cancelled_user_facing_and_bugs(qapp, qtbot):
    presenter = ErrorPresenter()
    presenter.show_dialogs = False
    user, bugs = [], []
    presenter.user_error.connect(user.append)
    presenter.bug_reported.connect(bugs.append)
    presenter.report(_raise(asyncio.CancelledError()))
    presenter.report(_raise(UserCancelled()))
    presenter.report(_raise(AuthError("Credentials rejected.", provider="SkinsNode")))
    assert [type(e) for e in user] == [AuthError] and bugs == []
    for _ in range(3):  # the same bug three times: shown once
        presenter.report(_raise(ValueError("same place")))
    assert len(bugs) == 1
    assert "ValueError: same place" in bugs[0].details


def test_bug_box_is_non_modal_and_copies_details(qapp, qtbot):
    presenter = ErrorPresenter()
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    qtbot.addWidget(window)
    presenter.attach(window)
    presenter.report(_raise(RuntimeError("unexpected")))
    (dialog,) = presenter.open_dialogs
    assert isinstance(dialog, BugDialog) and not dialog.isModal()
    dialog.copy_button.click()
    assert "RuntimeError: unexpected" in qapp.clipboard().text()
    dialog.close()


async def test_hooks_route_sys_and_thread_exceptions(qapp):
    presenter = ErrorPresenter()
    presenter.show_dialogs = False
    bugs = []
    presenter.bug_reported.connect(bugs.append)
    presenter.install_hooks()
    try:
        exc = _raise(LookupError("from a hook"))
        sys.excepthook(type(exc), exc, exc.__traceback__)

        def worker():
            raise OSError("from a thread")

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        await wait_for(lambda: len(bugs) == 2)
    finally:
        presenter.uninstall_hooks()
    assert {b.summary.split(":")[0] for b in bugs} == {"LookupError", "OSError"}


def test_window_messages_carry_no_commands_or_raw_ids():
    from skins_console.core.errors import ValidationError
    from skins_console.ui.error_presenter import window_message

    exc = ValidationError(
        "Deposit 9f1c2d3e-1111-2222-3333-444455556666 needs a seller. Check it "
        "(`skins-console deposit show …`) and try again.",
        code="something_new",
    )
    text = window_message(exc)
    assert "skins-console" not in text and "`" not in text
    assert "9f1c2d3e" not in text
    assert text == "Deposit needs a seller. Check it and try again."


def test_user_message_shows_user_facing_errors_and_raises_anything_else():
    from skins_console.core.errors import ValidationError
    from skins_console.ui.error_presenter import user_message

    exc = ValidationError("Check it (`skins-console deposit show …`) and try again.")
    assert user_message(exc) == exc.message
    assert user_message(exc, window_words=True) == "Check it and try again."
    bug = _raise(KeyError("not for the operator"))
    with pytest.raises(KeyError) as raised:
        user_message(bug, window_words=True)
    assert raised.value is bug

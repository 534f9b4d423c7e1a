"""The log file with ``-v``: the console's own debug records, not qasync's."""

from __future__ import annotations

import logging

import pytest

from skins_console.services.logs import QUIET_LIBRARIES, configure_file_logging


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    was = root.level, list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in was[1]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(was[0])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_verbose_logs_the_consoles_debug_records_but_not_qasyncs_results(
    tmp_path, restored_logging
):
    log_file = tmp_path / "logs" / "skins-console.log"
    assert configure_file_logging(log_file, verbose=True) is not None

    class Huge:
        def __repr__(self) -> str:  # what a catalog's 100,000 rows would cost
            raise AssertionError("qasync's debug record was formatted")

    logging.getLogger("qasync._QThreadWorker").debug("Setting Future result: %s", Huge())
    logging.getLogger("skins_console.api.http").debug("GET /v1/catalog -> 200")
    logging.getLogger("qasync").info("an ordinary qasync notice")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "GET /v1/catalog -> 200" in text and "an ordinary qasync notice" in text
    assert "Setting Future result" not in text

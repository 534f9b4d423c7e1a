"""Log files for the CLI and the GUI, with a last line of defence for secrets.

Nothing in the code base logs a secret on purpose (clients keep them in request headers
only). The redacting filter still replaces every registered secret value with ``***`` in
any record that reaches the log file, because a third-party library logging a header at
debug level is exactly the kind of leak nobody notices until it is in a bug report.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from skins_console.core.redaction import RedactingFilter, SecretSet

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
#: libraries whose debug records stay out of the log even with ``-v``: qasync logs the repr
#: of every worker thread's result ("Setting Future result: …"), which for a catalog
#: refresh is 100,000 rows as one 38 MB line, and the console went to 600 MB formatting it
QUIET_LIBRARIES = ("qasync",)
#: Shorter values are not redacted: they would garble ordinary words in log lines.
MIN_SECRET_LENGTH = 6

_secrets = SecretSet(min_length=MIN_SECRET_LENGTH)


def register_secret(value: str | None) -> None:
    """Make sure ``value`` never appears in a log line written through our handlers."""
    _secrets.add(value)


def configure_file_logging(log_file: Path, *, verbose: bool = False) -> logging.Handler | None:
    """Send the app's log records to a rotating ``log_file``; debug level when ``verbose``.

    Returns the handler (None when the log folder is not writable: logging must never stop
    the app from working).
    """
    root = logging.getLogger()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter(_secrets))
    handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, handler.level))
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO)
    if not verbose:
        # httpx logs every request at INFO; useful only when debugging.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler

"""A set of secret values that log lines and messages must never show.

One home for the rule "replace every known secret with ``***``, longest first": the log
files (``services/logs.py``) and the chat channels' httpx log records
(``api/chat_channels.py``) each keep their own set, filled as secrets come into use.
Replacing longer values first keeps a secret that contains another from leaking its tail.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"


class SecretSet:
    """Secret values, added from any thread; ``redact`` masks each of them in a text.
    Values shorter than ``min_length`` are not kept: they would garble ordinary words."""

    def __init__(self, *, min_length: int = 1) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._min_length = min_length

    def add(self, value: str | None) -> None:
        if value and len(value) >= self._min_length:
            with self._lock:
                self._values.add(value)

    def __bool__(self) -> bool:
        return bool(self._values)

    def redact(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        return text


class RedactingFilter(logging.Filter):
    """Masks the secrets of ``secrets`` in a record's message and traceback text."""

    def __init__(self, secrets: SecretSet) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._secrets.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._secrets.redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

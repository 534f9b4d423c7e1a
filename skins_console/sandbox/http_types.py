"""The sandbox's own request/response values, independent of the HTTP server class."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs

from skins_console.sandbox import jsonutil


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client: str = "127.0.0.1"

    @classmethod
    def build(
        cls, method: str, target: str, headers: Message, body: bytes, client: str = "127.0.0.1"
    ) -> Request:
        path, _, query = target.partition("?")
        return cls(
            method.upper(), path, parse_qs(query, keep_blank_values=True), headers, body, client
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


#: returned instead of a Response when the connection must be closed without an answer
DROP = object()


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, jsonutil.dumps(payload), dict(headers or {}))


def raw_json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, dict(headers or {}))

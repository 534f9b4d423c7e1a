"""A stand-in Skinslink on 127.0.0.1 that records the exact bytes of every get-prices body.

``RecordingSkinslink.priced`` is the set of names it prices (all names when ``None``);
``.bodies`` holds every raw request body as received, ``.names()`` the names decoded from
them in order. It answers in Skinslink's documented envelope, so the real client parses it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "stand-in-api-key"


class RecordingSkinslink:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.priced: set[str] | None = None
        self._lock = threading.Lock()
        self._next_id = 1000
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("X-Api-Key") != API_KEY:
                    self._reply(401, {"success": False, "message": "unauthorized"})
                    return
                if not self.path.endswith("/merchant/get-prices"):
                    self._reply(404, {"success": False, "message": "not found"})
                    return
                with stand_in._lock:
                    stand_in.bodies.append(body)
                    stand_in._next_id += 1
                    trade_id = stand_in._next_id
                    priced = stand_in.priced
                names = json.loads(body.decode("utf-8"))["marketHashNames"]
                items = [
                    {"name": name, "price": 1.25, "originalPrice": 1.5, "count": 1}
                    for name in names
                    if priced is None or name in priced
                ]
                data = {
                    "id": trade_id if items else None,
                    "items": items or None,
                    "total": len(items),
                    "sum": round(1.25 * len(items), 2),
                }
                self._reply(200, {"success": True, "message": "ok", "data": data})

            def _reply(self, status: int, payload: dict) -> None:
                raw = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def names(self) -> list[str]:
        with self._lock:
            bodies = list(self.bodies)
        return [name for body in bodies for name in json.loads(body)["marketHashNames"]]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def recording_skinslink():
    stand_in = RecordingSkinslink()
    yield stand_in
    stand_in.close()

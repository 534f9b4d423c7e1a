"""A provider request, once warm, imports nothing.

Every import the interpreter attempts for a module it has not loaded searches ``sys.path``:
a ``stat`` per entry, each letting go of the GIL. On the GUI thread, where the tracker's
requests run, a failed import on every request (httpcore asking for ``sniffio`` on each
lock, event and shield: about 30 per request) made the window wait for other threads
every few milliseconds. The check runs in a child process because an audit hook cannot
be removed once added.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = r"""
import asyncio, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from skins_console.api.http import ProviderHttp


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status": "sent", "price": 12.5}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
attempted = []
watching = [False]


def hook(event, args):
    if event == "import" and watching[0]:
        attempted.append(args[0])


async def main():
    http = ProviderHttp(
        provider="skinsnode",
        base_url=f"http://127.0.0.1:{server.server_address[1]}",
        auth_headers={"x-client-id": "test"},
    )
    for _ in range(3):  # warm: the first requests load what the path needs
        await http.get("/v1/orders/warm")
    sys.addaudithook(hook)
    watching[0] = True
    for n in range(20):
        answer = await http.get(f"/v1/orders/{n}")
    watching[0] = False
    await http.aclose()
    print(json.dumps({"attempted": sorted(set(attempted)), "status": answer.data["status"]}))


asyncio.run(main())
server.shutdown()
"""


def test_a_warm_provider_request_attempts_no_import():
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = done.stdout.strip().splitlines()[-1]
    assert report == '{"attempted": [], "status": "sent"}', report

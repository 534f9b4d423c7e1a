"""Item thumbnails: loaded lazily for the rows on screen, cached on disk and in memory.

The model asks :meth:`ThumbnailCache.pixmap` only for rows being painted, so only visible
rows cause a load. Requests are served newest first (after a fast scroll the rows on
screen win over rows already scrolled past), a handful at a time, over one httpx client on
the app's loop; files land in the cache folder's ``thumbnails`` dir and a bounded LRU keeps
the decoded pixmaps. Thumbnails are decoration: a failed load is logged and not retried
this session, and a host that cannot be reached is left alone for a while.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from skins_console.api.http import tls_context
from skins_console.ui.task_runner import TaskRunner

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(44, 33)
MAX_BYTES = 2_000_000
HOST_BACKOFF_SECONDS = 300.0
#: decoded pixmaps kept in memory (the least recently shown go first)
MEMORY_CAPACITY = 1500
#: downloads at once
CONCURRENCY = 6
#: wanted thumbnails kept waiting; beyond it the oldest (scrolled past) are dropped
QUEUE_LIMIT = 120


def _file_for(folder: Path, url: str) -> Path:
    return folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".img")


def _decode(data: bytes, size: QSize) -> QImage | None:
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _read_and_decode(path: Path, size: QSize) -> QImage | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return _decode(data, size)


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:  # a full or read-only cache only costs a re-download
        log.debug("thumbnail cache write failed: %s", exc)


class ThumbnailCache(QObject):
    loaded = Signal(str)
    #: the size thumbnails are scaled to (the catalog's icon size)
    size = THUMB_SIZE

    def __init__(self, runner: TaskRunner, folder: Path, *, owner: QObject) -> None:
        super().__init__(owner)
        self._runner = runner
        self._owner = owner
        self.folder = folder
        self._memory: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: OrderedDict[str, None] = OrderedDict()
        self._in_flight: set[str] = set()
        self._failed: set[str] = set()
        self._host_down_until: dict[str, float] = {}
        self._client: httpx.AsyncClient | None = None
        self.fetch_count = 0

    def pixmap(self, url: str) -> QPixmap | None:
        pixmap = self._memory.get(url)
        if pixmap is not None:
            self._memory.move_to_end(url)
            return pixmap
        if self._runner.closed:
            return None
        if url not in self._failed and url not in self._in_flight:
            self._wanted[url] = None
            self._wanted.move_to_end(url)
            while len(self._wanted) > QUEUE_LIMIT:
                self._wanted.popitem(last=False)  # scrolled past long ago
            if not self._runner.running("thumbnails"):
                self._runner.spawn(
                    self._pump(),
                    owner=self._owner,
                    key="thumbnails",
                    description="loading thumbnails",
                )
        return None

    async def _pump(self) -> None:
        while self._wanted:
            batch: list[str] = []
            while self._wanted and len(batch) < CONCURRENCY:
                url, _ = self._wanted.popitem(last=True)
                batch.append(url)
                self._in_flight.add(url)
            try:
                results = await asyncio.gather(
                    *(self._load(url) for url in batch), return_exceptions=True
                )
            finally:
                self._in_flight.difference_update(batch)
            for url, result in zip(batch, results):
                if isinstance(result, QImage):
                    self._remember(url, QPixmap.fromImage(result))
                    self.loaded.emit(url)
                else:
                    if isinstance(result, BaseException) and not isinstance(
                        result, asyncio.CancelledError
                    ):
                        log.debug("thumbnail %s: %s", url, result)
                    self._failed.add(url)

    async def _load(self, url: str) -> QImage | None:
        path = _file_for(self.folder, url)
        image = await asyncio.to_thread(_read_and_decode, path, self.size)
        if image is not None:
            return image
        host = urlsplit(url).hostname or ""
        if self._host_down_until.get(host, 0.0) > time.monotonic():
            return None
        if urlsplit(url).scheme not in ("http", "https"):
            return None
        if self._client is None:
            # The shared TLS context (CA bundle loaded once, ~0.1-0.4 s) is built in a worker
            # thread; an AsyncClient of its own would load the bundle on the GUI thread.
            tls = await asyncio.to_thread(tls_context)
            if self._client is None:
                self._client = httpx.AsyncClient(
                    timeout=httpx.Timeout(10.0), follow_redirects=True, verify=tls
                )
        try:
            response = await self._client.get(url)
        except httpx.TransportError:
            self._host_down_until[host] = time.monotonic() + HOST_BACKOFF_SECONDS
            return None
        if response.status_code != 200 or len(response.content) > MAX_BYTES:
            return None
        self.fetch_count += 1
        data = response.content
        image = await asyncio.to_thread(_decode, data, self.size)
        if image is not None:
            await asyncio.to_thread(_write, path, data)
        return image

    def _remember(self, url: str, pixmap: QPixmap) -> None:
        self._memory[url] = pixmap
        self._memory.move_to_end(url)
        while len(self._memory) > MEMORY_CAPACITY:
            self._memory.popitem(last=False)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

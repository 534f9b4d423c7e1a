"""One running Skins Console per data folder.

Public API::

    lock = InstanceLock(paths.lock_file)
    lock.acquire()          # DatabaseLockedError if another process holds it
    lock.release()
    with InstanceLock(path): ...
    lock.held -> bool

An OS file lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) is released by the
OS when the process dies, so a crash never leaves a stale lock behind. The file holds the
owner's PID for the message only; the lock, not the file, is what counts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from skins_console.core.errors import DatabaseLockedError
from skins_console.store.paths import folder_error, make_private_dir

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> InstanceLock:
        if self._fd is not None:
            return self
        make_private_dir(self.path.parent)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise folder_error(self.path, exc) from None
        if not _try_lock(fd):
            owner = _read_owner(fd)
            os.close(fd)
            raise DatabaseLockedError(
                f"Skins Console is already running with the data folder {self.path.parent}"
                + (f" (process {owner})" if owner else "")
                + ". Switch to that window, or close it first; to run a second copy, give it "
                "another folder with --data-dir."
            )
        # The PID is written after byte 0 is locked; Windows locks that first byte only.
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError:
            pass
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def _read_owner(fd: int) -> str | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None

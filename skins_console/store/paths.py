"""Where the application keeps its files.

Public API::

    resolve_paths(data_dir: Path | None = None, *, create: bool = True) -> AppPaths
    AppPaths(data_dir, config_dir, cache_dir, log_dir, portable)
        .database        data_dir / "skins-console.sqlite3"
        .settings_file   config_dir / "settings.json"
        .backups_dir     data_dir / "backups"
        .thumbnails_dir  cache_dir / "thumbnails"
        .lock_file       data_dir / "skins-console.lock"
        .log_file        log_dir / "skins-console.log"
        .ensure() -> AppPaths        creates every folder with private permissions

Without an explicit folder the usual per-OS locations come from platformdirs. An explicit
folder (the CLI's ``--data-dir``) or ``SKINS_CONSOLE_DATA_DIR`` puts *everything* the app
writes under that one folder, so a portable copy or a test never touches the real profile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from platformdirs import PlatformDirs

from skins_console.core.errors import DatabaseReadOnlyError, DiskFullError, StoreError

APP_NAME = "skins-console"
APP_AUTHOR = "SkinsConsole"
DATA_DIR_ENV = "SKINS_CONSOLE_DATA_DIR"
DATABASE_NAME = "skins-console.sqlite3"
SETTINGS_NAME = "settings.json"
PRIVATE_DIR_MODE = 0o700


class _Inside:
    """A read-only path attribute: ``name`` inside one of the app's folders."""

    def __init__(self, folder: str, name: str) -> None:
        self.folder = folder
        self.name = name

    @overload
    def __get__(self, paths: None, owner: type | None = None) -> _Inside: ...
    @overload
    def __get__(self, paths: AppPaths, owner: type | None = None) -> Path: ...
    def __get__(self, paths: AppPaths | None, owner: type | None = None) -> Path | _Inside:
        if paths is None:
            return self
        folder: Path = getattr(paths, self.folder)
        return folder / self.name


@dataclass(frozen=True, slots=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path
    #: True when everything lives under one explicit folder.
    portable: bool = False

    database = _Inside("data_dir", DATABASE_NAME)
    settings_file = _Inside("config_dir", SETTINGS_NAME)
    backups_dir = _Inside("data_dir", "backups")
    thumbnails_dir = _Inside("cache_dir", "thumbnails")
    lock_file = _Inside("data_dir", "skins-console.lock")
    log_file = _Inside("log_dir", "skins-console.log")

    def ensure(self) -> AppPaths:
        for folder in (
            self.data_dir,
            self.config_dir,
            self.cache_dir,
            self.log_dir,
            self.backups_dir,
            self.thumbnails_dir,
        ):
            make_private_dir(folder)
        return self


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and parents) readable by the current user only.

    Only folders created here get their mode set: an existing folder the operator chose is
    left as it is.
    """
    if folder.is_dir():
        return
    try:
        folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if os.name == "posix":
            # mkdir's mode is filtered by the umask; the intent is exactly 0700.
            os.chmod(folder, PRIVATE_DIR_MODE)
    except OSError as exc:
        raise folder_error(folder, exc) from None


def folder_error(folder: Path, exc: OSError) -> StoreError:
    import errno

    if exc.errno == errno.ENOSPC:
        return DiskFullError(
            f"Cannot create {folder}: the disk is full. Free some space and try again; "
            "nothing was saved."
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseReadOnlyError(
            f"Cannot create {folder}: the location is read-only or not yours "
            f"({exc.strerror}). Choose another folder with --data-dir or fix its permissions."
        )
    return StoreError(f"Cannot create {folder}: {exc.strerror or exc}.")


def resolve_paths(data_dir: Path | str | None = None, *, create: bool = True) -> AppPaths:
    """The folders to use: ``data_dir``, else ``$SKINS_CONSOLE_DATA_DIR``, else per-OS."""
    chosen = data_dir if data_dir not in (None, "") else os.environ.get(DATA_DIR_ENV) or None
    if chosen is not None:
        root = Path(chosen).expanduser().resolve()
        paths = AppPaths(
            data_dir=root,
            config_dir=root / "config",
            cache_dir=root / "cache",
            log_dir=root / "logs",
            portable=True,
        )
    else:
        dirs = PlatformDirs(APP_NAME, APP_AUTHOR)
        paths = AppPaths(
            data_dir=Path(dirs.user_data_dir),
            config_dir=Path(dirs.user_config_dir),
            cache_dir=Path(dirs.user_cache_dir),
            log_dir=Path(dirs.user_log_dir),
        )
    return paths.ensure() if create else paths

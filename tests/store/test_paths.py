import os
import stat

import pytest

from skins_console.core.errors import DatabaseReadOnlyError
from skins_console.store.paths import resolve_paths
from tests.store.readonly import read_only


def test_env_data_dir_holds_everything(_isolated_data_dir):
    paths = resolve_paths()
    root = _isolated_data_dir.resolve()
    assert paths.portable
    for folder in (
        paths.data_dir,
        paths.config_dir,
        paths.cache_dir,
        paths.log_dir,
        paths.backups_dir,
        paths.thumbnails_dir,
    ):
        assert folder.is_dir()
        assert folder == root or root in folder.parents
    assert paths.database == root / "skins-console.sqlite3"
    assert paths.settings_file.parent == paths.config_dir
    assert root in paths.log_file.parents and root in paths.lock_file.parents


def test_explicit_dir_wins_over_env(tmp_path):
    explicit = tmp_path / "portable"
    paths = resolve_paths(explicit)
    assert paths.data_dir == explicit.resolve()
    assert paths.database.parent == explicit.resolve()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_created_folders_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        paths = resolve_paths(tmp_path / "fresh")
    finally:
        os.umask(old)
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_platform_dirs_without_override(monkeypatch, tmp_path):
    monkeypatch.delenv("SKINS_CONSOLE_DATA_DIR", raising=False)
    paths = resolve_paths(create=False)
    assert not paths.portable
    assert "skins-console" in str(paths.data_dir)
    assert "skins-console" in str(paths.config_dir)


def test_unwritable_location_gives_clear_error(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    with read_only(parent), pytest.raises(DatabaseReadOnlyError, match="read-only or not yours"):
        resolve_paths(parent / "data")

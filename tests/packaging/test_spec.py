"""The PyInstaller spec's decisions, checked without running PyInstaller (too slow for unit
tests; `packaging/build-linux.sh` does the real build and runs the frozen selftest)."""

from __future__ import annotations

import plistlib
import subprocess

import pytest

import skins_console
from tests.packaging.helpers import ROOT

SPEC = ROOT / "packaging" / "skins-console.spec"


@pytest.fixture(scope="module")
def spec_config():
    """Everything the spec computes before it hands over to ``Analysis``."""
    pytest.importorskip("PyInstaller", reason="the `packaging` extra is not installed")
    source = SPEC.read_text(encoding="utf-8")
    prefix = source.split("\na = Analysis(", 1)[0]
    namespace = {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC)}
    exec(compile(prefix, str(SPEC), "exec"), namespace)
    return namespace


def test_version_comes_from_the_package(spec_config):
    assert spec_config["VERSION"] == skins_console.__version__
    assert len(spec_config["NUMERIC_VERSION"]) == 4


def test_unused_qt_modules_are_excluded(spec_config):
    excludes = set(spec_config["EXCLUDES"])
    for module in (
        "QtWebEngineCore",
        "QtWebEngineWidgets",
        "QtQml",
        "QtQuick",
        "Qt3DCore",
        "QtMultimedia",
        "QtPdf",
    ):
        assert f"PySide6.{module}" in excludes
    for module in ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtSvg", "QtCharts"):
        assert f"PySide6.{module}" not in excludes
    assert "keyrings" in excludes  # the plaintext backend must never ship


def test_every_qt_module_the_sources_import_is_kept(spec_config):
    imported = spec_config["qt_modules_imported_by_sources"]()
    assert "QtWidgets" in imported  # the scan itself works
    excluded = {name.removeprefix("PySide6.") for name in spec_config["EXCLUDES"]}
    assert not imported & excluded


def test_keyring_backends_certifi_and_resources_are_collected(spec_config):
    hidden = spec_config["hiddenimports"]
    for backend in ("Windows", "macOS", "SecretService"):
        assert f"keyring.backends.{backend}" in hidden
    assert "aiohttp.web" in hidden  # the webhook listener's server, imported lazily
    destinations = {
        (src.replace("\\", "/").rsplit("/", 1)[-1], dest) for src, dest in spec_config["datas"]
    }
    assert ("cacert.pem", "certifi") in destinations
    assert any(
        name.startswith("keyring-") and name.endswith(".dist-info") for name, _ in destinations
    )
    icons = {name for name, dest in destinations if dest == "skins_console/resources"}
    assert {f"app-icon-{n}.png" for n in (16, 32, 256, 512)} <= icons
    assert ("metadata.json", "resources") in destinations


def test_entitlements_are_the_two_pyinstaller_needs():
    with (ROOT / "packaging" / "macos" / "entitlements.plist").open("rb") as fh:
        entitlements = plistlib.load(fh)
    assert entitlements == {
        "com.apple.security.cs.allow-unsigned-executable-memory": True,
        "com.apple.security.cs.disable-library-validation": True,
    }


def test_inno_setup_script_takes_its_identity_from_the_build():
    iss = (ROOT / "packaging" / "windows" / "skins-console.iss").read_text(encoding="utf-8")
    assert "installer-metadata.iss" in iss
    for directive in (
        "AppId={#AppId}",
        "AppVersion={#AppVersion}",
        "PrivilegesRequired=lowest",
        "UninstallDisplayIcon=",
        "{autoprograms}",
    ):
        assert directive in iss, directive


@pytest.mark.parametrize("script", ["packaging/build-linux.sh", "packaging/macos/build-dmg.sh"])
def test_shell_scripts_parse(script):
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True)

"""Layers import downward only, and only ui/ may import Qt."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skins_console"
ORDER = ["core", "api", "sandbox", "store", "services", "cli", "ui"]
ALLOWED = {
    "core": {"core"},
    "api": {"core", "api"},
    # The sandbox stands in for the providers: it must not borrow the client's judgement
    # (see test_sandbox_imports_only_stdlib_and_itself).
    "sandbox": {"sandbox"},
    "store": {"core", "store"},
    "services": {"core", "api", "store", "services", "sandbox"},
    "cli": set(ORDER) - {"ui"},
    "selftest": set(ORDER) | {"selftest"},
    "ui": set(ORDER),
}
QT = ("PySide6", "qasync", "shiboken6")


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, ("." * node.level) + node.module


FILES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layering(path):
    layer = _layer(path)
    for node, name in _imports(path):
        top = name.split(".")[0]
        if top in QT:
            # Lazy imports of the GUI from the CLI entry points are allowed; module-level
            # Qt imports outside ui/ are not.
            assert layer in ("ui", "selftest"), f"{path.name}:{node.lineno} imports {name}"
        if name.startswith("skins_console."):
            target = name.split(".")[1]
            target = target if target in ALLOWED else None
            if target is None or layer not in ALLOWED:
                continue
            lazy = node.col_offset > 0  # inside a function: deliberate late binding
            if lazy and layer in ("cli", "selftest"):
                continue
            assert target in ALLOWED[layer], f"{path.name}:{node.lineno}: {layer} imports {name}"


#: third-party or client modules the sandbox may import, each with the reason (none today:
#: it speaks HTTP with the standard library and carries its own copy of every rule)
SANDBOX_ALLOWED: dict[str, str] = {}
SANDBOX_FILES = sorted((PACKAGE / "sandbox").rglob("*.py"))


@pytest.mark.parametrize("path", SANDBOX_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_sandbox_imports_only_stdlib_and_itself(path):
    """No circular testing: a rule shared by client and sandbox would pass every test even
    when it is wrong, so the sandbox imports nothing of the client (nor any third party)."""
    for node, name in _imports(path):
        if name.startswith("."):
            continue  # relative: inside the sandbox package
        top = name.split(".")[0]
        if name == "skins_console.sandbox" or name.startswith("skins_console.sandbox."):
            continue
        if top == "__future__" or top in sys.stdlib_module_names:
            continue
        assert name in SANDBOX_ALLOWED, f"{path.name}:{node.lineno}: the sandbox imports {name}"

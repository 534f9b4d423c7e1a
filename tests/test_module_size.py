"""No module in skins_console/ is over 600 lines (issue #14): a longer one is split into
parts with names of their own rather than grown."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "skins_console"
MAX_LINES = 600


def _oversized(root: Path) -> list[tuple[str, int]]:
    """Each ``.py`` file under ``root`` longer than ``MAX_LINES``, with its line count."""
    counts = (
        (path.relative_to(root).as_posix(), len(path.read_text(encoding="utf-8").splitlines()))
        for path in sorted(root.rglob("*.py"))
    )
    return [(name, lines) for name, lines in counts if lines > MAX_LINES]


def test_no_module_is_over_the_limit():
    too_long = _oversized(PACKAGE)
    listed = ", ".join(f"skins_console/{name} ({lines})" for name, lines in too_long)
    assert not too_long, f"over {MAX_LINES} lines: {listed}"


def test_the_check_names_a_long_file_and_its_count(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    (tmp_path / "at_limit.py").write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x\n" * (MAX_LINES * 2), encoding="utf-8")
    assert _oversized(tmp_path) == [("sub/long.py", MAX_LINES + 1)]

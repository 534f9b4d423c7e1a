"""The shipped deployment examples (compose.yaml, the systemd unit) run commands and hold a
team profile list this version actually accepts, and give ``serve`` its stop grace."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from skins_console.cli.commands.serve import serve_worker
from skins_console.cli.parser import build_parser
from skins_console.services.worker import STOP_GRACE_SECONDS
from skins_console.store.team_profiles import TeamRegistry

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
UNIT = ROOT / "docs" / "deploy" / "skins-console-serve.service"


def _defaults(text: str) -> str:
    """Compose's ``${VAR:-default}`` with the defaults (no environment)."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def _block(text: str, header: str) -> list[str]:
    """The indented lines under ``header`` (one level deeper than it)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == header)
    indent = len(lines[start]) - len(lines[start].lstrip())
    block = []
    for line in lines[start + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    return block


def test_the_compose_worker_runs_serve_on_the_profile_its_list_names(tmp_path):
    text = _defaults(COMPOSE.read_text(encoding="utf-8"))
    command = [
        line.strip()[2:].strip().strip('"') for line in _block(text, "command:") if line.strip()
    ]
    args = build_parser().parse_args(command)
    assert args.handler is serve_worker
    assert (args.webhooks_host, args.webhooks_port) == ("0.0.0.0", 8765)

    content = "\n".join(line.strip() for line in _block(text, "content: |"))
    registry = TeamRegistry(tmp_path / "team_profiles.json")
    registry.path.write_text(content, encoding="utf-8")
    team = registry.get(args.profile)
    assert team is not None and team.url.host == "db" and team.operator == "worker"
    assert "password" not in team.database

    grace = re.search(r"stop_grace_period:\s*(\d+)s", text)
    assert grace is not None and int(grace.group(1)) > STOP_GRACE_SECONDS


def test_the_systemd_unit_runs_serve_and_waits_for_its_grace():
    text = UNIT.read_text(encoding="utf-8")
    fields = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[:1].isalpha()
    )
    binary, *command = shlex.split(fields["ExecStart"])
    assert binary.endswith("/skins-console")
    args = build_parser().parse_args(command)
    assert args.handler is serve_worker and args.profile
    assert fields["KillSignal"] == "SIGTERM"
    assert int(fields["TimeoutStopSec"]) > STOP_GRACE_SECONDS
    assert "SKINS_CONSOLE_DATA_DIR=" in fields["Environment"]

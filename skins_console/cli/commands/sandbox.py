"""``sandbox serve``: the local sandbox of both providers, in the foreground."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from skins_console.cli.parser import Commands, add_actions, add_command


class _ServeParser(argparse.ArgumentParser):
    """Adds the sandbox's own options when ``sandbox serve`` is actually parsed (or its
    help shown): importing the sandbox costs a third of the start-up time, which no other
    command should pay."""

    _serve_options_added = False

    def _add_serve_options(self) -> None:
        if not self._serve_options_added:
            from skins_console.sandbox.cli import add_serve_arguments

            add_serve_arguments(self)
            self._serve_options_added = True

    # typeshed overloads this by namespace type; argparse calls it as (args, None).
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._add_serve_options()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._add_serve_options()
        return super().format_help()


def register(commands: Commands) -> None:
    sandbox = add_command(commands, "sandbox", help="the local sandbox of both providers")
    actions = add_actions(sandbox, "sandbox_command", parser_class=_ServeParser)
    serve = add_command(actions, "serve", help="run the sandbox in the foreground")
    serve.set_defaults(sync_handler=serve_sandbox)


def serve_sandbox(args: argparse.Namespace) -> int:
    from skins_console.sandbox.cli import serve

    return serve(args)

"""``main``: parse, then start the desktop app, the self-test or one command.

A command runs on a plain asyncio loop and never imports Qt. Its handler returns a
:class:`~skins_console.cli.output.Report` that the renderer prints; a failure becomes one
``error:`` line on stderr (and a JSON error document under ``--json``) with the exit code
``exit_codes.exit_code_for`` gives it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from skins_console import __version__
from skins_console.cli.exit_codes import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CliUsageError,
    exit_code_for,
)
from skins_console.cli.parser import build_parser, parse_window_args

if TYPE_CHECKING:
    from skins_console.cli.output import Renderer

log = logging.getLogger("skins_console.cli")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The desktop app's path reads only the top-level options (see parse_window_args).
    args = parse_window_args(argv) or build_parser().parse_args(argv)
    if args.selftest:
        from skins_console.selftest import run_selftest

        return run_selftest(args)
    if args.command is None:
        # Imported here: every headless command must work without Qt installed or loaded.
        from skins_console.ui.launch import run_gui

        return run_gui(args)
    if getattr(args, "sync_handler", None) is not None:
        return int(args.sync_handler(args))
    # asyncio here, not at the top: the desktop app's first paint comes before it.
    import asyncio

    from skins_console.cli.output import Renderer

    out = Renderer(args.json)
    try:
        _configure_logging(args)
        return asyncio.run(_run(args, out))
    except KeyboardInterrupt:
        out.note("interrupted")
        return EXIT_INTERRUPTED


def _configure_logging(args: argparse.Namespace) -> None:
    from skins_console.services.logs import configure_file_logging
    from skins_console.store.paths import resolve_paths

    try:
        paths = resolve_paths(args.data_dir)
    except Exception:
        return
    configure_file_logging(paths.log_file, verbose=args.verbose)
    log.debug("skins-console %s: %s", __version__, args.command)


def _stop_on_sigterm() -> None:
    """SIGTERM ends a command like Ctrl-C: the running task is cancelled, so a send in
    progress stays "sending" (recovery finishes it) and the store is closed cleanly."""
    import asyncio
    import signal

    task = asyncio.current_task()
    if task is None:
        return
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError, AttributeError):  # Windows: not supported
        pass


async def _run(args: argparse.Namespace, out: Renderer) -> int:
    import asyncio

    from skins_console.cli.phrasing import phrase
    from skins_console.cli.session import Session
    from skins_console.core.errors import UserFacingError
    from skins_console.core.money import MoneyError

    session = Session(args, out)
    _stop_on_sigterm()
    try:
        return out.render(await args.handler(session))
    except CliUsageError as exc:
        return out.fail(EXIT_INPUT, "invalid_input", str(exc))
    except MoneyError as exc:
        return out.fail(EXIT_INPUT, "invalid_amount", str(exc))
    except UserFacingError as exc:
        undone = getattr(args, "database_away", None)
        return out.fail(exit_code_for(exc), exc.code, phrase(exc, undone=undone))
    except asyncio.CancelledError:
        out.note("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        log.exception("internal error in %s", args.command)
        return out.fail(
            EXIT_INTERNAL,
            "internal_error",
            f"internal error ({type(exc).__name__}); details are in the log file.",
        )
    finally:
        await session.close()

"""One command's run: its arguments, the renderer, and the services it opens."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skins_console.cli.exit_codes import CliUsageError
from skins_console.cli.output import Renderer

if TYPE_CHECKING:
    from skins_console.services.context import AppContext
    from skins_console.store.paths import AppPaths

TIME_SCALE_ENV = "SKINS_CONSOLE_TIME_SCALE"


@dataclass
class Session:
    args: argparse.Namespace
    out: Renderer
    ctx: AppContext | None = None

    async def open(
        self,
        *,
        need_profile: bool = True,
        recover: bool = False,
        profile: str | None = None,
        local_book: bool = False,
    ) -> AppContext:
        """The services on the chosen data folder and profile (``profile``, else
        ``--profile``, else the active one; its book: the team database of a team profile,
        else the local file, or always the local file with ``local_book``); with
        ``recover`` sends a crash or kill interrupted are finished first."""
        from skins_console.services.context import AppContext

        paths = self.paths()
        scale = self.args.time_scale
        if scale is None:
            env = os.environ.get(TIME_SCALE_ENV)
            # None: learnt from the profile's sandbox (real providers run at real time).
            scale = float(env) if env else None
        if scale is not None and not scale > 0:
            raise CliUsageError("--time-scale must be greater than zero")
        self.ctx = await AppContext.open(
            paths,
            profile=profile or self.args.profile,
            time_scale=scale,
            local_book=local_book,
        )
        if need_profile:
            self.ctx.require_profile()
        if recover:
            await self._recover(self.ctx)
        return self.ctx

    def paths(self) -> AppPaths:
        """The data folder's paths (``--data-dir``, else the environment, else per-OS)."""
        from skins_console.store.paths import resolve_paths

        return resolve_paths(self.args.data_dir)

    async def _recover(self, ctx: AppContext) -> None:
        """Finish sends a crash or kill interrupted, before doing anything new."""
        from skins_console.cli.phrasing import phrase
        from skins_console.core.errors import AuthError, ForbiddenError, UserFacingError
        from skins_console.services.recovery_service import RecoveryService

        try:
            result = await RecoveryService(ctx).recover()
        except (AuthError, ForbiddenError):
            raise
        except UserFacingError as exc:
            self.out.note(f"warning: could not finish interrupted sends yet: {phrase(exc)}")
            return
        if result.total:
            parts = []
            for label, keys in (
                ("adopted", result.adopted),
                ("sent again", result.resent),
                ("still unconfirmed", result.still_unknown),
                ("refused", result.rejected),
            ):
                if keys:
                    parts.append(f"{len(keys)} {label} ({', '.join(keys)})")
            self.out.note("Recovered interrupted sends: " + "; ".join(parts))

    async def close(self) -> None:
        if self.ctx is not None:
            await self.ctx.close()

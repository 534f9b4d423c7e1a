"""Team fixtures: several complete consoles (service stacks) on one PostgreSQL book.

``team`` gives ``await team.console("alice")``: an ``AppContext`` of its own (data folder,
settings, database connection, change bus, in-flight set) whose book is the test's fresh
PostgreSQL database (``pg_url``), on the shared fast sandbox, working as operator "alice"
on profile "shop" (the first console adds the profile; the others select it, as a
colleague's console does). ``team.live(ctx)`` also listens to the change feed. Closed at
teardown.
"""

from __future__ import annotations

import pytest_asyncio

from skins_console.services.clock import Cadence
from skins_console.services.context import AppContext
from skins_console.services.live_changes import LiveChanges
from skins_console.services.profile_service import ProfileService
from skins_console.store.database import Database
from skins_console.store.paths import resolve_paths
from skins_console.store.secrets import SecretStore
from skins_console.store.settings import Settings
from tests.fixtures.services import sandbox_profile, sandbox_secrets

PROFILE = "shop"
CLIENT_OPTIONS = {"timeout": 5.0, "backoff_base": 0.01, "backoff_cap": 0.05}


class Team:
    def __init__(self, url: str, password: str | None, sandbox, root) -> None:
        self.url = url
        self.password = password
        self.sandbox = sandbox
        self.root = root
        self.consoles: list[AppContext] = []
        self.feeds: list[LiveChanges] = []

    async def console(self, operator: str, *, sandbox=None, **settings) -> AppContext:
        sandbox = sandbox or self.sandbox
        paths = resolve_paths(self.root / operator)
        chosen = Settings(path=None)
        for key, value in settings.items():
            chosen.set(key, value)
        db = await Database.open(self.url, password=self.password, operator=operator)
        ctx = AppContext(
            paths=paths,
            settings=chosen,
            db=db,
            secrets=SecretStore(),
            cadence=Cadence(time_scale=1 / sandbox.config.speed),
            client_options=CLIENT_OPTIONS,
        )
        self.consoles.append(ctx)
        if await ctx.profiles.get(PROFILE) is None:
            await ProfileService(ctx).add(
                sandbox_profile(sandbox, PROFILE), sandbox_secrets(sandbox), activate=True
            )
        await ctx.select_profile(PROFILE)
        return ctx

    async def live(self, ctx: AppContext) -> LiveChanges:
        feed = LiveChanges(ctx)
        await feed.start()
        self.feeds.append(feed)
        return feed

    async def close(self) -> None:
        for feed in self.feeds:
            await feed.stop()
        for ctx in self.consoles:
            await ctx.close()


@pytest_asyncio.fixture
async def team(pg_url, pg_password, sandbox, test_keyring, tmp_path):
    crew = Team(pg_url, pg_password, sandbox, tmp_path / "consoles")
    yield crew
    await crew.close()

"""Demo mode's parts: the in-process sandbox, the demo's own book and its profile.

``skins-console --sandbox`` (and the Demo menu's new runs, ``ui/app.py``'s
``GuiSession.restart_demo``) runs the console against the sandbox started here, on a book
of its own under the data folder (cleared each run: the sandbox's world is new each run),
with the sandbox profile pointed at this run's port and its demo credentials in the OS
keyring, or in memory where there is none. The services and the sandbox are imported only
when called: this module loads with ``ui/app.py``, before they are.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from skins_console.core.errors import SecretStoreError, StoreError

if TYPE_CHECKING:
    from skins_console.core.records import ProfileRecord
    from skins_console.services.context import AppContext
    from skins_console.store.paths import AppPaths
    from skins_console.store.secrets import SecretStore

log = logging.getLogger(__name__)

SANDBOX_PROFILE = "sandbox"
#: demo mode runs at real time: the quote's 5-minute lock lasts five minutes
DEMO_SPEED = 1.0
#: the demo's book, under the data folder
DEMO_FOLDER = "demo"


def start_sandbox(speed: float) -> Any:
    """A started in-process sandbox whose clock runs ``speed`` times real time."""
    from skins_console.sandbox import Sandbox, SandboxConfig

    return Sandbox(SandboxConfig(speed=speed)).start()


async def demo_secret_store() -> SecretStore:
    """The OS keyring when it is usable; else the sandbox's demo credentials in memory."""
    from skins_console.store.secrets import SecretStore, SessionKeyring

    secrets = SecretStore()
    try:
        await asyncio.to_thread(secrets.check)
    except SecretStoreError:
        log.info("no usable OS keyring; keeping the sandbox's demo credentials in memory")
        return SecretStore(backend=SessionKeyring(frozenset({SANDBOX_PROFILE})))
    return secrets


def demo_run_paths(paths: AppPaths) -> AppPaths:
    """The demo's own folder under the data folder, its records cleared for a new run
    (its settings, such as the theme and window geometry, are kept)."""
    from skins_console.store.paths import DATABASE_NAME, resolve_paths

    demo = resolve_paths(paths.data_dir / DEMO_FOLDER)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = demo.data_dir / (DATABASE_NAME + suffix)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot clear the previous demo records ({path}: {exc.strerror or exc})."
            ) from None
    return demo


async def ensure_sandbox_profile(ctx: AppContext, sandbox: Any) -> ProfileRecord:
    """Create (or point at this run's port) the sandbox profile with its demo credentials."""
    from skins_console.core.records import ProfileRecord
    from skins_console.services.profile_service import ProfileSecrets, ProfileService

    cfg = sandbox.config
    secrets = ProfileSecrets(
        cfg.skinsnode_client_secret, cfg.skinslink_api_key, cfg.skinslink_webhook_secret
    )
    service = ProfileService(ctx)
    existing = await ctx.profiles.get(SANDBOX_PROFILE)
    endpoints = dict(
        skinsnode_base_url=sandbox.skinsnode_base_url,
        skinslink_base_url=sandbox.skinslink_base_url,
        skinsnode_client_id=cfg.skinsnode_client_id,
        # The sandbox delivers webhooks here; the console polls, so nothing must listen.
        webhook_url=f"{sandbox.base_url}/_sandbox/discard",
    )
    # Demo mode selects the sandbox profile for this run only: the stored active profile
    # (the merchant's real one) stays what the next normal start opens.
    if existing is None:
        record = ProfileRecord(
            name=SANDBOX_PROFILE,
            is_sandbox=True,
            min_price_tolerance_pct=Decimal("2"),
            low_balance_threshold_cents=50_000,
            **endpoints,
        )
        await service.add(record, secrets, activate=False)
    else:
        await ctx.profiles.update(SANDBOX_PROFILE, **endpoints)
        await ctx.secrets.acheck()
        for kind, value in secrets.items():
            await ctx.secrets.aset(SANDBOX_PROFILE, kind, value)
    profile = await ctx.select_profile(SANDBOX_PROFILE)
    assert profile is not None  # selected by name: a missing one raises instead
    return profile

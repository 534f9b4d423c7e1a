"""The console learns a sandbox's clock rate instead of assuming real time."""

from __future__ import annotations

from skins_console.services.context import AppContext
from skins_console.services.deposit_service import DepositService
from skins_console.services.profile_service import ProfileService
from skins_console.services.provider_clock import learn_time_scale, may_ask_for_clock
from skins_console.store.paths import resolve_paths
from tests.fixtures.services import sandbox_profile, sandbox_secrets


async def test_a_fast_sandbox_is_learnt_and_its_quote_lock_is_true(
    sandbox_factory, _isolated_data_dir, test_keyring
):
    fast = sandbox_factory(speed=10.0)
    ctx = await AppContext.open(resolve_paths())  # time_scale not given: learn it
    try:
        await ProfileService(ctx).add(
            sandbox_profile(fast, "fast"), sandbox_secrets(fast), activate=True
        )
        await ctx.select_profile("fast")
        assert ctx.cadence.time_scale == 0.1
        quote = await DepositService(ctx).quote(["AK-47 | Redline (Field-Tested)"])
        # Skinslink locks for 5 sandbox minutes: 30 s of wall time on a ×10 clock.
        assert quote.lock_expires_at is not None
        assert (quote.lock_expires_at - quote.fetched_at).total_seconds() == 30
    finally:
        await ctx.close()


async def test_a_real_time_sandbox_and_a_remote_provider_stay_at_real_time(sandbox_factory):
    real_time = sandbox_factory(speed=1.0)
    assert await learn_time_scale(sandbox_profile(real_time)) == 1.0
    remote = sandbox_profile(
        real_time,
        is_sandbox=False,
        skinsnode_base_url="https://api.skinsnode.example",
    )
    assert not may_ask_for_clock(remote)
    # Any loopback address is this machine (the one loopback rule, core.chat_targets).
    for local in ("http://127.0.0.2:8750", "http://[::1]:8750", "http://localhost:8750"):
        assert may_ask_for_clock(
            sandbox_profile(real_time, is_sandbox=False, skinsnode_base_url=local)
        )
    assert not may_ask_for_clock(
        sandbox_profile(real_time, is_sandbox=False, skinsnode_base_url="http://127.example:1")
    )
    assert await learn_time_scale(remote) is None
    # A sandbox that is not running: real time is assumed, nothing raises.
    stopped = sandbox_factory(speed=60.0)
    profile = sandbox_profile(stopped)
    stopped.stop()
    assert await learn_time_scale(profile) is None

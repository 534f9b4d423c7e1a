"""Sandbox settings. Credentials default to well-known demo values (this is a local demo
server; its own demo credentials are printed at start-up on purpose)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skins_console.sandbox.facts import (
    HOLD_SECONDS,
    QUOTE_LOCK_SECONDS,
    READ_CACHE_SECONDS,
    TRADE_WINDOW_SECONDS,
)

DEMO_CLIENT_ID = "sandbox-client"
DEMO_CLIENT_SECRET = "sandbox-secret-0123456789abcdef"
DEMO_API_KEY = "sandbox-api-key-0123456789abcdef"
DEMO_WEBHOOK_SECRET = "sandbox-webhook-secret-0123456789"
MAX_CATALOG = 100_000


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 0
    speed: float = 1.0
    seed: int = 20260425
    catalog_size: int = 600
    skinsnode_client_id: str = DEMO_CLIENT_ID
    skinsnode_client_secret: str = DEMO_CLIENT_SECRET
    skinslink_api_key: str = DEMO_API_KEY
    skinslink_webhook_secret: str = DEMO_WEBHOOK_SECRET
    initial_balance_cents: int = 500_000
    #: fault rules as dicts (see faults.parse_rule), active from start-up
    faults: list[dict[str, Any]] = field(default_factory=list)
    #: SkinsNode wallet and order reads are cached this many sandbox seconds (0: off)
    cache_seconds: float = float(READ_CACHE_SECONDS)
    #: the SkinsNode trade acceptance window, sandbox seconds
    trade_window_seconds: float = float(TRADE_WINDOW_SECONDS)
    #: Skinslink: quote lock, trade offer lifetime and Steam hold, sandbox seconds
    quote_lock_seconds: float = float(QUOTE_LOCK_SECONDS)
    offer_window_seconds: float = 600.0
    hold_seconds: float = float(HOLD_SECONDS)
    #: share of Skinslink quotes whose price drops 1–5% if committed a minute or more
    #: after quoting (what min_price guards against); 0 keeps commits at the quoted price
    quote_drift_rate: float = 0.0
    #: share of Skinslink deposits whose ``active`` update is missed: create answers
    #: ``pending`` and the next status is ``hold`` (contract Corrections 7); scripts can ask
    #: for it per deposit with ``+no_active``
    deposit_skip_active_rate: float = 0.0
    #: Skinslink merchant-level webhook URL, used when a deposit has no result_url
    skinslink_result_url: str | None = None
    #: share of natural (unscripted) outcomes; the rest complete
    order_failure_rates: dict[str, float] = field(
        default_factory=lambda: {
            "expired": 0.08,
            "cancelled": 0.04,
            "failed": 0.04,
            "reversed": 0.03,
        }
    )
    deposit_failure_rates: dict[str, float] = field(
        default_factory=lambda: {
            "provider_failed": 0.05,
            "failed": 0.08,
            "canceled": 0.10,
            "reverted": 0.04,
        }
    )

    def validate(self) -> None:
        if not self.speed > 0:
            raise ValueError("speed must be positive")
        if not 0 <= self.catalog_size <= MAX_CATALOG:
            raise ValueError(f"catalog_size must be between 0 and {MAX_CATALOG}")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if not 0 <= self.quote_drift_rate <= 1:
            raise ValueError("quote_drift_rate must be between 0 and 1")
        if not 0 <= self.deposit_skip_active_rate <= 1:
            raise ValueError("deposit_skip_active_rate must be between 0 and 1")
        if self.initial_balance_cents < 0:
            raise ValueError("initial_balance_cents cannot be negative")
        for name in (
            "skinsnode_client_id",
            "skinsnode_client_secret",
            "skinslink_api_key",
            "skinslink_webhook_secret",
        ):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")

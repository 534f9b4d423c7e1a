"""``skins-console sandbox serve``: run the sandbox in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from skins_console.sandbox.config import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_WEBHOOK_SECRET,
    MAX_CATALOG,
    SandboxConfig,
)
from skins_console.sandbox.server import Sandbox

#: (fault rule kind, option, what it does) for the faults injected at a rate
_FAULT_RATES = (
    ("error", "--fault-error-rate", "share of matching requests answered 503"),
    (
        "drop",
        "--fault-drop-rate",
        "share of matching requests whose connection is closed unanswered",
    ),
    (
        "malformed",
        "--fault-malformed-rate",
        "share of matching requests answered with truncated JSON",
    ),
    ("rate_limit", "--fault-429-rate", "share of matching requests answered 429 with Retry-After"),
)
#: the options whose value is the SandboxConfig field of the same name
_SAME_NAMED = (
    "host",
    "port",
    "speed",
    "seed",
    "catalog_size",
    "skinsnode_client_id",
    "skinsnode_client_secret",
    "skinslink_api_key",
    "skinslink_webhook_secret",
    "skinslink_result_url",
    "quote_drift_rate",
    "deposit_skip_active_rate",
)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="sandbox time runs this many times faster than real time",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=SandboxConfig.seed,
        help="seed of the catalog and of order/deposit fates",
    )
    parser.add_argument(
        "--catalog-size",
        type=int,
        default=600,
        help=f"number of catalog items (up to {MAX_CATALOG:,})",
    )
    parser.add_argument(
        "--balance-cents",
        type=int,
        default=500_000,
        help="initial SkinsNode wallet balance in cents",
    )
    parser.add_argument("--skinsnode-client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--skinsnode-client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument("--skinslink-api-key", default=DEMO_API_KEY)
    parser.add_argument("--skinslink-webhook-secret", default=DEMO_WEBHOOK_SECRET)
    parser.add_argument(
        "--quote-drift-rate",
        type=float,
        default=0.0,
        help="share of Skinslink quotes whose price drops 1–5%% when "
        "committed a minute or more after quoting",
    )
    parser.add_argument(
        "--deposit-skip-active-rate",
        type=float,
        default=0.0,
        help="share of Skinslink deposits that never show 'active' (create answers "
        "'pending', the next status is 'hold')",
    )
    parser.add_argument(
        "--skinslink-result-url",
        default=None,
        help="merchant-level Skinslink webhook URL (loopback only)",
    )
    faults = parser.add_argument_group("fault injection (off by default)")
    faults.add_argument(
        "--fault-latency-ms",
        type=int,
        default=0,
        help="add this much latency to every matching request",
    )
    for _kind, option, text in _FAULT_RATES:
        faults.add_argument(option, type=float, default=0.0, help=text)
    faults.add_argument(
        "--fault-route",
        default="",
        help="limit faults to paths starting with this prefix, e.g. /v1/orders",
    )
    faults.add_argument("--fault-method", default="", help="limit faults to this HTTP method")


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    scope = {"route": args.fault_route, "method": args.fault_method}
    rules = []
    if args.fault_latency_ms:
        rules.append({"kind": "latency", "latency_ms": args.fault_latency_ms, **scope})
    for kind, option, _text in _FAULT_RATES:
        rate = getattr(args, option.removeprefix("--").replace("-", "_"))
        if rate:
            rules.append({"kind": kind, "rate": rate, **scope})
    return SandboxConfig(
        initial_balance_cents=args.balance_cents,
        faults=rules,
        **{name: getattr(args, name) for name in _SAME_NAMED},
    )


def _shown(value: str, demo: str) -> str:
    # The demo values are public; anything passed on the command line is the user's own.
    return value if value == demo else "(as given; not shown)"


def serve(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
        sandbox = Sandbox(config)
        sandbox.start()
    except (ValueError, OSError) as exc:
        print(f"sandbox: cannot start: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"Skins Console sandbox listening on {sandbox.base_url}", flush=True)
    print(f"  SkinsNode base URL : {sandbox.skinsnode_base_url}")
    print(f"    client id        : {config.skinsnode_client_id}")
    print(f"    client secret    : {_shown(config.skinsnode_client_secret, DEMO_CLIENT_SECRET)}")
    print(f"  Skinslink base URL : {sandbox.skinslink_base_url}")
    print(f"    API key          : {_shown(config.skinslink_api_key, DEMO_API_KEY)}")
    print(f"    webhook secret   : {_shown(config.skinslink_webhook_secret, DEMO_WEBHOOK_SECRET)}")
    print(
        f"  speed ×{config.speed:g}, seed {config.seed}, {len(sandbox.catalog):,} items, "
        f"wallet {config.initial_balance_cents} cents"
    )
    if config.faults:
        print(f"  faults: {config.faults}")
    print(f"  control routes: {sandbox.base_url}/_sandbox/truth …  (Ctrl+C stops)", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
        print("sandbox stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m skins_console.sandbox",
        description="Local sandbox of the SkinsNode and Skinslink APIs",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="run the sandbox until Ctrl+C"))
    args = parser.parse_args(argv)
    return serve(args)

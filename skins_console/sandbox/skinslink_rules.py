"""Skinslink's answers and checks, apart from its state: the envelope, validation in
go-validator style, outcome scripts and the webhook signature."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from skins_console.sandbox.facts import GAMES, MAX_ACCOUNT_ID, MAX_DEPOSIT_ITEMS, MAX_QUOTE_NAMES
from skins_console.sandbox.http_types import Response, json_response

THOUSANDTH = Decimal("0.001")
FIRST_TRADE_ID = 742
MAX_ITEMS = MAX_DEPOSIT_ITEMS
MIN_AMOUNT = Decimal(1)
#: sandbox seconds after a quote from which a drawn price drop applies
QUOTE_DRIFT_AFTER = 60.0
DEPOSIT_OUTCOMES = ("completed", "reverted", "failed", "canceled", "provider_failed")
FAIL_REASONS = {
    "failed": "user_declined",
    "canceled": "trade_offer_expired",
    "reverted": "user_reverted",
    "provider_failed": "provider_unavailable",
}
BOTS = tuple((f"Skinslink Bot #{n}", 76561199000000000 + n * 7919) for n in range(1, 9))


#: an outcome modifier: the deposit never shows ``active`` (create answers ``pending`` and
#: the next status is ``hold`` or the end): the missed update of Corrections 7
SKIP_ACTIVE = "no_active"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    reason: str
    skip_active: bool = False


def parse_outcome(text: str) -> Outcome:
    """``"reverted:user_reverted+no_active"`` → Outcome; raises ValueError."""
    head, plus, modifier = str(text).partition("+")
    status, _, reason = head.partition(":")
    if status not in DEPOSIT_OUTCOMES or (plus and modifier != SKIP_ACTIVE):
        raise ValueError(
            f"unknown Skinslink outcome {text!r}; use one of "
            f"{', '.join(DEPOSIT_OUTCOMES)}, optionally with :<fail_reason> "
            f"and +{SKIP_ACTIVE}"
        )
    return Outcome(status, reason or FAIL_REASONS.get(status, ""), bool(plus))


def skinslink_sign(trade_id: int, secret: str) -> str:
    """``base64(sha256(str(id) + secret))`` (contract §6; the id is trade_id or purchase_id).

    Computed here with hashlib directly, independently of ``api/webhook_signatures.py``."""
    return base64.b64encode(hashlib.sha256(f"{trade_id}{secret}".encode()).digest()).decode()


def envelope(status: int, message: str, data: Any = None, *, with_data: bool = True) -> Response:
    body: dict[str, Any] = {"success": 200 <= status < 300, "message": message}
    if with_data:
        body["data"] = data
    return json_response(status, body)


#: a request check's answer: (validation problems, whether every field had a decodable type)
Validated = tuple[list[dict[str, str]], bool]


def fail(status: int, message: str) -> Response:
    # Error envelopes omit "data" rather than sending null.
    return envelope(status, message, with_data=False)


def validation_error(problems: list[dict[str, str]]) -> Response:
    return envelope(400, "validation error", problems)


def hash_name(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def problem(field_name: str, code: str, message: str) -> dict[str, str]:
    return {"field": field_name, "code": code, "message": message}


def validate_deposit(body: dict[str, Any]) -> Validated:
    """(validation problems, whether every present field had a decodable JSON type)."""
    prefix = "CreateDepositByHashNameRequest"
    problems: list[dict[str, str]] = []
    trade_id = body.get("id")
    if trade_id is not None and (isinstance(trade_id, bool) or not isinstance(trade_id, int)):
        return problems, False
    if trade_id is None or trade_id == 0:
        problems.append(problem(f"{prefix}.id", "required", "id is a required field"))
    elif trade_id < 1:
        problems.append(problem(f"{prefix}.id", "min", "id must be 1 or greater"))
    tx = body.get("merchant_tx_id")
    if tx is not None and not isinstance(tx, str):
        return problems, False
    if not tx:
        problems.append(
            problem(f"{prefix}.merchant_tx_id", "required", "merchant_tx_id is a required field")
        )
    game = body.get("game")
    if game is not None and not isinstance(game, str):
        return problems, False
    if not game:
        problems.append(problem(f"{prefix}.game", "required", "game is a required field"))
    elif game not in GAMES:
        problems.append(
            problem(f"{prefix}.game", "oneof", f"game must be one of [{' '.join(GAMES)}]")
        )
    partner = body.get("partner")
    if partner is not None and (isinstance(partner, bool) or not isinstance(partner, int)):
        return problems, False
    if not partner:
        problems.append(problem(f"{prefix}.partner", "required", "partner is a required field"))
    elif not 1 <= partner <= MAX_ACCOUNT_ID:
        problems.append(
            problem(
                f"{prefix}.partner",
                "max" if partner > 0 else "min",
                "partner must be a 32-bit Steam account id",
            )
        )
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        return problems, False
    if not token:
        problems.append(problem(f"{prefix}.token", "required", "token is a required field"))
    elif len(token) != 8:
        problems.append(problem(f"{prefix}.token", "len", "token must be 8 characters in length"))
    for key in ("result_url", "success_url", "fail_url"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return problems, False
        if value and not value.startswith(("http://", "https://")):
            problems.append(problem(f"{prefix}.{key}", "url", f"{key} must be a valid URL"))
    items = body.get("items")
    if items is not None and not isinstance(items, list):
        return problems, False
    if not items:
        problems.append(
            problem(
                f"{prefix}.items",
                "min" if items == [] else "required",
                "items must contain at least 1 item"
                if items == []
                else "items is a required field",
            )
        )
        return problems, True
    for index, item in enumerate(items):
        where = f"{prefix}.items[{index}]"
        if not isinstance(item, dict):
            return problems, False
        asset, name, floor = item.get("asset_id"), item.get("name"), item.get("min_price")
        if asset is not None and not isinstance(asset, str):
            return problems, False
        if name is not None and not isinstance(name, str):
            return problems, False
        if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, Decimal))):
            return problems, False
        if not asset:
            problems.append(
                problem(f"{where}.asset_id", "required", "asset_id is a required field")
            )
        elif not asset.isascii() or not asset.isdigit():
            problems.append(
                problem(f"{where}.asset_id", "numeric", "asset_id must be a valid numeric value")
            )
        if not name:
            problems.append(problem(f"{where}.name", "required", "name is a required field"))
    return problems, True


def validate_prices(body: dict[str, Any]) -> Validated:
    """get-prices checks: (validation problems, whether every field had a decodable type)."""
    problems = []
    game = body.get("game")
    names = body.get("marketHashNames")
    intent = body.get("no_deposit_intent", False)
    if game is None or game == "":
        problems.append(problem("GetPricesRequest.game", "required", "game is a required field"))
    elif not isinstance(game, str):
        return problems, False
    elif game not in GAMES:
        problems.append(
            problem("GetPricesRequest.game", "oneof", f"game must be one of [{' '.join(GAMES)}]")
        )
    if names is None:
        problems.append(
            problem(
                "GetPricesRequest.marketHashNames",
                "required",
                "marketHashNames is a required field",
            )
        )
    elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return problems, False
    elif len(names) < 1:
        problems.append(
            problem(
                "GetPricesRequest.marketHashNames",
                "min",
                "marketHashNames must contain at least 1 item",
            )
        )
    elif len(names) > MAX_QUOTE_NAMES:
        problems.append(
            problem(
                "GetPricesRequest.marketHashNames",
                "max",
                f"marketHashNames must contain at maximum {MAX_QUOTE_NAMES} items",
            )
        )
    if not isinstance(intent, bool):
        return problems, False
    return problems, True

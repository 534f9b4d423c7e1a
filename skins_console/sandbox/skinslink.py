"""Skinslink under ``/api/v1/merchant``: get-prices, create-deposit-by-hash-name, deposit
status, and webhooks signed ``base64(sha256(str(trade_id) + secret))``.

Prices come from the shared price book (every catalog-style name and the common ones),
drift slowly with sandbox time, and can be pinned per name through the control routes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from skins_console.core.market_names import GAMES, MAX_QUOTE_NAMES
from skins_console.core.statuses import DEPOSIT_TERMINAL
from skins_console.core.trade_url import MAX_ACCOUNT_ID, STEAMID64_BASE
from skins_console.sandbox import jsonutil
from skins_console.sandbox.catalog import reference_cents
from skins_console.sandbox.http_types import Request, Response, json_response
from skins_console.sandbox.world import World

THOUSANDTH = Decimal("0.001")
FIRST_TRADE_ID = 742
MAX_ITEMS = 50
MIN_AMOUNT = Decimal(1)
#: sandbox seconds after a quote from which a drawn price drop applies
QUOTE_DRIFT_AFTER = 60.0
DEPOSIT_OUTCOMES = ("completed", "reverted", "failed", "canceled", "provider_failed")
_FAIL_REASONS = {
    "failed": "user_declined",
    "canceled": "trade_offer_expired",
    "reverted": "user_reverted",
    "provider_failed": "provider_unavailable",
}
_BOTS = tuple((f"Skinslink Bot #{n}", 76561199000000000 + n * 7919) for n in range(1, 9))


def parse_outcome(text: str) -> tuple[str, str]:
    status, _, reason = str(text).partition(":")
    if status not in DEPOSIT_OUTCOMES:
        raise ValueError(
            f"unknown Skinslink outcome {text!r}; use one of "
            f"{', '.join(DEPOSIT_OUTCOMES)}, optionally with :<fail_reason>"
        )
    return status, reason or _FAIL_REASONS.get(status, "")


def skinslink_sign(trade_id: int, secret: str) -> str:
    return base64.b64encode(hashlib.sha256(f"{trade_id}{secret}".encode()).digest()).decode()


def envelope(status: int, message: str, data: Any = None, *, with_data: bool = True) -> Response:
    body: dict[str, Any] = {"success": 200 <= status < 300, "message": message}
    if with_data:
        body["data"] = data
    return json_response(status, body)


def fail(status: int, message: str) -> Response:
    # Error envelopes omit "data" rather than sending null.
    return envelope(status, message, with_data=False)


def validation_error(problems: list[dict[str, str]]) -> Response:
    return envelope(400, "validation error", problems)


@dataclass
class Trade:
    """A get-prices draft (status ``new``), later the committed deposit."""

    id: int
    game: str
    quoted: dict[str, Decimal]
    created_t: float
    expires_t: float
    merchant_tx_id: str
    trade_date: str
    status: str = "new"
    committed: bool = False
    partner: int | None = None
    token: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    amount: Decimal | None = None
    bot_name: str | None = None
    bot_steam_id: int | None = None
    trade_offer_id: str | None = None
    offer_expiry_t: float | None = None
    hold_end_t: float | None = None
    fail_reason: str | None = None
    result_url: str | None = None
    success_url: str | None = None
    fail_url: str | None = None
    outcome: str = "completed"
    outcome_reason: str = ""
    scripted: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)
    step_token: int = 0
    #: a price drop (basis points) this quote suffers if committed late; 0 for most
    drop_bp: int = 0


class Skinslink:
    def __init__(self, world: World) -> None:
        self.world = world
        self.trades: dict[int, Trade] = {}
        self.by_tx: dict[str, Trade] = {}
        self.posts: dict[str, int] = {}
        self.scripts: dict[str, str] = {}
        self.price_overrides: dict[str, Decimal | None] = {}
        self.quote_calls = 0
        self._next_id = FIRST_TRADE_ID

    @property
    def clock(self):
        return self.world.clock

    # --- auth and body -----------------------------------------------------------------

    def authorised(self, request: Request) -> Response | None:
        key = request.header("X-Api-Key")
        if not key:
            return fail(401, "missing authorization header")
        if not hmac.compare_digest(key.encode(), self.world.config.skinslink_api_key.encode()):
            return fail(401, "invalid API key")
        return None

    @staticmethod
    def _body(request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(request.body or b"", parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    # --- prices ------------------------------------------------------------------------

    def live_price(
        self, game: str, name: str, when: float | None = None
    ) -> tuple[Decimal, Decimal] | None:
        """(price, originalPrice) now; ``None`` when no provider prices the name."""
        if name in self.price_overrides:
            pinned = self.price_overrides[name]
            if pinned is None:
                return None
            return pinned, (pinned * 100 / 97).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
        cents = reference_cents(name, game)
        if cents is None:
            return None
        t = self.clock.now() if when is None else when
        # A triangle wave of ±3% over a sandbox day, phase-shifted per name: prices drift
        # slowly, in integer basis points, and never jump inside a 5-minute quote.
        day = 86400
        position = (int(t) + (hash_name(name) % day)) % day
        drift_bp = abs(position - day // 2) * 600 // (day // 2) - 300
        original = (Decimal(cents * 88 * (10000 + drift_bp)) / Decimal(10**8)).quantize(
            THOUSANDTH, rounding=ROUND_HALF_UP
        )
        price = (original * 97 / 100).quantize(THOUSANDTH, rounding=ROUND_DOWN)
        return price, original

    def commit_price(self, trade: Trade, name: str, now: float) -> Decimal | None:
        """The price paid when a quote is committed.

        The quote locks the winning provider, so its price holds, unless a test pinned a
        price for the name, or this quote drew a drop (``quote_drift_rate``) and the seller
        hesitated more than a minute: that is the drift ``min_price`` guards against.
        """
        if name in self.price_overrides:
            return self.price_overrides[name]
        quoted = trade.quoted[name]
        if trade.drop_bp and now - trade.created_t >= QUOTE_DRIFT_AFTER:
            return (quoted * (10000 - trade.drop_bp) / 10000).quantize(
                THOUSANDTH, rounding=ROUND_DOWN
            )
        return quoted

    def get_prices(self, request: Request) -> Response:
        denied = self.authorised(request)
        if denied:
            return denied
        body = self._body(request)
        if body is None:
            return fail(400, "invalid request body")
        problems = []
        game = body.get("game")
        names = body.get("marketHashNames")
        intent = body.get("no_deposit_intent", False)
        if game is None or game == "":
            problems.append(
                _problem("GetPricesRequest.game", "required", "game is a required field")
            )
        elif not isinstance(game, str):
            return fail(400, "invalid request body")
        elif game not in GAMES:
            problems.append(
                _problem(
                    "GetPricesRequest.game", "oneof", f"game must be one of [{' '.join(GAMES)}]"
                )
            )
        if names is None:
            problems.append(
                _problem(
                    "GetPricesRequest.marketHashNames",
                    "required",
                    "marketHashNames is a required field",
                )
            )
        elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return fail(400, "invalid request body")
        elif len(names) < 1:
            problems.append(
                _problem(
                    "GetPricesRequest.marketHashNames",
                    "min",
                    "marketHashNames must contain at least 1 item",
                )
            )
        elif len(names) > MAX_QUOTE_NAMES:
            problems.append(
                _problem(
                    "GetPricesRequest.marketHashNames",
                    "max",
                    f"marketHashNames must contain at maximum {MAX_QUOTE_NAMES} items",
                )
            )
        if not isinstance(intent, bool):
            return fail(400, "invalid request body")
        if problems:
            return validation_error(problems)
        self.quote_calls += 1
        now = self.clock.now()
        priced: dict[str, tuple[Decimal, Decimal]] = {}
        for name in names:
            if name in priced:
                continue
            found = self.live_price(game, name, now)
            if found is not None:
                priced[name] = found
        if not priced:
            return envelope(
                200, "Prices fetched successfully", {"total": 0, "sum": Decimal(0), "items": None}
            )
        total = sum((p for p, _o in priced.values()), Decimal(0))
        data: dict[str, Any] = {}
        if not intent:
            trade = self._new_trade(game, {n: p for n, (p, _o) in priced.items()}, now)
            data["id"] = trade.id
        data.update(
            {
                "total": len(priced),
                "sum": total,
                "items": [
                    {"name": n, "price": p, "originalPrice": o} for n, (p, o) in priced.items()
                ],
            }
        )
        return envelope(200, "Prices fetched successfully", data)

    def _new_trade(self, game: str, quoted: dict[str, Decimal], now: float) -> Trade:
        trade_id = self._next_id
        self._next_id += 1
        trade = Trade(
            id=trade_id,
            game=game,
            quoted=quoted,
            created_t=now,
            expires_t=now + self.world.config.quote_lock_seconds,
            merchant_tx_id=f"tmp-{trade_id}",
            trade_date=self.clock.iso_wall(now),
        )
        trade.history.append(("new", self.clock.iso_sandbox(now)))
        rng = self.world.rng_for("quote-drift", trade_id)
        if rng.random() < self.world.config.quote_drift_rate:
            trade.drop_bp = rng.randint(100, 500)
        self.trades[trade_id] = trade
        self.world.scheduler.at(trade.expires_t, self._expire_quote, trade)
        return trade

    def _expire_quote(self, when: float, trade: Trade) -> None:
        # An uncommitted draft lapses; it was never a deposit, so no webhook is sent.
        if not trade.committed and trade.status == "new":
            trade.status = "canceled"
            trade.fail_reason = "quote_expired"
            trade.history.append(("canceled", self.clock.iso_sandbox(when)))

    # --- create-deposit-by-hash-name ---------------------------------------------------

    def create_deposit(self, request: Request) -> Response:
        denied = self.authorised(request)
        if denied:
            return denied
        body = self._body(request)
        if body is None:
            return fail(400, "invalid request body")
        problems, typed_ok = _validate_deposit(body)
        if not typed_ok:
            return fail(400, "invalid request body")
        if problems:
            return validation_error(problems)
        tx = body["merchant_tx_id"]
        self.posts[tx] = self.posts.get(tx, 0) + 1
        if tx in self.by_tx:
            return fail(409, "already exist error")
        trade = self.trades.get(body["id"])
        if trade is None:
            return fail(404, "not found error")
        now = self.clock.now()
        prefix = "CreateDepositByHashNameRequest"
        if trade.committed or now >= trade.expires_t or trade.status != "new":
            return validation_error(
                [
                    _problem(
                        f"{prefix}.id",
                        "inventory_reload",
                        "the price quote expired or was already used; call get-prices again",
                    )
                ]
            )
        if body["game"] != trade.game:
            return validation_error(
                [
                    _problem(
                        f"{prefix}.game",
                        "inventory_reload",
                        f"the quote {trade.id} was made for {trade.game}",
                    )
                ]
            )
        if len(body["items"]) > MAX_ITEMS:
            return validation_error(
                [
                    _problem(
                        f"{prefix}.items",
                        "too_many_items",
                        f"deposit exceeds the maximum of {MAX_ITEMS} items per deposit",
                    )
                ]
            )
        lines = []
        for index, item in enumerate(body["items"]):
            name = item["name"]
            if name not in trade.quoted:
                return validation_error(
                    [
                        _problem(
                            f"{prefix}.items[{index}].name",
                            "inventory_reload",
                            f"{name} was not priced in quote {trade.id}; call get-prices again",
                        )
                    ]
                )
            live = self.commit_price(trade, name, now)
            floor = item.get("min_price")
            if live is None or (floor is not None and floor > 0 and live < floor):
                return fail(400, "item_specified_price_not_found")
            lines.append((item, live))
        amount = sum((p for _i, p in lines), Decimal(0))
        if amount <= MIN_AMOUNT:
            return validation_error(
                [_problem(f"{prefix}.Amount", "gt", "Amount must be greater than 1")]
            )
        return self._commit(trade, body, lines, amount, now)

    def _commit(
        self, trade: Trade, body: dict[str, Any], lines, amount: Decimal, now: float
    ) -> Response:
        tx = body["merchant_tx_id"]
        trade.committed = True
        trade.merchant_tx_id = tx
        trade.partner = body["partner"]
        trade.token = body["token"]
        trade.items = [
            {"asset_id": item["asset_id"], "name": item["name"], "price": price}
            for item, price in lines
        ]
        trade.amount = amount
        for key in ("result_url", "success_url", "fail_url"):
            value = body.get(key)
            if isinstance(value, str) and value:
                setattr(trade, key, value)
        self.by_tx[tx] = trade
        self._plan(trade)
        if trade.outcome == "provider_failed":
            trade.fail_reason = trade.outcome_reason or "provider_unavailable"
            self._transition(trade, "failed", now)
            return envelope(200, "Deposit failed", self._create_data(trade))
        rng = self.world.rng_for("deposit", tx)
        trade.bot_name, trade.bot_steam_id = _BOTS[rng.randrange(len(_BOTS))]
        trade.trade_offer_id = str(rng.randint(6_000_000_000, 7_999_999_999))
        trade.offer_expiry_t = now + self.world.config.offer_window_seconds
        self._transition(trade, "active", now)
        self._schedule_from_active(trade, now)
        return envelope(200, "Deposit processing with selected items", self._create_data(trade))

    def _create_data(self, trade: Trade) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": trade.id,
            "merchant_tx_id": trade.merchant_tx_id,
            "status": trade.status,
            "amount": trade.amount,
            "bot_name": trade.bot_name,
            "bot_steam_id": trade.bot_steam_id,
            "trade_offer_id": trade.trade_offer_id,
            "trade_offer_expiry_at": self._iso(trade.offer_expiry_t),
        }
        if trade.status == "failed":
            data["fail_reason"] = trade.fail_reason
        for key in ("success_url", "fail_url"):
            if getattr(trade, key):
                data[key] = getattr(trade, key)
        return data

    def _iso(self, t: float | None) -> str | None:
        return None if t is None else self.clock.iso_wall(t)

    # --- lifecycle ---------------------------------------------------------------------

    def _plan(self, trade: Trade) -> None:
        script = self.scripts.pop(trade.merchant_tx_id, None)
        if script is not None:
            trade.outcome, trade.outcome_reason = parse_outcome(script)
            trade.scripted = True
            return
        roll = self.world.rng_for("deposit-outcome", trade.merchant_tx_id).random()
        threshold = 0.0
        for outcome, share in self.world.config.deposit_failure_rates.items():
            threshold += share
            if roll < threshold:
                trade.outcome, trade.outcome_reason = parse_outcome(outcome)
                return
        trade.outcome, trade.outcome_reason = "completed", ""

    def _delay(self, trade: Trade, low: float, high: float) -> float:
        rng = self.world.rng_for("deposit-delay", trade.merchant_tx_id, len(trade.history))
        return low + (high - low) * rng.random()

    def _at(self, trade: Trade, when: float, status: str) -> None:
        self.world.scheduler.at(when, self._advance, trade, trade.step_token, status)

    def _schedule_from_active(self, trade: Trade, now: float) -> None:
        expiry = trade.offer_expiry_t or now
        if trade.outcome == "canceled":
            self._at(trade, expiry, "canceled")
        elif trade.outcome == "failed":
            self._at(trade, min(now + self._delay(trade, 20, 300), expiry - 1), "failed")
        else:
            self._at(trade, min(now + self._delay(trade, 20, 300), expiry - 1), "accepted")

    def _advance(self, when: float, trade: Trade, token: int, status: str) -> None:
        if token != trade.step_token or trade.status in DEPOSIT_TERMINAL:
            return
        if status == "accepted":
            if trade.game != "csgo":
                # Steam Trade Protection holds only CS2 items.
                self._transition(trade, "completed", when)
                return
            trade.hold_end_t = when + self.world.config.hold_seconds
            self._transition(trade, "hold", when)
            self._schedule_from_hold(trade, when)
        elif status in ("failed", "canceled", "reverted"):
            trade.fail_reason = trade.outcome_reason or _FAIL_REASONS[status]
            self._transition(trade, status, when)
        elif status == "completed":
            self._transition(trade, "completed", when)

    def _schedule_from_hold(self, trade: Trade, now: float) -> None:
        end = trade.hold_end_t if trade.hold_end_t is not None else now
        if trade.outcome == "reverted":
            span = max(end - now, 2.0)
            delay = (
                min(3600.0, span / 2)
                if trade.scripted
                else self._delay(trade, span * 0.05, span * 0.95)
            )
            self._at(trade, now + delay, "reverted")
        else:
            self._at(trade, max(end, now), "completed")

    def _transition(self, trade: Trade, status: str, when: float) -> None:
        trade.status = status
        trade.history.append((status, self.clock.iso_sandbox(when)))
        if status in ("hold", "completed", "failed", "canceled", "reverted"):
            self._notify(trade)

    def _notify(self, trade: Trade) -> None:
        url = trade.result_url or self.world.config.skinslink_result_url
        if not url:
            return
        payload: dict[str, Any] = {
            "sign": skinslink_sign(trade.id, self.world.config.skinslink_webhook_secret),
            "status": trade.status,
            "trade_id": trade.id,
            "trade_date": trade.trade_date,
            "merchant_tx_id": trade.merchant_tx_id,
            "steam_id": str(STEAMID64_BASE + (trade.partner or 0)),
            "offer_id": trade.trade_offer_id or "",
            "amount": trade.amount if trade.amount is not None else Decimal(0),
            "amount_currency": "usd",
        }
        if trade.status == "hold":
            payload["hold_end_date"] = self._iso(trade.hold_end_t)
        if trade.status in ("failed", "canceled", "reverted"):
            payload["fail_reason"] = trade.fail_reason
        self.world.webhooks.send(
            provider="skinslink",
            event=trade.status,
            key=trade.merchant_tx_id,
            status=trade.status,
            url=url,
            body=jsonutil.dumps(payload),
            headers_for=lambda _d: {},
        )

    # --- status ------------------------------------------------------------------------

    def deposit_status(self, request: Request) -> Response:
        denied = self.authorised(request)
        if denied:
            return denied
        raw_id = request.arg("id")
        tx = request.arg("merchant_tx_id")
        trade = None
        if raw_id:
            if not raw_id.isdigit():
                return validation_error(
                    [
                        _problem(
                            "DepositStatusRequest.id", "numeric", "id must be a valid numeric value"
                        )
                    ]
                )
            trade = self.trades.get(int(raw_id))
        elif tx:
            trade = self.by_tx.get(tx)
        else:
            return validation_error(
                [
                    _problem(
                        "DepositStatusRequest.id",
                        "required_without",
                        "id is required if merchant_tx_id is not present",
                    )
                ]
            )
        if trade is None:
            return fail(404, "not found error")
        return envelope(200, "Deposit status fetched successfully", self.status_data(trade))

    def status_data(self, trade: Trade) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": trade.id,
            "merchant_tx_id": trade.merchant_tx_id,
            "status": trade.status,
            "bot_steam_id": trade.bot_steam_id,
            "bot_name": trade.bot_name,
            "trade_offer_id": trade.trade_offer_id,
            "trade_offer_expiry_at": self._iso(trade.offer_expiry_t),
        }
        for key in ("success_url", "fail_url"):
            if getattr(trade, key):
                data[key] = getattr(trade, key)
        if trade.status == "hold":
            data["hold_end_date"] = self._iso(trade.hold_end_t)
        if trade.status in ("failed", "canceled", "reverted"):
            data["fail_reason"] = trade.fail_reason
        return data

    # --- control -----------------------------------------------------------------------

    def script(self, merchant_tx_id: str, outcome: str) -> None:
        status, reason = parse_outcome(outcome)
        trade = self.by_tx.get(merchant_tx_id)
        if trade is None:
            self.scripts[merchant_tx_id] = outcome
            return
        if trade.status in DEPOSIT_TERMINAL:
            raise ValueError(f"deposit {merchant_tx_id!r} is already {trade.status}")
        if status == "provider_failed":
            raise ValueError("provider_failed applies only before the deposit is created")
        if trade.status == "hold" and status in ("failed", "canceled"):
            raise ValueError(f"a deposit in hold can only complete or revert, not {status}")
        trade.outcome, trade.outcome_reason, trade.scripted = status, reason, True
        trade.step_token += 1
        now = self.clock.now()
        if trade.status == "active":
            self._schedule_from_active(trade, now)
        elif trade.status == "hold":
            self._schedule_from_hold(trade, now)

    def truth(self) -> dict[str, Any]:
        deposits = {}
        for tx in sorted(set(self.posts) | set(self.by_tx)):
            trade = self.by_tx.get(tx)
            deposits[tx] = {
                "posts": self.posts.get(tx, 0),
                "created": 1 if trade else 0,
                "id": trade.id if trade else None,
                "status": trade.status if trade else None,
                "amount": str(trade.amount) if trade and trade.amount is not None else None,
                "fail_reason": trade.fail_reason if trade else None,
                "outcome": trade.outcome if trade else None,
                "statuses": [s for s, _ in trade.history] if trade else [],
                "history": [{"status": s, "at": at} for s, at in trade.history] if trade else [],
            }
        quotes = {
            str(t.id): {
                "status": t.status,
                "game": t.game,
                "committed": t.committed,
                "items": {n: str(p) for n, p in t.quoted.items()},
                "expires_at": self.clock.iso_sandbox(t.expires_t),
            }
            for t in self.trades.values()
        }
        return {
            "quotes": quotes,
            "deposits": deposits,
            "quote_calls": self.quote_calls,
            "scripted_pending": dict(self.scripts),
            "price_overrides": {
                n: (None if p is None else str(p)) for n, p in self.price_overrides.items()
            },
        }


def hash_name(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def _problem(field_name: str, code: str, message: str) -> dict[str, str]:
    return {"field": field_name, "code": code, "message": message}


def _validate_deposit(body: dict[str, Any]) -> tuple[list[dict[str, str]], bool]:
    """(validation problems, whether every present field had a decodable JSON type)."""
    prefix = "CreateDepositByHashNameRequest"
    problems: list[dict[str, str]] = []
    trade_id = body.get("id")
    if trade_id is not None and (isinstance(trade_id, bool) or not isinstance(trade_id, int)):
        return problems, False
    if trade_id is None or trade_id == 0:
        problems.append(_problem(f"{prefix}.id", "required", "id is a required field"))
    elif trade_id < 1:
        problems.append(_problem(f"{prefix}.id", "min", "id must be 1 or greater"))
    tx = body.get("merchant_tx_id")
    if tx is not None and not isinstance(tx, str):
        return problems, False
    if not tx:
        problems.append(
            _problem(f"{prefix}.merchant_tx_id", "required", "merchant_tx_id is a required field")
        )
    game = body.get("game")
    if game is not None and not isinstance(game, str):
        return problems, False
    if not game:
        problems.append(_problem(f"{prefix}.game", "required", "game is a required field"))
    elif game not in GAMES:
        problems.append(
            _problem(f"{prefix}.game", "oneof", f"game must be one of [{' '.join(GAMES)}]")
        )
    partner = body.get("partner")
    if partner is not None and (isinstance(partner, bool) or not isinstance(partner, int)):
        return problems, False
    if not partner:
        problems.append(_problem(f"{prefix}.partner", "required", "partner is a required field"))
    elif not 1 <= partner <= MAX_ACCOUNT_ID:
        problems.append(
            _problem(
                f"{prefix}.partner",
                "max" if partner > 0 else "min",
                "partner must be a 32-bit Steam account id",
            )
        )
    token = body.get("token")
    if token is not None and not isinstance(token, str):
        return problems, False
    if not token:
        problems.append(_problem(f"{prefix}.token", "required", "token is a required field"))
    elif len(token) != 8:
        problems.append(_problem(f"{prefix}.token", "len", "token must be 8 characters in length"))
    for key in ("result_url", "success_url", "fail_url"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return problems, False
        if value and not value.startswith(("http://", "https://")):
            problems.append(_problem(f"{prefix}.{key}", "url", f"{key} must be a valid URL"))
    items = body.get("items")
    if items is not None and not isinstance(items, list):
        return problems, False
    if not items:
        problems.append(
            _problem(
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
                _problem(f"{where}.asset_id", "required", "asset_id is a required field")
            )
        elif not asset.isascii() or not asset.isdigit():
            problems.append(
                _problem(f"{where}.asset_id", "numeric", "asset_id must be a valid numeric value")
            )
        if not name:
            problems.append(_problem(f"{where}.name", "required", "name is a required field"))
    return problems, True

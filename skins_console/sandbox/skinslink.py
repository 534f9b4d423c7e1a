"""Skinslink under ``/api/v1/merchant``: get-prices, create-deposit-by-hash-name, deposit
status, and webhooks signed ``base64(sha256(str(trade_id) + secret))``.

Prices come from the real Steam prices of ``items_data`` (every real market hash name),
drift slowly with sandbox time, and can be pinned per name through the control routes.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from skins_console.sandbox import jsonutil
from skins_console.sandbox.facts import (
    DEPOSIT_TERMINAL,
    DEPOSIT_WEBHOOK_STATUSES,
    FAIL_REASON_STATUSES,
    STEAMID64_BASE,
)
from skins_console.sandbox.http_types import Request, Response
from skins_console.sandbox.items_data import steam_cents
from skins_console.sandbox.skinslink_rules import (
    BOTS,
    FAIL_REASONS,
    FIRST_TRADE_ID,
    MAX_ITEMS,
    MIN_AMOUNT,
    QUOTE_DRIFT_AFTER,
    THOUSANDTH,
    Outcome,
    Validated,
    envelope,
    fail,
    hash_name,
    parse_outcome,
    problem,
    skinslink_sign,
    validate_deposit,
    validate_prices,
    validation_error,
)
from skins_console.sandbox.truth import posts_truth
from skins_console.sandbox.webhooks import Delivery
from skins_console.sandbox.world import World, natural_outcome

#: purchase ids of control-made purchase deliveries start here (apart from trade ids)
FIRST_PURCHASE_ID = 90001


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
    #: the missed-update scenario: ``pending`` at create, never ``active``
    skip_active: bool = False
    #: how webhooks spell an unknown offer id: "" (guide page) or leave it out (API page)
    omit_unknown_offer: bool = False
    scripted: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)
    step_token: int = 0
    #: a price drop (basis points) this quote suffers if committed late; 0 for most
    drop_bp: int = 0


def _deposit_details(trade: Trade | None) -> dict[str, Any]:
    if trade is None:
        return {"id": None, "amount": None, "fail_reason": None, "skip_active": False}
    amount = None if trade.amount is None else str(trade.amount)
    return {
        "id": trade.id,
        "amount": amount,
        "fail_reason": trade.fail_reason,
        "skip_active": trade.skip_active,
    }


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
        self._next_purchase_id = FIRST_PURCHASE_ID

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

    def _checked_body(
        self, request: Request, validate: Callable[[dict[str, Any]], Validated]
    ) -> dict[str, Any] | Response:
        """The JSON body of an authorised request that passes ``validate``; else the refusal
        Skinslink sends (401, 400 for a body it cannot decode, 400 validation error)."""
        denied = self.authorised(request)
        if denied:
            return denied
        body = self._body(request)
        if body is None:
            return fail(400, "invalid request body")
        problems, typed_ok = validate(body)
        if not typed_ok:
            return fail(400, "invalid request body")
        if problems:
            return validation_error(problems)
        return body

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
        cents = steam_cents(name, game)
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
        body = self._checked_body(request, validate_prices)
        if isinstance(body, Response):
            return body
        game, names = body["game"], body["marketHashNames"]
        intent = body.get("no_deposit_intent", False)
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
        body = self._checked_body(request, validate_deposit)
        if isinstance(body, Response):
            return body
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
                    problem(
                        f"{prefix}.id",
                        "inventory_reload",
                        "the price quote expired or was already used; call get-prices again",
                    )
                ]
            )
        if body["game"] != trade.game:
            return validation_error(
                [
                    problem(
                        f"{prefix}.game",
                        "inventory_reload",
                        f"the quote {trade.id} was made for {trade.game}",
                    )
                ]
            )
        if len(body["items"]) > MAX_ITEMS:
            return validation_error(
                [
                    problem(
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
                        problem(
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
                [problem(f"{prefix}.Amount", "gt", "Amount must be greater than 1")]
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
            return envelope(200, "Deposit failed", self.status_data(trade, created=True))
        rng = self.world.rng_for("deposit", tx)
        trade.bot_name, trade.bot_steam_id = BOTS[rng.randrange(len(BOTS))]
        trade.omit_unknown_offer = rng.random() < 0.5
        offer_id = str(rng.randint(6_000_000_000, 7_999_999_999))
        trade.offer_expiry_t = now + self.world.config.offer_window_seconds
        if trade.skip_active:
            # The offer goes out, but the update that would show it is missed: the
            # client sees ``pending`` now and ``hold`` (or the end) next, never ``active``.
            self._transition(trade, "pending", now)
        else:
            trade.trade_offer_id = offer_id
            self._transition(trade, "active", now)
        self._schedule_from_active(trade, now)
        return envelope(
            200, "Deposit processing with selected items", self.status_data(trade, created=True)
        )

    def _iso(self, t: float | None) -> str | None:
        return None if t is None else self.clock.iso_wall(t)

    # --- lifecycle ---------------------------------------------------------------------

    def _plan(self, trade: Trade) -> None:
        script = self.scripts.pop(trade.merchant_tx_id, None)
        if script is not None:
            self._apply(trade, parse_outcome(script))
            trade.scripted = True
            return
        rng = self.world.rng_for("deposit-outcome", trade.merchant_tx_id)
        roll = rng.random()
        trade.skip_active = rng.random() < self.world.config.deposit_skip_active_rate
        outcome = natural_outcome(self.world.config.deposit_failure_rates, roll)
        self._apply(trade, parse_outcome(outcome))

    @staticmethod
    def _apply(trade: Trade, outcome: Outcome) -> None:
        trade.outcome, trade.outcome_reason = outcome.status, outcome.reason
        trade.skip_active = trade.skip_active or outcome.skip_active

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
            if trade.skip_active and trade.trade_offer_id is None:
                # the accepted offer's id arrives with the hold
                rng = self.world.rng_for("offer", trade.merchant_tx_id)
                trade.trade_offer_id = str(rng.randint(6_000_000_000, 7_999_999_999))
            self._transition(trade, "hold", when)
            self._schedule_from_hold(trade, when)
        elif status in ("failed", "canceled", "reverted"):
            trade.fail_reason = trade.outcome_reason or FAIL_REASONS[status]
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
        if status in DEPOSIT_WEBHOOK_STATUSES:
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
        if trade.trade_offer_id is None and trade.omit_unknown_offer:
            del payload["offer_id"]  # the API page: present only if known
        if trade.status == "hold":
            payload["hold_end_date"] = self._iso(trade.hold_end_t)
        if trade.status in FAIL_REASON_STATUSES:
            payload["fail_reason"] = trade.fail_reason
        self.world.webhooks.send(
            Delivery(
                provider="skinslink",
                event=trade.status,
                key=trade.merchant_tx_id,
                status=trade.status,
                url=url,
                body=jsonutil.dumps(payload),
                headers_for=lambda _d: {},
            )
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
                        problem(
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
                    problem(
                        "DepositStatusRequest.id",
                        "required_without",
                        "id is required if merchant_tx_id is not present",
                    )
                ]
            )
        if trade is None:
            return fail(404, "not found error")
        return envelope(200, "Deposit status fetched successfully", self.status_data(trade))

    def status_data(self, trade: Trade, *, created: bool = False) -> dict[str, Any]:
        """A deposit as deposit-status shows it; ``created``: as create-deposit answers it
        (with the amount, without the hold's end)."""
        data: dict[str, Any] = {
            "id": trade.id,
            "merchant_tx_id": trade.merchant_tx_id,
            "status": trade.status,
        }
        if created:
            data["amount"] = trade.amount
        data.update(
            bot_steam_id=trade.bot_steam_id,
            bot_name=trade.bot_name,
            trade_offer_id=trade.trade_offer_id,
            trade_offer_expiry_at=self._iso(trade.offer_expiry_t),
        )
        for key in ("success_url", "fail_url"):
            if getattr(trade, key):
                data[key] = getattr(trade, key)
        if trade.status == "hold" and not created:
            data["hold_end_date"] = self._iso(trade.hold_end_t)
        if trade.status in FAIL_REASON_STATUSES:
            data["fail_reason"] = trade.fail_reason
        return data

    # --- control -----------------------------------------------------------------------

    def script(self, merchant_tx_id: str, outcome: str) -> None:
        parsed = parse_outcome(outcome)
        status, reason = parsed.status, parsed.reason
        trade = self.by_tx.get(merchant_tx_id)
        if trade is None:
            self.scripts[merchant_tx_id] = outcome
            return
        if trade.status in DEPOSIT_TERMINAL:
            raise ValueError(f"deposit {merchant_tx_id!r} is already {trade.status}")
        if status == "provider_failed" or parsed.skip_active:
            raise ValueError(f"{outcome} applies only before the deposit is created")
        if trade.status == "hold" and status in ("failed", "canceled"):
            raise ValueError(f"a deposit in hold can only complete or revert, not {status}")
        trade.outcome, trade.outcome_reason, trade.scripted = status, reason, True
        trade.step_token += 1
        now = self.clock.now()
        if trade.status in ("active", "pending"):
            self._schedule_from_active(trade, now)
        elif trade.status == "hold":
            self._schedule_from_hold(trade, now)

    def next_purchase_id(self) -> int:
        purchase_id = self._next_purchase_id
        self._next_purchase_id += 1
        return purchase_id

    def truth(self) -> dict[str, Any]:
        deposits = posts_truth(self.posts, self.by_tx, _deposit_details)
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

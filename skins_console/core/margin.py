"""What an order cost, what the buyer paid for it, and the margin between them (no I/O).

* **Cost** is what SkinsNode debits the prepaid wallet for the order: the price it reported
  (``pricing.amount``) or, until it does, the expected price sent with the order. An order
  SkinsNode never confirmed (``draft``, ``sending``, ``rejected``) has no cost yet.
* **Refunded**: the statuses the status table marks ``refunds_wallet`` (failed, cancelled,
  expired) give the cost back. **Reversed**: a delivered trade undone afterwards.
* **Charged** is what the buyer paid the shop, exactly as entered, in the buyer's currency.
* **Margin** = charged − cost, in USD, only when the charge is in USD (SkinsNode prices are
  USD; no exchange rate is ever guessed) and the order stands as a sale (placed, not
  refunded, not reversed). Otherwise the figures say why there is none.

Money stays exact: cents are ``int``, charged amounts and margins ``Decimal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from skins_console.core.errors import ValidationError
from skins_console.core.money import cents_to_usd
from skins_console.core.records import OrderRecord
from skins_console.core.statuses import Group, Provider, info

#: the one currency a margin is computed in (SkinsNode's)
MARGIN_CURRENCY = "USD"
#: a charged amount below this (in any currency) and with at most this many decimals
CHARGED_MAX = Decimal(10) ** 12
CHARGED_PLACES = 8
#: ISO 4217 codes and the usual crypto/stablecoin tickers (USDT, BTC…): 2-10 letters/digits
CURRENCY_RE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
#: symbols an operator types that name one currency without doubt
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_NUMBER = re.compile(r"[0-9][0-9,]*(\.[0-9]+)?|\.[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Charged:
    """What the buyer paid: an exact positive amount in one currency."""

    amount: Decimal
    currency: str = MARGIN_CURRENCY

    @property
    def is_usd(self) -> bool:
        return self.currency == MARGIN_CURRENCY

    def text(self) -> str:
        return format_amount(self.amount, self.currency)


def format_amount(amount: Decimal, currency: str) -> str:
    """``$1,234.50`` for USD, ``1,234.50 EUR`` otherwise; at least two decimals, every
    decimal the amount has (nothing is rounded away)."""
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if magnitude == magnitude.quantize(Decimal("0.01")):
        magnitude = magnitude.quantize(Decimal("0.01"))
    whole, _, frac = format(magnitude, "f").partition(".")
    body = f"{int(whole):,}" + (f".{frac}" if frac else "")
    if currency == MARGIN_CURRENCY:
        return f"{sign}${body}"
    return f"{sign}{body} {currency}"


def validate_currency(text: str) -> str:
    code = (text or "").strip().upper()
    if code in SYMBOLS:
        return SYMBOLS[code]
    if not CURRENCY_RE.fullmatch(code):
        raise ValidationError(
            f"{text!r} is not a currency code: use a code such as USD, EUR, GBP or USDT.",
            field="charged_currency",
            code="invalid_currency",
        )
    return code


def parse_charged(text: str, currency: str | None = None) -> Charged:
    """An amount typed by the operator: ``25``, ``25.50``, ``$25.50``, ``1,250 EUR``,
    ``EUR 1250``, ``€12``. ``currency`` is the separate currency field (default USD); a
    code written in the text must agree with it."""
    raw = (text or "").strip()
    written: str | None = None
    body = raw
    if body[:1] in SYMBOLS:
        written, body = SYMBOLS[body[:1]], body[1:].strip()
    else:
        parts = body.split()
        if len(parts) == 2:
            first, second = parts
            if _NUMBER.fullmatch(first) and not _NUMBER.fullmatch(second):
                written, body = validate_currency(second), first
            elif _NUMBER.fullmatch(second) and not _NUMBER.fullmatch(first):
                written, body = validate_currency(first), second
    chosen = validate_currency(currency) if currency else None
    if written and chosen and written != chosen:
        raise ValidationError(
            f"The charged amount {raw!r} is in {written} but the currency says {chosen}.",
            field="charged",
            code="invalid_charged",
        )
    if body.count(",") and not _GROUPED.fullmatch(body):
        body = "!"  # a comma that is not a thousands separator (1,5): refuse, never guess
    try:
        amount = Decimal(body.replace(",", "")) if _NUMBER.fullmatch(body) else None
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(
            f"The charged amount {raw!r} is not an amount: write what the buyer paid, e.g. "
            "25.50 or 25.50 EUR.",
            field="charged",
            code="invalid_charged",
        )
    if amount <= 0 or amount >= CHARGED_MAX:
        raise ValidationError(
            f"The charged amount {raw!r} must be more than 0 and less than 10^12.",
            field="charged",
            code="invalid_charged",
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -CHARGED_PLACES:
        raise ValidationError(
            f"The charged amount {raw!r} has more than {CHARGED_PLACES} decimal places.",
            field="charged",
            code="invalid_charged",
        )
    return Charged(amount, written or chosen or MARGIN_CURRENCY)


def order_charged(order: OrderRecord) -> Charged | None:
    if order.charged_amount is None:
        return None
    return Charged(order.charged_amount, order.charged_currency or MARGIN_CURRENCY)


@dataclass(frozen=True, slots=True)
class OrderFigures:
    """One order's money, as the Orders table, the CLI, the CSV and the report count it."""

    #: the wallet debit (price reported, else expected); None: SkinsNode has no such order
    cost_cents: int | None
    #: given back to the wallet (the order failed, was cancelled or expired)
    refunded_cents: int
    #: the delivered trade was undone afterwards (Trade Protection)
    reversed: bool
    charged: Charged | None
    #: charged − cost in USD; None when it cannot be said (``note`` says why)
    margin: Decimal | None
    #: why there is no margin ("" when there is one)
    note: str

    @property
    def placed(self) -> bool:
        return self.cost_cents is not None

    @property
    def sold(self) -> bool:
        """Placed and still standing as a sale (neither refunded nor reversed)."""
        return self.placed and not self.refunded_cents and not self.reversed


def order_figures(order: OrderRecord) -> OrderFigures:
    entry = info(Provider.SKINSNODE, order.status)
    charged = order_charged(order)
    if entry.local:
        cost: int | None = None
    else:
        cost = order.amount_cents if order.amount_cents is not None else order.expected_price_cents
    refunded = cost if cost is not None and entry.refunds_wallet else 0
    reversed_ = cost is not None and entry.group is Group.REVERSED
    margin: Decimal | None = None
    if charged is None:
        note = "no charged amount entered"
    elif cost is None:
        note = f"not placed at SkinsNode ({entry.word})"
    elif refunded:
        note = f"no sale: {entry.word}, SkinsNode refunded the price"
    elif reversed_:
        note = f"no sale: {entry.word} after delivery"
    elif not charged.is_usd:
        note = (
            f"charged in {charged.currency}: a margin needs a USD charge (SkinsNode prices "
            "are USD; no exchange rate is guessed)"
        )
    else:
        margin = charged.amount - cents_to_usd(cost)
        note = ""
    return OrderFigures(cost, refunded, reversed_, charged, margin, note)

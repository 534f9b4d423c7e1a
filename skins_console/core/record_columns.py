"""The columns of the orders and deposits books, declared once for the CSV export (exact
values under stable keys) and the CLI tables (the same columns, as a person reads them).

The CSV holds every column; the CLI lists the ones marked ``in_cli``. A new column is one
entry here; the export, its header and the CLI follow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from skins_console.core.columns import Column
from skins_console.core.margin import MARGIN_CURRENCY, format_amount, order_charged, order_figures
from skins_console.core.models import format_time
from skins_console.core.money import cents_to_usd, format_cents, format_usd
from skins_console.core.records import DepositRecord, OrderRecord
from skins_console.core.statuses import Provider, describe


def iso_time(value: datetime | None) -> str:
    return format_time(value) if value else ""


def local_time(value: datetime | None) -> str:
    """A time as the operator reads it: local, to the second."""
    if value is None:
        return "—"
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def usd_text(value: Decimal | None) -> str:
    """Exact decimal dollars (``22.755`` keeps its third decimal); empty when unknown."""
    return "" if value is None else format(value, "f")


def cents_text(value: int | None) -> str:
    return "" if value is None else str(cents_to_usd(value))


COST_TIP = "What SkinsNode debits for the order (its reported price, else the expected one)"
CHARGED_TIP = "What the buyer paid the shop, in the buyer's currency"
MARGIN_TIP = "Charged − cost, for orders charged in USD that stand as sales"


def charged_text(order: OrderRecord) -> str:
    charged = order_charged(order)
    return "—" if charged is None else charged.text()


def margin_text(order: OrderRecord) -> str:
    """The margin, or a dash (``margin_note`` and the tooltip say why)."""
    margin = order_figures(order).margin
    return "—" if margin is None else format_amount(margin, MARGIN_CURRENCY)


def _optional(value: object) -> str:
    return "" if value is None else str(value)


def _field(name: str, header: str = "", *, cli: bool = False) -> Column:
    """A plain text column straight from a record field."""
    return Column(name, header or name, lambda record: _optional(getattr(record, name)), in_cli=cli)


def _time_field(name: str, header: str = "", *, cli: bool = False) -> Column:
    return Column(
        name,
        header or name,
        lambda record: local_time(getattr(record, name)),
        value=lambda record: iso_time(getattr(record, name)),
        in_cli=cli,
    )


def _order_currency(order: OrderRecord) -> str:
    return order.currency or "USD"


def _usd(order: OrderRecord) -> str:
    return "USD"


def _cents(
    name: str,
    header: str,
    cents: Callable[[OrderRecord], int | None],
    *,
    currency: Callable[[OrderRecord], str] = _order_currency,
    tooltip: str = "",
    cli: bool = True,
) -> Column[OrderRecord]:
    """A SkinsNode amount in cents: shown with its currency, exact dollars in the CSV."""
    return Column(
        name,
        header,
        lambda o: format_cents(cents(o), currency(o)),
        value=lambda o: cents_text(cents(o)),
        align="right",
        tooltip=tooltip,
        in_cli=cli,
    )


#: Who did what in a team book (empty for records written before operators were recorded):
#: the operator who wrote the record, and who sent it (another console may have finished
#: a send its writer could not). Orders and deposits alike; the Orders tab shows the first.
OPERATOR_COLUMNS: tuple[Column, ...] = (
    _field("operator", "Operator", cli=True),
    _field("sent_by", "Sent by"),
)


def _status(provider: Provider) -> tuple[Column, Column]:
    return (
        Column("status", "Status", lambda record: record.status),
        Column(
            "status_text",
            "What it means",
            lambda record: describe(provider, record.status),
            in_cli=False,
        ),
    )


ORDER_COLUMNS: tuple[Column[OrderRecord], ...] = (
    _field("external_id", "Order", cli=True),
    *_status(Provider.SKINSNODE),
    _field("item_name", "Item", cli=True),
    _field("catalog_item_id", "Catalog ID"),
    # the catalog price the order was sent for, always in USD
    _cents(
        "expected_price_usd", "Price", lambda o: o.expected_price_cents, currency=_usd, cli=False
    ),
    _cents("charged_usd", "SkinsNode charged", lambda o: o.amount_cents, cli=False),
    Column("currency", "Currency", _order_currency, in_cli=False),
    _field("buyer_partner", "Buyer (partner)"),
    _field("buyer_steamid64", "Buyer SteamID64"),
    _field("trade_url", "Trade URL"),
    _field("steam_offer_id", "Trade offer"),
    _field("failure_code", "Failure code"),
    _field("failure_message", "Failure"),
    _time_field("created_at", "Created", cli=True),
    _time_field("accepted_at", "Accepted"),
    _time_field("sent_at", "Offer sent"),
    _time_field("completed_at", "Delivered"),
    _time_field("settles_at", "Settles"),
    _time_field("updated_at", "Updated"),
    # Added with the margin (appended: spreadsheets keep the columns they already read).
    _cents("cost_usd", "Cost", lambda o: order_figures(o).cost_cents, tooltip=COST_TIP),
    Column(
        "charged_amount",
        "Charged",
        charged_text,
        value=lambda o: usd_text(o.charged_amount),
        align="right",
        tooltip=CHARGED_TIP,
    ),
    Column(
        "charged_currency",
        "Charged currency",
        lambda o: o.charged_currency or "",
        in_cli=False,
    ),
    Column(
        "margin_usd",
        "Margin",
        margin_text,
        value=lambda o: usd_text(order_figures(o).margin),
        align="right",
        tooltip=MARGIN_TIP,
    ),
    Column("no_margin_because", "No margin because", lambda o: order_figures(o).note, in_cli=False),
    _field("shop_order", "Shop order"),
    # Added with team mode (appended, as above).
    *OPERATOR_COLUMNS,
)


def _item_values(deposit: DepositRecord, key: str) -> str:
    return "; ".join(str(item.get(key, "")) for item in deposit.items or ())


def _min_prices(deposit: DepositRecord) -> str:
    return "; ".join(
        usd_text(Decimal(str(item["min_price"]))) if item.get("min_price") is not None else ""
        for item in deposit.items or ()
    )


DEPOSIT_COLUMNS: tuple[Column[DepositRecord], ...] = (
    _field("merchant_tx_id", "Deposit", cli=True),
    _field("trade_id", "Trade ID"),
    *_status(Provider.SKINSLINK),
    _field("game", "Game"),
    Column(
        "items",
        "Items",
        lambda d: str(len(d.items)),
        value=lambda d: _item_values(d, "name"),
    ),
    Column("asset_ids", "Asset IDs", lambda d: _item_values(d, "asset_id"), in_cli=False),
    Column("min_prices_usd", "Minimum prices", _min_prices, in_cli=False),
    Column(
        "amount_usd",
        "Amount",
        lambda d: format_usd(d.amount),
        value=lambda d: usd_text(d.amount),
        align="right",
    ),
    Column("seller_partner", "Seller (partner)", lambda d: str(d.partner), in_cli=False),
    _field("trade_offer_id", "Trade offer"),
    _field("bot_name", "Bot"),
    _field("fail_reason", "Failure"),
    _time_field("created_at", "Created", cli=True),
    _time_field("sent_at", "Offer sent"),
    _time_field("completed_at", "Received"),
    _time_field("hold_end_date", "Hold ends"),
    _time_field("updated_at", "Updated"),
    # Added with team mode (appended: spreadsheets keep the columns they already read).
    *OPERATOR_COLUMNS,
)

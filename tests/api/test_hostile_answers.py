"""Both clients against a hostile provider over loopback HTTP (#15): answers that trickle
in, nest a thousand levels, grow without end, name another record, carry numbers beyond 64
bits or a local-state name. Each is a clear typed error, never a hang or a crash, and a
create meets it by reconciling with its own key (one order, one deposit, nothing written
onto another record)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import pytest

from skins_console.api.skinslink_client import SkinslinkClient
from skins_console.core.errors import (
    DeadlineExceededError,
    DepositFailedError,
    MalformedResponseError,
    OutcomeUnknownError,
    ProviderRefusal,
    RateLimitedError,
    ResponseTooLargeError,
    WrongRecordError,
)
from skins_console.core.models import DepositItem, DepositRequest
from skins_console.core.money import MAX_JSON_DEPTH
from skins_console.core.statuses import Provider, is_terminal
from tests.api.conftest import QUICK, link_via, node_via
from tests.api.standin import DEEP_JSON, Canned
from tests.api.test_skinslink_client import deposit_truth, quoted_request
from tests.api.test_skinsnode_client import order_for, order_truth

PAD = "x" * 400  # a dripped body this long would take minutes to arrive whole


def padded(data):
    return {**data, "pad": PAD}


# --- deadlines and sizes ---------------------------------------------------------------


async def test_a_trickling_answer_is_cut_off_at_the_deadline(sb, standin):
    # One byte every 0.2 s never trips the 3 s per-read timeout: only the deadline ends it.
    standin.script("GET", "/v1/wallet", rewrite=padded, drip=0.2)
    async with node_via(standin, sb, deadline=1.0) as client:
        with pytest.raises(DeadlineExceededError) as info:
            await client.wallet()
    assert "did not finish answering within 1 s" in info.value.message
    assert info.value.outcome_unknown and info.value.code == "deadline_exceeded"
    # The deadline covers the retries too: one slow attempt used it all.
    assert len(standin.requests("GET", "/v1/wallet")) == 1


async def test_a_trickling_create_answer_is_reconciled_with_the_same_key(sb, standin):
    sb.set_balance(1_000_000)
    async with node_via(standin, sb, deadline=1.0) as client:
        req = await order_for(client, "drip")
        standin.script("POST", "/v1/orders", rewrite=padded, drip=0.2, count=1)
        accepted = await client.create_order(req)
    assert accepted.external_id == req.external_id
    assert order_truth(sb, req.external_id)["created"] == 1
    assert len(standin.requests("POST", "/v1/orders")) == 1  # found, not resent


async def test_a_trickling_deposit_status_is_cut_off(sb, standin):
    standin.script("GET", "/api/v1/merchant/deposit/status", rewrite=padded, drip=0.2)
    async with link_via(standin, sb, deadline=1.0) as client:
        with pytest.raises(DeadlineExceededError):
            await client.deposit_status(merchant_tx_id="anything")


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "streamed"])
async def test_an_oversized_answer_is_refused_unread(sb, standin, chunked):
    big = Canned(200, b'{"pad":"' + b"x" * (2 << 20) + b'"}', chunked=chunked)
    standin.script("GET", "/v1/wallet", reply=big)
    async with node_via(standin, sb, max_get_retries=1) as client:
        with pytest.raises(ResponseTooLargeError) as info:
            await client.wallet()
    assert "larger than 1 MB for the wallet" in info.value.message
    assert info.value.outcome_unknown  # retryable: the read was tried again
    assert len(standin.requests("GET", "/v1/wallet")) == 2


# --- garbled JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 500])
async def test_deeply_nested_json_is_a_clear_error(sb, standin, status):
    standin.script("GET", "/v1/wallet", reply=Canned(status, DEEP_JSON))
    async with node_via(standin, sb, max_get_retries=0) as client:
        with pytest.raises(MalformedResponseError) as info:
            await client.wallet()
    assert f"nested more than {MAX_JSON_DEPTH} levels" in info.value.message


async def test_a_deep_item_in_a_large_catalog_is_refused_stepwise(sb, standin):
    # Over 1 MB the answer goes through api/json_stream.py, which refuses the same depth.
    deep = "[" * 1000 + "]" * 1000
    body = '{"items":[' + ",".join(['{"id":"x","pad":"' + "y" * 1000 + '"}'] * 1200)
    standin.script("GET", "/v1/catalog", reply=Canned(200, (body + "," + deep + "]}").encode()))
    async with node_via(standin, sb, max_get_retries=0) as client:
        with pytest.raises(MalformedResponseError, match="nested more than"):
            await client.catalog()


@pytest.mark.parametrize(
    "balance, reason",
    [
        (b"9223372036854775808", "does not fit in 64 bits"),  # 2^63
        (b'"9223372036854775808"', "availableBalance"),
        (b"1e+300", "decimal number"),
        (b"1840.0", "decimal number"),
        (b'"-5"', "negative"),
        (b"-5", "negative"),
    ],
)
async def test_out_of_range_money_is_garbled(sb, standin, balance, reason):
    body = b'{"clientId":"c","currency":"USD","availableBalance":' + balance + b"}"
    standin.script("GET", "/v1/wallet", reply=Canned(200, body))
    async with node_via(standin, sb, max_get_retries=0) as client:
        with pytest.raises(MalformedResponseError) as info:
            await client.wallet()
    assert reason in info.value.message


# --- answers about another record ------------------------------------------------------


async def test_create_answer_about_another_order_is_reconciled(sb, standin):
    sb.set_balance(1_000_000)
    async with node_via(standin, sb) as client:
        req = await order_for(client, "echo")
        standin.script(
            "POST", "/v1/orders", count=1, rewrite=lambda d: {**d, "externalId": "someone-else"}
        )
        accepted = await client.create_order(req)
    assert accepted.external_id == req.external_id
    assert order_truth(sb, req.external_id)["created"] == 1
    assert order_truth(sb, "someone-else") is None
    assert len(standin.requests("POST", "/v1/orders")) == 1


async def test_lookups_about_another_order_leave_the_outcome_unknown(sb, standin):
    sb.set_balance(1_000_000)
    async with node_via(standin, sb, max_get_retries=0) as client:
        req = await order_for(client, "echo2")
        other = {"externalId": "someone-else"}
        standin.script("POST", "/v1/orders", rewrite=lambda d: {**d, **other})
        standin.script("GET", "/v1/orders/", rewrite=lambda d: {**d, **other})
        with pytest.raises(OutcomeUnknownError) as info:
            await client.create_order(req)
        with pytest.raises(WrongRecordError) as wrong:
            await client.get_order(req.external_id)
    assert "answered about “someone-else” when asked about order" in wrong.value.message
    assert "stays in “sending”" in info.value.message
    assert order_truth(sb, req.external_id)["created"] == 1  # never a second order


@pytest.mark.parametrize("status", ["rejected", "draft", "sending", "Shipped!", "<b>sent</b>"])
async def test_a_status_that_is_not_skinsnode_s_is_garbled(sb, standin, status):
    sb.set_balance(1_000_000)
    async with node_via(standin, sb, max_get_retries=0) as client:
        req = await order_for(client, "st")
        await client.create_order(req)
        standin.script("GET", "/v1/orders/", rewrite=lambda d: {**d, "status": status})
        with pytest.raises(MalformedResponseError) as info:
            await client.get_order(req.external_id)
    assert repr(status) in info.value.message


async def test_a_status_the_contract_does_not_list_is_kept_verbatim_and_open(sb, standin):
    # contracts/skinsnode.md: "Unknown statuses: show verbatim, treat as non-terminal".
    sb.set_balance(1_000_000)
    async with node_via(standin, sb, max_get_retries=0) as client:
        req = await order_for(client, "nw")
        await client.create_order(req)
        standin.script("GET", "/v1/orders/", rewrite=lambda d: {**d, "status": "on_hold_review"})
        state = await client.get_order(req.external_id)
    assert state.status == "on_hold_review"
    assert not is_terminal(Provider.SKINSNODE, state.status)


async def test_create_answer_saying_rejected_is_reconciled(sb, standin):
    sb.set_balance(1_000_000)
    async with node_via(standin, sb) as client:
        req = await order_for(client, "rej")
        standin.script("POST", "/v1/orders", count=1, rewrite=lambda d: {**d, "status": "rejected"})
        accepted = await client.create_order(req)
    assert accepted.status != "rejected"
    assert order_truth(sb, req.external_id)["created"] == 1


async def test_deposit_answer_about_an_older_deposit_is_never_applied_to_it(sb, standin):
    async with link_via(standin, sb) as client:
        older = await client.create_deposit_by_hash_name(await quoted_request(client, sb))
        req = await quoted_request(client, sb)
        standin.script(
            "POST",
            "/api/v1/merchant/create-deposit-by-hash-name",
            count=1,
            rewrite=lambda d: {
                **d,
                "data": {**d["data"], "merchant_tx_id": older.merchant_tx_id, "status": "failed"},
            },
        )
        state = await client.create_deposit_by_hash_name(req)
    assert state.merchant_tx_id == req.merchant_tx_id and state.status == "active"
    assert deposit_truth(sb, req.merchant_tx_id) is not None
    assert len(standin.requests("POST", "/api/v1/merchant/create-deposit-by-hash-name")) == 2


async def test_create_answer_naming_another_trade_is_reconciled(sb, standin):
    async with link_via(standin, sb) as client:
        req = await quoted_request(client, sb)
        standin.script(
            "POST",
            "/api/v1/merchant/create-deposit-by-hash-name",
            count=1,
            rewrite=lambda d: {**d, "data": {**d["data"], "id": req.trade_id + 1000}},
        )
        state = await client.create_deposit_by_hash_name(req)
    assert (state.id, state.merchant_tx_id) == (req.trade_id, req.merchant_tx_id)
    assert len(standin.requests("POST", "/api/v1/merchant/create-deposit-by-hash-name")) == 1


async def test_deposit_status_about_another_deposit_or_trade_is_wrong_record(sb, standin):
    async with link_via(standin, sb, max_get_retries=0) as client:
        state = await client.create_deposit_by_hash_name(await quoted_request(client, sb))
        standin.script(
            "GET",
            "/api/v1/merchant/deposit/status",
            count=2,
            rewrite=lambda d: {**d, "data": {**d["data"], "merchant_tx_id": "other", "id": 1}},
        )
        with pytest.raises(WrongRecordError):
            await client.deposit_status(merchant_tx_id=state.merchant_tx_id)
        with pytest.raises(WrongRecordError):
            await client.deposit_status(id=state.id)
        standin.script(
            "GET",
            "/api/v1/merchant/deposit/status",
            count=1,
            rewrite=lambda d: {
                **d,
                "data": {k: v for k, v in d["data"].items() if k != "merchant_tx_id"},
            },
        )
        with pytest.raises(WrongRecordError, match="no record at all"):
            await client.deposit_status(merchant_tx_id=state.merchant_tx_id)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"status": "rejected"}, "console state"),
        ({"status": "sending"}, "console state"),
        ({"status": "Paid in full"}, "not a Skinslink deposit status"),
        ({"id": 2**64}, "64 bits"),
        ({"id": Decimal("5.0")}, "integer id"),
        ({"bot_steam_id": 2**64}, "64 bits"),
        ({"amount": Decimal("-1.5")}, "negative"),
        ({"amount": Decimal("1e+300")}, "out of range"),
    ],
)
async def test_garbled_deposit_status_fields(sb, standin, change, reason):
    async with link_via(standin, sb, max_get_retries=0) as client:
        state = await client.create_deposit_by_hash_name(await quoted_request(client, sb))
        standin.script(
            "GET",
            "/api/v1/merchant/deposit/status",
            rewrite=lambda d: {**d, "data": {**d["data"], **change}},
        )
        with pytest.raises(MalformedResponseError) as info:
            await client.deposit_status(merchant_tx_id=state.merchant_tx_id)
    assert reason in info.value.message


async def test_a_quote_naming_items_not_asked_for_is_garbled(sb, standin):
    def swap(d):
        items = [{**item, "name": "Something Else"} for item in d["data"]["items"]]
        return {**d, "data": {**d["data"], "items": items}}

    standin.script("POST", "/api/v1/merchant/get-prices", rewrite=swap)
    async with link_via(standin, sb, max_get_retries=0) as client:
        with pytest.raises(MalformedResponseError, match="not in the quote asked for"):
            await client.get_prices("csgo", ["AK-47 | Redline (Field-Tested)"])


# --- scripted answers: refusals on HTTP 200, Steam account codes, Retry-After dates ----


def scripted_link(provider, **kw) -> SkinslinkClient:
    return SkinslinkClient(provider.url + "/api/v1", "key", timeout=3.0, **{**QUICK, **kw})


@pytest.mark.parametrize(
    "message, code, words",
    [
        ("trade_banned", "trade_banned", "trade-banned"),
        ("the seller changed their mind", "refused", "“the seller changed their mind”"),
    ],
)
async def test_success_false_on_http_200_is_a_refusal(provider, message, code, words):
    answer = {"success": False, "message": message}
    provider.script("POST", "/api/v1/merchant/get-prices", reply=Canned(200, answer))
    async with scripted_link(provider) as client:
        with pytest.raises(ProviderRefusal) as info:
            await client.get_prices("csgo", ["AK-47 | Redline (Field-Tested)"])
    assert info.value.code == code and words in info.value.message
    assert not info.value.outcome_unknown  # a definite answer: not retried, not reconciled
    assert len(provider.requests("POST", "/api/v1/merchant/get-prices")) == 1


@pytest.mark.parametrize(
    "code, words",
    [
        ("trade_link_revoked", "trade link was revoked"),
        ("profile_private", "inventory is private"),
        ("limited_account", "account is limited"),
        ("hold", "Mobile Authenticator"),
        ("hold_and_permissions", "trade hold"),
    ],
)
async def test_steam_account_codes_over_http(provider, code, words):
    answer = {
        "success": False,
        "message": "validation error",
        "data": [{"field": "partner", "code": code, "message": code}],
    }
    provider.script("POST", "/api/v1/merchant/get-prices", reply=Canned(400, answer))
    async with scripted_link(provider) as client:
        with pytest.raises(ProviderRefusal) as info:
            await client.get_prices("csgo", ["AK-47 | Redline (Field-Tested)"])
    assert info.value.code == code and words in info.value.message
    assert info.value.details == answer["data"]


async def test_a_steam_error_number_in_a_fail_reason_is_explained(provider):
    data = {"id": 742, "merchant_tx_id": "tx-15", "status": "failed"}
    data["fail_reason"] = "There was an error sending your trade offer (15)"
    answer = {"success": True, "message": "Deposit failed", "data": data}
    provider.script(
        "POST", "/api/v1/merchant/create-deposit-by-hash-name", reply=Canned(200, answer)
    )
    request = DepositRequest(742, "tx-15", "csgo", 123456789, "AbCdEfGh", (DepositItem("1", "A"),))
    async with scripted_link(provider) as client:
        with pytest.raises(DepositFailedError) as info:
            await client.create_deposit_by_hash_name(request)
    assert "(Steam error 15)" in info.value.message and "fresh trade URL" in info.value.message


async def test_an_http_date_retry_after(provider):
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    limited = Canned(429, {"success": False, "message": "slow down"}, {"Retry-After": later})
    provider.script("GET", "/api/v1/merchant/deposit/status", reply=limited, count=1)
    async with scripted_link(provider) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.deposit_status(merchant_tx_id="tx")
    assert 3000 < info.value.retry_after <= 3600  # an hour is reported, not slept through
    assert "wait 3" in info.value.message
    assert len(provider.requests("GET", "/api/v1/merchant/deposit/status")) == 1

    # A date already past means "now": the read is tried again at once and succeeds.
    earlier = format_datetime(datetime.now(UTC) - timedelta(minutes=1), usegmt=True)
    ok = {
        "success": True,
        "message": "ok",
        "data": {"id": 5, "merchant_tx_id": "tx", "status": "active"},
    }
    provider.script("GET", "/api/v1/merchant/deposit/status", reply=Canned(200, ok))
    limited = Canned(429, {"success": False, "message": "slow down"}, {"Retry-After": earlier})
    provider.script("GET", "/api/v1/merchant/deposit/status", reply=limited, count=1)
    async with scripted_link(provider) as client:
        state = await client.deposit_status(merchant_tx_id="tx")
    assert state.status == "active"
    assert len(provider.requests("GET", "/api/v1/merchant/deposit/status")) == 3

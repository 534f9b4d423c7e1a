import pytest

from skins_console.core.statuses import (
    DEPOSIT_TERMINAL,
    ORDER_TERMINAL,
    Provider,
    describe,
    is_terminal,
    should_apply,
)

SN, SL = Provider.SKINSNODE, Provider.SKINSLINK


@pytest.mark.parametrize(
    "current,new,expected",
    [
        (None, "accepted", True),
        ("draft", "accepted", True),
        ("sending", "sent", True),
        ("sending", "failed", True),
        ("accepted", "queued", True),
        ("queued", "processing", True),
        ("processing", "pending", True),
        ("pending", "sent", True),
        ("sent", "completed", True),
        ("sent", "expired", True),
        ("sent", "pending", False),  # an older poll must not move it back
        ("processing", "queued", False),
        ("sent", "sent", False),
        ("completed", "reversed", True),  # the one legal late move
        ("completed", "sent", False),
        ("completed", "failed", False),
        ("failed", "completed", False),
        ("expired", "sent", False),
        ("reversed", "completed", False),
        ("sent", "on_hold_new_status", True),  # unknown statuses are shown, not hidden
    ],
)
def test_skinsnode_rule(current, new, expected):
    assert should_apply(SN, current, new) is expected


@pytest.mark.parametrize(
    "current,new,expected",
    [
        ("sending", "active", True),
        ("active", "hold", True),
        ("hold", "completed", True),
        ("hold", "reverted", True),
        ("hold", "active", False),
        ("completed", "reverted", True),
        ("completed", "hold", False),
        ("failed", "active", False),
        ("canceled", "completed", False),
        ("new", "active", True),
    ],
)
def test_skinslink_rule(current, new, expected):
    assert should_apply(SL, current, new) is expected


def test_no_terminal_is_ever_regressed_by_a_non_terminal():
    for provider, terminal, flow in (
        (SN, ORDER_TERMINAL, ["accepted", "queued", "processing", "pending", "sent"]),
        (SL, DEPOSIT_TERMINAL, ["new", "pending", "active", "hold"]),
    ):
        for done in terminal:
            assert is_terminal(provider, done)
            for open_status in flow:
                assert not should_apply(provider, done, open_status), (done, open_status)


def test_descriptions():
    assert "10 minutes" in describe(SN, "sent")
    assert "Trade Protection" in describe(SL, "hold")
    assert "weird" in describe(SN, "weird")

"""Every provider status is declared once, with everything the rest of the code asks of it."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from skins_console.core.statuses import (
    STATUS_TABLE,
    Group,
    Provider,
    StatusInfo,
    Tone,
    attention_reason,
    group_statuses,
    info,
    is_terminal,
    should_apply,
    word,
)
from skins_console.store.settings import NOTIFICATION_KINDS

#: Every status each provider documents (contracts: SkinsNode §3 order lifecycle; Skinslink
#: deposit-status), plus the three local states. A new provider status fails this test
#: until it has its table entry.
DOCUMENTED = {
    Provider.SKINSNODE: {
        "accepted", "queued", "processing", "pending", "sent",
        "completed", "failed", "cancelled", "expired", "reversed",
    },
    Provider.SKINSLINK: {"new", "pending", "active", "hold", "completed", "failed",
                         "canceled", "reverted"},
}  # fmt: skip
LOCAL = {"draft", "sending", "rejected"}
ENTRIES = [entry for table in STATUS_TABLE.values() for entry in table.values()]


def test_the_table_holds_every_documented_status_and_nothing_else():
    for provider, documented in DOCUMENTED.items():
        assert set(STATUS_TABLE[provider]) == documented | LOCAL


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.provider.value}:{e.status}")
def test_each_status_says_everything_asked_of_it(entry: StatusInfo):
    for field in fields(StatusInfo):
        assert getattr(entry, field.name) is not None or field.name == "notification"
    assert entry.word and entry.word == entry.word.lower()
    assert entry.explanation and entry.explanation[0].isupper()
    assert isinstance(entry.group, Group) and isinstance(entry.tone, Tone)
    # Every outcome the merchant must hear about raises a notification the settings know.
    if entry.terminal or entry.status in ("sent", "hold"):
        assert entry.notification in NOTIFICATION_KINDS
    if entry.notification is not None:
        assert entry.notification in NOTIFICATION_KINDS
        assert entry.notification.startswith(
            "order_" if entry.provider is Provider.SKINSNODE else "deposit_"
        )
    # Consistency between the flags.
    if entry.failure:
        assert entry.terminal and entry.attention and entry.tone is Tone.BAD
    if entry.refunds_wallet:
        assert entry.provider is Provider.SKINSNODE and entry.failure
    if entry.late_moves:
        assert entry.terminal and not entry.failure
        for later in entry.late_moves:
            assert should_apply(entry.provider, entry.status, later)
    assert is_terminal(entry.provider, entry.status) is entry.terminal


def test_merchant_groups_merge_the_providers_spellings():
    cancelled = group_statuses(Group.CANCELLED)
    assert cancelled == {
        Provider.SKINSNODE: frozenset({"cancelled"}),
        Provider.SKINSLINK: frozenset({"canceled"}),
    }
    reversed_ = group_statuses(Group.REVERSED)
    assert reversed_[Provider.SKINSLINK] == {"reverted"}
    assert word(Provider.SKINSLINK, "canceled") == word(Provider.SKINSNODE, "cancelled")
    # "completed" is one word for the banner, the table and the details.
    assert word(Provider.SKINSNODE, "completed") == "delivered"
    # Every group is reachable and every status is in exactly one group.
    for group in Group:
        assert any(group_statuses(group).values()), group
        assert group.label


def test_an_unknown_status_is_kept_open_and_flagged():
    entry = info(Provider.SKINSNODE, "on_hold_new_status")
    assert entry.word == "on_hold_new_status"
    assert not entry.terminal and entry.attention and entry.tone is Tone.NEUTRAL
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert (
        attention_reason("skinsnode", "on_hold_new_status", updated_at=now, deadline=None, now=now)
        == "unknown status"
    )


def test_attention_rule():
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    fresh, old = now - timedelta(minutes=1), now - timedelta(minutes=6)

    def reason(provider, status, updated_at=fresh, deadline=None):
        return attention_reason(provider, status, updated_at=updated_at, deadline=deadline, now=now)

    assert reason("skinsnode", "failed") == "failed"
    assert reason("skinslink", "canceled") == "canceled"
    assert reason("skinsnode", "sending") is None
    assert reason("skinsnode", "sending", updated_at=old) == "stuck: not confirmed by the provider"
    assert reason("skinslink", "draft", updated_at=old) == "stuck: not confirmed by the provider"
    assert reason("skinsnode", "sent", deadline=now - timedelta(minutes=1)) is None
    assert reason("skinsnode", "sent", deadline=now - timedelta(minutes=3)) == (
        "stuck: past its trade window"
    )
    assert reason("skinslink", "active", deadline=now - timedelta(minutes=3)) == (
        "stuck: past its trade window"
    )
    assert reason("skinsnode", "completed") is None
    # A Steam hold that ended without the provider completing the deposit.
    assert reason("skinslink", "hold", deadline=now - timedelta(minutes=30)) is None
    assert reason("skinslink", "hold", deadline=now - timedelta(hours=2)) == (
        "hold ended without completion"
    )
    # A provider-side open status that has not moved for longer than it normally takes.
    assert reason("skinsnode", "processing", updated_at=now - timedelta(minutes=20)) is None
    assert reason("skinsnode", "processing", updated_at=now - timedelta(minutes=31)) == (
        "stuck: no progress from the provider"
    )
    assert reason("skinslink", "pending", updated_at=now - timedelta(hours=1)) == (
        "stuck: no progress from the provider"
    )
    assert reason("skinsnode", "sent", updated_at=now - timedelta(hours=1)) is None

"""Source rules for the UI layer (style anchors §10/§12): one way to start work, no nested
event loops."""

import itertools
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "skins_console" / "ui"


def _sources():
    for path in sorted(UI.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def test_tasks_are_only_created_by_the_task_runner():
    offenders = [
        path.name
        for path, text in _sources()
        if path.name != "task_runner.py" and re.search(r"\b(create_task|ensure_future)\s*\(", text)
    ]
    assert offenders == []


#: the one local Qt loop allowed: it paints the window at start-up before any asyncio loop
#: exists (ui/launch.py: paint_before_the_loop, which refuses to run inside one), so it
#: nests in nothing
BEFORE_ANY_LOOP = {"launch.py": 1}


def test_no_nested_event_loops():
    pattern = re.compile(
        r"\.exec\(\)|\bexec_\(|processEvents\(|QMessageBox\.(question|"
        r"information|warning|critical)\(|QFileDialog\.get\w+\("
    )
    offenders = [
        path.name
        for path, text in _sources()
        if len(list(pattern.finditer(text))) > BEFORE_ANY_LOOP.get(path.name, 0)
    ]
    assert offenders == []


def test_counts_are_phrased_with_correct_plurals():
    from skins_console.ui.wording import plural

    assert plural(1, "order") == "1 order"
    assert plural(0, "order") == "0 orders"
    assert plural(1_250, "line") == "1,250 lines"
    assert plural(1, "order or deposit", "orders and deposits") == "1 order or deposit"


def test_wallet_chart_draws_steps_on_round_money_ticks():
    from skins_console.ui.wallet_tab import money_ticks, step_points

    # A balance holds between checks and changes at an instant: a step, not a slope.
    assert step_points([(1, 500), (2, 500), (3, 700), (5, 200)]) == [
        (1, 500),
        (2, 500),
        (3, 500),
        (3, 700),
        (5, 700),
        (5, 200),
    ]
    ticks = money_ticks(123_456, 389_002)
    assert ticks[0] <= 123_456 and ticks[-1] >= 389_002
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and str(steps.pop()).strip("0") in ("1", "2", "5")
    assert len(money_ticks(389_002, 389_002)) >= 2  # a flat history still gets an axis


def test_the_buyer_message_is_true_at_the_moment():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from skins_console.ui.sell_dialog import buyer_message

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    accepted = SimpleNamespace(status="accepted", sent_at=None)
    assert "sent you" not in buyer_message(accepted, now)
    sent = SimpleNamespace(status="sent", sent_at=now - timedelta(minutes=7, seconds=10))
    assert "within 2 minutes" in buyer_message(sent, now)
    sent_just_now = SimpleNamespace(status="sent", sent_at=now)
    assert "within 10 minutes" in buyer_message(sent_just_now, now)
    # A demo clock ×10 makes the window one real minute; the buyer still hears SkinsNode's
    # minutes (the dialog's headline says 10), not "about to expire" seconds after sending.
    demo = timedelta(minutes=1)
    sent_4s_ago = SimpleNamespace(status="sent", sent_at=now - timedelta(seconds=4))
    assert "within 9 minutes" in buyer_message(sent_4s_ago, now, demo)
    sent_55s_ago = SimpleNamespace(status="sent", sent_at=now - timedelta(seconds=55))
    assert "about to expire" in buyer_message(sent_55s_ago, now, demo)

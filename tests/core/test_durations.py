from datetime import timedelta

import pytest

from skins_console.core.durations import format_age, format_remaining


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-5), "passed"),
        (timedelta(0), "passed"),
        (timedelta(minutes=4, seconds=58), "4:58"),
        (timedelta(hours=2, minutes=5), "2h 05m"),
        (timedelta(days=7, hours=3, minutes=59), "7d 3h"),
    ],
)
def test_time_left_reads_in_the_largest_useful_units(delta, text):
    assert format_remaining(delta) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-1), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=61), "1h 1m"),
        (timedelta(days=2, hours=5), "2d"),
    ],
)
def test_age_never_goes_negative_and_drops_detail_as_it_grows(delta, text):
    assert format_age(delta) == text

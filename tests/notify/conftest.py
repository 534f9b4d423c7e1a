from __future__ import annotations

import pytest

from tests.notify.standins import DiscordStandIn, TelegramStandIn


@pytest.fixture
def telegram():
    stand_in = TelegramStandIn()
    yield stand_in
    stand_in.close()


@pytest.fixture
def discord():
    stand_in = DiscordStandIn()
    yield stand_in
    stand_in.close()

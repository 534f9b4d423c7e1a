import asyncio

from skins_console.ui.throttle import Throttle


async def test_at_most_once_per_interval_and_the_last_call_is_not_lost(qapp):
    runs = []
    throttle = Throttle(lambda: runs.append(asyncio.get_running_loop().time()), 200)
    for _ in range(10):
        throttle()  # the first runs at once, the other nine fold into one trailing run
    assert len(runs) == 1
    await asyncio.sleep(0.35)
    assert len(runs) == 2 and runs[1] - runs[0] >= 0.18
    await asyncio.sleep(0.3)
    throttle()  # quiet for longer than the interval: runs at once again
    assert len(runs) == 3

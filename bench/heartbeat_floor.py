"""The floor for event-loop stalls: a bare Qt process with the same 5 ms heartbeat.

    python bench/heartbeat_floor.py SECONDS

Runs nothing but a ``QCoreApplication`` and a 5 ms ``QTimer`` for SECONDS, then prints one
line of JSON: the longest gap between two ticks, the p99 and the median (ms). Started by a
benchmark alongside its own measured window, it shows what the machine's scheduler alone
does to a 5 ms timer under the same load at the same time (on a shared 2-core box with a
load average of 4, a process that does no work at all still misses a tick by 20-40 ms now
and then). A console's stall is judged against it.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from PySide6.QtCore import QCoreApplication, QTimer


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else 60.0
    app = QCoreApplication(sys.argv[:1])
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000.0)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(beat)
    timer.start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    gaps.sort()
    print(
        json.dumps(
            {
                "longest_ms": round(gaps[-1], 1) if gaps else None,
                "p99_ms": round(gaps[int(len(gaps) * 0.99)], 1) if gaps else None,
                "median_ms": round(statistics.median(gaps), 1) if gaps else None,
                "over_16ms": sum(1 for gap in gaps if gap > 16.0),
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

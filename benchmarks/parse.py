"""Parse speed: a 20,000-line diagram, the whole bundled library, and the
growth of time with the pathological shapes of :mod:`benchmarks.pathological`.

Run with ``python -m benchmarks.parse``.
"""

from __future__ import annotations

import statistics
import time

from benchmarks import pathological
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.wsd.parser import parse

BLOCK = (
    "# nova/compute/api.py API.pause()\n"
    "A->+B: call with text\n"
    "alt ok\n  note over A,B: state\nelse\n  B->>C: cast\nend\n"
    "B-->-A: reply\n"
)


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    for repeat in (250, 2500):
        text = BLOCK * repeat
        lines = text.count("\n")
        seconds = best_of(5, lambda text=text: parse(text))
        print(f"parse {lines:>6} lines: {seconds * 1000:8.1f} ms")
    small = best_of(5, lambda: parse(BLOCK * 250))
    large = best_of(5, lambda: parse(BLOCK * 2500))
    print(f"ratio 20,000 / 2,000 lines: {large / small:.1f} (10 is linear)")
    workflows = [w for w in Library().workflows() if not w.removed]
    per = [best_of(3, lambda w=w: parse(w.source)) for w in workflows]
    if per:
        median = statistics.median(per) * 1000
        total = sum(per) * 1000
        print(
            f"library: {len(per)} workflows, median {median:.2f} ms,"
            f" total {total:.1f} ms"
        )

    pathological.main()


if __name__ == "__main__":
    main()

"""What the six series cost: the wheel's size, the bundled indexes' size per
series, the time to load a series' indexes, and the drift matrix of the whole
library.

Run with ``python -m benchmarks.releases``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sphinxcontrib_oswsd.drift import drift, release_resolver
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.sources import SERIES, Resolver, bundled_releases

ROOT = Path(__file__).resolve().parent.parent


def wheel_size() -> int:
    """The size in bytes of the wheel ``pip wheel`` builds from this checkout."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                str(ROOT),
                "-w",
                out,
            ],
            check=True,
        )
        (wheel,) = Path(out).glob("*.whl")
        return wheel.stat().st_size


def main() -> None:
    print(f"wheel: {wheel_size() / 1024:8.0f} KB")
    bundled = bundled_releases()
    files = [path for versions in bundled.values() for path in versions.values()]
    total = sum(path.stat().st_size for path in files)
    print(f"indexes: {len(files)} files, {total / 1024:.0f} KB")
    for series, versions in SERIES.items():
        size = sum(bundled[p][v].stat().st_size for p, v in versions.items())
        start = time.perf_counter()
        resolver = Resolver(release=series)
        for project in versions:
            resolver.index(project)
        seconds = time.perf_counter() - start
        print(f"{series}: {size / 1024:6.0f} KB, loaded in {seconds * 1000:6.0f} ms")
    workflows = [w for w in Library().workflows() if not w.removed]
    start = time.perf_counter()
    holding = {series: 0 for series in SERIES}
    for workflow in workflows:
        for series in SERIES:
            chosen = workflow.for_release(series)
            found = drift(
                chosen.name, str(chosen.path), chosen.source, release_resolver(series)
            )
            holding[series] += found.holds
    seconds = time.perf_counter() - start
    print(
        f"drift matrix of {len(workflows)} workflows x {len(SERIES)} series: "
        f"{seconds:.1f} s"
    )
    print("workflows holding: " + ", ".join(f"{s} {n}" for s, n in holding.items()))


if __name__ == "__main__":
    main()

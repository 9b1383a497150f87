"""API rendering of the whole library: serial, concurrent, then from the cache.

Run ``python -m benchmarks.api_batch`` from the repository root. It starts
the local stand-in for websequencediagrams.com with 300 ms of latency on
every request (a render is a POST and a GET), renders every bundled workflow
with one request at a time and then with the default batch of 4, and renders
them again from the warm cache, which must make no request at all.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.render.batch import RenderOptions, RenderRequest, render_batch
from sphinxcontrib_oswsd.render.cache import Cache
from tests.wsd_server import WSDServer


def timed_batch(
    requests: list[RenderRequest], cache_dir: Path, concurrency: int
) -> tuple[float, int]:
    """Seconds taken, and diagrams that did not come from the API or cache."""
    options = RenderOptions(cache_dir=cache_dir, concurrency=concurrency, timeout=30)
    start = time.perf_counter()
    results = render_batch(requests, options=options)
    elapsed = time.perf_counter() - start
    return elapsed, sum(not r.ok or r.fell_back for r in results.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3, help="per request (s)")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    workflows = [w for w in Library().workflows() if w.removed is None]
    with (
        WSDServer(latency=args.latency) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        requests = [
            RenderRequest(
                name=w.name, source=w.source, path=str(w.path), api_url=server.url
            )
            for w in workflows
        ]
        n = len(requests)
        print(f"{n} workflows, {args.latency * 1000:.0f} ms per request, 2 per render")

        serial, bad = timed_batch(requests, Path(tmp, "serial"), 1)
        print(f"serial (concurrency 1):  {serial:6.2f} s  ({bad} not from the API)")

        cache_dir = Path(tmp, "batch")
        batch, bad = timed_batch(requests, cache_dir, args.concurrency)
        ideal = math.ceil(n / args.concurrency) * 2 * args.latency
        print(
            f"batch (concurrency {args.concurrency}):   {batch:6.2f} s  "
            f"({bad} not from the API; ideal {ideal:.2f} s)"
        )
        print(f"speed-up: {serial / batch:.2f}x")

        server.clear_log()
        warm, bad = timed_batch(requests, cache_dir, args.concurrency)
        print(
            f"warm cache:              {warm:6.2f} s  ({len(server.requests)} requests)"
        )

        info = Cache(cache_dir).info()
        files = list(cache_dir.iterdir())
        print(
            f"cache dir: {info.entries} entries, {len(files)} files, "
            f"{info.size / 1024:.1f} KiB ({info.size / max(info.entries, 1) / 1024:.1f}"
            f" KiB per entry), {info.partial} partial writes"
        )


if __name__ == "__main__":
    main()

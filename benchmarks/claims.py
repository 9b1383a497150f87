"""Claim speed: finding the claims of a large diagram (and how time grows
with it), loading the bundled facts, and verifying the whole library.

Run with ``python -m benchmarks.claims``.
"""

from __future__ import annotations

import time

from benchmarks.parse import best_of
from sphinxcontrib_oswsd.check import check_workflow
from sphinxcontrib_oswsd.claims import claims_of
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.sources import Resolver, bundled_indexes
from sphinxcontrib_oswsd.wsd.parser import parse

BLOCK = (
    "# nova/compute/rpcapi.py ComputeAPI.pause_instance()\n"
    "A->>B: pause_instance (cast)\n"
    "note over B: policy os_compute_api:os-pause-server:pause"
    " (default: project member or admin)\\nvm_state = PAUSED\\n"
    "notification instance.pause.start\n"
    "B-->A: 202 Accepted\n"
)


def main() -> None:
    small, large = parse(BLOCK * 500), parse(BLOCK * 2000)
    first = best_of(5, lambda: claims_of(small))
    second = best_of(5, lambda: claims_of(large))
    print(f"claims of {len(claims_of(small))} : {first * 1000:.1f} ms")
    print(f"claims of {len(claims_of(large))} : {second * 1000:.1f} ms")
    print(f"ratio 4x input: {second / first:.1f} (4 is linear)")
    resolver = Resolver()
    start = time.perf_counter()
    for repository in bundled_indexes():
        resolver.index(repository)
    print(f"load every bundled index: {(time.perf_counter() - start) * 1000:.0f} ms")
    workflows = [w for w in Library().workflows() if not w.removed]
    start = time.perf_counter()
    checks = [
        check_workflow(w.name, str(w.path), w.source, resolver, True) for w in workflows
    ]
    seconds = time.perf_counter() - start
    claims = sum(sum(c.claims[k][0] + c.claims[k][1] for k in c.claims) for c in checks)
    print(f"check --strict, {len(checks)} workflows, {claims} claims: {seconds:.2f} s")


if __name__ == "__main__":
    main()

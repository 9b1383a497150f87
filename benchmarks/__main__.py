"""Run every benchmark: ``python -m benchmarks``; one: ``python -m benchmarks.parse``.

Each prints times measured in this run and the ratios between them; none is a
pass/fail test.
"""

from __future__ import annotations

import importlib

MODULES = (
    "parse",
    "claims",
    "render_local",
    "seqdiag",
    "widths",
    "api_batch",
    "sphinx_build",
)


def main() -> None:
    for name in MODULES:
        print(f"== benchmarks.{name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
        print(flush=True)


if __name__ == "__main__":
    main()

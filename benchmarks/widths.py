"""How wide the offline renderer draws the library, with and without a budget.

Run ``python -m benchmarks.widths [--max-width 900]`` from the repository
root.  For every bundled workflow it prints the natural width and height, the
width and height under the budget (``oswsd_max_width``), and a summary:
min/median/max, how many diagrams still exceed the budget, and the time the
budgeted layouts take.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sphinxcontrib_oswsd.render.layout import layout
from sphinxcontrib_oswsd.wsd.parser import parse

from .render_local import bundled


def summary(label: str, widths: list[float], budget: float) -> str:
    over = sum(width > budget for width in widths)
    return (
        f"{label:>9}: min {min(widths):6.0f}  median {statistics.median(widths):6.0f}"
        f"  max {max(widths):6.0f}  wider than {budget:g}: {over}/{len(widths)}"
    )


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--max-width", type=float, default=900.0)
    options = args.parse_args(argv)
    budget = options.max_width
    rows = []
    elapsed = 0.0
    for name, source in bundled():
        diagram = parse(source)
        natural = layout(diagram)
        start = time.perf_counter()
        fitted = layout(diagram, max_width=budget)
        elapsed += time.perf_counter() - start
        rows.append((name, natural, fitted))
    print(f"{'diagram':32} {'natural w x h':>14} {f'budget {budget:g}':>14}")
    for name, natural, fitted in sorted(rows, key=lambda row: -row[1].width):
        print(
            f"{name:32} {natural.width:6.0f} x {natural.height:5.0f}"
            f" {fitted.width:6.0f} x {fitted.height:5.0f}"
        )
    print(summary("natural", [row[1].width for row in rows], budget))
    print(summary("budget", [row[2].width for row in rows], budget))
    print(
        f"budgeted layout: {elapsed / len(rows) * 1000:.1f} ms per diagram on average"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

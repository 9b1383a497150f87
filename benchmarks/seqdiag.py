"""Our drawing of seqdiag sources against seqdiag 3.0 itself.

Run ``python -m benchmarks.seqdiag`` from the repository root. It times,
per source, what ``.. seqdiag::`` costs here (parse the seqdiag language,
draw SVG; and PDF, what LaTeX gets) and what sphinxcontrib-seqdiag cost
(seqdiag's parse, layout and drawing, PNG and SVG). seqdiag needs Pillow < 10,
so it runs in a separate environment whose Python is named by
``OSWSD_SEQDIAG_PYTHON``, timed inside that process (interpreter start not
counted), e.g.::

    python3 -m venv /tmp/seqdiag-venv
    /tmp/seqdiag-venv/bin/pip install seqdiag==3.0.0 pillow==9.5.0
    OSWSD_SEQDIAG_PYTHON=/tmp/seqdiag-venv/bin/python python -m benchmarks.seqdiag

The sources: the documentation's example, and synthetic diagrams of 50 and
200 edges using every construct both draw (notes, returns, separators,
``alt`` and ``loop``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from benchmarks.render_local import median_ms
from sphinxcontrib_oswsd.diag.parser import parse
from sphinxcontrib_oswsd.render.local import render_local

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "boot.diag"
NODES = ("user", "api", "conductor", "scheduler", "compute", "db", "queue")
REPEAT = 3

#: Runs in seqdiag's environment: times each source, prints JSON.
THEIRS = """
import json, statistics, sys, tempfile, time
from seqdiag import builder, drawer, parser

def draw(source, fmt, path):
    tree = parser.parse_string(source)
    image = drawer.DiagramDraw(fmt, builder.ScreenNodeBuilder.build(tree), path)
    image.draw()
    image.save()

sources, repeat = json.load(sys.stdin)
result = []
with tempfile.TemporaryDirectory() as out:
    for name, source in sources:
        row = {}
        for fmt in ("PNG", "SVG"):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                draw(source, fmt, f"{out}/x.{fmt.lower()}")
                times.append(time.perf_counter() - start)
            row[fmt.lower()] = statistics.median(times) * 1000
        result.append(row)
print(json.dumps(result))
"""


def synthetic(edges: int) -> str:
    """``edges`` edges among seven nodes; a block, a divider and a delay in
    every 25 (seqdiag allows no separator inside a block)."""
    lines = ["seqdiag {", "  default_note_color = lightyellow;"]
    for i in range(edges):
        a, b = NODES[i % len(NODES)], NODES[(i * 3 + 1) % len(NODES)]
        step = i % 25
        if step == 5:
            lines.append("  alt {" if i % 50 == 5 else "  loop {")
        elif step == 20:
            lines.append(f"  === phase {i // 25} ===")
        elif step == 22:
            lines.append("  ... a while ...")
        if i % 3 == 0:
            lines.append(f'  {a} => {b} [label = "call {i}", return = "done {i}"];')
        elif i % 3 == 1:
            lines.append(f'  {a} ->> {b} [label = "cast {i}", note = "note {i}"];')
        else:
            lines.append(f'  {a} --> {b} [label = "reply {i}", leftnote = "left"];')
        if step == 14:
            lines.append("  }")
    return "\n".join(lines) + "\n}\n"


def sources() -> list[tuple[str, str]]:
    return [
        ("docs/examples/boot.diag", EXAMPLE.read_text("utf-8")),
        ("synthetic, 50 edges", synthetic(50)),
        ("synthetic, 200 edges", synthetic(200)),
    ]


def ours(source: str) -> dict[str, float]:
    return {
        fmt: median_ms(lambda fmt=fmt: render_local(parse(source)[0], fmt), REPEAT)
        for fmt in ("svg", "pdf")
    }


def theirs(named: list[tuple[str, str]]) -> list[dict[str, float]] | None:
    python = os.environ.get("OSWSD_SEQDIAG_PYTHON")
    if not python:
        return None
    done = subprocess.run(
        [python, "-c", THEIRS],
        input=json.dumps([named, REPEAT]),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    named = sources()
    mine = [ours(source) for _, source in named]
    other = theirs(named)
    print(f"{'source':26} {'oswsd svg':>10} {'oswsd pdf':>10}", end="")
    print(f" {'seqdiag png':>12} {'seqdiag svg':>12}  x png  x svg" if other else "")
    for index, (name, _) in enumerate(named):
        row = mine[index]
        print(f"{name:26} {row['svg']:8.1f}ms {row['pdf']:8.1f}ms", end="")
        if other:
            them = other[index]
            # How many times faster our SVG is than seqdiag's PNG (its HTML
            # default) and than its SVG.
            png, svg = them["png"] / row["svg"], them["svg"] / row["svg"]
            print(f" {them['png']:10.1f}ms {them['svg']:10.1f}ms {png:6.0f} {svg:6.0f}")
        else:
            print()
    if other is None:
        print("seqdiag not measured: set OSWSD_SEQDIAG_PYTHON (see the docstring)")


if __name__ == "__main__":
    main()

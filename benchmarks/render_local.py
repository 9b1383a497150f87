"""How fast the offline renderer draws, and how big its output is.

Run ``python -m benchmarks.render_local`` from the repository root.  It draws
every bundled workflow and a synthetic 500-message diagram as SVG and PDF and
prints the median time per diagram, the totals and the output sizes.

For context it also times ``seqdiag`` (blockdiag's sequence diagrams, which
OpenStack docs used until Pillow 10 broke them) on the same messages, when
it can be imported; seqdiag is not a dependency of this project, so run the
benchmark from an environment that has it, e.g. a virtualenv made with
``--system-site-packages`` and ``pip install seqdiag "Pillow<10"``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sphinxcontrib_oswsd.render.local import render_local
from sphinxcontrib_oswsd.wsd.model import Diagram, Message
from sphinxcontrib_oswsd.wsd.parser import parse

WORKFLOWS = Path(__file__).parent.parent / "sphinxcontrib_oswsd" / "workflows"
PARTICIPANTS = ("client", "api", "conductor", "scheduler", "compute", "db", "mq")
ARROWS = ("->", "-->", "->>", "-->>")


def bundled() -> list[tuple[str, str]]:
    """(name, source) of every bundled workflow that is not removed."""
    try:
        from sphinxcontrib_oswsd.library import Library
    except ImportError:
        paths = sorted(WORKFLOWS.glob("*/*.wsd"))
        return [(f"{p.parent.name}/{p.stem}", p.read_text("utf-8")) for p in paths]
    return [(w.name, w.source) for w in Library().workflows() if not w.removed]


def synthetic(messages: int = 500) -> str:
    """A long diagram using most constructs: ``messages`` messages between
    seven participants, with notes, activations, groups every few lines."""
    lines = ["title Synthetic diagram", "autonumber"]
    lines += [f"participant {name}" for name in PARTICIPANTS]
    for i in range(messages):
        source = PARTICIPANTS[i % len(PARTICIPANTS)]
        target = PARTICIPANTS[(i * 3 + 1) % len(PARTICIPANTS)]
        if i % 50 == 0:
            lines.append(f"alt case {i}" if i % 100 == 0 else f"loop round {i}")
        arrow = ARROWS[i % len(ARROWS)]
        lines.append(f"# nova/compute/manager.py ComputeManager.step_{i}()")
        lines.append(f"{source}{arrow}{target}: message number {i} with some words")
        if i % 7 == 0:
            lines.append(
                f"note over {target}: a note about step {i}, long enough to wrap"
            )
        if i % 50 == 49:
            lines.append("end")
    return "\n".join(lines) + "\n"


def median_ms(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def link(ref) -> str:
    return f"https://opendev.org/openstack/nova/src/tag/34.0.0/{ref.path}"


def measure(name: str, diagram: Diagram, repeat: int) -> dict:
    row = {"name": name}
    for fmt in ("svg", "pdf"):
        out = render_local(diagram, fmt, link=link)
        row[f"{fmt}_ms"] = median_ms(
            lambda f=fmt: render_local(diagram, f, link=link), repeat
        )
        row[f"{fmt}_bytes"] = len(out)
    return row


def seqdiag_source(diagram: Diagram) -> str:
    """The messages of ``diagram`` in seqdiag's language (notes and groups
    have no faithful seqdiag form and are left out on both sides)."""
    edges = []
    for item in diagram.walk():
        if isinstance(item, Message):
            arrow = "-->" if item.arrow.dashed else "->"
            text = (
                item.text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            )
            edges.append(
                f'  "{item.source}" {arrow} "{item.target}" [label = "{text}"];'
            )
    return "seqdiag {\n" + "\n".join(edges) + "\n}\n"


def messages_only(diagram: Diagram) -> Diagram:
    items = [item for item in diagram.walk() if isinstance(item, Message)]
    return Diagram(participants=diagram.participants, items=items)


def compare_seqdiag(diagram: Diagram, repeat: int) -> None:
    try:
        from seqdiag import builder, drawer, parser
    except ImportError:
        print("\nseqdiag is not importable here: comparison skipped.")
        return

    source = seqdiag_source(diagram)

    def run_seqdiag() -> str:
        tree = parser.parse_string(source)
        draw = drawer.DiagramDraw("SVG", builder.ScreenNodeBuilder.build(tree))
        draw.draw()
        return draw.save()

    ours = messages_only(diagram)
    count = len(ours.items)
    theirs_ms = median_ms(run_seqdiag, repeat)
    ours_ms = median_ms(lambda: render_local(ours, "svg"), repeat)
    print(f"\nseqdiag comparison, the same {count} messages as SVG:")
    print(f"  seqdiag {theirs_ms:9.1f} ms  {len(run_seqdiag().encode()):>9,} bytes")
    size = len(render_local(ours, "svg"))
    print(f"  oswsd   {ours_ms:9.1f} ms  {size:>9,} bytes")
    print(f"  oswsd is {theirs_ms / ours_ms:.1f}x faster")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--repeat", type=int, default=7, help="runs per diagram")
    options = args.parse_args(argv)
    rows = [measure(name, parse(src), options.repeat) for name, src in bundled()]
    big = parse(synthetic())
    header = f"{'diagram':32} {'svg ms':>8} {'svg bytes':>10}"
    header += f" {'pdf ms':>8} {'pdf bytes':>10}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['name']:32} {row['svg_ms']:8.2f} {row['svg_bytes']:>10,}"
            f" {row['pdf_ms']:8.2f} {row['pdf_bytes']:>10,}"
        )
    print("-" * len(header))
    for fmt in ("svg", "pdf"):
        times = [row[f"{fmt}_ms"] for row in rows]
        sizes = [row[f"{fmt}_bytes"] for row in rows]
        print(
            f"{fmt}: {len(rows)} workflows, median {statistics.median(times):.2f} ms"
            f" per diagram, total {sum(times):.0f} ms;"
            f" median {statistics.median(sizes):,.0f} bytes, total {sum(sizes):,} bytes"
        )
    row = measure("synthetic", big, max(1, options.repeat // 2))
    print(
        f"synthetic, 500 messages: svg {row['svg_ms']:.0f} ms {row['svg_bytes']:,}"
        f" bytes, pdf {row['pdf_ms']:.0f} ms {row['pdf_bytes']:,} bytes"
    )
    compare_seqdiag(big, max(1, options.repeat // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

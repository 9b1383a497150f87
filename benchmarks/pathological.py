"""Input shapes that once took quadratic time, and how their time grows.

Each shape makes a diagram of ``n`` units and names the stage that was slow
with it (issue 13: a line of quoted arrows, spaces in a title, a steps list
with many participants, ``parallel`` with many messages; and seqdiag
sources). Linear code takes about 4 times as long for 4 times the input;
``tests/test_pathological.py`` holds every shape to at most 6, and
``python -m benchmarks.parse`` prints the ratios.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

from sphinxcontrib_oswsd.diag.parser import parse as parse_seqdiag
from sphinxcontrib_oswsd.render.layout import layout
from sphinxcontrib_oswsd.steps import steps_list
from sphinxcontrib_oswsd.wsd.parser import parse


def _parallel(n: int) -> str:
    messages = "".join(f"P{2 * i}->P{2 * i + 1}: m{i}\n" for i in range(n))
    return "parallel {\n" + messages + "}\n"


@dataclass(frozen=True)
class Shape:
    name: str
    make: Callable[[int], str]
    run: Callable[[str], object]
    n: int  # big enough that a run takes tens of milliseconds


SHAPES = (
    Shape("a line of quoted arrows", lambda n: '"->"' * n + "->B: x", parse, 20_000),
    Shape("activate quoted arrows", lambda n: "activate " + '"->"' * n, parse, 20_000),
    Shape("spaces in a title", lambda n: "title a" + " " * n + "b", parse, 4_000_000),
    Shape("spaces around \\n", lambda n: "A->B: a" + " \\n " * n, parse, 100_000),
    Shape("a comment of spaces", lambda n: "#" + " " * n + "x\nA->B", parse, 1_000_000),
    Shape(
        "a steps list with many participants",
        lambda n: "".join(f"P{i}->P{i + 1}: m\n" for i in range(n)),
        lambda text: steps_list(parse(text), {}),
        2_000,
    ),
    Shape(
        "seqdiag: a chain of calls",
        lambda n: "{ " + " => ".join(f"N{i}" for i in range(n)) + "; }",
        parse_seqdiag,
        3_000,
    ),
    Shape(
        "seqdiag: many edges with notes",
        lambda n: "{" + "A -> B [label = x, note = y]; === s ===\n" * n + "}",
        parse_seqdiag,
        1_000,
    ),
    Shape(
        "seqdiag: a long quoted label",
        lambda n: '{ A -> B [label = "' + 'x \\" ' * n + '"]; }',
        parse_seqdiag,
        200_000,
    ),
    Shape(
        "parallel with many messages",
        _parallel,
        lambda text: layout(parse(text)),
        800,
    ),
)


def _seconds(shape: Shape, text: str) -> float:
    """Wall time with the garbage collector off, as :mod:`timeit` does: its
    passes come when they will and would land on either size."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        shape.run(text)
        return time.perf_counter() - start
    finally:
        gc.enable()


def growth(shape: Shape, factor: int = 4, runs: int = 3) -> tuple[float, float]:
    """The best-of-``runs`` seconds for ``shape.n`` units and for ``factor``
    times as many; the two sizes alternate so that a busy machine slows both."""
    small, large = shape.make(shape.n), shape.make(shape.n * factor)
    pairs = [(_seconds(shape, small), _seconds(shape, large)) for _ in range(runs)]
    return min(s for s, _ in pairs), min(t for _, t in pairs)


def main() -> None:
    for shape in SHAPES:
        small, large = growth(shape)
        print(
            f"{shape.name:<38} {shape.n:>7} units {small * 1000:8.1f} ms,"
            f" x4 {large * 1000:8.1f} ms: ratio {large / small:4.1f} (4 is linear)"
        )


if __name__ == "__main__":
    main()

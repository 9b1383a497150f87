"""Diagrams and geometry checks shared by the offline renderer's tests."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from sphinxcontrib_oswsd.render.layout import Layout, Rect
from sphinxcontrib_oswsd.render.layout import Path as Polyline
from sphinxcontrib_oswsd.wsd.model import Diagram
from sphinxcontrib_oswsd.wsd.parser import parse

HERE = Path(__file__).parent
EVERY_CONSTRUCT = HERE / "fixtures" / "render" / "every-construct.wsd"
WORKFLOWS = sorted((HERE.parent / "sphinxcontrib_oswsd" / "workflows").glob("*/*.wsd"))

# Shapes text must stay clear of, or wholly inside: boxes and arrow heads.
# Activation bars are left out: a label over a non-adjacent participant
# crosses that participant's bar by design (and has a halo there).
OBSTACLE_ROLES = frozenset(
    {"head", "note", "state", "ref", "ref-tab", "group", "group-tab", "actor",
     "arrowhead", "arrowhead-open"}
)  # fmt: skip


def every_construct() -> Diagram:
    return parse(EVERY_CONSTRUCT.read_text(encoding="utf-8"))


def workflow_ids() -> list[str]:
    return [f"{path.parent.name}/{path.stem}" for path in WORKFLOWS]


def _overlap(a: tuple, b: tuple, eps: float = 0.01) -> bool:
    return (
        a[0] < b[2] - eps
        and b[0] < a[2] - eps
        and a[1] < b[3] - eps
        and b[1] < a[3] - eps
    )


def _inside(a: tuple, b: tuple, eps: float = 0.01) -> bool:
    return (
        b[0] - eps <= a[0]
        and b[1] - eps <= a[1]
        and a[2] <= b[2] + eps
        and a[3] <= b[3] + eps
    )


def text_collisions(drawn: Layout) -> list[str]:
    """Every pair of texts that overlap, every text that crosses the edge of
    a box or touches an arrow head, every text outside the page."""
    texts = list(drawn.texts())
    problems = [
        f"{a.text!r} overlaps {b.text!r}"
        for a, b in combinations(texts, 2)
        if _overlap(a.bounds, b.bounds)
    ]
    page = (0, 0, drawn.width, drawn.height)
    problems += [
        f"{t.text!r} leaves the page" for t in texts if not _inside(t.bounds, page)
    ]
    for element in drawn.elements:
        for shape in element.shapes:
            if (
                not isinstance(shape, (Rect, Polyline))
                or shape.role not in OBSTACLE_ROLES
            ):
                continue
            for text in texts:
                box = text.bounds
                if not _overlap(box, shape.bounds):
                    continue
                if shape.role.startswith("arrowhead") or not _inside(box, shape.bounds):
                    problems.append(
                        f"{text.text!r} crosses a {shape.role} {shape.bounds}"
                    )
    return problems

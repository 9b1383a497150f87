"""Diagrams and geometry checks shared by the offline renderer's tests."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from sphinxcontrib_oswsd.render.layout import Element, Layout, Rect, Text
from sphinxcontrib_oswsd.render.layout import Path as Polyline
from sphinxcontrib_oswsd.wsd.model import Diagram, Note
from sphinxcontrib_oswsd.wsd.parser import parse

HERE = Path(__file__).parent
EVERY_CONSTRUCT = HERE / "fixtures" / "render" / "every-construct.wsd"
WORKFLOWS = sorted((HERE.parent / "sphinxcontrib_oswsd" / "workflows").glob("*/*.wsd"))

# Shapes text must stay clear of, or wholly inside: boxes and arrow heads.
# Activation bars are checked apart (see collisions()).
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


#: How far text, notes, tabs and frame edges keep from an activation bar.
BAR_CLEARANCE = 2.0
#: The least space between the last step and the footer heads.
FOOTER_MARGIN = 10.0
# Boxes that nothing of another element may overlap.
SOLID_ROLES = frozenset(
    {"note", "state", "ref", "ref-tab", "group-tab", "head", "actor"}
)  # fmt: skip


def collisions(drawn: Layout, diagram: Diagram) -> list[str]:
    """Everything :func:`text_collisions` finds, and: a note, label, created
    head, group tab or frame edge on an activation bar (a note over a
    participant may cover that participant's own bars), the text or box of
    one element on a note, tab or head of another, and a step running into
    the footer heads."""
    problems = text_collisions(drawn)
    lifelines = [
        e.shapes[0].points[0][0] for e in drawn.elements if e.kind == "lifeline"
    ]
    column = {p.name: i for i, p in enumerate(diagram.participants)}
    bars = [
        (shape, _owner(shape, lifelines))
        for element in drawn.elements
        if element.kind == "activation"
        for shape in element.shapes
    ]
    for element in drawn.elements:
        own = _own_columns(element, column, lifelines)
        for what, box in _bar_sensitive(element):
            for bar, owner in bars:
                if owner not in own and _overlap(_grown(box), bar.bounds):
                    problems.append(
                        f"{_name(element)}: {what} on a bar of column {owner}"
                    )
    boxes = [
        (element, shape)
        for element in drawn.elements
        for shape in element.shapes
        if isinstance(shape, (Rect, Polyline)) and shape.role in SOLID_ROLES
    ]
    for element in drawn.elements:
        if element.kind in ("participant", "lifeline", "activation"):
            continue
        for shape in element.shapes:
            if not isinstance(shape, Text) and shape.role not in SOLID_ROLES:
                continue
            for other, box in boxes:
                if other is not element and _overlap(shape.bounds, box.bounds):
                    problems.append(
                        f"{_name(element)} overlaps the {box.role} of {_name(other)}"
                    )
    problems += _footer(drawn)
    return problems


def _owner(bar: Rect, lifelines: list[float]) -> int:
    """The column of a bar: nested bars step right of their lifeline."""
    centre = bar.x + bar.w / 2
    return max(i for i, x in enumerate(lifelines) if x <= centre + 0.01)


def _own_columns(
    element: Element, column: dict[str, int], lifelines: list[float]
) -> range:
    """The columns whose bars ``element`` may touch: a note's over them, a
    participant's own (under the head of a participant created late)."""
    step = element.step
    if isinstance(step, Note) and step.position == "over":
        found = sorted(column[name] for name in step.participants)
        return range(found[0], found[-1] + 1)
    if element.kind == "participant":
        x0, _, x1, _ = element.bounds
        own = min(
            range(len(lifelines)), key=lambda i: abs(lifelines[i] - (x0 + x1) / 2)
        )
        return range(own, own + 1)
    return range(0)


def _bar_sensitive(element: Element) -> list[tuple[str, tuple]]:
    """The parts of ``element`` that must keep clear of activation bars."""
    if element.kind == "note":
        return [("the note", element.bounds)]
    parts: list[tuple[str, tuple]] = []
    for shape in element.shapes:
        if isinstance(shape, Text):
            parts.append((repr(shape.text), shape.bounds))
        elif element.kind == "participant" and shape.role in SOLID_ROLES:
            parts.append(("the head", shape.bounds))
        elif shape.role == "group-tab":
            parts.append(("the tab", shape.bounds))
        elif isinstance(shape, Rect) and shape.role == "group":
            x0, y0, x1, y1 = shape.bounds
            parts += [("the frame's edge", (x, y0, x, y1)) for x in (x0, x1)]
    return parts


def _grown(box: tuple, by: float = BAR_CLEARANCE) -> tuple:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _name(element: Element) -> str:
    return f"{element.kind} (line {element.line})"


def _footer(drawn: Layout) -> list[str]:
    heads = [e for e in drawn.elements if e.kind == "participant"]
    steps = [e for e in drawn.elements if e.step is not None or e.kind == "group"]
    if not heads or not steps:
        return []
    footer_top = max(e.bounds[1] for e in heads)
    last = max(e.bounds[3] for e in steps)
    if footer_top > last and footer_top - last < FOOTER_MARGIN:
        return [f"the last step ends {footer_top - last:.1f} px above the footer"]
    return []

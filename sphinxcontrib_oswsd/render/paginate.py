"""Cutting a finished layout into pages, for print.

Printed, a diagram is scaled to the width of the text; a tall one would
then be shrunk to the page height until its text is unreadable (and past
16,384 pt it stops TeX).  Instead it is cut between steps into pages no
taller than a budget.  Every page after the first repeats the participants'
heads so that it reads on its own, and ``newpage`` forces a cut (its title
heads the new page).  Lifelines, activation bars and group frames that run
across a cut are clipped to each page; text never is, and every step keeps
its source link on the page that shows it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace

from ..wsd.model import Diagram, PageBreak
from .layout import (
    MARGIN,
    TITLE_SIZE,
    Element,
    Layout,
    Path,
    Rect,
    Shape,
    Text,
    layout,
)
from .text import ASCENT, FONT_SIZE, line_height, text_width

#: Elements that may be clipped at a cut; all the others are kept whole.
_CLIPPED = frozenset({"lifeline", "activation", "group"})
_GAP = 3.0  # between the last shape above a cut and the cut


def paginate(drawn: Layout, diagram: Diagram, height: float) -> list[Layout]:
    """``drawn`` cut into pages of at most ``height`` (where the steps allow:
    a single step taller than that gets a page of its own), and at every
    ``newpage`` of ``diagram``.  A diagram that fits is returned whole."""
    breaks = [item for item in diagram.walk() if isinstance(item, PageBreak)]
    if drawn.height <= height and not breaks:
        return [drawn]
    parts = _Parts(drawn)
    forced = {}
    for page_break in breaks:
        cut = parts.cut_before(page_break.line)
        if cut is not None:
            forced[cut] = page_break.title
    cuts = parts.cuts(height, sorted(forced))
    if not cuts:
        return [drawn]
    bands = list(zip([0.0, *cuts], [*cuts, drawn.height], strict=True))
    return [
        parts.page(top, bottom, first=i == 0, title=forced.get(top))
        for i, (top, bottom) in enumerate(bands)
    ]


@dataclass(frozen=True)
class Paper:
    """Where a printed diagram goes: the width of the text and the height a
    page leaves for a diagram, in pt; ``landscape`` pages turn the sheet."""

    width: float
    height: float
    landscape: bool = False


@dataclass
class Printed:
    """A diagram ready to print: its pages, the paper they are for, and the
    scale they print at (1: its own size)."""

    pages: list[Layout]
    paper: Paper
    scale: float

    @property
    def smallest_text(self) -> float:
        """The size the smallest text prints at, in pt."""
        sizes = (t.size for page in self.pages for t in page.texts())
        return min(sizes, default=math.inf) * self.scale


def print_pages(
    diagram: Diagram, papers: list[Paper], legible: float, comfortable: float
) -> Printed:
    """``diagram`` laid out for the first of ``papers`` (in order of
    preference) on which its text prints at ``legible`` pt or more, else for
    the last, and cut into pages of it.  The layout's width budget is what
    prints its text at ``comfortable`` pt: labels are wrapped no more than
    that takes."""
    for paper in papers:
        drawn = layout(diagram, paper.width * FONT_SIZE / comfortable)
        scale = min(1.0, paper.width / drawn.width) if drawn.width else 1.0
        printed = Printed([drawn], paper, scale)
        if printed.smallest_text >= legible:
            break
    printed.pages = paginate(drawn, diagram, paper.height / scale)
    return printed


def _shifted(shape: Shape, dy: float) -> Shape:
    if isinstance(shape, Path):
        return replace(shape, points=tuple((x, y + dy) for x, y in shape.points))
    return replace(shape, y=shape.y + dy)


def _clipped(shape: Shape, top: float, bottom: float) -> list[Shape]:
    """The part of a lifeline, bar or frame between ``top`` and ``bottom``;
    a frame cut open stays open (no edge is drawn at the cut)."""
    x0, y0, x1, y1 = shape.bounds
    if y0 >= top and y1 <= bottom:
        return [shape]
    if y1 < top or y0 > bottom:
        return []
    if isinstance(shape, Text):
        return []
    if isinstance(shape, Rect):
        a, b = max(y0, top), min(y1, bottom)
        if shape.role != "group":
            return [replace(shape, y=a, h=b - a, radius=0.0)]
        sides: list[Shape] = [
            Path(((x0, a), (x0, b)), shape.role),
            Path(((x1, a), (x1, b)), shape.role),
        ]
        sides += [Path(((x0, y), (x1, y)), shape.role) for y in (y0, y1) if a == y]
        return sides
    if shape.closed or len(shape.points) != 2:
        return []
    (ax, ay), (bx, by) = shape.points
    if ax != bx:  # horizontal separators lie inside a page or outside it
        return [shape] if top <= ay <= bottom else []
    return [
        replace(
            shape, points=((ax, max(min(ay, by), top)), (bx, min(max(ay, by), bottom)))
        )
    ]


class _Parts:
    """The elements of a layout sorted by what a page does with them."""

    def __init__(self, drawn: Layout) -> None:
        self.drawn = drawn
        fixed = {"participant", "lifeline", "title", *_CLIPPED}
        body = [e for e in drawn.elements if e.kind not in fixed]
        self.body_top = min((e.bounds[1] for e in body), default=drawn.height)
        people = [e for e in drawn.elements if e.kind == "participant"]
        self.heads = [e for e in people if e.bounds[3] <= self.body_top]
        footer_top = max((e.bounds[1] for e in people), default=drawn.height)
        self.footers = [e for e in people if e.bounds[1] >= footer_top - 0.5]
        known = {id(e) for e in self.heads + self.footers}
        self.created = [e for e in people if id(e) not in known]
        self.head_top = min((e.bounds[1] for e in self.heads), default=MARGIN)
        self.head_bottom = max((e.bounds[3] for e in self.heads), default=MARGIN)
        # No cut may pass through a step, a created head or any text.
        self.blocks = sorted(
            {(e.bounds[1], e.bounds[3]) for e in body + self.created}
            | {
                (s.bounds[1], s.bounds[3])
                for e in drawn.elements
                if e.kind == "group"
                for s in e.shapes
                if not isinstance(s, Rect)
            }
        )

    def free(self, y: float) -> bool:
        """Whether a cut at ``y`` passes through nothing that must stay whole."""
        return not any(y0 < y < y1 for y0, y1 in self.blocks)

    def cut_before(self, line: int) -> float | None:
        """The cut just above the first thing drawn for a line after ``line``."""
        after = [
            e.bounds[1]
            for e in self.drawn.elements
            if e.line is not None
            and e.line > line
            and e.kind not in ("lifeline", "participant")
        ]
        return min(after) - _GAP if after else None

    def cuts(self, height: float, forced: list[float]) -> list[float]:
        """Where pages end: each as low as its page's budget allows, between
        two steps, and at every forced cut."""
        last = min((e.bounds[1] for e in self.footers), default=self.drawn.height)
        ends = sorted(
            {
                y1 + _GAP
                for _, y1 in self.blocks
                if self.body_top < y1 + _GAP < last and self.free(y1 + _GAP)
            }
        )
        header = MARGIN + self.body_top - self.head_top
        cuts: list[float] = []
        top = 0.0
        while True:
            room = height - MARGIN - (header if cuts else 0.0)
            ahead = [y for y in forced if y > top + 0.5]
            if ahead and ahead[0] - top <= room:
                cut: float | None = ahead[0]
            elif self.drawn.height - top <= room:
                return cuts
            else:
                limit = min(top + room, ahead[0] if ahead else top + room)
                i = bisect_right(ends, limit)
                fitting = [y for y in ends[:i] if y > top + 0.5]
                # A step taller than a page gets a page of its own.
                later = [y for y in ends[i:] if y > top + 0.5]
                cut = fitting[-1] if fitting else later[0] if later else None
            if cut is None:
                return cuts
            cuts.append(cut)
            top = cut

    def page(self, top: float, bottom: float, first: bool, title: str | None) -> Layout:
        elements: list[Element] = []
        y = 0.0
        heads = {id(e) for e in self.heads}
        if first:
            offset, clip_top = 0.0, top
        else:
            y = MARGIN
            if title:
                size = TITLE_SIZE
                width = text_width(title, size, bold=True)
                x = (self.drawn.width - width) / 2
                text = Text(x, y + ASCENT * size, width, title, "title", size, True)
                elements.append(Element("title", [text]))
                y += line_height(size) + MARGIN
            heads_dy = y - self.head_top
            alive = [e for e in self.heads + self.created if e.bounds[1] < top]
            for head in alive:
                dy = heads_dy + self.head_bottom - head.bounds[3]
                moved = [_shifted(s, dy) for s in head.shapes]
                elements.append(replace(head, shapes=moved))
            offset = heads_dy + self.body_top - top
            clip_top = top - (self.body_top - self.head_bottom)
        for element in self.drawn.elements:
            if not first and (element.kind == "title" or id(element) in heads):
                continue
            if element.kind in _CLIPPED:
                shapes = [
                    part
                    for shape in element.shapes
                    for part in _clipped(shape, clip_top, bottom)
                ]
            else:
                _, y0, _, y1 = element.bounds
                shapes = (
                    element.shapes if y0 >= top - 0.5 and y1 <= bottom + 0.5 else []
                )
            if shapes:
                moved = [_shifted(s, offset) for s in shapes]
                elements.append(replace(element, shapes=moved))
        end = max((e.bounds[3] for e in elements), default=0.0)
        height = end + MARGIN
        return Layout(
            self.drawn.width,
            height,
            self.drawn.title,
            self.drawn.participants,
            elements,
        )

"""Sequence diagram layout: where every box, line and label goes, in px.

The layout knows nothing about SVG or PDF.  It walks the diagram once from
top to bottom, giving every row its height and collecting, for each pair of
participants, the least distance their lifelines must keep so that every
label fits.  Those constraints are then relaxed from left to right to place
the lifelines, and the rows are drawn.  The result is a list of elements made
of three kinds of shape (rectangles, polylines and one-line texts), each note
and message element keeping the step it came from so a writer can link it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ..wsd.model import Activation, Diagram, Group, Item, Message, Note, Parallel, Step
from .text import (
    ASCENT,
    DESCENT,
    FONT_SIZE,
    block_width,
    line_height,
    split_lines,
    text_width,
    wrap,
)

TITLE_SIZE = 16.0
LH = line_height(FONT_SIZE)
MARGIN = 12.0
ROW_GAP = 10.0  # between two rows
HEAD_PAD_X, HEAD_PAD_Y, HEAD_MIN_W, HEAD_GAP = 12.0, 7.0, 64.0, 24.0
TIGHT_HEAD_GAP = 12.0  # between heads when a width budget is tight
MIN_MEASURE = 150.0  # the narrowest a budget wraps labels and notes
NEAR_NARROWEST = 1.04  # a diagram that cannot fit may be this much wider
BAR_W, BAR_STEP, BAR_MIN = 10.0, 5.0, 8.0  # activation bars; nested ones step right
ARROW_LEN, ARROW_HALF = 10.0, 4.5
LABEL_PAD = 10.0  # between a message label and the ends of its arrow
LABEL_SHIFT = 40.0  # the farthest a label sits from its arrow's source end
TEXT_GAP = 3.0  # between a label and the line under it
SELF_W, SELF_H = 30.0, 18.0  # the loop of a message to oneself
NOTE_PAD_X, NOTE_PAD_Y, NOTE_MIN_W, NOTE_MAX_TEXT = 9.0, 5.0, 40.0, 280.0
NOTE_FOLD = 8.0  # the folded corner; NOTE_PAD_X keeps text clear of it
NOTE_GAP = 6.0  # between a lifeline and a note left or right of it
OVERHANG = 14.0  # how far a note over several participants reaches beyond them
NEIGHBOUR_GAP = 10.0  # free space kept before the next lifeline
GROUP_PAD = 8.0  # between a group frame and what it holds
FRAME_GAP = 4.0  # between a group frame and a lifeline's bars outside it
LABEL_GAP = 6.0  # between a group label and an activation bar
FOOTER_GAP = 12.0  # between the last step and the footer heads
SHADES = 3  # group frames are shaded by nesting depth, up to this many tones
TAB_PAD_X, TAB_PAD_Y, TAB_CUT = 8.0, 3.0, 6.0
ACTOR_H = 36.0  # the stick figure above an actor's name
CYLINDER_RY = 6.0  # half-height of a database cylinder's rims

Point = tuple[float, float]
_EVERYWHERE = (float("-inf"), float("inf"))


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    role: str
    radius: float = 0.0

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.w, self.y + self.h)

    def moved(self, dx: float) -> Rect:
        return replace(self, x=self.x + dx)


@dataclass(frozen=True)
class Path:
    """A polyline; ``closed`` ones are polygons."""

    points: tuple[Point, ...]
    role: str
    closed: bool = False
    dashed: bool = False

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return (min(xs), min(ys), max(xs), max(ys))

    def moved(self, dx: float) -> Path:
        return replace(self, points=tuple((x + dx, y) for x, y in self.points))


@dataclass(frozen=True)
class Text:
    """One line of text: ``x`` is its left end, ``y`` its baseline."""

    x: float
    y: float
    width: float
    text: str
    role: str
    size: float = FONT_SIZE
    bold: bool = False
    #: The role whose fill outlines the glyphs (the background, or the shade
    #: of the group the text is in), as it may cross lines; None: no outline.
    halo: str | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The box the glyphs stay within."""
        return (
            self.x,
            self.y - ASCENT * self.size,
            self.x + self.width,
            self.y + DESCENT * self.size,
        )

    def moved(self, dx: float) -> Text:
        return replace(self, x=self.x + dx)


Shape = Rect | Path | Text


@dataclass
class Element:
    """Shapes drawn together: a participant, a lifeline, a step, a group..."""

    kind: str
    shapes: list[Shape] = field(default_factory=list)
    step: Step | None = None  # the note or message, for links
    line: int | None = None  # the source line

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return _union(shape.bounds for shape in self.shapes)


@dataclass
class Layout:
    width: float
    height: float
    title: str | None
    participants: int
    elements: list[Element]

    def texts(self) -> Iterator[Text]:
        for element in self.elements:
            yield from (s for s in element.shapes if isinstance(s, Text))

    def steps(self) -> list[Element]:
        return [element for element in self.elements if element.step is not None]


@dataclass(frozen=True)
class _Measure:
    """How wide labels may run and how close heads may sit: the natural
    layout's, or tighter ones to meet a width budget."""

    label: float | None = None  # message and group labels; None: unwrapped
    note: float = NOTE_MAX_TEXT  # one-line notes
    head_gap: float = HEAD_GAP

    @classmethod
    def tight(cls, width: float) -> _Measure:
        return cls(width, min(width, NOTE_MAX_TEXT), TIGHT_HEAD_GAP)


def layout(diagram: Diagram, max_width: float | None = None) -> Layout:
    """Place every element of ``diagram``.

    With ``max_width`` (in layout units: px in SVG, pt in PDF) a diagram
    wider than that is laid out again with its labels and notes wrapped
    narrower and its participants closer, as little as it takes to fit.  A
    diagram that cannot fit (too many participants) gets its narrowest
    layout, at full size: nothing is ever scaled here.
    """
    natural = _Builder(diagram).build()
    if max_width is None or natural.width <= max_width:
        return natural

    def tight(measure: float, rooms: dict[int, float] | None = None) -> _Builder:
        builder = _Builder(diagram, _Measure.tight(measure), rooms)
        builder.build()
        return builder

    narrowest = tight(MIN_MEASURE)
    if narrowest.drawn.width >= natural.width:
        return natural
    # The widest measure that meets the budget, or that comes close to the
    # narrowest layout (a few px narrower are not worth many more lines); no
    # measure wider than the widest line changes anything.
    fits = narrowest.drawn.width <= max_width
    goal = max_width if fits else narrowest.drawn.width * NEAR_NARROWEST
    widest = max((text.width for text in natural.texts()), default=0.0)
    low, high, best = MIN_MEASURE, max(widest, MIN_MEASURE), narrowest
    for _ in range(7):  # a measure within 1/128 of the range is close enough
        middle = (low + high) / 2
        builder = tight(middle)
        if builder.drawn.width <= goal:
            low, best = middle, builder
        else:
            high = middle
    # Then each label and note takes the room that layout leaves it: one
    # measure for all wraps short notes between distant lifelines too.
    roomy = tight(low, best.room()).drawn
    return roomy if roomy.width <= max(goal, best.drawn.width) else best.drawn


def _union(boxes: Iterable[tuple[float, float, float, float]]) -> tuple:
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for bx0, by0, bx1, by1 in boxes:
        x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
    return (x0, y0, x1, y1)


def _texts(
    lines: list[str],
    x: float,
    top: float,
    role: str,
    *,
    centre: bool = False,
    size: float = FONT_SIZE,
    bold: bool = False,
    halo: str | None = None,
) -> list[Text]:
    """A block of lines whose top is ``top``, starting at ``x`` or, with
    ``centre``, each centred on ``x``."""
    height = line_height(size)
    first = top + (height - (ASCENT + DESCENT) * size) / 2 + ASCENT * size
    texts = []
    for i, line in enumerate(lines):
        width = text_width(line, size, bold)
        left = x - width / 2 if centre else x
        baseline = first + i * height
        texts.append(Text(left, baseline, width, line, role, size, bold, halo))
    return texts


@dataclass
class _Head:
    """A participant's head: an actor's figure, a database's cylinder, a
    stack of boxes for collections, a box for the others."""

    kind: str
    lines: list[str]
    width: float
    height: float

    @classmethod
    def of(cls, kind: str, label: str) -> _Head:
        lines = split_lines(label) or [""]
        text_h = len(lines) * LH
        if kind == "actor":
            width = max(block_width(lines), 24.0)
            return cls(kind, lines, width, ACTOR_H + text_h)
        width = max(HEAD_MIN_W, block_width(lines, bold=True) + 2 * HEAD_PAD_X)
        rims = 2 * CYLINDER_RY if kind == "database" else 0.0
        return cls(kind, lines, width, text_h + 2 * HEAD_PAD_Y + rims)

    def shapes(self, cx: float, top: float, height: float) -> list[Shape]:
        """Drawn centred on ``cx`` from ``top``; boxes stretch to ``height``."""
        if self.kind == "actor":
            return [
                *_stick_figure(cx, top),
                *_texts(self.lines, cx, top + ACTOR_H, "text", centre=True),
            ]
        left = cx - self.width / 2
        text_top = top + (height - len(self.lines) * LH) / 2
        shapes: list[Shape] = []
        if self.kind == "database":
            shapes += _cylinder(left, top, self.width, height)
            text_top += CYLINDER_RY
        else:
            if self.kind == "collections":
                shapes.append(Rect(left + 4, top - 4, self.width, height, "head", 3))
            shapes.append(Rect(left, top, self.width, height, "head", 3))
        shapes += _texts(self.lines, cx, text_top, "head-text", centre=True, bold=True)
        return shapes


def _arc(cx: float, cy: float, rx: float, start: float, end: float) -> list[Point]:
    """Points along half an ellipse of half-height ``CYLINDER_RY``, from angle
    ``start`` to ``end`` (degrees, y pointing down); polylines keep both
    writers simple and are smooth at this size."""
    steps = 12
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy
            + CYLINDER_RY * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def _cylinder(left: float, top: float, width: float, height: float) -> list[Shape]:
    cx, rx = left + width / 2, width / 2
    upper, lower = top + CYLINDER_RY, top + height - CYLINDER_RY
    outline = _arc(cx, lower, rx, 180, 0) + _arc(cx, upper, rx, 0, -180)
    rim = _arc(cx, upper, rx, 180, 0)
    return [
        Path(tuple(outline), "head", closed=True),
        Path(tuple(rim), "head"),
    ]


def _stick_figure(cx: float, top: float) -> list[Shape]:
    return [
        Rect(cx - 6, top + 1, 12, 12, "actor", 6),
        Path(((cx, top + 13), (cx, top + 24)), "actor"),
        Path(((cx - 10, top + 17), (cx + 10, top + 17)), "actor"),
        Path(((cx - 8, top + 33), (cx, top + 24), (cx + 8, top + 33)), "actor"),
    ]


@dataclass
class _Arrow:
    """A message between two points of lifelines, kept open until its end is
    final: an ``activate`` on the next line moves the end to the new bar."""

    message: Message
    source: int
    target: int
    start: float  # offsets from the lifelines
    end: float
    top: float  # of the label
    y: float  # where the arrow arrives
    lines: list[str]
    create: bool = False  # the target's head is drawn here
    halo: str = "background"
    #: Where the label goes: between offset ``[1]`` of lifeline ``[0]`` and
    #: offset ``[3]`` of lifeline ``[2]``, clear of the bars in between.
    stretch: tuple[int, float, int, float] = (0, 0.0, 0, 0.0)

    @property
    def direction(self) -> int:
        return 1 if self.target >= self.source else -1


def _arrow_head(tip: Point, direction: int, open_head: bool) -> Path:
    x, y = tip
    back = x - direction * ARROW_LEN
    points = ((back, y - ARROW_HALF), (x, y), (back, y + ARROW_HALF))
    if open_head:
        return Path(points, "arrowhead-open")
    return Path(points, "arrowhead", closed=True)


@dataclass
class _Frame:
    """A group being laid out: the least and greatest offsets drawn from each
    lifeline inside it, and the deepest each lifeline's bars went meanwhile."""

    depth: int  # 1 for an outermost group
    bars: dict[int, int]
    left: dict[int, float] = field(default_factory=dict)
    right: dict[int, float] = field(default_factory=dict)

    def holds(self, extent: tuple[int, float, int, float]) -> None:
        first, left, last, right = extent
        self.left[first] = min(self.left.get(first, left), left)
        self.right[last] = max(self.right.get(last, right), right)


class _Builder:
    def __init__(
        self,
        diagram: Diagram,
        measure: _Measure = _Measure(),
        rooms: dict[int, float] | None = None,
    ) -> None:
        self.diagram = diagram
        self.measure = measure
        #: Wider measures for single labels and notes (by ``id`` of the item),
        #: from :meth:`room` of a layout at ``measure``.
        self.rooms = rooms or {}
        self.probes: dict[int, Callable[[], float]] = {}
        self.drawn = Layout(0.0, 0.0, None, 0, [])  # what build() gives
        self.columns = {p.name: i for i, p in enumerate(diagram.participants)}
        self.heads = [_Head.of(p.kind, p.label) for p in diagram.participants]
        self.need: dict[tuple[int, int], float] = {}
        self.draws: list[Callable[[], None]] = []
        self.x: list[float] = [0.0] * len(self.heads)
        self.y = MARGIN
        self.bars: list[list[float]] = [[] for _ in self.heads]
        self.last: _Arrow | None = None
        self.frames: list[_Frame] = []  # the groups open, outermost first
        self.bare: dict[int, float] = {}  # depth -> right end, without lifelines
        self.created: dict[int, float] = {}
        self.used: set[int] = set()  # the lifelines some step has used
        self.ended: dict[int, float] = {}
        self.layers: dict[str, list[Element]] = {
            name: [] for name in ("shade", "back", "activation", "group", "step")
        }

    # -- the vertical walk ---------------------------------------------------

    def build(self) -> Layout:
        title_lines = split_lines(self.diagram.title or "")
        self.y += len(title_lines) * line_height(TITLE_SIZE)
        if title_lines:
            self.y += ROW_GAP
        self.head_top = self.y
        self.head_h = max((head.height for head in self.heads), default=0.0)
        self.y += self.head_h + ROW_GAP
        for i in range(len(self.heads) - 1):
            half_widths = (self.heads[i].width + self.heads[i + 1].width) / 2
            self.require(i, i + 1, half_widths + self.measure.head_gap)
        self.items(self.diagram.items)
        for column, stack in enumerate(self.bars):
            while stack:
                self.close_bar(column, self.y)
        end = self.y + FOOTER_GAP
        self.solve()
        for draw in self.draws:
            draw()
        self.draw_participants(end)
        self.drawn = self.finish(title_lines)
        return self.drawn

    def items(self, items: list[Item]) -> None:
        for item in items:
            self.item(item)

    def item(self, item: Item) -> tuple[int, float, int, float] | None:
        """Lay out one item; steps return their horizontal extent as
        (column, offset, column, offset) for :meth:`parallel`."""
        if isinstance(item, Message):
            return self.message(item)
        if isinstance(item, Activation):
            self.activation(item)
            return None
        # An activation after anything else starts where that ends.
        self.last = None
        if isinstance(item, Note):
            return self.note(item)
        if isinstance(item, Group):
            self.group(item)
        elif isinstance(item, Parallel):
            self.parallel(item)
        return None

    def wrap(self, text: str, item: object = None) -> list[str]:
        """A label's lines, wrapped to the measure if there is one (or to the
        room ``item`` has)."""
        if self.measure.label is None:
            return split_lines(text)
        return wrap(text, max(self.measure.label, self.rooms.get(id(item), 0.0)))

    def room(self) -> dict[int, float]:
        """How wide each message label and note could be, where they are
        now, without moving a lifeline (after :meth:`build`)."""
        return {key: probe() for key, probe in self.probes.items()}

    def require(self, i: int, j: int, distance: float) -> None:
        """Lifeline ``j`` must be at least ``distance`` right of ``i``."""
        if i > j:
            i, j = j, i
        if 0 <= i < j < len(self.heads):
            self.need[i, j] = max(self.need.get((i, j), 0.0), distance)

    def depth(self, column: int) -> int:
        """How many activation bars lifeline ``column`` has open now."""
        return len(self.bars[column]) if 0 <= column < len(self.bars) else 0

    def edge(self, column: int, direction: int) -> float:
        """The offset from the lifeline of the side of its top activation bar
        facing ``direction`` (+1 right, -1 left); 0 when it has none."""
        depth = self.depth(column)
        return (depth - 1) * BAR_STEP + direction * BAR_W / 2 if depth else 0.0

    @staticmethod
    def reach(depth: int, direction: int) -> float:
        """How far ``depth`` nested bars reach from their lifeline towards
        ``direction``: nested bars step right, so left it is the bottom one."""
        if not depth:
            return 0.0
        return (depth - 1) * BAR_STEP + BAR_W / 2 if direction > 0 else -BAR_W / 2

    def open_bar(self, column: int, y: float) -> None:
        if self.created.get(column) == y:  # under the head drawn there
            y += self.heads[column].height / 2
        self.bars[column].append(y)
        for frame in self.frames:
            frame.bars[column] = max(frame.bars.get(column, 0), len(self.bars[column]))

    def fence(self, extent: tuple[int, float, int, float]) -> None:
        """Keep what is drawn from offset ``extent[1]`` of lifeline
        ``extent[0]`` to offset ``extent[3]`` of lifeline ``extent[2]`` clear
        of the lifelines on either side, and of their bars."""
        first, left, last, right = extent
        before = self.reach(self.depth(first - 1), 1)
        self.require(first - 1, first, before + NEIGHBOUR_GAP - left)
        after = self.reach(self.depth(last + 1), -1)
        self.require(last, last + 1, right + NEIGHBOUR_GAP - after)

    def note_room(
        self, extent: tuple[int, float, int, float], padding: float
    ) -> Callable[[], float]:
        """How wide the text of a note at ``extent`` may be without moving
        a lifeline: its fences' slack, on both sides of a note over a
        lifeline (it stays centred), on the free side of one beside it."""
        column, left, _, right = extent
        before = self.reach(self.depth(column - 1), 1) + NEIGHBOUR_GAP
        after = self.reach(self.depth(column + 1), -1) - NEIGHBOUR_GAP

        def room() -> float:
            inf = float("inf")
            free_left = free_right = inf
            if column > 0:
                free_left = self.x[column] + left - self.x[column - 1] - before
            if column + 1 < len(self.x):
                free_right = self.x[column + 1] + after - self.x[column] - right
            if left < 0 < right:
                free_left = free_right = min(free_left, free_right)
            elif right <= 0:
                free_right = 0.0
            else:
                free_left = 0.0
            slack = free_left + free_right
            return right - left - padding + slack if slack < inf else 0.0

        return room

    def holds(self, extent: tuple[int, float, int, float]) -> None:
        """The innermost open group frames what is drawn over ``extent``."""
        if self.frames:
            self.frames[-1].holds(extent)

    def halo(self) -> str:
        """The colour around text drawn now: the shade of its group."""
        if not self.frames:
            return "background"
        return f"frame-{min(len(self.frames), SHADES)}"

    def close_bar(self, column: int, y: float) -> None:
        start = self.bars[column].pop()
        level = len(self.bars[column])
        height = max(y - start, BAR_MIN)
        # A bar closed as soon as opened still shows; what follows waits.
        self.y = max(self.y, start + height + ROW_GAP / 2)

        def draw() -> None:
            left = self.x[column] + level * BAR_STEP - BAR_W / 2
            rect = Rect(left, start, BAR_W, height, "activation")
            self.layers["activation"].append(Element("activation", [rect]))

        self.draws.append(draw)

    def message(self, message: Message) -> tuple[int, float, int, float]:
        source = self.columns[message.source]
        target = self.columns[message.target]
        text = message.text
        if message.number is not None:
            text = f"{message.number}. {text}"
        lines = self.wrap(text, message)
        # Nobody creates itself, and a participant is created only once,
        # before anything else happens to it.
        create = message.create and source != target and target not in self.used
        self.used.update((source, target))
        top = self.y
        if source == target:
            start = self.edge(source, 1)
            y = top + 6 + max(SELF_H, len(lines) * LH - 6)
            bottom = y
        else:
            direction = 1 if target > source else -1
            start = self.edge(source, direction)
            y = bottom = top + len(lines) * LH + TEXT_GAP
            if create:
                half = self.heads[target].height / 2
                y = max(y, top + half)
                bottom = y + half
                self.created[target] = y
        arrow = _Arrow(message, source, target, start, 0.0, top, y, lines, create)
        arrow.halo = self.halo()
        if message.activate:
            self.open_bar(target, y)
        self.arrive(arrow)
        if message.deactivate and self.bars[source]:
            self.close_bar(source, y)
        self.y = bottom + ROW_GAP
        self.last = arrow
        self.draws.append(lambda: self.draw_message(arrow))
        if source == target:
            extent = self.self_extent(arrow)
        else:
            left, right = sorted((source, target))
            created = self.heads[target].width / 2 if create else 0.0
            if target == left:
                extent = (left, -created, right, 0.0)
            else:
                extent = (left, 0.0, right, created)
        self.holds(extent)
        return extent

    def arrive(self, arrow: _Arrow) -> None:
        """Set where ``arrow`` ends and make room for its label."""
        width = block_width(arrow.lines)
        if arrow.source == arrow.target:
            arrow.end = self.edge(arrow.target, 1)
            room = self.self_label_offset(arrow) + width + NEIGHBOUR_GAP + BAR_W
            self.require(arrow.source, arrow.source + 1, room)
            return
        direction = arrow.direction
        if arrow.create:
            arrow.end = -direction * self.heads[arrow.target].width / 2
        else:
            arrow.end = self.edge(arrow.target, -direction)
        length = 3 * ARROW_LEN + direction * (arrow.start - arrow.end)
        self.require(arrow.source, arrow.target, length)
        # The label keeps clear of every bar under it, the ends' lower ones
        # included: it goes between two bars, in the stretch spanning the
        # most lifelines (the one nearest the source if several do).
        reach = self.reach
        ends = {
            arrow.source: (arrow.start, reach(self.depth(arrow.source), direction)),
            arrow.target: (arrow.end, reach(self.depth(arrow.target), -direction)),
        }
        low, high = sorted(ends)
        cuts = [(low, max(ends[low]))]
        for column in range(low + 1, high):
            if depth := self.depth(column):
                cuts += [(column, reach(depth, -1)), (column, reach(depth, 1))]
        cuts.append((high, min(ends[high])))
        stretches = [(*a, *b) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
        order = stretches if direction > 0 else stretches[::-1]
        a, a_off, b, b_off = max(order, key=lambda s: s[2] - s[0])
        arrow.stretch = (a, a_off, b, b_off)
        self.require(a, b, width + 2 * LABEL_PAD + a_off - b_off)
        self.probes[id(arrow.message)] = lambda: (
            self.x[b] + b_off - self.x[a] - a_off - 2 * LABEL_PAD
        )

    def self_label_offset(self, arrow: _Arrow) -> float:
        return max(arrow.start, arrow.end) + SELF_W + 6

    def self_extent(self, arrow: _Arrow) -> tuple[int, float, int, float]:
        """What a message to oneself covers: its loop and its label."""
        label_end = self.self_label_offset(arrow) + block_width(arrow.lines)
        return (arrow.source, -BAR_W, arrow.source, label_end)

    def activation(self, activation: Activation) -> None:
        column = self.columns[activation.participant]
        self.used.add(column)
        last = self.last
        # At the last message if it came to or from this participant, else in
        # the gap after the item before (a note beside the lifeline in the
        # same parallel row stays off the bar).
        if last and column in (last.source, last.target):
            y = last.y
        else:
            y = self.y - ROW_GAP / 2
        if activation.action == "activate":
            self.open_bar(column, y)
            if last and last.target == column:
                self.arrive(last)
                if last.source == column:  # its loop and label moved right
                    self.holds(self.self_extent(last))
        elif activation.action == "deactivate":
            if self.bars[column]:
                self.close_bar(column, y)
        else:
            while self.bars[column]:
                self.close_bar(column, y)
            self.ended[column] = y
            self.draws.append(lambda: self.draw_destroy(column, y))

    def note(self, note: Note) -> tuple[int, float, int, float]:
        columns = sorted(self.columns[name] for name in note.participants)
        first, last = columns[0], columns[-1]
        self.used.update(columns)
        # Block notes are laid out by hand, unless a budget is tight.
        if note.block and self.measure.label is None:
            lines = split_lines(note.text)
        else:
            room = min(self.rooms.get(id(note), 0.0), NOTE_MAX_TEXT)
            lines = wrap(note.text, max(self.measure.note, room))
        text_w = block_width(lines)
        pad_x = NOTE_PAD_X + (3 if note.shape == "state" else 0)
        tab_w = text_width("ref", bold=True) + 2 * TAB_PAD_X
        tab_h = LH + 2 * TAB_PAD_Y if note.shape == "ref" else 0.0
        width = max(text_w + 2 * pad_x, NOTE_MIN_W, tab_w + 10 if tab_h else 0)
        height = len(lines) * LH + 2 * NOTE_PAD_Y + tab_h
        top = self.y
        self.y = top + height + ROW_GAP
        if note.position == "left":
            right = self.reach(self.depth(first), -1) - NOTE_GAP
            extent = (first, right - width, first, right)
        elif note.position == "right":
            left = self.reach(self.depth(last), 1) + NOTE_GAP
            extent = (last, left, last, left + width)
        elif first == last:
            extent = (first, -width / 2, first, width / 2)
        else:
            self.require(first, last, width - 2 * OVERHANG)
            extent = (first, -OVERHANG, last, OVERHANG)
        # A note covers its own lifelines, never a neighbour's bar.
        self.fence(extent)
        self.holds(extent)
        if first == last:
            self.probes[id(note)] = self.note_room(extent, 2 * pad_x)

        def draw() -> None:
            left = self.x[extent[0]] + extent[1]
            box_w = self.x[extent[2]] + extent[3] - left
            shapes = _note_box(note.shape, left, top, box_w, height, tab_w, tab_h)
            text_left = left + (box_w - text_w) / 2
            shapes += _texts(lines, text_left, top + tab_h + NOTE_PAD_Y, "text")
            self.layers["step"].append(Element("note", shapes, note, note.line))

        self.draws.append(draw)
        return extent

    def group(self, group: Group) -> None:
        """A frame around the group's items, shaded by its depth, its tab and
        labels clear of the bars running through it, its sides clear of the
        bars beside it."""
        top = self.y
        tab_w = text_width(group.keyword, bold=True) + 2 * TAB_PAD_X + TAB_CUT
        labels = [self.wrap(section.label) for section in group.sections] or [[]]
        tab_h = max(1, len(labels[0])) * LH + 2 * TAB_PAD_Y
        self.y = top + tab_h + ROW_GAP
        bars = [len(stack) for stack in self.bars]
        frame = _Frame(len(self.frames) + 1, dict(enumerate(bars)))
        rows = [(top, bars)]  # where each label goes, and the bars then
        # Inner frames are drawn first; their shade goes over this one's.
        mark: list[int] = []
        self.draws.append(lambda: mark.append(len(self.layers["shade"])))
        self.frames.append(frame)
        for i, section in enumerate(group.sections):
            if i:
                rows.append((self.y, [len(stack) for stack in self.bars]))
                self.y += TAB_PAD_Y + len(labels[i]) * LH + ROW_GAP
                self.last = None
            self.items(section.items)
        self.frames.pop()
        self.last = None
        bottom = self.y
        self.y = bottom + ROW_GAP
        places = self.frame(frame, rows, labels, tab_w)
        halo = f"frame-{min(frame.depth, SHADES)}"

        def draw() -> None:
            if frame.left:
                x0 = min(self.x[c] + off for c, off in frame.left.items())
                x1 = max(self.x[c] + off for c, off in frame.right.items())
            else:  # nobody to frame: groups nest by their depth alone
                x0 = (frame.depth - 1) * GROUP_PAD
                inner = [x for depth, x in self.bare.items() if depth > frame.depth]
                x1 = max(inner, default=x0) + GROUP_PAD
            widths = [block_width(lines) for lines in labels]
            x1 = max(x1, x0 + max(tab_w + widths[0], *widths) + 2 * TAB_PAD_X)
            if not frame.left:
                self.bare[frame.depth] = max(self.bare.get(frame.depth, x1), x1)
            box = Rect(x0, top, x1 - x0, bottom - top, "group")
            shade = Rect(x0, top, x1 - x0, bottom - top, halo)
            self.layers["shade"].insert(
                mark[0], Element("group", [shade], line=group.line)
            )
            shapes: list[Shape] = [box, _tab(x0, top, tab_w, tab_h)]
            text_top = top + (tab_h - LH) / 2
            shapes += _texts(
                [group.keyword], x0 + TAB_PAD_X, text_top, "group-text", bold=True
            )
            for i, ((y, _), lines) in enumerate(zip(rows, labels, strict=False)):
                if i:
                    shapes.append(Path(((x0, y), (x1, y)), "separator", dashed=True))
                if places:
                    left = self.x[places[i][0]] + places[i][1]
                else:
                    left = x0 + TAB_PAD_X + (0.0 if i else tab_w)
                shapes += _texts(lines, left, y + TAB_PAD_Y, "group-text", halo=halo)
            self.layers["group"].append(Element("group", shapes, line=group.line))

        self.draws.append(draw)

    def frame(
        self,
        frame: _Frame,
        rows: list[tuple[float, list[int]]],
        labels: list[list[str]],
        tab_w: float,
    ) -> list[tuple[int, float]]:
        """Settle where ``frame``'s edges go, as offsets from the lifelines
        it holds, keep them and its tab and labels clear of bars, and hand
        them to the group around it.  Returns where each label starts, as
        (column, offset); nothing for a frame that holds nothing."""
        if not frame.left:  # an empty group frames every lifeline
            for column in range(len(self.heads)):
                frame.holds((column, 0.0, column, 0.0))
        if not frame.left:
            return []
        held = sorted(frame.left.keys() | frame.right.keys())
        first, last = held[0], held[-1]
        for column in held:  # the lifelines held and their bars, with a margin
            depth = frame.bars.get(column, 0)
            reach = max(self.reach(depth, 1), BAR_W / 2)
            frame.holds((column, -BAR_W / 2, column, reach))
        frame.left = {c: off - GROUP_PAD for c, off in frame.left.items()}
        frame.right = {c: off + GROUP_PAD for c, off in frame.right.items()}
        places: list[tuple[int, float]] = []
        for i, ((_, bars), lines) in enumerate(zip(rows, labels, strict=False)):
            blocked = [c for c in range(first, last + 1) if bars[c]]
            left = frame.left[first]
            if not i:  # the tab: left of the first bar it would cover
                if blocked and blocked[0] == first:
                    tab_end = self.reach(bars[first], -1) - FRAME_GAP
                    frame.holds((first, tab_end - tab_w, first, 0.0))
                    left = frame.left[first]
                elif blocked:
                    after = self.reach(bars[blocked[0]], -1)
                    self.require(first, blocked[0], left + tab_w + FRAME_GAP - after)
            if blocked and blocked[0] == first:
                start = self.reach(bars[first], 1) + LABEL_GAP
                blocked = blocked[1:]
            else:
                start = left + (0.0 if i else tab_w) + TAB_PAD_X
            places.append((first, start))
            end = start + block_width(lines)
            if blocked:
                after = self.reach(bars[blocked[0]], -1)
                self.require(first, blocked[0], end + LABEL_GAP - after)
            else:
                frame.holds((first, start, first, end + TAB_PAD_X))
        # The sides keep clear of the bars beside the frame.
        before = self.reach(frame.bars.get(first - 1, 0), 1) + FRAME_GAP
        for column, off in frame.left.items():
            self.require(first - 1, column, before - off)
        after = self.reach(frame.bars.get(last + 1, 0), -1) - FRAME_GAP
        for column, off in frame.right.items():
            self.require(column, last + 1, off - after)
        if self.frames:
            outer = self.frames[-1]
            for column, off in frame.left.items():
                outer.holds((column, off, column, off))
            for column, off in frame.right.items():
                outer.holds((column, off, column, off))
        return places

    def parallel(self, parallel: Parallel) -> None:
        """Items share a row as long as they keep to different lifelines;
        one that would collide with the row's others starts a row below; an
        activation not at its message starts below the row so far (a label
        crossing its lifeline would sit on the bar), and what follows it goes
        below too (a note beside a bar that ends in the row would sit on it)."""
        top = bottom = self.y
        taken: list[tuple[float, float]] = []  # the row's spans: disjoint, sorted
        rows: list[list[tuple[int, float, int, float]]] = [[]]
        for item in parallel.items:
            span = self.span(item)
            if span and _overlaps(taken, span):
                top, taken = bottom, []
                rows.append([])
            if span:
                insort(taken, span)
            # An activation not at its message starts below the row so far.
            self.y = top if span else bottom
            extent = self.item(item)
            bottom = max(bottom, self.y)
            if extent:
                rows[-1].append(extent)
            if span == _EVERYWHERE:
                top = bottom
            elif isinstance(item, Activation):  # a bar changed: the rest go below
                top, taken = bottom, []
                rows.append([])
        self.y = bottom
        for extents in rows:
            extents.sort()
            for (_, _, a, a_off), (b, b_off, _, _) in pairwise(extents):
                if a < b:
                    self.require(a, b, a_off - b_off + NEIGHBOUR_GAP)

    def span(self, item: Item) -> tuple[float, float] | None:
        """The stretch between lifelines ``item`` draws on, in columns: the
        whole width for groups, nothing for activations."""
        if isinstance(item, Message):
            source, target = self.columns[item.source], self.columns[item.target]
            if source == target:
                return (source, source + 1)
            # A head created at the target reaches half a column past it.
            reach = 0.5 if item.create else 0.0
            if target < source:
                return (target - reach, source)
            return (source, target + reach)
        if isinstance(item, Note):
            columns = sorted(self.columns[name] for name in item.participants)
            # Beside a lifeline, a note shares no row with what may open a
            # bar on that lifeline.
            if item.position == "left":
                return (columns[0] - 1, columns[0] + 0.5)
            if item.position == "right":
                return (columns[-1] - 0.5, columns[-1] + 1)
            return (columns[0] - 0.5, columns[-1] + 0.5)
        return None if isinstance(item, Activation) else _EVERYWHERE

    # -- placing and drawing -------------------------------------------------

    def solve(self) -> None:
        """Place each lifeline as far left as its constraints allow; the
        constraints are sorted by their right end, so every left end is
        final when it is used."""
        for (i, j), distance in sorted(self.need.items(), key=lambda kv: kv[0][::-1]):
            self.x[j] = max(self.x[j], self.x[i] + distance)

    def draw_message(self, arrow: _Arrow) -> None:
        kind = arrow.message.arrow
        source_x = self.x[arrow.source]
        start = source_x + arrow.start
        end = self.x[arrow.target] + arrow.end
        shapes: list[Shape] = []
        if arrow.create:
            head = self.heads[arrow.target]
            top = arrow.y - head.height / 2
            shapes = head.shapes(self.x[arrow.target], top, head.height)
            participant = self.diagram.participants[arrow.target]
            self.layers["step"].append(
                Element("participant", shapes, line=participant.line)
            )
        if arrow.source == arrow.target:
            y0 = arrow.top + 6
            loop = source_x + max(arrow.start, arrow.end) + SELF_W
            points = ((start, y0), (loop, y0), (loop, arrow.y), (end, arrow.y))
            shapes = [Path(points, "message", dashed=kind.dashed)]
            shapes.append(_arrow_head((end, arrow.y), -1, kind.open_head))
            if kind.two_headed:
                shapes.append(_arrow_head((start, y0), -1, kind.open_head))
            label_x = source_x + self.self_label_offset(arrow)
            shapes += _texts(arrow.lines, label_x, arrow.top, "text", halo=arrow.halo)
        else:
            line = Path(
                ((start, arrow.y), (end, arrow.y)), "message", dashed=kind.dashed
            )
            shapes = [
                line,
                _arrow_head((end, arrow.y), arrow.direction, kind.open_head),
            ]
            if kind.two_headed:
                shapes.append(
                    _arrow_head((start, arrow.y), -arrow.direction, kind.open_head)
                )
            # Centred over the arrow, or near its source when the arrow is
            # long, so the label shows where the message leaves.
            a, a_off, b, b_off = arrow.stretch
            low, high = self.x[a] + a_off, self.x[b] + b_off
            slack = high - low - 2 * LABEL_PAD - block_width(arrow.lines)
            shift = max(slack / 2 - LABEL_SHIFT, 0.0) * arrow.direction
            centre = (low + high) / 2 - shift
            shapes += _texts(
                arrow.lines, centre, arrow.top, "text", centre=True, halo=arrow.halo
            )
        message = arrow.message
        self.layers["step"].append(Element("message", shapes, message, message.line))

    def draw_destroy(self, column: int, y: float) -> None:
        x, r = self.x[column], 7.0
        cross = [
            Path(((x - r, y - r), (x + r, y + r)), "destroy"),
            Path(((x - r, y + r), (x + r, y - r)), "destroy"),
        ]
        self.layers["step"].append(Element("destroy", cross))

    def draw_participants(self, end: float) -> None:
        """Lifelines, then heads (unless created on the way), then footers."""
        footer = self.diagram.options.get("footer", "box") != "none"
        lifelines, heads, footers = [], [], []
        for column, head in enumerate(self.heads):
            line = self.diagram.participants[column].line
            x = self.x[column]
            if column in self.created:
                start = self.created[column] + head.height / 2
            else:
                height = head.height if head.kind == "actor" else self.head_h
                top = self.head_top + self.head_h - height
                heads.append(
                    Element("participant", head.shapes(x, top, height), line=line)
                )
                start = top + height
            if footer and column not in self.ended:
                shapes = head.shapes(x, end, self.head_h)
                footers.append(Element("participant", shapes, line=line))
            stop = self.ended.get(column, end)
            lifeline = Path(((x, start), (x, stop)), "lifeline", dashed=True)
            lifelines.append(Element("lifeline", [lifeline], line=line))
        self.layers["back"] = lifelines + heads + footers

    def finish(self, title_lines: list[str]) -> Layout:
        """Move everything right of the margin, centre the title above."""
        elements = [e for layer in self.layers.values() for e in layer]
        if elements:
            x0, _, x1, _ = _union(element.bounds for element in elements)
        else:
            x0 = x1 = 0.0
        title_w = block_width(title_lines, TITLE_SIZE, bold=True)
        width = max(x1 - x0, title_w) + 2 * MARGIN
        dx = (width - (x1 - x0)) / 2 - x0
        for element in elements:
            element.shapes = [shape.moved(dx) for shape in element.shapes]
        if title_lines:
            title = _texts(
                title_lines,
                width / 2,
                MARGIN,
                "title",
                centre=True,
                size=TITLE_SIZE,
                bold=True,
            )
            elements.insert(
                0, Element("title", list(title), line=self.diagram.title_line)
            )
        height = max((e.bounds[3] for e in elements), default=0.0) + MARGIN
        return Layout(width, height, self.diagram.title, len(self.heads), elements)


def _overlaps(taken: list[tuple[float, float]], span: tuple[float, float]) -> bool:
    """Whether ``span`` overlaps one of ``taken`` (disjoint and sorted): only
    the last one that starts before ``span`` ends can, so one bisection
    tells, not a scan of the row."""
    index = bisect_left(taken, (span[1],))
    return index > 0 and taken[index - 1][1] > span[0]


def _tab(
    left: float, top: float, width: float, height: float, role: str = "group-tab"
) -> Path:
    """The label tab in the top left corner of a frame, its corner cut."""
    points = (
        (left, top),
        (left + width, top),
        (left + width, top + height - TAB_CUT),
        (left + width - TAB_CUT, top + height),
        (left, top + height),
    )
    return Path(points, role, closed=True)


def _note_box(
    shape: str,
    left: float,
    top: float,
    width: float,
    height: float,
    tab_w: float,
    tab_h: float,
) -> list[Shape]:
    """The outline of a note (folded corner), state (rounded) or ref (tab)."""
    right, bottom = left + width, top + height
    if shape == "state":
        return [Rect(left, top, width, height, "state", 8)]
    if shape == "ref":
        return [
            Rect(left, top, width, height, "ref"),
            _tab(left, top, tab_w, tab_h, "ref-tab"),
            *_texts(
                ["ref"], left + TAB_PAD_X, top + TAB_PAD_Y, "group-text", bold=True
            ),
        ]
    fold = NOTE_FOLD
    outline = (
        (left, top),
        (right - fold, top),
        (right, top + fold),
        (right, bottom),
        (left, bottom),
    )
    corner = ((right - fold, top), (right - fold, top + fold), (right, top + fold))
    return [Path(outline, "note", closed=True), Path(corner, "note-fold", closed=True)]

"""The styles of the offline renderer: a palette per colour scheme, and a shape.

The layout names the role of every shape (``head``, ``note``, ...); both
writers paint a role the same way from one table, a style's palette.  The SVG
writer also turns it into CSS, one custom property per colour, so a page can
restyle a diagram, and a dark variant for ``prefers-color-scheme: dark``.
Each palette paints its own background, so a diagram stays readable when the
reader's colour scheme and the page's disagree.

The default, ``modern-blue``, is drawn by hand (:data:`LIGHT`, :data:`DARK`);
the other styles websequencediagrams.com offers without a key are this
renderer's own readings of them, each made of a dozen colours
(:class:`Colours`) from which every role's paint, and the dark variant,
follow.  A style it has no reading of is drawn as ``modern-blue``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Helvetica and its metric twins first (the layout measures with its
#: widths), then fonts for the scripts it has not got (Cyrillic, Greek, CJK)
#: on Linux, macOS and Windows, so a browser need not guess.
FONT_FAMILY = (
    'Helvetica, Arial, "Liberation Sans", "Nimbus Sans", "DejaVu Sans",'
    ' "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans",'
    ' "Microsoft YaHei", "Droid Sans Fallback", "WenQuanYi Zen Hei", sans-serif'
)


@dataclass(frozen=True)
class Paint:
    """How a role is painted: colours are ``#rrggbb`` or ``None`` (none)."""

    fill: str | None = None
    stroke: str | None = None
    width: float = 1.0


LIGHT: dict[str, Paint] = {
    "background": Paint(fill="#ffffff"),
    "title": Paint(fill="#1b2a3a"),
    "head": Paint(fill="#3f78b5", stroke="#244d7a", width=1.2),
    "head-text": Paint(fill="#ffffff"),
    "actor": Paint(fill="#dce8f5", stroke="#244d7a", width=1.5),
    "lifeline": Paint(stroke="#8797ab"),
    "activation": Paint(fill="#dce8f5", stroke="#244d7a"),
    "message": Paint(stroke="#1b2a3a", width=1.2),
    "arrowhead": Paint(fill="#1b2a3a", stroke="#1b2a3a", width=1.2),
    "arrowhead-open": Paint(stroke="#1b2a3a", width=1.2),
    "text": Paint(fill="#1b2a3a"),
    "note": Paint(fill="#fff7c2", stroke="#c2a93e"),
    "note-fold": Paint(fill="#efe09a", stroke="#c2a93e"),
    "state": Paint(fill="#e6f0fa", stroke="#3f78b5"),
    "ref": Paint(fill="#f3f5f8", stroke="#54657a"),
    "ref-tab": Paint(fill="#dde3ea", stroke="#54657a"),
    "group": Paint(stroke="#54657a"),
    "group-tab": Paint(fill="#dde6f0", stroke="#54657a"),
    "group-text": Paint(fill="#2b3d52"),
    "separator": Paint(stroke="#54657a"),
    "destroy": Paint(stroke="#b3261e", width=2.0),
    # Group frames, shaded by nesting depth (no outline: "group" draws it).
    "frame-1": Paint(fill="#f5f8fc"),
    "frame-2": Paint(fill="#eaf0f7"),
    "frame-3": Paint(fill="#dfe8f2"),
    # No shape of its own: the text of a linked step (fill), a lit step (stroke).
    "linked": Paint(fill="#1a56a0", stroke="#d0531b"),
}

DARK: dict[str, Paint] = {
    "background": Paint(fill="#161d26"),
    "title": Paint(fill="#e3eaf2"),
    "head": Paint(fill="#2f5f94", stroke="#8db4e0", width=1.2),
    "head-text": Paint(fill="#ffffff"),
    "actor": Paint(fill="#22364d", stroke="#8db4e0", width=1.5),
    "lifeline": Paint(stroke="#6d7f95"),
    "activation": Paint(fill="#22364d", stroke="#8db4e0"),
    "message": Paint(stroke="#d5dee8", width=1.2),
    "arrowhead": Paint(fill="#d5dee8", stroke="#d5dee8", width=1.2),
    "arrowhead-open": Paint(stroke="#d5dee8", width=1.2),
    "text": Paint(fill="#e3eaf2"),
    "note": Paint(fill="#4a4420", stroke="#b59f45"),
    "note-fold": Paint(fill="#5e5629", stroke="#b59f45"),
    "state": Paint(fill="#1f3650", stroke="#8db4e0"),
    "ref": Paint(fill="#26303c", stroke="#a3b3c5"),
    "ref-tab": Paint(fill="#33404f", stroke="#a3b3c5"),
    "group": Paint(stroke="#a3b3c5"),
    "group-tab": Paint(fill="#2c3a4a", stroke="#a3b3c5"),
    "group-text": Paint(fill="#cbd6e2"),
    "separator": Paint(stroke="#a3b3c5"),
    "destroy": Paint(stroke="#ff6b5e", width=2.0),
    "frame-1": Paint(fill="#1b232e"),
    "frame-2": Paint(fill="#212b38"),
    "frame-3": Paint(fill="#283443"),
    "linked": Paint(fill="#8cc4ff", stroke="#ffa257"),
}


@dataclass(frozen=True)
class Colours:
    """The colours a style is made of (``#rrggbb``; ``head`` may be ``None``:
    names without a box)."""

    paper: str
    ink: str
    head: str | None
    head_edge: str
    head_ink: str
    bar: str  # activation bars, actors, state boxes
    lifeline: str
    note: str
    note_edge: str
    frame: str  # group outlines, separators, ref boxes
    tab: str  # the tabs of groups and refs
    shade: str  # the deepest group's fill; shallower ones are paler

    def palette(self) -> dict[str, Paint]:
        """Every role's paint."""
        ink = Paint(fill=self.ink)
        return {
            "background": Paint(fill=self.paper),
            "title": ink,
            "head": Paint(
                fill=self.head, stroke=self.head and self.head_edge, width=1.2
            ),
            "head-text": Paint(fill=self.head_ink),
            "actor": Paint(fill=self.bar, stroke=self.head_edge, width=1.5),
            "lifeline": Paint(stroke=self.lifeline),
            "activation": Paint(fill=self.bar, stroke=self.head_edge),
            "message": Paint(stroke=self.ink, width=1.2),
            "arrowhead": Paint(fill=self.ink, stroke=self.ink, width=1.2),
            "arrowhead-open": Paint(stroke=self.ink, width=1.2),
            "text": ink,
            "note": Paint(fill=self.note, stroke=self.note_edge),
            "note-fold": Paint(
                fill=mix(self.note, self.note_edge, 0.3), stroke=self.note_edge
            ),
            "state": Paint(fill=self.bar, stroke=self.head_edge),
            "ref": Paint(fill=mix(self.paper, self.tab, 0.4), stroke=self.frame),
            "ref-tab": Paint(fill=self.tab, stroke=self.frame),
            "group": Paint(stroke=self.frame),
            "group-tab": Paint(fill=self.tab, stroke=self.frame),
            "group-text": ink,
            "separator": Paint(stroke=self.frame),
            "destroy": Paint(stroke="#c0392b", width=2.0),
            **{
                f"frame-{depth}": Paint(fill=mix(self.paper, self.shade, depth / 3))
                for depth in (1, 2, 3)
            },
            "linked": (LIGHT if luminance(self.paper) > 0.2 else DARK)["linked"],
        }

    def dark(self) -> Colours:
        """The same style for a dark page: light ink on a dark paper tinted
        with the style's edges, boxes as dark as their text needs."""
        paper = mix("#11151b", self.head_edge, 0.12)
        ink = mix("#eef1f5", self.head_edge, 0.08)
        boxed_light = self.head is not None and luminance(self.head) > 0.45
        head = self.head and (
            mix(self.head, paper, 0.8)
            if boxed_light
            else mix(self.head, "#000000", 0.2)
        )
        return Colours(
            paper=paper,
            ink=ink,
            head=head,
            head_edge=mix(self.head_edge, "#ffffff", 0.45),
            head_ink=ink if boxed_light or head is None else self.head_ink,
            bar=mix(self.bar, paper, 0.8),
            lifeline=mix(self.lifeline, "#ffffff", 0.15),
            note=mix(self.note, "#000000", 0.72),
            note_edge=self.note_edge,
            frame=mix(self.frame, "#ffffff", 0.5),
            tab=mix(self.tab, paper, 0.78),
            shade=mix(self.shade, paper, 0.8),
        )


@dataclass(frozen=True)
class Style:
    """What a style draws: a palette for light pages and one for dark pages,
    the corner radius of participant boxes, and whether lifelines are
    dashed."""

    name: str
    light: dict[str, Paint]
    dark: dict[str, Paint]
    corner: float = 3.0
    dashed_lifelines: bool = True

    @classmethod
    def of(cls, name: str, colours: Colours, **shape: float | bool) -> Style:
        light, dark = colours.palette(), colours.dark().palette()
        return cls(name, light, dark, **shape)  # type: ignore[arg-type]


def mix(a: str, b: str, amount: float) -> str:
    """The colour ``amount`` of the way from ``a`` to ``b``."""
    ca, cb = _rgb(a), _rgb(b)
    return "#" + "".join(
        f"{round(x + (y - x) * amount):02x}" for x, y in zip(ca, cb, strict=True)
    )


def luminance(colour: str) -> float:
    """Relative luminance (WCAG), 0 for black to 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


DEFAULT_STYLE = "modern-blue"

#: The styles drawn, by their websequencediagrams.com names.
STYLES: dict[str, Style] = {
    "modern-blue": Style("modern-blue", LIGHT, DARK, corner=3.0),
    # Black on white, square boxes: WSD's plain look.
    "default": Style.of(
        "default",
        Colours(
            paper="#ffffff", ink="#111111", head="#ffffff", head_edge="#111111",
            head_ink="#111111", bar="#ffffff", lifeline="#111111", note="#ffffde",
            note_edge="#111111", frame="#111111", tab="#ffffff", shade="#e4e4e4",
        ),
        corner=0.0,
    ),
    # Browns and sage on cream, soft corners.
    "earth": Style.of(
        "earth",
        Colours(
            paper="#fdfaf3", ink="#3b2f22", head="#8a6a43", head_edge="#5c4630",
            head_ink="#fffaf0", bar="#ecdfc6", lifeline="#9c8a72", note="#eef3d8",
            note_edge="#7d8c4a", frame="#6b5a45", tab="#e8dcc2", shade="#e6d9bd",
        ),
        corner=6.0,
    ),
    # Message sequence charts: names without boxes, solid lifelines.
    "mscgen": Style.of(
        "mscgen",
        Colours(
            paper="#ffffff", ink="#000000", head=None, head_edge="#000000",
            head_ink="#000000", bar="#ffffff", lifeline="#000000", note="#ffffff",
            note_edge="#000000", frame="#000000", tab="#ffffff", shade="#e8e8e8",
        ),
        corner=0.0,
        dashed_lifelines=False,
    ),
    # Silver boxes with round corners, a touch of blue.
    "omegapple": Style.of(
        "omegapple",
        Colours(
            paper="#ffffff", ink="#222a33", head="#e6ebf1", head_edge="#8a97a8",
            head_ink="#1d2733", bar="#f0f3f7", lifeline="#a5afbb", note="#fffbe6",
            note_edge="#d6c47a", frame="#8a97a8", tab="#e6ebf1", shade="#dde3ea",
        ),
        corner=9.0,
    ),
    # Grey boxes, square, plain.
    "qsd": Style.of(
        "qsd",
        Colours(
            paper="#ffffff", ink="#1a1a1a", head="#d6d6d6", head_edge="#4d4d4d",
            head_ink="#1a1a1a", bar="#efefef", lifeline="#808080", note="#fafad2",
            note_edge="#999966", frame="#4d4d4d", tab="#e3e3e3", shade="#e0e0e0",
        ),
        corner=0.0,
    ),
    # Pale yellow boxes with crimson edges.
    "rose": Style.of(
        "rose",
        Colours(
            paper="#fffdfd", ink="#3d0d1a", head="#fefece", head_edge="#a80036",
            head_ink="#3d0d1a", bar="#ffffff", lifeline="#a80036", note="#fbfb77",
            note_edge="#a80036", frame="#a80036", tab="#fde4ec", shade="#fbd9e3",
        ),
        corner=2.0,
    ),
    # Green boxes, very round.
    "roundgreen": Style.of(
        "roundgreen",
        Colours(
            paper="#ffffff", ink="#1f3321", head="#3a7736", head_edge="#2a5628",
            head_ink="#ffffff", bar="#dff0dc", lifeline="#8aa887", note="#fff8c4",
            note_edge="#c5ab3f", frame="#4d7a4a", tab="#d9ecd7", shade="#d5e9d2",
        ),
        corner=12.0,
    ),
}  # fmt: skip


def style_named(name: str) -> Style:
    """The style called ``name``; ``modern-blue`` for one not drawn here
    (see :func:`can_draw`)."""
    return STYLES.get(name, STYLES[DEFAULT_STYLE])


def can_draw(name: str) -> bool:
    """Whether this renderer has its own reading of style ``name``."""
    return name in STYLES

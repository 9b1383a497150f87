"""The SVG writer of the offline renderer.

One standalone, accessible SVG document per diagram, meant to be inlined in
HTML (links keep working there).  Every id starts with the caller's prefix so
several diagrams can share a page; colours come from CSS custom properties
(with presentation attributes as a fallback for CSS-less viewers), so a page
can theme the diagram.  The dark palette follows ``prefers-color-scheme`` only
in a standalone file: inlined, the page decides (see :func:`palette_properties`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ..wsd.model import Diagram, SourceRef
from .layout import Element, Layout, Path, Rect, Shape, Text, layout
from .theme import DEFAULT_STYLE, FONT_FAMILY, Paint, Style, style_named

Linker = Callable[[SourceRef], str | None]

DASH = "6 4"
#: URL schemes a link may use; anything else (``javascript:``) is dropped.
SAFE_SCHEMES = frozenset({"", "http", "https", "file"})

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]")


def render_svg(
    diagram: Diagram,
    *,
    link: Linker | None = None,
    id_prefix: str = "oswsd",
    title: str | None = None,
    description: str | None = None,
    max_width: float | None = None,
    style: str = DEFAULT_STYLE,
) -> str:
    """``diagram`` as an SVG document.

    ``link`` maps a step's source reference to a URL, or to ``None`` for no
    link; ``title`` is the accessible name (a page's alt text), by default the
    diagram's own title;
    ``description`` replaces the generated one-sentence summary;
    ``max_width`` is the width budget in px (see :func:`.layout.layout`);
    ``style`` names the palette and shape (see :mod:`.theme`).
    """
    drawn = layout(diagram, max_width)
    name = title or diagram.title or "Sequence diagram"
    if description is None:
        description = describe(diagram)
    writer = _Writer(drawn, link, _safe_id(id_prefix), style_named(style))
    return writer.document(name, description)


def describe(diagram: Diagram) -> str:
    """A one-sentence text alternative: who takes part, how many steps."""
    names = [p.label.replace("\n", " ") for p in diagram.participants]
    steps = len(diagram.steps())
    parts = f"{_count(len(names), 'participant')}"
    if names:
        parts += f" ({', '.join(names)})"
    return f"Sequence diagram with {parts} and {_count(steps, 'step')}."


def tooltip(ref: SourceRef) -> str:
    """What hovering a linked step shows: ``nova/compute/api.py · API.pause``."""
    return " · ".join(part for part in (ref.path, ref.qualname) if part)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _safe_id(prefix: str) -> str:
    prefix = _NOT_ID.sub("-", prefix) or "oswsd"
    return prefix if prefix[0].isalpha() or prefix[0] == "_" else f"_{prefix}"


def _xml(text: str, quote: bool = False) -> str:
    """``text`` made safe as XML character data (or, with ``quote``, as a
    double-quoted attribute value)."""
    text = _NOT_XML.sub("\ufffd", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _num(value: float) -> str:
    """A coordinate: two decimals at most, the same text for the same value."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def safe_url(url: str | None) -> str | None:
    """``url`` unless it is empty or its scheme could run code."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in SAFE_SCHEMES else None


def palette_properties(palette: dict[str, Paint]) -> str:
    """``palette`` as CSS custom properties (``--oswsd-<role>-fill:...``):
    set on an ancestor, they repaint every diagram inside it."""
    return ";".join(
        f"--oswsd-{role}-{prop}:{value or 'none'}"
        for role, paint in palette.items()
        for prop, value in (("fill", paint.fill), ("stroke", paint.stroke))
    )


def stylesheet(style: Style) -> str:
    """The embedded CSS: every colour is ``var(--oswsd-<role>-fill|stroke)``
    with the style's default.  The rules hold inside diagrams of this style
    only (``.oswsd-style-<name>``): inlined in a page, each SVG's stylesheet
    applies to the whole page.  Linked steps show their link colour, and
    every shape of a step lights up on hover, focus, as the URL's target or
    when a page marks it active.  The dark palette applies only where the
    SVG is the document (``:root``), never to a page it is inlined in."""
    scope = f".oswsd-style-{style.name}"

    def rules(palette: dict[str, Paint]) -> str:
        out = []
        for role, paint in palette.items():
            decls = [
                f"{prop}:var(--oswsd-{role}-{prop},{value or 'none'})"
                for prop, value in (("fill", paint.fill), ("stroke", paint.stroke))
            ]
            out.append(f"{scope} .oswsd-{role}{{{';'.join(decls)}}}")
        out += (
            f"{scope} .oswsd-halo-{role}"
            f"{{stroke:var(--oswsd-{role}-fill,{paint.fill})}}"
            for role, paint in palette.items()
            if role == "background" or role.startswith("frame-")
        )
        return "\n".join(out)

    lit = f"var(--oswsd-linked-stroke,{style.light['linked'].stroke})"
    return (
        f".oswsd-drawing text{{font-family:var(--oswsd-font,{FONT_FAMILY})}}\n"
        f"{rules(style.light)}\n"
        ".oswsd-link{cursor:pointer}\n"
        ".oswsd-link .oswsd-text"
        f"{{fill:var(--oswsd-linked-fill,{style.light['linked'].fill})}}\n"
        f"{_LIT} :is(rect,polygon,polyline,path){{stroke:{lit};stroke-width:2px}}\n"
        f"{_LIT} text{{fill:{lit}}}\n"
        ".oswsd-link:focus{outline:none}\n"
        "@media (prefers-color-scheme: dark){"
        f":root{scope}{{{palette_properties(style.dark)}}}}}"
    )


#: A step lit up: hovered or focused link, URL target, marked by the page.
_LIT = (
    ":is(:is(.oswsd-link:hover,.oswsd-link:focus-visible) > .oswsd-step,"
    ".oswsd-step:is(:target,.oswsd-active))"
)


class _Writer:
    def __init__(
        self, drawn: Layout, link: Linker | None, prefix: str, style: Style
    ) -> None:
        self.layout = drawn
        self.style = style
        self.link = link
        self.prefix = prefix
        self.urls: dict[SourceRef, str | None] = {}

    def document(self, name: str, description: str) -> str:
        width, height = _num(self.layout.width), _num(self.layout.height)
        p = self.prefix
        out = [
            '<svg xmlns="http://www.w3.org/2000/svg"'
            ' xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1"'
            f' class="oswsd oswsd-style-{self.style.name}"'
            f' width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
            f' role="img" aria-labelledby="{p}-title" aria-describedby="{p}-desc"'
            # Not a tab stop of its own (Chromium makes one): its links are.
            f' tabindex="-1"{self.heads_attribute()}>',
            f'<title id="{p}-title">{_xml(name)}</title>',
            f'<desc id="{p}-desc">{_xml(description)}</desc>',
            f"<style>\n{stylesheet(self.style)}\n</style>",
            # One group holding everything, fonts and style included, so that
            # a page can show a part of it again (<use>).
            f'<g id="{p}-drawing" class="oswsd-drawing oswsd-style-{self.style.name}"'
            f' font-family="{_xml(FONT_FAMILY, True)}" font-size="13">',
            _rect(
                Rect(0, 0, self.layout.width, self.layout.height, "background"),
                self.style,
            ),
        ]
        numbers = {id(e): n for n, e in enumerate(self.layout.steps(), 1)}
        out += (self.element(e, numbers.get(id(e))) for e in self.layout.elements)
        out.append("</g>\n</svg>\n")
        return "\n".join(out)

    def heads_attribute(self) -> str:
        """``data-heads="top bottom"``: the band of the participants' row at
        the top, which a page keeps in view while the reader scrolls down."""
        heads = [e.bounds for e in self.layout.elements if e.kind == "participant"]
        if not heads:
            return ""
        first_row_end = min(bottom for _, _, _, bottom in heads)
        row = [box for box in heads if box[1] < first_row_end]
        top = min(box[1] for box in row)
        bottom = max(box[3] for box in row)
        return f' data-heads="{_num(top)} {_num(bottom)}"'

    def element(self, element: Element, number: int | None) -> str:
        attrs = f' class="oswsd-{element.kind}"'
        if number is not None:
            attrs = (
                f' class="oswsd-step oswsd-{element.kind}"'
                f' id="{self.prefix}-step-{number}"'
            )
        if element.line is not None:
            attrs += f' data-line="{element.line}"'
        shapes = "".join(_shape(shape, self.style) for shape in element.shapes)
        group = f"<g{attrs}>{shapes}</g>"
        ref = element.step.ref if element.step is not None else None
        url = self.url(ref) if ref is not None else None
        if url is None:
            return group
        href = _xml(url, True)
        return (
            # xlink:href too, for SVG 1.1 viewers and converters.
            f'<a href="{href}" xlink:href="{href}" class="oswsd-link">'
            f"<title>{_xml(tooltip(ref))}</title>{group}</a>"
        )

    def url(self, ref: SourceRef) -> str | None:
        if ref not in self.urls:
            self.urls[ref] = safe_url(self.link(ref)) if self.link else None
        return self.urls[ref]


def _paint(role: str, style: Style, text: bool = False) -> str:
    paint = style.light[role]
    attrs = f' class="oswsd-{role}" fill="{paint.fill or "none"}"'
    if not text:
        attrs += f' stroke="{paint.stroke or "none"}"'
        if paint.width != 1:
            attrs += f' stroke-width="{_num(paint.width)}"'
    return attrs


def _rect(rect: Rect, style: Style) -> str:
    radius = style.corner if rect.role == "head" else rect.radius
    corner = f' rx="{_num(radius)}"' if radius else ""
    return (
        f'<rect x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}"'
        f' height="{_num(rect.h)}"{corner}{_paint(rect.role, style)}/>'
    )


def _path(path: Path, style: Style) -> str:
    tag = "polygon" if path.closed else "polyline"
    points = " ".join(f"{_num(x)},{_num(y)}" for x, y in path.points)
    dashed = path.dashed and (style.dashed_lifelines or path.role != "lifeline")
    dash = f' stroke-dasharray="{DASH}"' if dashed else ""
    return f'<{tag} points="{points}"{_paint(path.role, style)}{dash}/>'


def _text(text: Text, style: Style) -> str:
    # textLength holds every label to its measured width whatever font the
    # viewer substitutes, so a wider font cannot make labels collide.
    attrs = (
        f' x="{_num(text.x)}" y="{_num(text.y)}" textLength="{_num(text.width)}"'
        f' lengthAdjust="spacingAndGlyphs"'
    )
    if text.size != 13:
        attrs += f' font-size="{_num(text.size)}"'
    if text.bold:
        attrs += ' font-weight="bold"'
    attrs += _paint(text.role, style, text=True)
    if text.halo:
        # Outlined in the colour behind it (the background, or a group's
        # shade), under the glyphs, so a label stays readable where
        # lifelines run through it.
        behind = style.light[text.halo].fill or "none"
        attrs = attrs.replace(' class="', f' class="oswsd-halo-{text.halo} ', 1)
        attrs += (
            f' stroke="{behind}" stroke-width="3" stroke-linejoin="round"'
            ' paint-order="stroke"'
        )
    return f"<text{attrs}>{_xml(text.text)}</text>"


def _shape(shape: Shape, style: Style) -> str:
    if isinstance(shape, Rect):
        return _rect(shape, style)
    if isinstance(shape, Path):
        return _path(shape, style)
    return _text(shape, style)

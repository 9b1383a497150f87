"""How a diagram sits in an HTML page, whatever the theme.

A diagram keeps its natural size, shrunk at most to where its smallest text
is still :data:`LEGIBLE_PX`, inside a frame that scrolls sideways (the page
never does), with a shadow at the edge that has more to show; tall diagrams
scroll inside it too.  A link opens the image alone.  The page script
(``static/oswsd.js``) adds the full view, a copy of the participants' row
that sticks to the top of the frame, and the step highlighting; without it
the frame still works.

Dark mode follows the theme's own switch, never the operating system behind
a light theme's back: see :func:`palette_stylesheet`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from sphinxcontrib_oswsd.render.svg import palette_properties
from sphinxcontrib_oswsd.render.theme import DEFAULT_STYLE, STYLES

#: The smallest text a reader gets in the page before zooming, in CSS px.
LEGIBLE_PX = 11.0

_ROOT = re.compile(r"<svg\b[^>]*>")
_ATTRIBUTE = r'\b{}="([^"]*)"'
_FONT_SIZE = re.compile(r'\bfont-size="([0-9.]+)"')

#: Where the themes keep their own dark mode: furo on ``<body>`` (``auto``
#: follows the system), pydata-sphinx-theme and sphinx-book-theme on
#: ``<html>``. Themes without a switch are light: the diagram stays light.
_DARK_PAGES = ('html[data-theme="dark"]', 'body[data-theme="dark"]')
_SYSTEM_PAGES = ('body[data-theme="auto"]',)
_HOLDERS = (".oswsd-diagram", ".oswsd-full")


@dataclass(frozen=True)
class Drawing:
    """An image as the frame needs to know it: its markup (inline SVG or an
    ``<img>``), natural size in px, smallest text in px (``None`` if
    unknown)."""

    markup: str
    width: float
    height: float
    smallest_text: float | None = None

    @classmethod
    def of_svg(cls, svg: str) -> Drawing:
        """Our own SVG: its size and text sizes from its markup."""
        root = _ROOT.search(svg)
        head = root.group() if root else ""

        def attribute(name: str) -> str | None:
            found = re.search(_ATTRIBUTE.format(name), head)
            return found.group(1) if found else None

        sizes = [float(size) for size in _FONT_SIZE.findall(svg)]
        return cls(
            markup=svg,
            width=float(attribute("width") or 0),
            height=float(attribute("height") or 0),
            smallest_text=min(sizes, default=None),
        )

    @property
    def least_scale(self) -> float:
        """How far the page may shrink the drawing: text stays legible."""
        if not self.smallest_text:
            return 1.0
        return min(1.0, LEGIBLE_PX / self.smallest_text)


def frame(
    drawing: Drawing, *, label: str, image_url: str, stretch: bool, style: str
) -> str:
    """The markup around a drawing: tools, scrolling frame, sized canvas.

    ``stretch`` (the figure has a ``:width:``) lets the drawing grow to the
    figure's width; it still never shrinks below the legible size. ``style``
    picks the dark palette.
    """
    width, height = drawing.width, drawing.height
    sizes = [f"min-width: {width * drawing.least_scale:.0f}px"]
    if not stretch:
        sizes.append(f"max-width: {width:.0f}px")
    return (
        f'<div class="oswsd-diagram" data-style="{escape(style)}">'
        '<div class="oswsd-tools">'
        '<button type="button" class="oswsd-open" hidden="hidden"'
        ' aria-haspopup="dialog">Full view</button>'
        f'<a class="oswsd-image-link" href="{escape(image_url)}">Open image</a>'
        "</div>"
        '<div class="oswsd-view">'
        f'<div class="oswsd-frame" tabindex="0" role="group"'
        f' aria-label="{escape(label)}">'
        f'<div class="oswsd-canvas" data-width="{width:g}" data-height="{height:g}"'
        f' data-least-scale="{drawing.least_scale:.3f}" style="{"; ".join(sizes)}">'
        f"{drawing.markup}"
        "</div></div></div></div>\n"
    )


def palette_stylesheet() -> str:
    """The page CSS that paints diagrams dark where the theme is dark, each
    in its own style's dark palette."""
    lines = ["/* sphinxcontrib-oswsd: diagrams follow the theme's dark mode. */"]
    for name, style in STYLES.items():
        which = "" if name == DEFAULT_STYLE else f'[data-style="{name}"]'
        properties = palette_properties(style.dark)

        def selectors(pages: tuple[str, ...], which: str = which) -> str:
            return ",".join(
                f"{p} {holder}{which}" for p in pages for holder in _HOLDERS
            )

        lines.append(f"{selectors(_DARK_PAGES)}{{{properties}}}")
        lines.append(
            "@media (prefers-color-scheme: dark){"
            f"{selectors(_SYSTEM_PAGES)}{{{properties}}}}}"
        )
    return "\n".join(lines) + "\n"

"""The offline renderer's one entry point: a diagram in, image bytes out.

The API renderer (as its fallback) and the Sphinx glue call this, so they
need not know which writer handles which format.
"""

from __future__ import annotations

from typing import Literal

from ..wsd.model import Diagram
from .pdf import render_pdf
from .svg import Linker, render_svg
from .theme import DEFAULT_STYLE

LocalFormat = Literal["svg", "pdf"]

#: The formats :func:`render_local` can produce.
LOCAL_FORMATS: tuple[LocalFormat, ...] = ("svg", "pdf")


def render_local(
    diagram: Diagram,
    fmt: LocalFormat,
    *,
    link: Linker | None = None,
    id_prefix: str = "oswsd",
    title: str | None = None,
    max_width: float | None = None,
    style: str = DEFAULT_STYLE,
) -> bytes:
    """Draw ``diagram`` as ``fmt`` without touching the network.

    ``link`` maps a step's source reference to a URL (or ``None``: no link);
    ``id_prefix`` keeps SVG ids unique when several diagrams share a page;
    ``title`` is the accessible name (alt text), by default the diagram's
    own title; ``max_width`` is the width budget, in layout units: px in
    SVG, pt in PDF (see :func:`.layout.layout`); ``style`` names the palette,
    ``modern-blue`` for a style this renderer does not draw (see
    :func:`.theme.can_draw`).
    """
    if fmt == "svg":
        svg = render_svg(
            diagram,
            link=link,
            id_prefix=id_prefix,
            title=title,
            max_width=max_width,
            style=style,
        )
        return svg.encode("utf-8")
    if fmt == "pdf":
        return render_pdf(
            diagram, link=link, title=title, max_width=max_width, style=style
        )
    raise ValueError(f"the local renderer cannot draw {fmt!r}; use svg or pdf")

"""Clickable PNGs: an HTML image map from the boxes the API reported.

The service says where it drew each source line; the parsed diagram says
which step is on that line and which function it belongs to. Together they
give one ``<area>`` per linked step, so a PNG links like the inline SVG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..wsd.model import Diagram
from .api import Box
from .local import Linker


@dataclass(frozen=True)
class Area:
    """One ``<area shape="rect">``: ``coords`` are x1, y1, x2, y2."""

    coords: tuple[int, int, int, int]
    href: str
    title: str  # the function the step links to
    alt: str  # the step's own text, on one line


def image_map_areas(boxes: Iterable[Box], diagram: Diagram, link: Linker) -> list[Area]:
    """The areas for every box drawn for a linked step.

    ``boxes`` must count lines of the diagram's source (as
    :class:`~sphinxcontrib_oswsd.render.batch.RenderResult` does); participant
    heads and steps without a reference or a URL get no area.
    """
    steps = {step.line: step for step in diagram.steps()}
    areas = []
    for box in boxes:
        step = steps.get(box.line)
        if box.header or step is None or step.ref is None:
            continue
        href = link(step.ref)
        if not href:
            continue
        x, y, width, height = box.rect
        areas.append(
            Area(
                coords=(x, y, x + width, y + height),
                href=href,
                title=str(step.ref),
                alt=" ".join(step.text.split()),
            )
        )
    return areas

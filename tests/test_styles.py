"""The offline renderer's styles: distinct, complete, legible palettes."""

from __future__ import annotations

import re

import pytest
from render_support import every_construct

from sphinxcontrib_oswsd.render.api import KEY_STYLES, STYLES
from sphinxcontrib_oswsd.render.local import render_local
from sphinxcontrib_oswsd.render.theme import (
    DEFAULT_STYLE,
    LIGHT,
    can_draw,
    luminance,
    style_named,
)
from sphinxcontrib_oswsd.render.theme import (
    STYLES as DRAWN,
)

FREE = [name for name in STYLES if name not in KEY_STYLES]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_style_the_service_offers_without_a_key_is_drawn():
    assert sorted(FREE) == sorted(DRAWN)
    assert all(can_draw(name) for name in FREE)
    assert not any(can_draw(name) for name in KEY_STYLES)


def test_styles_give_different_drawings_and_the_default_is_modern_blue():
    diagram = every_construct()
    drawings = {name: render_local(diagram, "svg", style=name) for name in DRAWN}
    assert len(set(drawings.values())) == len(DRAWN)
    assert render_local(diagram, "svg") == drawings[DEFAULT_STYLE]
    pdfs = {render_local(diagram, "pdf", style=name) for name in DRAWN}
    assert len(pdfs) == len(DRAWN)


@pytest.mark.parametrize("name", KEY_STYLES)
def test_a_style_it_cannot_draw_is_drawn_as_modern_blue(name):
    diagram = every_construct()
    for fmt in ("svg", "pdf"):
        assert render_local(diagram, fmt, style=name) == render_local(diagram, fmt)


@pytest.mark.parametrize("name", sorted(DRAWN))
def test_palettes_paint_every_role_legibly(name):
    style = style_named(name)
    for palette in (style.light, style.dark):
        assert palette.keys() >= LIGHT.keys() - {"linked"}
        paper = palette["background"].fill
        for role in ("text", "title", "group-text"):
            assert contrast(palette[role].fill, paper) >= 7, (role, palette[role])
        for depth in (1, 2, 3):  # text in the deepest group shade still reads
            shade = palette[f"frame-{depth}"].fill
            assert contrast(palette["text"].fill, shade) >= 4.5
        assert contrast(palette["text"].fill, palette["note"].fill) >= 4.5
        head = palette["head"].fill or paper
        assert contrast(palette["head-text"].fill, head) >= 4.5
        # Deeper groups are shaded darker on a light page, lighter on a dark one.
        shades = [luminance(palette[f"frame-{d}"].fill) for d in (1, 2, 3)]
        assert shades == sorted(shades, reverse=luminance(paper) > 0.5)


def test_styles_are_scoped_so_several_share_a_page():
    svg = render_local(every_construct(), "svg", style="rose").decode()
    assert 'class="oswsd oswsd-style-rose"' in svg
    rules = re.findall(r"^([^{@]+)\{", svg.split("<style>")[1], flags=re.M)
    painted = [rule for rule in rules if ".oswsd-head" in rule]
    assert painted and all(r.startswith(".oswsd-style-rose ") for r in painted)


def test_mscgen_draws_names_without_boxes_and_solid_lifelines():
    svg = render_local(every_construct(), "svg", style="mscgen").decode()
    assert 'class="oswsd-head" fill="none" stroke="none"' in svg
    assert not re.search(r'class="oswsd-lifeline"[^>]*stroke-dasharray', svg)

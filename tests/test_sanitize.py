"""SVG from the network is sanitised before anyone sees it (issue 13.3)."""

from __future__ import annotations

import pytest

from sphinxcontrib_oswsd.render.images import ImageError, checked_image
from sphinxcontrib_oswsd.render.sanitize import UnsafeSVG, sanitize_svg

HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100"'
)


def svg(body: str, attributes: str = "") -> bytes:
    return f"{HEAD}{attributes}>{body}</svg>".encode()


DRAWING = (
    '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/>'
    '</linearGradient></defs><g transform="translate(1,2)">'
    '<rect x="1" y="2" width="30" height="20" fill="url(#g)" style="stroke:#000"/>'
    '<text x="5" y="15" font-family="sans-serif">a &amp; b &lt; c</text>'
    '<use xlink:href="#g"/></g>'
)


def test_a_drawing_keeps_its_elements_and_attributes():
    clean = sanitize_svg(svg(DRAWING)).decode()
    for kept in (
        'fill="url(#g)"',
        'style="stroke:#000"',
        'xlink:href="#g"',
        "a &amp; b &lt; c",
        'stop-color="#fff"',
        'transform="translate(1,2)"',
        'width="200" height="100"',
    ):
        assert kept in clean
    assert sanitize_svg(clean.encode()) == clean.encode()  # idempotent


HOSTILE = [
    ("<script>alert(1)</script>", "alert"),
    ('<script xlink:href="http://evil.example/x.js"/>', "evil"),
    ('<g onload="alert(1)"><rect onclick="alert(2)"/></g>', "alert"),
    (
        '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>',
        "<p",
    ),
    ('<a xlink:href="javascript:alert(1)"><text>t</text></a>', "javascript"),
    ('<a href="https://evil.example/"><text>t</text></a>', "evil"),
    ('<use xlink:href="https://evil.example/s.svg#x"/>', "evil"),
    ('<image xlink:href="https://evil.example/tracker.png"/>', "evil"),
    ('<image href="data:image/svg+xml;base64,PHN2Zz4="/>', "svg+xml"),
    ('<animate attributeName="href" to="javascript:alert(1)"/>', "javascript"),
    ('<set attributeName="onmouseover" to="alert(1)"/>', "alert"),
    ("<style>@import url(https://evil.example/x.css);</style>", "evil"),
    ("<style>rect { fill: url(https://evil.example/x) }</style>", "evil"),
    ("<style>rect { background: \\75rl(https://evil.example/) }</style>", "evil"),
    ('<rect style="fill: url(https://evil.example/p)"/>', "evil"),
    ('<rect fill="url(https://evil.example/p)"/>', "evil"),
    ('<rect filter="url(https://evil.example/f)"/>', "evil"),
    ('<iframe src="https://evil.example/"/>', "evil"),
    ('<?xml-stylesheet href="https://evil.example/x.css"?><g/>', "evil"),
]


@pytest.mark.parametrize("body, mark", HOSTILE)
def test_active_and_external_content_is_dropped(body, mark):
    clean = sanitize_svg(svg(body + DRAWING)).decode()
    assert mark not in clean
    assert "a &amp; b &lt; c" in clean  # the drawing stays


def test_handlers_on_the_root_go_and_a_link_keeps_its_text():
    clean = sanitize_svg(svg('<a href="x"><text>t</text></a>', ' onload="alert(1)"'))
    assert b"onload" not in clean and b"<g><text>t</text></g>" in clean


def test_data_images_of_raster_formats_are_kept():
    body = '<image width="1" height="1" xlink:href="data:image/png;base64,iVBORw0K"/>'
    assert b"data:image/png;base64,iVBORw0K" in sanitize_svg(svg(body))


@pytest.mark.parametrize(
    "data",
    [
        # entity expansion ("billion laughs") and external entities: no DTD at all
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + svg("<text>&b;</text>"),
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + svg("<text>&x;</text>"),
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + svg(""),
        b"<svg><rect/></svg>",  # no SVG namespace
        b'<html xmlns="http://www.w3.org/2000/svg"/>',
        svg("<g>" * 200 + "</g>" * 200),
        svg("<rect>"),  # not well-formed
        b"",
    ],
)
def test_what_cannot_be_made_safe_is_refused(data):
    with pytest.raises(UnsafeSVG):
        sanitize_svg(data)


@pytest.mark.parametrize(
    "width",
    ["1.2.3", "9" * 400, "1e400", "-5", "0", "100%", "", "Infinity", "NaN", "40000"],
)
def test_an_svg_without_a_sane_size_is_no_image(width):
    """Issue 13.2: such widths crashed every build once cached."""
    data = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10"/>'
    with pytest.raises(ImageError) as caught:
        checked_image(data.encode(), "svg")
    assert str(caught.value) == "is an SVG without a valid width and height"


def test_a_view_box_gives_the_size_when_width_is_relative():
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 300 90"/>'
    )
    assert b'viewBox="0 0 300 90"' in checked_image(data, "svg")


def test_too_many_elements_is_refused():
    """A 10 MiB SVG of empty groups would take a minute to clean."""
    with pytest.raises(UnsafeSVG) as caught:
        sanitize_svg(svg("<g/>" * 200_001))
    assert str(caught.value) == "more than 200000 elements"

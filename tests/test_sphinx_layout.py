"""The layout's width budget and styles in Sphinx builds (``roots/test-layout``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.render.layout import layout
from sphinxcontrib_oswsd.wsd.parser import parse


def warnings(app) -> str:
    lines = app.warning.getvalue().splitlines(keepends=True)
    return "".join(line for line in lines if "is already registered" not in line)


def svg_widths(app, page: str = "index") -> list[float]:
    text = (Path(app.outdir) / f"{page}.html").read_text(encoding="utf-8")
    return [float(w) for w in re.findall(r'<svg\b[^>]*?\bwidth="([\d.]+)"', text)]


def natural_width(name: str, max_width: float | None = None) -> float:
    diagram = parse(Library().get(name).source)
    return layout(diagram, max_width).width


@pytest.mark.sphinx("html", testroot="layout", freshenv=True)
def test_the_width_budget_comes_from_the_setting_or_the_option(app):
    app.build()
    assert "index.rst" not in warnings(app)
    default, wider, unlimited, small = svg_widths(app)
    natural = natural_width("nova/live-migrate")
    assert unlimited == pytest.approx(natural, abs=0.01)
    # oswsd_max_width (900) and :max-width: 1700px both narrow the drawing.
    assert default == pytest.approx(natural_width("nova/live-migrate", 900), abs=0.01)
    assert default < wider <= 1700 < natural
    # A diagram within the budget is drawn at its natural width.
    assert small == pytest.approx(natural_width("nova/lock"), abs=0.01)


@pytest.mark.sphinx(
    "html", testroot="layout", freshenv=True, confoverrides={"oswsd_max_width": None}
)
def test_no_budget_when_the_setting_is_none(app):
    app.build()
    natural = natural_width("nova/live-migrate")
    assert svg_widths(app)[0] == pytest.approx(natural, abs=0.01)


def build_with_conf(make_app, rootdir, tmp_path, extra: str):
    """Build ``test-layout`` with ``extra`` lines added to its ``conf.py``
    (strings that ``-D`` would refuse for a numeric setting)."""
    srcdir = tmp_path / "src"
    shutil.copytree(rootdir / "test-layout", srcdir)
    with (srcdir / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(extra)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    return app


def test_the_setting_takes_px(make_app, rootdir, tmp_path):
    app = build_with_conf(make_app, rootdir, tmp_path, "oswsd_max_width = '1700px'\n")
    assert "oswsd_max_width" not in warnings(app)
    assert svg_widths(app)[0] == svg_widths(app)[1]


def test_a_bad_setting_warns_once_and_uses_the_default(make_app, rootdir, tmp_path):
    app = build_with_conf(make_app, rootdir, tmp_path, "oswsd_max_width = 'wide'\n")
    found = warnings(app)
    assert found.count("oswsd_max_width = 'wide' is not a width in px or none;") == 1
    assert found.count("using 900") == 1
    assert svg_widths(app)[0] == pytest.approx(
        natural_width("nova/live-migrate", 900), abs=0.01
    )


@pytest.mark.sphinx("html", testroot="layout", freshenv=True)
def test_a_bad_option_is_a_located_error(app):
    app.build()
    found = warnings(app)
    error = r"bad\.rst:\d+: ERROR: .*max-width.*not a width in px"
    assert re.search(error, found, re.S)
    assert "Traceback" not in found


@pytest.mark.sphinx("html", testroot="layout", freshenv=True)
def test_style_reaches_the_local_renderer_with_one_warning_per_style(app):
    app.build()
    page = (Path(app.outdir) / "styles.html").read_text(encoding="utf-8")
    classes = re.findall(r'<svg\b[^>]*?\bclass="([^"]+)"', page)
    assert classes == [
        "oswsd oswsd-style-rose",
        "oswsd oswsd-style-modern-blue",
        "oswsd oswsd-style-modern-blue",
    ]
    found = warnings(app)
    message = "the local renderer cannot draw the 'napkin' style; 2 diagrams drawn"
    assert found.count(message) == 1
    assert re.search(r"styles\.rst:\d+: WARNING: " + re.escape(message), found)
    assert "[oswsd.style]" in found
    assert found.count("[oswsd.style]") == 1

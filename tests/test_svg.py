"""The offline renderer's SVG writer (and its entry point, render_local)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from render_support import EVERY_CONSTRUCT, WORKFLOWS, every_construct, workflow_ids

from sphinxcontrib_oswsd.render.local import render_local
from sphinxcontrib_oswsd.render.svg import render_svg
from sphinxcontrib_oswsd.render.theme import DARK, LIGHT
from sphinxcontrib_oswsd.wsd.model import SourceRef
from sphinxcontrib_oswsd.wsd.parser import parse

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"


def compute_only(ref: SourceRef) -> str | None:
    """Links only into nova/compute, so some steps have a link and some not."""
    if ref.path and ref.path.startswith("nova/compute/"):
        return f"https://example.org/{ref.path}?q=1&r=2#{ref.qualname}"
    return None


def tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_standalone_accessible_document():
    svg = render_svg(every_construct(), id_prefix="d1")
    root = tree(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 100 and height > 100
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == title.get("id") == "d1-title"
    assert root.get("aria-describedby") == desc.get("id") == "d1-desc"
    assert title.text == "Every construct\nof the language"
    steps = len(every_construct().steps())
    assert desc.text.startswith(
        "Sequence diagram with 7 participants (User, API server"
    )
    assert desc.text.endswith(f"and {steps} steps.")


def test_title_argument_and_description_override():
    diagram = parse("A->B: x")
    assert tree(render_svg(diagram)).find(f"{SVG}title").text == "Sequence diagram"
    root = tree(render_svg(diagram, title="Pausing", description="Just two."))
    assert root.find(f"{SVG}title").text == "Pausing"
    assert root.find(f"{SVG}desc").text == "Just two."
    # The argument is the accessible name (a page's alt text): it wins.
    titled = parse("title Own title\nA->B: x")
    assert tree(render_svg(titled)).find(f"{SVG}title").text == "Own title"
    assert tree(render_svg(titled, title="Alt")).find(f"{SVG}title").text == "Alt"


def test_text_is_escaped():
    diagram = parse(
        'participant "<b>&amp;" as A\nA->B: <script>alert(1)</script>\n'
        "note over B: ]]> & \" ' <!-- x -->"
    )
    svg = render_svg(diagram, title="<i>t</i>")
    root = tree(svg)
    assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
    assert root.find(".//svg:script", NS) is None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<script>alert(1)</script>" in texts
    assert "]]> & \" ' <!-- x -->" in texts
    assert "<b>&amp;" in texts


def test_characters_xml_cannot_hold_are_replaced():
    svg = render_svg(parse("A->B: bell\x07 and nul\x00"))
    assert "bell\ufffd and nul\ufffd" in [t.text for t in tree(svg).iter(f"{SVG}text")]


def test_links_exactly_where_link_returns_a_url():
    diagram = every_construct()
    root = tree(render_svg(diagram, link=compute_only))
    linked = [s for s in diagram.steps() if s.ref and compute_only(s.ref)]
    assert 0 < len(linked) < len(diagram.steps())
    anchors = root.findall(".//svg:a", NS)
    assert len(anchors) == len(linked)
    for anchor, step in zip(anchors, linked, strict=True):
        assert anchor.get("href") == compute_only(step.ref)
        assert anchor.get("{http://www.w3.org/1999/xlink}href") == anchor.get("href")
        assert anchor.find(f"{SVG}title").text == (
            f"{step.ref.path} · {step.ref.qualname}"
        )
        (group,) = anchor.findall(f"{SVG}g")
        assert group.get("data-line") == str(step.line)
    assert "?q=1&amp;r=2#" in render_svg(diagram, link=compute_only)


def test_no_links_without_link_or_for_unsafe_urls():
    diagram = every_construct()
    assert tree(render_svg(diagram)).find(".//svg:a", NS) is None
    unsafe = render_svg(diagram, link=lambda ref: "javascript:alert(1)")
    assert tree(unsafe).find(".//svg:a", NS) is None
    assert "javascript" not in unsafe


def test_every_step_group_carries_its_source_line():
    diagram = every_construct()
    root = tree(render_svg(diagram))
    groups = [g for g in root.iter(f"{SVG}g") if "oswsd-step" in g.get("class", "")]
    assert [int(g.get("data-line")) for g in groups] == [
        s.line for s in diagram.steps()
    ]


def test_ids_are_prefixed_and_unique_across_diagrams_on_one_page():
    first = tree(render_svg(every_construct(), id_prefix="page-1"))
    second = tree(render_svg(every_construct(), id_prefix="page-2"))
    ids = [e.get("id") for root in (first, second) for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) > 4
    assert all(i.startswith(("page-1-", "page-2-")) for i in ids)


def test_a_prefix_that_is_not_an_xml_name_is_made_one():
    root = tree(render_svg(parse("A->B: x"), id_prefix="my page/1"))
    assert root.find(f"{SVG}title").get("id") == "my-page-1-title"
    assert (
        tree(render_svg(parse("A->B: x"), id_prefix="9x")).find(f"{SVG}title").get("id")
        == "_9x-title"
    )


def test_output_is_byte_identical_across_runs_and_hash_seeds():
    script = (
        "import hashlib, sys; from pathlib import Path;"
        "from sphinxcontrib_oswsd.wsd.parser import parse;"
        "from sphinxcontrib_oswsd.render.local import render_local;"
        f"d = parse(Path({str(EVERY_CONSTRUCT)!r}).read_text(encoding='utf-8'));"
        "link = lambda r: 'https://example.org/' + (r.path or '');"
        "print(hashlib.sha256(render_local(d, 'svg', link=link)"
        " + render_local(d, 'pdf', link=link)).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
    diagram = every_construct()
    assert render_svg(diagram) == render_svg(diagram)


def test_theming_hooks_and_dark_palette():
    svg = render_svg(every_construct())
    style = tree(svg).find(f"{SVG}style").text
    for prop in ("--oswsd-note-fill", "--oswsd-head-fill", "--oswsd-font"):
        assert f"var({prop}," in style
    light, dark = style.split("@media (prefers-color-scheme: dark)")
    assert f".oswsd-note{{fill:var(--oswsd-note-fill,{LIGHT['note'].fill})" in light
    # The dark palette only where the SVG is the document, never inlined.
    assert dark.startswith("{:root.oswsd-style-modern-blue{")
    assert f"--oswsd-note-fill:{DARK['note'].fill}" in dark


def test_every_construct_is_drawn():
    svg = render_svg(every_construct())
    root = tree(svg)
    classes = {c for e in root.iter() for c in e.get("class", "").split()}
    assert {
        "oswsd-message",
        "oswsd-note",
        "oswsd-group",
        "oswsd-activation",
        "oswsd-destroy",
        "oswsd-participant",
        "oswsd-lifeline",
        "oswsd-state",
        "oswsd-ref",
        "oswsd-ref-tab",
        "oswsd-arrowhead",
        "oswsd-arrowhead-open",
        "oswsd-separator",
        "oswsd-actor",
        "oswsd-title",
    } <= classes
    assert 'stroke-dasharray="6 4"' in svg


@pytest.mark.parametrize("path", WORKFLOWS, ids=workflow_ids())
def test_bundled_workflows_render_to_valid_svg(path):
    diagram = parse(path.read_text(encoding="utf-8"))
    root = tree(render_svg(diagram, link=lambda ref: "https://example.org/"))
    steps = [g for g in root.iter(f"{SVG}g") if "oswsd-step" in g.get("class", "")]
    assert len(steps) == len(diagram.steps())


def test_render_local_formats():
    diagram = every_construct()
    svg = render_local(diagram, "svg", id_prefix="x", title="T")
    assert svg == render_svg(diagram, id_prefix="x", title="T").encode("utf-8")
    assert render_local(diagram, "pdf").startswith(b"%PDF-")
    with pytest.raises(ValueError, match="png"):
        render_local(diagram, "png")  # type: ignore[arg-type]
    assert (
        hashlib.sha256(svg).hexdigest()
        == hashlib.sha256(
            render_local(diagram, "svg", id_prefix="x", title="T")
        ).hexdigest()
    )


def test_the_font_stack_names_fonts_for_cjk():
    svg = render_svg(parse("A->B: 中文"))
    stack = re.search(r'font-family="([^"]+)"', svg)[1]
    assert "&quot;Noto Sans CJK SC&quot;" in stack
    assert stack.startswith("Helvetica") and stack.endswith("sans-serif")

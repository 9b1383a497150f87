"""The offline renderer's PDF writer, read back with a small reader."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib

import pytest
from render_support import WORKFLOWS, every_construct, workflow_ids

from sphinxcontrib_oswsd.render.fonts import font_for
from sphinxcontrib_oswsd.render.layout import layout
from sphinxcontrib_oswsd.render.pdf import render_pdf
from sphinxcontrib_oswsd.wsd.model import SourceRef
from sphinxcontrib_oswsd.wsd.parser import parse


def compute_only(ref: SourceRef) -> str | None:
    if ref.path and ref.path.startswith("nova/compute/"):
        return f"https://example.org/{ref.path}#{ref.qualname}"
    return None


def read(pdf: bytes) -> dict[int, bytes]:
    """The objects of ``pdf`` by number, found through its xref table, which
    must point at each object exactly."""
    assert pdf.startswith(b"%PDF-1.4\n")
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", pdf)[1])
    assert pdf[start:].startswith(b"xref\n0 ")
    lines = pdf[start:].split(b"\n")
    count = int(lines[1].split()[1])
    entries = lines[2 : 2 + count]
    assert entries[0] == b"0000000000 65535 f "
    objects = {}
    for number, entry in enumerate(entries[1:], 1):
        assert len(entry) == 19 and entry.endswith(b" 00000 n ")  # + "\n": 20
        offset = int(entry[:10])
        header = b"%d 0 obj\n" % number
        assert pdf[offset:].startswith(header), f"xref entry {number} is off"
        body_end = pdf.index(b"\nendobj\n", offset)
        objects[number] = pdf[offset + len(header) : body_end]
    trailer = pdf[pdf.index(b"trailer", start) :]
    assert b"/Size %d" % count in trailer
    return objects


def stream_data(stream: bytes) -> bytes:
    data = stream.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
    assert b"/Length %d " % len(data) in stream
    return zlib.decompress(data)


def pages(objects: dict[int, bytes]) -> list[bytes]:
    return [body for body in objects.values() if body.startswith(b"<< /Type /Page ")]


def content(objects: dict[int, bytes], page: int = 0) -> bytes:
    """The content stream of a page, the first by default."""
    number = int(re.search(rb"/Contents (\d+) 0 R", pages(objects)[page])[1])
    return stream_data(objects[number])


def test_structure_fonts_and_page_size():
    diagram = every_construct()
    pdf = render_pdf(diagram)
    objects = read(pdf)
    assert objects[1] == b"<< /Type /Catalog /Pages 2 0 R >>"
    drawn = layout(diagram)
    (page,) = pages(objects)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", page)
    assert float(box[1]) == pytest.approx(drawn.width, abs=0.01)
    assert float(box[2]) == pytest.approx(drawn.height, abs=0.01)
    fonts = b" ".join(objects.values())
    assert b"/BaseFont /Helvetica /Encoding /WinAnsiEncoding" in fonts
    assert b"/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding" in fonts
    assert b"/Annots" not in page


def test_text_lines_dashes_and_arrow_heads_are_drawn():
    ops = content(read(render_pdf(every_construct())))
    assert b"(Every construct) Tj" in ops and b"(of the language) Tj" in ops
    assert b"(1. request with a rather long label <script>alert\\(1\\)" in ops
    assert b"[6 4] 0 d" in ops  # dashed messages and lifelines
    assert re.search(rb" l h B\b", ops)  # closed, filled and stroked: heads
    assert b" c " in ops  # Bezier corners of states and actors


def test_characters_outside_winansi_are_set_in_an_embedded_font():
    objects = read(render_pdf(parse("A->B: caf\u00e9 \u4e2d\u6587 \u20ac")))
    ops = content(objects)
    assert b"(caf\\351 ) Tj" in ops and b"( \\200) Tj" in ops
    if font_for("\u4e2d") is None:
        pytest.skip("no installed font has CJK characters")
    (font,) = [b for b in objects.values() if b"/Subtype /Type0" in b]
    assert b"/Encoding /Identity-H" in font and b"/ToUnicode" in font
    glyphs = b"%04X%04X" % (
        font_for("\u4e2d").glyph("\u4e2d"),
        font_for("\u6587").glyph("\u6587"),
    )
    assert b"<" + glyphs + b"> Tj" in ops
    (cmap,) = [
        stream_data(b)
        for b in objects.values()
        if b"stream" in b and b"beginbfchar" in stream_data(b)
        if b"/Length1" not in b
    ]
    assert b"<4E2D>" in cmap and b"<6587>" in cmap


def test_string_syntax_is_escaped():
    ops = content(read(render_pdf(parse("A->B: a (b) \\ c)"))))
    assert b"(a \\(b\\) \\\\ c\\)) Tj" in ops


def test_link_annotations_exactly_where_link_returns_a_url():
    diagram = every_construct()
    objects = read(render_pdf(diagram, link=compute_only))
    links = [body for body in objects.values() if b"/Subtype /Link" in body]
    linked = [s for s in diagram.steps() if s.ref and compute_only(s.ref)]
    assert 0 < len(links) == len(linked) < len(diagram.steps())
    (page,) = (p.decode() for p in pages(objects))
    numbers = [
        int(n) for n in re.search(r"/Annots \[([\d R]+)\]", page)[1].split()[::3]
    ]
    assert [objects[n] for n in numbers] == links
    width, height = map(
        float, re.search(r"/MediaBox \[0 0 (\S+) (\S+)\]", page).groups()
    )
    for body, step in zip(links, linked, strict=True):
        assert b"/S /URI /URI (" + compute_only(step.ref).encode() + b")" in body
        x0, y0, x1, y1 = map(float, re.search(rb"/Rect \[([^\]]+)\]", body)[1].split())
        assert 0 <= x0 < x1 <= width + 2 and 0 <= y0 < y1 <= height + 2
        assert b"/Contents <FEFF" + tooltip_of(step.ref) + b">" in body


def tooltip_of(ref: SourceRef) -> bytes:
    return f"{ref.path} \xb7 {ref.qualname}".encode("utf-16-be").hex().upper().encode()


def test_urls_are_kept_to_ascii_and_unsafe_ones_dropped():
    diagram = parse("# nova/x.py f()\nA->B: x")
    objects = read(render_pdf(diagram, link=lambda ref: "https://example.org/é (1)"))
    (link,) = [body for body in objects.values() if b"/URI" in body]
    assert b"/URI (https://example.org/%C3%A9%20\\(1\\))" in link
    unsafe = render_pdf(diagram, link=lambda ref: "javascript:alert(1)")
    assert b"/URI" not in unsafe and b"javascript" not in unsafe


def test_title_goes_to_the_document_information():
    objects = read(render_pdf(parse("title Pause\nA->B: x")))
    assert b"/Title (Pause)" in objects[max(objects)]
    objects = read(render_pdf(parse("A->B: x"), title="Pausa \u00e0 \u4e2d"))
    assert b"/Title <FEFF" in objects[max(objects)]


def test_bytes_are_deterministic_and_undated():
    diagram = every_construct()
    pdf = render_pdf(diagram, link=compute_only)
    assert pdf == render_pdf(every_construct(), link=compute_only)
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf


@pytest.mark.parametrize("path", WORKFLOWS, ids=workflow_ids())
def test_bundled_workflows_give_well_formed_pdfs(path):
    diagram = parse(path.read_text(encoding="utf-8"))
    objects = read(render_pdf(diagram, link=lambda ref: "https://example.org/"))
    links = [body for body in objects.values() if b"/Subtype /Link" in body]
    assert len(links) == sum(1 for step in diagram.steps() if step.ref)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils missing")
def test_poppler_opens_the_pdf_and_finds_the_text(tmp_path):
    path = tmp_path / "every.pdf"
    path.write_bytes(render_pdf(every_construct(), link=compute_only))
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "Every construct" in result.stdout
    assert "spanning note over several participants" in result.stdout
    png = subprocess.run(
        ["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        text=True,
    )
    assert png.returncode == 0 and png.stderr == ""
    assert (tmp_path / "page-1.png").stat().st_size > 1000

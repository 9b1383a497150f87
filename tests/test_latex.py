"""Diagrams in print: LaTeX builds compiled to PDF by each engine, and the
PDF read back (poppler-utils) for text size, pages, scripts and links."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.render.fonts import font_for

ENGINES = ("pdflatex", "xelatex", "lualatex")


def needs(*tools: str):
    missing = [tool for tool in tools if not shutil.which(tool)]
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {missing}")


def build(make_app, rootdir, tmp_path, root: str, **conf) -> tuple[Path, str]:
    """Build ``roots/test-<root>`` with the LaTeX builder; the output
    directory and the warnings."""
    srcdir = tmp_path / root
    shutil.copytree(rootdir / f"test-{root}", srcdir)
    app = make_app("latex", srcdir=srcdir, freshenv=True, confoverrides=conf)
    app.build()
    lines = app.warning.getvalue().splitlines(keepends=True)
    return Path(app.outdir), "".join(
        line for line in lines if "is already registered" not in line
    )


def compile_pdf(outdir: Path, name: str) -> Path:
    done = subprocess.run(
        ["make", "-C", str(outdir), "LATEXMKOPTS=-silent"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = outdir / f"{name}.log"
    assert done.returncode == 0, log.read_text(errors="replace")[-3000:]
    return outdir / f"{name}.pdf"


def words(pdf: Path) -> list[tuple[int, float, str]]:
    """``(page, height, word)`` for every word: ``pdftotext -bbox`` boxes a
    word from its font's descent to its ascent, a little less than its size."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found, page = [], 0
    for line in xml.splitlines():
        if "<page " in line:
            page += 1
        match = re.search(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line
        )
        if match:
            found.append((page, float(match[2]) - float(match[1]), match[3]))
    return found


def link_pages(pdf: Path) -> dict[int, list[str]]:
    out = subprocess.run(
        ["pdfinfo", "-url", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    links = defaultdict(list)
    for line in out.splitlines()[1:]:
        page, _, url = line.split(None, 2)
        links[int(page)].append(url)
    return links


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def engine_available(engine: str) -> None:
    if not all(shutil.which(t) for t in (engine, "latexmk", "pdftotext", "make")):
        pytest.skip(f"{engine}, latexmk, make or poppler-utils missing")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine_prints_tall_diagrams_in_pages_and_the_steps_intact(
    make_app, rootdir, tmp_path, engine
):
    engine_available(engine)
    outdir, warnings = build(
        make_app, rootdir, tmp_path, "latex-print", latex_engine=engine
    )
    assert warnings == ""
    pdf = compile_pdf(outdir, "print")
    found = words(pdf)

    # The tall diagram: cut into pages, every step once, the heads on each.
    numbers = [b for (_, _, a), (_, _, b) in pairwise(found) if a == "step"]
    assert sorted(map(int, numbers)) == list(range(1, 121))
    tall_pages = sorted({p for p, _, w in found if w == "step"})
    assert len(tall_pages) >= 4
    assert tall_pages == list(range(tall_pages[0], tall_pages[-1] + 1))
    heads = {p for p, _, w in found if w == "Alpha"}
    assert set(tall_pages) <= heads
    text = text_of(pdf)
    # One caption, then "(continued)" under each later page (and newpage's).
    assert text.count("Tall (continued)") == len(tall_pages) - 1
    assert text.count("Two parts (continued)") == 1
    assert "Part two" in text
    # A link on every page of it (each step links to nova's source).
    links = link_pages(pdf)
    for page in tall_pages:
        assert any("nova/compute/api.py" in url for url in links[page]), page

    # The steps list: arrows, dashes, quotes and separators intact.
    assert "user → nova-api: instance action “pause” — at once" in text
    assert "nova-api ↔ user: two ways" in text
    assert "nova/compute/api.py · API.pause" in text
    assert "ů" not in text


@pytest.mark.parametrize("engine", ("pdflatex", "xelatex"))
def test_nova_diagrams_print_no_text_under_6pt(make_app, rootdir, tmp_path, engine):
    engine_available(engine)
    outdir, warnings = build(
        make_app, rootdir, tmp_path, "latex-nova", latex_engine=engine
    )
    assert "[oswsd" not in warnings
    pdf = compile_pdf(outdir, "nova")
    diagrams = {w for path in outdir.glob("oswsd-*.pdf") for _, _, w in words(path)}
    found = [(p, h, w) for p, h, w in words(pdf) if w in diagrams and len(w) >= 3]
    assert any(w == "nova-conductor" for _, _, w in found)
    # pdftotext boxes a Helvetica word from its descent to its ascent, 0.925
    # of its size.  (Words of one or two characters are left out: on a turned
    # page the box of the page number is its width.)
    assert min(height for _, height, _ in found) >= 6.0 * 0.925


@needs("xelatex", "latexmk", "pdftotext")
def test_cjk_cyrillic_and_greek_text_is_in_the_diagram(make_app, rootdir, tmp_path):
    if font_for("创") is None:
        pytest.skip("no installed font has CJK characters")
    outdir, warnings = build(make_app, rootdir, tmp_path, "latex-cjk")
    assert "[oswsd" not in warnings
    pdf = compile_pdf(outdir, "cjk")
    # The diagram's own PDF, then the book: the text is searchable in both.
    (diagram,) = outdir.glob("oswsd-*.pdf")
    for path in (diagram, pdf):
        text = text_of(path)
        for phrase in ("创建虚拟机", "用户", "创建服务器", "Квота Ελληνικά", "已接受"):
            assert phrase in text, (path.name, phrase)


def test_characters_no_font_has_are_a_located_warning(make_app, rootdir, tmp_path):
    linear_a = "\U00010600"
    if font_for(linear_a) is not None:
        pytest.skip("an installed font has Linear A")
    srcdir = tmp_path / "latex-print"
    shutil.copytree(rootdir / "test-latex-print", srcdir)
    (srcdir / "index.rst").write_text(
        "Fonts\n=====\n\n.. openstack-workflow::\n\n"
        f"   A->B: fine\n   B->A: Linear A {linear_a}\n"
    )
    app = make_app("latex", srcdir=srcdir, freshenv=True)
    app.build()
    assert re.search(
        r"index\.rst:4: WARNING: index\.rst:7: no installed font can draw"
        r" '.' \(U\+10600\).*\[oswsd\.font\]",
        app.warning.getvalue(),
    )


def test_a_diagram_too_wide_to_read_is_a_located_warning(make_app, rootdir, tmp_path):
    srcdir = tmp_path / "latex-print"
    shutil.copytree(rootdir / "test-latex-print", srcdir)
    wide = "\n".join(f"   P{i}->P{i + 1}: message number {i}" for i in range(40))
    (srcdir / "index.rst").write_text(
        f"Wide\n====\n\n.. openstack-workflow::\n\n{wide}\n"
    )
    app = make_app("latex", srcdir=srcdir, freshenv=True)
    app.build()
    assert re.search(
        r"index\.rst:4: WARNING: .*too wide to print legibly.*\[oswsd\.size\]",
        app.warning.getvalue(),
    )


@needs("pdflatex", "latexmk", "pdfinfo")
def test_a_diagram_of_any_length_builds(make_app, rootdir, tmp_path):
    """Past 16,384 pt a single image stops TeX (Dimension too large)."""
    srcdir = tmp_path / "latex-print"
    shutil.copytree(rootdir / "test-latex-print", srcdir)
    steps = "\n".join(f"   A->B: step {i}" for i in range(700))
    (srcdir / "index.rst").write_text(
        f"Long\n====\n\n.. openstack-workflow::\n   :steps: none\n\n{steps}\n"
    )
    app = make_app("latex", srcdir=srcdir, freshenv=True)
    app.build()
    pdf = compile_pdf(Path(app.outdir), "print")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) >= 20


# -- the API renderer in LaTeX -------------------------------------------------------


def _api_latex(make_app, rootdir, tmp_path, server, index=None, **conf):
    srcdir = tmp_path / "api"
    shutil.copytree(rootdir / "test-api", srcdir)
    if index is not None:
        (srcdir / "index.rst").write_text(index)
    (srcdir / "conf.py").write_text(
        (srcdir / "conf.py").read_text()
        + '\nlatex_documents = [("index", "api.tex", "api", "tests", "manual")]\n'
    )
    overrides = {
        "oswsd_api_url": server.url,
        "oswsd_cache_dir": str(tmp_path / "cache"),
        **conf,
    }
    app = make_app("latex", srcdir=srcdir, freshenv=True, confoverrides=overrides)
    app.build()
    return Path(app.outdir), app.warning.getvalue()


def test_latex_falls_back_to_a_local_pdf_when_the_api_fails(
    make_app, rootdir, tmp_path, wsd_server
):
    wsd_server.inject("500", count=10)
    outdir, warnings = _api_latex(make_app, rootdir, tmp_path, wsd_server)
    assert warnings.count("[oswsd.fallback]") == 2
    tex = (outdir / "api.tex").read_text()
    images = re.findall(r"\\oswsddiagram\{[^}]*\}\{\{([^}]+)\}\.(\w+)\}", tex)
    assert len(images) >= 2 and {ext for _, ext in images} == {"pdf"}
    assert not list(outdir.glob("*.svg"))
    if shutil.which("pdflatex") and shutil.which("latexmk"):
        assert compile_pdf(outdir, "api").exists()


def test_fallback_error_gives_alt_text_and_steps_in_latex(
    make_app, rootdir, tmp_path, wsd_server
):
    wsd_server.inject("500", count=10)
    outdir, warnings = _api_latex(
        make_app, rootdir, tmp_path, wsd_server, oswsd_fallback="error"
    )
    assert warnings.count("[oswsd.render]") == 2
    tex = (outdir / "api.tex").read_text()
    assert r"\oswsddiagram" not in tex
    assert not list(outdir.glob("oswsd-*"))
    assert "Inline through the API" in tex  # the alt text
    assert "API.pause" in tex  # the steps list


def test_an_api_image_too_tall_to_print_legibly_is_drawn_locally_in_pages(
    make_app, rootdir, tmp_path, wsd_server
):
    steps = "\n".join(f"   A->B: step {i}" for i in range(150))
    index = f"Tall\n====\n\n.. openstack-workflow::\n\n{steps}\n"
    outdir, warnings = _api_latex(make_app, rootdir, tmp_path, wsd_server, index)
    assert warnings == ""
    assert len(wsd_server.renders()) == 1  # the API drew it: too tall to print
    tex = (outdir / "api.tex").read_text()
    images = re.findall(r"\\oswsddiagram\{[^}]*\}\{\{([^}]+)\}\.(\w+)\}", tex)
    assert len(images) >= 4 and {ext for _, ext in images} == {"pdf"}
    assert tex.count("(continued)") == len(images) - 1

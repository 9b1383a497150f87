"""``sphinxcontrib_oswsd.seqdiag`` in real Sphinx builds of ``roots/test-seqdiag``:
a conf.py written for sphinxcontrib-seqdiag builds with -W, in HTML and LaTeX."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parent / "roots" / "test-seqdiag"


def warnings(app) -> str:
    lines = app.warning.getvalue().splitlines(keepends=True)
    text = "".join(line for line in lines if "is already registered" not in line)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def build(make_app, tmp_path, builder="html", extra="", **kwargs):
    srcdir = tmp_path / "src"
    shutil.copytree(ROOT, srcdir)
    if extra:
        with (srcdir / "index.rst").open("a", encoding="utf-8") as index:
            index.write(extra)
    app = make_app(builder, srcdir=srcdir, freshenv=True, **kwargs)
    app.build()
    return app


def test_html_with_warnings_as_errors(make_app, tmp_path):
    app = build(make_app, tmp_path, warningiserror=True)
    assert warnings(app) == ""
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) == 3
    fetch, pause, escaped = svgs
    assert "GET /index.html" in fetch and "cached from here" in fetch
    assert "pause_instance" in pause and "202 Accepted" in pause
    # The reference comment in pause.diag links its steps to the source.
    assert re.search(
        r'href="https://opendev\.org/openstack/nova/src/tag/34\.0\.0/'
        r'nova/compute/api\.py#L\d+"',
        pause,
    )
    assert "a &lt;b&gt; &amp; c" in escaped
    assert "A browser asks a web server for a page" in fetch  # :alt:
    # :caption:, :name: and :numref:, :figclass:, :class:, :align:, :desctable:
    assert "Fetching a page" in page
    assert re.search(r'href="#fig-fetch"><span class="std std-numref">Fig\. \d', page)
    assert re.search(
        r'<figure class="[^"]*\bwide\b[^"]*\bdiagram\b|'
        r'<figure class="[^"]*\bdiagram\b[^"]*\bwide\b',
        page,
    )
    assert "align-left" in page
    assert page.count('class="oswsd-steps') == 1
    assert "browser → webserver" in page
    nested = (Path(app.outdir) / "nested" / "page.html").read_text(encoding="utf-8")
    assert "pause_instance" in nested  # a file relative to its document


def test_latex_with_warnings_as_errors(make_app, tmp_path):
    app = build(make_app, tmp_path, "latex", warningiserror=True)
    assert warnings(app) == ""
    tex = (Path(app.outdir) / "test.tex").read_text(encoding="utf-8")
    included = re.findall(r"\{(oswsd-[0-9a-f-]+)\}\.pdf", tex)
    assert len(included) == 4
    for name in included:
        assert (Path(app.outdir) / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    assert "Fetching a page" in tex


def test_parallel_build_gives_the_same_html(make_app, tmp_path):
    pages = []
    for jobs in (1, 3):
        app = build(make_app, tmp_path / str(jobs), parallel=jobs)
        assert warnings(app) == ""
        pages.append((Path(app.outdir) / "index.html").read_text(encoding="utf-8"))
    assert pages[0] == pages[1]


def test_editing_a_diag_file_rebuilds_the_pages_using_it(make_app, tmp_path):
    app = build(make_app, tmp_path)
    diag = Path(app.srcdir) / "diagrams" / "pause.diag"
    diag.write_text(diag.read_text().replace("pause_instance", "suspend_instance"))
    app = make_app("html", srcdir=Path(app.srcdir))
    app.build()
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    assert sorted(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", status)) == [
        "index",
        "nested/page",
    ]
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "suspend_instance" in page


BAD = """
.. seqdiag::

   {
     A -> B;
     A -> ;
   }

.. seqdiag:: diagrams/missing.diag

.. seqdiag::

   {
     A -> B [sparkle];
     // nova/compute/api.py is right, the function is not:
     # nova/compute/api.py API.no_such_function()
     B -> C;
   }
"""


def test_problems_are_located_warnings_and_infos(make_app, tmp_path):
    app = build(make_app, tmp_path, extra=BAD)
    found = warnings(app)
    index = app.srcdir / "index.rst"
    lines = index.read_text().splitlines()
    bad_line = lines.index("     A -> ;") + 1
    assert (
        f"index.rst:{bad_line}: WARNING: line 3 of the diagram: Syntax error" in found
    )
    missing = lines.index(".. seqdiag:: diagrams/missing.diag") + 1
    assert re.search(
        rf"index\.rst:{missing}: WARNING: cannot read the seqdiag file", found
    )
    comment = lines.index("     # nova/compute/api.py API.no_such_function()") + 1
    assert re.search(
        rf"index\.rst:{comment}: WARNING: line 4 of the diagram: nova/compute/api\.py"
        r" has no API\.no_such_function\(\) in nova 34\.0\.0.* \[oswsd\.reference\]",
        found,
    )
    assert len(found.strip().splitlines()) == 3, found
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    sparkle = lines.index("     A -> B [sparkle];") + 1
    assert (
        f"index.rst:{sparkle}: line 2 of the diagram: unknown edge attribute "
        "'sparkle' ignored." in status
    )


@pytest.mark.parametrize(
    "builder", ["dirhtml", "singlehtml", "epub", "text", "man", "texinfo"]
)
def test_every_other_builder_with_warnings_as_errors(make_app, tmp_path, builder):
    app = build(
        make_app,
        tmp_path,
        builder,
        warningiserror=True,
        confoverrides={
            "man_pages": [("index", "test", "seqdiag test", ["tests"], 1)],
            "texinfo_documents": [
                ("index", "test", "seqdiag test", "tests", "test", "", "Misc")
            ],
        },
    )
    assert warnings(app) == ""
    written = "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in Path(app.outdir).rglob("*")
        if p.is_file() and p.suffix not in (".png", ".pdf", ".svg", ".epub")
    )
    # A drawing where the builder takes images, else the alt text; the
    # :desctable: steps everywhere.
    assert "A browser asks a web server for a page" in written
    assert "GET /index.html" in written

"""The extension in real Sphinx builds of small projects (``roots/test-*``)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.sources import Resolver
from sphinxcontrib_oswsd.wsd.model import SourceRef

PAUSE_URL = re.compile(
    r"https://opendev\.org/openstack/nova/src/tag/34\.0\.0/nova/compute/api\.py#L\d+"
)


def warnings(app) -> str:
    """The build's warnings, less the ones Sphinx gives when a test makes a
    second application in one process (its own nodes registered twice)."""
    lines = app.warning.getvalue().splitlines(keepends=True)
    return "".join(line for line in lines if "is already registered" not in line)


def html(app, page: str = "index") -> str:
    return (Path(app.outdir) / f"{page}.html").read_text(encoding="utf-8")


def inline_svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def build_basic_with(builder, make_app, rootdir, tmp_path, pattern: str) -> str:
    """Build ``test-basic`` with ``builder`` and ``-W``; the text of the output
    files matching ``pattern``."""
    srcdir = tmp_path / "src"
    _copy_root(rootdir / "test-basic", srcdir)
    app = make_app(builder, srcdir=srcdir, warningiserror=True, freshenv=True)
    app.build()
    assert warnings(app) == ""
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in Path(app.outdir).rglob(pattern)
        if p.is_file()
    )


# -- HTML ------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_html_inlines_linked_svg_with_figures_and_steps(app):
    app.build()
    assert warnings(app) == ""
    page = html(app)
    svgs = inline_svgs(page)
    assert len(svgs) == 3
    for svg in svgs:
        ET.fromstring(svg)  # each inline SVG is well-formed XML on its own
    # Links to the exact line of the pinned release, inside the diagram ...
    assert PAUSE_URL.search(svgs[0])
    # ... and in the steps list under it.
    steps = re.search(r'<details class="oswsd-steps">.*?</details>', page, re.S)
    assert steps and PAUSE_URL.search(steps.group())
    assert "nova/compute/api.py · API.pause" in re.sub(r"<[^>]+>", "", steps.group())
    # Caption, numbering, alignment, width and class like Sphinx's figures.
    assert re.search(r'<figure class="oswsd wide align-center" id="fig-pause"', page)
    assert 'style="width: 80%"' in page
    assert '<figure class="oswsd align-left" id="fig-inline">' in page
    assert "Fig. 1" in page and "Fig. 2" in page
    assert "Pausing a server" in page
    # :steps: expanded opens the list; :steps: none leaves it out.
    assert page.count('<details class="oswsd-steps"') == 2
    assert page.count('<details class="oswsd-steps" open="open">') == 1


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_html_frames_each_diagram_with_its_image_alone_and_the_page_assets(app):
    app.build()
    page = html(app)
    out = Path(app.outdir)
    # Each diagram is in a scrolling frame, its steps' ids prefixed with the
    # figure's id (#fig-pause-step-2), and links to its SVG on its own.
    assert page.count('<div class="oswsd-frame" tabindex="0"') == 3
    assert 'id="fig-pause-step-2"' in page
    links = re.findall(r'<a class="oswsd-image-link" href="([^"]+)"', page)
    assert len(links) == 3
    for link in links:
        alone = (out / link).read_text(encoding="utf-8")
        assert alone.lstrip().startswith(("<?xml", "<svg"))
    assert "nova/compute/api.py · API.pause" in (out / links[0]).read_text()
    # Never squeezed below legible text; the :width: figure may stretch.
    assert re.search(r'style="min-width: \d+px"', page)  # fig-pause, :width: 80%
    assert re.search(r'style="min-width: \d+px; max-width: \d+px"', page)
    for asset in ("oswsd.css", "oswsd-palette.css", "oswsd.js"):
        assert (out / "_static" / asset).is_file()
        assert f"_static/{asset}" in page
    palette = (out / "_static" / "oswsd-palette.css").read_text()
    assert 'html[data-theme="dark"] .oswsd-diagram' in palette
    assert "--oswsd-note-fill:" in palette


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_html_escapes_text_and_keeps_alt(app):
    app.build()
    svg = inline_svgs(html(app))[1]
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; bye" in svg
    assert "A tiny inline diagram" in svg


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_two_diagrams_on_a_page_never_share_an_id(app):
    app.build()
    ids = re.findall(r'\bid="([^"]+)"', "".join(inline_svgs(html(app))))
    assert ids
    assert len(ids) == len(set(ids))


def test_epub_pages_are_well_formed_xhtml(make_app, rootdir, tmp_path):
    build_basic_with("epub", make_app, rootdir, tmp_path, "*.xhtml")
    pages = list((tmp_path / "src" / "_build" / "epub").rglob("*.xhtml"))
    assert pages
    for page in pages:
        ET.parse(page)  # raises on anything that is not well-formed XML


@pytest.mark.parametrize("builder", ["dirhtml", "singlehtml", "epub"])
def test_other_html_builders_pass_with_warnings_as_errors(
    make_app, rootdir, tmp_path, builder
):
    written = build_basic_with(builder, make_app, rootdir, tmp_path, "*.*html")
    assert len(inline_svgs(written)) >= 3


# -- LaTeX and builders without images -----------------------------------------


@pytest.mark.sphinx("latex", testroot="basic", freshenv=True)
def test_latex_includes_pdf_figures_with_labels_and_linked_steps(app):
    app.build()
    assert warnings(app) == ""
    tex = (Path(app.outdir) / "test.tex").read_text(encoding="utf-8")
    diagrams = re.findall(r"\\oswsddiagram\{[^}]*\}\{\{([^}]+)\}\.pdf\}", tex)
    # Three on index, one on the other page, less the later pages of a diagram
    # printed in pages.
    assert len(diagrams) - tex.count(r"\oswsdcontinued") == 4
    for name in diagrams:
        assert (Path(app.outdir) / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    # Included PDFs lose their annotations: the steps are linked again on top.
    assert re.search(
        r"\\oswsdlink\{[\d.]+\}\{[\d.]+\}\{[\d.]+\}\{[\d.]+\}\{https://opendev", tex
    )
    assert r"\usepackage{sphinxcontriboswsd}" in tex
    assert (Path(app.outdir) / "sphinxcontriboswsd.sty").exists()
    assert r"\caption{Pausing a server}" in tex
    assert r"\label{\detokenize{index:fig-pause}}" in tex
    # A named diagram without a caption is still a numbered target in LaTeX.
    assert r"\caption{Inline diagram}\label{\detokenize{index:fig-inline}}" in tex
    assert re.search(r"\\sphinxhref\{" + PAUSE_URL.pattern.replace("#", r"\\#"), tex)
    # :align: left without :width: would be a zero-wide wrapfigure: centred.
    assert r"\begin{wrapfigure}" not in tex


@pytest.mark.skipif(not shutil.which("xelatex"), reason="xelatex is not installed")
@pytest.mark.sphinx(
    "latex", testroot="basic", freshenv=True, confoverrides={"latex_engine": "xelatex"}
)
def test_the_pdf_builds_with_xelatex_and_keeps_the_diagram_links(app):
    app.build()
    outdir = Path(app.outdir)
    subprocess.run(
        ["make", "-C", str(outdir), "LATEXMKOPTS=-silent"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdf = outdir / "test.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdfinfo"):
        urls = subprocess.run(
            ["pdfinfo", "-url", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        # flows/custom.wsd shows no steps list: a link to the function its
        # message names can only come from the link put back over the diagram.
        unpause = Resolver().link(SourceRef("nova/compute/api.py", "API.unpause", 1))
        assert unpause in urls


@pytest.mark.parametrize("builder", ["text", "man", "texinfo"])
def test_builders_without_images_get_alt_text_and_steps(
    make_app, rootdir, tmp_path, builder
):
    output = build_basic_with(builder, make_app, rootdir, tmp_path, "*")
    assert "A tiny inline diagram" in output
    assert "API.pause" in output


# -- parallel and incremental builds ----------------------------------------------


def test_parallel_build_gives_the_same_html(make_app, rootdir, tmp_path):
    pages = []
    for jobs in (1, 4):
        srcdir = tmp_path / f"src{jobs}"
        _copy_root(rootdir / "test-basic", srcdir)
        app = make_app("html", srcdir=srcdir, parallel=jobs, freshenv=True)
        app.build()
        assert warnings(app) == ""
        pages.append((html(app), html(app, "other")))
    assert pages[0] == pages[1]


def test_editing_a_workflow_rebuilds_only_the_page_using_it(
    make_app, rootdir, tmp_path
):
    srcdir = tmp_path / "src"
    _copy_root(rootdir / "test-incremental", srcdir)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    assert "first version" in html(app, "uses")

    workflow = srcdir / "workflows" / "demo" / "hello.wsd"
    workflow.write_text(workflow.read_text().replace("first", "second"))
    app = make_app("html", srcdir=srcdir)
    app.build()
    assert "second version" in html(app, "uses")
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    assert "0 added, 1 changed, 0 removed" in status
    assert re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", status) == ["uses"]


# -- bad input ----------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="bad", freshenv=True)
def test_bad_input_gives_located_warnings_and_the_build_goes_on(app):
    app.build()
    found = warnings(app)
    expected = [
        r"index\.rst:4: WARNING: unknown workflow 'nova/pasue'; did you mean nova/pause"
        r".*\[oswsd\.name\]",
        r"index\.rst:6: WARNING: invalid workflow name .*\[oswsd\.name\]",
        r"index\.rst:8: WARNING: workflow 'nova/reset-network' was removed: .*"
        r"\[oswsd\.removed\]",
        r"index\.rst:10: WARNING: cannot read the workflow: .*missing\.wsd.*"
        r"\[oswsd\.file\]",
        r"index\.rst:15: WARNING: line 2 of the diagram: Syntax error\. "
        r"\[oswsd\.syntax\]",
        r"index\.rst:19: WARNING: line 1 of the diagram: .*reset_network.*"
        r"\[oswsd\.reference\]",
        r"index\.rst:22: WARNING: broken\.wsd:3: end without group\. \[oswsd\.syntax\]",
        r"index\.rst:26: WARNING: cannot read the workflow latin1\.wsd: not UTF-8 text"
        r" \(byte 5\) \[oswsd\.file\]",
    ]
    for pattern in expected:
        assert re.search(pattern, found), (pattern, found)
    assert "Traceback" not in found
    assert "After the bad diagrams the build goes on." in html(app)


@pytest.mark.sphinx(
    "html",
    testroot="bad",
    freshenv=True,
    confoverrides={"suppress_warnings": ["oswsd.syntax"]},
)
def test_suppress_warnings_silences_exactly_that_subtype(app):
    app.build()
    found = warnings(app)
    assert "[oswsd.syntax]" not in found
    assert "[oswsd.name]" in found
    assert "[oswsd.reference]" in found


@pytest.mark.sphinx(
    "html",
    testroot="basic",
    freshenv=True,
    confoverrides={
        "oswsd_steps": "sideways",
        "oswsd_timeout": 0,
        "oswsd_source_url": "https://example.org/{nope}/{path}",
        "oswsd_workflow_dirs": ["no-such-dir"],
        "oswsd_source_dirs": {"nova": "no-such-checkout"},
    },
)
def test_bad_settings_are_reported_once_each_and_the_build_goes_on(app):
    app.build()
    found = warnings(app)
    for expected in (
        "oswsd_steps = 'sideways' is not one of collapsed, expanded, none;"
        " using 'collapsed'",
        "oswsd_timeout = 0.0 must be at least 0.001; using 10.0",
        "oswsd_source_url: bad source URL template",
        "oswsd_workflow_dirs: ",
        "oswsd_source_dirs: ",
    ):
        assert found.count(expected) == 1, (expected, found)
    assert found.count("WARNING") == 5
    assert "Traceback" not in found
    # The defaults stand in: links use the default template.
    assert PAUSE_URL.search(html(app))


@pytest.mark.sphinx(
    "html",
    testroot="basic",
    freshenv=True,
    confoverrides={"oswsd_api_key": "sekrit-KEY-0123456789"},
)
def test_the_api_key_is_never_written_to_disk(app):
    app.build()
    for path in Path(app.outdir).rglob("*"):
        if path.is_file():
            assert b"sekrit-KEY-0123456789" not in path.read_bytes(), path
    for path in Path(app.doctreedir).rglob("*"):
        if path.is_file():
            assert b"sekrit-KEY-0123456789" not in path.read_bytes(), path


def test_a_rebuild_with_nothing_changed_reads_and_writes_nothing(
    make_app, rootdir, tmp_path
):
    srcdir = tmp_path / "src"
    _copy_root(rootdir / "test-basic", srcdir)
    make_app("html", srcdir=srcdir, freshenv=True).build()
    app = make_app("html", srcdir=srcdir)
    app.build()
    status = re.sub(r"\x1b\[[0-9;]*m", "", app.status.getvalue())
    # (sphinx.testing itself changes html_theme between two applications)
    assert "html_static_path" not in status
    assert "0 added, 0 changed, 0 removed" in status
    assert "oswsd:" not in status  # no rendering batch either


# -- the API renderer ---------------------------------------------------------------


def _api_app(make_app, rootdir, tmp_path, server, fresh=True, **overrides):
    srcdir = tmp_path / "src"
    if not srcdir.exists():
        _copy_root(rootdir / "test-api", srcdir)
    confoverrides = {
        "oswsd_api_url": server.url,
        "oswsd_cache_dir": str(tmp_path / "cache"),
        **overrides,
    }
    return make_app("html", srcdir=srcdir, confoverrides=confoverrides, freshenv=fresh)


def test_api_images_get_image_maps_and_a_warm_cache_makes_no_request(
    make_app, rootdir, tmp_path, wsd_server
):
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    assert warnings(app) == ""
    assert len(wsd_server.renders()) == 2
    page = html(app)
    images = re.findall(r'<img src="(_images/oswsd-[0-9a-f]+\.png)"', page)
    assert len(images) == 2
    for src in images:
        assert (Path(app.outdir) / src).read_bytes().startswith(b"\x89PNG")
    assert inline_svgs(page) == []  # network images are never inlined
    # Links over the steps, in percent of the image so they follow its scaling.
    area = re.compile(
        r'<a class="oswsd-area" href="(' + PAUSE_URL.pattern + r')" title="[^"]+"'
        r' style="left: ([\d.]+)%; top: ([\d.]+)%; width: ([\d.]+)%;'
        r' height: ([\d.]+)%"'
    )
    links = area.findall(page)
    assert links
    for _, *box in links:
        left, top, width, height = map(float, box)
        assert left >= 0 and top >= 0
        assert left + width <= 100.01 and top + height <= 100.01

    wsd_server.clear_log()
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    assert wsd_server.requests == []
    assert html(app) == page


def test_a_diagram_drawn_locally_goes_through_the_api_once_it_answers(
    make_app, rootdir, tmp_path, wsd_server
):
    # The second failure in a row slows the batch down and earns a retry.
    wsd_server.inject("503", count=3)
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    assert warnings(app).count("[oswsd.fallback]") == 2
    assert len(inline_svgs(html(app))) == 2  # both drawn locally
    # Same configuration, no document changed: only the missing cache
    # entries make the pages be read, and rendered, again.
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, fresh=False)
    app.build()
    assert len(wsd_server.renders()) == 5
    assert inline_svgs(html(app)) == []
    assert warnings(app) == ""


def test_a_problem_the_parser_reported_is_not_reported_again_by_the_api(
    make_app, rootdir, tmp_path, wsd_server
):
    srcdir = tmp_path / "src"
    _copy_root(rootdir / "test-api", srcdir)
    index = srcdir / "index.rst"
    index.write_text(
        index.read_text()
        + "\n.. openstack-workflow::\n\n   A->B: hello\n   deactivate B\n"
    )
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    found = warnings(app)
    assert "Deactivate: B was not activated. [oswsd.wsd]" in found
    assert "[oswsd.api]" not in found


def test_api_failure_falls_back_to_local_with_one_warning_each(
    make_app, rootdir, tmp_path, wsd_server
):
    wsd_server.inject("500", count=10)
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    found = warnings(app)
    assert found.count("[oswsd.fallback]") == 2
    assert "index.rst:4: WARNING: nova/pause: 500" in found
    assert "index.rst:6: WARNING: index.rst: 500" in found
    assert "drawn by the local renderer instead" in found
    assert len(inline_svgs(html(app))) == 2
    assert not list((tmp_path / "cache").glob("*.oswsd"))


def test_fallback_warnings_can_be_suppressed(make_app, rootdir, tmp_path, wsd_server):
    app = _api_app(
        make_app,
        rootdir,
        tmp_path,
        wsd_server,
        oswsd_offline=True,
        suppress_warnings=["oswsd.fallback"],
    )
    app.build()
    assert warnings(app) == ""
    assert wsd_server.requests == []


def _copy_root(root: Path, target: Path) -> None:
    shutil.copytree(root, target)


# -- a hostile service (issue 13) ----------------------------------------------------

HOSTILE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30" '
    'onload="alert(1)"><script>alert(2)</script><text y="9">hi</text></svg>'
)
HOSTILE_REPLIES = [
    ("reply", '{"img":"?png=x","boxes":[{"line":1,"rect":[Infinity,0,1,1]}]}', "png"),
    ("reply", '{"img":"?png=x","boxes":[{"line":1e400,"rect":[0,0,1,1]}]}', "png"),
    ("reply", '{"img":"?png=x","errors":["Line %s: x"]}' % ("1" * 5000), "png"),
    ("image", HOSTILE_SVG.replace('width="90"', 'width="1.2.3"'), "svg"),
    ("image", HOSTILE_SVG.replace('"90"', '"' + "9" * 400 + '"'), "svg"),
    ("drip", "", "png"),
    ("endless", "", "png"),
]


@pytest.mark.parametrize("fault, body, fmt", HOSTILE_REPLIES)
def test_a_hostile_service_gives_one_located_warning_per_diagram(
    make_app, rootdir, tmp_path, wsd_server, monkeypatch, fault, body, fmt
):
    """Issue 13, done when: the build finishes in bounded time with one
    located warning per diagram, and an offline build from the same cache
    succeeds."""
    monkeypatch.setenv("OSWSD_API_KEY", "sekrit-KEY-0123456789")
    wsd_server.inject(fault, 2, body=body, seconds=0.05)
    app = _api_app(
        make_app, rootdir, tmp_path, wsd_server, oswsd_format=fmt, oswsd_timeout=1
    )
    app.build()
    found = warnings(app)
    assert found.count("WARNING") == 2, found
    assert found.count("[oswsd.fallback]") == 2
    assert "index.rst:4: WARNING: nova/pause: " in found
    assert "index.rst:6: WARNING: index.rst: " in found
    assert "Traceback" not in found and "sekrit" not in found
    assert not list((tmp_path / "cache").glob("*.oswsd"))
    offline = _api_app(
        make_app, rootdir, tmp_path, wsd_server, oswsd_format=fmt, oswsd_offline=True
    )
    offline.build()
    assert "Traceback" not in warnings(offline)
    assert len(inline_svgs(html(offline))) == 2


def test_network_svg_is_published_sanitised(
    make_app, rootdir, tmp_path, wsd_server, monkeypatch
):
    """Issue 13.3: what lands in _images/ has no script and no handler."""
    monkeypatch.setenv("OSWSD_API_KEY", "sekrit-KEY-0123456789")
    wsd_server.inject("image", 2, body=HOSTILE_SVG)
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, oswsd_format="svg")
    app.build()
    assert warnings(app) == ""
    published = list(Path(app.outdir, "_images").glob("*.svg"))
    assert published  # (the two equal images may share one file)
    for path in published:
        data = path.read_bytes()
        assert b"alert" not in data and b"onload" not in data
        assert b'<text y="9">hi</text>' in data


# -- the key, the cache, offline and styles (issue 13.9-13.12) -------------------------

KEY = "sekrit-KEY-0123456789"


def _everything_written(app) -> str:
    """The build's log and every file it wrote, as one text to search."""
    texts = [app.status.getvalue(), app.warning.getvalue()]
    for root in (app.outdir, app.doctreedir):
        for path in Path(root).rglob("*"):
            if path.is_file():
                texts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(texts)


def test_a_key_in_conf_py_is_warned_about_once_and_used(
    make_app, rootdir, tmp_path, wsd_server
):
    """Issue 13.9: Sphinx's own -v -v log shows conf.py values; say so."""
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, oswsd_api_key=KEY)
    app.build()
    found = warnings(app)
    assert found.count("[oswsd.config]") == 1 and found.count("WARNING") == 1
    assert "-v -v log" in found and "version control" in found
    assert "OSWSD_API_KEY" in found and "oswsd_api_key_file" in found
    assert all(r.fields["apikey"] == KEY for r in wsd_server.renders())
    assert KEY not in found


def test_a_key_file_is_used_and_the_key_is_nowhere_at_verbosity_2(
    make_app, rootdir, tmp_path, wsd_server
):
    key_file = tmp_path / "wsd.key"
    key_file.write_text(KEY + "\n")
    wsd_server.inject("echoerrors", 2)  # the server echoes the key back
    srcdir = tmp_path / "src"
    _copy_root(rootdir / "test-api", srcdir)
    app = make_app(
        "html",
        srcdir=srcdir,
        freshenv=True,
        verbosity=2,
        confoverrides={
            "oswsd_api_url": wsd_server.url,
            "oswsd_cache_dir": str(tmp_path / "cache"),
            "oswsd_api_key_file": str(key_file),
        },
    )
    app.build()
    assert all(r.fields["apikey"] == KEY for r in wsd_server.renders())
    assert "unknown key ***" in warnings(app)  # redacted, still reported
    written = _everything_written(app)
    assert "[app] emitting event" in written  # the -v -v log is there
    assert KEY not in written
    for entry in (tmp_path / "cache").iterdir():
        assert KEY.encode() not in entry.read_bytes()


def test_an_unreadable_key_file_is_a_config_warning(
    make_app, rootdir, tmp_path, wsd_server
):
    app = _api_app(
        make_app,
        rootdir,
        tmp_path,
        wsd_server,
        oswsd_api_key_file=str(tmp_path / "missing.key"),
    )
    app.build()
    found = warnings(app)
    assert "oswsd_api_key_file: cannot read" in found and "[oswsd.config]" in found
    assert "apikey" not in wsd_server.renders()[0].fields


@pytest.mark.parametrize(
    "problem, why",
    [
        ("file", "a file is in its place"),
        (errno.EROFS, "it is read-only"),
        (errno.ENOSPC, "the disk is full"),
    ],
)
def test_cache_write_problems_are_one_located_cache_warning(
    make_app, rootdir, tmp_path, wsd_server, monkeypatch, problem, why
):
    """Issue 13.10: not plain Python logging; once for the batch."""
    if problem == "file":
        (tmp_path / "cache").write_text("not a directory")
    else:

        def refuse(*args, **kwargs):
            raise OSError(problem, os.strerror(problem))

        monkeypatch.setattr("sphinxcontrib_oswsd.render.cache.tempfile.mkstemp", refuse)
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    found = warnings(app)
    assert found.count("WARNING") == 1, found
    cache = tmp_path / "cache"
    assert (
        f"index.rst:4: WARNING: nova/pause: cannot write the cache in {cache}: "
        f"{why} (and 1 more diagrams); the pages get local drawings instead "
        "[oswsd.cache]"
    ) in found
    assert len(inline_svgs(html(app))) == 2


def test_a_corrupt_entry_is_a_located_cache_warning_and_rendered_again(
    make_app, rootdir, tmp_path, wsd_server
):
    _api_app(make_app, rootdir, tmp_path, wsd_server).build()
    entries = sorted((tmp_path / "cache").glob("*.oswsd"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:-20])
    wsd_server.clear_log()
    app = _api_app(make_app, rootdir, tmp_path, wsd_server)
    app.build()
    found = warnings(app)
    assert found.count("WARNING") == 2, found
    for line, where in ((4, "nova/pause"), (6, "index.rst")):
        assert (
            f"index.rst:{line}: WARNING: {where}: removed corrupt cache entry" in found
        )
    assert found.count(".oswsd [oswsd.cache]") == 2
    assert len(wsd_server.renders()) == 2
    assert len(list((tmp_path / "cache").glob("*.oswsd"))) == 2


def test_offline_without_a_cached_image_informs_and_does_not_warn(
    make_app, rootdir, tmp_path, wsd_server
):
    """Issue 13.11: the user chose offline."""
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, oswsd_offline=True)
    app.build()
    assert warnings(app) == ""
    status = app.status.getvalue()
    assert "through the API" not in status
    assert "oswsd: offline: 0 from the cache, 2 drawn by the local renderer" in status
    assert len(inline_svgs(html(app))) == 2 and wsd_server.requests == []


def test_a_style_that_needs_a_key_is_a_style_warning_without_one(
    make_app, rootdir, tmp_path, wsd_server, monkeypatch
):
    """Issue 13.12: napkin, magazine, patent, vs2010 are not free."""
    monkeypatch.delenv("OSWSD_API_KEY", raising=False)
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, oswsd_style="napkin")
    app.build()
    found = warnings(app)
    assert found.count("[oswsd.style]") == 2, found
    assert (
        "index.rst:4: WARNING: nova/pause: the napkin style needs an API key" in found
    )
    assert wsd_server.requests == []


def test_an_entry_gone_bad_before_writing_is_a_warning_and_a_local_drawing(
    make_app, rootdir, tmp_path, wsd_server
):
    _api_app(make_app, rootdir, tmp_path, wsd_server).build()
    for entry in (tmp_path / "cache").glob("*.oswsd"):
        entry.write_bytes(entry.read_bytes()[:-20])
    app = _api_app(make_app, rootdir, tmp_path, wsd_server, fresh=False)
    app.build(force_all=True)  # pages written again, not read again
    found = warnings(app)
    assert found.count("removed corrupt cache entry") == 2, found
    assert "index.rst:4: WARNING: nova/pause: removed corrupt" in found
    assert len(inline_svgs(html(app))) == 2
    assert not list((tmp_path / "cache").glob("*.oswsd"))

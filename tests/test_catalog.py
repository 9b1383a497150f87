"""The ``openstack-workflow-catalog`` directive in real Sphinx builds of
``roots/test-catalog`` over the fixture library ``fixtures/workflows``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.library import Library

FIXTURES = Path(__file__).parent / "fixtures" / "workflows"
DOCS = Path(__file__).parent.parent / "docs"
LIBRARY = {"oswsd_workflow_dirs": [str(FIXTURES)]}


def warnings(app) -> str:
    lines = app.warning.getvalue().splitlines(keepends=True)
    text = "".join(line for line in lines if "is already registered" not in line)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def page(app, name: str) -> str:
    return (Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8")


def section(html: str, section_id: str) -> str:
    """The HTML of the section with this id, up to the next section."""
    match = re.search(rf'<section id="{section_id}">(.*?)(?=<section|$)', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(1)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.sphinx("html", testroot="catalog", freshenv=True, confoverrides=LIBRARY)
def test_a_section_per_workflow_with_stable_ids_and_the_diagram(app):
    app.build()
    html = page(app, "demo")
    hello = section(html, "demo-hello")
    assert "<h2>Hello world" in hello
    assert "Say hello: a tiny workflow used by the tests. It has a second" in hello
    assert "GET /hello" in text(hello)
    assert "demo/hi, demo/sayHello" in text(hello)
    assert ".. openstack-workflow:: demo/hello" in text(hello)
    # The diagram as the openstack-workflow directive draws it, with the
    # catalog's options passed on.
    assert re.search(r'<figure class="oswsd gallery align-center"', hello)
    assert hello.count("<svg") == 1
    assert '<details class="oswsd-steps" open="open">' in hello
    assert "After the catalog the page goes on." in html


@pytest.mark.sphinx("html", testroot="catalog", freshenv=True, confoverrides=LIBRARY)
def test_removed_workflows_are_listed_with_their_note_and_no_diagram(app):
    app.build()
    html = page(app, "demo")
    removed = html[html.index('<section id="demo-removed">') :]
    assert "Removed operations" in removed
    gone = section(html, "demo-gone")
    assert "demo 2.0.0; use demo/hello instead" in text(gone)
    assert "<svg" not in gone and "openstack-workflow::" not in gone
    # Removed entries come after every drawn one.
    assert html.index('id="demo-gone"') > html.index('id="demo-hello"')


@pytest.mark.sphinx("html", testroot="catalog", freshenv=True, confoverrides=LIBRARY)
def test_sections_are_in_the_toctree_and_are_ref_targets(app):
    app.build()
    index = page(app, "index")
    toctree = index[index.index('<div class="toctree-wrapper') :]
    for section_id in ("demo-broken", "demo-hello", "demo-removed", "demo-gone"):
        assert f'href="demo.html#{section_id}"' in toctree
    assert re.search(r'href="demo\.html#demo-hello"[^>]*>.*?Hello world', index, re.S)
    assert re.search(r'href="demo\.html#demo-gone"[^>]*>.*?Gone', index, re.S)


@pytest.mark.sphinx("html", testroot="catalog", freshenv=True, confoverrides=LIBRARY)
def test_a_broken_workflow_gives_a_located_warning_and_the_build_goes_on(app):
    app.build()
    found = warnings(app)
    assert re.search(
        r"demo\.rst:4: WARNING: demo/broken:4: Syntax error\. \[oswsd\.syntax\]",
        found,
    )
    assert re.search(
        r"missing\.rst:4: WARNING: no workflows for project 'nosuch'; "
        r"the library has .*\bdemo\b.* \[oswsd\.name\]",
        found,
    )
    assert len(found.strip().splitlines()) == 2, found
    broken = section(page(app, "demo"), "demo-broken")
    assert "<h2>Broken" in broken and "<svg" not in broken


@pytest.mark.sphinx("latex", testroot="catalog", freshenv=True, confoverrides=LIBRARY)
def test_latex_gets_sections_and_pdf_figures(app):
    app.build()
    tex = (Path(app.outdir) / "test.tex").read_text(encoding="utf-8")
    assert r"\label{\detokenize{demo:demo-hello}}" in tex
    assert r"\section{Removed operations}" in tex
    included = re.findall(r"\{(oswsd-[0-9a-f]+)\}\.pdf", tex)
    assert len(included) == 1  # demo/hello; broken is not drawn, gone is removed
    assert (Path(app.outdir) / f"{included[0]}.pdf").read_bytes().startswith(b"%PDF")


def test_a_workflow_added_to_the_project_appears_on_the_next_build(
    make_app, rootdir, tmp_path
):
    srcdir, library = tmp_path / "src", tmp_path / "workflows"
    shutil.copytree(rootdir / "test-catalog", srcdir)
    shutil.copytree(FIXTURES, library)
    overrides = {"oswsd_workflow_dirs": [str(library)]}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides, freshenv=True)
    app.build()
    assert 'id="demo-later"' not in page(app, "demo")

    (library / "demo" / "later.wsd").write_text("title Later\nA->B: hi\n")
    app = make_app("html", srcdir=srcdir, confoverrides=overrides)
    app.build()
    assert '<section id="demo-later">' in page(app, "demo")


def test_the_docs_have_a_gallery_page_for_every_project_of_the_library():
    pages = {p.stem for p in (DOCS / "gallery").glob("*.rst")} - {"index"}
    assert pages == set(Library().projects())
    for project in pages:
        source = (DOCS / "gallery" / f"{project}.rst").read_text(encoding="utf-8")
        assert f".. openstack-workflow-catalog:: {project}\n" in source


def test_a_file_that_is_not_utf8_is_skipped_with_its_own_located_warning(
    make_app, rootdir, tmp_path
):
    srcdir, library = tmp_path / "src", tmp_path / "workflows"
    shutil.copytree(rootdir / "test-catalog", srcdir)
    shutil.copytree(FIXTURES, library)
    latin = library / "demo" / "latin.wsd"
    latin.write_bytes(b"# Latin-1\ntitle Caf\xe9\nA->B\n")
    with (srcdir / "demo.rst").open("a", encoding="utf-8") as demo:
        demo.write(
            "\n.. openstack-workflow:: demo/hi\n"
            "\n.. openstack-workflow:: demo/doesnotexist\n"
        )
    overrides = {"oswsd_workflow_dirs": [str(library)]}
    app = make_app("html", srcdir=srcdir, confoverrides=overrides, freshenv=True)
    app.build()
    found = warnings(app)
    html = page(app, "demo")
    assert '<section id="demo-hello">' in html
    assert 'id="demo-latin"' not in html
    # A warning for the file, at its line, from the catalog, and from the
    # failed lookup (the unknown name could have been an alias in it).
    assert found.count(f"{latin}:2: WARNING: workflow demo/latin skipped:") == 2
    assert "not UTF-8 text (byte 19) [oswsd.file]" in found
    # The alias draws; the unknown name is reported as unknown, not as the
    # unreadable file.
    assert html.count("<svg") == 2  # demo/hello in the catalog, and demo/hi
    assert re.search(
        r"demo\.rst:\d+: WARNING: unknown workflow 'demo/doesnotexist'", found
    )
    assert "cannot read the workflow" not in found

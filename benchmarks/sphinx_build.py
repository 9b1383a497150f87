"""What the directive costs in a Sphinx build, against plain images.

Two projects with the same pages: one draws every bundled workflow with
``.. openstack-workflow::`` (local renderer), the other shows the same
diagrams as ``.. image::`` of pre-rendered SVG files. Each is built once, then
rebuilt with ``-E`` (every page read and written again, caches warm) and
rebuilt with nothing changed. Run with ``python -m benchmarks.sphinx_build``.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.render.local import render_local

RUNS = 3


def make_projects(root: Path) -> tuple[Path, Path]:
    workflows = [w for w in Library().workflows() if not w.removed]
    directive, image = root / "directive", root / "image"
    for project, extension in ((directive, '"sphinxcontrib_oswsd"'), (image, "")):
        project.mkdir()
        (project / "conf.py").write_text(
            f"extensions = [{extension}]\noswsd_renderer = 'local'\n"
            if extension
            else "extensions = []\n"
        )
    (image / "svg").mkdir()
    pages = []
    for workflow in workflows:
        page = workflow.name.replace("/", "-")
        pages.append(page)
        heading = f"{workflow.title}\n{'=' * len(workflow.title)}\n\n"
        (directive / f"{page}.rst").write_text(
            f"{heading}.. openstack-workflow:: {workflow.name}\n"
        )
        svg = render_local(workflow.parse(), "svg", id_prefix=page)
        (image / "svg" / f"{page}.svg").write_bytes(svg)
        (image / f"{page}.rst").write_text(f"{heading}.. image:: svg/{page}.svg\n")
    toctree = "Index\n=====\n\n.. toctree::\n\n" + "".join(f"   {p}\n" for p in pages)
    for project in (directive, image):
        (project / "index.rst").write_text(toctree)
    return directive, image


def build(project: Path, fresh: bool) -> float:
    start = time.perf_counter()
    with docutils_namespace():
        app = Sphinx(
            project,
            project,
            project / "_build",
            project / "_build" / ".doctrees",
            "html",
            status=None,
            warning=None,
            freshenv=fresh,
        )
        app.build()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directive, image = make_projects(Path(tmp))
        pages = len(list(directive.glob("*.rst"))) - 1
        print(f"{pages} pages, one diagram each; best of {RUNS} runs")
        results = {}
        for name, project in (("openstack-workflow", directive), ("image", image)):
            shutil.rmtree(project / "_build", ignore_errors=True)
            first = build(project, fresh=True)
            full = min(build(project, fresh=True) for _ in range(RUNS))
            nothing = statistics.median(
                build(project, fresh=False) for _ in range(RUNS)
            )
            results[name] = (first, full, nothing)
            print(
                f"{name:>18}: first {first:6.2f} s, rebuild -E {full:6.2f} s,"
                f" no change {nothing:5.2f} s"
            )
        ours, theirs = results["openstack-workflow"], results["image"]
        print(f"overhead ratio, rebuild -E: {ours[1] / theirs[1]:.2f}")
        print(f"overhead ratio, no change:  {ours[2] / theirs[2]:.2f}")


if __name__ == "__main__":
    main()

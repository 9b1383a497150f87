"""The downstream examples build as their READMEs say, with warnings as errors."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
LINK = "https://opendev.org/openstack/nova/src/tag/34.0.0/nova/api/openstack/compute/"


def readme_build_command(example: Path) -> list[str]:
    """The ``sphinx-build`` line of the example's README, as a command."""
    readme = (example / "README.rst").read_text(encoding="utf-8")
    (line,) = re.findall(r"^\s*(sphinx-build .*)$", readme, re.M)
    return [sys.executable, "-m", "sphinx", *shlex.split(line)[1:]]


def build(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr


@pytest.fixture
def minimal(tmp_path) -> Path:
    copy = tmp_path / "minimal"
    shutil.copytree(EXAMPLES / "minimal", copy, ignore=shutil.ignore_patterns("_*"))
    return copy


def test_minimal_example_builds_html_as_its_readme_says(minimal):
    command = readme_build_command(minimal)
    options = "-W --keep-going -j auto -b html . _build/html"
    assert command[3:] == options.split()  # as OpenStack's docs jobs run it
    build(command, minimal)
    page = (minimal / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 2
    # Its own workflow, from its workflow directory, linked to nova's code ...
    assert "Quarantine a server (pause, then lock)" in svgs[0]
    assert LINK + "lock_server.py#L" in svgs[0]
    # ... and one of the bundled library.
    assert "Unpause a server" in svgs[1]
    assert "Fig. 1" in page and "Fig. 2" in page


def test_minimal_example_builds_latex(minimal):
    command = readme_build_command(minimal)
    command[command.index("html")] = "latex"
    build([*command[:-1], "_build/pdf"], minimal)
    out = minimal / "_build" / "pdf"
    tex = (out / "example-cloud-ops.tex").read_text(encoding="utf-8")
    included = re.findall(r"\{(oswsd-[0-9a-f]+)\}\.pdf", tex)
    # Two diagrams (a tall one printed in pages: "(continued)" under the rest).
    assert len(included) - tex.count(r"\oswsdcontinued") == 2
    for name in included:
        assert (out / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    assert r"\label{\detokenize{index:fig-quarantine}}" in tex


@pytest.mark.parametrize("builder", ["html", "latex"])
def test_openstackdocstheme_example_builds(tmp_path, builder):
    """Built in place: the theme reads the git checkout, as in OpenStack."""
    pytest.importorskip("openstackdocstheme")
    example = EXAMPLES / "openstackdocstheme"
    command = readme_build_command(example)
    command[command.index("html")] = builder
    build([*command[:-1], str(tmp_path / builder)], example)
    if builder == "html":
        page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
        assert len(re.findall(r"<svg\b", page)) == 2

"""Sphinx configuration of the sphinxcontrib-oswsd documentation."""

from __future__ import annotations

import sys
from pathlib import Path

from sphinxcontrib_oswsd import __version__

# Documentation-only helpers (the old-name table of the migration guide).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sphinxcontrib-oswsd"
author = "sphinxcontrib-oswsd developers"
copyright = "2026, sphinxcontrib-oswsd developers"
release = __version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinxcontrib_oswsd", "sphinxcontrib_oswsd.seqdiag", "oswsd_docs"]

# The extension's default renderer is the websequencediagrams.com API. These
# docs use the bundled offline renderer instead, so `tox -e docs`, CI and any
# packager build them with no network, no API key and no cache, every diagram
# drawn the same way on every machine, with working links to the source.
oswsd_renderer = "local"

numfig = True
exclude_patterns = ["_build"]
nitpicky = True

html_theme = "sphinx_rtd_theme"
html_title = f"{project} {release}"

# What OpenStack's pdf-docs jobs use.
latex_engine = "xelatex"
# Sphinx's default index sorter for xelatex is xindy, which TeX Live in Debian
# only has as an extra package; makeindex does for our short index.
latex_use_xindy = False
latex_documents = [
    ("index", "sphinxcontrib-oswsd.tex", "sphinxcontrib-oswsd", author, "manual"),
]
latex_elements = {"papersize": "a4paper", "extraclassoptions": "openany,oneside"}

"""A downstream documentation project using sphinxcontrib-oswsd."""

project = "Example Cloud operations"
author = "Example Cloud operators"
copyright = "2026, Example Cloud operators"
release = version = "1.0"

extensions = ["sphinxcontrib_oswsd"]

# Draw with the bundled offline renderer: no network, no API key, and the
# same result on every machine. Drop this line to use websequencediagrams.com.
oswsd_renderer = "local"
# This project's own workflows, next to this file: workflows/ops/*.wsd is
# drawn by ".. openstack-workflow:: ops/<name>".
oswsd_workflow_dirs = ["workflows"]

numfig = True
exclude_patterns = ["_build", "README.rst"]

latex_engine = "xelatex"
latex_documents = [
    ("index", "example-cloud-ops.tex", project, author, "manual"),
]

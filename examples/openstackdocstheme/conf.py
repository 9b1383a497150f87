"""The minimal example as an OpenStack project's doc/source/conf.py would
write it: openstackdocstheme, its required settings, and the pdf-docs build."""

project = "Example Cloud operations"
copyright = "2026, OpenStack contributors"

extensions = ["openstackdocstheme", "sphinxcontrib_oswsd"]

# openstackdocstheme: where the project lives and where bugs go.
openstackdocs_repo_name = "openstack/example-cloud-ops"
openstackdocs_bug_project = "example-cloud-ops"
openstackdocs_bug_tag = "doc"
# This example is not a pbr-packaged project: give its name and version
# instead of letting the theme ask pbr. (The theme reads the git checkout for
# the page footer, as in every OpenStack repository.)
openstackdocs_auto_version = False
openstackdocs_auto_name = False
release = version = "1.0"

html_theme = "openstackdocs"

# Offline drawing; the workflow of its own is the minimal example's.
oswsd_renderer = "local"
oswsd_workflow_dirs = ["../minimal/workflows"]

numfig = True
exclude_patterns = ["_build", "README.rst"]

# What `tox -e pdf-docs` of an OpenStack project builds (the theme sets
# latex_engine = "xelatex").
latex_documents = [
    ("index", "doc-example-cloud-ops.tex", project, "OpenStack contributors", "manual"),
]
latex_use_xindy = False

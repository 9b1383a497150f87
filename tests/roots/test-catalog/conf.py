extensions = ["sphinxcontrib_oswsd"]
project = "oswsd catalog test"
oswsd_renderer = "local"
# The tests point oswsd_workflow_dirs at tests/fixtures/workflows.
latex_documents = [("index", "test.tex", "oswsd catalog test", "tests", "manual")]
# The fixture library's demo/hello names a project with no symbol index.
suppress_warnings = ["oswsd.reference"]

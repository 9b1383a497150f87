extensions = ["sphinxcontrib_oswsd"]
project = "oswsd nova print test"
oswsd_renderer = "local"
numfig = True
latex_use_xindy = False
latex_documents = [("index", "nova.tex", "oswsd nova print test", "tests", "manual")]
version = release = "1.0"
copyright = "2026, tests"

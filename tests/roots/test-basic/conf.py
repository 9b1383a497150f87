extensions = ["sphinxcontrib_oswsd"]
project = "oswsd test"
oswsd_renderer = "local"
numfig = True
latex_documents = [("index", "test.tex", "oswsd test", "tests", "manual")]
man_pages = [("index", "test", "oswsd test", ["tests"], 1)]
texinfo_documents = [("index", "test", "oswsd test", "tests", "test", "", "Misc")]
version = release = "1.0"
copyright = "2026, tests"

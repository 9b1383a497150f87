extensions = ["sphinxcontrib_oswsd"]
project = "oswsd cjk test"
oswsd_renderer = "local"
latex_engine = "xelatex"
latex_use_xindy = False
latex_documents = [("index", "cjk.tex", "oswsd cjk test", "tests", "manual")]
version = release = "1.0"
copyright = "2026, tests"

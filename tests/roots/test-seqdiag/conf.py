# A conf.py written for sphinxcontrib-seqdiag, with our module in its place.
extensions = ["sphinxcontrib_oswsd.seqdiag"]
project = "seqdiag drop-in test"
numfig = True
seqdiag_fontpath = "/usr/share/fonts/truetype/ipafont/ipagp.ttf"
seqdiag_fontmap = None
seqdiag_html_image_format = "SVG"
seqdiag_latex_image_format = "PDF"
seqdiag_tex_image_format = None
seqdiag_antialias = True
seqdiag_transparency = False
seqdiag_debug = False
latex_documents = [("index", "test.tex", "seqdiag test", "tests", "manual")]
version = release = "1.0"
copyright = "2026, tests"

extensions = ["sphinxcontrib_oswsd"]
project = "oswsd layout test"
oswsd_renderer = "local"

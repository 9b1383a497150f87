extensions = ["sphinxcontrib_oswsd"]
oswsd_renderer = "local"

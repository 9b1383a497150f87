extensions = ["sphinxcontrib_oswsd"]
oswsd_renderer = "api"
oswsd_retries = 0
oswsd_timeout = 2

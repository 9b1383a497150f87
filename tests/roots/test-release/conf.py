extensions = ["sphinxcontrib_oswsd"]
oswsd_renderer = "local"
oswsd_format = "svg"
oswsd_workflow_dirs = ["flows"]
oswsd_release = "2025.1"

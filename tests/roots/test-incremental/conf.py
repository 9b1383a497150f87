extensions = ["sphinxcontrib_oswsd"]
oswsd_renderer = "local"
oswsd_workflow_dirs = ["workflows"]

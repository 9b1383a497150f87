"""Wide and tall library workflows under the theme named by OSWSD_TEST_THEME
(an html_theme value), for tests/browser/test_reading_browser.py."""

import os

extensions = ["sphinxcontrib_oswsd"]
project = "oswsd reading test"
copyright = "2026, tests"
version = release = "1.0"
oswsd_renderer = "local"
html_theme = os.environ.get("OSWSD_TEST_THEME", "alabaster")
if html_theme == "openstackdocs":
    extensions.insert(0, "openstackdocstheme")
    openstackdocs_repo_name = "openstack/oswsd-reading-test"
    openstackdocs_auto_version = False
    openstackdocs_auto_name = False

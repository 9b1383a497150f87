"""What the extension registers with Sphinx, in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from sphinxcontrib_oswsd import __version__
from sphinxcontrib_oswsd.build_images import (
    WorkflowCollector,
    missing_api_images,
    remember_fresh_docs,
    render_after_reading,
)
from sphinxcontrib_oswsd.catalog import OpenStackWorkflowCatalog
from sphinxcontrib_oswsd.config import CONFIG_VALUES, read_settings
from sphinxcontrib_oswsd.directive import OpenStackWorkflow
from sphinxcontrib_oswsd.nodes import (
    figure_title,
    workflow_diagram,
    workflow_figure,
    workflow_steps,
)
from sphinxcontrib_oswsd.page import palette_stylesheet
from sphinxcontrib_oswsd.visitors import (
    add_latex_support,
    html_depart_steps,
    html_visit_diagram,
    html_visit_steps,
    latex_depart_figure,
    latex_figure_fixes,
    latex_visit_diagram,
    latex_visit_figure,
    plain_text_fallback,
)

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PALETTE_CSS = "oswsd-palette.css"


def configure(app: Sphinx, config: Config) -> None:
    """Check the settings once, and add the stylesheet's directory (here,
    not later, so that each build sees the same configuration)."""
    for problem in read_settings(config, app.confdir):
        logger.warning(problem, type="oswsd", subtype="config")
    config.html_static_path.append(str(STATIC))


def write_palette(app: Sphinx, *args: Any) -> list:
    """Write the stylesheet of the dark palette among the page's static
    files (made from the renderer's palette, so it never falls behind)."""
    static = Path(app.builder.outdir, "_static")
    static.mkdir(parents=True, exist_ok=True)
    (static / PALETTE_CSS).write_text(palette_stylesheet(), encoding="utf-8")
    return []


def setup(app: Sphinx) -> dict[str, Any]:
    for name, (default, rebuild, types) in CONFIG_VALUES.items():
        app.add_config_value(f"oswsd_{name}", default, rebuild, types)
    app.add_enumerable_node(
        workflow_figure,
        "figure",
        figure_title,
        latex=(latex_visit_figure, latex_depart_figure),
    )
    app.add_node(
        workflow_diagram,
        html=(html_visit_diagram, None),
        latex=(latex_visit_diagram, None),
    )
    app.add_node(workflow_steps, html=(html_visit_steps, html_depart_steps))
    app.add_directive("openstack-workflow", OpenStackWorkflow)
    app.add_directive("openstack-workflow-catalog", OpenStackWorkflowCatalog)
    app.add_env_collector(WorkflowCollector)
    app.add_css_file("oswsd.css")
    app.add_css_file(PALETTE_CSS)
    app.add_js_file("oswsd.js", loading_method="defer")
    app.connect("config-inited", configure)
    app.connect("builder-inited", add_latex_support)
    app.connect("html-collect-pages", write_palette)
    app.connect("env-get-outdated", missing_api_images)
    app.connect("env-before-read-docs", remember_fresh_docs)
    app.connect("env-updated", render_after_reading)
    app.connect("doctree-resolved", plain_text_fallback)
    app.connect("doctree-resolved", latex_figure_fixes)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

"""``.. seqdiag::`` without Pillow: a drop-in for sphinxcontrib-seqdiag.

``extensions = ["sphinxcontrib_oswsd.seqdiag"]`` in place of
``"sphinxcontrib.seqdiag"``: the same directive (inline content or a file
relative to the document), its options and its ``seqdiag_*`` settings. The
seqdiag source goes through our second parser into the diagram model, is
written as WSD, and from there takes the ``openstack-workflow`` directive's
path: drawn by the offline renderer (never sent to a web service), inline SVG
in HTML, PDF in LaTeX, cached, ``-j`` safe, every problem a located warning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging

from sphinxcontrib_oswsd import __version__
from sphinxcontrib_oswsd.config import settings_of
from sphinxcontrib_oswsd.diag.parser import parse as parse_seqdiag
from sphinxcontrib_oswsd.directive import OpenStackWorkflow, WorkflowSource
from sphinxcontrib_oswsd.library import WorkflowError
from sphinxcontrib_oswsd.nodes import workflow_steps
from sphinxcontrib_oswsd.steps import steps_list
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse
from sphinxcontrib_oswsd.wsd.writer import to_wsd

logger = logging.getLogger(__name__)

#: sphinxcontrib-seqdiag 3.0's settings and defaults: accepted so that a
#: conf.py written for it loads unchanged; none changes our drawing.
SETTINGS = {
    "seqdiag_fontpath": None,
    "seqdiag_fontmap": None,
    "seqdiag_antialias": False,
    "seqdiag_transparency": True,
    "seqdiag_debug": False,
    "seqdiag_html_image_format": "PNG",
    "seqdiag_tex_image_format": None,
    "seqdiag_latex_image_format": "PNG",
}


def _figwidth(argument: str | None) -> str:
    if (argument or "").lower() == "image":
        return "image"
    return directives.length_or_percentage_or_unitless(argument, "px")


class Seqdiag(OpenStackWorkflow):
    """``.. seqdiag::`` with the source as content, or ``.. seqdiag:: x.diag``."""

    option_spec = {  # noqa: RUF012 - docutils reads it as a class attribute
        "alt": directives.unchanged,
        "height": directives.length_or_unitless,
        "width": directives.length_or_percentage_or_unitless,
        "scale": directives.percentage,
        "align": lambda value: directives.choice(value, ("left", "center", "right")),
        "caption": directives.unchanged,
        "desctable": directives.flag,
        "maxwidth": directives.nonnegative_int,
        "name": directives.unchanged,
        "class": directives.class_option,
        "figwidth": _figwidth,
        "figclass": directives.class_option,
    }

    def run(self) -> list[nodes.Node]:
        settings = settings_of(self.config)
        try:
            text, label, path, first_line = self._seqdiag_source()
            diagram, infos = parse_seqdiag(text)
        except (OSError, UnicodeDecodeError) as error:
            return self._warn(f"cannot read the seqdiag file: {error}", "file")
        except WorkflowError as error:
            return self._warn(str(error), "name")
        except WSDSyntaxError as error:
            where = WorkflowSource(text, label, path, first_line)
            return self._warn(
                self._where(where, error.line) + error.message,
                "syntax",
                where,
                error.line,
            )
        where = WorkflowSource(text, label, path, first_line)
        for info in infos:
            line = first_line + info.line - 1 if path is None else self.lineno
            logger.info(
                self._where(where, info.line) + info.message,
                location=(self.env.docname, line),
            )
        # References are resolved (and reported) at their seqdiag lines; from
        # here on, the openstack-workflow directive's path with the WSD, whose
        # steps are the same, in the same order.
        resolved = self._resolve(diagram, where, settings)
        source = WorkflowSource(to_wsd(diagram), label, path, first_line)
        drawn = parse(source.text)
        resolutions = {
            step.ref.line: resolved[original.ref.line]
            for original, step in zip(diagram.steps(), drawn.steps(), strict=True)
            if original.ref and step.ref
        }
        diagram = drawn
        self._seqdiag_options()
        figure = self._figure(diagram, source, settings, resolutions)
        figure["classes"] += self.options.get("figclass", [])
        figwidth = self.options.get("figwidth")
        if figwidth and figwidth != "image":
            figure["width"] = figwidth
        if "desctable" not in self.options or not diagram.steps():
            return [figure]
        steps = workflow_steps("", steps_list(diagram, resolutions), mode="expanded")
        steps["classes"].append("oswsd-steps")
        return [figure, steps]

    def _seqdiag_source(self) -> tuple[str, str, Path | None, int]:
        """The seqdiag text, a label for messages, its file, and the document
        line of its first line (inline content)."""
        if self.arguments:
            if self.content:
                raise WorkflowError(
                    "seqdiag directive cannot have both content and a file argument"
                )
            relative, absolute = self.env.relfn2path(self.arguments[0])
            self.env.note_dependency(relative)
            path = Path(absolute)
            return path.read_text(encoding="utf-8-sig"), relative, path, 0
        if not "\n".join(self.content).strip():
            raise WorkflowError("seqdiag directive without content or file")
        document = self.env.doc2path(self.env.docname, False)
        return "\n".join(self.content), str(document), None, self.content_offset + 1

    def _seqdiag_options(self) -> None:
        """seqdiag's options in the ``openstack-workflow`` directive's terms."""
        options = self.options
        options["renderer"], options["format"] = "local", "svg"
        if "maxwidth" in options and "width" not in options:
            options["width"] = f"{options['maxwidth']}px"


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib_oswsd")
    for name, default in SETTINGS.items():
        app.add_config_value(name, default, "", ())
    app.add_directive("seqdiag", Seqdiag)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

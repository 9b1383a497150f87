"""The ``openstack-workflow`` directive: find the workflow, check it, and
leave a figure node (plus its steps) for the builders.

Every problem is a warning at the directive's line in the document, and names
the workflow file's own line where there is one; the directive then leaves
nothing behind, so the build goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinxcontrib_oswsd.claims import ClaimChecker, claims_of
from sphinxcontrib_oswsd.config import (
    FORMATS,
    RENDERERS,
    STEPS,
    STYLES,
    Settings,
    settings_of,
    width_in_px,
)
from sphinxcontrib_oswsd.library import (
    Library,
    RemovedWorkflow,
    UnknownWorkflow,
    WorkflowError,
)
from sphinxcontrib_oswsd.nodes import workflow_diagram, workflow_figure, workflow_steps
from sphinxcontrib_oswsd.sources import Resolution
from sphinxcontrib_oswsd.steps import steps_list
from sphinxcontrib_oswsd.wsd.model import Diagram
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

logger = logging.getLogger(__name__)


def report_unreadable(library: Library, location: tuple[str, int]) -> None:
    """One warning per workflow file the library had to skip, at the file's
    line when there is one, else at ``location`` (the directive)."""
    for problem in library.unreadable:
        where = f"{problem.path}:{problem.line}" if problem.line else location
        logger.warning(
            f"workflow {problem.name} skipped: {problem.reason}",
            location=where,
            type="oswsd",
            subtype="file",
        )


def _choice(values: tuple[str, ...]):
    def convert(argument: str | None) -> str:
        return directives.choice(argument, values)

    return convert


@dataclass(frozen=True)
class WorkflowSource:
    """Where a diagram's text came from, for messages and dependencies."""

    text: str
    label: str  # "nova/pause", "flows/boot.wsd", or the document for content
    path: Path | None  # the file, if there is one
    first_line: int  # document line of the text's line 1 (inline content only)


class OpenStackWorkflow(SphinxDirective):
    """``.. openstack-workflow:: nova/pause`` (or a ``.wsd`` path, or content)."""

    optional_arguments = 1
    has_content = True
    option_spec = {  # noqa: RUF012 - docutils reads it as a class attribute
        "renderer": _choice(RENDERERS),
        "style": _choice(STYLES),
        "format": _choice(FORMATS),
        "caption": directives.unchanged_required,
        "name": directives.unchanged_required,
        "alt": directives.unchanged_required,
        "align": _choice(("left", "center", "right")),
        "width": directives.length_or_percentage_or_unitless,
        "class": directives.class_option,
        "steps": _choice(STEPS),
        "max-width": lambda value: width_in_px(directives.unchanged_required(value)),
    }

    def run(self) -> list[nodes.Node]:
        settings = settings_of(self.config)
        try:
            source = self._source(settings)
            diagram = parse(source.text)
        except WorkflowError as error:
            subtype = "removed" if isinstance(error, RemovedWorkflow) else "name"
            return self._warn(str(error), subtype)
        except OSError as error:
            return self._warn(f"cannot read the workflow: {error}", "file")
        except UnicodeDecodeError as error:
            return self._warn(
                f"cannot read the workflow {self.arguments[0]}: not UTF-8 text"
                f" (byte {error.start})",
                "file",
            )
        except WSDSyntaxError as error:
            return self._warn(
                self._where(source, error.line) + error.message,
                "syntax",
                source,
                error.line,
            )
        for warning in diagram.warnings:
            self._warn(
                self._where(source, warning.line) + warning.message,
                "wsd",
                source,
                warning.line,
            )
        resolutions = self._resolve(diagram, source, settings)
        self._check_claims(diagram, source, settings)
        figure = self._figure(diagram, source, settings, resolutions)
        mode = self.options.get("steps", settings.steps)
        if mode == "none" or not diagram.steps():
            return [figure]
        steps = workflow_steps("", steps_list(diagram, resolutions), mode=mode)
        steps["classes"].append("oswsd-steps")
        return [figure, steps]

    # -- finding the text ------------------------------------------------

    def _source(self, settings: Settings) -> WorkflowSource:
        if not self.arguments:
            if not self.content:
                raise WorkflowError(
                    "give a workflow name, a .wsd file, or the diagram as content"
                )
            document = self.env.doc2path(self.env.docname, False)
            return WorkflowSource(
                "\n".join(self.content), str(document), None, self.content_offset + 1
            )
        if self.content:
            raise WorkflowError("give a workflow name or file, or content, not both")
        argument = self.arguments[0]
        if argument.endswith(".wsd"):
            relative, absolute = self.env.relfn2path(argument)
            self.env.note_dependency(relative)
            path = Path(absolute)
            return WorkflowSource(path.read_text(encoding="utf-8"), relative, path, 0)
        library = Library(settings.workflow_dirs)
        try:
            workflow = library.get(argument)
        except UnknownWorkflow:
            # An alias may be in a file that could not be read: say which.
            report_unreadable(library, (self.env.docname, self.lineno))
            raise
        self.env.note_dependency(str(workflow.path))
        return WorkflowSource(workflow.source, workflow.name, workflow.path, 0)

    # -- reporting ---------------------------------------------------------

    def _where(self, source: WorkflowSource, line: int) -> str:
        """``file:line: `` for a workflow in a file; inline text is located by
        the warning's own document line, and says which line of the diagram."""
        if source.path:
            return f"{source.label}:{line}: "
        return f"line {line} of the diagram: "

    def _warn(
        self,
        message: str,
        subtype: str,
        source: WorkflowSource | None = None,
        line: int | None = None,
    ) -> list[nodes.Node]:
        lineno = self.lineno
        if source is not None and source.path is None and line is not None:
            lineno = source.first_line + line - 1
        logger.warning(
            message, location=(self.env.docname, lineno), type="oswsd", subtype=subtype
        )
        return []

    def _resolve(
        self, diagram: Diagram, source: WorkflowSource, settings: Settings
    ) -> dict[int, Resolution]:
        """Resolve each reference comment once; warn about those that fail."""
        resolver = settings.resolver()
        resolutions: dict[int, Resolution] = {}
        for step in diagram.steps():
            if step.ref is None or step.ref.line in resolutions:
                continue
            resolution = resolver.resolve(step.ref)
            resolutions[step.ref.line] = resolution
            if resolution.problem:
                self._warn(
                    self._where(source, step.ref.line) + resolution.problem,
                    "reference",
                    source,
                    step.ref.line,
                )
        return resolutions

    def _check_claims(
        self, diagram: Diagram, source: WorkflowSource, settings: Settings
    ) -> None:
        """Warn (``oswsd.claim``) about each claim the release's facts refute."""
        named = source.path is not None and not source.label.endswith(".wsd")
        checker = ClaimChecker(settings.resolver(), source.label if named else None)
        for claim in claims_of(diagram):
            verdict = checker.verify(claim)
            if verdict.checked and verdict.problem:
                where = self._where(source, claim.line)
                self._warn(where + verdict.problem, "claim", source, claim.line)

    # -- nodes -------------------------------------------------------------

    def _figure(
        self,
        diagram: Diagram,
        source: WorkflowSource,
        settings: Settings,
        resolutions: dict[int, Resolution],
    ) -> workflow_figure:
        title = " ".join((diagram.title or "Sequence diagram").split())
        serial = self.env.new_serialno("oswsd")
        doc_hash = hashlib.sha1(self.env.docname.encode()).hexdigest()[:6]
        image = workflow_diagram(
            source=source.text,
            workflow=source.label,
            line_offset=source.first_line - 1 if source.path is None else 0,
            title=title,
            alt=self.options.get("alt", title),
            renderer=self.options.get("renderer", settings.renderer),
            style=self.options.get("style", settings.style),
            format=self.options.get("format", settings.format),
            uid=f"oswsd-{doc_hash}-{serial}",
            links=[[line, r.url] for line, r in sorted(resolutions.items()) if r.url],
            width=self.options.get("width"),
            max_width=self.options.get("max-width", settings.max_width),
            location=(self.env.docname, self.lineno),
        )
        figure = workflow_figure("", image)
        figure["classes"] += ["oswsd", *self.options.get("class", [])]
        figure["align"] = self.options.get("align", "center")
        if "width" in self.options:
            figure["width"] = self.options["width"]
        if "caption" in self.options:
            parsed, _ = self.parse_inline(self.options["caption"], lineno=self.lineno)
            caption = nodes.caption(self.options["caption"], "", *parsed)
            caption.source, caption.line = self.get_source_info()
            figure += caption
        self.add_name(figure)
        # The figure's id prefixes the SVG's ids: #<figure id>-step-3 is a step.
        if figure["ids"]:
            image["uid"] = figure["ids"][0]
        else:
            figure["ids"].append(image["uid"])
        self.set_source_info(figure)
        return figure

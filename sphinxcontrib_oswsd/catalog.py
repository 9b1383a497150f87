"""The ``openstack-workflow-catalog`` directive: a gallery of a project's
workflows, made from the library at build time so it can never fall behind it.

Each workflow becomes a section whose id is its name (``nova/pause`` gets
``#nova-pause`` and the label ``nova/pause``), holding its summary, header
fields and the diagram drawn by the ``openstack-workflow`` directive itself.
Removed operations follow under "Removed operations" with their removal note,
so links to them keep landing somewhere useful.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinxcontrib_oswsd.config import settings_of
from sphinxcontrib_oswsd.directive import OpenStackWorkflow, report_unreadable
from sphinxcontrib_oswsd.library import Library, Workflow

logger = logging.getLogger(__name__)

#: The ``openstack-workflow`` options that make sense for every diagram of a
#: catalog; they are passed on as given.
SHARED_OPTIONS = (
    "renderer",
    "style",
    "format",
    "align",
    "width",
    "max-width",
    "class",
    "steps",
)

#: Header fields shown under the summary, in this order: key, label, and
#: whether the value is code (a request, a command) or prose.
FIELDS = (("rest", "REST", True), ("cli", "CLI", True), ("release", "Release", False))


class OpenStackWorkflowCatalog(SphinxDirective):
    """``.. openstack-workflow-catalog:: nova``"""

    required_arguments = 1
    option_spec = {  # noqa: RUF012 - docutils reads it as a class attribute
        name: OpenStackWorkflow.option_spec[name] for name in SHARED_OPTIONS
    }

    def run(self) -> list[nodes.Node]:
        project = self.arguments[0]
        settings = settings_of(self.config)
        library = Library(settings.workflow_dirs)
        workflows = library.workflows(project)
        report_unreadable(library, (self.env.docname, self.lineno))
        if not workflows:
            known = ", ".join(library.projects())
            logger.warning(
                f"no workflows for project {project!r}; the library has {known}",
                location=(self.env.docname, self.lineno),
                type="oswsd",
                subtype="name",
            )
            return []
        for directory in library.dirs:
            if (directory / project).is_dir():
                # A workflow added to the project later must appear on this page.
                self.env.note_dependency(str(directory / project))
        found: list[nodes.Node] = [
            self._section(w) for w in workflows if w.removed is None
        ]
        removed = [self._section(w) for w in workflows if w.removed is not None]
        if removed:
            found.append(
                self._new_section(
                    f"{project}-removed", "Removed operations", None, removed
                )
            )
        return found

    def _section(self, workflow: Workflow) -> nodes.section:
        self.env.note_dependency(str(workflow.path))
        body: list[nodes.Node] = []
        if workflow.summary:
            body.append(nodes.paragraph(text=workflow.summary))
        if workflow.removed is not None:
            body.append(
                nodes.admonition(
                    "",
                    nodes.title(text="Removed"),
                    nodes.paragraph(text=workflow.removed),
                    classes=["oswsd-removed", "note"],
                )
            )
        body.append(self._fields(workflow))
        if workflow.removed is None:
            body += self._diagram(workflow)
        return self._new_section(
            nodes.make_id(workflow.name), workflow.title, workflow.name, body
        )

    def _new_section(
        self, section_id: str, title: str, label: str | None, body: list[nodes.Node]
    ) -> nodes.section:
        """A section with a stable id; ``label`` makes it a ``:ref:`` target."""
        section = nodes.section(ids=[section_id])
        section += nodes.title(text=title)
        section += body
        if label:
            section["names"].append(label)
            self.state.document.note_explicit_target(section)
        else:
            self.state.document.set_id(section)
        self.set_source_info(section)
        return section

    def _fields(self, workflow: Workflow) -> nodes.field_list:
        values = [
            (label, workflow.header.fields[key], code)
            for key, label, code in FIELDS
            if workflow.header.fields.get(key)
        ]
        if workflow.aliases:
            old = ", ".join(f"{workflow.project}/{a}" for a in workflow.aliases)
            values.append(("Old names", old, True))
        if workflow.removed is None:
            directive = f".. openstack-workflow:: {workflow.name}"
            values.append(("Directive", directive, True))
        fields = nodes.field_list()
        for label, value, code in values:
            text = nodes.literal(text=value) if code else nodes.Text(value)
            fields += nodes.field(
                "",
                nodes.field_name(text=label),
                nodes.field_body("", nodes.paragraph("", "", text)),
            )
        return fields

    def _diagram(self, workflow: Workflow) -> list[nodes.Node]:
        """What ``.. openstack-workflow:: <name>`` with this catalog's options
        gives, warnings (located at this directive) included."""
        options = {k: v for k, v in self.options.items() if k in SHARED_OPTIONS}
        directive = OpenStackWorkflow(
            "openstack-workflow",
            [workflow.name],
            options,
            StringList(),
            self.lineno,
            self.content_offset,
            self.block_text,
            self.state,
            self.state_machine,
        )
        return directive.run()

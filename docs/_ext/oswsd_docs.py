"""``.. oswsd-old-names::``: the table of the original gallery's file names,
made from the library's ``Aliases:`` fields so it never falls behind it."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinxcontrib_oswsd.library import Library


def _link(name: str) -> addnodes.pending_xref:
    """A link to the workflow's gallery section (its label is its name)."""
    xref = addnodes.pending_xref(
        "", refdomain="std", reftype="ref", reftarget=name, refexplicit=True
    )
    xref += nodes.literal(text=name)
    return xref


def _row(*cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += nodes.entry("", nodes.paragraph("", "", *cell))
    return row


class OldNames(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        group = nodes.tgroup(cols=2)
        group += [nodes.colspec(colwidth=1), nodes.colspec(colwidth=2)]
        group += nodes.thead(
            "", _row([nodes.Text("old name")], [nodes.Text("workflow")])
        )
        body = nodes.tbody()
        for workflow in Library().workflows():
            for alias in workflow.aliases:
                now: list[nodes.Node] = [_link(workflow.name)]
                if workflow.removed:
                    now.append(nodes.Text(f" (removed: {workflow.removed})"))
                old = nodes.literal(text=f"{workflow.project}/{alias}")
                body += _row([old], now)
        group += body
        return [nodes.table("", group)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("oswsd-old-names", OldNames)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

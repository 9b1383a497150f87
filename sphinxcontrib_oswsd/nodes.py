"""The doctree nodes of a workflow diagram.

The figure subclasses :class:`docutils.nodes.figure`, so every builder that
has no visitor of ours draws it as a figure (caption, alignment, labels), and
``:numref:`` works with or without a caption. The steps list is a container of
ordinary list nodes, so every builder can write it.
"""

from __future__ import annotations

from docutils import nodes


class workflow_figure(nodes.figure):
    """A diagram with its optional caption."""


class workflow_diagram(nodes.General, nodes.Element):
    """The image itself; the attributes say what to draw and how.

    ``source`` (WSD text), ``title``, ``alt``, ``renderer``, ``style``,
    ``format``, ``uid`` (the figure's id, prefix of the SVG's ids), ``links``
    (list of ``[comment line, url]``), ``width``, ``max_width`` (the layout's
    width budget in px, or ``None``), ``workflow`` (what messages call it:
    ``nova/pause``, a file, or the document holding the diagram),
    ``location`` (docname, line) for warnings at write time.
    """


class workflow_steps(nodes.container):
    """The ordered steps of a diagram, each linked to its source function;
    ``mode`` is ``collapsed`` or ``expanded``."""


def figure_title(node: workflow_figure) -> str:
    """What ``:numref:`` numbers: the caption, else the workflow's title, so a
    diagram without a caption can still be referenced."""
    for child in node.children:
        if isinstance(child, nodes.caption):
            return child.astext()
    for diagram in node.findall(workflow_diagram):
        return diagram["title"]
    return ""

"""The steps of a diagram as a docutils list: who does what, and where in the
source, so readers can follow a diagram in text and jump to the code."""

from __future__ import annotations

from collections.abc import Mapping

from docutils import nodes

from sphinxcontrib_oswsd.sources import Resolution
from sphinxcontrib_oswsd.wsd.model import Diagram, Message, Step


def _one_line(text: str) -> str:
    return " ".join(text.split())


def actors(labels: Mapping[str, str], step: Step) -> str:
    """``nova-api → nova-compute`` for a message, ``note over nova-api`` for a
    note; ``labels`` maps participant names to their one-line labels."""
    if isinstance(step, Message):
        if step.is_self:
            return labels[step.source]
        arrow = " ↔ " if step.arrow.two_headed else " → "
        return labels[step.source] + arrow + labels[step.target]
    where = "over" if step.position == "over" else f"{step.position} of"
    return f"{step.shape} {where} " + ", ".join(labels[n] for n in step.participants)


def source_label(resolution: Resolution) -> str:
    """``nova/compute/api.py · API.pause``: the file, and the function if any."""
    if resolution.qualname:
        return f"{resolution.path} · {resolution.qualname}"
    return resolution.path or ""


def steps_list(
    diagram: Diagram, resolutions: Mapping[int, Resolution]
) -> nodes.enumerated_list:
    """One item per note and message, in reading order; ``resolutions`` maps a
    reference comment's line to what it resolved to."""
    items = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    labels = {p.name: _one_line(p.label) for p in diagram.participants}
    for step in diagram.steps():
        paragraph = nodes.paragraph()
        paragraph += nodes.strong(text=actors(labels, step))
        text = _one_line(step.text)
        if isinstance(step, Message) and step.number is not None:
            text = f"{step.number}. {text}"
        if text:
            paragraph += nodes.Text(f": {text}")
        resolution = resolutions.get(step.ref.line) if step.ref else None
        if resolution is not None and resolution.path:
            paragraph += nodes.Text(" — ")
            label = nodes.literal(text=source_label(resolution))
            if resolution.url:
                link = nodes.reference("", "", refuri=resolution.url, internal=False)
                link += label
                paragraph += link
            else:
                paragraph += label
        items += nodes.list_item("", paragraph)
    return items

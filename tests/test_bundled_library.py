"""The bundled library: what issue-level promises say it holds."""

from __future__ import annotations

from collections import Counter

import pytest

from sphinxcontrib_oswsd.library import Library, RemovedWorkflow

LIBRARY = Library()

#: The file names of the original 2016 gallery (int32bit/openstack-workflow),
#: which directives written for it use.
ORIGINAL_NOVA_NAMES = [
    "backup",
    "changePassword",
    "create",
    "delete",
    "evacuate",
    "interface-attach",
    "interface-detach",
    "list",
    "list_simple",
    "live_migrate",
    "lock",
    "migrate",
    "pause",
    "reboot",
    "rebuild",
    "refresh_network",
    "rename",
    "rescue",
    "reset_network",
    "reset_state",
    "resize",
    "shelve",
    "shelve_offload",
    "snapshot",
    "start",
    "stop",
    "suspend",
    "unlock",
    "unpause",
    "unrescue",
    "unshelve",
    "volume-detach",
    "volume_attach",
    "volume_detach",
]


def test_every_project_has_its_minimum_of_workflows():
    counts = Counter(w.project for w in LIBRARY.workflows() if not w.removed)
    minimum = {"nova": 40, "cinder": 6, "neutron": 5, "glance": 3, "keystone": 2}
    for project, least in minimum.items():
        assert counts[project] >= least, (project, counts[project])


@pytest.mark.parametrize("name", ORIGINAL_NOVA_NAMES)
def test_the_original_gallery_names_still_reach_a_workflow(name):
    workflow = LIBRARY.find(f"nova/{name}")
    assert workflow.project == "nova"


def test_operations_nova_no_longer_has_say_when_they_went():
    with pytest.raises(RemovedWorkflow, match=r"23\.0\.0"):
        LIBRARY.get("nova/reset_network")


@pytest.mark.parametrize(
    "workflow",
    [w for w in LIBRARY.workflows() if not w.removed],
    ids=lambda w: w.name,
)
def test_every_workflow_has_title_summary_fields_and_referenced_steps(workflow):
    header = workflow.header
    assert workflow.title != workflow.name
    assert workflow.summary
    assert {"rest", "cli", "release"} <= header.fields.keys(), header.fields
    diagram = workflow.parse()
    assert diagram.warnings == []
    steps = diagram.steps()
    assert steps
    assert all(step.ref is not None and step.ref.canonical for step in steps)


def _drawn_files() -> list:
    """Every live workflow of the library and its release variants."""
    found = []
    for workflow in Library().workflows():
        if not workflow.removed:
            found += [workflow, *(variant for _, variant in workflow.variants)]
    return found


@pytest.mark.parametrize("workflow", _drawn_files(), ids=lambda w: w.label)
def test_every_workflow_prints_legibly(workflow):
    """What the LaTeX builder checks (``oswsd.size``): a workflow made wider
    must still print its text at 6 pt or more, pages turned if need be."""
    from sphinxcontrib_oswsd.render.paginate import print_pages
    from sphinxcontrib_oswsd.visitors import MIN_PRINTED_TEXT, PAPERS, PRINTED_TEXT

    printed = print_pages(workflow.parse(), PAPERS, MIN_PRINTED_TEXT, PRINTED_TEXT)
    assert printed.smallest_text >= MIN_PRINTED_TEXT

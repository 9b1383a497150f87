"""Claims: found in a diagram, verified against the release's facts, and
caught when an error is planted in a real workflow of the library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import run

from sphinxcontrib_oswsd.check import check_workflow
from sphinxcontrib_oswsd.claims import KINDS, ClaimChecker, claims_of, describe_check
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.sources import Resolver
from sphinxcontrib_oswsd.wsd.parser import parse


@pytest.fixture(scope="module")
def resolver():
    return Resolver()


# -- finding claims -------------------------------------------------------------


def test_each_form_is_found_at_its_line():
    diagram = parse(
        "participant a\nparticipant b\n"
        "a->>b: pause_instance (cast)\n"
        "b-->a: 202 Accepted\n"
        "note over a: policy os_compute_api:servers:create\\n"
        "(default: project member or admin)\\nvm_state = ACTIVE, task_state = None\n"
        "opt [workarounds]enable_qemu_monitor_announce_self (default False)\n"
        "  note over b: notification instance.pause.start\\n"
        "attachment status = attached\n"
        "end\n"
    )
    found = [(c.kind, c.line, c.text) for c in claims_of(diagram)]
    assert found == [
        ("rpc", 3, "pause_instance (cast)"),
        ("http", 4, "202 Accepted"),
        (
            "policy",
            5,
            "policy os_compute_api:servers:create (default: project member or admin)",
        ),
        ("state", 5, "vm_state = ACTIVE"),
        ("state", 5, "task_state = None"),
        (
            "option",
            6,
            "[workarounds]enable_qemu_monitor_announce_self (default False)",
        ),
        ("notification", 7, "notification instance.pause.start"),
        ("state", 7, "attachment status = attached"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "policy and no X-Auth-Token needed",  # prose
        "a->b: pause_instance (cast) and more",  # not the whole label
        "a->b: 202 Accepted",  # a request, not a reply
        "the notification is sent",
    ],
)
def test_prose_is_not_a_claim(text):
    step = text if "->" in text else f"note over a: {text}"
    source = f"participant a\nparticipant b\n{step}"
    assert claims_of(parse(source)) == []


# -- policy defaults in words ------------------------------------------------------

NOVA_RULES = {
    "context_is_admin": "role:admin",
    "project_member_api": "role:member and project_id:%(project_id)s",
    "project_member_or_admin": "rule:project_member_api or rule:context_is_admin",
    "service_api": "role:service",
    "service_or_admin": "rule:service_api or rule:context_is_admin",
}


@pytest.mark.parametrize(
    ("check", "phrase"),
    [
        ("rule:project_member_or_admin", "project member or admin"),
        ("rule:context_is_admin", "admin"),
        ("rule:service_or_admin", "service or admin"),
        ("@", "any"),
        ("", "any"),
        ("!", "nobody"),
        (  # cinder's admin_or_owner
            "is_admin:True or (role:admin and is_admin_project:True) or "
            "project_id:%(project_id)s",
            "owner or admin",
        ),
        (  # neutron-lib's ADMIN_OR_PROJECT_READER
            "(rule:context_is_admin) or (role:reader and project_id:%(project_id)s)",
            "project reader or admin",
        ),
        ("role:reader and system_scope:all", "system reader"),
        (  # keystone
            "role:admin or is_admin:1 or (role:reader and "
            "domain_id:%(target.project.domain_id)s)",
            "domain reader or admin",
        ),
        (  # neutron's create_port
            "field:networks:shared=True or (role:member and project_id:%(project_id)s)",
            "project member or shared networks",
        ),
        (  # glance's get_image
            "role:reader and project_id:%(project_id)s or "
            "(role:reader and 'public':%(visibility)s)",
            "project reader or reader of a public image",
        ),
        ("role:advsvc", "advsvc"),
        ("field:port:device_owner=~^network:", "field:port:device_owner=~^network:"),
    ],
)
def test_check_strings_are_named_as_the_diagrams_write_them(check, phrase):
    assert describe_check(check, NOVA_RULES) == phrase


# -- verification against the bundled facts ----------------------------------------

PAUSE = """\
participant "nova-api" as nova_api
participant "nova-compute" as nova_compute
# nova/compute/rpcapi.py ComputeAPI.pause_instance()
nova_api->>nova_compute: {rpc}
# nova/api/openstack/compute/pause_server.py PauseServerController._pause()
note over nova_api: {policy}
# nova/compute/manager.py ComputeManager.pause_instance()
note over nova_compute: {state}\\n{notification}
# nova/api/openstack/compute/pause_server.py PauseServerController._pause()
nova_api-->nova_compute: {http}
# nova/virt/libvirt/driver.py LibvirtDriver.pause()
note over nova_compute: {option}
"""
TRUE = {
    "rpc": "pause_instance (cast)",
    "policy": "policy os_compute_api:os-pause-server:pause"
    " (default: project member or admin)",
    "state": "vm_state = PAUSED",
    "notification": "versioned notification instance.pause.start",
    "http": "202 Accepted",
    "option": "[workarounds]enable_qemu_monitor_announce_self (default False)",
}
LINES = {"rpc": 4, "policy": 6, "state": 8, "notification": 8, "http": 10, "option": 12}


def verdicts(resolver, **changes):
    text = PAUSE.format(**{**TRUE, **changes})
    checker = ClaimChecker(resolver, "nova/pause")
    return {c.kind: (c.line, checker.verify(c).problem) for c in claims_of(parse(text))}


def test_true_claims_of_every_kind_verify(resolver):
    assert verdicts(resolver) == {k: (LINES[k], None) for k in KINDS}


@pytest.mark.parametrize(
    ("kind", "false", "message"),
    [
        (
            "rpc",
            "pause_instance (call)",
            "ComputeAPI.pause_instance() (nova 34.0.0) sends pause_instance as a "
            "cast, the diagram says call",
        ),
        ("rpc", "unpause_instance (cast)", "sends pause_instance (cast), not unpause"),
        ("policy", "policy os_compute_api:os-pause-server:paus", "no such rule"),
        (
            "policy",
            "policy os_compute_api:os-pause-server:pause (default: admin)",
            "default is project member or admin, the diagram says admin",
        ),
        ("state", "vm_state = PAUSING", "PAUSING is not a vm_state of nova 34.0.0"),
        ("notification", "notification instance.pause.begin", "emits no such"),
        (
            "notification",
            "legacy notification instance.pause.start",
            "it is a versioned notification, the diagram says legacy",
        ),
        (
            "notification",
            "versioned notification compute.instance.pause.start",
            "it is a legacy notification, the diagram says versioned",
        ),
        ("http", "200 OK", "answers 202, the diagram says 200"),
        ("http", "202 OK", "202 is Accepted, the diagram says OK"),
        (
            "option",
            "[workarounds]enable_qemu_monitor_announce_self (default True)",
            "default is False, the diagram says True",
        ),
        (
            "option",
            "[libvirt]enable_qemu_monitor_announce_self (default False)",
            "it is in [workarounds]",
        ),
    ],
)
def test_a_false_claim_says_what_the_code_does(resolver, kind, false, message):
    line, problem = verdicts(resolver, **{kind: false})[kind]
    assert line == LINES[kind]
    assert message in (problem or "")
    assert problem.startswith(kind + " ")


@pytest.mark.parametrize(
    ("workflow", "ref", "true", "false"),
    [
        (  # 206 only for a Range; 204 only when the store lost the data
            "glance/image-download",
            "glance/api/v2/image_data.py ResponseSerializer.download()",
            "200 OK",
            "204 No Content",
        ),
        (  # flask.make_response(body, http.client.CREATED)
            "keystone/token-issue",
            "keystone/api/auth.py AuthTokenResource.post()",
            "201 Created",
            "200 OK",
        ),
        (  # a pecan controller that sets no status answers 200
            "neutron/add-router-interface",
            "neutron/pecan_wsgi/controllers/resource.py MemberActionController.put()",
            "200 OK",
            "202 Accepted",
        ),
        (  # 'router.interface.%s' % mapping[action]
            "neutron/add-router-interface",
            "neutron/db/l3_db.py L3_NAT_db_mixin.notify_router_interface_action()",
            "notification router.interface.create",
            "notification router.interface.update",
        ),
    ],
)
def test_facts_the_code_sets_at_run_time_verify(resolver, workflow, ref, true, false):
    def problem(label: str) -> str | None:
        step = f"x-->y: {label}" if label[0].isdigit() else f"note over x: {label}"
        (claim,) = claims_of(parse(f"participant x\nparticipant y\n# {ref}\n{step}\n"))
        return ClaimChecker(resolver, workflow).verify(claim).problem

    assert problem(true) is None
    assert problem(false)


def test_a_group_label_is_checked_against_the_code_of_its_first_step(resolver):
    text = """\
participant "neutron-server" as neutron
participant "nova-api" as nova_api
opt [DEFAULT]notify_nova_on_port_data_changes (default True)
    # {ref}
    neutron->nova_api: POST /v2.1/os-server-external-events
end
"""
    checker = ClaimChecker(resolver, "nova/refresh-network")

    def problem(ref: str) -> str | None:
        (claim,) = claims_of(parse(text.format(ref=ref)))
        assert claim.line == 3
        return checker.verify(claim).problem

    assert problem("neutron/notifiers/nova.py Notifier.send_network_change()") is None
    assert "no option notify_nova_on_port_data_changes in [DEFAULT] of nova" in (
        problem("nova/compute/api.py API.external_instance_event()") or ""
    )


def test_an_option_of_oslo_messaging_is_every_services_option(resolver):
    text = """\
participant "nova-compute" as nova_compute
participant "nova-conductor" as nova_conductor
# nova/conductor/rpcapi.py ConductorAPI.object_action()
nova_compute->nova_conductor: object_action (call)
# nova/conductor/rpcapi.py ConductorAPI.object_action()
note over nova_compute: no reply in [DEFAULT]rpc_response_timeout (default {}) s
"""
    checker = ClaimChecker(resolver, "nova/pause")

    def problem(default: str) -> str | None:
        (claim,) = [
            c for c in claims_of(parse(text.format(default))) if c.kind == "option"
        ]
        return checker.verify(claim).problem

    assert problem("60") is None
    assert "default is 60, the diagram says 30" in (problem("30") or "")


def test_a_claim_needs_the_reference_of_the_code_it_is_about(resolver):
    text = PAUSE.format(**TRUE).replace(
        "# nova/compute/rpcapi.py ComputeAPI.pause_instance()",
        "# nova/compute/api.py API.pause()",
    )
    checker = ClaimChecker(resolver, "nova/pause")
    (rpc,) = [c for c in claims_of(parse(text)) if c.kind == "rpc"]
    assert "API.pause() (nova 34.0.0) makes no RPC cast or call" in (
        checker.verify(rpc).problem or ""
    )


def test_claims_are_counted_and_failed_ones_are_problems(resolver):
    text = PAUSE.format(**{**TRUE, "state": "vm_state = PAUSD"})
    result = check_workflow("nova/x", "x.wsd", text, resolver, strict=True)
    assert result.claims["state"] == [0, 1, 0]
    assert result.claims["rpc"] == [1, 0, 0]
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (8, "state vm_state = PAUSD")
    ]
    lenient = check_workflow("nova/x", "x.wsd", text, resolver)
    assert lenient.claims == result.claims and lenient.problems == []


def test_an_index_without_facts_leaves_claims_unchecked(tmp_path):
    from sphinxcontrib_oswsd.sources import SourceIndex, bundled_indexes

    index = SourceIndex.load(bundled_indexes()["nova"][1])
    index.facts = {}
    resolver = Resolver()
    resolver._indexes["nova"] = index  # an index of the format before facts
    result = check_workflow("nova/x", "x.wsd", PAUSE.format(**TRUE), resolver, True)
    assert result.problems == []
    assert all(result.claims[kind] == [0, 0, 1] for kind in KINDS if kind != "state")


# -- planted errors in real workflows ----------------------------------------------


def _plant(kind: str, claim) -> tuple[str, str]:
    """(old, new): the claim's text and the same claim made false."""
    get = claim.get
    if kind == "rpc":
        other = "call" if get("kind") != "call" else "cast"
        return f"{get('method')} ({get('kind')})", f"{get('method')} ({other})"
    if kind == "policy-name":
        return f"policy {get('rule')}", f"policy {get('rule')}x"
    if kind == "policy-default":
        other = "admin" if get("phrase") != "admin" else "project member or admin"
        return f"(default: {get('phrase')})", f"(default: {other})"
    if kind == "state":
        old = f"{get('field')} = {get('value')}"
        return old, old + "X"
    if kind == "notification-sort":
        other = "legacy" if get("sort") == "versioned" else "versioned"
        return f"{get('sort')} notification", f"{other} notification"
    if kind == "notification":
        return f"notification {get('event')}", f"notification {get('event')}x"
    if kind == "http":
        other = "204 No Content" if get("code") != "204" else "202 Accepted"
        return f"{get('code')} {get('reason')}", other
    default = get("default")
    flips = {"false": "True", "true": "False"}
    other = flips.get(default.lower(), "1" if default != "1" else "2")
    return f"(default {default})", f"(default {other})"


PLANTS = (
    "rpc",
    "policy-name",
    "policy-default",
    "state",
    "notification",
    "notification-sort",
    "http",
    "option",
)


def _real_claim(resolver, plant: str):
    """A library workflow that passes --strict and a verified claim of the
    kind to change; nova/pause first."""
    kind = plant.split("-")[0]
    library = Library()
    names = [
        "nova/pause",
        *sorted(w.name for w in library.workflows() if not w.removed),
    ]
    for name in names:
        workflow = library.get(name)
        result = check_workflow(
            name, str(workflow.path), workflow.source, resolver, True
        )
        if result.problems:
            continue
        for claim in claims_of(parse(workflow.source)):
            if claim.kind != kind or (
                plant == "policy-default" and not claim.get("phrase")
            ):
                continue
            if plant == "notification-sort" and not claim.get("sort"):
                continue
            if plant == "http" and not claim.get("code").startswith("2"):
                continue
            return workflow, claim
    pytest.fail(f"no workflow of the library passing --strict has a {kind} claim")


def _replace_once(line: str, old: str, new: str) -> str:
    """``line`` with ``old`` replaced, a space in ``old`` matching any run of
    spaces and ``\\n`` (a claim may wrap in a note)."""
    pattern = r"(?:\s|\\n)+".join(re.escape(word) for word in old.split())
    changed, count = re.subn(pattern, lambda _: new, line, count=1)
    assert count == 1, (old, line)
    return changed


@pytest.mark.parametrize("plant", PLANTS)
def test_a_planted_error_in_a_real_workflow_fails_strict_at_its_line(
    plant, resolver, tmp_path, capsys
):
    workflow, claim = _real_claim(resolver, plant)
    kind = plant.split("-")[0]
    old, new = _plant(
        plant if plant.startswith(("policy", "notification")) else kind, claim
    )
    lines = workflow.source.splitlines(keepends=True)
    lines[claim.line - 1] = _replace_once(lines[claim.line - 1], old, new)
    original = tmp_path / "original.wsd"
    original.write_text(workflow.source)
    planted = tmp_path / "planted.wsd"
    planted.write_text("".join(lines))

    status, _, err = run(capsys, "check", "--strict", str(original))
    assert (status, err) == (0, ""), err
    status, out, err = run(capsys, "check", "--strict", "--json", str(planted))
    assert status == 1
    report = json.loads(out)
    assert report["claims"][kind]["failed"] == 1
    (problem,) = report["problems"]
    assert problem["line"] == claim.line
    assert problem["message"].startswith(f"{kind} ")
    status, _, err = run(capsys, "check", "--strict", str(planted))
    assert re.match(rf"{re.escape(str(planted))}:{claim.line}: {kind} ", err), err


# -- the Sphinx directive ----------------------------------------------------------


@pytest.mark.sphinx("html", testroot="claim", freshenv=True)
def test_the_directive_warns_about_a_false_claim_at_its_line(app):
    app.build()
    found = app.warning.getvalue()
    assert re.search(
        r"index\.rst:9: WARNING: line 4 of the diagram: rpc pause_instance: "
        r".*sends pause_instance as a cast, the diagram says call \[oswsd\.claim\]",
        found,
    ), found
    assert found.count("[oswsd.claim]") == 1  # the true state claims pass


def test_json_has_claim_totals_for_every_kind(capsys):
    _, out, _ = run(capsys, "check", "--json", "nova/pause")
    claims = json.loads(out)["claims"]
    assert list(claims) == list(KINDS)
    assert claims["rpc"]["verified"] >= 1 and claims["rpc"]["failed"] == 0


def test_json_totals_are_those_of_the_claims(tmp_path: Path, capsys):
    path = tmp_path / "w.wsd"
    path.write_text(PAUSE.format(**TRUE))
    status, out, _ = run(capsys, "check", "--strict", "--json", str(path))
    assert status == 0
    assert json.loads(out)["claims"] == {
        kind: {"verified": 1, "failed": 0} for kind in KINDS
    }

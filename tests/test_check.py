"""``oswsd check``: references resolve; strict mode's extra rules."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from cli_support import run

from sphinxcontrib_oswsd.check import check_workflow
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.sources import Resolver

FIXTURES = Path(__file__).parent / "fixtures"
SRCTREE = FIXTURES / "srctree"

HEADER = """\
title Test
participant "user" as client
participant "nova-api" as nova_api
participant "nova-conductor" as nova_conductor
participant "nova-compute" as nova_compute
participant "virt driver" as hypervisor
"""


@pytest.fixture(scope="module")
def resolver():
    return Resolver()


def problems(resolver, body: str, strict: bool = True):
    """``(line, message)`` of each problem in HEADER + body."""
    result = check_workflow("test/w", "w.wsd", HEADER + body, resolver, strict)
    return [(p.line, p.message) for p in result.problems]


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "w.wsd"
    path.write_text(HEADER + body)
    return path


# HEADER is 6 lines: the body's first line is line 7.


def test_the_bundled_library_passes_strict(capsys):
    status, out, err = run(capsys, "check", "--strict")
    assert err == ""
    assert status == 0
    total = out.splitlines()[-1].split()
    assert total[0] == "total" and total[-1] == "0"
    assert total[2] == total[3]  # every reference resolved


def test_a_removed_function_fails_naming_its_line(tmp_path, capsys):
    path = write(
        tmp_path,
        "# nova/compute/api.py API.reset_network()\n"
        "nova_api->nova_api: reset_network\n",
    )
    status, out, err = run(capsys, "check", str(path))
    assert status == 1
    (line,) = err.splitlines()
    assert line.startswith(
        f"{path}:7: nova/compute/api.py has no API.reset_network() in nova 34.0.0"
    )
    assert "did you mean" in line
    assert out.splitlines()[-1].split() == ["total", "1", "1", "0", "1"]


def test_good_references_pass_strict(resolver):
    body = (
        "# nova/compute/api.py API.pause()\n"
        "note over nova_api: task_state = PAUSING\n"
        "# nova/compute/rpcapi.py ComputeAPI.pause_instance()\n"
        "nova_api->>nova_compute: pause_instance (cast)\n"
        "# nova/compute/manager.py ComputeManager.pause_instance()\n"
        "nova_compute->hypervisor: pause(instance)\n"
    )
    assert problems(resolver, body) == []


def test_strict_wants_a_reference_above_every_step(resolver):
    body = "note over nova_api: no reference\nclient->nova_api: POST /servers\n"
    assert problems(resolver, body, strict=False) == []
    assert problems(resolver, body) == [
        (7, "note without a source reference: put '# <path>.py <Qualname>()' above it"),
        (
            8,
            "message without a source reference: put '# <path>.py <Qualname>()' "
            "above it",
        ),
    ]


@pytest.mark.parametrize(
    "comment",
    [
        "## nova/compute/api.py API.pause()",
        "#nova/compute/api.py API.pause()",
        "# nova/compute/api.py  API.pause()",
        "# nova/compute/api.py API.pause",
        "# nova/compute/api.py pause()",  # canonical shape, class left out
    ],
)
def test_strict_wants_the_canonical_form(resolver, comment):
    body = f"{comment}\nnote over nova_api: check lock\n"
    assert problems(resolver, body, strict=False) == []
    assert problems(resolver, body) == [
        (
            7,
            "write the reference in canonical form: "
            "'# nova/compute/api.py API.pause()'",
        )
    ]


def test_strict_wants_a_function_not_just_a_file(resolver):
    body = "# nova/compute/api.py\nnote over nova_api: somewhere in here\n"
    assert problems(resolver, body, strict=False) == []
    assert problems(resolver, body) == [
        (7, "reference names no function: write '# nova/compute/api.py <Qualname>()'")
    ]


def test_a_misspelt_rpc_method_is_found_with_a_suggestion(resolver):
    body = (
        "# nova/compute/rpcapi.py ComputeAPI.pause_instance()\n"
        "nova_api->>nova_compute: pause_instanc (cast)\n"
    )
    ((line, message),) = problems(resolver, body)
    assert line == 8
    assert message.startswith("RPC method pause_instanc is not one of nova-compute: ")
    assert "nova/compute/rpcapi.py has no ComputeAPI.pause_instanc()" in message
    assert "nova/compute/manager.py has no ComputeManager.pause_instanc()" in message
    assert "did you mean ComputeAPI.pause_instance()" in message
    assert problems(resolver, body, strict=False) == []


def test_an_agent_method_inherited_from_the_l2pop_mixin_is_an_rpc_method(resolver):
    body = (
        "# neutron/plugins/ml2/drivers/l2pop/rpc.py"
        " L2populationAgentNotifyAPI.add_fdb_entries()\n"
        "neutron_server->>l2_agent: {} (fanout cast)\n"
    )
    assert problems(resolver, body.format("add_fdb_entries")) == []
    ((_, message),) = problems(resolver, body.format("add_fdb_entriez"))
    assert message.startswith("RPC method add_fdb_entriez is not one of OVS agent")


def test_a_method_on_only_one_side_is_not_an_rpc_method(resolver):
    # ComputeManager._power_off_instance exists, but it is a private helper:
    # the compute RPC API has no such method, so nothing can cast it.
    body = (
        "# nova/compute/rpcapi.py ComputeAPI.pause_instance()\n"
        "nova_api->>nova_compute: _power_off_instance (cast)\n"
    )
    ((_, message),) = problems(resolver, body)
    assert "nova/compute/rpcapi.py has no ComputeAPI._power_off_instance()" in message
    assert "manager.py" not in message


@pytest.mark.parametrize(
    "message",
    [
        "nova_compute-->nova_api: pause_instanc",  # dashed reply
        "client->nova_compute: pause_instanc",  # the user is no RPC service
        "nova_compute->nova_compute: _pause_instanc",  # self message
        "nova_api->>nova_compute: Pause the guest",  # no method named
        "nova_api->>hypervisor: pause_instanc",  # receiver without RPC map
    ],
)
def test_messages_that_name_no_rpc_method_are_left_alone(resolver, message):
    body = f"# nova/compute/api.py API.pause()\n{message}\n"
    assert problems(resolver, body) == []


def test_rpc_methods_may_live_in_any_class_of_the_receiver(resolver):
    body = (
        "# nova/conductor/rpcapi.py ComputeTaskAPI.build_instances()\n"
        "nova_compute->nova_conductor: build_instances (cast)\n"
        "# nova/conductor/rpcapi.py ConductorAPI.object_class_action_versions()\n"
        "nova_compute->+nova_conductor: object_class_action_versions (call)\n"
    )
    assert problems(resolver, body) == []


def test_a_syntax_error_is_a_located_problem(resolver):
    assert problems(resolver, "this is not a statement\n") == [(7, "Syntax error.")]


def test_json_report(tmp_path, capsys):
    path = write(
        tmp_path,
        "# nova/compute/api.py API.pause()\nnote over nova_api: fine\n"
        "# nova/compute/api.py API.reset_network()\nnote over nova_api: gone\n",
    )
    status, out, err = run(capsys, "check", "--json", str(path))
    assert status == 1
    assert err == ""
    report = json.loads(out)
    assert (report["workflows"], report["references"], report["resolved"]) == (1, 2, 1)
    (problem,) = report["problems"]
    assert (problem["file"], problem["line"], problem["workflow"]) == (
        str(path),
        9,
        str(path),
    )
    assert problem["message"].startswith("nova/compute/api.py has no API.reset_network")


def test_whole_library_check_skips_removed_workflows(capsys):
    fixtures = str(FIXTURES / "workflows")
    status, out, _ = run(capsys, "check", "--json", "--workflow-dir", fixtures)
    report = json.loads(out)
    live = [w for w in Library([fixtures]).workflows() if w.removed is None]
    # each variant (nova/volume-attach@2025.1) is checked too, in its series
    assert report["workflows"] == len(live) + sum(len(w.variants) for w in live)
    failing = {p["workflow"] for p in report["problems"]}
    assert failing == {"demo/broken", "demo/hello"}  # syntax error; no demo index
    assert status == 1


def test_a_variant_file_is_checked_against_the_series_its_name_gives(tmp_path, capsys):
    series, variant = Library().get("nova/volume-attach").variants[0]
    assert series == "2025.1"
    as_variant = tmp_path / "volume-attach@2025.1.wsd"
    as_newest = tmp_path / "volume-attach.wsd"
    for path in (as_variant, as_newest):
        path.write_text(variant.source, encoding="utf-8")
    status, out, _ = run(capsys, "check", "--strict", "--json", str(as_variant))
    report = json.loads(out)
    assert (status, report["resolved"]) == (0, report["references"])
    # the same lines read as the newest series name code it no longer has
    status, out, _ = run(capsys, "check", "--strict", "--json", str(as_newest))
    report = json.loads(out)
    assert status == 1
    assert report["resolved"] < report["references"]


def test_source_option_checks_against_a_local_checkout(tmp_path, capsys):
    path = tmp_path / "w.wsd"
    path.write_text("# demo/compute/api.py API.pause()\nA->B: pause\n")
    status, _, err = run(capsys, "check", str(path))
    assert status == 1
    assert "no symbol index for project 'demo'" in err
    status, out, err = run(
        capsys,
        "check",
        "--strict",
        "--source",
        f"demo={SRCTREE}",
        "--cache-dir",
        str(tmp_path / "cache"),
        str(path),
    )
    assert status == 0
    first, done = err.splitlines()  # issue 13.13: a large tree takes a while
    assert first == "oswsd: indexing demo..."
    assert re.fullmatch(
        rf"oswsd: indexed demo in {re.escape(str(SRCTREE))}: 3 modules in [\d.]+ s",
        done,
    )
    assert out.splitlines()[-1].split() == ["total", "1", "1", "1", "0"]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--source", "nova"],
        ["check", "--source", "nova=/definitely/not/here"],
        ["check", "nova/no-such-operation"],
        ["check", "nova/reset-network"],  # removed: nothing to check
    ],
)
def test_bad_usage_exits_2(capsys, argv):
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("oswsd: ")


def test_indexing_a_source_tree_shows_progress_on_a_terminal(
    tmp_path, capsys, monkeypatch
):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    path = tmp_path / "w.wsd"
    path.write_text("# demo/compute/api.py API.pause()\nA->B: pause\n")
    cache = str(tmp_path / "cache")
    status, _, _ = run(
        capsys, "check", "--source", f"demo={SRCTREE}", "--cache-dir", cache, str(path)
    )
    assert status == 0
    shown = terminal.getvalue()
    assert "\r\x1b[Koswsd: indexing demo: 1 files seen" in shown
    assert "\r\x1b[Koswsd: indexed demo in " in shown

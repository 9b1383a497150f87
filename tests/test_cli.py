"""The ``oswsd`` command's list, show and validate, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run

from sphinxcontrib_oswsd.library import Library

FIXTURES = Path(__file__).parent / "fixtures" / "workflows"
SRCTREE = Path(__file__).parent / "fixtures" / "srctree"


def test_list_shows_the_bundled_pause(capsys):
    status, out, _ = run(capsys, "list", "--project", "nova")
    assert status == 0
    assert any(line.startswith("nova/pause ") for line in out.splitlines())


def test_list_json_has_the_promised_fields(capsys):
    status, out, _ = run(capsys, "list", "--json", "--workflow-dir", str(FIXTURES))
    entries = {e["name"]: e for e in json.loads(out)}
    hello = entries["demo/hello"]
    assert {"name", "project", "title", "summary", "aliases"} <= hello.keys()
    assert hello["aliases"] == ["hi", "sayHello"]
    assert entries["demo/gone"]["removed"].startswith("demo 2.0.0")
    assert status == 0


def test_list_of_an_unknown_project_fails_naming_the_projects(capsys):
    status, out, err = run(capsys, "list", "--project", "nope")
    assert (status, out) == (1, "")
    projects = ", ".join(Library().projects())
    assert err == f"oswsd: no workflows for project 'nope' (projects: {projects})\n"
    assert "nova" in projects


def test_show_prints_the_source(capsys):
    status, out, _ = run(capsys, "show", "demo/hi", "--workflow-dir", str(FIXTURES))
    assert status == 0
    assert out == (FIXTURES / "demo" / "hello.wsd").read_text()


def test_show_prints_a_removed_workflow_but_validate_refuses_it(capsys):
    argv = ("demo/gone", "--workflow-dir", str(FIXTURES))
    status, out, _ = run(capsys, "show", *argv)
    assert status == 0
    assert out == (FIXTURES / "demo" / "gone.wsd").read_text()
    status, out, err = run(capsys, "validate", *argv)
    assert (status, out) == (2, "")
    assert err.startswith("oswsd: workflow 'demo/gone' was removed: demo 2.0.0")


def test_validate_locates_errors_at_the_file_line(capsys):
    broken = FIXTURES / "demo" / "broken.wsd"
    status, _, err = run(capsys, "validate", str(broken))
    assert status == 1
    assert err.strip() == f"{broken}:4: error: Syntax error."


def test_validate_warnings_only_exit_zero(tmp_path, capsys):
    path = tmp_path / "w.wsd"
    path.write_text("alt x\nA->B\n")
    status, _, err = run(capsys, "validate", str(path))
    assert status == 0
    assert (
        err.strip()
        == f"{path}:1: warning: alt is not closed: closed at the end of the diagram."
    )


def test_validate_accepts_every_construct(tmp_path, capsys):
    path = tmp_path / "all.wsd"
    path.write_text(
        'title Everything\nactor U\nparticipant:database D\nparticipant "N\\nA" as N\n'
        "autonumber\noption footer=none\nU->+N: a\nN->>D: b\nD-->>N: c\nN<->D: d\n"
        "N<-->D: e\nN-->-U: f\nU->*X: g\nalt a\n note over U,N: n\nelse b\n"
        " loop l\n  opt o\n   state over D: s\n  end\n end\nend\n"
        "par\n ref over N\n  r\n end ref\nend\nseq\nend\n"
        "parallel {\n U->N\n N->D\n}\nactivate D\ndeactivate D\ndestroy X\n"
        "note left of U\n block\nend note\nnote right of D: r\n"
    )
    status, out, err = run(capsys, "validate", str(path))
    assert (status, err) == (0, "")
    assert "ok (" in out


@pytest.mark.parametrize("name", ["../nova/pause", "nova/../../etc/passwd"])
def test_validate_refuses_traversal(capsys, name):
    status, _, err = run(capsys, "validate", name)
    assert status == 2
    assert "invalid workflow name" in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_workflow_dir_is_bad_usage(tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    status, out, err = run(capsys, "list", "--workflow-dir", str(missing))
    assert (status, out) == (2, "")
    assert err == (
        f"oswsd list: error: argument --workflow-dir: {missing}: not a directory\n"
    )


@pytest.mark.parametrize("project", ["../y", "a/b", ".hidden", ""])
def test_index_build_refuses_a_project_that_is_no_name(
    tmp_path, monkeypatch, capsys, project
):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    status, _, err = run(capsys, "index", "build", project, "1", str(SRCTREE))
    assert status == 2
    assert err.startswith("oswsd index build: error: argument project: ")
    assert len(err.splitlines()) == 1
    assert not list(tmp_path.rglob("*.json.gz"))


def test_index_build_refuses_a_version_that_leaves_the_directory(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, "index", "build", "nova", "1/../..", str(SRCTREE))
    assert status == 2
    assert err == (
        "oswsd: VERSION '1/../..' cannot be part of a file name; give -o OUTPUT\n"
    )


def test_unknown_name_is_one_line_with_suggestions(capsys):
    status, _, err = run(capsys, "show", "nova/pasue")
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(
        "oswsd: unknown workflow 'nova/pasue'; did you mean nova/pause"
    )


def test_module_entry_point_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_oswsd", "list", "--project", "nova"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "nova/pause" in result.stdout


def test_bad_usage_exits_two():
    result = subprocess.run(
        [sys.executable, "-m", "sphinxcontrib_oswsd", "frobnicate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_an_unreadable_workflow_is_skipped_and_named(tmp_path, capsys):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "ok.wsd").write_text("title Fine\nA->B\n")
    latin = tmp_path / "demo" / "latin.wsd"
    latin.write_bytes(b"title Caf\xe9\n")
    status, out, err = run(
        capsys, "list", "--project", "demo", "--workflow-dir", str(tmp_path)
    )
    assert status == 0
    assert out.split() == ["demo/ok", "Fine"]
    assert err == f"{latin}:1: not UTF-8 text (byte 9): skipped\n"
    status, out, err = run(capsys, "check", "--workflow-dir", str(tmp_path))
    assert status == 1
    assert f"{latin}:1: not UTF-8 text (byte 9): skipped\n" in err

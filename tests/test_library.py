"""Workflow names, aliases, headers, removed entries and path safety."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.library import (
    InvalidName,
    Library,
    RemovedWorkflow,
    UnknownWorkflow,
)

FIXTURES = Path(__file__).parent / "fixtures" / "workflows"


@pytest.fixture
def library() -> Library:
    return Library([FIXTURES], bundled=False)


def test_names_come_from_project_and_file(library):
    assert library.names() == ["demo/broken", "demo/gone", "demo/hello"]
    assert library.projects() == ["demo"]


def test_header_gives_title_summary_and_fields(library):
    hello = library.get("demo/hello")
    assert (hello.project, hello.operation) == ("demo", "hello")
    assert hello.title == "Hello world"
    assert (
        hello.summary
        == "Say hello: a tiny workflow used by the tests. It has a second summary line."
    )
    assert hello.aliases == ("hi", "sayHello")
    assert hello.header.fields["rest"] == "GET /hello"
    assert hello.parse().title == "Hello\nworld"


def test_aliases_reach_the_workflow(library):
    assert library.get("demo/sayHello").name == "demo/hello"
    assert library.get("demo/hi").name == "demo/hello"


def test_unknown_name_suggests_close_names(library):
    with pytest.raises(UnknownWorkflow) as info:
        library.get("demo/helo")
    assert info.value.suggestions == ["demo/hello"]
    assert "did you mean demo/hello" in str(info.value)


def test_misspelt_alias_suggests_the_workflow_not_the_alias(library):
    with pytest.raises(UnknownWorkflow) as info:
        library.get("demo/sayHelo")
    assert info.value.suggestions == ["demo/hello"]


@pytest.mark.parametrize("name", ["DEMO/HELLO", "Demo/Hello", "DEMO/SAYHELLO"])
def test_a_name_in_capitals_suggests_the_lower_case_one(library, name):
    with pytest.raises(UnknownWorkflow) as info:
        library.get(name)
    assert info.value.suggestions[0] == "demo/hello"
    assert len(info.value.suggestions) <= 3


def test_removed_entry_says_why(library):
    with pytest.raises(RemovedWorkflow, match=r"removed: demo 2\.0\.0; use demo/hello"):
        library.get("demo/gone")
    assert library.find("demo/gone").removed.startswith("demo 2.0.0")


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "demo/../../etc",
        "demo/hello.wsd",
        "/demo/hello",
        "demo/hello/x",
        "demo\\hello",
        "",
        "demo/",
        "demo/.hidden",
        "demo/hello\x00",
    ],
)
def test_traversal_and_malformed_names_are_refused(library, name):
    with pytest.raises(InvalidName):
        library.get(name)


def test_bare_operation_hints_at_the_full_name(library):
    with pytest.raises(InvalidName, match="did you mean demo/hello"):
        library.get("hello")


def test_later_directories_override_the_bundled_library(tmp_path):
    (tmp_path / "nova").mkdir()
    (tmp_path / "nova" / "pause.wsd").write_text("title My own pause\nA->B\n")
    library = Library([tmp_path])
    assert library.get("nova/pause").title == "My own pause"
    assert library.get("nova/pause").path.parent == tmp_path / "nova"


def test_files_with_invalid_names_are_not_workflows(tmp_path):
    (tmp_path / "Demo").mkdir()
    (tmp_path / "Demo" / "x.wsd").write_text("A->B\n")
    assert Library([tmp_path], bundled=False).names() == []


def test_the_bundled_library_ships_nova_pause():
    pause = Library().get("nova/pause")
    assert pause.title
    assert pause.summary
    diagram = pause.parse()
    assert diagram.steps()
    assert all(step.ref is not None and step.ref.canonical for step in diagram.steps())


def test_a_file_that_is_not_utf8_is_skipped_with_its_own_report(tmp_path):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    latin = tmp_path / "demo" / "latin.wsd"
    latin.write_bytes(b"# Latin-1\ntitle Caf\xe9\nA->B\n")
    library = Library([tmp_path], bundled=False)
    assert "demo/latin" in library.names()
    assert "demo/latin" not in [w.name for w in library.workflows()]
    # Other names behave as before: aliases, unknown names, the rest of the list.
    assert library.get("demo/hi").name == "demo/hello"
    with pytest.raises(UnknownWorkflow, match="'demo/doesnotexist'"):
        library.get("demo/doesnotexist")
    assert "demo/hello" in [w.name for w in library.workflows("demo")]
    assert [str(u) for u in library.unreadable] == [
        f"{latin}:2: not UTF-8 text (byte 19)"
    ]
    # Asked for by name, the file is what is wrong, and says so.
    with pytest.raises(UnicodeDecodeError):
        library.get("demo/latin")

"""OpenStack series: the release table, links and lines per release, drift."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from cli_support import run

from sphinxcontrib_oswsd.drift import drift, matrix_table
from sphinxcontrib_oswsd.library import Library
from sphinxcontrib_oswsd.sources import (
    DEFAULT_SERIES,
    SERIES,
    Resolver,
    SourceIndex,
    SourceIndexError,
    Symbol,
    UnknownSeries,
    bundled_releases,
    release_versions,
)
from sphinxcontrib_oswsd.sources.index import save_pack
from sphinxcontrib_oswsd.wsd.model import SourceRef

PAUSE = SourceRef("nova/compute/api.py", "API.pause", 1)


def fixture_index(version: str, pause_line: int | None) -> SourceIndex:
    """A tiny nova index: ``API`` with ``unpause`` and (if ``pause_line``)
    ``pause``, its lines moving from release to release."""
    symbols = [Symbol("API", 1, 900, "class", False)]
    if pause_line is not None:
        symbols.append(
            Symbol("API.pause", pause_line, pause_line + 7, "function", False)
        )
    symbols.append(Symbol("API.unpause", 800, 807, "function", False))
    return SourceIndex("nova", version, {"nova/compute/api.py": tuple(symbols)})


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Fixture indexes of nova for three series; 2024.1 has no API.pause."""
    lines = {"2024.1": None, "2025.1": 4710, DEFAULT_SERIES: 4836}
    for series, line in lines.items():
        version = SERIES[series]["nova"]
        fixture_index(version, line).save(tmp_path / f"nova-{version}.json.gz")
    return tmp_path


def test_the_table_runs_one_release_of_each_project_per_series():
    assert list(SERIES) == ["2024.1", "2024.2", "2025.1", "2025.2", "2026.1", "2026.2"]
    assert DEFAULT_SERIES == "2026.2"
    projects = {"nova", "cinder", "neutron", "glance", "keystone", "oslo.messaging"}
    for series, versions in SERIES.items():
        assert set(versions) == projects, series
    # nova's major version counts the series: 29 is 2024.1, 34 is 2026.2
    majors = [int(v["nova"].split(".")[0]) for v in SERIES.values()]
    assert majors == list(range(29, 35))


def test_every_release_of_the_table_is_bundled():
    bundled = bundled_releases()
    for series, versions in SERIES.items():
        for project, version in versions.items():
            assert version in bundled.get(project, {}), f"{series}: {project} {version}"


def test_links_and_lines_follow_the_release(data_dir):
    for series, line in (("2025.1", 4710), (DEFAULT_SERIES, 4836)):
        version = SERIES[series]["nova"]
        resolution = Resolver(release=series, data_dir=data_dir).resolve(PAUSE)
        assert (resolution.line, resolution.version) == (line, version)
        assert resolution.url == (
            f"https://opendev.org/openstack/nova/src/tag/{version}/"
            f"nova/compute/api.py#L{line}"
        )


def test_source_versions_override_the_release(data_dir):
    older = SERIES["2025.1"]["nova"]
    # a bundled version: its index and its tag
    resolver = Resolver(versions={"nova": older}, data_dir=data_dir)
    assert resolver.resolve(PAUSE).line == 4710
    # a branch: the release's lines, the branch in the URL
    resolver = Resolver(
        versions={"nova": "stable/2025.1"}, release="2025.1", data_dir=data_dir
    )
    assert resolver.link(PAUSE).endswith(
        "/src/branch/stable/2025.1/nova/compute/api.py#L4710"
    )


def test_a_release_without_the_index_says_so(data_dir):
    resolution = Resolver(release="2024.2", data_dir=data_dir).resolve(PAUSE)
    assert resolution.url is None
    assert resolution.problem == (
        f"no bundled symbol index of nova {SERIES['2024.2']['nova']} "
        f"(release 2024.2; bundled: {SERIES['2024.1']['nova']}, "
        f"{SERIES['2025.1']['nova']}, {SERIES[DEFAULT_SERIES]['nova']})"
    )


def test_an_unknown_series_names_the_known_ones():
    with pytest.raises(UnknownSeries) as caught:
        release_versions("2023.3")
    assert str(caught.value) == (
        "unknown OpenStack series '2023.3'; known: "
        "2024.1, 2024.2, 2025.1, 2025.2, 2026.1, 2026.2"
    )
    with pytest.raises(UnknownSeries):
        Resolver(release="zed")


WORKFLOW = """\
title Pause
participant "nova-api" as nova_api
# nova/compute/api.py API.unpause()
nova_api->nova_api: unpause
# nova/compute/api.py API.pause()
nova_api->nova_api: pause
"""


def test_drift_locates_a_planted_removal(data_dir):
    older = drift(
        "nova/x", "x.wsd", WORKFLOW, Resolver(release="2024.1", data_dir=data_dir)
    )
    assert not older.holds
    assert older.lines == {5}
    (problem,) = older.problems
    assert str(problem).startswith(
        f"x.wsd:5: nova/compute/api.py has no API.pause() in nova "
        f"{SERIES['2024.1']['nova']}"
    )
    newer = drift(
        "nova/x", "x.wsd", WORKFLOW, Resolver(release="2025.1", data_dir=data_dir)
    )
    assert newer.holds and newer.release == "2025.1"
    table = matrix_table({"nova/x": {"2024.1": older, "2025.1": newer}})
    rows = table.splitlines()
    assert [row.split() for row in rows] == [
        ["workflow", "2024.1", "2025.1"],
        ["nova/x", "1", "x", "ok"],
        ["workflows", "holding", "0", "1"],
    ]
    assert len({len(row) for row in rows}) == 1  # the columns line up


# -- the command line, against the bundled indexes ------------------------------


def test_check_release_reports_drift_and_fails_only_when_strict(tmp_path, capsys):
    planted = tmp_path / "planted.wsd"
    planted.write_text(WORKFLOW.replace("API.pause()", "API.pause_forever()"))
    status, out, err = run(capsys, "check", "--release", "2025.1", str(planted))
    assert status == 0
    assert f"{planted}:5: nova/compute/api.py has no API.pause_forever()" in err
    assert out.splitlines()[-1] == "0 of 1 workflows hold in 2025.1"
    status, _, _ = run(capsys, "check", "--release", "2025.1", "--strict", str(planted))
    assert status == 1
    status, out, _ = run(capsys, "check", "--release", "2025.1", "--json", "nova/pause")
    report = json.loads(out)
    assert report["releases"] == ["2025.1"]
    assert report["workflows"]["nova/pause"]["2025.1"]["holds"] is True


def test_check_rejects_an_unknown_series(capsys):
    status, _, err = run(capsys, "check", "--release", "2023.3")
    assert status == 2
    assert "2024.1" in err and "2026.2" in err


def test_all_releases_prints_the_matrix(capsys):
    status, out, _ = run(capsys, "check", "--all-releases", "nova/pause", "nova/boot")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["workflow", *SERIES]
    assert [line.split()[0] for line in lines[1:3]] == ["nova/pause", "nova/boot"]
    assert lines[-1].startswith("workflows holding")
    assert lines[1].split()[-1] == "ok"  # the library holds in the newest series


def test_list_json_gives_the_releases_each_workflow_holds_in(capsys):
    status, out, _ = run(capsys, "list", "--json", "--project", "glance")
    assert status == 0
    for entry in json.loads(out):
        releases = entry["releases"]
        assert set(releases) <= set(SERIES)
        if not entry["removed"]:
            assert DEFAULT_SERIES in releases, entry["name"]


# -- the Sphinx build ------------------------------------------------------------


def links(page: str) -> list[str]:
    return re.findall(r'href="(https://opendev\.org/openstack/nova/[^"]+)"', page)


def sphinx_warnings(app) -> list[str]:
    lines = app.warning.getvalue().splitlines()
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    return [re.sub(r"^\S*/", "", line) for line in lines if "WARNING" in line]


@pytest.mark.sphinx("html", testroot="release", freshenv=True)
def test_the_build_links_the_configured_release(app):
    app.build()
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    figures = page.split('<figure class="oswsd')[1:]
    assert len(figures) == 4
    # oswsd_release = "2025.1": nova 31.3.1, where @check_instance_lock above
    # "def pause" is line 4733 of nova/compute/api.py; 4687 in 29.4.0 (2024.1)
    first, second = links(figures[0]), links(figures[1])
    pause = "nova/compute/api.py#L"
    assert f"https://opendev.org/openstack/nova/src/tag/31.3.1/{pause}4733" in first
    assert f"https://opendev.org/openstack/nova/src/tag/29.4.0/{pause}4687" in second
    assert all("/tag/31.3.1/" in url for url in first)
    assert all("/tag/29.4.0/" in url for url in second)
    # the drifted step: one warning naming it, and marked in the steps list
    assert sphinx_warnings(app) == [
        "index.rst:10: WARNING: demo/newer does not hold in 2025.1: step 2 drifted "
        "(oswsd check --release 2025.1 demo/newer says why) [oswsd.release]"
    ]
    steps_list = re.search(r"<ol.*?</ol>", figures[2], re.S).group()
    steps = re.findall(r"<li[^>]*>.*?</li>", steps_list, re.S)
    assert ["oswsd-drift" in item for item in steps] == [False, True]
    assert "does not hold in 2025.1" in steps[1]
    # nova/volume-attach in 2025.1 is its variant, which holds there; in
    # nova 31.3.1 VolumeAttachmentController.create is in volumes.py, its
    # first decorator on line 366
    attach = links(figures[3])
    controller = "/tag/31.3.1/nova/api/openstack/compute/volumes.py#L366"
    assert any(url.endswith(controller) for url in attach)
    assert all("/tag/31.3.1/" in url for url in attach)


@pytest.mark.sphinx(
    "html", testroot="release", freshenv=True, confoverrides={"oswsd_release": "zed"}
)
def test_an_unknown_release_warns_once_and_links_the_newest(app):
    app.build()
    config = [w for w in sphinx_warnings(app) if "[oswsd.config]" in w]
    assert config == [
        "WARNING: oswsd_release = 'zed' is not one of 2024.1, 2024.2, 2025.1, "
        "2025.2, 2026.1, 2026.2; using '2026.2' [oswsd.config]"
    ]
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    first = links(page.split('<figure class="oswsd')[1])
    assert first and all("/tag/34.0.0/" in url for url in first)


# -- variants ----------------------------------------------------------------------


def test_a_variant_serves_its_series_and_older_ones(tmp_path, capsys):
    flows = tmp_path / "demo"
    flows.mkdir()
    for stem in ("op", "op@2024.2", "op@2025.1"):
        (flows / f"{stem}.wsd").write_text(f"title {stem}\na->b: x\n")
    (workflow,) = Library([tmp_path], bundled=False).workflows()
    assert workflow.name == "demo/op"  # variants are not workflows of their own
    chosen = {series: workflow.for_release(series).label for series in SERIES}
    assert chosen == {
        "2024.1": "demo/op@2024.2",
        "2024.2": "demo/op@2024.2",
        "2025.1": "demo/op@2025.1",
        "2025.2": "demo/op",
        "2026.1": "demo/op",
        "2026.2": "demo/op",
    }
    argv = ["show", "--workflow-dir", str(tmp_path), "demo/op", "--release", "2024.1"]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (0, "title op@2024.2\na->b: x\n")
    assert err == f"oswsd: demo/op in 2024.1: {flows / 'op@2024.2.wsd'}\n"


def test_check_checks_a_variant_against_its_own_series(tmp_path, capsys):
    flows = tmp_path / "nova"
    flows.mkdir()
    # ComputeTaskAPI.attach_volume is new since 2025.1 (nova 31.3.1 lacks it)
    step = (
        "# nova/conductor/rpcapi.py ComputeTaskAPI.attach_volume()\n"
        "nova_api->nova_conductor: attach_volume (call)\n"
    )
    (flows / "x.wsd").write_text("title x\n" + step)
    (flows / "x@2025.1.wsd").write_text("title x\n" + step)
    status, _, err = run(capsys, "check", "--workflow-dir", str(tmp_path), "nova/x")
    assert status == 1
    assert "/x.wsd:" not in err  # 2026.2 has it
    assert re.search(
        r"x@2025\.1\.wsd:2: .*ComputeTaskAPI\.attach_volume.* 31\.3\.1", err
    )


# -- packs -------------------------------------------------------------------------


def test_a_pack_holds_every_version_and_is_reproducible(tmp_path):
    indexes = [fixture_index("1.0.0", 10), fixture_index("1.1.0", None)]
    for index in indexes:
        index.project = "demo"
    save_pack(indexes, tmp_path / "demo.json.xz")
    first = (tmp_path / "demo.json.xz").read_bytes()
    save_pack(indexes, tmp_path / "demo.json.xz")
    assert (tmp_path / "demo.json.xz").read_bytes() == first
    pack = tmp_path / "demo.json.xz"
    assert bundled_releases(tmp_path) == {"demo": {"1.0.0": pack, "1.1.0": pack}}
    assert SourceIndex.load(pack, "1.0.0") == indexes[0]
    assert SourceIndex.load(pack) == indexes[1]  # the newest
    with pytest.raises(SourceIndexError):
        SourceIndex.load(pack, "9.9.9")


def test_the_build_tool_packs_the_kept_versions_of_a_project(tmp_path, capsys):
    script = Path(__file__).parent.parent / "tools" / "build_indexes.py"
    spec = importlib.util.spec_from_file_location("build_indexes", script)
    build_indexes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_indexes)
    older, newer = fixture_index("1.0.0", 10), fixture_index("2.0.0", 20)
    build_indexes.store(tmp_path, "nova", [older], {("nova", "1.0.0")})
    assert [p.name for p in tmp_path.iterdir()] == ["nova-1.0.0.json.gz"]
    kept = {("nova", "1.0.0"), ("nova", "2.0.0")}
    build_indexes.store(tmp_path, "nova", [newer], kept)
    assert [p.name for p in tmp_path.iterdir()] == ["nova.json.xz"]
    assert list(bundled_releases(tmp_path)["nova"]) == ["1.0.0", "2.0.0"]
    build_indexes.store(tmp_path, "nova", [], {("nova", "2.0.0")})  # 1.0.0 dropped
    assert [p.name for p in tmp_path.iterdir()] == ["nova-2.0.0.json.gz"]

"""Symbol indexes, reference resolution and URLs (sphinxcontrib_oswsd.sources)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sphinxcontrib_oswsd.cli import main
from sphinxcontrib_oswsd.sources import (
    DEFAULT_URL_TEMPLATE,
    Resolver,
    SourceIndex,
    SourceIndexError,
    bundled_indexes,
    check_url_template,
    checkout,
    index,
    repository_for,
)
from sphinxcontrib_oswsd.sources.index import scan_source
from sphinxcontrib_oswsd.sources.resolver import match_symbol
from sphinxcontrib_oswsd.sources.revision import checkout_revision
from sphinxcontrib_oswsd.wsd.model import SourceRef
from sphinxcontrib_oswsd.wsd.parser import parse

SRCTREE = Path(__file__).parent / "fixtures" / "srctree"
API = SRCTREE / "demo" / "compute" / "api.py"
API_TEXT = API.read_text()
PINNED = {
    "nova": "34.0.0",
    "cinder": "29.0.0",
    "neutron": "29.0.0",
    "glance": "33.0.0",
    "keystone": "30.0.0",
}


def line_of(text: str, needle: str, start: str | None = None) -> int:
    """The 1-based number of the first line that reads ``needle`` (after
    the first line reading ``start``, if given)."""
    lines = [line.strip() for line in text.splitlines()]
    begin = lines.index(start) if start else 0
    return lines.index(needle, begin) + 1


@pytest.fixture(scope="module")
def symbols():
    return {s.qualname: s for s in reversed(scan_source(API_TEXT))}  # first wins


@pytest.fixture
def demo(tmp_path):
    """A resolver over the fixture tree as a local checkout."""
    return Resolver(source_dirs={"demo": SRCTREE}, cache_dir=tmp_path)


def resolve_all(resolver: Resolver, wsd: str):
    """Parse ``wsd`` and resolve the reference of every step, in order."""
    return [resolver.resolve(step.ref) for step in parse(wsd).steps()]


# -- building an index -------------------------------------------------------


def test_decorated_definitions_start_at_their_first_decorator(symbols):
    assert symbols["API.pause"].line == line_of(API_TEXT, "@check_lock")
    assert symbols["API.pause"].end_line == line_of(API_TEXT, "return instance")
    assert symbols["API"].line == line_of(API_TEXT, "@functools.total_ordering")
    assert symbols["API.resume"].line == line_of(
        API_TEXT, "def resume(self, instance):"
    )


def test_nested_classes_and_functions_get_dotted_qualnames(symbols):
    deeper = symbols["API.Inner.Deeper.method"]
    assert (deeper.kind, deeper.nested) == ("function", False)
    assert deeper.line == line_of(API_TEXT, "async def method(self):")
    assert symbols["API.Inner.Deeper"].kind == "class"
    closure = symbols["API.build._locked"]
    assert closure.nested
    assert closure.line == line_of(
        API_TEXT, "def _locked():", "def build(self, request):"
    )
    assert symbols["check_lock.inner"].nested


def test_duplicate_and_conditional_definitions_are_all_kept():
    found = [(s.qualname, s.line) for s in scan_source(API_TEXT)]
    assert [line for name, line in found if name == "helper"] == [
        line_of(API_TEXT, "def helper():"),
        line_of(API_TEXT, "def helper():", 'return "first definition"'),
    ]
    assert [line for name, line in found if name == "API.host"] == [
        line_of(API_TEXT, "@property"),
        line_of(API_TEXT, "@host.setter"),
    ]
    wraps = [n for n, _ in found if n == "HostAPI.reset_networks.wrap"]
    assert len(wraps) == 2  # from the except and the else branch


def test_build_indexes_package_modules_only_and_skips_tests():
    built, notes = SourceIndex.build("demo", "1.2.3", SRCTREE)
    assert notes == []
    assert sorted(built.modules) == [
        "demo/__init__.py",
        "demo/compute/__init__.py",
        "demo/compute/api.py",
    ]
    assert built.symbols("demo/__init__.py") == ()
    assert built.symbols("demo/tests/helpers.py") is None


def test_build_skips_a_file_that_does_not_parse(tmp_path):
    tree = shutil.copytree(SRCTREE, tmp_path / "tree")
    (tree / "demo" / "broken.py").write_text("def broken(:\n")
    built, notes = SourceIndex.build("demo", "1.2.3", tree)
    assert "demo/broken.py" not in built.modules
    assert len(notes) == 1
    assert notes[0].startswith("demo/broken.py: skipped, cannot parse")
    assert "demo/compute/api.py" in built.modules


def test_build_refuses_a_tree_without_packages(tmp_path):
    with pytest.raises(SourceIndexError, match="no Python package"):
        SourceIndex.build("demo", "1", tmp_path)
    with pytest.raises(SourceIndexError, match="not a directory"):
        SourceIndex.build("demo", "1", tmp_path / "missing")


def test_saved_index_round_trips_and_is_reproducible(tmp_path):
    built, _ = SourceIndex.build("demo", "1.2.3", SRCTREE)
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    built.save(first)
    SourceIndex.build("demo", "1.2.3", SRCTREE)[0].save(second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0
    assert SourceIndex.load(first) == built
    data = json.loads(gzip.decompress(first.read_bytes()))
    assert list(data) == sorted(data)


def test_loading_rejects_corrupt_and_foreign_files(tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(SourceIndexError, match="cannot read"):
        SourceIndex.load(bad)
    bad.write_bytes(gzip.compress(b'{"format": 99, "modules": {}}'))
    with pytest.raises(SourceIndexError, match="format 1"):
        SourceIndex.load(bad)


# -- matching rule ----------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "found"),
    [
        ("API.pause", "API.pause"),
        ("pause", "API.pause"),  # unique method name, class left out
        ("resume", "resume"),  # an exact module-level name wins
        ("API.resume", "API.resume"),
        ("helper", "helper"),  # conditional twins: the first
        ("Inner.method", "API.Inner.method"),
        ("Deeper.method", "API.Inner.Deeper.method"),
        ("refresh", "HostAPI.refresh"),  # the method, not its closure
        ("wrap", "HostAPI.reset_networks.wrap"),  # one qualname, twice
    ],
)
def test_match_rule_resolves(symbols, wanted, found):
    match = match_symbol(scan_source(API_TEXT), wanted)
    assert match.symbol is not None
    assert match.symbol.qualname == found
    assert match.symbol.line == symbols[found].line


@pytest.mark.parametrize(
    ("wanted", "candidates"),
    [
        ("_locked", ("API.build._locked", "API.rebuild._locked")),  # two closures
        ("method", ("API.Inner.method", "API.Inner.Deeper.method")),  # two methods
    ],
)
def test_match_rule_ambiguity(wanted, candidates):
    match = match_symbol(scan_source(API_TEXT), wanted)
    assert match.symbol is None
    assert match.ambiguous == candidates


def test_a_miss_suggests_the_closest_names():
    match = match_symbol(scan_source(API_TEXT), "HostAPI.reset_network")
    assert match.symbol is None
    assert match.closest[0] == "HostAPI.reset_networks"
    assert match_symbol(scan_source(API_TEXT), "puase").closest == ("API.pause",)


# -- resolving references as the parser reads them ---------------------------

TOLERATED = """\
# demo/compute/api.py API.pause()
A->B: canonical
## demo/compute/api.py API.pause()
A->B: double hash
###demo/compute/api.py API.pause()
A->B: triple hash, no space
#demo/compute/api.py   API.pause
A->B: no space, several spaces, no parentheses
# demo/compute/api.py API.pause()\t \n\
note over A: trailing whitespace
# demo/compute/api.py
A->B: file only
# pause()
A->B: function only, unqualified
"""


def test_every_tolerated_reference_form_resolves(demo):
    pause = line_of(API_TEXT, "@check_lock")
    resolutions = resolve_all(demo, TOLERATED)
    assert len(resolutions) == 7
    for resolution in resolutions[:5] + resolutions[6:]:
        assert resolution.ok, resolution.problem
        assert (resolution.qualname, resolution.line) == ("API.pause", pause)
        assert resolution.url == (
            "https://opendev.org/openstack/demo/src/tag/1.2.3/"
            f"demo/compute/api.py#L{pause}"
        )
    file_only = resolutions[5]
    assert file_only.ok and file_only.line is None and file_only.qualname is None
    assert file_only.url == (
        "https://opendev.org/openstack/demo/src/tag/1.2.3/demo/compute/api.py"
    )


def test_problems_name_candidates_and_closest_names(demo):
    no_file, missing, ambiguous, no_module = resolve_all(
        demo,
        "# pause()\nA->B: x\n"
        "# demo/compute/api.py HostAPI.reset_network()\nA->B: x\n"
        "# demo/compute/api.py _locked()\nA->B: x\n"
        "# demo/compute/apii.py API.pause()\nA->B: x\n",
    )
    assert no_file.problem.startswith("reference pause() names no file")
    assert missing.url is None
    assert missing.problem.startswith(
        "demo/compute/api.py has no HostAPI.reset_network() in demo 1.2.3; "
        "did you mean HostAPI.reset_networks(), "
    )
    assert missing.candidates[0] == "HostAPI.reset_networks"
    assert ambiguous.candidates == ("API.build._locked", "API.rebuild._locked")
    assert ambiguous.problem == (
        "_locked() is ambiguous in demo/compute/api.py (demo 1.2.3): "
        "API.build._locked(), API.rebuild._locked(); name the one you mean"
    )
    assert no_module.problem.startswith(
        "no module demo/compute/apii.py in demo 1.2.3; did you mean demo/compute/api.py"
    )
    assert no_module.candidates[0] == "demo/compute/api.py"


def test_a_project_without_index_says_how_to_get_one(demo):
    resolution = demo.resolve(SourceRef("ironic/conductor/manager.py", "f", 1))
    assert not resolution.ok
    assert resolution.repository == "ironic"
    assert "no symbol index for project 'ironic'" in resolution.problem
    assert "oswsd_source_dirs" in resolution.problem
    assert demo.link(SourceRef("ironic/conductor/manager.py", "f", 1)) is None


def test_a_missing_source_dir_is_a_problem_not_a_crash(tmp_path):
    resolver = Resolver(source_dirs={"demo": tmp_path / "gone"})
    resolution = resolver.resolve(SourceRef("demo/compute/api.py", "API.pause", 1))
    assert "does not exist" in resolution.problem


# -- URLs --------------------------------------------------------------------


def test_url_template_fields_and_version_override(tmp_path):
    resolver = Resolver(
        versions={"demo": "stable/2026.2"},
        source_dirs={"demo": SRCTREE},
        url_template="https://example.test/{project}/blob/{version}/{path}?plain=1#L{line}",
    )
    ref = SourceRef("demo/compute/api.py", "API.resume", 1)
    line = line_of(API_TEXT, "def resume(self, instance):")
    assert resolver.link(ref) == (
        "https://example.test/demo/blob/stable/2026.2/demo/compute/api.py"
        f"?plain=1#L{line}"
    )
    file_only = SourceRef("demo/compute/api.py", None, 1)
    assert resolver.link(file_only) == (
        "https://example.test/demo/blob/stable/2026.2/demo/compute/api.py?plain=1"
    )


def test_url_template_is_checked_up_front():
    assert check_url_template(DEFAULT_URL_TEMPLATE) == DEFAULT_URL_TEMPLATE
    with pytest.raises(ValueError, match=r"unknown field \{repo\}"):
        Resolver(url_template="https://x/{repo}/{path}")
    with pytest.raises(ValueError, match="bad source URL template"):
        Resolver(url_template="https://x/{path")


def test_repository_names():
    assert repository_for("nova") == "nova"
    assert repository_for("oslo_messaging") == "oslo.messaging"
    assert repository_for("oslo.messaging") == "oslo.messaging"
    assert repository_for("os_vif") == "os-vif"
    assert repository_for("os_brick") == "os-brick"
    assert repository_for("glance_store") == "glance_store"
    assert repository_for("novaclient") == "python-novaclient"


# -- local checkouts and their cache ----------------------------------------


def git(tree: Path, *args: str) -> str:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", "-C", str(tree), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """A git checkout of the fixture tree (no PKG-INFO: that is for sdists)."""
    tree = shutil.copytree(
        SRCTREE, tmp_path / "repo", ignore=shutil.ignore_patterns("PKG-INFO")
    )
    git(tree, "init", "-q", "-b", "stable/2026.2")
    git(tree, "add", ".")
    git(tree, "commit", "-q", "-m", "one")
    return tree


def test_an_sdist_links_to_its_release_tag(tmp_path):
    assert str(checkout_revision(SRCTREE)) == "tag/1.2.3"
    assert str(checkout_revision(tmp_path)) == "branch/master"


def test_a_checkout_on_a_branch_links_to_the_branch(repo):
    assert str(checkout_revision(repo)) == "branch/stable/2026.2"
    url = Resolver(source_dirs={"demo": repo}).link(
        SourceRef("demo/compute/api.py", None, 1)
    )
    assert (
        url
        == "https://opendev.org/openstack/demo/src/branch/stable/2026.2/demo/compute/api.py"
    )


@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
@pytest.mark.parametrize("annotated", [False, True], ids=["light", "annotated"])
def test_a_checkout_of_a_tag_links_to_the_tag(repo, packed, annotated):
    git(repo, "tag", *(["-a", "-m", "release"] if annotated else []), "34.0.0")
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    git(repo, "tag", "later")
    git(repo, "checkout", "-q", "34.0.0")
    if packed:
        git(repo, "pack-refs", "--all")
        git(repo, "gc", "-q")
    assert str(checkout_revision(repo)) == "tag/34.0.0"


def test_a_detached_commit_links_to_the_commit(repo):
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", sha)
    assert str(checkout_revision(repo)) == f"commit/{sha}"
    resolution = Resolver(source_dirs={"demo": repo}).resolve(
        SourceRef("demo/compute/api.py", "API.pause", 1)
    )
    assert resolution.url.startswith(
        f"https://opendev.org/openstack/demo/src/commit/{sha}/demo/compute/api.py#L"
    )


def test_a_worktree_links_to_its_own_branch(repo, tmp_path):
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    assert str(checkout_revision(tmp_path / "wt")) == "branch/feature"


@pytest.mark.parametrize(
    ("version", "ref"),
    [
        ("34.0.0", "tag/34.0.0"),
        ("2023.1-eom", "tag/2023.1-eom"),
        ("zed-eol", "tag/zed-eol"),
        ("stable/2026.2", "branch/stable/2026.2"),
        ("master", "branch/master"),
        (
            "0123456789abcdef0123456789abcdef01234567",
            "commit/0123456789abcdef0123456789abcdef01234567",
        ),
        ("tag/newton-final", "tag/newton-final"),
        ("branch/1.0", "branch/1.0"),
    ],
)
def test_a_configured_version_is_a_tag_a_branch_or_a_commit(version, ref):
    resolver = Resolver(versions={"nova": version})
    url = resolver.link(SourceRef("nova/compute/api.py", None, 1))
    assert url == f"https://opendev.org/openstack/nova/src/{ref}/nova/compute/api.py"


def test_a_template_with_version_gets_the_bare_name(repo):
    template = "https://github.com/openstack/{project}/blob/{version}/{path}#L{line}"
    resolver = Resolver(source_dirs={"demo": repo}, url_template=template)
    url = resolver.link(SourceRef("demo/compute/api.py", None, 1))
    assert (
        url
        == "https://github.com/openstack/demo/blob/stable/2026.2/demo/compute/api.py"
    )


def test_source_dir_index_is_cached_by_mtime(tmp_path, monkeypatch):
    tree = shutil.copytree(SRCTREE, tmp_path / "tree")
    cache = tmp_path / "cache"
    ref = SourceRef("demo/compute/api.py", "API.pause", 1)
    before = Resolver(source_dirs={"demo": tree}, cache_dir=cache).resolve(ref)
    assert before.ok
    assert len(list((cache / "sources").glob("*.json.gz"))) == 1

    parsed = []
    real_scan = checkout.scan_source
    monkeypatch.setattr(
        checkout,
        "scan_source",
        lambda source, filename: parsed.append(filename) or real_scan(source, filename),
    )
    again = Resolver(source_dirs={"demo": tree}, cache_dir=cache).resolve(ref)
    assert parsed == []  # nothing changed: all from the cache
    assert again == before

    api = tree / "demo" / "compute" / "api.py"
    stat = api.stat()
    api.write_text("# one more line\n" + api.read_text())
    os.utime(api, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = Resolver(source_dirs={"demo": tree}, cache_dir=cache).resolve(ref)
    assert parsed == [str(api.resolve())]  # only the changed file
    assert after.line == before.line + 1


def test_source_dir_accepts_package_or_repository_names():
    for key in ("oslo_messaging", "oslo.messaging"):
        resolver = Resolver(source_dirs={key: SRCTREE})
        local = resolver.index("oslo.messaging")
        assert isinstance(local, SourceIndex)
        assert local.version == "1.2.3"  # the checkout, not the bundled index
        assert "demo/compute/api.py" in local.modules


# -- the bundled indexes -------------------------------------------------------


def test_bundled_indexes_cover_the_pinned_releases():
    bundled = {repo: version for repo, (version, _) in bundled_indexes().items()}
    assert PINNED.items() <= bundled.items()
    assert "oslo.messaging" in bundled


def test_pause_links_to_the_check_instance_lock_line_of_nova_34():
    # nova 34.0.0 nova/compute/api.py: line 4836 is "@check_instance_lock",
    # 4837 "@check_instance_state(vm_state=[vm_states.ACTIVE])", 4838 "def pause".
    resolution = Resolver().resolve(SourceRef("nova/compute/api.py", "API.pause", 1))
    assert (resolution.line, resolution.end_line) == (4836, 4843)
    assert resolution.url == (
        "https://opendev.org/openstack/nova/src/tag/34.0.0/nova/compute/api.py#L4836"
    )
    assert (resolution.project, resolution.repository, resolution.version) == (
        "nova",
        "nova",
        "34.0.0",
    )


def test_oslo_messaging_links_to_its_own_repository():
    resolution = Resolver().resolve(
        SourceRef("oslo_messaging/rpc/client.py", "RPCClient.cast", 1)
    )
    assert resolution.ok
    assert resolution.url.startswith(
        "https://opendev.org/openstack/oslo.messaging/src/tag/"
    )


def test_indexes_load_lazily_once_per_project(monkeypatch):
    loaded = []
    real_load = index.SourceIndex.load.__func__
    monkeypatch.setattr(
        index.SourceIndex,
        "load",
        classmethod(
            lambda cls, path: loaded.append(Path(path).name) or real_load(cls, path)
        ),
    )
    resolver = Resolver()
    assert loaded == []
    for qualname in ("API.pause", "API.unpause", "API.suspend"):
        assert resolver.resolve(SourceRef("nova/compute/api.py", qualname, 1)).ok
    assert loaded == ["nova-34.0.0.json.gz"]


# -- oswsd index build -------------------------------------------------------


def test_cli_index_build_writes_a_loadable_index(tmp_path, capsys):
    out = tmp_path / "demo.json.gz"
    assert main(["index", "build", "demo", "1.2.3", str(SRCTREE), "-o", str(out)]) == 0
    assert "3 modules" in capsys.readouterr().out
    assert SourceIndex.load(out) == SourceIndex.build("demo", "1.2.3", SRCTREE)[0]


def test_cli_index_build_bad_directory_is_usage_error(tmp_path, capsys):
    status = main(["index", "build", "demo", "1", str(tmp_path / "missing")])
    assert status == 2
    assert "not a directory" in capsys.readouterr().err


def test_build_script_replaces_an_older_version(tmp_path, capsys):
    script = Path(__file__).parent.parent / "tools" / "build_indexes.py"
    spec = importlib.util.spec_from_file_location("build_indexes", script)
    build_indexes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_indexes)
    shutil.copytree(SRCTREE, tmp_path / "demo-1.2.3")
    shutil.copytree(SRCTREE, tmp_path / "demo-1.3.0")
    out = tmp_path / "data"
    out.mkdir()
    for version in ("1.2.3", "1.3.0"):
        argv = ["--unpacked", str(tmp_path), "--output", str(out), f"demo=={version}"]
        assert build_indexes.main(argv) == 0
    assert [p.name for p in out.iterdir()] == ["demo-1.3.0.json.gz"]
    assert bundled_indexes(out)["demo"][0] == "1.3.0"
    assert "demo-1.3.0.json.gz: 3 modules" in capsys.readouterr().out

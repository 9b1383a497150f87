"""Rebuild the bundled symbol indexes in sphinxcontrib_oswsd/data/.

Downloads the sdist of each release in the series table
(:mod:`sphinxcontrib_oswsd.sources.releases`) from PyPI (never a wheel: the
index needs the sources as released) and indexes it, dropping the indexes of
versions no series runs any more. The versions of a project share one xz pack
(``<repository>.json.xz``), which costs little more than one version; a
project with a single version gets ``<repository>-<version>.json.gz``. The
output is byte-for-byte reproducible, so a rebuild with an unchanged table
changes no file.

    python tools/build_indexes.py                     # every series' releases
    python tools/build_indexes.py nova os-vif==4.2.0  # some, or an extra one
    python tools/build_indexes.py --unpacked /work/src  # use unpacked sdists
    python tools/build_indexes.py neutron==29.0.0 --support neutron-lib==5.0.0

Besides symbols, each index holds the release's facts that workflow claims
are checked against (:mod:`sphinxcontrib_oswsd.sources.facts`). Some facts
live in a library the project depends on (neutron's policy base rules and
port statuses are in neutron-lib): :data:`SUPPORT` names the release of it
to read for each pinned release, ``--support`` overrides it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sphinxcontrib_oswsd.sources import SERIES, SourceIndex, bundled_releases
from sphinxcontrib_oswsd.sources.index import save_pack
from sphinxcontrib_oswsd.sources.projects import (
    index_filename,
    pack_filename,
    version_key,
)
from sphinxcontrib_oswsd.sources.releases import DEFAULT_SERIES

#: The checkout's data directory (not an installed copy's, as under tox).
DATA_DIR = Path(__file__).resolve().parent.parent / "sphinxcontrib_oswsd" / "data"

#: The releases the bundled workflows describe (repository = PyPI name).
PINNED = SERIES[DEFAULT_SERIES]

#: Every release some series runs, oldest first (what is bundled).
RELEASES = sorted(
    {
        (project, version)
        for table in SERIES.values()
        for project, version in table.items()
    },
    key=lambda release: (release[0], version_key(release[1])),
)

#: Libraries whose names a project's facts need, per release of the project:
#: the least release its requirements allow (neutron 29.0.0:
#: neutron-lib>=5.0.0). Add a line for each release indexed; without one the
#: tool says what is lost.
SUPPORT = {
    "neutron": {
        "24.2.2": ("neutron-lib==3.9.0",),
        "25.2.3": ("neutron-lib==3.15.0",),
        "26.0.6": ("neutron-lib==3.17.0",),
        "27.0.4": ("neutron-lib==3.21.1",),
        "28.0.2": ("neutron-lib==3.24.0",),
        "29.0.0": ("neutron-lib==5.0.0",),
    },
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "projects",
        nargs="*",
        metavar="NAME[==VERSION]",
        help="projects to (re)build; default: every pinned one",
    )
    parser.add_argument("--output", type=Path, default=DATA_DIR)
    parser.add_argument(
        "--unpacked",
        type=Path,
        help="directory of already unpacked sdists (NAME-VERSION/) to use offline",
    )
    parser.add_argument(
        "--support",
        action="append",
        metavar="NAME==VERSION",
        help="a library to read names from (for every project built); "
        "default: SUPPORT's entry for each release",
    )
    args = parser.parse_args(argv)
    wanted = [_pin(spec) for spec in args.projects] if args.projects else RELEASES
    kept = {(p, v) for p, v in RELEASES} | set(wanted)
    built: dict[str, list[SourceIndex]] = {}
    with tempfile.TemporaryDirectory(prefix="oswsd-indexes-") as tmp:
        for project, version in wanted:
            root = _source(args.unpacked, project, version, Path(tmp))
            specs = args.support or SUPPORT.get(project, {}).get(version, ())
            if project in SUPPORT and not specs:
                print(
                    f"{project}: no support library for {version} (SUPPORT, "
                    "--support): facts defined in it are left out",
                    file=sys.stderr,
                )
            support = tuple(
                _source(args.unpacked, *spec.split("=="), Path(tmp)) for spec in specs
            )
            index, notes = SourceIndex.build(project, version, root, support)
            for note in notes:
                print(f"{project}: {note}", file=sys.stderr)
            built.setdefault(project, []).append(index)
            symbols = sum(len(s) for s in index.modules.values())
            facts = ", ".join(f"{k} {_count(v)}" for k, v in index.facts.items())
            print(
                f"{index_filename(project, version)}: {len(index.modules)} modules, "
                f"{symbols} symbols, {facts}"
            )
    for project, indexes in built.items():
        out = store(args.output, project, indexes, kept)
        print(f"{out.name}: {out.stat().st_size} bytes")
    return 0


def store(
    output: Path, project: str, indexes: list[SourceIndex], kept: set[tuple[str, str]]
) -> Path:
    """Write ``indexes`` with the project's other kept versions in ``output``:
    one version alone as ``<project>-<version>.json.gz``, several as one pack
    (:func:`save_pack`); the versions no longer kept are dropped."""
    existing = bundled_releases(output).get(project, {})
    versions = {
        version: SourceIndex.load(path, version)
        for version, path in existing.items()
        if (project, version) in kept
    }
    versions.update((index.version, index) for index in indexes)
    ordered = [versions[v] for v in sorted(versions, key=version_key)]
    partial = output / f".{project}.partial"  # replaced whole: readers never see half
    if len(ordered) == 1:
        out = output / index_filename(project, ordered[0].version)
        ordered[0].save(partial)
    else:
        out = output / pack_filename(project)
        save_pack(ordered, partial)
    partial.replace(out)
    for path in set(existing.values()) - {out}:
        path.unlink()
    return out


def _pin(spec: str) -> tuple[str, str]:
    name, _, version = spec.partition("==")
    version = version or PINNED.get(name, "")
    if not version:
        raise SystemExit(f"{name} is not pinned: write {name}==VERSION")
    return name, version


def _count(facts: object) -> int:
    """How many facts of a kind: the leaves of its nested mapping."""
    if isinstance(facts, dict):
        values = list(facts.values())
        if values and all(isinstance(v, (dict, list)) for v in values):
            return sum(_count(v) for v in values)
        return len(values)
    return len(facts) if isinstance(facts, list) else 1


def _source(base: Path | None, project: str, version: str, tmp: Path) -> Path:
    return _find_unpacked(base, project, version) or _download(project, version, tmp)


def _find_unpacked(base: Path | None, project: str, version: str) -> Path | None:
    if base is None:
        return None
    for name in {project, project.replace(".", "_").replace("-", "_")}:
        candidate = base / f"{name}-{version}"
        if candidate.is_dir():
            return candidate
    return None


def _download(project: str, version: str, tmp: Path) -> Path:
    """Fetch and unpack the sdist; the unpacked tree's root is returned.

    ``--no-binary`` names the project alone: with ``:all:`` pip would also
    build setuptools and pbr from source to read the sdist's metadata."""
    target = tmp / project
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            project,
            "--dest",
            str(target),
            f"{project}=={version}",
        ],
        check=True,
    )
    (sdist,) = target.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(target, filter="data")
    (root,) = (p for p in target.iterdir() if p.is_dir())
    return root


if __name__ == "__main__":
    sys.exit(main())

"""Rebuild the bundled symbol indexes in sphinxcontrib_oswsd/data/.

Downloads each pinned release's sdist from PyPI (never a wheel: the index needs
the sources as released), indexes it and writes ``<repository>-<version>.json.gz``,
replacing any other version of the same project. The output is byte-for-byte
reproducible, so a rebuild with unchanged pins changes no file.

    python tools/build_indexes.py                     # all pinned releases
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

from sphinxcontrib_oswsd.sources import SourceIndex, bundled_indexes
from sphinxcontrib_oswsd.sources.projects import index_filename

#: The checkout's data directory (not an installed copy's, as under tox).
DATA_DIR = Path(__file__).resolve().parent.parent / "sphinxcontrib_oswsd" / "data"

#: The releases the bundled workflows describe (repository = PyPI name).
PINNED = {
    "nova": "34.0.0",
    "cinder": "29.0.0",
    "neutron": "29.0.0",
    "glance": "33.0.0",
    "keystone": "30.0.0",
    "oslo.messaging": "18.3.1",
}

#: Libraries whose names a project's facts need, per release of the project:
#: the release its requirements allow (neutron 29.0.0: neutron-lib>=5.0.0).
#: Add a line for each release indexed; without one the tool says what is lost.
SUPPORT = {
    "neutron": {"29.0.0": ("neutron-lib==5.0.0",)},
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
    wanted = dict(_pin(spec) for spec in args.projects) if args.projects else PINNED
    with tempfile.TemporaryDirectory(prefix="oswsd-indexes-") as tmp:
        for project, version in wanted.items():
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
            old = bundled_indexes(args.output).get(project)
            if old and old[0] != version:
                old[1].unlink()
            out = args.output / index_filename(project, version)
            index.save(out)
            symbols = sum(len(s) for s in index.modules.values())
            facts = ", ".join(f"{k} {_count(v)}" for k, v in index.facts.items())
            print(
                f"{out.name}: {len(index.modules)} modules, {symbols} symbols, "
                f"{facts}; {out.stat().st_size} bytes"
            )
    return 0


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
        if values and all(isinstance(v, dict) for v in values):
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
    """Fetch and unpack the sdist; the unpacked tree's root is returned."""
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
            ":all:",
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

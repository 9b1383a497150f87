"""Which repository a Python package lives in, and which indexes ship with us."""

from __future__ import annotations

import re
from pathlib import Path

from sphinxcontrib_oswsd.sources.index import PACK_SUFFIX, pack_versions

#: Packages whose repository is not named by the general rule below.
_REPOSITORY_EXCEPTIONS = {
    "glance_store": "glance_store",
    "novaclient": "python-novaclient",
    "cinderclient": "python-cinderclient",
    "neutronclient": "python-neutronclient",
    "glanceclient": "python-glanceclient",
    "keystoneclient": "python-keystoneclient",
    "openstackclient": "python-openstackclient",
}

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_INDEX_FILE = re.compile(r"(?P<repository>.+?)-(?P<version>\d[^/]*)\.json\.gz")


def repository_for(name: str) -> str:
    """The opendev repository (also the PyPI name) for a package or project name.

    ``nova`` -> ``nova``, ``oslo_messaging`` -> ``oslo.messaging``, ``os_vif`` ->
    ``os-vif``; a repository name maps to itself, so configuration may use
    either form.
    """
    if name in _REPOSITORY_EXCEPTIONS:
        return _REPOSITORY_EXCEPTIONS[name]
    if name.startswith("oslo_"):
        return "oslo." + name[len("oslo_") :]
    return name.replace("_", "-")


def index_filename(repository: str, version: str) -> str:
    return f"{repository}-{version}.json.gz"


def pack_filename(repository: str) -> str:
    return f"{repository}{PACK_SUFFIX}"


def bundled_releases(data_dir: Path = DATA_DIR) -> dict[str, dict[str, Path]]:
    """``repository -> version -> file`` for the index files in ``data_dir``,
    versions oldest first: ``<repository>-<version>.json.gz`` holds one
    version, a pack ``<repository>.json.xz`` several."""
    found: dict[str, dict[str, Path]] = {}
    for path in data_dir.glob("*.json.gz"):
        match = _INDEX_FILE.fullmatch(path.name)
        if match:
            found.setdefault(match["repository"], {})[match["version"]] = path
    for path in data_dir.glob(f"*{PACK_SUFFIX}"):
        repository = path.name.removesuffix(PACK_SUFFIX)
        for version in pack_versions(path):
            found.setdefault(repository, {})[version] = path
    return {
        repository: dict(sorted(files.items(), key=lambda item: version_key(item[0])))
        for repository, files in sorted(found.items())
    }


def bundled_indexes(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, Path]]:
    """``repository -> (version, file)`` of the newest index of each project in
    ``data_dir``."""
    return {
        repository: list(files.items())[-1]
        for repository, files in bundled_releases(data_dir).items()
    }


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Sorts ``29.4.0`` before ``34.0.0`` (numerically, part by part)."""
    return tuple(
        (int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.-]", version)
    )

"""Index a local checkout on the fly, so a project's own branch links to true lines.

Parsing a whole tree takes seconds, so the per-file results are kept in a cache
file keyed by each file's modification time and size: the next build re-parses
only what changed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sphinxcontrib_oswsd.sources.index import (
    FORMAT,
    SourceIndex,
    SourceIndexError,
    Symbol,
    decode_symbols,
    dumps_gz,
    encode_symbols,
    iter_modules,
    loads_gz,
    scan_source,
)

_Entry = tuple[int, int, tuple[Symbol, ...]]  # mtime_ns, size, symbols


def index_checkout(
    project: str,
    root: Path | str,
    version: str,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[SourceIndex, list[str]]:
    """Index ``root`` like :meth:`SourceIndex.build`, reusing ``cache_dir``'s results.

    Returns the index and a note for each file that could not be parsed;
    ``progress`` is told how many files were seen so far (a large tree takes
    a while the first time).
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise SourceIndexError(f"{root}: source directory does not exist")
    cache_file = _cache_file(cache_dir, root) if cache_dir else None
    cached = _read_cache(cache_file) if cache_file else {}
    entries: dict[str, _Entry] = {}
    notes: list[str] = []
    for seen, (module, path) in enumerate(iter_modules(root), start=1):
        if progress:
            progress(seen)
        stat = path.stat()
        entry = cached.get(module)
        if entry is None or entry[:2] != (stat.st_mtime_ns, stat.st_size):
            try:
                symbols = tuple(scan_source(path.read_bytes(), str(path)))
            except (SyntaxError, ValueError) as error:
                notes.append(f"{path}: skipped, cannot parse: {error}")
                continue
            entry = (stat.st_mtime_ns, stat.st_size, symbols)
        entries[module] = entry
    if not entries:
        raise SourceIndexError(f"{root}: no Python package found")
    if cache_file and entries != cached:
        _write_cache(cache_file, entries)
    modules = {module: entry[2] for module, entry in entries.items()}
    return SourceIndex(project, version, modules), notes


def _cache_file(cache_dir: Path, root: Path) -> Path:
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return Path(cache_dir) / "sources" / f"{root.name}-{digest}.json.gz"


def _read_cache(cache_file: Path) -> dict[str, _Entry]:
    """The cached entries; an unreadable or outdated cache is simply empty."""
    try:
        data = loads_gz(cache_file.read_bytes())
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        return {
            module: (int(mtime), int(size), decode_symbols(rows))
            for module, (mtime, size, rows) in data["files"].items()
        }
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError):
        return {}


def _write_cache(cache_file: Path, entries: dict[str, _Entry]) -> None:
    """Write atomically: parallel Sphinx workers may share the cache."""
    files = {
        module: [mtime, size, encode_symbols(symbols)]
        for module, (mtime, size, symbols) in entries.items()
    }
    blob = dumps_gz({"format": FORMAT, "files": files})
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
    except OSError:
        return  # a cache that cannot be written only costs time
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(tmp, cache_file)
    except OSError:
        Path(tmp).unlink(missing_ok=True)

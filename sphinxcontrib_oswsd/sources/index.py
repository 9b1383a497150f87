"""Symbol index: where every class and function of a source tree starts and ends.

The index is built with :mod:`ast` (the code is never imported), so indexing a
release needs neither its dependencies nor a matching Python. It maps a module
path from the top-level package (``nova/compute/api.py``) to the symbols it
defines, each with a dotted qualname (``API.pause``, ``A.B.m``, ``f.g``) and the
lines it spans. The first line is the first decorator's, so a link shows
``@check_instance_lock`` above ``def pause``.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: Bumped whenever the on-disk layout changes; older files are rejected.
FORMAT = 1

SymbolKind = Literal["class", "function"]
_KIND_CODES: dict[SymbolKind, str] = {"class": "c", "function": "f"}
_CODE_KINDS = {code: kind for kind, code in _KIND_CODES.items()}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class SourceIndexError(Exception):
    """An index file that cannot be read (missing, corrupt or another format)."""


@dataclass(frozen=True)
class Symbol:
    """One ``def`` or ``class`` statement."""

    qualname: str
    line: int  # the first decorator's line, else the def/class line
    end_line: int
    kind: SymbolKind
    nested: bool  # defined inside a function (a closure), not at module/class level

    @property
    def name(self) -> str:
        return self.qualname.rpartition(".")[2]


def scan_source(source: str | bytes, filename: str = "<unknown>") -> list[Symbol]:
    """The symbols ``source`` defines, in source order.

    Definitions inside ``if``/``try``/``with``/loops count as written at the
    level of the enclosing block, because that is where a reader finds them.
    Raises :class:`SyntaxError` (or :class:`ValueError` for NUL bytes).
    """
    tree = ast.parse(source, filename=filename)
    symbols: list[Symbol] = []

    def visit(statements: Iterable[ast.AST], prefix: str, nested: bool) -> None:
        for node in statements:
            if isinstance(node, _DEFINITIONS):
                qualname = prefix + node.name
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                is_class = isinstance(node, ast.ClassDef)
                kind: SymbolKind = "class" if is_class else "function"
                end = node.end_lineno or node.lineno
                symbols.append(Symbol(qualname, first, end, kind, nested))
                visit(node.body, qualname + ".", nested or not is_class)
            else:
                visit(_child_blocks(node), prefix, nested)

    visit(tree.body, "", False)
    return symbols


def _child_blocks(node: ast.AST) -> Iterator[ast.AST]:
    """The statements directly inside a compound statement (if, try, match ...)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            yield child
        elif isinstance(child, (ast.excepthandler, ast.match_case)):
            yield from child.body


def iter_modules(root: Path) -> Iterator[tuple[str, Path]]:
    """``(module path, file)`` for every non-test module of the packages in ``root``.

    The packages are the top-level directories holding an ``__init__.py``
    (``nova/``, ``oslo_messaging/``); docs, tools and ``tests`` directories are
    left out. The order is sorted, so builds are reproducible.
    """
    for package in sorted(root.iterdir()):
        if not (package / "__init__.py").is_file():
            continue
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = sorted(d for d in dirnames if d != "tests")
            for filename in sorted(filenames):
                if filename.endswith(".py"):
                    path = Path(dirpath, filename)
                    yield path.relative_to(root).as_posix(), path


@dataclass
class SourceIndex:
    """The symbols of one release of one project (a repository)."""

    project: str  # repository name: "nova", "oslo.messaging"
    version: str
    modules: dict[str, tuple[Symbol, ...]]
    #: What claims are checked against (see :mod:`.facts`); empty in indexes
    #: built before facts existed, which still load.
    facts: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        project: str,
        version: str,
        root: Path | str,
        support: tuple[Path | str, ...] = (),
    ) -> tuple[SourceIndex, list[str]]:
        """Index the source tree at ``root``, its symbols and facts.

        ``support`` trees lend names to the facts (neutron's policies and
        states are in ``neutron_lib``). Returns the index and one note per
        file that could not be parsed (those files are left out rather than
        failing the whole build).
        """
        # facts reads the tree with iter_modules: imported here, not in a cycle
        from sphinxcontrib_oswsd.sources.facts import extract_facts

        root = Path(root)
        if not root.is_dir():
            raise SourceIndexError(f"{root}: not a directory")
        modules: dict[str, tuple[Symbol, ...]] = {}
        notes: list[str] = []
        for module, path in iter_modules(root):
            try:
                modules[module] = tuple(scan_source(path.read_bytes(), str(path)))
            except (SyntaxError, ValueError) as error:
                notes.append(f"{module}: skipped, cannot parse: {error}")
        if not modules:
            raise SourceIndexError(f"{root}: no Python package found")
        facts, fact_notes = extract_facts(project, root, support)
        skipped = {note.split(":", 1)[0] for note in notes}  # noted once
        notes += [n for n in fact_notes if n.split(":", 1)[0] not in skipped]
        return cls(project, version, modules, facts), notes

    def symbols(self, module: str) -> tuple[Symbol, ...] | None:
        """The symbols of ``module``, or None when the index has no such file."""
        return self.modules.get(module)

    # -- storage --------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "format": FORMAT,
            "project": self.project,
            "version": self.version,
            "modules": {m: encode_symbols(s) for m, s in self.modules.items()},
        }
        if self.facts:
            data["facts"] = self.facts
        return data

    @classmethod
    def from_json(cls, data: object) -> SourceIndex:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SourceIndexError(f"not a symbol index of format {FORMAT}")
        try:
            modules = {
                module: decode_symbols(entries)
                for module, entries in data["modules"].items()
            }
            facts = data.get("facts", {})
            if not isinstance(facts, dict):
                raise TypeError("facts is not an object")
            return cls(str(data["project"]), str(data["version"]), modules, facts)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise SourceIndexError(f"corrupt symbol index: {error!r}") from None

    def save(self, path: Path | str) -> None:
        """Write gzip-compressed JSON, byte-for-byte reproducible."""
        Path(path).write_bytes(dumps_gz(self.to_json()))

    @classmethod
    def load(cls, path: Path | str) -> SourceIndex:
        try:
            data = loads_gz(Path(path).read_bytes())
        except (OSError, EOFError, ValueError) as error:
            raise SourceIndexError(
                f"{path}: cannot read symbol index: {error}"
            ) from None
        try:
            return cls.from_json(data)
        except SourceIndexError as error:
            raise SourceIndexError(f"{path}: {error}") from None


def encode_symbols(symbols: Iterable[Symbol]) -> list[list[object]]:
    """Compact rows ``[name, line step, length, kind code, parent row]``.

    A qualname is stored as its last part plus the row of its parent (``-1``
    at module level), so class names do not repeat on every method; the first
    line is stored as the step from the previous row's and the end line as a
    length: small numbers that compress well.
    """
    rows: list[list[object]] = []
    row_of: dict[str, int] = {}
    previous = 0
    for symbol in symbols:
        parent, _, name = symbol.qualname.rpartition(".")
        code = _KIND_CODES[symbol.kind]
        length = symbol.end_line - symbol.line
        rows.append(
            [name, symbol.line - previous, length, code, row_of.get(parent, -1)]
        )
        row_of.setdefault(symbol.qualname, len(rows) - 1)
        previous = symbol.line
    return rows


def decode_symbols(rows: Iterable[Sequence[Any]]) -> tuple[Symbol, ...]:
    """The inverse of :func:`encode_symbols`."""
    symbols: list[Symbol] = []
    line = 0
    for name, step, length, code, parent in rows:
        line += int(step)
        if parent == -1:
            qualname, nested = str(name), False
        else:
            up = symbols[parent]
            qualname = f"{up.qualname}.{name}"
            nested = up.nested or up.kind == "function"
        kind = _CODE_KINDS[code]
        symbols.append(Symbol(qualname, line, line + int(length), kind, nested))
    return tuple(symbols)


def dumps_gz(data: object) -> bytes:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def loads_gz(blob: bytes) -> object:
    return json.loads(gzip.decompress(blob))

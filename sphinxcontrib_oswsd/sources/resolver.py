"""Turn a source reference comment into the exact line of code it names, and a URL.

``# nova/compute/api.py API.pause()`` -> project ``nova``, repository ``nova``,
version ``34.0.0``, line 4836 (the ``@check_instance_lock`` above ``def pause``)
-> ``https://opendev.org/openstack/nova/src/tag/34.0.0/nova/compute/api.py#L4836``
(``src/branch/...`` or ``src/commit/...`` for a checkout of a branch or a commit).

How a qualname is matched within its file:

1. A qualname naming a definition exactly (``API.pause``, or ``build`` for a
   module-level function) resolves to it. A qualname defined several times
   (a property and its setter, definitions in ``if``/``else`` branches)
   resolves to its first definition.
2. Otherwise it is matched against the ends of the file's qualnames, at dot
   boundaries: ``pause`` matches ``API.pause``, ``Inner.m`` matches
   ``Outer.Inner.m``. One matching qualname resolves. Several are ambiguous
   unless exactly one of them is at module or class level (not a closure
   inside a function): ``_locked`` defined as a method and as a function
   nested in another method resolves to the method.
3. Otherwise the reference does not resolve; the problem names the closest
   existing qualnames.

Indexes are loaded lazily, one project at a time, and kept for the Resolver's
life: a documentation build resolves hundreds of references.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from sphinxcontrib_oswsd.sources.checkout import index_checkout
from sphinxcontrib_oswsd.sources.index import SourceIndex, SourceIndexError, Symbol
from sphinxcontrib_oswsd.sources.projects import bundled_indexes, repository_for
from sphinxcontrib_oswsd.sources.revision import Revision, checkout_revision
from sphinxcontrib_oswsd.wsd.model import SourceRef

DEFAULT_URL_TEMPLATE = (
    "https://opendev.org/openstack/{project}/src/{revision}/{path}#L{line}"
)
#: ``{revision}`` is ``tag/<version>``, ``branch/<version>`` or
#: ``commit/<version>``; ``{version}`` is the bare name.
URL_FIELDS = ("project", "version", "revision", "path", "line")


@dataclass(frozen=True)
class Resolution:
    """What a reference resolved to; ``problem`` says why not when it did not."""

    project: str | None = None  # the path's top-level package: "oslo_messaging"
    repository: str | None = None  # where it lives: "oslo.messaging"
    version: str | None = None  # the version the URL names
    path: str | None = None
    qualname: str | None = None  # the full qualname found: "API.pause"
    line: int | None = None
    end_line: int | None = None
    url: str | None = None
    problem: str | None = None
    candidates: tuple[str, ...] = ()  # ambiguous matches, or the closest names

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_url_template(template: str) -> str:
    """``template`` if it uses only the known fields, else ValueError."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    except ValueError as error:
        raise ValueError(f"bad source URL template {template!r}: {error}") from None
    unknown = sorted(set(fields) - set(URL_FIELDS))
    if unknown:
        known = ", ".join(f"{{{f}}}" for f in URL_FIELDS)
        raise ValueError(
            f"bad source URL template {template!r}: unknown field "
            f"{{{unknown[0]}}}; use {known}"
        )
    return template


class Resolver:
    """Resolve references against the bundled indexes or local checkouts.

    ``versions`` overrides the version put in URLs (a tag, branch or commit:
    see :meth:`Revision.parse`);
    ``source_dirs`` points projects at local checkouts, indexed on first use
    and cached in ``cache_dir`` by file modification time. Both take package
    names (``oslo_messaging``) or repository names (``oslo.messaging``).
    """

    def __init__(
        self,
        versions: Mapping[str, str] | None = None,
        source_dirs: Mapping[str, str | Path] | None = None,
        url_template: str = DEFAULT_URL_TEMPLATE,
        cache_dir: Path | str | None = None,
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self._versions = {
            repository_for(k): Revision.parse(v) for k, v in (versions or {}).items()
        }
        self._dirs = {
            repository_for(k): Path(v) for k, v in (source_dirs or {}).items()
        }
        self._template = check_url_template(url_template)
        self._cache_dir = Path(cache_dir) if cache_dir else None
        #: Told ``(repository, files seen)`` while a source dir is indexed.
        self.progress = progress
        self._indexes: dict[str, SourceIndex | str] = {}  # index, or why none
        self._revisions: dict[str, Revision] = {}  # what each index's URLs name
        #: Files of configured source dirs that could not be parsed.
        self.notes: list[str] = []

    def index(self, repository: str) -> SourceIndex | str:
        """The index of ``repository``, or a message saying why there is none."""
        if repository not in self._indexes:
            self._indexes[repository] = self._load(repository)
        return self._indexes[repository]

    def _load(self, repository: str) -> SourceIndex | str:
        try:
            if repository in self._dirs:
                root = self._dirs[repository]
                revision = self._versions.get(repository) or checkout_revision(root)
                report = self.progress
                index, notes = index_checkout(
                    repository,
                    root,
                    revision.name,
                    self._cache_dir,
                    (lambda seen: report(repository, seen)) if report else None,
                )
                self.notes.extend(notes)
                self._revisions[repository] = revision
                return index
            bundled = bundled_indexes()
            if repository in bundled:
                index = SourceIndex.load(bundled[repository][1])
                self._revisions[repository] = self._versions.get(
                    repository, Revision("tag", index.version)
                )
                return index
        except SourceIndexError as error:
            return str(error)
        names = ", ".join(f"{r} {v}" for r, (v, _) in bundled.items())
        return (
            f"no symbol index for project {repository!r} (bundled: {names}); "
            f"index a checkout of it with oswsd_source_dirs or oswsd check --source"
        )

    def resolve(self, ref: SourceRef) -> Resolution:
        """Where ``ref`` points; a reference that does not resolve gets a
        ``problem`` (and no URL) instead of an exception."""
        if ref.path is None:
            return Resolution(
                qualname=ref.qualname,
                problem=f"reference {ref.qualname}() names no file: "
                f"write '# <path>.py {ref.qualname}()'",
            )
        project = ref.path.split("/", 1)[0]
        repository = repository_for(project)
        found = Resolution(project=project, repository=repository, path=ref.path)
        index = self.index(repository)
        if isinstance(index, str):
            return replace(found, problem=index)
        revision = self._revisions.get(repository, Revision("tag", index.version))
        release = f"{repository} {index.version}"
        found = replace(found, version=revision.name)
        symbols = index.symbols(ref.path)
        if symbols is None:
            close = tuple(difflib.get_close_matches(ref.path, index.modules, 3, 0.7))
            return replace(
                found,
                problem=f"no module {ref.path} in {release}" + _did_you_mean(close),
                candidates=close,
            )
        if ref.qualname is None:
            return replace(found, url=self._url(repository, revision, ref.path, None))
        match = match_symbol(symbols, ref.qualname)
        if match.symbol is None:
            if match.ambiguous:
                listed = ", ".join(f"{c}()" for c in match.ambiguous)
                problem = (
                    f"{ref.qualname}() is ambiguous in {ref.path} ({release}): "
                    f"{listed}; name the one you mean"
                )
            else:
                problem = f"{ref.path} has no {ref.qualname}() in {release}"
                problem += _did_you_mean(tuple(f"{c}()" for c in match.closest))
            candidates = match.ambiguous or match.closest
            return replace(found, problem=problem, candidates=candidates)
        symbol = match.symbol
        return replace(
            found,
            qualname=symbol.qualname,
            line=symbol.line,
            end_line=symbol.end_line,
            url=self._url(repository, revision, ref.path, symbol.line),
        )

    def link(self, ref: SourceRef) -> str | None:
        """The URL of the code ``ref`` names, or None if it does not resolve."""
        return self.resolve(ref).url

    def _url(
        self, repository: str, revision: Revision, path: str, line: int | None
    ) -> str:
        """Fill the template; a file-only link drops the ``#...`` fragment."""
        template = self._template if line is not None else self._template.split("#")[0]
        return template.format(
            project=repository,
            version=quote(revision.name),
            revision=f"{revision.kind}/{quote(revision.name)}",
            path=quote(path),
            line=line,
        )


@dataclass(frozen=True)
class Match:
    """The symbol a qualname names, or why there is none."""

    symbol: Symbol | None
    ambiguous: tuple[str, ...] = ()  # the qualnames it could mean
    closest: tuple[str, ...] = ()  # when it means none: the most similar ones


def match_symbol(symbols: Sequence[Symbol], qualname: str) -> Match:
    """Find ``qualname`` in a file's symbols (the rule is in the module docstring)."""
    exact = [s for s in symbols if s.qualname == qualname]
    if exact:
        return Match(exact[0])
    suffix = "." + qualname
    tails = [s for s in symbols if s.qualname.endswith(suffix)]
    names = _unique(s.qualname for s in tails)
    if len(names) == 1:
        return Match(tails[0])
    top_level = [s for s in tails if not s.nested]
    if len(_unique(s.qualname for s in top_level)) == 1:
        return Match(top_level[0])
    if names:
        return Match(None, ambiguous=names)
    return Match(None, closest=closest_names(qualname, [s.qualname for s in symbols]))


def closest_names(wanted: str, names: Iterable[str], n: int = 3) -> tuple[str, ...]:
    """The names most like ``wanted``, comparing as many trailing dotted parts
    as ``wanted`` has, so ``pause_instanc`` finds ``ComputeAPI.pause_instance``."""
    depth = wanted.count(".") + 1
    by_tail: dict[str, list[str]] = {}
    for name in names:
        by_tail.setdefault(".".join(name.split(".")[-depth:]), []).append(name)
    close = difflib.get_close_matches(wanted, by_tail, n, 0.6)
    return _unique(name for tail in close for name in by_tail[tail])[:n]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _did_you_mean(names: Sequence[str]) -> str:
    return f"; did you mean {', '.join(names)}?" if names else ""

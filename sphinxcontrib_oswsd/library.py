"""Named workflows: the bundled library plus any directories a project adds.

A workflow is a file ``<dir>/<project>/<operation>.wsd`` and is named
``project/operation``. It describes the newest OpenStack series; where an
older series ran a different flow, ``<operation>@<series>.wsd`` beside it
describes that series and the older ones (down to the next older variant).
Its leading comment block gives a one-line summary and fields
(``Aliases:``, ``Removed:``, ``REST:`` ...); its ``title`` line gives the
title. Names are checked before they touch the file system, so a name
can never reach outside its directory.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sphinxcontrib_oswsd.wsd.model import Diagram
from sphinxcontrib_oswsd.wsd.parser import parse

__all__ = [
    "BUNDLED_DIR",
    "InvalidName",
    "Library",
    "RemovedWorkflow",
    "UnknownWorkflow",
    "Unreadable",
    "Workflow",
    "WorkflowError",
]

BUNDLED_DIR = Path(__file__).parent / "workflows"
SUFFIX = ".wsd"

_NAME = re.compile(r"[a-z0-9_-]+/[a-z0-9_-]+")
#: What may be looked up: names, and aliases in the original gallery's
#: spellings (``nova/changePassword``). Neither can hold ``.`` or a second ``/``.
_LOOKUP = re.compile(r"[A-Za-z0-9_-]+/[A-Za-z0-9_-]+")
_FIELD = re.compile(r"#+\s*(?P<key>[A-Z][A-Za-z-]*):\s*(?P<value>.*)")
_TITLE = re.compile(r"(?i)\s*title\s+(?P<title>.+)")


class WorkflowError(Exception):
    """A workflow name that cannot be served; the message says why."""


class InvalidName(WorkflowError):
    pass


class UnknownWorkflow(WorkflowError):
    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown workflow {name!r}{hint}")
        self.name = name
        self.suggestions = list(suggestions)


class RemovedWorkflow(WorkflowError):
    def __init__(self, workflow: Workflow) -> None:
        super().__init__(f"workflow {workflow.name!r} was removed: {workflow.removed}")
        self.workflow = workflow


@dataclass(frozen=True)
class Header:
    """What the leading comment block of a workflow file says."""

    summary: str = ""
    title: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, text: str) -> Header:
        summary: list[str] = []
        fields: dict[str, str] = {}
        title = ""
        in_summary = True
        for line in text.splitlines():
            stripped = line.strip()
            if match := _TITLE.fullmatch(line):
                title = match["title"].strip()
                break
            if not stripped.startswith("#"):
                if stripped:
                    break
                in_summary = False
                continue
            if match := _FIELD.fullmatch(stripped):
                fields[match["key"].lower()] = match["value"].strip()
                in_summary = False
            elif in_summary and (words := stripped.lstrip("#").strip()):
                summary.append(words)
            else:
                in_summary = False
        return cls(" ".join(summary), title.replace("\\n", " "), fields)


@dataclass(frozen=True)
class Unreadable:
    """A workflow file that cannot be read, kept out of listings and alias
    lookups so that it spoils nothing but its own name."""

    name: str
    path: Path
    line: int | None  # where the first bad byte is, when it is an encoding error
    reason: str

    @classmethod
    def of(cls, workflow: Workflow, error: OSError | UnicodeDecodeError) -> Unreadable:
        if isinstance(error, UnicodeDecodeError):
            line = error.object[: error.start].count(b"\n") + 1
            return cls(
                workflow.name,
                workflow.path,
                line,
                f"not UTF-8 text (byte {error.start})",
            )
        return cls(workflow.name, workflow.path, None, error.strerror or str(error))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.reason}"


def variant_series(path: Path | str) -> str:
    """The series a file ``<operation>@<series>.wsd`` is named for; ``""``
    for a workflow's main file."""
    return Path(path).stem.partition("@")[2]


@dataclass(frozen=True)
class Workflow:
    name: str
    path: Path

    @property
    def project(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def operation(self) -> str:
        return self.name.split("/", 1)[1]

    @property
    def label(self) -> str:
        """The name, or for a release variant ``nova/volume-attach@2025.1``."""
        return f"{self.project}/{self.path.stem}"

    @cached_property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def header(self) -> Header:
        return Header.read(self.source)

    @property
    def title(self) -> str:
        return self.header.title or self.name

    @property
    def summary(self) -> str:
        return self.header.summary

    @property
    def aliases(self) -> tuple[str, ...]:
        value = self.header.fields.get("aliases", "")
        return tuple(a.strip() for a in value.split(",") if a.strip())

    @property
    def removed(self) -> str | None:
        """Why and since when the operation is gone, for catalog entries."""
        return self.header.fields.get("removed")

    def parse(self) -> Diagram:
        return parse(self.source)

    @property
    def variants(self) -> list[tuple[str, Workflow]]:
        """The files ``<operation>@<series>.wsd`` beside this one, each with
        its series, oldest first. Series names compare as text (``2025.1``
        < ``2025.2`` < ``2026.1``)."""
        found = [
            (variant_series(path), Workflow(self.name, path))
            for path in self.path.parent.glob(f"{self.operation}@*{SUFFIX}")
        ]
        return sorted(found, key=lambda variant: variant[0])

    def for_release(self, release: str) -> Workflow:
        """The file that describes this workflow in the series ``release``: the
        oldest variant of a series not older than ``release``, else this
        file."""
        later = [w for series, w in self.variants if series >= release]
        return later[0] if later else self


class Library:
    """The workflows of the bundled library and of ``extra_dirs``.

    A directory named later overrides an earlier one, and every extra
    directory overrides the bundled library, so a project can replace a
    bundled workflow with its own.
    """

    def __init__(self, extra_dirs: Iterable[str | Path] = (), *, bundled: bool = True):
        self.dirs = ([BUNDLED_DIR] if bundled else []) + [Path(d) for d in extra_dirs]
        self._unreadable: dict[str, Unreadable] = {}

    @property
    def unreadable(self) -> list[Unreadable]:
        """The files skipped so far by listings and alias lookups, for the
        caller to report; a file is read (and can fail) only once it is needed."""
        return list(self._unreadable.values())

    def _readable(self, workflow: Workflow) -> bool:
        try:
            workflow.header  # noqa: B018 - reads and decodes the file, once
        except (OSError, UnicodeDecodeError) as error:
            self._unreadable[workflow.name] = Unreadable.of(workflow, error)
            return False
        return True

    @cached_property
    def _by_name(self) -> dict[str, Workflow]:
        found: dict[str, Workflow] = {}
        for directory in self.dirs:
            for path in sorted(directory.glob(f"*/*{SUFFIX}")):
                name = f"{path.parent.name}/{path.stem}"
                if _NAME.fullmatch(name):
                    found[name] = Workflow(name, path)
        return dict(sorted(found.items()))

    @cached_property
    def _aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for workflow in self.workflows():
            for alias in workflow.aliases:
                full = alias if "/" in alias else f"{workflow.project}/{alias}"
                aliases.setdefault(full, workflow.name)
        return aliases

    def workflows(self, project: str | None = None) -> list[Workflow]:
        """Every readable workflow, removed catalog entries included, sorted
        by name; unreadable ones go to :attr:`unreadable`."""
        return [
            w
            for w in self._by_name.values()
            if project in (None, w.project) and self._readable(w)
        ]

    def projects(self) -> list[str]:
        return sorted({w.project for w in self._by_name.values()})

    def names(self) -> list[str]:
        return list(self._by_name)

    def find(self, name: str) -> Workflow:
        """The workflow called ``name`` or one of its aliases, even if removed."""
        if not _LOOKUP.fullmatch(name):
            matches = [n for n in self._by_name if n.endswith(f"/{name}")]
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            raise InvalidName(
                f"invalid workflow name {name!r}: expected 'project/operation' in "
                f"letters, digits, '-' and '_'{hint}"
            )
        if name in self._by_name:
            return self._by_name[name]
        if name in self._aliases:
            return self._by_name[self._aliases[name]]
        known = list(self._by_name) + list(self._aliases)
        close = [  # names are lower-case: NOVA/PAUSE should find nova/pause
            match
            for spelling in dict.fromkeys((name.lower(), name))
            for match in difflib.get_close_matches(spelling, known, n=3, cutoff=0.6)
        ]
        suggestions = dict.fromkeys(self._aliases.get(n, n) for n in close)
        raise UnknownWorkflow(name, list(suggestions)[:3])

    def get(self, name: str) -> Workflow:
        """The workflow to draw for ``name``; removed entries raise."""
        workflow = self.find(name)
        if workflow.removed is not None:
            raise RemovedWorkflow(workflow)
        return workflow

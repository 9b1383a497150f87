"""Drift: what a workflow states that does not hold in an older (or other) release.

The library is written against the newest series. Checked against another
series' indexes, a reference whose function was renamed, moved or not yet
written no longer resolves, and a claim (an RPC method's cast, a policy
default, a state value) may be refuted by that release's facts. Those are the
workflow's drift in that release, located at the workflow's lines; a workflow
*holds* in a series when it has none.

Sphinx-free: ``oswsd check --release``, ``oswsd list`` and the directive share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sphinxcontrib_oswsd.check import Problem, check_workflow
from sphinxcontrib_oswsd.claims import ClaimChecker, claims_of
from sphinxcontrib_oswsd.library import Workflow
from sphinxcontrib_oswsd.sources import SERIES, Resolver
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse


@dataclass(frozen=True)
class Drift:
    """One workflow checked against one series."""

    workflow: str
    file: str
    release: str
    problems: tuple[Problem, ...]

    @property
    def holds(self) -> bool:
        return not self.problems

    @property
    def lines(self) -> frozenset[int]:
        """The workflow lines (references and claims) that drifted."""
        return frozenset(p.line for p in self.problems)


def drift(workflow: str, file: str, source: str, resolver: Resolver) -> Drift:
    """The references that do not resolve and the claims refuted in the
    release ``resolver`` reads; a claim with no facts to check is not drift."""
    problems = list(check_workflow(workflow, file, source, resolver).problems)
    try:
        diagram = parse(source)
    except WSDSyntaxError:
        diagram = None  # check_workflow reported it
    if diagram is not None:
        named = "/" in workflow and not workflow.endswith(".wsd")
        checker = ClaimChecker(resolver, workflow if named else None)
        for claim in claims_of(diagram):
            verdict = checker.verify(claim)
            if verdict.checked and verdict.problem:
                problems.append(Problem(file, claim.line, verdict.problem, workflow))
    problems.sort(key=lambda p: p.line)
    return Drift(workflow, file, resolver.release, tuple(problems))


@cache
def release_resolver(release: str) -> Resolver:
    """A resolver of the bundled indexes of ``release``, shared by all callers
    (an index is loaded once per process)."""
    return Resolver(release=release)


def holding_releases(workflow: Workflow, releases: Iterable[str] = SERIES) -> list[str]:
    """The series, oldest first, in which ``workflow`` (or its variant for
    the series) has no drift."""
    held = []
    for release in releases:
        chosen = workflow.for_release(release)
        found = drift(
            chosen.name, str(chosen.path), chosen.source, release_resolver(release)
        )
        if found.holds:
            held.append(release)
    return held


def matrix_table(table: dict[str, dict[str, Drift]]) -> str:
    """The matrix as text: ``ok`` or the number of drifted lines, and a last
    row counting the workflows that hold in each series."""
    releases = list(next(iter(table.values()), {}))
    width = max([len(name) for name in table] + [len("workflows holding")])
    header = f"{'workflow':<{width}}" + "".join(f"  {r:>7}" for r in releases)
    rows = [header]
    for name, row in table.items():
        cells = ("ok" if d.holds else f"{len(d.lines)} x" for d in row.values())
        rows.append(f"{name:<{width}}" + "".join(f"  {c:>7}" for c in cells))
    totals = (sum(table[n][r].holds for n in table) for r in releases)
    rows.append(
        f"{'workflows holding':<{width}}" + "".join(f"  {t:>7}" for t in totals)
    )
    return "\n".join(rows)

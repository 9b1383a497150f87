"""The ``oswsd`` command: browse, check and render the workflow library.

Every command reports problems as one line each on stderr, ``file:line:
message`` where there is a file, and exits 0 on success, 1 when something it
checked failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn
from urllib.parse import urlsplit

from sphinxcontrib_oswsd import __version__
from sphinxcontrib_oswsd.check import Report, check_workflow
from sphinxcontrib_oswsd.drift import Drift, drift, holding_releases, matrix_table
from sphinxcontrib_oswsd.library import (
    BUNDLED_DIR,
    Library,
    Workflow,
    WorkflowError,
    variant_series,
)
from sphinxcontrib_oswsd.sources import (
    DEFAULT_SERIES,
    SERIES,
    Resolver,
    SourceIndex,
    SourceIndexError,
)
from sphinxcontrib_oswsd.sources.projects import index_filename, repository_for
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

if TYPE_CHECKING:
    from sphinxcontrib_oswsd.render.batch import RenderRequest, RenderResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage: reported on one line, exit status 2."""


def _error(message: str) -> None:
    print(f"oswsd: {message}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """Reports bad usage on one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _number(
    kind: type[int] | type[float], minimum: float, *, exclusive: bool = False
) -> Callable[[str], float]:
    """An argparse type: a finite ``kind`` at least, or with ``exclusive``
    above, ``minimum`` (a zero timeout or negative retries fail late and
    obscurely, and ``--days -1`` would prune the whole cache)."""
    bound = f"{'>' if exclusive else '>='} {minimum:g}"
    what = "a whole number" if kind is int else "a number"

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        in_range = value > minimum if exclusive else value >= minimum
        if not (in_range and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, not {text!r}")
        return value

    return convert


def _directory(text: str) -> Path:
    """An argparse type: an existing directory."""
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a directory")
    return Path(text)


def _cache_directory(text: str) -> Path:
    """An argparse type: a directory, or where one will be made; not a file."""
    return _directory(text) if Path(text).exists() else Path(text)


def _http_url(text: str) -> str:
    """An argparse type: an http or https URL with a host."""
    try:
        parts = urlsplit(text)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and parts.port != 0  # reading the port checks it
    except ValueError:  # a port that is no number or out of range, a bad IPv6
        valid = False
    if not valid:
        raise argparse.ArgumentTypeError(f"{text}: not an http or https URL")
    return text


#: A package or repository name (nova, os-vif, oslo.messaging): it becomes
#: part of a file name, so it can hold no path separator and not start a
#: hidden or parent-directory name.
_PROJECT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def _project_name(text: str) -> str:
    """An argparse type: a package or repository name."""
    if not _PROJECT.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a package or repository name "
            "(letters, digits, '.', '_' and '-')"
        )
    return text


def _library(args: argparse.Namespace) -> Library:
    return Library(getattr(args, "workflow_dir", None) or ())


class Target(NamedTuple):
    """A diagram named on the command line: a library workflow or a file."""

    name: str  # "nova/pause", or the file's path
    path: str  # where its lines are, for messages
    source: str
    title: str | None
    stem: str  # the default output file name
    workflow: Workflow | None = None  # for a library workflow

    def for_release(self, release: str) -> Target:
        """This target as the series ``release`` has it (a library
        workflow's variant for that series, if it has one)."""
        if self.workflow is None:
            return self
        return _workflow_target(self.workflow.for_release(release))


def _target(library: Library, target: str, *, removed: bool = False) -> Target:
    """The file or workflow ``target``; a removed workflow only if ``removed``
    (its source says why it was removed, but there is nothing to draw)."""
    if target.endswith(".wsd") or Path(target).is_file():
        path = Path(target)
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{target}: cannot read: {exc}") from exc
        return Target(str(path), str(path), source, None, path.stem)
    try:
        find = library.find if removed else library.get
        return _workflow_target(find(target))
    except WorkflowError as exc:
        raise UsageError(str(exc)) from exc


def _workflow_target(workflow: Workflow) -> Target:
    return Target(
        workflow.name,
        _display_path(workflow),
        workflow.source,
        workflow.title,
        workflow.operation,
        workflow,
    )


def _display_path(workflow: Workflow) -> str:
    """A short path for messages: ``nova/pause.wsd`` for the bundled library
    (not a site-packages path), else relative to the working directory if
    possible."""
    path = workflow.path.resolve()
    if path.is_relative_to(BUNDLED_DIR.resolve()):
        return f"{workflow.label}.wsd"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(workflow.path)


def _report_unreadable(library: Library) -> bool:
    """Say which workflow files were skipped; true if there were any."""
    for problem in library.unreadable:
        print(f"{problem}: skipped", file=sys.stderr)
    return bool(library.unreadable)
    return bool(library.unreadable)


def _cmd_list(args: argparse.Namespace) -> int:
    library = _library(args)
    workflows = library.workflows(args.project)
    _report_unreadable(library)
    if not workflows:
        projects = ", ".join(library.projects())
        _error(f"no workflows for project {args.project!r} (projects: {projects})")
        return EXIT_FAILED
    if args.json:
        entries = [
            {
                "name": w.name,
                "project": w.project,
                "operation": w.operation,
                "title": w.title,
                "summary": w.summary,
                "aliases": list(w.aliases),
                "removed": w.removed,
                "path": str(w.path),
                "releases": [] if w.removed else holding_releases(w),
            }
            for w in workflows
        ]
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max((len(w.name) for w in workflows), default=0)
    for w in workflows:
        title = f"(removed) {w.title}" if w.removed else w.title
        print(f"{w.name:<{width}}  {title}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    target = _target(_library(args), args.name, removed=True)
    if args.release:
        target = target.for_release(args.release)
        print(f"oswsd: {target.name} in {args.release}: {target.path}", file=sys.stderr)
    sys.stdout.write(target.source)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    library = _library(args)
    status = EXIT_OK
    for target in args.targets:
        path, source = _target(library, target)[1:3]
        try:
            diagram = parse(source)
        except WSDSyntaxError as exc:
            print(f"{path}:{exc.line}: error: {exc.message}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        for warning in diagram.warnings:
            print(f"{path}:{warning.line}: warning: {warning.message}", file=sys.stderr)
        if not args.quiet:
            print(f"{path}: ok ({len(diagram.steps())} steps)")
    return status


def _cmd_convert(args: argparse.Namespace) -> int:
    from sphinxcontrib_oswsd.diag.parser import parse as parse_seqdiag
    from sphinxcontrib_oswsd.wsd.writer import to_wsd

    path = args.file
    try:
        source = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc
    try:
        diagram, infos = parse_seqdiag(source)
    except WSDSyntaxError as exc:
        print(f"{path}:{exc.line}: error: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    for info in infos:
        print(f"{path}:{info.line}: info: {info.message}", file=sys.stderr)
    text = f"# Converted from {Path(path).name} by oswsd convert.\n" + to_wsd(diagram)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _error(f"{args.output}: cannot write: {exc.strerror or exc}")
        return EXIT_FAILED
    print(f"{args.output}: written ({len(diagram.steps())} steps)", file=sys.stderr)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    library = _library(args)
    source_dirs = dict(_source_dir(spec) for spec in args.source or ())
    cache_dir = args.cache_dir
    if source_dirs and cache_dir is None:
        from sphinxcontrib_oswsd.render.cache import default_cache_dir

        cache_dir = default_cache_dir()
    releases = list(SERIES) if args.all_releases else [args.release]
    resolvers = [
        Resolver(
            source_dirs=source_dirs,
            cache_dir=cache_dir,
            progress=_indexing_progress(sys.stderr.isatty()),
            release=release or DEFAULT_SERIES,
        )
        for release in releases
    ]
    for resolver in resolvers:
        for project, directory in source_dirs.items():
            _index_source(resolver, project, directory)
    if args.targets:
        targets = [_target(library, target) for target in args.targets]
    else:
        targets = [_workflow_target(w) for w in library.workflows() if not w.removed]
    unreadable = _report_unreadable(library)
    if args.release or args.all_releases:
        return _check_releases(args, targets, resolvers, unreadable)
    (resolver,) = resolvers
    # (name, path, source, series): a variant is checked against its own series
    checked = [(t.name, t.path, t.source, _variant_series(t.path)) for t in targets]
    if not source_dirs:
        checked += [
            (variant.label, _display_path(variant), variant.source, series)
            for t in targets
            if t.workflow
            for series, variant in t.workflow.variants
        ]
    by_series = {
        series: Resolver(release=series)
        for *_, series in checked
        if series and not source_dirs
    }
    checks = [
        check_workflow(
            name, path, source, by_series.get(series, resolver), strict=args.strict
        )
        for name, path, source, series in checked
    ]
    report = Report(checks)
    for note in resolver.notes:
        print(f"oswsd: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(report.table())
    return EXIT_FAILED if report.problems or unreadable else EXIT_OK


def _variant_series(path: str) -> str | None:
    """The series a file ``<operation>@<series>.wsd`` describes, if it names one."""
    series = variant_series(path)
    return series if series in SERIES else None


def _check_releases(
    args: argparse.Namespace,
    targets: list[Target],
    resolvers: list[Resolver],
    unreadable: bool,
) -> int:
    """Drift: what does not hold in each release asked for. Drift fails the
    run only with ``--strict``; an unreadable file always does."""
    table = {
        t.name: {
            r.release: drift(t.name, v.path, v.source, r)
            for r in resolvers
            if (v := t.for_release(r.release))
        }
        for t in targets
    }
    drifted = any(not d.holds for row in table.values() for d in row.values())
    if args.json:
        print(json.dumps(_drift_json(table), indent=2, ensure_ascii=False))
    elif args.all_releases:
        print(matrix_table(table))
    else:
        for row in table.values():
            (found,) = row.values()
            for problem in found.problems:
                print(problem, file=sys.stderr)
            state = "holds" if found.holds else f"{len(found.lines)} lines drifted"
            print(f"{found.workflow}: {state} in {found.release}")
        holding = sum(next(iter(row.values())).holds for row in table.values())
        print(f"{holding} of {len(table)} workflows hold in {resolvers[0].release}")
    failed = unreadable or (args.strict and drifted)
    return EXIT_FAILED if failed else EXIT_OK


def _drift_json(table: dict[str, dict[str, Drift]]) -> dict[str, object]:
    releases = list(next(iter(table.values()), {}))
    return {
        "releases": releases,
        "holding": {r: sum(row[r].holds for row in table.values()) for r in releases},
        "workflows": {
            name: {
                release: {
                    "holds": found.holds,
                    "problems": [
                        {"file": p.file, "line": p.line, "message": p.message}
                        for p in found.problems
                    ],
                }
                for release, found in row.items()
            }
            for name, row in table.items()
        },
    }


def _indexing_progress(terminal: bool) -> Callable[[str, int], None]:
    """Progress of indexing a source tree, on stderr: a running count on a
    terminal, else one line when it starts (a large tree takes a while)."""

    def report(repository: str, seen: int) -> None:
        if terminal and (seen == 1 or seen % 25 == 0):
            line = f"oswsd: indexing {repository}: {seen} files seen"
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        elif not terminal and seen == 1:
            print(f"oswsd: indexing {repository}...", file=sys.stderr, flush=True)

    return report


def _index_source(resolver: Resolver, project: str, directory: Path) -> None:
    """Index ``directory`` before the checks, saying how long it took."""
    started = time.monotonic()
    index = resolver.index(repository_for(project))
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if isinstance(index, SourceIndex):
        print(
            f"oswsd: indexed {project} in {directory}: {len(index.modules)} modules "
            f"in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )


def _source_dir(spec: str) -> tuple[str, Path]:
    project, sep, directory = spec.partition("=")
    if not (sep and project and directory):
        raise UsageError(f"--source {spec!r}: expected PROJECT=DIR")
    if not Path(directory).is_dir():
        raise UsageError(f"--source {spec!r}: {directory} is not a directory")
    return project, Path(directory)


def _cmd_index_build(args: argparse.Namespace) -> int:
    repository = repository_for(args.project)
    output = args.output
    if output is None:
        output = Path(index_filename(repository, args.version))
        if output.name != str(output):  # it must stay in the working directory
            raise UsageError(
                f"VERSION {args.version!r} cannot be part of a file name; "
                "give -o OUTPUT"
            )
    try:
        index, notes = SourceIndex.build(repository, args.version, args.source_dir)
    except SourceIndexError as exc:
        raise UsageError(str(exc)) from exc
    for note in notes:
        print(f"oswsd: note: {note}", file=sys.stderr)
    try:
        index.save(output)
    except OSError as exc:
        _error(f"{output}: cannot write: {exc}")
        return EXIT_FAILED
    symbols = sum(len(s) for s in index.modules.values())
    print(
        f"{output}: {repository} {args.version}, {len(index.modules)} modules, "
        f"{symbols} symbols, {output.stat().st_size} bytes"
    )
    return EXIT_OK


def _render_format(args: argparse.Namespace) -> str:
    """The format asked for: ``--format``, else the suffix of the file named
    with ``-o`` (``render``), else PNG from the API, SVG drawn locally."""
    from sphinxcontrib_oswsd.render.local import LOCAL_FORMATS

    output = getattr(args, "output", None)
    suffix = Path(output).suffix[1:] if isinstance(output, str) else ""
    named = suffix if suffix in ("png", "svg", "pdf") else None
    fmt = args.format or named or ("png" if args.renderer == "api" else "svg")
    if args.renderer == "local" and fmt not in LOCAL_FORMATS:
        raise UsageError(f"the local renderer draws svg or pdf, not {fmt}")
    return fmt


def _render(
    args: argparse.Namespace, targets: list[Target]
) -> dict[RenderRequest, RenderResult]:
    """Render the targets in one batch
    with the command-line settings (``requests`` is imported only here: the
    other commands start faster without it)."""
    from sphinxcontrib_oswsd.render.api import api_key_from
    from sphinxcontrib_oswsd.render.batch import (
        RenderOptions,
        RenderRequest,
        render_batch,
    )
    from sphinxcontrib_oswsd.render.theme import DEFAULT_STYLE, can_draw

    fmt = _render_format(args)
    link = Resolver().link
    requests = [
        RenderRequest(
            name=target.name,
            source=target.source,
            renderer=args.renderer,
            format=fmt,
            style=args.style,
            api_url=args.api_url,
            path=target.path,
            link=link,
            title=target.title,
            max_width=args.max_width,
        )
        for target in targets
    ]
    show_progress = sys.stderr.isatty() and len(requests) > 1
    options = RenderOptions(
        cache_dir=args.cache_dir,
        api_key=api_key_from(None),
        timeout=args.timeout,
        retries=args.retries,
        concurrency=args.concurrency,
        offline=args.offline,
        fallback=args.fallback,
        progress=_progress_bar if show_progress else None,
    )
    results = render_batch(requests, options=options)
    drawn_locally = any(
        request.renderer == "local" or result.fell_back
        for request, result in results.items()
    )
    if drawn_locally and not can_draw(args.style):
        print(
            f"oswsd: note: the local renderer cannot draw the {args.style} style;"
            f" drawn in {DEFAULT_STYLE} instead",
            file=sys.stderr,
        )
    return results


def _progress_bar(
    done: int, total: int, request: RenderRequest, result: RenderResult
) -> None:
    filled = 30 * done // total
    bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {request.name}"
    end = "\r\033[K" if done == total else ""
    print(f"\r\033[K{bar}{end}", end="", file=sys.stderr, flush=True)


def _diagnostics(request: RenderRequest, result: RenderResult) -> None:
    """A diagram's cache problem and the service's findings, on stderr."""
    if result.cache_problem:
        print(f"{request.location()}: warning: {result.cache_problem}", file=sys.stderr)
    for line, message in result.errors:
        where = request.location(line)
        print(f"{where}: warning: websequencediagrams: {message}", file=sys.stderr)
    drawn_here = request.renderer == "local" or result.fell_back
    if result.ok and result.format == "pdf" and drawn_here:
        from sphinxcontrib_oswsd.render.pdf import undrawable

        for line, message in undrawable(parse(request.source)):
            print(f"{request.location(line)}: warning: {message}", file=sys.stderr)


def _failure(result: RenderResult) -> str:
    """Why no image was made, with the API's reason if it fell back first."""
    if result.fell_back:  # the API failed, then the local renderer too
        either = "the local renderer could not draw it either"
        return f"{result.fallback_reason}; {either}: {result.error}"
    return str(result.error)


def _save(path: Path, data: bytes) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        _error(f"{path}: cannot write: {exc.strerror or exc}")
        return False
    print(path)
    return True


def _cmd_render(args: argparse.Namespace) -> int:
    """Write the file asked for; a fallback of another format goes next to
    it with its own suffix, only if no such file is there (it was not asked
    for), and the exit status is 1 as the file asked for was not written."""
    target = _target(_library(args), args.target)
    ((request, result),) = _render(args, [target]).items()
    out = _output_file(args.output, f"{target.stem}.{request.format}")
    _diagnostics(request, result)
    if result.error:
        print(_failure(result), file=sys.stderr)
        return EXIT_FAILED
    written = out.with_suffix(f".{result.format}")
    reason = result.fallback_reason
    if written != out and written.exists():
        print(
            f"{reason}; the local drawing was not written: {written} exists and "
            f"is not the file asked for ({out})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if not _save(written, result.data):
        return EXIT_FAILED
    if result.fell_back:
        instead = f" instead of {out}" if written != out else ""
        drawn = f"drawn by the local renderer as {written}{instead}"
        print(f"{reason}; {drawn}", file=sys.stderr)
    return EXIT_OK if written == out else EXIT_FAILED


def _output_file(output: str | None, name: str) -> Path:
    """Where ``render`` writes: ``-o OUTPUT``, or ``name`` in the working
    directory or in OUTPUT if that is a directory (or ends with a slash)."""
    if output is None:
        return Path(name)
    if output.endswith(("/", os.sep)) or Path(output).is_dir():
        return Path(output) / name
    return Path(output)


def _cmd_render_all(args: argparse.Namespace) -> int:
    started = time.monotonic()
    library = _library(args)
    workflows = {w.name: w for w in library.workflows() if w.removed is None}
    unreadable = _report_unreadable(library)
    results = _render(args, [_workflow_target(w) for w in workflows.values()])
    written = 0
    causes: dict[str, list[str]] = {}  # one line per cause, however many share it
    for request, result in results.items():
        workflow = workflows[request.name]
        out = args.output / workflow.project / f"{workflow.operation}.{result.format}"
        _diagnostics(request, result)
        cause = _failure(result) if result.error else None
        if result.ok and result.fell_back:
            cause = f"{result.fallback_reason}; drawn by the local renderer instead"
        if cause:
            where = request.location()
            causes.setdefault(cause.removeprefix(f"{where}: "), []).append(where)
        if result.ok:
            written += _save(out, result.data)
    for cause, where in causes.items():
        more = f" (and {len(where) - 1} more diagrams)" if where[1:] else ""
        print(f"{where[0]}: {cause}{more}", file=sys.stderr)
    cached = sum(r.cached for r in results.values())
    fell_back = sum(r.fell_back and r.ok for r in results.values())
    how = "rendered by the API" if args.renderer == "api" else "drawn locally"
    counts = {
        "from the cache": cached,
        how: written - cached - fell_back,
        "drawn locally after an API failure": fell_back,
        "failed": len(results) - written,
    }
    summary = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
    print(
        f"{written} of {len(results)} diagrams written to {args.output} "
        f"in {time.monotonic() - started:.1f} s: {summary or 'nothing to do'}",
        file=sys.stderr,
    )
    return EXIT_OK if written == len(results) and not unreadable else EXIT_FAILED


def _cmd_cache(args: argparse.Namespace) -> int:
    from sphinxcontrib_oswsd.render.cache import Cache

    cache = Cache(args.cache_dir)
    if args.action == "prune":
        removed = cache.prune(args.days)
        unused = f"unused for {args.days:g} days"
        print(f"{cache.directory}: removed {removed} entries {unused}")
    elif args.action == "clear":
        print(f"{cache.directory}: removed {cache.clear()} entries")
    else:
        info = cache.info()
        print(f"directory: {info.directory}")
        print(f"entries:   {info.entries} ({info.size / 1024:.1f} KiB)")
        if info.oldest_use and info.newest_use:
            oldest, newest = (
                time.strftime("%Y-%m-%d", time.localtime(stamp))
                for stamp in (info.oldest_use, info.newest_use)
            )
            print(f"last used: {oldest} (oldest entry) to {newest}")
        if info.partial:
            partial = f"{info.partial} interrupted writes ('prune' removes them)"
            print(f"partial:   {partial}")
        if info.writing:
            print(f"writing:   {info.writing} entries by running processes")
    return EXIT_OK


def _add_render_options(parser: argparse.ArgumentParser) -> None:
    from sphinxcontrib_oswsd.render.api import DEFAULT_API_URL, DEFAULT_STYLE, STYLES

    parser.add_argument(
        "--renderer",
        choices=("api", "local"),
        default="api",
        help="websequencediagrams.com (default, through the cache) or the "
        "offline renderer",
    )
    parser.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        help="default: png from the API, svg from the local renderer; svg and pdf "
        "from the API need a key in $OSWSD_API_KEY",
    )
    parser.add_argument("--style", choices=STYLES, default=DEFAULT_STYLE)
    parser.add_argument(
        "--max-width",
        type=_number(float, 1),
        metavar="PX",
        help="the local renderer's width budget: wrap labels and set participants "
        "closer to fit (px in SVG, pt in PDF); default: the natural width",
    )
    parser.add_argument(
        "--api-url", type=_http_url, default=DEFAULT_API_URL, metavar="URL"
    )
    _add_cache_dir(parser)
    parser.add_argument(
        "--offline",
        action="store_true",
        help="never touch the network: the cache, else the fallback",
    )
    parser.add_argument(
        "--fallback",
        choices=("local", "error"),
        default="local",
        help="when the API fails: draw locally (SVG, or PDF for --format pdf; "
        "the default) or fail",
    )
    parser.add_argument(
        "--timeout",
        type=_number(float, 0, exclusive=True),
        default=10.0,
        metavar="SECONDS",
    )
    parser.add_argument("--retries", type=_number(int, 0), default=2, metavar="N")
    parser.add_argument(
        "--concurrency",
        type=_number(int, 1),
        default=4,
        metavar="N",
        help="API requests at once",
    )
    _add_workflow_dir(parser)


def _add_cache_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        type=_cache_directory,
        metavar="DIR",
        help="the image cache; default: $XDG_CACHE_HOME/sphinxcontrib-oswsd "
        "or ~/.cache/sphinxcontrib-oswsd",
    )


def _add_workflow_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workflow-dir",
        action="append",
        type=_directory,
        metavar="DIR",
        help="another directory of <project>/<operation>.wsd files (repeatable)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oswsd", description="OpenStack workflow sequence diagrams.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    list_ = commands.add_parser("list", help="list the workflows")
    list_.add_argument(
        "--project",
        help="only this project's workflows; exit status 1 if it has none",
    )
    list_.add_argument("--json", action="store_true", help="print JSON")
    _add_workflow_dir(list_)
    list_.set_defaults(func=_cmd_list)

    show = commands.add_parser(
        "show", help="print a workflow's source (also of a removed one)"
    )
    show.add_argument("name", help="workflow name (nova/pause) or .wsd file")
    show.add_argument(
        "--release",
        choices=tuple(SERIES),
        metavar="SERIES",
        help="the file describing that OpenStack series (its variant, if any); "
        "which file it is goes to stderr",
    )
    _add_workflow_dir(show)
    show.set_defaults(func=_cmd_show)

    validate = commands.add_parser("validate", help="parse workflows, report problems")
    validate.add_argument("targets", nargs="+", metavar="NAME|FILE")
    validate.add_argument("-q", "--quiet", action="store_true", help="only problems")
    _add_workflow_dir(validate)
    validate.set_defaults(func=_cmd_validate)

    convert = commands.add_parser(
        "convert", help="write a seqdiag source (.diag) as WSD, for the library"
    )
    convert.add_argument("file", metavar="FILE.diag")
    convert.add_argument(
        "-o", "--output", metavar="OUT.wsd", help="write here (default: stdout)"
    )
    convert.set_defaults(func=_cmd_convert)

    check = commands.add_parser(
        "check", help="check that every source reference names real code"
    )
    check.add_argument(
        "targets",
        nargs="*",
        metavar="NAME|FILE",
        help="workflows to check; default: the whole library (removed ones skipped)",
    )
    check.add_argument(
        "--source",
        action="append",
        metavar="PROJECT=DIR",
        help="check against a local checkout of PROJECT instead of the bundled "
        "index (repeatable)",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="also require a canonical reference above every step and RPC "
        "messages naming real RPC methods",
    )
    check.add_argument("--json", action="store_true", help="print JSON")
    releases = check.add_mutually_exclusive_group()
    releases.add_argument(
        "--release",
        choices=tuple(SERIES),
        metavar="SERIES",
        help="report the drift against this OpenStack series "
        f"({', '.join(SERIES)}): what does not hold in it",
    )
    releases.add_argument(
        "--all-releases",
        action="store_true",
        help="print a workflow x release matrix of the drift",
    )
    check.add_argument(
        "--cache-dir",
        type=_cache_directory,
        help="where indexes of --source dirs are cached",
    )
    _add_workflow_dir(check)
    check.set_defaults(func=_cmd_check)

    index = commands.add_parser("index", help="symbol indexes of source trees")
    index_commands = index.add_subparsers(
        dest="index_command", required=True, metavar="COMMAND"
    )
    build = index_commands.add_parser(
        "build", help="index a source tree (an unpacked sdist or a checkout)"
    )
    build.add_argument(
        "project", type=_project_name, help="project or package name (nova, os-vif)"
    )
    build.add_argument("version", help="the release or branch the tree holds")
    build.add_argument("source_dir", type=Path, help="the tree's root directory")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        help="index file to write; default: ./<project>-<version>.json.gz",
    )
    build.set_defaults(func=_cmd_index_build)

    render = commands.add_parser("render", help="draw one workflow to a file")
    render.add_argument("target", metavar="NAME|FILE", help="nova/pause or a .wsd file")
    render.add_argument(
        "-o",
        "--output",
        help="the file to write, or a directory to write <operation>.<format> in; "
        "default: ./<operation>.<format>",
    )
    _add_render_options(render)
    render.set_defaults(func=_cmd_render)

    render_all = commands.add_parser(
        "render-all", help="draw every workflow to DIR/<project>/<operation>.<format>"
    )
    render_all.add_argument(
        "-o", "--output", type=Path, default=Path("diagrams"), metavar="DIR"
    )
    _add_render_options(render_all)
    render_all.set_defaults(func=_cmd_render_all)

    cache = commands.add_parser("cache", help="inspect or empty the image cache")
    cache.add_argument("action", choices=("info", "prune", "clear"))
    cache.add_argument(
        "--days",
        type=_number(float, 0),
        default=30,
        metavar="N",
        help="prune: remove entries not used for N days (default 30)",
    )
    _add_cache_dir(cache)
    cache.set_defaults(func=_cmd_cache)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK

"""The ``oswsd`` command: browse, check and render the workflow library.

Every command reports problems as one line each on stderr, ``file:line:
message`` where there is a file, and exits 0 on success, 1 when something it
checked failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sphinxcontrib_oswsd import __version__
from sphinxcontrib_oswsd.check import Report, check_workflow
from sphinxcontrib_oswsd.library import Library, Workflow, WorkflowError
from sphinxcontrib_oswsd.sources import Resolver, SourceIndex, SourceIndexError
from sphinxcontrib_oswsd.sources.projects import index_filename, repository_for
from sphinxcontrib_oswsd.wsd.parser import WSDSyntaxError, parse

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage: reported on one line, exit status 2."""


def _error(message: str) -> None:
    print(f"oswsd: {message}", file=sys.stderr)


def _library(args: argparse.Namespace) -> Library:
    return Library(getattr(args, "workflow_dir", None) or ())


def _target(library: Library, target: str) -> tuple[str, str]:
    """The display path and source text of a workflow name or a ``.wsd`` file."""
    if target.endswith(".wsd") or Path(target).is_file():
        path = Path(target)
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{target}: cannot read: {exc}") from exc
    try:
        workflow = library.get(target)
    except WorkflowError as exc:
        raise UsageError(str(exc)) from exc
    return _display_path(workflow), workflow.source


def _display_path(workflow: Workflow) -> str:
    """A short path for messages: relative to the working directory if possible."""
    try:
        return str(workflow.path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(workflow.path)


def _cmd_list(args: argparse.Namespace) -> int:
    library = _library(args)
    workflows = library.workflows(args.project)
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
    _, source = _target(_library(args), args.name)
    sys.stdout.write(source)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    library = _library(args)
    status = EXIT_OK
    for target in args.targets:
        path, source = _target(library, target)
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


def _cmd_check(args: argparse.Namespace) -> int:
    library = _library(args)
    source_dirs = dict(_source_dir(spec) for spec in args.source or ())
    cache_dir = args.cache_dir
    if source_dirs and cache_dir is None:
        from sphinxcontrib_oswsd.render.cache import default_cache_dir

        cache_dir = default_cache_dir()
    resolver = Resolver(source_dirs=source_dirs, cache_dir=cache_dir)
    if args.targets:
        targets = [_check_target(library, target) for target in args.targets]
    else:
        targets = [
            (w.name, _display_path(w), w.source)
            for w in library.workflows()
            if w.removed is None
        ]
    report = Report(
        [check_workflow(*target, resolver, strict=args.strict) for target in targets]
    )
    for note in resolver.notes:
        print(f"oswsd: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        print(report.table())
    return EXIT_FAILED if report.problems else EXIT_OK


def _source_dir(spec: str) -> tuple[str, Path]:
    project, sep, directory = spec.partition("=")
    if not (sep and project and directory):
        raise UsageError(f"--source {spec!r}: expected PROJECT=DIR")
    if not Path(directory).is_dir():
        raise UsageError(f"--source {spec!r}: {directory} is not a directory")
    return project, Path(directory)


def _check_target(library: Library, target: str) -> tuple[str, str, str]:
    """``(workflow name, display path, source)``; a file is named by its path."""
    if target.endswith(".wsd") or Path(target).is_file():
        path, source = _target(library, target)
        return path, path, source
    try:
        workflow = library.get(target)
    except WorkflowError as exc:
        raise UsageError(str(exc)) from exc
    return workflow.name, _display_path(workflow), workflow.source


def _cmd_index_build(args: argparse.Namespace) -> int:
    repository = repository_for(args.project)
    try:
        index, notes = SourceIndex.build(repository, args.version, args.source_dir)
    except SourceIndexError as exc:
        raise UsageError(str(exc)) from exc
    for note in notes:
        print(f"oswsd: note: {note}", file=sys.stderr)
    output = args.output or Path(index_filename(repository, args.version))
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


def _add_workflow_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workflow-dir",
        action="append",
        metavar="DIR",
        help="another directory of <project>/<operation>.wsd files (repeatable)",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oswsd", description="OpenStack workflow sequence diagrams."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    list_ = commands.add_parser("list", help="list the workflows")
    list_.add_argument("--project", help="only this project's workflows")
    list_.add_argument("--json", action="store_true", help="print JSON")
    _add_workflow_dir(list_)
    list_.set_defaults(func=_cmd_list)

    show = commands.add_parser("show", help="print a workflow's source")
    show.add_argument("name", help="workflow name (nova/pause) or .wsd file")
    _add_workflow_dir(show)
    show.set_defaults(func=_cmd_show)

    validate = commands.add_parser("validate", help="parse workflows, report problems")
    validate.add_argument("targets", nargs="+", metavar="NAME|FILE")
    validate.add_argument("-q", "--quiet", action="store_true", help="only problems")
    _add_workflow_dir(validate)
    validate.set_defaults(func=_cmd_validate)

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
    check.add_argument(
        "--cache-dir", type=Path, help="where indexes of --source dirs are cached"
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
    build.add_argument("project", help="project or package name (nova, os-vif)")
    build.add_argument("version", help="the release or branch the tree holds")
    build.add_argument("source_dir", type=Path, help="the tree's root directory")
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        help="index file to write; default: ./<project>-<version>.json.gz",
    )
    build.set_defaults(func=_cmd_index_build)

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

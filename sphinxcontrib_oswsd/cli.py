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
from sphinxcontrib_oswsd.library import Library, Workflow, WorkflowError
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

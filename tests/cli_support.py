"""Running the ``oswsd`` command in-process, as the CLI tests do."""

from __future__ import annotations

from sphinxcontrib_oswsd.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``oswsd *argv``."""
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse found bad usage
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err

"""What an offline run cannot ask a backend for: outputs of referenced stacks and values of ESC environments.

``aiscale plan`` takes them from files (``--stack-outputs ORG/PROJECT/STACK=PLAN.json``,
``--esc-env ENVIRONMENT=FILE``, each repeatable) and every stack run inside :func:`provided` sees them
(:mod:`aiscale.core.engine.stack_references`, :mod:`aiscale.core.esc`). Only the standard library at import: the
options are registered before the command line parses.
"""

import argparse
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def add_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        type=parse_stack_outputs,
        metavar="ORG/PROJECT/STACK=PLAN.json",
        help="outputs of a stack this one references (StackReference), from its recorded `--format json` plan",
    )
    command.add_argument(
        "--esc-env",
        action="append",
        default=[],
        type=parse_esc_env,
        metavar="ENVIRONMENT=FILE",
        help="values of an ESC environment the stack imports, from `esc env open ENVIRONMENT --format json`",
    )


def parse_stack_outputs(spec: str) -> tuple[str, Path]:
    """``ORG/PROJECT/STACK=plan.json`` → (stack name, file)."""
    stack, _, path = spec.partition("=")
    if not path or stack.count("/") != 2 or not all(stack.split("/")):
        raise argparse.ArgumentTypeError(f"{spec!r}: expected ORG/PROJECT/STACK=PLAN.json")
    return stack, Path(path)


def parse_esc_env(spec: str) -> tuple[str, Path]:
    """``ORG/ENVIRONMENT=env.json`` (or ``PROJECT/ENVIRONMENT``) → (environment, file)."""
    environment, _, path = spec.partition("=")
    if not path or not environment.strip():
        raise argparse.ArgumentTypeError(
            f"{spec!r}: expected ENVIRONMENT=FILE (the output of esc env open ENVIRONMENT --format json)"
        )
    return environment, Path(path)


@contextmanager
def provided(args: argparse.Namespace) -> Iterator[None]:
    """Runs inside see the files given with ``--stack-outputs`` and ``--esc-env`` (checked before they start)."""
    from aiscale.core import esc  # noqa: PLC0415 - heavy modules only once a command runs
    from aiscale.core.engine import stack_references  # noqa: PLC0415

    with (
        stack_references.recorded_outputs(_unique(args.stack_outputs, "--stack-outputs")),
        esc.environment_values(_unique(args.esc_env, "--esc-env")),
    ):
        yield


def _unique(specs: list[tuple[str, Path]], option: str) -> dict[str, Path]:
    from aiscale.core.errors import ProjectError  # noqa: PLC0415

    files: dict[str, Path] = {}
    for name, path in specs:
        if name in files and files[name] != path:
            raise ProjectError(f"{option}: {name} given twice ({files[name]}, {path})")
        files[name] = path
    return files


@contextmanager
def handed_down(variable: str, files: Mapping[str, Path]) -> Iterator[None]:
    """Runs inside find ``files`` (name → file) in the environment variable ``variable``: a run in a child
    process (the offline engine's worker) inherits it."""
    previous = os.environ.get(variable)
    os.environ[variable] = json.dumps({name: str(path) for name, path in files.items()})
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = previous


def handed_files(variable: str) -> dict[str, Path]:
    """The files :func:`handed_down` gave this run through ``variable`` (none outside such a run)."""
    return {name: Path(path) for name, path in json.loads(os.environ.get(variable) or "{}").items()}

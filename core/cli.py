"""The ``aiscale`` command: its arguments, exit codes and error handling.

Exit codes: 0 success; 1 a mandatory policy violation; 2 a user error (bad config, bad project, program error,
bad arguments); 3 an aiscale bug. Errors are one clear message on stderr, never a Python traceback (set
``AISCALE_DEBUG=1`` to see one for an internal error).

This module imports only the standard library, so ``aiscale --help``, ``--version`` and every subcommand's help
answer at once; :func:`main` imports the commands (and with them pulumi and the SDKs) only after the arguments
parse — the one place heavy modules are imported.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from aiscale.core import __version__, offline_inputs
from aiscale.core.outputs import FORMATS, parse_output

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiscale",
        description="Offline previews, policy checks and rollouts for aiscale Pulumi stacks.",
    )
    parser.add_argument("--version", action="version", version=f"aiscale {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan",
        help="offline preview of stacks: what would be deployed, with no cloud credentials",
        description="Run each stack's Pulumi program under the mock engine, once, and write every report asked for "
        "from that run. Several stacks run in one process (the SDKs are imported once), each from a clean state; "
        "the exit code is the worst of them.",
    )
    plan.add_argument(
        "stacks",
        nargs="*",
        metavar="STACK",
        help="stack names (each reads Pulumi.<stack>.yaml from the project's stackConfigDir)",
    )
    plan.add_argument("--all", action="store_true", help="every stack that has a stack file")
    _project_option(plan)
    plan.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        dest="output_format",
        help="format of a plain --output PATH, or of stdout (default table)",
    )
    plan.add_argument(
        "--output",
        type=parse_output,
        action="append",
        default=[],
        metavar="[FORMAT:]PATH",
        help="write a report; repeat for several (json:plan.json --output sarif:plan.sarif); {stack} in PATH "
        "names each stack's file; - is stdout",
    )
    plan.add_argument(
        "--timeout", type=_seconds, default=300.0, help="seconds each stack's program may run (default 300)"
    )
    plan.add_argument(
        "--no-policies", action="store_true", help="skip the policy pack (exit code 1 then never happens)"
    )
    plan.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="the stack's policy config (default: Policy.<stack>.yaml beside Pulumi.<stack>.yaml; {stack} allowed)",
    )
    plan.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="PLAN.json",
        help="for table, json and markdown reports: a previous `--format json` plan (the base branch's) to show "
        "the change against; {stack} allowed",
    )
    plan.add_argument(
        "--keep-aliases",
        action="store_true",
        help="keep resource aliases as a real run would (slower; aliases never matter offline)",
    )
    offline_inputs.add_options(plan)
    plan.add_argument(
        "--watch",
        action="store_true",
        help="plan again whenever the stack file, a policy file or a Python file of the project changes, and "
        "print what changed since the previous run (Ctrl-C stops)",
    )
    policy = commands.add_parser(
        "policy-config",
        help="the --policy-pack-config file of a stack for a real `pulumi preview --policy-pack policies`",
        description="Print the policy pack config of a stack: every policy's enforcement level, thresholds and the "
        "stack's waivers, as the offline plan applies them.",
    )
    policy.add_argument("stack")
    _project_option(policy)
    policy.add_argument("--policy-config", type=Path, default=None, help="the stack's policy config file")
    policy.add_argument("--output", type=Path, default=None, help="write the file instead of printing it (- prints)")

    promote = commands.add_parser(
        "promote",
        help="pin the model version an MLflow alias points at, if it passes the stack's promotion gates",
        description="Resolve models:/NAME@ALIAS through the MLflow registry (MLFLOW_TRACKING_URI, default: "
        ".mlflow/mlflow.db in the project), evaluate the gates of every endpoint promoting NAME, and write the version "
        "and the first rollout step into the stack file. Exit 1 when a gate fails (the file is untouched), 2 on errors.",
    )
    promote.add_argument("stack")
    promote.add_argument("--model", required=True, type=_name("model"), help="registered model name in MLflow")
    promote.add_argument(
        "--alias", default=None, type=_name("alias"), help="alias to resolve (default: the one in promotion.model)"
    )
    promote.add_argument(
        "--endpoint", default=None, type=_name("endpoint"), help="only this endpoint (default: every one of the model)"
    )
    promote.add_argument(
        "--staging-stack", default="staging", help="stack whose live versions the prod gate checks (default staging)"
    )
    promote.add_argument("--dry-run", action="store_true", help="evaluate and show the diff; write nothing")
    _project_option(promote)

    rollout = commands.add_parser(
        "rollout",
        help="analyse the candidate at its current traffic step, then promote a step, hold or roll back",
        description="Query the candidate's and stable's latency and error rate for the analysis window (Azure: Log "
        "Analytics; Google Cloud: Cloud Monitoring), decide, and write the traffic into the stack file. Exit 0 on "
        "promote, hold or nothing to do; 1 on rollback; 2 on errors.",
    )
    rollout.add_argument("stack")
    rollout.add_argument("--endpoint", required=True, type=_name("endpoint"))
    rollout.add_argument("--cloud", choices=("azure", "gcp"), default=None, help="when both clouds have the endpoint")
    rollout.add_argument("--dry-run", action="store_true", help="decide and show the diff; write nothing")
    rollout.add_argument("--apply", action="store_true", help="then run `pulumi up` (needs the Pulumi CLI)")
    _project_option(rollout)
    graph = commands.add_parser(
        "graph",
        help="a picture of a stack: its components and their dependencies (SVG with Graphviz, DOT or Mermaid)",
        description="Draw the stack from an offline run: components as nodes with the dependencies between them, "
        "grouped by cloud (--detail resources: every resource, as the tree it is). The format follows the file's "
        "extension: .svg (needs Graphviz `dot`), .dot or .mmd.",
    )
    graph.add_argument("stack")
    _project_option(graph)
    graph.add_argument("--output", type=Path, required=True, metavar="FILE.svg|.dot|.mmd")
    graph.add_argument(
        "--detail",
        choices=("components", "resources"),
        default="components",
        help="what a node is (default: components)",
    )
    graph.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="PLAN.json",
        help="a previous `--format json` plan: highlight what changed against it",
    )
    graph.add_argument("--timeout", type=_seconds, default=300.0, help="seconds the program may run (default 300)")
    return parser


MAX_TIMEOUT_SECONDS = 86_400.0


def _seconds(text: str) -> float:
    """A --timeout: a finite number of seconds above 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # also false for nan
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds above 0 and at most {MAX_TIMEOUT_SECONDS:g}")
    return value


def _name(what: str) -> Callable[[str], str]:
    """A model, alias or endpoint name: letters, digits, ``_ . -``, starting with a letter or digit."""

    def parse(text: str) -> str:
        if not _NAME.fullmatch(text):
            raise argparse.ArgumentTypeError(f"{text[:80]!r} is not a{'n' if what[0] in 'aeiou' else ''} {what} name")
        return text

    return parse


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,254}")


def _project_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--project", type=Path, default=None, help="Pulumi project directory (default: found from here)"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for a watcher that restarts itself
    # The one place the commands (pulumi, the SDKs, the policy pack) are imported: after the arguments parse.
    from aiscale.core import commands
    from aiscale.core.engine.isolation import InternalError
    from aiscale.core.errors import AiscaleError
    from aiscale.core.redaction import redact

    try:
        return commands.run(args)
    except AiscaleError as error:
        # Messages quote what the user wrote; never a value that looks like a credential (aiscale.core.redaction).
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except InternalError as error:
        if os.environ.get("AISCALE_DEBUG"):
            sys.stderr.write(error.child_traceback)
        print(f"internal error: {redact(str(error))} (set AISCALE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as error:  # an aiscale bug: say so, without a traceback unless asked
        if os.environ.get("AISCALE_DEBUG"):
            raise
        print(
            f"internal error: {type(error).__name__}: {redact(str(error))} (set AISCALE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def run() -> None:
    """Console entry point."""
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as error:  # stdout closed or gone: the report did not arrive, whatever the plan said
        print(f"error: cannot write to stdout ({error.strerror or error})", file=sys.stderr)
        code = EXIT_USAGE
    sys.stderr.flush()
    # Skip tearing down thousands of SDK modules: nothing is left to clean up, and it takes a noticeable while.
    os._exit(code)


if __name__ == "__main__":
    run()

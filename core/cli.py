"""The ``aiscale`` command.

Exit codes: 0 success; 1 a mandatory policy violation; 2 a user error (bad config, bad project, program error,
bad arguments). Errors are one clear message on stderr, never a Python traceback (set ``AISCALE_DEBUG=1`` to
see one for an internal error).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from aiscale.core import __version__
from aiscale.core.engine import offline_inputs
from aiscale.core.errors import AiscaleError, ProjectError
from aiscale.core.files import check_output_path, is_stdout, write_atomically, write_report
from aiscale.core.redaction import redact

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class Progress:
    """A one-line progress indicator on a terminal, shown only for runs longer than a second."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, label: str, stream: TextIO = sys.stderr, delay: float = 1.0) -> None:
        self.label = label
        self.stream = stream
        self.delay = delay
        self.count = 0
        self.enabled = stream.isatty() and os.environ.get("TERM") != "dumb"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._shown = False

    def update(self, count: int) -> None:
        self.count = count

    def __enter__(self) -> Progress:
        self.started = time.monotonic()
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()
            if self._shown:
                self.stream.write("\r\033[K")
                self.stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        frame = 0
        while not self._stop.is_set():
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"\r{self.FRAMES[frame % len(self.FRAMES)]} {self.label}: {self.count} resources ({elapsed:.0f} s)"
            )
            self.stream.flush()
            self._shown = True
            frame += 1
            self._stop.wait(0.1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiscale",
        description="Offline previews, policy checks and rollouts for aiscale Pulumi stacks.",
    )
    parser.add_argument("--version", action="version", version=f"aiscale {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan",
        help="offline preview of a stack: what would be deployed, with no cloud credentials",
        description="Run the stack's Pulumi program under the mock engine and report every resource it registers.",
    )
    plan.add_argument("stack", help="stack name (reads Pulumi.<stack>.yaml from the project's stackConfigDir)")
    _project_option(plan)
    plan.add_argument(
        "--format", choices=("table", "json", "markdown", "sarif", "junit"), default="table", dest="output_format"
    )
    plan.add_argument(
        "--output", type=Path, default=None, help="write the report to this file instead of stdout (- for stdout)"
    )
    plan.add_argument("--timeout", type=_seconds, default=300.0, help="seconds the program may run (default 300)")
    plan.add_argument(
        "--no-policies", action="store_true", help="skip the policy pack (exit code 1 then never happens)"
    )
    plan.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="the stack's policy config (default: Policy.<stack>.yaml beside Pulumi.<stack>.yaml)",
    )
    plan.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="PLAN.json",
        help="with --format table, json or markdown: a previous `--format json` plan (the base branch's) to show "
        "the change against",
    )
    plan.add_argument(
        "--keep-aliases",
        action="store_true",
        help="keep resource aliases as a real run would (slower; aliases never matter offline)",
    )
    offline_inputs.add_options(plan)
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
    promote.add_argument("--model", required=True, help="registered model name in MLflow")
    promote.add_argument("--alias", default=None, help="alias to resolve (default: the one in promotion.model)")
    promote.add_argument("--endpoint", default=None, help="only this endpoint (default: every endpoint of the model)")
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
    rollout.add_argument("--endpoint", required=True)
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


def _project_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--project", type=Path, default=None, help="Pulumi project directory (default: found from here)"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "plan":
            return _plan(args)
        if args.command == "policy-config":
            return _policy_config(args)
        if args.command == "promote":
            return _promote(args)
        if args.command == "rollout":
            return _rollout(args)
        if args.command == "graph":
            return _graph(args)
    except AiscaleError as error:
        # Messages quote what the user wrote; never a value that looks like a credential (aiscale.core.redaction).
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # an aiscale bug: say so, without a traceback unless asked
        if os.environ.get("AISCALE_DEBUG"):
            raise
        print(
            f"internal error: {type(error).__name__}: {redact(str(error))} (set AISCALE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_USAGE


def _project_dir(given: Path | None) -> Path:
    from aiscale.core.project import find_project_root

    if given is not None:
        return given
    root = find_project_root(Path.cwd())
    if root is None:
        raise ProjectError("no Pulumi.yaml in this directory or above; pass --project DIR")
    return root


def _plan(args: argparse.Namespace) -> int:
    try:
        with offline_inputs.provided(args):
            return _run_plan(args)
    except AiscaleError as error:
        if args.output_format == "markdown":
            # The pull request still gets a comment: it states the error (the exit code stays the error's).
            from aiscale.core.render.markdown import render_failure

            # When the output cannot be written either, the original error is the one to report.
            with contextlib.suppress(AiscaleError):
                comment = render_failure(args.stack, str(error), error.exit_code)
                _write(args.output, comment, "the comment states the error")
        raise


def _run_plan(args: argparse.Namespace) -> int:
    # Imported here so `aiscale --help` stays fast.
    from aiscale.core.engine import run_stack
    from aiscale.core.plan import Plan
    from aiscale.core.render import Style, render

    project_dir = _project_dir(args.project)
    baseline = _baseline(args)  # a bad baseline file fails before the stack runs
    if args.output is not None:
        check_output_path(args.output)  # so does an output path that cannot be written
    with Progress(f"recording stack {args.stack}") as progress:
        run = run_stack(
            project_dir, args.stack, keep_aliases=args.keep_aliases, timeout=args.timeout, on_register=progress.update
        )
    plan = Plan(run)
    if not args.no_policies:
        from aiscale.core.policy_run import PACK_NAME, evaluate

        plan.record_policies(PACK_NAME, evaluate(run, config_file=args.policy_config))
    terminal = args.output is None or is_stdout(args.output)
    style = Style.for_stream(sys.stdout) if terminal else Style()
    _write(args.output, render(plan, args.output_format, baseline, style), f"{len(run.registrations)} resources")
    return plan.exit_code()


def _write(output: Path | None, text: str, what: str) -> None:
    write_report(output or "-", text)
    if output is not None and not is_stdout(output):
        print(f"wrote {output} ({what})", file=sys.stderr)


def _baseline(args: argparse.Namespace) -> dict[str, object] | None:
    from aiscale.core.diff import BaselineError, load_baseline

    if args.baseline is None:
        return None
    if args.output_format not in ("table", "json", "markdown"):
        raise BaselineError("--baseline applies to --format table, json or markdown (it shows the change)")
    return load_baseline(args.baseline)


def _policy_config(args: argparse.Namespace) -> int:
    import json

    from aiscale.core.policy_run import policy_config_for_stack

    if args.output is not None:
        check_output_path(args.output)
    document = policy_config_for_stack(_project_dir(args.project), args.stack, args.policy_config)
    write_report(args.output or "-", json.dumps(document, indent=2) + "\n")
    if args.output is not None and not is_stdout(args.output):
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _promote(args: argparse.Namespace) -> int:
    from aiscale.core.delivery.promote import promote, render
    from aiscale.core.delivery.registry import Registry, tracking_uri

    project_dir = _project_dir(args.project)
    report = promote(
        project_dir,
        args.stack,
        args.model,
        registry=Registry(tracking_uri(project_dir)),
        alias=args.alias,
        endpoint=args.endpoint,
        staging_stack=args.staging_stack,
        dry_run=args.dry_run,
    )
    sys.stdout.write(render(report))
    return report.exit_code


def _rollout(args: argparse.Namespace) -> int:
    from aiscale.core.delivery.rollout import apply, render, rollout

    project_dir = _project_dir(args.project)
    report = rollout(project_dir, args.stack, args.endpoint, cloud=args.cloud, dry_run=args.dry_run)
    sys.stdout.write(render(report))
    sys.stdout.flush()
    if args.apply and report.written:
        apply(project_dir, args.stack)
    return report.exit_code


def _graph(args: argparse.Namespace) -> int:
    from aiscale.core.diff import load_baseline
    from aiscale.core.render.graph import GraphError, graph_of, graphviz, render_graph

    suffix = args.output.suffix.lower()
    if suffix not in (".svg", ".dot", ".mmd"):
        raise GraphError(f"--output {args.output}: the extension chooses the format: .svg, .dot or .mmd")
    dot_command = graphviz() if suffix == ".svg" else None  # checked before the stack runs
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    check_output_path(args.output)
    from aiscale.core.engine import run_stack

    with Progress(f"recording stack {args.stack}") as progress:
        run = run_stack(_project_dir(args.project), args.stack, timeout=args.timeout, on_register=progress.update)
    changed: set[str] = set()
    if baseline is not None:
        from aiscale.core.diff import diff_plans
        from aiscale.core.plan import Plan

        changes = diff_plans(baseline, Plan(run).to_json())
        changed = {c.urn for c in changes.resources.changes} | set(changes.components)
    graph = graph_of(run.registrations, args.detail, changed)
    write_atomically(args.output, render_graph(graph, f"{run.project.name}-{run.stack}", suffix, dot_command))
    print(f"wrote {args.output} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)", file=sys.stderr)
    return EXIT_OK


def run() -> None:
    """Console entry point."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # A program that hung leaves a worker thread behind; do not wait for it at interpreter exit.
    os._exit(code)


if __name__ == "__main__":
    run()

"""What each ``aiscale`` command does, once its arguments have parsed (``aiscale.core.cli``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aiscale.core import offline_inputs
from aiscale.core.diff import BaselineError, load_baseline
from aiscale.core.engine.isolation import InternalError
from aiscale.core.errors import AiscaleError, ProjectError
from aiscale.core.files import check_output_path, is_stdout, write_report
from aiscale.core.outputs import STACK_PLACEHOLDER, Output, OutputsError, outputs_for
from aiscale.core.planner import Planner, PlanOptions, StackReport
from aiscale.core.policy_pack import installed_pack
from aiscale.core.progress import ProgressLine
from aiscale.core.project import PulumiProject, find_project_root, load_project
from aiscale.core.redaction import redact

EXIT_INTERNAL = 3


class UsageError(AiscaleError):
    """Arguments that cannot work together."""


def run(args: argparse.Namespace) -> int:
    command = {
        "plan": plan,
        "policy-config": policy_config,
        "promote": promote,
        "rollout": rollout,
        "graph": graph,
    }[args.command]
    return command(args)


def project_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    root = find_project_root(Path.cwd())
    if root is None:
        raise ProjectError("no Pulumi.yaml in this directory or above; pass --project DIR")
    return root


# --- plan ---------------------------------------------------------------------------------------------------------


def plan(args: argparse.Namespace) -> int:
    with offline_inputs.provided(args):
        return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    project = load_project(project_dir(args.project))
    stacks = _stacks(project, args.stacks, args.all)
    try:
        outputs = outputs_for(args.output, stacks, args.output_format)
    except OutputsError as error:
        raise UsageError(str(error)) from None
    for output in (o for stack_outputs in outputs.values() for o in stack_outputs if not o.to_stdout):
        check_output_path(output.path)  # a path that cannot be written fails before any run
    baselines = {stack: _baseline(args.baseline, stack, outputs[stack]) for stack in stacks}  # so does a baseline
    options = PlanOptions(
        policies=not args.no_policies,
        policy_config=str(args.policy_config) if args.policy_config else None,
        keep_aliases=args.keep_aliases,
        timeout=args.timeout,
    )
    if args.watch:
        from aiscale.core.watch import watch  # noqa: PLC0415 - only for --watch

        return watch(project, stacks, outputs, baselines, options, args.argv)
    planner = Planner(project, options, warm=len(stacks) > 1)
    worst = 0
    for index, stack in enumerate(stacks, start=1):
        label = f"[{index}/{len(stacks)}] {stack}" if len(stacks) > 1 else stack
        worst = max(
            worst, plan_and_write(planner, stack, outputs[stack], baselines[stack], label, several=len(stacks) > 1)
        )
    return worst


def plan_and_write(
    planner: Planner,
    stack: str,
    outputs: Sequence[Output],
    baseline: Mapping[str, Any] | None,
    label: str,
    *,
    several: bool,
) -> int:
    """Plan one stack and write its reports; an error is printed (named by stack when there are several)."""
    prefix = f"stack {stack}: " if several else ""
    try:
        report = planner.plan(stack, outputs, baseline, label=label)
        write_reports(report, outputs)
    except AiscaleError as error:
        write_failure_comments(stack, error, outputs)
        if not several:
            raise
        print(f"error: {prefix}{redact(str(error))}", file=sys.stderr)
        return error.exit_code
    except InternalError as error:
        if not several:
            raise
        print(f"internal error: {prefix}{error} (set AISCALE_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL
    return report.exit_code


def write_reports(report: StackReport, outputs: Sequence[Output], *, stdout: bool = True) -> None:
    """The reports to their files (and to stdout, unless ``stdout`` is False)."""
    for output, text in zip(outputs, report.texts, strict=True):
        if output.to_stdout:
            if stdout:
                write_stdout(text)
        else:
            write_report(output.path, text)
            print(f"wrote {output.path} ({report.counted})", file=sys.stderr)


def write_failure_comments(stack: str, error: AiscaleError, outputs: Sequence[Output]) -> None:
    """A failed plan still gets its pull-request comment: markdown reports state the error (exit code unchanged)."""
    from aiscale.core.render.markdown import render_failure  # noqa: PLC0415

    for output in outputs:
        if output.format == "markdown":
            # When the report cannot be written either, the original error is the one to report.
            with contextlib.suppress(AiscaleError):
                write_report(output.path, render_failure(stack, redact(str(error)), error.exit_code))
                if not output.to_stdout:
                    print(f"wrote {output.path} (the comment states the error)", file=sys.stderr)


def write_stdout(text: str) -> None:
    """The report on stdout; a closed or broken stdout is an error, never a silent success."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise UsageError("cannot write the report to stdout (it is closed)")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot write the report to stdout ({reason})") from None


def _stacks(project: PulumiProject, named: Sequence[str], every: bool) -> list[str]:
    if every:
        if named:
            raise UsageError("name stacks or give --all, not both")
        stacks = project.stacks()
        if not stacks:
            raise ProjectError(f"--all: no Pulumi.<stack>.yaml in {project.display_path(project.stack_config_dir)}")
        return stacks
    if not named:
        raise UsageError("name a stack (or several), or give --all for every stack file")
    for stack in named:
        project.check_stack(stack)
    return list(dict.fromkeys(named))


def _baseline(path: Path | None, stack: str, outputs: Sequence[Output]) -> dict[str, Any] | None:
    if path is None:
        return None
    if not any(output.format in ("table", "json", "markdown") for output in outputs):
        raise BaselineError("--baseline applies to --format table, json or markdown (it shows the change)")
    return load_baseline(Path(str(path).replace(STACK_PLACEHOLDER, stack)))


# --- the other commands -------------------------------------------------------------------------------------------


def policy_config(args: argparse.Namespace) -> int:
    output: str | None = None if args.output is None or is_stdout(args.output) else args.output
    if output is not None:
        check_output_path(output)
    directory = project_dir(args.project)
    load_project(directory).check_stack(args.stack)
    document = installed_pack().config_for_stack(
        directory,
        args.stack,
        args.policy_config,
        on_warning=lambda warning: print(f"warning: {warning}", file=sys.stderr),
    )
    text = json.dumps(document, indent=2) + "\n"
    if output is None:
        write_stdout(text)
    else:
        write_report(output, text)
        print(f"wrote {output}", file=sys.stderr)
    return 0


def promote(args: argparse.Namespace) -> int:
    from aiscale.core.delivery.promote import promote as promote_model  # noqa: PLC0415
    from aiscale.core.delivery.promote import render  # noqa: PLC0415
    from aiscale.core.delivery.registry import Registry, tracking_uri  # noqa: PLC0415

    directory = project_dir(args.project)
    report = promote_model(
        directory,
        args.stack,
        args.model,
        registry=Registry(tracking_uri(directory)),
        alias=args.alias,
        endpoint=args.endpoint,
        staging_stack=args.staging_stack,
        dry_run=args.dry_run,
    )
    write_stdout(render(report))
    return report.exit_code


def rollout(args: argparse.Namespace) -> int:
    from aiscale.core.delivery.rollout import apply, render  # noqa: PLC0415
    from aiscale.core.delivery.rollout import rollout as roll_out  # noqa: PLC0415

    directory = project_dir(args.project)
    report = roll_out(directory, args.stack, args.endpoint, cloud=args.cloud, dry_run=args.dry_run)
    write_stdout(render(report))
    if args.apply and report.written:
        apply(directory, args.stack)
    return report.exit_code


def graph(args: argparse.Namespace) -> int:
    from aiscale.core.diff import diff_plans  # noqa: PLC0415
    from aiscale.core.engine import run_stack  # noqa: PLC0415
    from aiscale.core.plan import Plan  # noqa: PLC0415
    from aiscale.core.render.graph import GraphError, graph_of, graphviz, render_graph  # noqa: PLC0415

    suffix = args.output.suffix.lower()
    if suffix not in (".svg", ".dot", ".mmd"):
        raise GraphError(f"--output {args.output}: the extension chooses the format: .svg, .dot or .mmd")
    dot_command = graphviz() if suffix == ".svg" else None  # checked before the stack runs
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    check_output_path(args.output)
    project = load_project(project_dir(args.project))
    project.check_stack(args.stack)
    progress = ProgressLine()
    progress.start(args.stack)
    try:
        run = run_stack(project.root, args.stack, timeout=args.timeout, on_progress=progress.update)
    finally:
        progress.clear()
    changed: set[str] = set()
    if baseline is not None:
        changes = diff_plans(baseline, Plan(run).to_json())
        changed = {c.urn for c in changes.resources.changes} | set(changes.components)
    drawn = graph_of(run.registrations, args.detail, changed)
    write_report(args.output, render_graph(drawn, f"{run.project.name}-{run.stack}", suffix, dot_command))
    print(f"wrote {args.output} ({len(drawn.nodes)} nodes, {len(drawn.edges)} edges)", file=sys.stderr)
    return 0

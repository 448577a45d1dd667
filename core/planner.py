"""Planning stacks: each stack's program runs once, in a child process, and every report is rendered from that run.

The parent (``aiscale plan``) holds the SDKs once imported; each stack's job — read its config, run its program,
evaluate the policy pack, estimate cost, render the reports — runs in a child forked from it
(``aiscale.core.engine.isolation``), so every stack starts from the same clean state and a program that
misbehaves cannot take the command down with it. The parent writes the reports.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiscale.core.engine import isolation, record_stack
from aiscale.core.engine.warm import Warmer
from aiscale.core.outputs import STACK_PLACEHOLDER, Output
from aiscale.core.plan import Plan
from aiscale.core.policy_pack import installed_pack
from aiscale.core.progress import ProgressLine
from aiscale.core.project import PulumiProject
from aiscale.core.render.terminal import Style


@dataclass(frozen=True)
class PlanOptions:
    policies: bool = True
    policy_config: str | None = None
    """The ``--policy-config`` path; ``{stack}`` in it names each stack's file."""
    keep_aliases: bool = False
    timeout: float = 300.0

    def policy_config_for(self, stack: str) -> Path | None:
        return Path(self.policy_config.replace(STACK_PLACEHOLDER, stack)) if self.policy_config else None


@dataclass
class StackReport:
    """What the child sends back: the rendered reports and what the command prints about them."""

    stack: str
    texts: list[str]
    """One per requested output, in order."""
    exit_code: int
    resources: int
    components: int
    seconds: float
    document: dict[str, Any] | None = None
    """The plan JSON document, when asked for (watch mode compares two runs)."""
    changes: str | None = None
    """What changed since a previous plan (the terminal diff), when one was given."""

    @property
    def counted(self) -> str:
        """The counts the table's headline gives."""
        return f"{self.resources} resources in {self.components} components"


class Planner:
    """Plans stacks of one project, one child per stack, warming this process for the next ones."""

    def __init__(
        self,
        project: PulumiProject,
        options: PlanOptions,
        *,
        progress: ProgressLine | None = None,
        warm: bool = False,
        keep_documents: bool = False,
    ) -> None:
        self.project = project
        self.options = options
        self.progress = progress or ProgressLine()
        self.warmer = Warmer(project.program_dir, _PACKAGED_DATA) if warm else None
        self.keep_documents = keep_documents

    def plan(
        self,
        stack: str,
        outputs: Sequence[Output],
        baseline: Mapping[str, Any] | None,
        *,
        label: str | None = None,
        previous: Mapping[str, Any] | None = None,
    ) -> StackReport:
        """``previous``: a plan of the same stack to say what changed since (watch mode)."""
        self.progress.start(label or stack)
        # Decided here, where stdout is the real one (a child's stdout is its stderr).
        terminal = Style.for_stream(sys.stdout) if sys.stdout is not None else Style()
        reports = [(output.format, terminal if output.to_stdout else Style()) for output in outputs]
        job = functools.partial(
            plan_stack,
            self.project,
            stack,
            reports,
            baseline,
            self.options,
            self.keep_documents,
            (previous, terminal) if previous is not None else None,
        )
        try:
            return isolation.run_isolated(
                job,
                stack=stack,
                timeout=self.options.timeout,
                on_progress=self.progress.update,
                idle=self.progress.tick,
                warmer=self.warmer,
            )
        finally:
            self.progress.clear()

    def finish_warming(self) -> None:
        """Import what the children loaded and this process has not yet (before waiting for a change)."""
        if self.warmer is not None:
            self.warmer.finish()

    def idle(self) -> None:
        """Called about every 0.1 s while waiting for a change: fill, a little at a time, what the next child
        would otherwise compute again (``aiscale.core.engine.warm``)."""
        if self.warmer is not None:
            self.warmer.idle()


def _gpu_tables() -> None:
    from aiscale.core import gpu  # noqa: PLC0415

    gpu.azure_gpu_skus()
    gpu.azure_mig_profiles()
    gpu.gcp_gpu_machines()
    gpu.gcp_partition_sizes()


def _price_table() -> None:
    from aiscale.core.cost.estimate import log_ingestion_assumption  # noqa: PLC0415
    from aiscale.core.cost.prices import load_prices  # noqa: PLC0415

    load_prices()
    log_ingestion_assumption()


#: What every plan reads from aiscale's own data files and caches (never a file of the project, which a watch
#: sees change): read once in a watching parent, so that each child finds it read.
_PACKAGED_DATA = (_gpu_tables, _price_table)


def plan_stack(  # noqa: PLR0917 - a job: bound with functools.partial
    project: PulumiProject,
    stack: str,
    reports: Sequence[tuple[str, Style]],
    baseline: Mapping[str, Any] | None,
    options: PlanOptions,
    keep_document: bool,
    since: tuple[Mapping[str, Any], Style] | None = None,
) -> StackReport:
    """One stack's job, run in the child: record, evaluate, estimate, render (each format in its style)."""
    from aiscale.core.render import render  # noqa: PLC0415 - the renderers load the policy pack's metadata

    run = record_stack(project, stack, keep_aliases=options.keep_aliases)
    plan = Plan(run)
    if options.policies:
        isolation.report(isolation.PHASE_POLICIES, resources=len(run.registrations))
        apply_policies(plan, options.policy_config_for(stack))
    isolation.report(isolation.PHASE_COST, resources=len(run.registrations))
    _ = plan.cost
    isolation.report(isolation.PHASE_RENDERING, resources=len(run.registrations))
    texts = [render(plan, output_format, baseline, style) for output_format, style in reports]
    summary = plan.summary()
    return StackReport(
        stack=stack,
        texts=texts,
        exit_code=plan.exit_code(),
        resources=summary["resources"],
        components=summary["components"],
        seconds=run.seconds,
        document=plan.to_json() if keep_document else None,
        changes=render(plan, "table", since[0], since[1]) if since is not None else None,
    )


def apply_policies(plan: Plan, config_file: Path | None) -> None:
    """Evaluate the aiscale policy pack against the plan's run and keep its findings on the plan."""
    pack = installed_pack()
    plan.record_policies(pack.name, pack.evaluate(plan.run, config_file=config_file))

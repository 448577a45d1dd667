"""``aiscale rollout``: measure the candidate at its current step, then promote it a step, hold, or roll back.

The decision is written into the stack file (the traffic split; on completion the stable and candidate roles swap),
printed with the measurements it rests on, and appended to the audit log. ``--apply`` then runs ``pulumi up``
through the Automation API.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiscale.core import rules
from aiscale.core.config import StackConfig
from aiscale.core.delivery import audit, steps
from aiscale.core.delivery.analysis import Decision, Measurement, Sample, decide
from aiscale.core.delivery.endpoints import Cloud, DeliveryError, Endpoint, find_endpoint
from aiscale.core.delivery.metrics import (
    AzureLogsSource,
    GcpMonitoringSource,
    MetricsSource,
    Window,
    azure_endpoint_id,
)
from aiscale.core.delivery.promote import write_traffic
from aiscale.core.delivery.stackfile import StackFile
from aiscale.core.errors import AiscaleError

SourceFor = Callable[[StackConfig, Endpoint], MetricsSource]


@dataclass
class RolloutReport:
    stack_file: str
    endpoint: Endpoint
    stage: steps.Stage
    window: Window | None = None
    decision: Decision | None = None
    transition: steps.Transition | None = None
    diff: str = ""
    written: bool = False

    @property
    def exit_code(self) -> int:
        """0 when the rollout advanced, held or had nothing to do; 1 when it rolled back."""
        return 1 if self.decision is not None and self.decision.action == "rollback" else 0


def default_source(config: StackConfig, target: Endpoint) -> MetricsSource:
    """The metrics backend of the endpoint's cloud, with the credentials of the environment."""
    if target.cloud == "azure":
        assert config.azure is not None and config.azure.ml is not None
        endpoint_id = azure_endpoint_id(
            config.azure.subscription_id, config.azure.resource_group, config.azure.ml.workspace_name, target.name
        )
        return AzureLogsSource.connect(endpoint_id, target.name)
    assert config.gcp is not None
    numeric = rules.vertex_endpoint_id(config.gcp.project, config.gcp.region, target.name)
    return GcpMonitoringSource.connect(project=config.gcp.project, region=config.gcp.region, endpoint_id=numeric)


def rollout(
    project_dir: Path,
    stack: str,
    endpoint: str,
    *,
    cloud: Cloud | None = None,
    source_for: SourceFor = default_source,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RolloutReport:
    with StackFile.editing(project_dir, stack) as stack_file:
        return _rollout(project_dir, stack, stack_file, endpoint, cloud, source_for, now, dry_run=dry_run)


def _rollout(  # noqa: PLR0917 - private; rollout() passes what it was given
    project_dir: Path,
    stack: str,
    stack_file: StackFile,
    endpoint: str,
    cloud: Cloud | None,
    source_for: SourceFor,
    now: datetime | None,
    *,
    dry_run: bool,
) -> RolloutReport:
    target = find_endpoint(stack_file.config, stack_file.display, endpoint, cloud)
    promotion = target.promotion
    stage = steps.stage(promotion, steps.Traffic(target.traffic, target.mirror), stack_file.display)
    report = RolloutReport(stack_file.display, target, stage)
    if stage.index < 0:
        return report

    analysis = promotion.rollout.analysis
    report.window = Window.ending(now or datetime.now(UTC), analysis.interval_minutes, analysis.count)
    samples = source_for(stack_file.config, target).measure([promotion.candidate, promotion.stable], report.window)
    measurements = [
        Measurement(start, samples[promotion.candidate][i], samples[promotion.stable][i])
        for i, start in enumerate(report.window.starts())
    ]
    report.decision = decide(measurements, analysis)
    if report.decision.action == "hold":
        report.transition = None
    elif report.decision.action == "rollback":
        report.transition = steps.rollback(promotion)
    else:
        report.transition = steps.advance(promotion, stage)

    if report.transition is not None:
        write_traffic(stack_file, target, report.transition.traffic)
        if report.transition.swap_roles:
            stack_file.update(
                (*target.path, "promotion"), {"stable": promotion.candidate, "candidate": promotion.stable}
            )
        # The audit record is written before the stack file is replaced: both happen, or neither.
        report.diff, report.written = stack_file.finish(
            dry_run=dry_run, record=lambda failure: _audit(project_dir, stack, report, failure)
        )
    if not dry_run and not report.written:
        _audit(project_dir, stack, report)
    return report


def _sample_json(sample: Sample | None) -> dict[str, object] | None:
    return None if sample is None else {"requests": sample.requests, **sample.values}


def _audit(project_dir: Path, stack: str, report: RolloutReport, failure: str | None = None) -> None:
    target, decision = report.endpoint, report.decision
    assert decision is not None and report.window is not None
    promotion = target.promotion
    audit.append(
        audit.log_path(project_dir, promotion.audit_log),
        {
            "command": "rollout",
            "stack": stack,
            "cloud": target.cloud,
            "endpoint": target.name,
            "model": target.model_name,
            "version": target.pinned_version(promotion.candidate),
            "stable_version": target.pinned_version(promotion.stable),
            "step": report.stage.label,
            "window": {"start": report.window.start.isoformat(), "end": report.window.end.isoformat()},
            "measurements": [
                {
                    "start": j.measurement.start.isoformat(),
                    "verdict": j.verdict,
                    "reason": j.reason,
                    "candidate": _sample_json(j.measurement.candidate),
                    "stable": _sample_json(j.measurement.stable),
                }
                for j in decision.judged
            ],
            "decision": decision.action if failure is None else "not written",
            "reason": decision.reason if failure is None else f"the stack file could not be replaced: {failure}",
            "result": report.transition.label if report.transition else "traffic unchanged",
        },
        project_root=project_dir,
    )


def render(report: RolloutReport) -> str:
    target = report.endpoint
    promotion = target.promotion
    lines = [
        f"rollout of {target.cloud} endpoint {target.name} in {report.stack_file}",
        f"candidate {promotion.candidate} ({_v(target.pinned_version(promotion.candidate))}), "
        f"stable {promotion.stable} ({_v(target.pinned_version(promotion.stable))}); {report.stage.label}",
    ]
    if report.decision is None or report.window is None:
        lines.append("nothing to analyse: no rollout in progress (`aiscale promote` starts one)")
        return "\n".join(lines) + "\n"
    metrics = [m.metric for m in promotion.rollout.analysis.metrics]
    lines.append(f"\nanalysis window {report.window.start:%Y-%m-%d %H:%M} to {report.window.end:%H:%M} UTC")
    header = ["interval", "deployment", "requests", *metrics, "verdict"]
    rows = [header]
    for judged in report.decision.judged:
        m = judged.measurement
        for role, sample in (("candidate", m.candidate), ("stable", m.stable)):
            rows.append(
                [
                    f"{m.start:%H:%M}" if role == "candidate" else "",
                    role,
                    str(sample.requests) if sample else "-",
                    *[_value(sample, name) for name in metrics],
                    f"{judged.verdict}: {judged.reason}" if role == "candidate" else "",
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    decision = report.decision
    lines.append(f"\ndecision: {decision.action.upper()}: {decision.reason}")
    lines.append(f"result: {report.transition.label if report.transition else 'traffic unchanged'}")
    if report.diff:
        state = "written" if report.written else "not written (--dry-run)"
        lines.append(f"\n{report.stack_file} {state}:\n{report.diff.rstrip()}")
    return "\n".join(lines) + "\n"


def _v(version: int | None) -> str:
    return f"v{version}" if version is not None else "no registry version"


def _value(sample: Sample | None, metric: str) -> str:
    value = None if sample is None else sample.values.get(metric)
    return "-" if value is None else f"{value:.4g}"


def apply(project_dir: Path, stack: str, on_output: Callable[[str], None] = print) -> None:
    """``pulumi up`` of the stack through the Automation API, when the Pulumi CLI is installed."""
    if shutil.which("pulumi") is None:
        raise DeliveryError(
            "--apply needs the Pulumi CLI, which is not on PATH: the stack file is updated; "
            f"deploy it with `pulumi up --stack {stack}` (or through the deploy pipeline)"
        )
    from pulumi import automation  # noqa: PLC0415

    try:
        workspace_stack = automation.select_stack(stack_name=stack, work_dir=str(project_dir))
        workspace_stack.up(on_output=on_output)
    except automation.CommandError as error:
        raise AiscaleError(f"pulumi up --stack {stack} failed: {str(error).strip().splitlines()[-1]}") from None

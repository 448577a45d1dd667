"""``aiscale promote``: pin the version an MLflow alias points at, once it passes the environment's gates.

The new version goes into the endpoint's idle ``candidate`` deployment together with the rollout's first traffic
step; the change is a diff of the stack file, reviewed and deployed like any other. A failed gate leaves the file
untouched. Every decision, passed or failed, is appended to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiscale.core.config.delivery import registry_parts
from aiscale.core.delivery import audit, gates, steps
from aiscale.core.delivery.endpoints import DeliveryError, Endpoint, delivery_endpoints
from aiscale.core.delivery.registry import ModelVersionInfo, Registry
from aiscale.core.delivery.stackfile import StackFile
from aiscale.core.errors import ProjectError


@dataclass
class EndpointPromotion:
    endpoint: Endpoint
    version: ModelVersionInfo
    pinned: int | None
    results: list[gates.GateResult] = field(default_factory=list)
    note: str | None = None
    """Why nothing changes on this endpoint although no gate failed (the version already serves there)."""

    @property
    def failed(self) -> list[gates.GateResult]:
        return [result for result in self.results if not result.passed]


@dataclass
class PromotionReport:
    stack_file: str
    model: str
    alias: str
    promotions: list[EndpointPromotion]
    diff: str = ""
    written: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if any(p.failed for p in self.promotions) else 0


def promote(
    project_dir: Path,
    stack: str,
    model: str,
    *,
    registry: Registry,
    alias: str | None = None,
    endpoint: str | None = None,
    staging_stack: str = "staging",
    dry_run: bool = False,
) -> PromotionReport:
    with StackFile.editing(project_dir, stack) as stack_file:
        return _promote(
            project_dir, stack, stack_file, model, registry, alias, endpoint, staging_stack, dry_run=dry_run
        )


def _promote(  # noqa: PLR0917 - private; promote() passes what it was given
    project_dir: Path,
    stack: str,
    stack_file: StackFile,
    model: str,
    registry: Registry,
    alias: str | None,
    endpoint: str | None,
    staging_stack: str,
    *,
    dry_run: bool,
) -> PromotionReport:
    endpoints = [e for e in delivery_endpoints(stack_file.config) if e.model_name == model]
    if endpoint is not None:
        endpoints = [e for e in endpoints if e.name == endpoint]
    if not endpoints:
        raise DeliveryError(
            f"{stack_file.display}: no endpoint{f' {endpoint!r}' if endpoint else ''} promotes model {model!r} "
            "(an endpoint's promotion.model names models:/<model>@<alias>)"
        )
    aliases = {registry_parts(e.promotion.model)[1] for e in endpoints}
    if alias is None and len(aliases) > 1:
        raise DeliveryError(
            f"{stack_file.display}: endpoints of {model} follow aliases {sorted(aliases)}: pass --alias"
        )
    chosen_alias = alias or aliases.pop()
    version = registry.resolve(model, chosen_alias)

    needs_staging = any(e.promotion.gates.serving_in_staging for e in endpoints)
    staging_live = _staging(project_dir, staging_stack) if needs_staging else {}
    report = PromotionReport(stack_file.display, model, chosen_alias, [])
    for target in endpoints:
        report.promotions.append(_check(target, version, registry, staging_live))

    def record(failure: str | None) -> None:
        _audit(project_dir, stack, report, failure)

    if report.exit_code == 0:
        for promotion in report.promotions:
            if promotion.note is None:
                _write(stack_file, promotion.endpoint, model, chosen_alias, version.version)
        # The audit record is written before the stack file is replaced: both happen, or neither.
        report.diff, report.written = stack_file.finish(dry_run=dry_run, record=record)
    if not dry_run and not report.written:
        record(None)
    return report


def _staging(project_dir: Path, staging_stack: str) -> dict[tuple[str, str], set[int]] | None:
    """Live versions per (cloud, endpoint) in the staging stack; None if it cannot be read."""
    try:
        staging = StackFile.load(project_dir, staging_stack).config
    except ProjectError:
        return None
    return {(e.cloud, e.name): e.live_versions() for e in delivery_endpoints(staging)}


def _check(
    target: Endpoint,
    version: ModelVersionInfo,
    registry: Registry,
    staging_live: dict[tuple[str, str], set[int]] | None,
) -> EndpointPromotion:
    promotion = target.promotion
    pinned = target.pinned_version(promotion.stable)
    result = EndpointPromotion(target, version, pinned)
    if version.version in (pinned, target.pinned_version(promotion.candidate)):
        where = promotion.stable if version.version == pinned else promotion.candidate
        result.note = f"v{version.version} is already pinned on {where}: nothing to promote"
        return result
    try:
        stage = steps.stage(promotion, steps.Traffic(target.traffic, target.mirror), target.name)
        slot_problem = None if stage.index < 0 else f"a rollout is in progress ({stage.label}): finish or roll back"
    except DeliveryError as error:
        slot_problem = str(error)
    pinned_info = registry.version(target.model_name, pinned) if pinned is not None else None
    staging = None if staging_live is None else staging_live.get((target.cloud, target.name))
    result.results = gates.evaluate(
        promotion.gates, version, pinned=pinned_info, staging_live=staging, slot_problem=slot_problem
    )
    return result


def _write(stack_file: StackFile, target: Endpoint, model: str, alias: str, version: int) -> None:
    promotion = target.promotion
    pin: dict[str, Any] = {
        "registry": f"models:/{model}@{alias}",
        "version": version,
        "artifact_uri": promotion.artifact_uri(version),
    }
    model_path = target.model_path(promotion.candidate)
    if target.cloud == "azure":
        stack_file.set(model_path, pin)
    else:  # the Vertex model section also holds its serving container: keep it
        stack_file.update(model_path, pin)
    write_traffic(stack_file, target, steps.first_step(promotion).traffic)


def write_traffic(stack_file: StackFile, target: Endpoint, traffic: steps.Traffic) -> None:
    """Write a step's traffic; a deployment without traffic that the file does not list stays unlisted."""
    live = {name: share for name, share in traffic.live.items() if share or name in target.traffic}
    stack_file.update((*target.path, "traffic"), live)
    if target.cloud != "azure":
        return
    roles = (target.promotion.stable, target.promotion.candidate)
    mirror = {name: share for name, share in target.mirror.items() if name not in roles} | traffic.mirror
    path = (*target.path, "mirror_traffic")
    if mirror:
        stack_file.set_after(path, mirror, after="traffic")
    else:
        stack_file.delete(path)


def _audit(project_dir: Path, stack: str, report: PromotionReport, failure: str | None = None) -> None:
    for promotion in report.promotions:
        target = promotion.endpoint
        decision = "unchanged" if promotion.note else ("rejected" if promotion.failed else "promoted")
        if failure is not None:
            if decision != "promoted":
                continue
            decision = "not written"
        audit.append(
            audit.log_path(project_dir, target.promotion.audit_log),
            {
                "command": "promote",
                "stack": stack,
                "cloud": target.cloud,
                "endpoint": target.name,
                "model": report.model,
                "alias": report.alias,
                "version": promotion.version.version,
                "previous_version": promotion.pinned,
                "deployment": target.promotion.candidate,
                "gates": [{"gate": r.gate, "passed": r.passed, "detail": r.detail} for r in promotion.results],
                "decision": decision,
                "reason": (f"the stack file could not be replaced: {failure}" if failure else None)
                or promotion.note
                or ("; ".join(f"{r.gate}: {r.detail}" for r in promotion.failed) or "every gate passed"),
            },
            project_root=project_dir,
        )


def render(report: PromotionReport) -> str:
    lines = [f"promote {report.model}@{report.alias} in {report.stack_file}"]
    for promotion in report.promotions:
        target = promotion.endpoint
        lines.append(
            f"\n{target.cloud} endpoint {target.name}: v{promotion.version.version} "
            f"(stable {target.promotion.stable} pins {_version(promotion.pinned)})"
        )
        if promotion.note:
            lines.append(f"  {promotion.note}")
        for result in promotion.results:
            lines.append(f"  [{'pass' if result.passed else 'FAIL'}] {result.gate}: {result.detail}")
    failed = [r.gate for p in report.promotions for r in p.failed]
    if failed:
        lines.append(
            f"\nnot promoted: {len(failed)} gate(s) failed ({', '.join(failed)}); {report.stack_file} unchanged"
        )
    elif report.diff:
        state = "written" if report.written else "not written (--dry-run)"
        lines.append(f"\n{report.stack_file} {state}:\n{report.diff.rstrip()}")
        lines.append("\nopen a pull request with this change; `pulumi up` deploys it with the first rollout step")
    else:
        lines.append(f"\n{report.stack_file} unchanged")
    return "\n".join(lines) + "\n"


def _version(version: int | None) -> str:
    return f"v{version}" if version is not None else "no registry version"

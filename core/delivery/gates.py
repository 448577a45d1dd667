"""The gates a model version passes before ``aiscale promote`` pins it: every gate is evaluated, so a failed
promotion names all that failed at once."""

from __future__ import annotations

from dataclasses import dataclass

from aiscale.core.config.delivery import PromotionGates
from aiscale.core.delivery.registry import ModelVersionInfo


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    detail: str


def evaluate(
    gates: PromotionGates,
    candidate: ModelVersionInfo,
    *,
    pinned: ModelVersionInfo | None,
    staging_live: set[int] | None,
    slot_problem: str | None,
) -> list[GateResult]:
    """Every gate of ``gates`` on ``candidate``.

    ``pinned``: the version the stable deployment serves (None if it pins none); ``staging_live``: versions that
    take live traffic on the same endpoint in staging (None if staging has no such endpoint); ``slot_problem``:
    why the candidate deployment cannot take a new version now (a rollout in progress), or None.
    """
    results = [GateResult("idle candidate slot", slot_problem is None, slot_problem or "no rollout in progress")]
    for gate in gates.metrics:
        value = candidate.metrics.get(gate.metric)
        name = f"metric {gate.metric}"
        if value is None:
            where = f"run {candidate.run_id}" if candidate.run_id else "the version (it has no run)"
            results.append(GateResult(name, False, f"not logged on {where}"))
            continue
        failed = [
            f"{value:g} < min {gate.min:g}" if gate.min is not None and value < gate.min else "",
            f"{value:g} > max {gate.max:g}" if gate.max is not None and value > gate.max else "",
        ]
        problems = [p for p in failed if p]
        bounds = " and ".join(
            part
            for part in (
                f"≥ {gate.min:g}" if gate.min is not None else "",
                f"≤ {gate.max:g}" if gate.max is not None else "",
            )
            if part
        )
        results.append(GateResult(name, not problems, "; ".join(problems) or f"{value:g} (needs {bounds})"))
    for tag, wanted in sorted(gates.required_tags.items()):
        actual = candidate.tags.get(tag)
        detail = f"{tag}={actual}" if actual is not None else f"{tag} not set"
        results.append(GateResult(f"tag {tag}={wanted}", actual == wanted, detail))
    if gates.primary_metric is not None:
        results.append(_not_worse(gates, candidate, pinned))
    if gates.serving_in_staging:
        if staging_live is None:
            results.append(GateResult("serving in staging", False, "staging has no such endpoint to serve it"))
        else:
            serving = ", ".join(f"v{v}" for v in sorted(staging_live)) or "nothing pinned"
            results.append(
                GateResult("serving in staging", candidate.version in staging_live, f"staging serves {serving} live")
            )
    return results


def _not_worse(gates: PromotionGates, candidate: ModelVersionInfo, pinned: ModelVersionInfo | None) -> GateResult:
    metric = gates.primary_metric
    name = f"{metric} not worse than the pinned version"
    value = candidate.metrics.get(metric or "")
    if value is None:
        return GateResult(name, False, f"v{candidate.version} has no {metric}")
    if pinned is None:
        return GateResult(name, True, f"{value:g}; nothing pinned to compare with")
    before = pinned.metrics.get(metric or "")
    if before is None:
        return GateResult(name, True, f"{value:g}; pinned v{pinned.version} has no {metric} to compare with")
    better = value >= before if gates.higher_is_better else value <= before
    relation = "≥" if gates.higher_is_better else "≤"
    verdict = relation if better else ("<" if gates.higher_is_better else ">")
    return GateResult(name, better, f"v{candidate.version} {value:g} {verdict} v{pinned.version} {before:g}")

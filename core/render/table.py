"""Terminal rendering: the resource tree by component, counts by type, what is protected."""

from __future__ import annotations

from aiscale.core.plan import Plan
from aiscale.core.render.cost import table_lines
from aiscale.core.render.tree import walk


def render_table(plan: Plan) -> str:
    run = plan.run
    summary = plan.summary()
    lines = [
        f"Stack {run.stack} · project {run.project.name} · environment {run.environment or 'unknown'}",
        f"Offline preview: {summary['resources']} resources in {summary['components']} components "
        f"({run.seconds:.1f} s, no cloud calls)",
        "",
    ]
    if plan.environment_warning:
        lines[1:1] = [f"warning: {plan.environment_warning}"]
    rows = [
        (f"{prefix}{connector}{r.type}", r.name, "protected" if r.protect else "")
        for r, prefix, connector in walk(run.registrations)
    ]
    rows.insert(0, ("pulumi:pulumi:Stack", f"{run.project.name}-{run.stack}", ""))
    rows = [(f"  + {t}", n, p) for t, n, p in rows]
    width = max(len(t) for t, _, _ in rows) + 2
    name_width = max(len(n) for _, n, _ in rows) + 2
    lines.append(f"{'    TYPE':<{width}}NAME")
    lines += [f"{t:<{width}}{n:<{name_width}}{p}".rstrip() for t, n, p in rows]

    lines += ["", "Resources by type:"]
    by_type = summary["byType"]
    count_width = len(str(max(by_type.values(), default=0)))
    lines += [f"  {count:>{count_width}}  {type_}" for type_, count in by_type.items()] or ["  (none)"]

    protected = [r for r in run.registrations if r.protect]
    lines += ["", f"Protected ({len(protected)}): Pulumi refuses to delete these until unprotected."]
    type_width = max((len(r.type) for r in protected), default=0) + 2
    lines += [f"  {r.type:<{type_width}}{r.name}" for r in protected] or ["  (none)"]

    lines += ["", *table_lines(plan.cost)]

    lines += ["", _violations(plan)]
    for violation in sorted(plan.violations, key=lambda v: v.enforcement != "mandatory"):
        target = violation.urn.split("::")[-1] if violation.urn else "stack"
        lines.append(f"  [{violation.enforcement}] {violation.policy} · {target}: {violation.message}")
    for waived in plan.waived:
        target = waived.urn.split("::")[-1] if waived.urn else "stack"
        lines.append(f"  [waived] {waived.policy} · {target}: {waived.reason}")
    for disabled in plan.disabled:
        target = disabled.urn.split("::")[-1] if disabled.urn else "stack"
        lines.append(f"  [disabled] {disabled.policy} · {target}: {disabled.message}")
    for lowered in plan.lowered:
        lines.append(
            f"  [lowered] {lowered.policy} is {lowered.level} here: central enforcement waiver {lowered.waiver}"
        )
    for skipped in plan.not_evaluated:
        target = skipped.urn.split("::")[-1] if skipped.urn else "stack"
        if skipped.kind == "not-applicable":
            lines.append(f"  [not applicable] {skipped.policy} · {target}: {skipped.message}")
    unknown = sum(1 for n in plan.not_evaluated if n.kind == "unknown")
    if unknown:
        lines.append(f"  ({unknown} checks need values known only after deployment; see --format json)")
    for note in run.notes + run.warnings:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _violations(plan: Plan) -> str:
    counts = plan.summary()["violations"]
    if plan.policy_pack is None:
        return "Policy violations: not evaluated (no policy pack was run)"
    waived = f", {counts['waived']} waived" if counts["waived"] else ""
    waived += f", {counts['disabled']} disabled" if counts["disabled"] else ""
    if not plan.violations:
        return f"Policy violations: none{waived}"
    return f"Policy violations: {counts['mandatory']} mandatory, {counts['advisory']} advisory{waived}"

"""Terminal rendering: the resource tree by component, counts by type, what is protected, cost and findings; with
a baseline, the change instead (Pulumi-style ``+ ~ ± -`` lines with the values, findings new and resolved, the
cost delta)."""

from __future__ import annotations

from aiscale.core.diff import PlanDiff, short_reason
from aiscale.core.plan import Plan
from aiscale.core.render.changes import SYMBOLS, field_lines
from aiscale.core.render.cost import delta, table_lines
from aiscale.core.render.terminal import Style
from aiscale.core.render.tree import walk


def render_table(plan: Plan, style: Style | None = None, changes: PlanDiff | None = None) -> str:
    style = style or Style()
    if changes is not None:
        return _join(_change_lines(plan, changes, style), style)
    run = plan.run
    summary = plan.summary()
    lines: list[tuple[str, str | None, bool]] = [
        (
            f"Stack {run.stack} · project {run.project.name} · environment {run.environment or 'unknown'}",
            "heading",
            True,
        ),
        (
            f"Offline preview: {summary['resources']} resources in {summary['components']} components "
            f"({run.seconds:.1f} s, no cloud calls)",
            None,
            True,
        ),
        ("", None, True),
    ]
    if plan.environment_warning:
        lines[1:1] = [(f"warning: {plan.environment_warning}", "update", True)]
    rows = [
        (f"{prefix}{connector}{r.type}", r.name, "protected" if r.protect else "")
        for r, prefix, connector in walk(run.registrations)
    ]
    rows.insert(0, ("pulumi:pulumi:Stack", f"{run.project.name}-{run.stack}", ""))
    rows = [(f"  + {t}", n, p) for t, n, p in rows]
    width = max(len(t) for t, _, _ in rows) + 2
    name_width = max(len(n) for _, n, _ in rows) + 2
    lines.append((f"{'    TYPE':<{width}}NAME", "heading", False))
    lines += [(f"{t:<{width}}{n:<{name_width}}{p}".rstrip(), None, False) for t, n, p in rows]

    lines += [("", None, True), ("Resources by type:", "heading", True)]
    by_type = summary["byType"]
    count_width = len(str(max(by_type.values(), default=0)))
    lines += [(f"  {count:>{count_width}}  {type_}", None, False) for type_, count in by_type.items()] or [
        ("  (none)", None, True)
    ]

    protected = [r for r in run.registrations if r.protect]
    lines += [
        ("", None, True),
        (f"Protected ({len(protected)}): Pulumi refuses to delete these until unprotected.", "heading", True),
    ]
    type_width = max((len(r.type) for r in protected), default=0) + 2
    lines += [(f"  {r.type:<{type_width}}{r.name}", None, False) for r in protected] or [("  (none)", None, True)]

    lines += [("", None, True), *((line, None, True) for line in table_lines(plan.cost))]
    lines += [("", None, True), (_violations(plan), "heading", True)]
    lines += _finding_lines(plan)
    lines += [(f"note: {note}", "muted", True) for note in run.notes + run.warnings]
    return _join(lines, style)


def _join(lines: list[tuple[str, str | None, bool]], style: Style) -> str:
    out: list[str] = []
    for text, role, wrap in lines:
        out += style.fit(text, role, wrap=wrap)
    return "\n".join(out) + "\n"


def _finding_lines(plan: Plan) -> list[tuple[str, str | None, bool]]:
    lines: list[tuple[str, str | None, bool]] = []
    for violation in sorted(plan.violations, key=lambda v: v.enforcement != "mandatory"):
        target = violation.urn.split("::")[-1] if violation.urn else "stack"
        line = f"  [{violation.enforcement}] {violation.policy} · {target}: {violation.message}"
        lines.append((line, violation.enforcement, True))
    for waived in plan.waived:
        target = waived.urn.split("::")[-1] if waived.urn else "stack"
        lines.append((f"  [waived] {waived.policy} · {target}: {waived.reason}", "muted", True))
    for disabled in plan.disabled:
        target = disabled.urn.split("::")[-1] if disabled.urn else "stack"
        lines.append((f"  [disabled] {disabled.policy} · {target}: {disabled.message}", "muted", True))
    for lowered in plan.lowered:
        line = f"  [lowered] {lowered.policy} is {lowered.level} here: central enforcement waiver {lowered.waiver}"
        lines.append((line, "muted", True))
    lines += _not_evaluated_lines(plan)
    return lines


def _not_evaluated_lines(plan: Plan) -> list[tuple[str, str | None, bool]]:
    lines: list[tuple[str, str | None, bool]] = []
    for skipped in plan.not_evaluated:
        target = skipped.urn.split("::")[-1] if skipped.urn else "stack"
        if skipped.kind == "not-applicable":
            lines.append((f"  [not applicable] {skipped.policy} · {target}: {skipped.message}", "muted", True))
    unknown = sum(1 for n in plan.not_evaluated if n.kind == "unknown")
    if unknown:
        lines.append(
            (f"  ({unknown} checks need values known only after deployment; see --format json)", "muted", True)
        )
    return lines


def _violations(plan: Plan) -> str:
    counts = plan.summary()["violations"]
    if plan.policy_pack is None:
        return "Policy violations: not evaluated (no policy pack was run)"
    waived = f", {counts['waived']} waived" if counts["waived"] else ""
    waived += f", {counts['disabled']} disabled" if counts["disabled"] else ""
    if not plan.violations:
        return f"Policy violations: none{waived}"
    return f"Policy violations: {counts['mandatory']} mandatory, {counts['advisory']} advisory{waived}"


# --- Against a baseline ----------------------------------------------------------------------------------------------


def _change_lines(plan: Plan, changes: PlanDiff, style: Style) -> list[tuple[str, str | None, bool]]:
    run = plan.run
    lines: list[tuple[str, str | None, bool]] = [
        (changes.resources.headline(), "heading", True),
        (
            f"Stack {run.stack} · project {run.project.name} · environment {run.environment or 'unknown'} · against "
            f"the baseline plan of {changes.baseline.get('stack')} ({run.seconds:.1f} s, no cloud calls)",
            "muted",
            True,
        ),
        ("", None, True),
    ]
    for change in changes.resources.changes:
        note = {
            "update": "update (replacement not known offline)",
            "replace": "replace (a changed input forces a new resource)",
            "rename": f"renamed from {change.previous_name} (replaced unless an alias names the old URN)",
        }.get(change.action, "")
        stateful = " [stateful]" if change.stateful and change.action != "create" else ""
        head = f"  {SYMBOLS[change.action]} {change.type}  {change.name}{stateful}" + (f"  {note}" if note else "")
        lines.append((head, change.action, True))
        lines += [(f"        {line}", None, True) for line in field_lines(change)]
    if not changes.resources.changes:
        lines.append(("  no resource changes", "muted", True))

    lines.append(("", None, True))
    if changes.findings is None:
        lines.append((f"Findings: {changes.findings_note}", "heading", True))
        lines += _finding_lines(plan)
    else:
        found = changes.findings
        counts = found.counts()
        lines.append(
            (
                f"Findings: {counts['newMandatory']} new mandatory · {counts['new'] - counts['newMandatory']} new "
                f"advisory · {counts['resolved']} resolved · {counts['unchanged']} unchanged",
                "heading",
                True,
            )
        )
        for finding in found.new:
            target = str(finding.get("urn") or "stack").split("::")[-1]
            level = str(finding.get("enforcement"))
            lines.append((f"  new [{level}] {finding['policy']} · {target}: {finding.get('message')}", level, True))
        for finding in found.resolved:
            target = str(finding.get("urn") or "stack").split("::")[-1]
            lines.append((f"  resolved {finding['policy']} · {target}: {finding.get('message')}", "create", True))
        for finding in found.escalated:
            target = str(finding.get("urn") or "stack").split("::")[-1]
            lines.append(
                (f"  now mandatory {finding['policy']} · {target}: {finding.get('message')}", "mandatory", True)
            )
        lines += _not_evaluated_lines(plan)

    cost = changes.cost
    currency = cost.currency or ""
    lines += [
        ("", None, True),
        (
            f"Cost per month: floor {delta(cost.total('floor'))} · ceiling {delta(cost.total('ceiling'))} {currency}",
            "heading",
            True,
        ),
    ]
    for entry in cost.resources:
        gone = " (removed)" if entry.after is None else ""
        lines.append(
            (f"  {delta(entry.floor):>12} floor {delta(entry.ceiling):>12} ceiling  {entry.name}{gone}", None, True)
        )
    for unpriced in cost.newly_unpriced:
        lines.append((f"  +1 unpriced: {unpriced['name']}, {short_reason(unpriced)}", "update", True))
    lines.append((f"  estimate: {plan.cost.headline()}", None, True))
    lines += [(f"  warning: {w}", "update", True) for w in plan.cost.warnings]
    lines += [(f"note: {note}", "muted", True) for note in run.notes + run.warnings]
    return lines

"""Markdown rendering of a plan (a pull-request comment body)."""

from __future__ import annotations

from aiscale.core.plan import Plan
from aiscale.core.render.tree import walk


def render_markdown(plan: Plan) -> str:
    run = plan.run
    summary = plan.summary()
    lines = [
        f"### aiscale plan · `{run.stack}` ({run.environment or 'unknown environment'})",
        "",
        f"**{summary['resources']}** resources in **{summary['components']}** components · "
        f"**{summary['protected']}** protected · "
        + (
            "policies not evaluated"
            if plan.policy_pack is None
            else f"policy violations: **{summary['violations']['mandatory']}** mandatory, "
            f"**{summary['violations']['advisory']}** advisory, **{summary['violations']['waived']}** waived"
        ),
        "",
    ]
    lines += _policy_results(plan)
    lines += ["| Count | Type |", "|---:|---|"]
    lines += [f"| {count} | `{type_}` |" for type_, count in summary["byType"].items()]
    lines += ["", "<details><summary>Resources</summary>", "", "```"]
    lines += [
        f"{prefix}{connector}{r.type} {r.name}{' (protected)' if r.protect else ''}"
        for r, prefix, connector in walk(run.registrations)
    ]
    lines += ["```", "", "</details>", ""]
    return "\n".join(lines)


def _policy_results(plan: Plan) -> list[str]:
    """Policy results grouped: mandatory (blocking) first, then advisory, then waived (visible, not hidden)."""
    lines: list[str] = []
    groups = (
        ("Mandatory", [v for v in plan.violations if v.enforcement == "mandatory"]),
        ("Advisory", [v for v in plan.violations if v.enforcement == "advisory"]),
    )
    for title, violations in groups:
        if not violations:
            continue
        lines += [f"#### {title} ({len(violations)})", "", "| Policy | Resource | Message |", "|---|---|---|"]
        lines += [f"| `{v.policy}` | {_target(v.urn)} | {_cell(v.message)} |" for v in violations]
        lines.append("")
    if plan.waived:
        lines += [f"#### Waived ({len(plan.waived)})", "", "| Policy | Resource | Waiver |", "|---|---|---|"]
        lines += [f"| `{w.policy}` | {_target(w.urn)} | {_cell(w.reason)} |" for w in plan.waived]
        lines.append("")
    return lines


def _target(urn: str | None) -> str:
    return f"`{urn.split('::')[-1]}`" if urn else "stack"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

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
            f"**{summary['violations']['advisory']}** advisory"
        ),
        "",
    ]
    if plan.violations:
        lines += ["| Enforcement | Policy | Resource | Message |", "|---|---|---|---|"]
        for v in plan.violations:
            target = f"`{v.urn.split('::')[-1]}`" if v.urn else "stack"
            lines.append(f"| {v.enforcement} | `{v.policy}` | {target} | {_cell(v.message)} |")
        lines.append("")
    lines += ["| Count | Type |", "|---:|---|"]
    lines += [f"| {count} | `{type_}` |" for type_, count in summary["byType"].items()]
    lines += ["", "<details><summary>Resources</summary>", "", "```"]
    lines += [
        f"{prefix}{connector}{r.type} {r.name}{' (protected)' if r.protect else ''}"
        for r, prefix, connector in walk(run.registrations)
    ]
    lines += ["```", "", "</details>", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
